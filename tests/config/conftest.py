"""The owner case desk's usual world (an estate, a unit in 3号楼, its service staff, the noise
category) and English pages, shared with the dashboard tests here rather than written again."""

from tests.complaints.arrears_helpers import english  # noqa: F401 (fixtures, re-exported for pytest)
from tests.complaints.conftest import estate, noise, service, unit  # noqa: F401

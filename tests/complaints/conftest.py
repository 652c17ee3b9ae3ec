import io

import pytest
from PIL import Image

from complaints.models import Category
from owners.models import Role
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, UnitFactory, UserFactory, staff_member


@pytest.fixture
def estate():
    return EstateFactory(name="春江花园")


@pytest.fixture
def unit(estate):
    return UnitFactory(building=BuildingFactory(estate=estate, name="3号楼"), entrance="2", number="1201")


@pytest.fixture
def owner(unit):
    """An owner with a portal account living in `unit`."""
    from owners.models import User

    occupancy = OccupancyFactory(unit=unit)
    resident = occupancy.resident
    user = UserFactory(kind=User.Kind.RESIDENT, mobile=resident.mobile, username=f"resident-{resident.mobile}")
    resident.user = user
    resident.save()
    return User.objects.get(pk=user.pk)


@pytest.fixture
def service(estate):
    return staff_member(estate, role=Role.SERVICE, email="service@example.com")


@pytest.fixture
def manager(estate):
    return staff_member(estate, role=Role.ESTATE_MANAGER, email="manager@example.com")


@pytest.fixture
def noise():
    # get_or_create: transactional tests flush the rows the data migration installed.
    return Category.objects.get_or_create(code="noise", defaults={"name": "噪音", "name_en": "Noise"})[0]


def image_bytes(fmt="JPEG", size=(64, 48), exif=None, color=(200, 30, 30)):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()

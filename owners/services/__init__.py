"""Every write to owners data goes through these functions (see ARCHITECTURE.md, "One door")."""

from .accounts import (
    invitation_accept,
    invitation_from_token,
    invitation_token,
    resident_invite,
    staff_roles_sync,
)
from .imports import ImportError, ImportResult, RowError, import_residents, import_units
from .residents import resident_create, resident_move_in

__all__ = [
    "ImportError",
    "ImportResult",
    "RowError",
    "import_residents",
    "import_units",
    "invitation_accept",
    "invitation_from_token",
    "invitation_token",
    "resident_create",
    "resident_invite",
    "resident_move_in",
    "staff_roles_sync",
]

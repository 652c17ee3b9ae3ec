"""Every write to owners data goes through these functions (see ARCHITECTURE.md, "One door")."""

from .accounts import (
    invitation_accept,
    invitation_from_token,
    invitation_token,
    resident_invite,
    staff_roles_sync,
    user_password_reset_request,
)
from .imports import ImportError, ImportResult, RowError, import_residents, import_units
from .residents import resident_create, resident_mobile_check, resident_move_in, resident_update
from .staff import staff_membership_check, staff_membership_revoke, staff_membership_save

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
    "resident_mobile_check",
    "resident_invite",
    "resident_move_in",
    "resident_update",
    "staff_membership_check",
    "staff_membership_revoke",
    "staff_membership_save",
    "staff_roles_sync",
    "user_password_reset_request",
]

"""Every write to owners data goes through these functions (see ARCHITECTURE.md, "One door")."""

from .accounts import (
    invitation_accept,
    invitation_from_token,
    invitation_token,
    resident_invite,
    staff_roles_sync,
    user_password_reset_request,
    user_password_reset_request_by_identifier,
)
from .exports import export_record_finish, export_record_start
from .imports import ImportRejected, ImportResult, RowError, estate_residents_import, estate_units_import
from .ledger import fee_ledger_import, fee_payment_record
from .registry import building_create, building_update, estate_create, estate_update, unit_create, unit_update
from .residents import resident_create, resident_mobile_check, resident_mobile_reveal, resident_move_in, resident_update
from .staff import staff_membership_check, staff_membership_revoke, staff_membership_save

__all__ = [
    "ImportRejected",
    "ImportResult",
    "RowError",
    "building_create",
    "building_update",
    "estate_create",
    "estate_residents_import",
    "estate_units_import",
    "estate_update",
    "export_record_finish",
    "export_record_start",
    "fee_ledger_import",
    "fee_payment_record",
    "invitation_accept",
    "invitation_from_token",
    "invitation_token",
    "resident_create",
    "resident_invite",
    "resident_mobile_check",
    "resident_mobile_reveal",
    "resident_move_in",
    "resident_update",
    "staff_membership_check",
    "staff_membership_revoke",
    "staff_membership_save",
    "staff_roles_sync",
    "unit_create",
    "unit_update",
    "user_password_reset_request",
    "user_password_reset_request_by_identifier",
]

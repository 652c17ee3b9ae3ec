"""Who may see and work a complaint. Views, API and admin ask here."""

from owners.permissions import ALL, staff_estate_ids

from .apps import ComplaintsConfig

WORK_PERMISSION = "complaints.change_complaint"


def complaint_working_roles() -> list[str]:
    """The roles whose declared permissions include working tickets (see ComplaintsConfig), so
    "who may be assigned" follows the permission, never a list of role names."""
    return sorted(role for role, codes in ComplaintsConfig.role_permissions.items() if WORK_PERMISSION in codes)


def can_work(user, complaint) -> bool:
    """Staff of the complaint's estate whose role may work tickets."""
    scope = staff_estate_ids(user)
    in_scope = scope is ALL or complaint.estate_id in scope
    return in_scope and user.has_perm(WORK_PERMISSION)


def is_owner_of(user, complaint) -> bool:
    resident = getattr(user, "resident", None) if getattr(user, "is_resident", False) else None
    return resident is not None and complaint.resident_id == resident.pk

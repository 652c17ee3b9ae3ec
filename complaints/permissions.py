"""Who may see and do what with complaints: named predicates that the pages, the API, the admin
and the services all ask, so a door cannot forget a rule the others apply.

Which estates a person sees comes from owners.permissions; what their role may do comes from the
permissions its group carries (declared in ComplaintsConfig.role_permissions), never from role
names. Which lifecycle moves an owner may make is the lifecycle's to say (lifecycle.py).
"""

from owners.permissions import ALL, can_see_estate, staff_estate_ids

from .apps import ComplaintsConfig

LOG_PERMISSION = "complaints.add_complaint"
WORK_PERMISSION = "complaints.change_complaint"


def complaint_working_roles() -> list[str]:
    """The roles whose declared permissions include working tickets (see ComplaintsConfig), so
    "who may be assigned" follows the permission, never a list of role names."""
    return sorted(role for role, codes in ComplaintsConfig.role_permissions.items() if WORK_PERMISSION in codes)


def resident_of(user):
    """The resident record behind an owner's account, or None (staff, anonymous, no record)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_resident", False):
        return None
    return getattr(user, "resident", None)


def is_owner_of(user, complaint) -> bool:
    resident = resident_of(user)
    return resident is not None and complaint.resident_id == resident.pk


def complaint_can_log(user, estate_id: int | None = None) -> bool:
    """May staff `user` log a complaint on an owner's behalf at `estate_id` (None: at any estate
    of theirs)? Their role must carry the add permission — a spokesperson's view-only role does
    not, even company-wide — and the estate must be one they see."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(LOG_PERMISSION):
        return False
    if estate_id is None:
        scope = staff_estate_ids(user)
        return scope is ALL or bool(scope)
    return can_see_estate(user, estate_id)


def can_work(user, complaint) -> bool:
    """Staff of the complaint's estate whose role may work tickets."""
    return can_see_estate(user, complaint.estate_id) and user.has_perm(WORK_PERMISSION)


def photo_can_view(user, photo) -> bool:
    """Staff of the ticket's estate see all its photos; its owner only the public ones (staff
    visit photos are internal); everyone else none."""
    complaint = photo.complaint
    if is_owner_of(user, complaint):
        return photo.public
    return resident_of(user) is None and getattr(user, "is_authenticated", False) and can_see_estate(user, complaint.estate_id)

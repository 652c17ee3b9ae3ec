"""Who may see and do what with complaints: named predicates that the pages, the API, the admin
and the services all ask, so a door cannot forget a rule the others apply.

Which estates a person sees comes from owners.permissions; what they may do at an estate comes
from the permissions the role they hold there carries (declared in
ComplaintsConfig.role_permissions; asked through owners.permissions.has_perm_at), never from
role names. Which lifecycle moves an owner may make is the lifecycle's to say (lifecycle.py).
"""

from owners.permissions import ALL, can_see_estate, estate_ids_with_perm, has_perm_at, roles_of

from .apps import ComplaintsConfig

LOG_PERMISSION = "complaints.add_complaint"
WORK_PERMISSION = "complaints.change_complaint"


def complaint_working_roles() -> list[str]:
    """The roles whose declared permissions include working tickets (see ComplaintsConfig), so
    "who may be assigned" follows the permission, never a list of role names."""
    return sorted(role for role, codes in ComplaintsConfig.role_permissions.items() if WORK_PERMISSION in codes)


def complaint_log_offered(user) -> bool:
    """Offer "Log a complaint" (the queue's button)? A role carrying the log permission at one of
    the user's assignments, read off the assignments the page has already loaded (no permission
    queries); the page behind it asks complaint_can_log."""
    roles = roles_of(user)
    return bool(roles) and any(LOG_PERMISSION in ComplaintsConfig.role_permissions.get(role, ()) for role in roles)


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
    of theirs)? The role they hold at that estate must carry the add permission — a
    spokesperson's view-only role does not, even company-wide (owners.permissions.has_perm_at)."""
    if estate_id is None:
        scope = estate_ids_with_perm(user, LOG_PERMISSION)
        return scope is ALL or bool(scope)
    return has_perm_at(user, LOG_PERMISSION, estate_id)


def can_work(user, complaint) -> bool:
    """Staff whose role at the complaint's estate may work tickets."""
    return has_perm_at(user, WORK_PERMISSION, complaint.estate_id)


def photo_can_view(user, photo) -> bool:
    """Staff of the ticket's estate see all its photos; its owner only the public ones (staff
    visit photos are internal); everyone else none."""
    complaint = photo.complaint
    if is_owner_of(user, complaint):
        return photo.public
    return resident_of(user) is None and getattr(user, "is_authenticated", False) and can_see_estate(user, complaint.estate_id)


# ---- Fee-arrears cases. Arrears are private: staff whose role at the estate carries the arrears
# permissions, and the owner their own account; never another owner, never a published page.

ARREARS_VIEW_PERMISSION = "complaints.view_arrearscase"
ARREARS_OPEN_PERMISSION = "complaints.add_arrearscase"
ARREARS_WORK_PERMISSION = "complaints.change_arrearscase"
ARREARS_APPROVE_PERMISSION = "complaints.approve_arrears_legal"
RELIEF_DECIDE_PERMISSION = "complaints.change_reliefrequest"


def arrears_can_view(user, estate_id) -> bool:
    return has_perm_at(user, ARREARS_VIEW_PERMISSION, estate_id)


def arrears_can_open(user, estate_id) -> bool:
    return has_perm_at(user, ARREARS_OPEN_PERMISSION, estate_id)


def arrears_can_work(user, case) -> bool:
    """Log contacts, move steps, send reminders and print letters on `case`."""
    return has_perm_at(user, ARREARS_WORK_PERMISSION, case.estate_id)


def arrears_can_approve(user, approval) -> bool:
    """May `user` approve or decline a lawyer letter or legal action? An estate manager (a role
    carrying the approve permission at the case's estate), and never the one who asked for it."""
    return has_perm_at(user, ARREARS_APPROVE_PERMISSION, approval.case.estate_id) and approval.requested_by_id != getattr(user, "pk", None)


def relief_can_decide(user, request) -> bool:
    return has_perm_at(user, RELIEF_DECIDE_PERMISSION, request.estate_id)


def is_arrears_owner(user, case) -> bool:
    """The owner of the case's unit: the case's resident."""
    resident = resident_of(user)
    return resident is not None and case.resident_id == resident.pk

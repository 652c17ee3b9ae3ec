"""Who may do what with announcements, statements, media records and inquiries.

Each predicate asks one thing: does a role the user holds at the estate concerned carry the
permission (declared once in communications/apps.py `role_permissions`)? That is
owners.permissions.has_perm_at, so a role held at one estate gives nothing at another. Services
enforce these; pages, the API and the admin ask the same ones to decide what to offer. None
looks at role names.
"""

from functools import cache

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from owners.models import StaffMembership, User
from owners.permissions import ALL, estate_ids_with_perm, has_perm_at, roles_of, staff_estate_ids
from owners.roles import role_permissions
from owners.selectors import resident_homes

from .reach import announcement_reach, announcements_reaching

ANSWER_INQUIRY = "communications.answer_mediainquiry"
APPROVE_STATEMENT = "communications.approve_statement"
APPROVE_ANNOUNCEMENT = "communications.approve_announcement"
# Marking an "I need help" answer handled (services.help_requests.need_help_mark_handled).
HANDLE_NEED_HELP = "communications.change_acknowledgement"
# Permissions live in the database whatever backend signs people in; ask the model backend.
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def media_record_write_denial(user, model, estate_id, *, adding: bool = False) -> str | None:
    """Why `user` may not add (`adding`) or change a `model` row (mention, inquiry, stakeholder)
    of `estate_id`, or None when they may. `estate_id` None is a company-wide row: only
    company-wide staff write those. An update must pass for the row's estate before and after."""
    perm = _perm(model, "add" if adding else "change")
    if not user.has_perm(perm):
        return _("Your role may read media records but not record or change them.")
    if not has_perm_at(user, perm, estate_id):
        if estate_id is None:
            return _("Only company-wide staff may record or change company-wide media records.")
        return _("You may only record or change media records of the estates you work for.")
    return None


def media_record_can_write(user, model, estate_id, *, adding: bool = False) -> bool:
    return media_record_write_denial(user, model, estate_id, adding=adding) is None


def media_record_can_add(user, model) -> bool:
    """Does the user's role record this kind of row at all (for some estate)? For offering forms."""
    return user.has_perm(_perm(model, "add"))


def contact_log_can_add(user, stakeholder) -> bool:
    """Anyone whose role logs contacts may log one with a stakeholder of their estates or a
    company-wide one (a street office talks to every estate); the log only grows."""
    perm = "communications.add_contactlog"
    if stakeholder.estate_id is None:
        return user.has_perm(perm)
    return has_perm_at(user, perm, stakeholder.estate_id)


def inquiry_can_answer(user, estate_id) -> bool:
    """May `user` speak for the company on an inquiry about `estate_id` (answer or decline it)?
    Holders of the answer permission whose scope covers the estate; company-wide inquiries
    (estate None) only company-wide ones."""
    return has_perm_at(user, ANSWER_INQUIRY, estate_id)


def inquiry_assignees_for(actor) -> QuerySet[User]:
    """Whom `actor` may pick as an inquiry's assignee: active staff with the answer permission
    whose scope covers one of the actor's estates (company-wide ones always). The exact check
    for one inquiry is `inquiry_assignee_valid`; this is the list a form offers."""
    holders = User.objects.with_perm(ANSWER_INQUIRY, backend=_MODEL_BACKEND).values("pk")
    scope = staff_estate_ids(actor)
    memberships = StaffMembership.objects.all()
    if scope is not ALL:
        memberships = memberships.filter(Q(estate_id__in=scope) | Q(estate__isnull=True))
    return (User.objects.filter(pk__in=holders, is_active=True, kind=User.Kind.STAFF)
            .filter(Q(pk__in=memberships.values("user_id")) | Q(is_superuser=True))
            .order_by("first_name", "username"))


def inquiry_assignee_valid(assignee, estate_id) -> bool:
    """Is `assignee` someone who may answer an inquiry of `estate_id`?"""
    return assignee.kind == User.Kind.STAFF and inquiry_can_answer(assignee, estate_id)


def statement_can_write(user, estate_id, *, adding: bool = False) -> bool:
    """May `user` draft (`adding`), submit, publish or add a version to a statement of
    `estate_id`? Company-wide statements (None): company-wide staff only."""
    return has_perm_at(user, f"communications.{'add' if adding else 'change'}_statement", estate_id)


def statement_can_approve(user, estate_id) -> bool:
    """Holders of the approve permission at the statement's estate (company-wide statements:
    holders of it company-wide)."""
    return has_perm_at(user, APPROVE_STATEMENT, estate_id)



def announcement_can_write(user, announcement, *, adding: bool = False) -> bool:
    """May `user` write (`adding`), edit, send for approval, send, cancel or chase this
    announcement? Holders of the write permission at every estate it reaches;
    company-wide announcements only company-wide staff."""
    scope = estate_ids_with_perm(user, f"communications.{'add' if adding else 'change'}_announcement")
    if scope is ALL:
        return True
    reach = announcement_reach(announcement)
    return bool(scope) and reach is not None and reach <= scope


def announcement_can_approve(user, announcement) -> bool:
    """Holders of the approve permission at every estate it reaches (a company-wide
    announcement: holders of it company-wide)."""
    scope = estate_ids_with_perm(user, APPROVE_ANNOUNCEMENT)
    if scope is ALL:
        return True
    reach = announcement_reach(announcement)
    return bool(scope) and bool(reach) and reach <= scope


def need_help_estate_ids(ack) -> set[int] | None:
    """The estates an "I need help" answer belongs to: where the resident lives now, among the
    estates the announcement reaches (all it reaches if they live in none of them); None when
    that is the whole company and they live nowhere we know."""
    reach = announcement_reach(ack.announcement)
    homes = {o.unit.building.estate_id for o in resident_homes(ack.resident)}
    inside = homes if reach is None else homes & reach
    return inside or reach


def need_help_can_handle(user, ack) -> bool:
    """May `user` mark this "I need help" answer handled? Staff whose role carries the permission
    (service staff, managers, the media desk; not engineers) at an estate the answer belongs to."""
    estates = need_help_estate_ids(ack)
    if estates is None:
        return has_perm_at(user, HANDLE_NEED_HELP, None)
    return any(has_perm_at(user, HANDLE_NEED_HELP, estate_id) for estate_id in estates)


def _approvers(perm, estate_ids, may) -> list[User]:
    """Who is asked to approve: holders of `perm` assigned at one of `estate_ids` for whom
    `may(user)` holds; when there is nobody there, the company-wide holders (so a request always
    reaches someone). Few people, so the predicate is asked person by person."""
    holders = User.objects.with_perm(perm, backend=_MODEL_BACKEND).filter(is_active=True, kind=User.Kind.STAFF).order_by("pk")
    local = [u for u in holders.filter(memberships__estate_id__in=list(estate_ids or ())).distinct() if may(u)]
    if local:
        return local
    everywhere = holders.filter(Q(is_superuser=True) | Q(memberships__estate__isnull=True)).distinct()
    return [u for u in everywhere if may(u)]


def announcement_approvers(announcement) -> list[User]:
    """Whom to ask to approve this announcement (see _approvers)."""
    return _approvers(APPROVE_ANNOUNCEMENT, announcement_reach(announcement),
                      lambda user: announcement_can_approve(user, announcement))


def statement_approvers(statement) -> list[User]:
    """Whom to ask to approve this statement (see _approvers)."""
    return _approvers(APPROVE_STATEMENT, [statement.estate_id] if statement.estate_id else [],
                      lambda user: statement_can_approve(user, statement.estate_id))


@cache
def _roles_with(perm: str) -> frozenset[str]:
    return frozenset(role for role, codes in role_permissions().items() if perm in codes)


def _approval_scope(user, perm):
    """estate_ids_with_perm, skipped (an empty set, no query) for someone none of whose roles
    carries `perm` — most staff, on every page that shows the approvals badge."""
    if not getattr(user, "is_superuser", False) and not roles_of(user) & _roles_with(perm):
        return set()
    return estate_ids_with_perm(user, perm)


def announcements_awaiting_approval_by(user) -> QuerySet:
    """The announcements waiting for approval that `user` may approve — announcement_can_approve
    as one filter: every estate it reaches is one where they hold the permission."""
    from .models import Announcement
    from .reach import announcements_beyond

    waiting = Announcement.objects.filter(status=Announcement.Status.PENDING_APPROVAL)
    scope = _approval_scope(user, APPROVE_ANNOUNCEMENT)
    if scope is ALL:
        return waiting
    if not scope:
        return waiting.none()
    # By id, as the selectors do: a join through the estates would count an announcement once per estate.
    reaching = Announcement.objects.filter(announcements_reaching(scope)).values("id")
    return waiting.filter(id__in=reaching).exclude(announcements_beyond(scope))


def statements_awaiting_approval_by(user) -> QuerySet:
    """The statements in review that `user` may approve (statement_can_approve as one filter)."""
    from .models import Statement

    waiting = Statement.objects.filter(status=Statement.Status.IN_REVIEW)
    scope = _approval_scope(user, APPROVE_STATEMENT)
    if scope is ALL:
        return waiting
    return waiting.filter(estate_id__in=scope) if scope else waiting.none()

"""Complaint tickets after submission (submission.py): the lifecycle, triage, conversation,
ratings and follow-ups.

Every function that changes a ticket locks its row first (select_for_update), so two staff
acting at the same moment are serialised: the second sees the first one's result and is
refused if its action no longer applies. Each change writes its timeline entry in the same
transaction; notices to people are recorded in it too and sent after commit.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.models import Role

from ..lifecycle import OWNER_STATUS_TEXT, RESPONDED, TRANSITIONS
from ..models import Complaint, ComplaintEvent, ComplaintLink, ComplaintPhoto, FollowUp, Status
from ..permissions import can_work, is_owner_of
from ..photos import photos_clean
from ..selectors import assignable_staff
from .notify import owner_notify, owner_reopened_tell, staff_notify
from .sla import sla_due_times

Kind = ComplaintEvent.Kind
TEXT_MAX = 5000


def _text(value, field, *, required=True):
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This cannot be empty.")})
    if len(value) > TEXT_MAX:
        raise ValidationError({field: _("Please keep it under %(n)d characters.") % {"n": TEXT_MAX}})
    return value


def _locked(complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("resident", "category", "estate").get(pk=complaint.pk)


def _event(complaint, kind, actor=None, *, public=False, body="", from_status="", to_status="", params=None):
    """A timeline entry. `body` is only what a person typed; the line the system adds is worded
    from kind, statuses and `params` in the reader's language when shown (complaints.events)."""
    return ComplaintEvent.objects.create(complaint=complaint, kind=kind, actor=actor, public=public, body=body,
                                         from_status=from_status, to_status=to_status, params=params or {})


def _save_photos(complaint, cleaned, actor, event=None, public=True):
    for photo in cleaned:
        ComplaintPhoto.objects.create(complaint=complaint, event=event, image=photo.content, content_type=photo.content_type,
                                      width=photo.width, height=photo.height, uploaded_by=actor, public=public)


def _photos_room(complaint, count: int, *, public: bool):
    """Refuse photos past PHOTO_MAX_PER_COMPLAINT. The owner's conversation (public photos) and
    staff visits (internal ones) have an allowance each, so an owner cannot use up the staff's."""
    if not count:
        return
    held = ComplaintPhoto.objects.filter(complaint=complaint, public=public).count()
    if held + count > settings.PHOTO_MAX_PER_COMPLAINT:
        raise ValidationError(
            _("A complaint can have at most %(max)d photos; this one has %(held)d already.")
            % {"max": settings.PHOTO_MAX_PER_COMPLAINT, "held": held}, code="ticket_full",
        )


def _photos_prepare(complaint, photos, *, public: bool):
    """Photos decoded and re-encoded before the caller locks the ticket: decoding can take seconds,
    and under the lock every other action on the ticket would wait for it. The allowance is
    checked first, so a full ticket costs no decoding, and again under the lock."""
    photos = list(photos or [])
    _photos_room(complaint, len(photos), public=public)
    return photos_clean(photos)


def _require_staff(actor, complaint):
    if not can_work(actor, complaint):
        raise PermissionDenied(_("You may not work on complaints of this estate."))


@transaction.atomic
def complaint_transition(complaint, action: str, *, actor, text: str = "", owner: bool = False) -> Complaint:
    """Move a ticket along the lifecycle, or raise ValidationError saying why it cannot move."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("Unknown action “%(action)s”.") % {"action": action})
    complaint = _locked(complaint)
    if owner:
        if not transition.by_owner or not is_owner_of(actor, complaint):
            raise PermissionDenied(_("You may not do this."))
    else:
        if not transition.by_staff:
            raise PermissionDenied(_("Only the owner can do this."))
        _require_staff(actor, complaint)
    if complaint.status not in transition.sources:
        if owner and transition.target == Status.WITHDRAWN:  # the owner is told what to do instead
            raise ValidationError(str(transition.owner_refusal), code="illegal_transition")
        raise ValidationError(
            _("A complaint that is “%(status)s” cannot be moved with “%(action)s”.")
            % {"status": complaint.get_status_display(), "action": transition.label},
            code="illegal_transition",
        )
    if not transition.allows(complaint, owner=owner):  # the owner's guard said no
        raise ValidationError(str(transition.owner_refusal), code="illegal_transition")
    text = _text(text, transition.needs_text or "text", required=bool(transition.needs_text))
    now = timezone.now()
    source = complaint.status
    complaint.status = transition.target
    if transition.target in RESPONDED and complaint.first_response_at is None:
        complaint.first_response_at = now
    if transition.target == Status.RESOLVED:
        complaint.resolved_at, complaint.resolution_summary = now, text
        complaint.rating = None
        complaint.rated_at = None
        _follow_up_schedule(complaint, now)
    elif transition.target == Status.CLOSED:
        complaint.closed_at = now
    elif transition.target == Status.REJECTED:
        complaint.rejection_reason, complaint.closed_at = text, now
    elif transition.target == Status.WITHDRAWN:
        complaint.closed_at = now  # no longer open: the SLA sweep and the queue leave it alone
    elif transition.target == Status.REOPENED:
        complaint.resolved_at = complaint.closed_at = None
        if owner:
            complaint.flagged = True
    complaint.save()
    _event(complaint, Kind.TRANSITION, actor, public=True, body=text, from_status=source, to_status=transition.target)
    if transition.target in (Status.ACKNOWLEDGED, Status.RESOLVED, Status.REJECTED) or (transition.target == Status.REOPENED and not owner):
        owner_notify(complaint, f"complaint.{transition.target}", f"{transition.target}:{now.timestamp():.0f}",
                     lambda: str(OWNER_STATUS_TEXT[transition.target]))
    if transition.target == Status.WITHDRAWN:
        _withdrawn_tell_staff(complaint, now)
    if owner and transition.target == Status.REOPENED:
        owner_reopened_tell(complaint, now)
    return complaint


def _withdrawn_tell_staff(complaint, now):
    """Whoever already holds the ticket hears that it is off their list (nobody else had started)."""
    if complaint.assignee_id:
        staff_notify(complaint, [complaint.assignee], "complaint.withdrawn", f"withdrawn:{now.timestamp():.0f}",
                     lambda: _("The owner withdrew complaint %(number)s; no visit is needed.") % {"number": complaint.number})


def _follow_up_schedule(complaint, resolved_at):
    FollowUp.objects.update_or_create(
        complaint=complaint,
        defaults={"estate_id": complaint.estate_id,
                  "due_at": resolved_at + timedelta(days=complaint.category.follow_up_days), "assignee": complaint.assignee,
                  "done_at": None, "done_by": None, "outcome": "", "notes": ""},
    )


@transaction.atomic
def complaint_assign(complaint, *, assignee, actor) -> Complaint:
    complaint = _locked(complaint)
    _require_staff(actor, complaint)
    if not complaint.is_open:
        raise ValidationError(_("Only open complaints can be assigned."))
    if not assignable_staff(complaint.estate_id).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("%(name)s does not work complaints at this estate.") % {"name": assignee.display_name}})
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee", "updated_at"])
    FollowUp.objects.filter(complaint=complaint, done_at__isnull=True).update(assignee=assignee)
    held = set(assignee.memberships.filter(Q(estate_id=complaint.estate_id) | Q(estate__isnull=True)).values_list("role", flat=True))
    roles = [value for value in Role.values if value in held]  # the role here, in the choices' order
    _event(complaint, Kind.ASSIGNED, actor, public=True, params={"roles": roles})
    if assignee != actor:
        staff_notify(complaint, [assignee], "complaint.assigned", f"assigned:{timezone.now().timestamp():.0f}",
                     lambda: _("Complaint %(number)s has been assigned to you.") % {"number": complaint.number})
    return complaint


@transaction.atomic
def complaint_triage(complaint, *, actor, category=None, priority=None) -> Complaint:
    """Change category and/or priority; the SLA deadlines are recomputed from submission."""
    complaint = _locked(complaint)
    _require_staff(actor, complaint)
    if not complaint.is_open:
        raise ValidationError(_("Only open complaints can be triaged."))
    changes = {}
    if category is not None and category.pk != complaint.category_id:
        changes["category"] = [[c.name, c.name_en] for c in (complaint.category, category)]
        complaint.category = category
    if priority is not None and priority != complaint.priority:
        changes["priority"] = [complaint.priority, priority]
        complaint.priority = priority
    if not changes:
        return complaint
    complaint.response_due_at, complaint.resolution_due_at = sla_due_times(complaint.category, complaint.priority, complaint.created_at)
    complaint.save()
    _event(complaint, Kind.TRIAGED, actor, params=changes)
    return complaint


@transaction.atomic
def complaint_reply(complaint, *, actor, text) -> ComplaintEvent:
    """A reply the owner sees (and is told about). The first reply counts as the first response."""
    complaint = _locked(complaint)
    _require_staff(actor, complaint)
    text = _text(text, "text")
    if complaint.first_response_at is None:
        complaint.first_response_at = timezone.now()
        complaint.save(update_fields=["first_response_at", "updated_at"])
    event = _event(complaint, Kind.REPLY, actor, public=True, body=text)
    owner_notify(complaint, "complaint.reply", f"reply:{event.pk}", lambda: _("You have a new reply on complaint %(number)s.") % {"number": complaint.number})
    return event


@transaction.atomic
def complaint_note(complaint, *, actor, text) -> ComplaintEvent:
    """An internal note: staff only, never shown to the owner."""
    complaint = _locked(complaint)
    _require_staff(actor, complaint)
    return _event(complaint, Kind.NOTE, actor, body=_text(text, "text"))


def complaint_visit(complaint, *, actor, findings, photos=()) -> ComplaintEvent:
    """An on-site visit with findings and photos (internal). Photos are decoded before the lock."""
    _require_staff(actor, complaint)
    findings = _text(findings, "findings")
    cleaned = _photos_prepare(complaint, photos, public=False)
    return _visit_save(complaint, actor=actor, findings=findings, cleaned=cleaned)


@transaction.atomic
def _visit_save(complaint, *, actor, findings, cleaned) -> ComplaintEvent:
    complaint = _locked(complaint)
    _require_staff(actor, complaint)
    _photos_room(complaint, len(cleaned), public=False)
    event = _event(complaint, Kind.VISIT, actor, body=findings)
    _save_photos(complaint, cleaned, actor, event=event, public=False)
    return event


def _owner_message_check(complaint, user):
    if not is_owner_of(user, complaint):
        raise PermissionDenied(_("You may not do this."))
    if not complaint.is_open:
        raise ValidationError(_("This complaint is no longer open. If the problem is back, say it is not solved or submit a new complaint."))


def complaint_owner_message(complaint, *, user, text, photos=()) -> ComplaintEvent:
    """The owner adds a message, with photos if they like, to their open ticket. Photos are
    decoded before the lock; everything is checked again under it."""
    _owner_message_check(complaint, user)
    text = _text(text, "text")
    cleaned = _photos_prepare(complaint, photos, public=True)
    return _owner_message_save(complaint, user=user, text=text, cleaned=cleaned)


@transaction.atomic
def _owner_message_save(complaint, *, user, text, cleaned) -> ComplaintEvent:
    complaint = _locked(complaint)
    _owner_message_check(complaint, user)  # the ticket may have closed while the photos were decoded
    _photos_room(complaint, len(cleaned), public=True)
    event = _event(complaint, Kind.OWNER_MESSAGE, user, public=True, body=text)
    _save_photos(complaint, cleaned, user, event=event)
    if complaint.assignee_id:
        staff_notify(complaint, [complaint.assignee], "complaint.owner_message", f"message:{event.pk}",
                     lambda: _("The owner added a message to complaint %(number)s.") % {"number": complaint.number})
    return event


@transaction.atomic
def complaint_rate(complaint, *, user, rating: int, comment: str = "", solved: bool = True) -> Complaint:
    """The owner rates a resolved ticket. 1–2 stars or "not solved" reopens it and flags it to the
    estate manager; a satisfied rating accepts the solution, which closes it."""
    complaint = _locked(complaint)
    if not is_owner_of(user, complaint):
        raise PermissionDenied(_("You may not do this."))
    if complaint.status != Status.RESOLVED:
        raise ValidationError(_("Only a resolved complaint can be rated."), code="not_resolved")
    if complaint.rated_at is not None:
        raise ValidationError(_("You have already rated this complaint."), code="already_rated")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose from 1 to 5 stars.")})
    complaint.rating, complaint.rating_comment, complaint.rated_at = rating, _text(comment, "comment", required=False), timezone.now()
    complaint.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    _event(complaint, Kind.RATED, user, public=True, body=complaint.rating_comment, params={"rating": rating})
    # Both outcomes are the owner's lifecycle moves, with their guards and timeline entry.
    return complaint_transition(complaint, "reopen" if rating <= 2 or not solved else "accept", actor=user, owner=True)


@transaction.atomic
def complaint_link(complaint, other, *, actor, kind=ComplaintLink.Kind.RELATED) -> ComplaintLink:
    if complaint.pk == other.pk:
        raise ValidationError(_("A complaint cannot be linked to itself."))
    if complaint.estate_id != other.estate_id:
        raise ValidationError(_("Only complaints of the same estate can be linked."))
    _require_staff(actor, complaint)
    low, high = sorted([complaint, other], key=lambda c: c.pk)
    link, created = ComplaintLink.objects.get_or_create(from_complaint=low, to_complaint=high, defaults={"kind": kind, "created_by": actor})
    if created:
        for one, two in ((complaint, other), (other, complaint)):
            _event(one, Kind.LINKED, actor, params={"number": two.number, "link": link.kind})
    return link


@transaction.atomic
def follow_up_record(complaint, *, actor, outcome, notes="") -> FollowUp:
    """Record the follow-up call or visit. An unsatisfied owner reopens the ticket and flags it."""
    complaint = _locked(complaint)
    _require_staff(actor, complaint)
    follow_up = FollowUp.objects.select_for_update().filter(complaint=complaint).first()
    if follow_up is None:
        raise ValidationError(_("No follow-up is due for this complaint."))
    if follow_up.done_at:
        raise ValidationError(_("The follow-up was already recorded."))
    if outcome not in FollowUp.Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    follow_up.outcome, follow_up.notes = outcome, _text(notes, "notes", required=False)
    follow_up.done_at, follow_up.done_by = timezone.now(), actor
    follow_up.save()
    _event(complaint, Kind.FOLLOW_UP, actor, body=follow_up.notes, params={"outcome": outcome})
    if outcome == FollowUp.Outcome.UNSATISFIED:
        Complaint.objects.filter(pk=complaint.pk).update(flagged=True)
        if complaint.status in (Status.RESOLVED, Status.CLOSED):
            complaint_transition(complaint, "reopen", actor=actor, text=follow_up.notes)
    return follow_up

"""Statements (draft → in review → approved → published → superseded), media mentions and
inquiries, stakeholders and their contact log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Announcement, ContactLog, MediaInquiry, MediaMention, Stakeholder, Statement
from ..permissions import (
    contact_log_can_add,
    inquiry_assignee_valid,
    inquiry_can_answer,
    media_record_write_denial,
    statement_can_approve,
    statement_can_write,
)

S = Statement.Status


def _locked(statement) -> Statement:
    return Statement.objects.select_for_update().get(pk=statement.pk)


def _move(statement, sources, target, *, actor, check):
    statement = _locked(statement)
    check(statement)
    if statement.status not in sources:
        raise ValidationError(_("A statement that is “%(status)s” cannot be moved to “%(target)s”.")
                              % {"status": statement.get_status_display(), "target": S(target).label}, code="illegal_transition")
    statement.status = target
    return statement


@transaction.atomic
def statement_create(*, author, title, body, estate=None, subject=None) -> Statement:
    if not statement_can_write(author, estate.pk if estate else None, adding=True):
        raise PermissionDenied(_("You may only write statements for the estates you work for."))
    if not title.strip() or not body.strip():
        raise ValidationError(_("A statement needs a title and a text."))
    statement = Statement(author=author, title=title.strip(), body=body.strip(), estate=estate)
    if subject is not None:
        statement.subject = subject
    statement.save()
    return statement


@transaction.atomic
def statement_submit(statement, *, actor) -> Statement:
    """Draft → in review."""
    def check(s):
        if not statement_can_write(actor, s.estate_id):
            raise PermissionDenied(_("You may only write statements for the estates you work for."))
    statement = _move(statement, {S.DRAFT}, S.IN_REVIEW, actor=actor, check=check)
    statement.save(update_fields=["status"])
    return statement


@transaction.atomic
def statement_review(statement, *, actor, approve: bool, note: str = "") -> Statement:
    """In review → approved, or back to draft with a note. Managers only."""
    def check(s):
        if not statement_can_approve(actor, s.estate_id):
            raise PermissionDenied(_("Only a manager of this estate may approve its statements."))
    statement = _move(statement, {S.IN_REVIEW}, S.APPROVED if approve else S.DRAFT, actor=actor, check=check)
    statement.review_note = note.strip()
    if approve:
        statement.approved_by, statement.approved_at = actor, timezone.now()
    statement.save()
    return statement


@transaction.atomic
def statement_publish(statement, *, actor, announce: bool = False) -> Statement:
    """Approved → published; the thread's earlier published version becomes superseded.
    With `announce`, residents of the estate are sent it as an announcement too."""
    def check(s):
        if not statement_can_write(actor, s.estate_id):
            raise PermissionDenied(_("You may only publish statements for the estates you work for."))
    statement = _move(statement, {S.APPROVED}, S.PUBLISHED, actor=actor, check=check)
    Statement.objects.filter(thread=statement.thread, status=S.PUBLISHED).update(status=S.SUPERSEDED)
    statement.published_at = timezone.now()
    statement.save()
    if announce:
        from .announcements import announcement_create, announcement_publish

        announcement = announcement_create(
            author=actor, kind=Announcement.Kind.GENERAL, title=statement.title, body=statement.body,
            channels=["portal", "sms"], audience=Announcement.Audience.ESTATES if statement.estate_id else Announcement.Audience.COMPANY,
            estates=[statement.estate] if statement.estate_id else [], crisis_related=True,
        )
        # The statement itself was approved by a manager; the announcement carries that approval.
        Announcement.objects.filter(pk=announcement.pk).update(
            status=Announcement.Status.APPROVED, approved_by=statement.approved_by, approved_at=statement.approved_at)
        announcement.refresh_from_db()
        announcement_publish(announcement, actor=actor)
    return statement


@transaction.atomic
def statement_new_version(statement, *, actor, body: str, title: str = "") -> Statement:
    """A later update: a new draft on the same thread (published only after its own approval)."""
    if not statement_can_write(actor, statement.estate_id):
        raise PermissionDenied(_("You may only write statements for the estates you work for."))
    # Lock the thread's versions first: two updates started at once would otherwise both take the
    # next number and the second would fail on the (thread, version) constraint. Whoever waits
    # reads the other's new draft below and is told to finish that one.
    list(Statement.objects.select_for_update().filter(thread=statement.thread).order_by("pk").values_list("pk", flat=True))
    latest = Statement.objects.filter(thread=statement.thread).order_by("-version").first()
    if Statement.objects.filter(thread=statement.thread, status__in=[S.DRAFT, S.IN_REVIEW, S.APPROVED]).exists():
        raise ValidationError(_("This statement already has an unpublished version; finish that one first."))
    return Statement.objects.create(thread=statement.thread, version=latest.version + 1, title=(title or latest.title).strip(),
                                    body=body.strip(), estate=statement.estate, subject_type=statement.subject_type,
                                    subject_id=statement.subject_id, author=actor)


def _inquiry_close(inquiry, *, actor, status, text, empty_message) -> MediaInquiry:
    inquiry = MediaInquiry.objects.select_for_update().get(pk=inquiry.pk)
    if not inquiry_can_answer(actor, inquiry.estate_id):
        raise PermissionDenied(_("Only the spokesperson or a manager of this estate may answer the media."))
    if inquiry.status != MediaInquiry.Status.OPEN:
        raise ValidationError(_("This inquiry has already been answered."))
    if not text.strip():
        raise ValidationError({"answer": empty_message})
    inquiry.answer, inquiry.answered_at, inquiry.status = text.strip(), timezone.now(), status
    inquiry.save(update_fields=["answer", "answered_at", "status"])
    return inquiry


@transaction.atomic
def inquiry_answer(inquiry, *, actor, answer: str) -> MediaInquiry:
    """Open → answered: record the approved line given to the journalist."""
    return _inquiry_close(inquiry, actor=actor, status=MediaInquiry.Status.ANSWERED, text=answer,
                          empty_message=_("The answer cannot be empty."))


@transaction.atomic
def inquiry_decline(inquiry, *, actor, reason: str) -> MediaInquiry:
    """Open → declined. The reason, as told to the journalist, is kept as the inquiry's answer."""
    return _inquiry_close(inquiry, actor=actor, status=MediaInquiry.Status.DECLINED, text=reason,
                          empty_message=_("Say why the inquiry is declined."))


def contact_log_add(*, stakeholder, actor, summary, channel=ContactLog.Channel.PHONE, agreed="", at=None) -> ContactLog:
    """Append one conversation to a stakeholder's log. The log is append-only."""
    if not contact_log_can_add(actor, stakeholder):
        raise PermissionDenied(_("You may only log contacts for the estates you work for."))
    if not summary.strip():
        raise ValidationError({"summary": _("Say what was discussed.")})
    return ContactLog.objects.create(stakeholder=stakeholder, by=actor, summary=summary.strip(), channel=channel,
                                     agreed=agreed.strip(), **({"at": at} if at else {}))


# Mentions, inquiries and stakeholders: one scope rule for pages, API and admin. An estate-scoped
# writer writes rows of their own estates only, before and after the change; company-wide rows
# (estate empty) only company-wide staff (see permissions.media_record_write_denial).
_RECORD_FIELDS = {
    MediaMention: frozenset({"source", "url", "excerpt", "sentiment", "reach", "estate", "mentioned_at"}),
    MediaInquiry: frozenset({"journalist", "outlet", "contact", "question", "deadline", "estate", "assigned_to"}),
    Stakeholder: frozenset({"kind", "name", "organisation", "title", "phone", "email", "estate", "notes"}),
}


def record_fields(model) -> frozenset:
    """The fields of a mention, inquiry or stakeholder that staff may set; the rest belong to services."""
    return _RECORD_FIELDS[model]


def _may_write(actor, model, estate_id, *, adding=False):
    denial = media_record_write_denial(actor, model, estate_id, adding=adding)
    if denial:
        raise PermissionDenied(denial)


def _save(instance, *, actor, fields, adding):
    unknown = set(fields) - _RECORD_FIELDS[type(instance)]
    if unknown:
        raise TypeError(f"{type(instance).__name__} fields not writable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)
    _may_write(actor, type(instance), instance.estate_id, adding=adding)
    assignee = getattr(instance, "assigned_to", None)
    if assignee is not None and not inquiry_assignee_valid(assignee, instance.estate_id):
        raise ValidationError({"assigned_to": _("Assign the inquiry to a spokesperson or manager who may answer for its estate.")})
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def _update(instance, *, actor, fields):
    row = type(instance).objects.select_for_update().get(pk=instance.pk)
    _may_write(actor, type(row), row.estate_id)  # the estate it belongs to now …
    return _save(row, actor=actor, fields=fields, adding=False)  # … and the one it would belong to


@transaction.atomic
def mention_record(*, actor, **fields) -> MediaMention:
    """A report about us (by staff on the page, or a monitoring tool through the API)."""
    return _save(MediaMention(created_by=actor), actor=actor, fields=fields, adding=True)


def mention_update(mention, *, actor, **fields) -> MediaMention:
    return _update(mention, actor=actor, fields=fields)


@transaction.atomic
def inquiry_record(*, actor, **fields) -> MediaInquiry:
    """A journalist's question; its assignee must be someone who may answer for its estate."""
    return _save(MediaInquiry(), actor=actor, fields=fields, adding=True)


def inquiry_update(inquiry, *, actor, **fields) -> MediaInquiry:
    """Change what an inquiry asks or who answers it; its status moves only by answer or decline."""
    return _update(inquiry, actor=actor, fields=fields)


@transaction.atomic
def stakeholder_add(*, actor, **fields) -> Stakeholder:
    return _save(Stakeholder(), actor=actor, fields=fields, adding=True)


def stakeholder_update(stakeholder, *, actor, **fields) -> Stakeholder:
    return _update(stakeholder, actor=actor, fields=fields)


def media_record_create(instance, *, actor):
    """The old generic door, kept for callers written before the named services; it records an
    unsaved mention, inquiry or stakeholder through mention_record, inquiry_record or stakeholder_add."""
    record = {MediaMention: mention_record, MediaInquiry: inquiry_record, Stakeholder: stakeholder_add}[type(instance)]
    return record(actor=actor, **{name: getattr(instance, name) for name in _RECORD_FIELDS[type(instance)]})

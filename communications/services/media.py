"""Statements (draft → in review → approved → published → superseded), media mentions and
inquiries, stakeholders and their contact log.

Statement and inquiry moves are checked against lifecycle.STATEMENT and lifecycle.INQUIRY under a
row lock, and each writes its history row (StatementEvent, InquiryEvent) in the same transaction.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..lifecycle import INQUIRY, STATEMENT
from ..models import Announcement, ContactLog, InquiryEvent, MediaInquiry, MediaMention, Stakeholder, Statement, StatementEvent
from ..permissions import (
    contact_log_can_add,
    inquiry_assignee_valid,
    media_record_write_denial,
    statement_can_write,
)
from .history import history_record, lifecycle_apply

StatementKind = StatementEvent.Kind
InquiryKind = InquiryEvent.Kind
NOTE_MAX = 5000


def _locked(statement) -> Statement:
    return Statement.objects.select_for_update().get(pk=statement.pk)


def _note(note, *, required, field="note", empty=None):
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({field: empty or _("Say what should change.")})
    if len(note) > NOTE_MAX:
        raise ValidationError({field: _("Please keep it under %(n)d characters.") % {"n": NOTE_MAX}})
    return note


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
    history_record(statement, StatementKind.DRAFTED, author)
    return statement


@transaction.atomic
def statement_edit(statement, *, actor, title=None, body=None) -> Statement:
    """Change a draft (a returned one too) or an approved statement. An approved one goes back to
    review: what the manager approved is no longer what would be published."""
    statement = _locked(statement)
    approved = statement.status == Statement.Status.APPROVED
    transition = STATEMENT.check("edit_approved" if approved else "edit", statement, actor)
    if title is not None:
        statement.title = title.strip()
    if body is not None:
        statement.body = body.strip()
    if not statement.title or not statement.body:
        raise ValidationError(_("A statement needs a title and a text."))
    fields = ["title", "body"]
    if approved:
        statement.approved_by, statement.approved_at = None, None
        fields += ["approved_by", "approved_at"]
    return lifecycle_apply(statement, transition, actor,
                           StatementKind.EDITED_AFTER_APPROVAL if approved else StatementKind.EDITED, fields=fields)


@transaction.atomic
def statement_submit(statement, *, actor) -> Statement:
    """Draft → in review."""
    statement = _locked(statement)
    transition = STATEMENT.check("submit", statement, actor)
    return lifecycle_apply(statement, transition, actor, StatementKind.SUBMITTED)


@transaction.atomic
def statement_review(statement, *, actor, approve: bool, note: str = "") -> Statement:
    """In review → approved (the note is optional), or back to draft with a note saying what to
    change (required). Managers of the statement's estate only. Every note stays in the history;
    `review_note` holds the latest."""
    statement = _locked(statement)
    transition = STATEMENT.check("approve" if approve else "return", statement, actor)
    note = _note(note, required=not approve)
    statement.review_note = note
    fields = ["review_note"]
    if approve:
        statement.approved_by, statement.approved_at = actor, timezone.now()
        fields += ["approved_by", "approved_at"]
    return lifecycle_apply(statement, transition, actor, StatementKind.APPROVED if approve else StatementKind.RETURNED,
                           note=note, fields=fields)


@transaction.atomic
def statement_publish(statement, *, actor, announce: bool = False) -> Statement:
    """Approved → published; the thread's earlier published version becomes superseded.
    With `announce`, residents of the estate are sent it as an announcement too, carrying the
    statement's approval (announcement_approve with `carried_from`)."""
    statement = _locked(statement)
    transition = STATEMENT.check("publish", statement, actor)
    # The earlier published version steps down first: one published version per thread.
    for earlier in Statement.objects.select_for_update().filter(thread=statement.thread, status=Statement.Status.PUBLISHED):
        lifecycle_apply(earlier, STATEMENT.check("supersede", earlier), actor, StatementKind.SUPERSEDED,
                        note=_("Version %(version)d published.") % {"version": statement.version})
    statement.published_at = timezone.now()
    lifecycle_apply(statement, transition, actor, StatementKind.PUBLISHED, fields=["published_at"])
    if announce:
        from .announcements import announcement_approve, announcement_create, announcement_publish

        announcement = announcement_create(
            author=actor, kind=Announcement.Kind.GENERAL, title=statement.title, body=statement.body,
            channels=["portal", "sms"], audience=Announcement.Audience.ESTATES if statement.estate_id else Announcement.Audience.COMPANY,
            estates=[statement.estate] if statement.estate_id else [], crisis_related=True,
            history_note=_("From the statement “%(title)s” (version %(version)d).") % {"title": statement.title,
                                                                                      "version": statement.version},
        )
        announcement_approve(announcement, actor=statement.approved_by, carried_from=statement)
        announcement_publish(announcement, actor=actor)
    return statement


@transaction.atomic
def statement_new_version(statement, *, actor, body: str, title: str = "") -> Statement:
    """A later update: a new draft on the same thread (published only after its own approval)."""
    # Lock the thread's versions first: two updates started at once would otherwise both take the
    # next number and the second would fail on the (thread, version) constraint. Whoever waits
    # reads the other's new draft below and is told to finish that one.
    list(Statement.objects.select_for_update().filter(thread=statement.thread).order_by("pk").values_list("pk", flat=True))
    # Read again once the lock is ours: a version added while we waited is not in the locked set.
    versions = list(Statement.objects.filter(thread=statement.thread))
    statement = next(v for v in versions if v.pk == statement.pk)
    STATEMENT.check("new_version", statement, actor)
    latest = max(versions, key=lambda v: v.version)
    if any(v.status in (Statement.Status.DRAFT, Statement.Status.IN_REVIEW, Statement.Status.APPROVED) for v in versions):
        raise ValidationError(_("This statement already has an unpublished version; finish that one first."))
    if not body.strip():
        raise ValidationError({"body": _("A statement needs a title and a text.")})
    draft = Statement.objects.create(thread=statement.thread, version=latest.version + 1, title=(title or latest.title).strip(),
                                     body=body.strip(), estate=statement.estate, subject_type=statement.subject_type,
                                     subject_id=statement.subject_id, author=actor)
    history_record(draft, StatementKind.NEW_VERSION, actor,
                     note=_("Update of version %(version)d.") % {"version": statement.version})
    return draft


def _inquiry_close(inquiry, *, actor, action, kind, text, field, empty_message) -> MediaInquiry:
    inquiry = MediaInquiry.objects.select_for_update().get(pk=inquiry.pk)
    transition = INQUIRY.check(action, inquiry, actor)
    text = _note(text, required=True, field=field, empty=empty_message)
    before = inquiry.status
    inquiry.answer, inquiry.answered_at, inquiry.status = text, timezone.now(), transition.target
    inquiry.save(update_fields=["answer", "answered_at", "status"])
    history_record(inquiry, kind, actor, from_status=before, note=text)
    return inquiry


@transaction.atomic
def inquiry_answer(inquiry, *, actor, answer: str) -> MediaInquiry:
    """Open → answered: record the approved line given to the journalist."""
    return _inquiry_close(inquiry, actor=actor, action="answer", kind=InquiryKind.ANSWERED, text=answer, field="answer",
                          empty_message=_("The answer cannot be empty."))


@transaction.atomic
def inquiry_decline(inquiry, *, actor, reason: str) -> MediaInquiry:
    """Open → declined. The reason, as told to the journalist, is kept as the inquiry's answer."""
    return _inquiry_close(inquiry, actor=actor, action="decline", kind=InquiryKind.DECLINED, text=reason, field="answer",
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


def _assignee_name(inquiry) -> str:
    return inquiry.assigned_to.display_name if inquiry.assigned_to_id else ""


@transaction.atomic
def inquiry_record(*, actor, **fields) -> MediaInquiry:
    """A journalist's question; its assignee must be someone who may answer for its estate."""
    inquiry = _save(MediaInquiry(), actor=actor, fields=fields, adding=True)
    history_record(inquiry, InquiryKind.RECEIVED, actor)
    if inquiry.assigned_to_id:
        history_record(inquiry, InquiryKind.ASSIGNED, actor, note=_assignee_name(inquiry))
    return inquiry


@transaction.atomic
def inquiry_update(inquiry, *, actor, **fields) -> MediaInquiry:
    """Change what an inquiry asks or who answers it; its status moves only by answer or decline.
    A new assignee is recorded in its history, and only an open inquiry gets one."""
    before = MediaInquiry.objects.select_for_update().get(pk=inquiry.pk)
    assignee = fields.get("assigned_to", before.assigned_to)
    reassigned = (assignee.pk if assignee else None) != before.assigned_to_id
    if reassigned:
        INQUIRY.check("assign", before, actor)
    inquiry = _update(before, actor=actor, fields=fields)
    if reassigned:
        history_record(inquiry, InquiryKind.ASSIGNED, actor, note=_assignee_name(inquiry))
    return inquiry


@transaction.atomic
def stakeholder_add(*, actor, **fields) -> Stakeholder:
    return _save(Stakeholder(), actor=actor, fields=fields, adding=True)


def stakeholder_update(stakeholder, *, actor, **fields) -> Stakeholder:
    return _update(stakeholder, actor=actor, fields=fields)

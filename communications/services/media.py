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
    statement_approvers,
    statement_can_write,
)
from .history import history_record, lifecycle_apply
from .notices import notice_send

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
    lifecycle_apply(statement, transition, actor,
                    StatementKind.EDITED_AFTER_APPROVAL if approved else StatementKind.EDITED, fields=fields)
    if approved:
        _statement_approvers_notify(statement, actor)  # it waits for their review again
    return statement


@transaction.atomic
def statement_submit(statement, *, actor) -> Statement:
    """Draft → in review."""
    statement = _locked(statement)
    transition = STATEMENT.check("submit", statement, actor)
    lifecycle_apply(statement, transition, actor, StatementKind.SUBMITTED)
    _statement_approvers_notify(statement, actor)
    return statement


def _statement_link(statement) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse("dashboard:statement_detail", args=[statement.pk])


def _statement_event(statement) -> int:
    return StatementEvent.objects.filter(statement=statement).order_by("-pk").values_list("pk", flat=True).first()


def _statement_approvers_notify(statement, actor) -> int:
    """Tell the managers who may approve it that a statement waits for their review."""
    link, title, who, event = _statement_link(statement), statement.title, actor.display_name, _statement_event(statement)

    def render(channel):
        return (_("Waiting for your approval: %(title)s") % {"title": title},
                _("%(who)s asks you to review the statement “%(title)s” before it is published: %(link)s") % {
                    "who": who, "title": title, "link": link})

    return sum(1 for user in statement_approvers(statement) if user.pk != actor.pk and notice_send(
        topic="approval_requested", dedupe_key=f"approve:s{statement.pk}:e{event}:u{user.pk}", render=render, user=user))


def _statement_author_notify(statement, actor, *, returned: bool, note: str) -> None:
    """Tell the writer their statement was returned (with the note) or approved."""
    author = statement.author
    if author.pk == actor.pk:
        return
    link, title, who = _statement_link(statement), statement.title, actor.display_name

    def render(channel):
        if returned:
            return (_("Sent back: %(title)s") % {"title": title},
                    _("%(who)s sent back the statement “%(title)s”: %(note)s Edit it and submit it again: %(link)s") % {
                        "who": who, "title": title, "note": note, "link": link})
        return (_("Approved: %(title)s") % {"title": title},
                _("%(who)s approved the statement “%(title)s”; it can be published now: %(link)s") % {
                    "who": who, "title": title, "link": link})

    notice_send(topic="approval_answered", dedupe_key=f"answered:s{statement.pk}:e{_statement_event(statement)}",
                render=render, user=author)


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
    lifecycle_apply(statement, transition, actor, StatementKind.APPROVED if approve else StatementKind.RETURNED,
                    note=note, fields=fields)
    _statement_author_notify(statement, actor, returned=not approve, note=note)
    return statement


def statement_audience(statement, *, audience: str = "", buildings=(), units=(), saved_audience=None) -> dict:
    """The residents a statement is sent to, checked: its estate's residents ("estates", the
    default), some of its buildings or units, or one of its saved lists; a company-wide statement
    goes to the whole company. Returns announcement_create's audience arguments; ValidationError
    names the field when a choice is empty or belongs to another estate."""
    Audience = Announcement.Audience
    if statement.estate_id is None:
        return {"audience": Audience.COMPANY, "estates": []}
    audience = audience or Audience.ESTATES
    if audience == Audience.ESTATES:
        return {"audience": audience, "estates": [statement.estate]}
    if audience == Audience.BUILDINGS:
        buildings = list(buildings)
        if not buildings or any(b.estate_id != statement.estate_id for b in buildings):
            raise ValidationError({"buildings": _("Choose one or more buildings of the statement's estate.")})
        return {"audience": audience, "buildings": buildings}
    if audience == Audience.UNITS:
        units = list(units)
        if not units or any(u.building.estate_id != statement.estate_id for u in units):
            raise ValidationError({"units": _("Choose one or more units of the statement's estate.")})
        return {"audience": audience, "units": units}
    if audience == Audience.LIST:
        if saved_audience is None or saved_audience.estate_id != statement.estate_id:
            raise ValidationError({"saved_audience": _("Choose a saved list of the statement's estate.")})
        return {"audience": audience, "saved_audience": saved_audience}
    raise ValidationError({"audience": _("Choose who receives it.")})


def statement_audience_by_ids(statement, *, audience: str = "", building_ids=(), unit_ids=(), saved_audience_id=None) -> dict:
    """statement_audience's arguments from ids (the API): each looked up within the statement's
    own estate, so another estate's id finds nothing and statement_audience refuses the choice."""
    from owners.models import Building, Unit

    from ..models import SavedAudience

    estate = statement.estate_id
    return {
        "audience": audience,
        "buildings": list(Building.objects.filter(estate_id=estate, pk__in=list(building_ids))) if audience == "buildings" else [],
        "units": (list(Unit.objects.select_related("building").filter(building__estate_id=estate, pk__in=list(unit_ids)))
                  if audience == "units" else []),
        "saved_audience": (SavedAudience.objects.filter(estate_id=estate, pk=saved_audience_id).first()
                           if audience == "list" and saved_audience_id else None),
    }


# The announcement that carries a statement to residents: on the notice board and by SMS.
STATEMENT_CHANNELS = ["portal", "sms"]


def statement_announce_preview(statement, **choice) -> dict:
    """What "also send to residents" would do, for the confirmation step: recipients per channel
    (one COUNT per channel) and the SMS as it will go out, with its length and message count.
    The link carries the number the announcement will most likely get."""
    from .audience import audience_counts
    from .rendering import announcement_sms_text, sms_segments

    spec = statement_audience(statement, **choice)
    kind = spec["audience"]
    ids = [o.pk for o in spec.get(kind, [])] if kind in ("estates", "buildings", "units") else []
    saved = spec.get("saved_audience")
    counts = audience_counts(kind, ids, saved.pk if saved else None, STATEMENT_CHANNELS, urgent=False)
    next_id = (Announcement.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    text = announcement_sms_text(next_id, statement.title)
    return {"counts": counts, "total": sum(counts.values()), "sms_text": text, "sms_chars": len(text),
            "sms_segments": sms_segments(text), "texting": True}


@transaction.atomic
def statement_publish(statement, *, actor, announce: bool = False, **audience) -> Statement:
    """Approved → published; the thread's earlier published version becomes superseded.
    With `announce`, residents are sent it as an announcement too, carrying the statement's
    approval (announcement_approve with `carried_from`): the estate's residents, or the
    buildings, units or saved list chosen (`audience`, see statement_audience)."""
    statement = _locked(statement)
    transition = STATEMENT.check("publish", statement, actor)
    reach = statement_audience(statement, **audience) if announce else None
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
            channels=list(STATEMENT_CHANNELS), crisis_related=True, **reach,
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


@transaction.atomic
def contact_log_add(*, stakeholder, actor, summary, channel=ContactLog.Channel.PHONE, agreed="", at=None) -> ContactLog:
    """Append one conversation to a stakeholder's log (the dashboard's stakeholder page and the
    admin). The log is append-only: each entry is its own row, with who logged it and when."""
    if not contact_log_can_add(actor, stakeholder):
        raise PermissionDenied(_("You may only log contacts for the estates you work for."))
    summary = _note(summary, required=True, field="summary", empty=_("Say what was discussed."))
    agreed = _note(agreed, required=False, field="agreed")
    if channel not in ContactLog.Channel.values:
        raise ValidationError({"channel": _("Choose how you spoke to them.")})
    return ContactLog.objects.create(stakeholder=stakeholder, by=actor, summary=summary, channel=channel,
                                     agreed=agreed, **({"at": at} if at else {}))


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

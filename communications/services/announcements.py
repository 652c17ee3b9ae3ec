"""Announcements: draft → (approval) → publish or schedule → sending → sent, or cancelled.

Every change locks the announcement row, takes its move through lifecycle.ANNOUNCEMENT (who may,
from which status) and writes its AnnouncementEvent in the same transaction. Publishing writes all
delivery rows in the database (see audience.py) and queues their sends after commit.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..lifecycle import ANNOUNCEMENT
from ..models import Acknowledgement, Announcement, AnnouncementEvent, Delivery
from ..permissions import announcement_approvers, announcement_can_write
from ..reach import announcement_reach
from .audience import announcement_audience_counts, fan_out, quiet_until
from .help_requests import need_help_rows
from .history import history_record, lifecycle_apply
from .notices import notice_send
from .rendering import announcement_sms_text, sms_segments

Status = Announcement.Status
Kind = AnnouncementEvent.Kind
NOTE_MAX = 5000
# A send time is refused when it has passed (a minute's grace for the time it takes to submit the
# form) or lies further ahead than a notice is planned.
SEND_TIME_GRACE = timedelta(minutes=1)
SEND_AHEAD_MAX = timedelta(days=366)
# A second chase this soon after one is a double click (or a double POST), not a decision.
CHASE_INTERVAL = timedelta(minutes=5)
# What an edit may change; the status, the people and the times belong to the other services.
EDITABLE = frozenset({"kind", "title", "body", "sms_text", "audience", "saved_audience", "channels", "scheduled_at", "ack_required"})


def announcement_validate(announcement) -> None:
    """Raise ValidationError listing what stops this announcement from going out."""
    errors = {}
    if not announcement.title.strip():
        errors["title"] = _("A title is required.")
    if not announcement.body.strip():
        errors["body"] = _("The text is required.")
    unknown = set(announcement.channels) - set(Announcement.CHANNELS)
    if not announcement.channels or unknown:
        errors["channels"] = _("Choose at least one of: portal, SMS, e-mail, push.")
    if announcement.ack_required and "portal" not in announcement.channels:
        errors["ack_required"] = _("Answers are given on the portal notice board: add that channel to ask for acknowledgement.")
    if len(announcement.short_text) > 300:
        errors["sms_text"] = _("SMS text is limited to 300 characters.")
    if announcement.pk and announcement_reach(announcement) == set():
        errors["audience"] = _("Choose who receives it.")
    if errors:
        raise ValidationError(errors)


def send_time_check(scheduled_at, now=None) -> None:
    """Refuse a send time that has passed or is more than a year ahead (ValidationError on
    `scheduled_at`). Empty means "as soon as it is published"."""
    if scheduled_at is None:
        return
    now = now or timezone.now()
    if scheduled_at < now - SEND_TIME_GRACE:
        raise ValidationError({"scheduled_at": ValidationError(
            _("This send time has already passed. Choose a later time, or leave it empty to send as soon as it is published."),
            code="send_time_past")})
    if scheduled_at > now + SEND_AHEAD_MAX:
        raise ValidationError({"scheduled_at": ValidationError(
            _("A send time can be at most a year ahead."), code="send_time_too_far")})


def _locked(announcement) -> Announcement:
    return Announcement.objects.select_for_update().get(pk=announcement.pk)


def _note(note, *, required):
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": _("Say what should change.")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Please keep it under %(n)d characters.") % {"n": NOTE_MAX}})
    return note


def _relations_set(announcement, estates, buildings, units):
    for name, value in (("estates", estates), ("buildings", buildings), ("units", units)):
        if value is not None:
            getattr(announcement, name).set(value)


@transaction.atomic
def announcement_create(*, author, estates=(), buildings=(), units=(), history_note="", **fields) -> Announcement:
    """A new draft. `history_note` says where it came from, on its first history entry."""
    announcement = Announcement(author=author, **fields)
    announcement.full_clean(exclude=["author"])
    send_time_check(announcement.scheduled_at)
    announcement_validate(announcement)
    announcement.save()
    _relations_set(announcement, estates, buildings, units)
    if not announcement_can_write(author, announcement, adding=True):
        raise PermissionDenied(_("You may only write to the estates you work for."))
    announcement_validate(announcement)
    history_record(announcement, Kind.DRAFTED, author, note=history_note)
    return announcement


@transaction.atomic
def announcement_edit(announcement, *, actor, estates=None, buildings=None, units=None, **fields) -> Announcement:
    """Change a draft (a returned one too) or an approved announcement. An approved one goes back
    to waiting for approval: what the approver approved is no longer what would be sent.
    The writer must be able to write to its reach both before and after the change."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"Announcement fields not editable: {sorted(unknown)}")
    announcement = _locked(announcement)
    approved = announcement.status == Status.APPROVED
    transition = ANNOUNCEMENT.check("edit_approved" if approved else "edit", announcement, actor)
    if "scheduled_at" in fields and fields["scheduled_at"] != announcement.scheduled_at:
        send_time_check(fields["scheduled_at"])
    for name, value in fields.items():
        setattr(announcement, name, value)
    _relations_set(announcement, estates, buildings, units)
    announcement.full_clean(exclude=["author"])
    announcement_validate(announcement)
    if not announcement_can_write(actor, announcement):  # the reach it has now
        raise PermissionDenied(_("You may only write to the estates you work for."))
    changed = [*fields]
    if approved:
        announcement.approved_by, announcement.approved_at = None, None
        changed += ["approved_by", "approved_at"]
    lifecycle_apply(announcement, transition, actor, Kind.EDITED_AFTER_APPROVAL if approved else Kind.EDITED, fields=changed)
    if approved:
        _approvers_notify(announcement, actor)  # it waits for them again
    return announcement


@transaction.atomic
def announcement_request_approval(announcement, *, actor) -> Announcement:
    announcement = _locked(announcement)
    transition = ANNOUNCEMENT.check("request_approval", announcement, actor)
    announcement_validate(announcement)
    lifecycle_apply(announcement, transition, actor, Kind.SUBMITTED)
    _approvers_notify(announcement, actor)
    return announcement


def _staff_link(announcement) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("dashboard:announcement_detail", args=[announcement.pk])


def _round_key(announcement) -> int:
    """The latest history row's id: what makes one submission's (or return's) notices distinct
    from the next one's, so a retry records nothing new but a second submission is told again."""
    return AnnouncementEvent.objects.filter(announcement=announcement).order_by("-pk").values_list("pk", flat=True).first()


def _approvers_notify(announcement, actor) -> int:
    """Tell everyone who may approve it (estate managers of every estate it reaches; company
    administrators when nobody at the estate may) that it waits for them. Returns how many."""
    people = [u for u in announcement_approvers(announcement) if u.pk != actor.pk]
    link, title, who, event = _staff_link(announcement), announcement.title, actor.display_name, _round_key(announcement)

    def render(channel):
        return (_("Waiting for your approval: %(title)s") % {"title": title},
                _("%(who)s asks you to approve the announcement “%(title)s” before it is sent: %(link)s") % {
                    "who": who, "title": title, "link": link})

    return sum(1 for user in people if notice_send(topic="approval_requested", dedupe_key=f"approve:a{announcement.pk}:e{event}:u{user.pk}",
                                                    render=render, user=user, urgent=announcement.urgent))


def _author_notify(announcement, actor, *, returned: bool, note: str = "") -> None:
    """Tell the writer their announcement was sent back (with the note) or approved."""
    author = announcement.author
    if author.pk == actor.pk:
        return
    link, title, who, event = _staff_link(announcement), announcement.title, actor.display_name, _round_key(announcement)

    def render(channel):
        if returned:
            return (_("Sent back: %(title)s") % {"title": title},
                    _("%(who)s sent back the announcement “%(title)s”: %(note)s Edit it and ask again: %(link)s") % {
                        "who": who, "title": title, "note": note, "link": link})
        return (_("Approved: %(title)s") % {"title": title},
                _("%(who)s approved the announcement “%(title)s”; it can be sent now: %(link)s") % {
                    "who": who, "title": title, "link": link})

    notice_send(topic="approval_answered", dedupe_key=f"answered:a{announcement.pk}:e{event}", render=render, user=author)


@transaction.atomic
def announcement_approve(announcement, *, actor, note: str = "", carried_from=None) -> Announcement:
    """Approve it: estate managers of every estate it reaches (permissions.announcement_can_approve).

    `carried_from`, a published statement, is the one other way to approve: the announcement
    that publishes a statement to residents carries the statement's approval. Its approver is
    then `actor`, asked the same question, and the history names the statement."""
    announcement = _locked(announcement)
    transition = ANNOUNCEMENT.check("approve", announcement, actor)
    announcement_validate(announcement)
    approved_at = timezone.now()
    note = _note(note, required=False)
    if carried_from is not None:
        approved_at = carried_from.approved_at or approved_at
        note = _("Approved with the statement “%(title)s” (version %(version)d).") % {
            "title": carried_from.title, "version": carried_from.version}
    announcement.approved_by, announcement.approved_at = actor, approved_at
    lifecycle_apply(announcement, transition, actor, Kind.APPROVED, note=note, fields=["approved_by", "approved_at"])
    if carried_from is None:
        _author_notify(announcement, actor, returned=False)
    return announcement


@transaction.atomic
def announcement_return(announcement, *, actor, note: str) -> Announcement:
    """Waiting for approval → draft, with the approver's note on what to change."""
    announcement = _locked(announcement)
    transition = ANNOUNCEMENT.check("return", announcement, actor)
    note = _note(note, required=True)
    lifecycle_apply(announcement, transition, actor, Kind.RETURNED, note=note)
    _author_notify(announcement, actor, returned=True, note=note)
    return announcement


@transaction.atomic
def announcement_publish(announcement, *, actor) -> Announcement:
    """Send now (or at its scheduled time). Emergency, safety and crisis notices need approval first."""
    announcement = _locked(announcement)
    now = timezone.now()
    later = announcement.scheduled_at is not None and announcement.scheduled_at > now
    transition = ANNOUNCEMENT.check("schedule" if later else "publish", announcement, actor)
    announcement_validate(announcement)
    if later:
        return lifecycle_apply(announcement, transition, actor, Kind.SCHEDULED)
    return _release(announcement, now, actor)


def _release(announcement, now, actor=None) -> Announcement:
    """Status sending, the delivery rows written, their sends queued after commit. `actor` None:
    the scheduler released it at its time."""
    before = announcement.status
    announcement.status, announcement.published_at = Status.SENDING, now
    announcement.save(update_fields=["status", "published_at"])
    history_record(announcement, Kind.SENDING, actor, from_status=before)
    fan_out(announcement, now)
    from ..tasks import announcement_fan_out
    from .deliveries import _enqueue_safely

    transaction.on_commit(lambda: _enqueue_safely(announcement_fan_out, announcement.pk))
    return announcement


def announcements_release_due(now=None) -> int:
    """Publish the scheduled announcements whose time has come. Safe to run concurrently."""
    now = now or timezone.now()
    released = 0
    for pk in Announcement.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            announcement = Announcement.objects.select_for_update(skip_locked=True).filter(pk=pk, status=Status.SCHEDULED).first()
            if announcement is not None:
                ANNOUNCEMENT.check("release", announcement)
                _release(announcement, now)
                released += 1
    return released


def announcement_dispatch(announcement_id: int) -> int:
    """Queue the due, queued deliveries of an announcement in batches. Returns how many."""
    from .deliveries import deliveries_queue

    now = timezone.now()
    ids = list(
        Delivery.objects.filter(announcement_id=announcement_id, status=Delivery.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("id").values_list("pk", flat=True)
    )
    with transaction.atomic():
        deliveries_queue(ids)
    announcements_mark_sent([announcement_id])
    return len(ids)


def announcements_mark_sent(announcement_ids) -> None:
    """Sending → sent once nothing of the announcement is waiting any more."""
    # One indexed EXISTS per announcement: called after every batch, so it must not scan the send.
    done = [pk for pk in announcement_ids
            if not Delivery.objects.filter(announcement_id=pk, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]).exists()]
    if not done:
        return
    with transaction.atomic():
        # Locked and re-read: two senders finishing at once record "sent" once.
        finished = list(Announcement.objects.select_for_update().filter(pk__in=done, status=Status.SENDING))
        for announcement in finished:
            ANNOUNCEMENT.check("finish", announcement)
        Announcement.objects.filter(pk__in=[a.pk for a in finished]).update(status=Status.SENT)
        AnnouncementEvent.objects.bulk_create([
            AnnouncementEvent(announcement=a, kind=Kind.SENT, from_status=Status.SENDING, to_status=Status.SENT) for a in finished])


@transaction.atomic
def announcement_cancel(announcement, *, actor) -> int:
    """Stop the rest of a send (or a scheduled one). Returns how many messages will not go out."""
    announcement = _locked(announcement)
    transition = ANNOUNCEMENT.check("cancel", announcement, actor)
    announcement.cancelled_at = timezone.now()
    stopped = Delivery.objects.filter(announcement=announcement, status=Delivery.Status.QUEUED).update(status=Delivery.Status.CANCELLED)
    note = ngettext("%(n)d message will not be sent.", "%(n)d messages will not be sent.", stopped) % {"n": stopped} if stopped else ""
    lifecycle_apply(announcement, transition, actor, Kind.CANCELLED, note=note, fields=["cancelled_at"])
    return stopped


def _chase_waiting(announcement):
    """The notice-board deliveries of residents who have not answered yet."""
    acked = Acknowledgement.objects.filter(announcement=announcement).values("resident_id")
    return Delivery.objects.filter(announcement=announcement, channel="portal").exclude(resident_id__in=acked)


def announcement_round(announcement) -> int:
    """The latest round of sending: 0 for the first send, one more for every chase."""
    return Delivery.objects.filter(announcement=announcement).order_by("-round").values_list("round", flat=True).first() or 0


@transaction.atomic
def announcement_resend_unacknowledged(announcement, *, actor, channel: str = "sms", expected_round: int | None = None) -> int:
    """Chase everyone who has not acknowledged, once more on `channel`. Returns how many.

    Fired once per decision: `expected_round` is the round the person saw when they confirmed
    (refused if another chase has happened since), and a chase within CHASE_INTERVAL of the
    previous one is refused whoever asks — a double click or a repeated API call sends nothing twice."""
    from .audience import resident_address
    from .deliveries import deliveries_queue

    announcement = _locked(announcement)
    transition = ANNOUNCEMENT.check("chase", announcement, actor)
    latest = announcement_round(announcement)
    if expected_round is not None and expected_round != latest:
        raise ValidationError(_("Those who had not acknowledged have already been sent it again (round %(round)d); nothing was sent twice. "
                                "Check the progress before chasing again.") % {"round": latest}, code="already_chased")
    last_chase = (AnnouncementEvent.objects.filter(announcement=announcement, kind=Kind.CHASED)
                  .order_by("-at").values_list("at", flat=True).first())
    if last_chase is not None and last_chase > timezone.now() - CHASE_INTERVAL:
        raise ValidationError(ngettext(
            "It was sent again less than %(n)d minute ago; nothing was sent twice. Give residents time to answer before chasing again.",
            "It was sent again less than %(n)d minutes ago; nothing was sent twice. Give residents time to answer before chasing again.",
            CHASE_INTERVAL.seconds // 60) % {"n": CHASE_INTERVAL.seconds // 60}, code="chased_recently")
    chase = latest + 1
    rows = []
    for delivery in _chase_waiting(announcement).select_related("resident"):
        address = resident_address(delivery.resident, channel, urgent=True)
        if address:
            rows.append(Delivery(kind=Delivery.Kind.ANNOUNCEMENT, channel=channel, address=address, resident=delivery.resident,
                                 announcement=announcement, language=delivery.resident.preferred_language, round=chase,
                                 dedupe_key=f"a{announcement.pk}:{delivery.resident_id}:{channel}:r{chase}"))
    created = Delivery.objects.bulk_create(rows, batch_size=2000)
    deliveries_queue([d.pk for d in created])
    lifecycle_apply(announcement, transition, actor, Kind.CHASED,
          note=ngettext("%(n)d message sent again.", "%(n)d messages sent again.", len(created)) % {"n": len(created)})
    return len(created)


def _sms_preview(announcement_id: int, short_text: str) -> dict:
    text = announcement_sms_text(announcement_id, short_text)
    return {"sms_text": text, "sms_chars": len(text), "sms_segments": sms_segments(text)}


def announcement_send_preview(announcement, now=None) -> dict:
    """What sending (or scheduling) it now would do, for the confirmation step: recipients per
    channel (one COUNT per channel), the SMS exactly as it goes out with its length and message
    count, whether it is scheduled, and until when quiet hours hold SMS and push back."""
    now = now or timezone.now()
    counts = announcement_audience_counts(announcement)
    later = announcement.scheduled_at is not None and announcement.scheduled_at > now
    held = None if announcement.urgent or later else quiet_until(announcement, now)
    return {
        "counts": counts, "total": sum(counts.values()), "schedule": later, "scheduled_at": announcement.scheduled_at,
        "time_passed": announcement.scheduled_at is not None and not later,
        "quiet_until": held if held and {"sms", "push"} & set(announcement.channels) else None,
        "texting": bool({"sms", "push"} & set(announcement.channels)),
        **_sms_preview(announcement.pk, announcement.short_text),
    }


def announcement_chase_preview(announcement) -> dict:
    """What "resend by SMS to those who have not acknowledged" would do: how many of them have a
    mobile (one COUNT), the SMS as it goes out, and the round it would follow."""
    reachable = _chase_waiting(announcement).exclude(resident__mobile__isnull=True).exclude(resident__mobile="").count()
    return {"counts": {"sms": reachable}, "total": reachable, "round": announcement_round(announcement),
            **_sms_preview(announcement.pk, announcement.short_text)}


def delivery_percent_done(by_status: dict[str, int]) -> int:
    """How far a send has got, in whole percent of its deliveries: those sent, delivered, failed or
    cancelled (nothing more will happen to them) out of all; 0 for a send of none."""
    total = sum(by_status.values())
    finished = sum(by_status.get(s, 0) for s in ("sent", "delivered", "failed", "cancelled"))
    return round(100 * finished / total) if total else 0


def announcement_progress(announcement) -> dict:
    """Counts of a send by status, plus acknowledgements by answer, computed by the database, and
    who needs help (name, unit, mobile, when)."""
    counts = dict(Delivery.objects.filter(announcement=announcement).values_list("status").annotate(n=Count("id")))
    total = sum(counts.values())
    portal = Delivery.objects.filter(announcement=announcement, channel="portal").count() if announcement.ack_required else 0
    answers = dict(Acknowledgement.objects.filter(announcement=announcement).values_list("answer").annotate(n=Count("id")))
    acknowledged = sum(answers.values())
    return {
        "total": total, "queued": counts.get("queued", 0) + counts.get("sending", 0), "sent": counts.get("sent", 0),
        "delivered": counts.get("delivered", 0), "failed": counts.get("failed", 0),
        "cancelled": counts.get("cancelled", 0), "acknowledged": acknowledged, "ack_expected": portal,
        "percent_done": delivery_percent_done(counts),
        "answers": {value: answers.get(value, 0) for value in Acknowledgement.Answer.values},
        "need_help": need_help_rows(announcement) if answers.get(Acknowledgement.Answer.NEED_HELP) else [],
    }


@transaction.atomic
def acknowledgement_record(announcement, *, resident, answer=Acknowledgement.Answer.RECEIVED) -> Acknowledgement:
    """A resident's answer to an announcement that asks for one; recorded once. "I need help"
    alerts the estate's service staff and managers (help_requests.need_help_alert)."""
    if not Delivery.objects.filter(announcement=announcement, resident=resident, channel="portal").exists():
        raise PermissionDenied(_("This notice was not sent to you."))
    if answer not in Acknowledgement.Answer.values:
        raise ValidationError(_("Unknown answer."))
    ack, _created = Acknowledgement.objects.get_or_create(announcement=announcement, resident=resident, defaults={"answer": answer})
    notice_mark_read(announcement, resident=resident)
    if ack.answer == Acknowledgement.Answer.NEED_HELP:
        # In this transaction, so the answer is never stored without its alert; deduplicated per person.
        from .help_requests import need_help_alert

        need_help_alert(ack)
    return ack


def notice_mark_read(announcement, *, resident) -> None:
    """The resident has opened the notice on the portal: its board delivery is read (first time only)."""
    Delivery.objects.filter(announcement=announcement, resident=resident, channel="portal", read_at__isnull=True).update(
        read_at=timezone.now())

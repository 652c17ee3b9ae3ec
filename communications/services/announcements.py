"""Announcements: draft → (approval) → publish or schedule → sending → sent, or cancelled.

Every change locks the announcement row and checks who may act. Publishing writes all delivery
rows in the database (see audience.py) and queues their sends after commit.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Acknowledgement, Announcement, Delivery
from ..permissions import announcement_can_approve, announcement_can_write
from ..reach import announcement_reach
from .audience import fan_out

Status = Announcement.Status


def _in_scope(user, announcement, *, adding=False) -> bool:
    return announcement_can_write(user, announcement, adding=adding)


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


def _locked(announcement) -> Announcement:
    return Announcement.objects.select_for_update().get(pk=announcement.pk)


@transaction.atomic
def announcement_create(*, author, estates=(), buildings=(), units=(), **fields) -> Announcement:
    announcement = Announcement(author=author, **fields)
    announcement.full_clean(exclude=["author"])
    announcement_validate(announcement)
    announcement.save()
    announcement.estates.set(estates)
    announcement.buildings.set(buildings)
    announcement.units.set(units)
    if not _in_scope(author, announcement, adding=True):
        raise PermissionDenied(_("You may only write to the estates you work for."))
    announcement_validate(announcement)
    return announcement


@transaction.atomic
def announcement_request_approval(announcement, *, actor) -> Announcement:
    announcement = _locked(announcement)
    if not _in_scope(actor, announcement):
        raise PermissionDenied(_("You may only write to the estates you work for."))
    if announcement.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be sent for approval."), code="illegal_transition")
    announcement_validate(announcement)
    announcement.status = Status.PENDING_APPROVAL
    announcement.save(update_fields=["status"])
    return announcement


@transaction.atomic
def announcement_approve(announcement, *, actor) -> Announcement:
    announcement = _locked(announcement)
    if not announcement_can_approve(actor, announcement):
        raise PermissionDenied(_("Only the estate manager of every estate it reaches may approve it."))
    if announcement.status not in (Status.DRAFT, Status.PENDING_APPROVAL):
        raise ValidationError(_("This announcement is not waiting for approval."), code="illegal_transition")
    announcement_validate(announcement)
    announcement.status, announcement.approved_by, announcement.approved_at = Status.APPROVED, actor, timezone.now()
    announcement.save(update_fields=["status", "approved_by", "approved_at"])
    return announcement


@transaction.atomic
def announcement_publish(announcement, *, actor) -> Announcement:
    """Send now (or at its scheduled time). Emergency, safety and crisis notices need approval first."""
    announcement = _locked(announcement)
    if not _in_scope(actor, announcement):
        raise PermissionDenied(_("You may only write to the estates you work for."))
    if announcement.needs_approval and announcement.status != Status.APPROVED:
        raise ValidationError(_("This kind of announcement must be approved by the estate manager before it is sent."),
                              code="needs_approval")
    if announcement.status not in (Status.DRAFT, Status.APPROVED):
        raise ValidationError(_("This announcement has already been sent or cancelled."), code="illegal_transition")
    announcement_validate(announcement)
    now = timezone.now()
    if announcement.scheduled_at and announcement.scheduled_at > now:
        announcement.status = Status.SCHEDULED
        announcement.save(update_fields=["status"])
        return announcement
    return _release(announcement, now)


def _release(announcement, now) -> Announcement:
    announcement.status, announcement.published_at = Status.SENDING, now
    announcement.save(update_fields=["status", "published_at"])
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
    if done:
        Announcement.objects.filter(pk__in=done, status=Status.SENDING).update(status=Status.SENT)


@transaction.atomic
def announcement_cancel(announcement, *, actor) -> int:
    """Stop the rest of a send (or a scheduled one). Returns how many messages will not go out."""
    announcement = _locked(announcement)
    if not _in_scope(actor, announcement):
        raise PermissionDenied(_("You may only write to the estates you work for."))
    if announcement.status in (Status.SENT, Status.CANCELLED):
        raise ValidationError(_("This announcement has already been sent or cancelled."), code="illegal_transition")
    announcement.status, announcement.cancelled_at = Status.CANCELLED, timezone.now()
    announcement.save(update_fields=["status", "cancelled_at"])
    return Delivery.objects.filter(announcement=announcement, status=Delivery.Status.QUEUED).update(status=Delivery.Status.CANCELLED)


@transaction.atomic
def announcement_resend_unacknowledged(announcement, *, actor, channel: str = "sms") -> int:
    """Chase everyone who has not acknowledged, once more on `channel`. Returns how many."""
    from .audience import resident_address
    from .deliveries import deliveries_queue

    announcement = _locked(announcement)
    if not _in_scope(actor, announcement):
        raise PermissionDenied(_("You may only write to the estates you work for."))
    if not announcement.ack_required or announcement.status not in (Status.SENDING, Status.SENT):
        raise ValidationError(_("Only a sent announcement that asks for acknowledgement can be chased."))
    acked = Acknowledgement.objects.filter(announcement=announcement).values("resident_id")
    waiting = (Delivery.objects.filter(announcement=announcement, channel="portal").exclude(resident_id__in=acked)
               .select_related("resident"))
    chase = (Delivery.objects.filter(announcement=announcement).order_by("-round").values_list("round", flat=True).first() or 0) + 1
    rows = []
    for delivery in waiting:
        address = resident_address(delivery.resident, channel, urgent=True)
        if address:
            rows.append(Delivery(kind=Delivery.Kind.ANNOUNCEMENT, channel=channel, address=address, resident=delivery.resident,
                                 announcement=announcement, language=delivery.resident.preferred_language, round=chase,
                                 dedupe_key=f"a{announcement.pk}:{delivery.resident_id}:{channel}:r{chase}"))
    created = Delivery.objects.bulk_create(rows, batch_size=2000)
    deliveries_queue([d.pk for d in created])
    return len(created)


def announcement_progress(announcement) -> dict:
    """Counts of a send by status, plus acknowledgements, computed by the database."""
    counts = dict(Delivery.objects.filter(announcement=announcement).values_list("status").annotate(n=Count("id")))
    total = sum(counts.values())
    portal = Delivery.objects.filter(announcement=announcement, channel="portal").count() if announcement.ack_required else 0
    acknowledged = Acknowledgement.objects.filter(announcement=announcement).count()
    done = counts.get("sent", 0) + counts.get("delivered", 0)
    return {
        "total": total, "queued": counts.get("queued", 0) + counts.get("sending", 0), "sent": counts.get("sent", 0),
        "delivered": counts.get("delivered", 0), "failed": counts.get("failed", 0),
        "cancelled": counts.get("cancelled", 0), "acknowledged": acknowledged, "ack_expected": portal,
        "percent_done": round(100 * (done + counts.get("failed", 0) + counts.get("cancelled", 0)) / total) if total else 0,
    }


@transaction.atomic
def acknowledgement_record(announcement, *, resident, answer=Acknowledgement.Answer.RECEIVED) -> Acknowledgement:
    """A resident's answer to an announcement that asks for one; recorded once."""
    if not Delivery.objects.filter(announcement=announcement, resident=resident, channel="portal").exists():
        raise PermissionDenied(_("This notice was not sent to you."))
    if answer not in Acknowledgement.Answer.values:
        raise ValidationError(_("Unknown answer."))
    ack, _created = Acknowledgement.objects.get_or_create(announcement=announcement, resident=resident, defaults={"answer": answer})
    notice_mark_read(announcement, resident=resident)
    return ack


def notice_mark_read(announcement, *, resident) -> None:
    """The resident has opened the notice on the portal: its board delivery is read (first time only)."""
    Delivery.objects.filter(announcement=announcement, resident=resident, channel="portal", read_at__isnull=True).update(
        read_at=timezone.now())

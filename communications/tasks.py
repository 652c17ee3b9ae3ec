from celery import shared_task

from .services import deliveries_attempt, deliveries_reclaim, delivery_sweep
from .services.announcements import announcement_dispatch, announcements_release_due
from .services.deliveries import BATCH


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliveries_send(delivery_ids: list[int]):
    """Send a batch of deliveries, then queue again any batch a dead worker left behind (its
    claim ran out), so a send in progress recovers without waiting for beat. Transient
    failures get a later next_attempt_at and a delayed task or the sweeper's next run."""
    outcomes = deliveries_attempt(delivery_ids)
    deliveries_reclaim(limit=BATCH)
    return {status: sum(1 for o in outcomes.values() if o.status == status) for status in {o.status for o in outcomes.values()}}


@shared_task
def deliveries_reclaim_expired():
    """Periodic (every 15 s): queue again the rows of a worker that died mid-send, once its claim
    has run out. Cheap: an index holds only the rows under a claim."""
    return deliveries_reclaim()


@shared_task
def deliveries_sweep():
    """Periodic: queue deliveries left behind by a lost worker or a broker outage, and due retries."""
    return delivery_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def announcement_fan_out(announcement_id: int):
    """Queue the sends of a published announcement, in batches."""
    return announcement_dispatch(announcement_id)


@shared_task
def announcements_release():
    """Periodic: publish scheduled announcements whose time has come."""
    return announcements_release_due()


@shared_task
def inbox_overdue_inquiries():
    """Periodic: media inquiries past their deadline go to the inbox of whoever must answer."""
    from .services.inbox import inquiries_overdue_inbox

    return inquiries_overdue_inbox()

from celery import shared_task

from .services import delivery_attempt, delivery_sweep


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def delivery_send(self, delivery_id: int):
    """Send one delivery; transient gateway errors come back later with backoff (bounded by attempts)."""
    outcome = delivery_attempt(delivery_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task
def deliveries_sweep():
    """Periodic: re-queue deliveries left behind by a lost worker or a broker outage."""
    return delivery_sweep()

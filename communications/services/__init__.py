from .deliveries import DeliveryOutcome, delivery_attempt, delivery_record, delivery_sweep
from .notices import notice_send, resident_channel

__all__ = ["DeliveryOutcome", "delivery_attempt", "delivery_record", "delivery_sweep", "notice_send", "resident_channel"]

from .deliveries import (
    DeliveryOutcome,
    deliveries_attempt,
    deliveries_queue,
    delivery_record,
    delivery_sweep,
)
from .notices import notice_send, resident_channel

__all__ = [
    "DeliveryOutcome",
    "deliveries_attempt",
    "deliveries_queue",
    "delivery_record",
    "delivery_sweep",
    "notice_send",
    "resident_channel",
]

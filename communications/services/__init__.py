from .claims import DeliveryOutcome
from .deliveries import (
    deliveries_queue,
    deliveries_reclaim,
    delivery_receipt_record,
    delivery_record,
    delivery_sweep,
)
from .notices import notice_send, resident_channel
from .sending import deliveries_attempt

__all__ = [
    "DeliveryOutcome",
    "deliveries_attempt",
    "deliveries_queue",
    "deliveries_reclaim",
    "delivery_receipt_record",
    "delivery_record",
    "delivery_sweep",
    "notice_send",
    "resident_channel",
]

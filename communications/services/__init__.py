from .deliveries import DeliveryOutcome, delivery_attempt, delivery_record, delivery_sweep

__all__ = ["DeliveryOutcome", "delivery_attempt", "delivery_record", "delivery_sweep"]

from .complaints import Channel, Complaint, ComplaintLink, Priority, Status
from .config import Category, SlaPolicy
from .numbers import DailyCounter
from .timeline import ComplaintEvent, ComplaintPhoto, FollowUp, SlaAlert

__all__ = [
    "Category",
    "Channel",
    "Complaint",
    "ComplaintEvent",
    "ComplaintLink",
    "ComplaintPhoto",
    "DailyCounter",
    "FollowUp",
    "Priority",
    "SlaAlert",
    "SlaPolicy",
    "Status",
]

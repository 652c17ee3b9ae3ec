from .arrears import (
    ArrearsAction,
    ArrearsAlert,
    ArrearsApproval,
    ArrearsCase,
    ArrearsEvent,
    ArrearsLadderStep,
    ArrearsPolicy,
    Instalment,
    ReliefRequest,
    ReliefRequestFile,
)
from .complaints import Channel, Complaint, ComplaintLink, Priority, Status
from .config import Category, SlaPolicy
from .numbers import DailyCounter
from .replies import CannedReply
from .timeline import ComplaintEvent, ComplaintPhoto, FollowUp, SlaAlert

__all__ = [
    "ArrearsAction",
    "ArrearsAlert",
    "ArrearsApproval",
    "ArrearsCase",
    "ArrearsEvent",
    "ArrearsLadderStep",
    "ArrearsPolicy",
    "Instalment",
    "ReliefRequest",
    "ReliefRequestFile",
    "CannedReply",
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

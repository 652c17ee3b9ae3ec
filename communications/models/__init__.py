from .announcements import Acknowledgement, Announcement, SavedAudience
from .deliveries import Delivery, DeliveryAttempt
from .events import AnnouncementEvent, InquiryEvent, StatementEvent
from .inbox import InboxItem
from .media import ContactLog, MediaInquiry, MediaMention, Stakeholder, Statement

__all__ = ["Acknowledgement", "Announcement", "AnnouncementEvent", "ContactLog", "Delivery", "DeliveryAttempt", "InboxItem", "InquiryEvent",
           "MediaInquiry", "MediaMention", "SavedAudience", "Stakeholder", "Statement", "StatementEvent"]

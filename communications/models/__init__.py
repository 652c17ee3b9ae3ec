from .announcements import Acknowledgement, Announcement, SavedAudience
from .deliveries import Delivery, DeliveryAttempt
from .media import ContactLog, MediaInquiry, MediaMention, Stakeholder, Statement

__all__ = ["Acknowledgement", "Announcement", "ContactLog", "Delivery", "DeliveryAttempt", "MediaInquiry", "MediaMention", "SavedAudience", "Stakeholder", "Statement"]

from .announcements import Acknowledgement, Announcement, SavedAudience
from .deliveries import Delivery
from .media import ContactLog, MediaInquiry, MediaMention, Stakeholder, Statement

__all__ = ["Acknowledgement", "Announcement", "ContactLog", "Delivery", "MediaInquiry", "MediaMention", "SavedAudience", "Stakeholder", "Statement"]

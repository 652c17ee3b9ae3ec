from .announcements import Acknowledgement, Announcement
from .deliveries import Delivery
from .media import ContactLog, MediaInquiry, MediaMention, Stakeholder, Statement

__all__ = ["Acknowledgement", "Announcement", "ContactLog", "Delivery", "MediaInquiry", "MediaMention", "Stakeholder", "Statement"]

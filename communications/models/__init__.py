from .announcements import Acknowledgement, Announcement
from .deliveries import Delivery

__all__ = ["Acknowledgement", "Announcement", "Delivery"]

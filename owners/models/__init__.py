from .accounts import Invitation, User
from .channels import PREFERRED_CHANNELS, Channel
from .estates import Building, Estate, Unit
from .residents import Occupancy, Resident
from .staff import Role, StaffMembership

__all__ = [
    "Building",
    "Channel",
    "Estate",
    "Invitation",
    "Occupancy",
    "PREFERRED_CHANNELS",
    "Resident",
    "Role",
    "StaffMembership",
    "Unit",
    "User",
]

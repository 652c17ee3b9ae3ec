from .accounts import Invitation, User
from .estates import Building, Estate, Unit
from .residents import Occupancy, Resident
from .staff import Role, StaffMembership

__all__ = [
    "Building",
    "Estate",
    "Invitation",
    "Occupancy",
    "Resident",
    "Role",
    "StaffMembership",
    "Unit",
    "User",
]

from .accounts import Invitation, User
from .channels import PREFERRED_CHANNELS, Channel
from .estates import Building, Estate, Unit
from .exports import ExportRecord
from .ledger import FeeCollection, FeeLedgerEntry, FeePayment
from .residents import MobileReveal, Occupancy, Resident
from .staff import Role, StaffMembership

__all__ = [
    "Building",
    "Channel",
    "Estate",
    "ExportRecord",
    "FeeCollection",
    "FeeLedgerEntry",
    "FeePayment",
    "Invitation",
    "MobileReveal",
    "Occupancy",
    "PREFERRED_CHANNELS",
    "Resident",
    "Role",
    "StaffMembership",
    "Unit",
    "User",
]

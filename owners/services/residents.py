from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Occupancy, Resident, Unit
from ..phone import mobile_normalize


@transaction.atomic
def resident_create(*, name: str, mobile: str = "", email: str = "", unit: Unit | None = None,
                    relation: str = Occupancy.Relation.OWNER, **fields) -> Resident:
    """Create a resident (mobile normalised and unique), optionally moving them into a unit."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    normal = mobile_normalize(mobile) if mobile else None
    if normal and Resident.objects.filter(mobile=normal).exists():
        raise ValidationError({"mobile": _("A resident with this mobile number already exists.")})
    resident = Resident(name=name, mobile=normal, email=(email or "").strip(), **fields)
    resident.full_clean()
    resident.save()
    if unit is not None:
        resident_move_in(resident=resident, unit=unit, relation=relation)
    return resident


@transaction.atomic
def resident_move_in(*, resident: Resident, unit: Unit, relation: str, start_date=None) -> Occupancy:
    if Occupancy.objects.filter(resident=resident, unit=unit, end_date__isnull=True).exists():
        raise ValidationError(_("%(name)s already lives in this unit.") % {"name": resident.name})
    occupancy = Occupancy(resident=resident, unit=unit, relation=relation)
    if start_date:
        occupancy.start_date = start_date
    occupancy.full_clean()
    occupancy.save()
    return occupancy

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import MobileReveal, Occupancy, Resident, Unit
from ..permissions import resident_can_edit, resident_can_move_in
from ..phone import mobile_normalize
from ..selectors import resident_list_for

# Fields of a resident that staff may change through resident_update.
EDITABLE_FIELDS = {
    "name", "mobile", "email", "preferred_language", "preferred_channel", "allow_sms", "allow_email", "allow_push",
    "notes",
}


def _mobile(raw) -> str | None:
    """The normal form of a typed mobile number, None for none; a bad one is an error of the
    `mobile` field, whichever door it came through."""
    if not raw:
        return None
    try:
        return mobile_normalize(raw)
    except ValidationError as exc:
        raise ValidationError({"mobile": exc.error_list})


def resident_mobile_check(*, actor, mobile: str | None, exclude: Resident | None = None) -> None:
    """Refuse a mobile number another resident already has.

    Staff are told so when that resident is one of their own. Anybody else's gets one neutral
    message that names nobody and says nothing of where they live: mobiles are unique across the
    company, so that the number is taken cannot be hidden, but nothing more is given away.
    `actor` None is the company itself (a management command).
    """
    if not mobile:
        return
    clash = Resident.objects.filter(mobile=mobile)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    clash = clash.first()
    if clash is None:
        return
    own = actor is None or (resident_list_for(actor).filter(pk=clash.pk).exists() and resident_can_edit(actor, clash))
    if own:
        raise ValidationError({"mobile": _("A resident with this mobile number already exists.")})
    raise ValidationError({"mobile": _("This mobile number cannot be registered here; ask the company administrator.")})


@transaction.atomic
def resident_create(*, actor, name: str, mobile: str = "", email: str = "", unit: Unit | None = None,
                    relation: str = Occupancy.Relation.OWNER, **fields) -> Resident:
    """Create a resident (mobile normalised and unique), optionally moving them into a unit.
    The one place, with resident_update, where a typed mobile is normalised and checked.

    Refused (PermissionDenied) unless the actor's role at the unit's estate registers residents.
    """
    if actor is not None and unit is not None and not resident_can_move_in(actor, unit):
        raise PermissionDenied(_("Your role at this estate does not allow this change."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    normal = _mobile(mobile)
    resident_mobile_check(actor=actor, mobile=normal)
    resident = Resident(name=name, mobile=normal, email=(email or "").strip(), **fields)
    resident.full_clean()
    resident.save()
    if unit is not None:
        resident_move_in(resident=resident, unit=unit, relation=relation)
    return resident


@transaction.atomic
def resident_update(*, actor, resident: Resident, **changes) -> Resident:
    """Change a resident's details on behalf of staff `actor`.

    Refused (PermissionDenied) for a resident who also lives or lived in an estate outside the
    actor's: their mobile and e-mail carry that estate's notices and sign-in links too.
    """
    if not resident_can_edit(actor, resident):
        raise PermissionDenied(_("You may not change this resident's details; ask the company administrator."))
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    if "mobile" in changes:
        changes["mobile"] = _mobile(changes["mobile"])
        resident_mobile_check(actor=actor, mobile=changes["mobile"], exclude=resident)
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    for name, value in changes.items():
        setattr(resident, name, value)
    resident.full_clean()
    resident.save()
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


@transaction.atomic
def resident_mobile_reveal(*, actor, resident) -> str:
    """The resident's whole mobile number for staff who may see the resident, with the click
    recorded (who, whose number, when) in the same transaction."""
    if not resident_list_for(actor).filter(pk=resident.pk).exists():
        raise PermissionDenied(_("You may not see this resident."))
    MobileReveal.objects.create(user=actor, resident=resident)
    return resident.mobile or ""

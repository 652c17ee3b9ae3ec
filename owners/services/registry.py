"""Estates, buildings and units are created and changed here, from the API and the admin alike.

Each function checks that the actor's role carries the permission at the estate concerned — for
a change, both where the record is and where it would be after the change, so nothing is moved
into an estate where the actor may not write. `actor` None is the company itself (a management
command). Refusals raise PermissionDenied; invalid values raise ValidationError with nothing saved.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Building, Estate, Unit
from ..permissions import registry_can

ESTATE_FIELDS = {"name", "code", "address", "timezone", "phone"}
BUILDING_FIELDS = {"estate", "name", "floors"}
UNIT_FIELDS = {"building", "entrance", "number", "floor", "area_sqm"}


def _allowed(actor, action: str, record) -> None:
    if actor is not None and not registry_can(actor, action, record):
        raise PermissionDenied(_("Your role at this estate does not allow this change."))


def _known(fields: dict, editable: set[str]) -> None:
    unknown = set(fields) - editable
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})


def _create(actor, model, fields: dict, editable: set[str]):
    _known(fields, editable)
    record = model(**fields)
    _allowed(actor, "add", record)
    record.full_clean()
    record.save()
    return record


def _update(actor, record, changes: dict, editable: set[str]):
    _known(changes, editable)
    record = type(record).objects.select_for_update().get(pk=record.pk)
    _allowed(actor, "change", record)  # where it is …
    for name, value in changes.items():
        setattr(record, name, value)
    _allowed(actor, "change", record)  # … and where it would be
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def estate_create(*, actor, **fields) -> Estate:
    """A new estate: company-wide roles that carry owners.add_estate only."""
    return _create(actor, Estate, fields, ESTATE_FIELDS)


@transaction.atomic
def estate_update(*, actor, estate: Estate, **changes) -> Estate:
    return _update(actor, estate, changes, ESTATE_FIELDS)


@transaction.atomic
def building_create(*, actor, **fields) -> Building:
    return _create(actor, Building, fields, BUILDING_FIELDS)


@transaction.atomic
def building_update(*, actor, building: Building, **changes) -> Building:
    return _update(actor, building, changes, BUILDING_FIELDS)


@transaction.atomic
def unit_create(*, actor, **fields) -> Unit:
    return _create(actor, Unit, fields, UNIT_FIELDS)


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes) -> Unit:
    return _update(actor, unit, changes, UNIT_FIELDS)

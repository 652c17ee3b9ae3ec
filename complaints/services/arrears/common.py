"""What every arrears service shares: the event, the row lock, the checks and the parsing of typed text and money."""

import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from owners.models import Occupancy

from ...models import (
    ArrearsCase,
    ArrearsEvent,
)
from ...models.arrears import CaseStatus, Step
from ...permissions import arrears_can_work

log = logging.getLogger("lighthouse.arrears")
Kind = ArrearsEvent.Kind
TEXT_MAX = 2000

def _text(value, field, *, required=True, max_length=TEXT_MAX):
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This cannot be empty.")})
    if len(value) > max_length:
        raise ValidationError({field: _("Please keep it under %(n)d characters.") % {"n": max_length}})
    return value


def _locked(case) -> ArrearsCase:
    return ArrearsCase.objects.select_for_update(of=("self",)).select_related("unit__building__estate", "resident").get(pk=case.pk)


def _event(case, kind, actor=None, *, body="", from_step="", to_step="", document_number=""):
    return ArrearsEvent.objects.create(case=case, kind=kind, actor=actor, body=str(body), from_step=from_step, to_step=to_step,
                                       document_number=document_number)


def _require_open(case):
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This arrears case is closed."))


def _require_work(actor, case):
    if not arrears_can_work(actor, case):
        raise PermissionDenied(_("You may not work arrears cases at this estate."))


def _step_label(step):
    return str(Step(step).label) if step in Step.values else step


def _owner_of(unit_id):
    """The unit's owner living there now (an owner before a tenant or family member), or None."""
    owner_first = Case(When(relation=Occupancy.Relation.OWNER, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (Occupancy.objects.filter(unit_id=unit_id, end_date__isnull=True).order_by(owner_first, "id")
            .values_list("resident_id", flat=True).first())


def _money(value, field, *, required=True):
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Enter an amount in yuan.")})
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount in yuan.")})
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("10000000"):
        raise ValidationError({field: _("Enter an amount in yuan greater than zero.")})
    return amount

"""Emergency plans and their steps, edited on the dashboard: an estate's managers edit their
estate's version of a plan; company-wide plans only company-wide roles (permissions.plan_can_manage)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import EmergencyPlan, PlanStep, TeamRole
from ..permissions import plan_can_manage
from .common import require, text

STEP_MAX_WITHIN_MINUTES = 60 * 24 * 30


def _plan_locked(plan) -> EmergencyPlan:
    plan = EmergencyPlan.objects.select_for_update().get(pk=plan.pk)
    return plan


def _may(actor, plan):
    require(plan_can_manage(actor, plan.estate_id), _("You may not change this emergency plan."))


@transaction.atomic
def plan_update(plan, *, actor, title: str, summary: str = "", is_active: bool = True) -> EmergencyPlan:
    plan = _plan_locked(plan)
    _may(actor, plan)
    plan.title, plan.summary, plan.is_active = text(title, "title", limit=200), text(summary, "summary", required=False), bool(is_active)
    plan.save()
    return plan


@transaction.atomic
def plan_copy_for_estate(plan, *, actor, estate) -> EmergencyPlan:
    """An estate's own version of a company-wide plan, with the same steps, to adapt there; it
    overrides the company's plan at that estate."""
    require(plan_can_manage(actor, estate.pk), _("You may not change this estate's emergency plans."))
    if plan.estate_id is not None:
        raise ValidationError(_("Only a company-wide plan is copied for an estate."))
    try:
        with transaction.atomic():
            copy = EmergencyPlan.objects.create(kind=plan.kind, estate=estate, title=plan.title, summary=plan.summary)
    except IntegrityError:
        raise ValidationError(_("This estate already has its own plan of this type.")) from None
    PlanStep.objects.bulk_create([PlanStep(plan=copy, sort=s.sort, title=s.title, role=s.role, within=s.within)
                                  for s in plan.steps.all()])
    return copy


def _step_values(title, role, within, sort):
    if role not in TeamRole.values:
        raise ValidationError({"role": _("Choose one of the listed values.")})
    if within is None or within.total_seconds() < 0 or within.total_seconds() > STEP_MAX_WITHIN_MINUTES * 60:
        raise ValidationError({"within": _("Give the deadline in minutes from the start of the response (up to 30 days).")})
    return {"title": text(title, "title", limit=200), "role": role, "within": within, "sort": max(0, int(sort or 0))}


@transaction.atomic
def plan_step_add(plan, *, actor, title: str, role: str, within, sort=None) -> PlanStep:
    plan = _plan_locked(plan)
    _may(actor, plan)
    if sort is None:
        last = plan.steps.order_by("-sort").values_list("sort", flat=True).first()
        sort = (last or 0) + 10
    return PlanStep.objects.create(plan=plan, **_step_values(title, role, within, sort))


@transaction.atomic
def plan_step_update(step, *, actor, title: str, role: str, within, sort=None) -> PlanStep:
    plan = _plan_locked(step.plan)
    _may(actor, plan)
    step = PlanStep.objects.select_for_update().get(pk=step.pk, plan=plan)
    for name, value in _step_values(title, role, within, step.sort if sort is None else sort).items():
        setattr(step, name, value)
    step.save()
    return step


@transaction.atomic
def plan_step_delete(step, *, actor) -> None:
    """Incidents that already turned the step into a task keep the task."""
    plan = _plan_locked(step.plan)
    _may(actor, plan)
    PlanStep.objects.filter(pk=step.pk, plan=plan).delete()

"""Editing emergency plans: an estate's managers edit their estate's version; the company-wide
plan only company-wide roles; steps are checked."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.models import EmergencyPlan, PlanStep
from incidents.services import plan_copy_for_estate, plan_step_add, plan_step_delete, plan_step_update, plan_update
from owners.models import Role
from tests.factories import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def company_plan():
    return EmergencyPlan.objects.get(kind="gas", estate__isnull=True)  # seeded by the migration


def test_a_manager_makes_the_estates_version_once_with_the_same_steps(manager, estate, company_plan):
    own = plan_copy_for_estate(company_plan, actor=manager, estate=estate)
    assert [s.title for s in own.steps.order_by("sort")] == [s.title for s in company_plan.steps.order_by("sort")]
    with pytest.raises(ValidationError):
        plan_copy_for_estate(company_plan, actor=manager, estate=estate)
    with pytest.raises(ValidationError):
        plan_copy_for_estate(own, actor=manager, estate=estate)  # only a company-wide plan is copied


def test_only_company_wide_roles_change_the_company_plan(manager, company_plan):
    with pytest.raises(PermissionDenied):
        plan_update(company_plan, actor=manager, title="改掉")
    admin = staff_member(None, role=Role.COMPANY_ADMIN)
    plan_update(company_plan, actor=admin, title="燃气泄漏应急预案（2027版）", is_active=True)
    assert EmergencyPlan.objects.get(pk=company_plan.pk).title == "燃气泄漏应急预案（2027版）"


def test_staff_of_another_estate_cannot_touch_this_estates_plan(manager, outsider, estate, company_plan):
    own = plan_copy_for_estate(company_plan, actor=manager, estate=estate)
    with pytest.raises(PermissionDenied):
        plan_step_add(own, actor=outsider, title="x", role="scribe", within=timedelta(minutes=5))
    with pytest.raises(PermissionDenied):
        plan_copy_for_estate(company_plan, actor=outsider, estate=estate)


def test_steps_are_added_changed_and_removed_and_bad_ones_refused(manager, estate, company_plan):
    own = plan_copy_for_estate(company_plan, actor=manager, estate=estate)
    step = plan_step_add(own, actor=manager, title="通知业委会", role="liaison_committee", within=timedelta(minutes=30))
    assert step.sort > max(s.sort for s in own.steps.exclude(pk=step.pk))  # appended at the end
    plan_step_update(step, actor=manager, title="通知业委会主任", role="liaison_committee", within=timedelta(minutes=20))
    assert PlanStep.objects.get(pk=step.pk).within == timedelta(minutes=20)
    for bad in ({"role": "janitor", "within": timedelta(minutes=5)}, {"role": "scribe", "within": timedelta(minutes=-1)},
                {"role": "scribe", "within": timedelta(days=31)}):
        with pytest.raises(ValidationError):
            plan_step_add(own, actor=manager, title="x", **bad)
    with pytest.raises(ValidationError):
        plan_step_add(own, actor=manager, title="  ", role="scribe", within=timedelta(minutes=5))
    plan_step_delete(step, actor=manager)
    assert not PlanStep.objects.filter(pk=step.pk).exists()

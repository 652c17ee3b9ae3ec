"""The periodic arrears passes: opening cases over the threshold, broken promises, reminders."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from communications.models import Delivery
from complaints.models import ArrearsAlert, ArrearsCase, ArrearsEvent, ArrearsPolicy
from complaints.models.arrears import CaseStatus, Cause, Step
from complaints.services.arrears import (
    arrears_case_open,
    arrears_cases_open_due,
    arrears_contact_log,
    arrears_promises_sweep,
    arrears_reminder_send,
    arrears_reminders_send,
)
from owners.services.ledger import fee_payment_record
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, UnitFactory

from .arrears_helpers import TODAY, english, ledger  # noqa: F401 (english: a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOON = timezone.make_aware(datetime.datetime(2026, 6, 15, 12, 0))
NIGHT = timezone.make_aware(datetime.datetime(2026, 6, 15, 23, 30))


def test_the_pass_opens_a_case_for_each_unit_over_the_amount_or_months_threshold(estate):
    building = BuildingFactory(estate=estate)
    by_amount, by_months, below, paid = (UnitFactory(building=building) for _ in range(4))
    ledger(by_amount, 1, billed="1500.00")  # 1,500 yuan in one month: over 1,000
    ledger(by_months, 3, billed="100.00")  # 3 months: the months threshold
    ledger(below, 2, billed="100.00")
    ledger(paid, 6, paid="300.00")
    OccupancyFactory(unit=by_amount)

    assert arrears_cases_open_due(today=TODAY, now=NOON) == 2

    cases = {c.unit_id: c for c in ArrearsCase.objects.all()}
    assert set(cases) == {by_amount.pk, by_months.pk}
    assert cases[by_amount.pk].amount_at_open == Decimal("1500.00") and cases[by_amount.pk].resident_id is not None
    assert cases[by_months.pk].months_at_open == 3 and cases[by_months.pk].estate_id == estate.pk
    assert all(c.step == Step.REMINDER and c.cause == Cause.UNKNOWN for c in cases.values())
    assert ArrearsEvent.objects.filter(kind="opened").count() == 2


def test_running_the_pass_again_opens_nothing_twice(estate, service, unit):
    other = UnitFactory(building=unit.building)
    ledger(unit, 4)
    ledger(other, 4)
    arrears_case_open(unit=unit, actor=service, today=TODAY)  # one opened by hand already

    assert arrears_cases_open_due(today=TODAY, now=NOON) == 1
    assert arrears_cases_open_due(today=TODAY, now=NOON + datetime.timedelta(hours=1)) == 0
    assert ArrearsCase.objects.filter(status=CaseStatus.OPEN).count() == 2
    assert ArrearsEvent.objects.filter(kind="opened").count() == 2


def test_an_estates_own_threshold_overrides_the_company_default(estate, unit):
    ledger(unit, 4)  # 1,200 yuan, 4 months
    ArrearsPolicy.objects.create(estate=estate, min_amount=5000, min_months=6)
    relaxed = EstateFactory()
    elsewhere = UnitFactory(building=BuildingFactory(estate=relaxed))
    ledger(elsewhere, 1, billed="50.00")
    ArrearsPolicy.objects.create(estate=relaxed, min_amount=10, min_months=12)

    arrears_cases_open_due(today=TODAY, now=NOON)

    assert list(ArrearsCase.objects.values_list("unit_id", flat=True)) == [elsewhere.pk]


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_open_one_case_per_unit(estate):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL to run two passes in parallel transactions")
    ArrearsPolicy.objects.get_or_create(estate=None, defaults={"min_amount": 1000, "min_months": 3})
    units = [UnitFactory(building=BuildingFactory(estate=estate)) for _ in range(20)]
    for unit in units:
        ledger(unit, 4)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            arrears_cases_open_due(today=TODAY, now=NOON)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert ArrearsCase.objects.filter(status=CaseStatus.OPEN).count() == 20


def _promised(unit, service, amount="600", days=5):
    case = arrears_case_open(unit=unit, actor=service, today=TODAY)
    arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="答应月底前付", promise_date=TODAY + datetime.timedelta(days=days),
                        promise_amount=amount, today=TODAY)
    return case


def test_a_broken_promise_moves_the_case_on_and_alerts_the_assignee_once(unit, owner, service):
    ledger(unit, 4)
    case = _promised(unit, service)
    later = TODAY + datetime.timedelta(days=6)

    assert arrears_promises_sweep(today=TODAY + datetime.timedelta(days=5))["broken"] == 0  # not yet past
    assert arrears_promises_sweep(today=later)["broken"] == 1
    assert arrears_promises_sweep(today=later)["broken"] == 0

    case.refresh_from_db()
    assert case.step == Step.PHONE_CALL  # reminder → phone call, the next rung
    assert case.events.filter(kind="promise_broken").count() == 1
    assert Delivery.objects.filter(user=service, topic="arrears.promise_broken").count() == 1
    assert ArrearsAlert.objects.count() == 1


def test_a_kept_promise_is_not_broken(unit, owner, service):
    ledger(unit, 4)
    case = _promised(unit, service, amount="600")
    fee_payment_record(unit=unit, amount="600", paid_on=TODAY, actor=service, today=TODAY)

    assert arrears_promises_sweep(today=TODAY + datetime.timedelta(days=6)) == {"broken": 0, "kept": 1, "failed": 0, "instalments_missed": 0}
    case.refresh_from_db()
    assert case.step == Step.REMINDER


def test_a_reminder_reaches_only_the_cases_owner_and_is_in_their_message_history(unit, owner, service):
    ledger(unit, 4)
    neighbour = OccupancyFactory(unit=UnitFactory(building=unit.building)).resident
    case = arrears_case_open(unit=unit, actor=service, today=TODAY)

    arrears_reminder_send(case, actor=service, now=NOON)

    notice = Delivery.objects.get(topic="arrears.reminder")
    assert notice.resident_id == owner.resident.pk
    assert "1200.00" in notice.body
    assert not Delivery.objects.filter(resident=neighbour).exists()
    assert case.actions.get().kind == Step.REMINDER
    assert case.events.filter(kind="reminder").exists()


def test_reminders_wait_out_quiet_hours_and_go_once_a_day(unit, owner, service):
    from django.core.exceptions import ValidationError

    ledger(unit, 4)
    case = arrears_case_open(unit=unit, actor=service, today=TODAY)

    with pytest.raises(ValidationError, match="quiet hours"):
        arrears_reminder_send(case, actor=service, now=NIGHT)
    assert arrears_reminders_send(now=NIGHT)["sent"] == 0
    assert not Delivery.objects.filter(topic="arrears.reminder").exists()

    assert arrears_reminders_send(now=NOON)["sent"] == 1
    assert arrears_reminders_send(now=NOON + datetime.timedelta(hours=1))["sent"] == 0
    assert Delivery.objects.filter(topic="arrears.reminder").count() == 1
    case.refresh_from_db()
    assert case.actions.count() == 1

"""An approved instalment plan tracks its instalments: payments (staff or a ledger import) pay them
in order, a partial payment carried; a missed instalment is a broken promise, acted on once; while
the plan runs, the morning pass opens no case for the unit."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import Delivery
from complaints.models import ArrearsCase, ArrearsEvent, Instalment, ReliefRequest
from complaints.models.arrears import CaseStatus, Cause, Outcome, Step
from complaints.services.arrears import (
    arrears_case_open,
    arrears_cases_open_due,
    arrears_contact_log,
    arrears_promises_sweep,
    relief_request_decide,
    relief_request_submit,
)
from owners.services.ledger import fee_ledger_import, fee_payment_record

from .arrears_helpers import TODAY, english, ledger  # noqa: F401 (english: a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def plan(unit, owner, service, manager):
    """January to June 2026 billed 300 a month, nothing paid (1,800 owed); a hardship case; the
    owner asks for 3 instalments and the manager approves on 15 June: 600 due on 15 July, 15 August
    and 15 September."""
    ledger(unit, 6)
    case = arrears_case_open(unit=unit, actor=service, today=TODAY)
    arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="失业了", cause=Cause.HARDSHIP_JOB_LOSS, today=TODAY)
    request = relief_request_submit(user=owner, unit=unit, kind=ReliefRequest.Kind.INSTALMENT, reason="失业，分期", instalments=3)
    relief_request_decide(request, actor=manager, approve=True, reason="同意分3期", today=TODAY)
    return request


def _state(request):
    return [(i.number, i.amount, i.paid, i.paid_on) for i in Instalment.objects.filter(request=request).order_by("number")]


def _pay(unit, amount, on, manager):
    fee_payment_record(unit=unit, amount=amount, paid_on=on, actor=manager, today=on)


def test_the_plan_splits_the_balance_into_monthly_instalments(plan):
    assert _state(plan) == [(1, Decimal("600.00"), Decimal("0.00"), None), (2, Decimal("600.00"), Decimal("0.00"), None),
                            (3, Decimal("600.00"), Decimal("0.00"), None)]
    assert [i.due_date for i in plan.plan.all()] == [datetime.date(2026, 7, 15), datetime.date(2026, 8, 15), datetime.date(2026, 9, 15)]
    assert ArrearsCase.objects.get(unit=plan.unit).outcome == Outcome.INSTALMENT


def test_staff_payments_pay_the_instalments_oldest_first_carrying_a_partial_payment(plan, unit, manager):
    _pay(unit, "900", datetime.date(2026, 6, 20), manager)
    assert _state(plan) == [(1, Decimal("600.00"), Decimal("600.00"), datetime.date(2026, 6, 20)),
                            (2, Decimal("600.00"), Decimal("300.00"), None), (3, Decimal("600.00"), Decimal("0.00"), None)]
    _pay(unit, "300", datetime.date(2026, 7, 1), manager)
    assert _state(plan)[:2] == [(1, Decimal("600.00"), Decimal("600.00"), datetime.date(2026, 6, 20)),
                                (2, Decimal("600.00"), Decimal("600.00"), datetime.date(2026, 7, 1))]


def _reimport(unit, rows, today):
    lines = ["楼栋,单元,房号,期间,应缴,已缴"] + [f"{unit.building.name},{unit.entrance},{unit.number},{m},300.00,{p}" for m, p in rows]
    fee_ledger_import(estate=unit.building.estate, data="\n".join(lines).encode(), actor=None, today=today)


def test_an_imported_payment_pays_them_too_a_repeat_changes_nothing_and_a_correction_undoes_it(plan, unit):
    paid_in_file = [("2026-01", "300.00"), ("2026-02", "300.00")]
    _reimport(unit, paid_in_file, datetime.date(2026, 6, 25))
    assert _state(plan)[0] == (1, Decimal("600.00"), Decimal("600.00"), datetime.date(2026, 6, 25))
    _reimport(unit, paid_in_file, datetime.date(2026, 6, 26))
    assert _state(plan)[0] == (1, Decimal("600.00"), Decimal("600.00"), datetime.date(2026, 6, 25))
    _reimport(unit, [("2026-02", "0")], datetime.date(2026, 6, 27))  # the billing office corrects February
    assert _state(plan)[0] == (1, Decimal("600.00"), Decimal("300.00"), None)


def test_paying_a_month_billed_after_the_plan_is_not_an_instalment(plan, unit, manager):
    _reimport(unit, [("2026-07", "0")], datetime.date(2026, 7, 2))
    _reimport(unit, [("2026-07", "300.00")], datetime.date(2026, 7, 3))
    assert [paid for _n, _a, paid, _on in _state(plan)] == [Decimal("0.00")] * 3


def test_a_missed_instalment_is_a_broken_promise_acted_on_once(plan, unit, manager, service):
    _pay(unit, "500", datetime.date(2026, 7, 10), manager)
    assert arrears_promises_sweep(today=datetime.date(2026, 7, 15))["instalments_missed"] == 0  # due today, not yet missed

    counts = arrears_promises_sweep(today=datetime.date(2026, 7, 16))
    assert counts["instalments_missed"] == 1
    first = Instalment.objects.get(request=plan, number=1)
    assert first.missed_at is not None and first.paid == Decimal("500.00")
    # The plan closed the case; collection starts again, on the hardship ladder after the plan.
    case = ArrearsCase.objects.get(unit=unit, status=CaseStatus.OPEN)
    assert case.cause == Cause.HARDSHIP_JOB_LOSS and case.assignee == service
    assert case.step_due_on == datetime.date(2026, 7, 16)
    broken = ArrearsEvent.objects.get(case=case, kind=ArrearsEvent.Kind.PROMISE_BROKEN)
    assert "Instalment 1" in broken.body and "500.00" in broken.body
    assert Delivery.objects.filter(user=service, topic="arrears.promise_broken").count() >= 1
    from complaints.arrears_selectors import arrears_broken_promises

    assert list(arrears_broken_promises(service)) == [case]  # on the desk's broken promises
    told = Delivery.objects.filter(user=service, topic="arrears.promise_broken").count()

    assert arrears_promises_sweep(today=datetime.date(2026, 7, 17))["instalments_missed"] == 0
    assert ArrearsCase.objects.filter(unit=unit).count() == 2
    assert ArrearsEvent.objects.filter(kind=ArrearsEvent.Kind.PROMISE_BROKEN).count() == 1
    assert Delivery.objects.filter(user=service, topic="arrears.promise_broken").count() == told


def test_the_morning_pass_leaves_a_unit_alone_while_its_plan_runs(plan, unit):
    assert arrears_cases_open_due(today=datetime.date(2026, 7, 1)) == 0
    assert not ArrearsCase.objects.filter(unit=unit, status=CaseStatus.OPEN).exists()
    arrears_promises_sweep(today=datetime.date(2026, 7, 16))  # instalment 1 missed: the plan is broken
    assert ArrearsCase.objects.filter(unit=unit, status=CaseStatus.OPEN).count() == 1
    assert arrears_cases_open_due(today=datetime.date(2026, 7, 17)) == 0  # the open case is the one


def test_the_owner_and_staff_see_what_is_paid_of_each_instalment(plan, unit, owner, manager, client):
    _pay(unit, "900", datetime.date(2026, 6, 20), manager)
    client.force_login(owner)
    page = client.get(reverse("portal:arrears")).content.decode()
    assert "Paid on 2026-06-20" in page and "¥300.00" in page  # the first paid in full, 300 of the second
    # The plan's due dates are in 2026 (TODAY); the page judges them by the real date.
    assert ("Missed: past its due date" in page) == (timezone.localdate() > datetime.date(2026, 8, 15))
    client.force_login(manager)
    case = ArrearsCase.objects.get(unit=unit)
    staff = client.get(reverse("dashboard:arrears_case", args=[case.pk])).content.decode()
    assert "Paid on 2026-06-20" in staff and "¥300.00" in staff

    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(owner)
    mine = api.get("/api/v1/relief-requests/").json()["results"][0]["plan"]
    assert [(i["number"], i["paid"], i["paid_on"], i["missed"]) for i in mine] == [
        (1, "600.00", "2026-06-20", False), (2, "300.00", None, False), (3, "0.00", None, False)]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_record_a_missed_instalment_once(unit, owner, service, manager):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL to run two sweeps in parallel transactions")
    ledger(unit, 6)
    request = relief_request_submit(user=owner, unit=unit, kind=ReliefRequest.Kind.INSTALMENT, reason="失业，分期", instalments=3)
    relief_request_decide(request, actor=manager, approve=True, reason="同意分3期", today=TODAY)
    barrier, results = threading.Barrier(2), []

    def run():
        barrier.wait()
        try:
            results.append(arrears_promises_sweep(today=datetime.date(2026, 8, 16))["instalments_missed"])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) in ([0, 2], [1, 1])  # instalments 1 and 2 are past due: each recorded by one sweep
    assert Instalment.objects.filter(request=request, missed_at__isnull=False).count() == 2
    assert ArrearsCase.objects.filter(unit=unit, status=CaseStatus.OPEN).count() == 1
    assert ArrearsEvent.objects.filter(kind=ArrearsEvent.Kind.PROMISE_BROKEN).count() == 2

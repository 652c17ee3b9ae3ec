"""Arrears cases worked by staff: opening, contacts and promises, the ladder, approvals for legal
steps, the lawyer letter, and closing when the owner pays."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from communications.models import Delivery
from complaints.models import ArrearsApproval, ArrearsCase, ArrearsEvent, ArrearsLadderStep
from complaints.models.arrears import CaseStatus, Cause, Outcome, Step
from complaints.services.arrears import (
    arrears_approval_decide,
    arrears_case_close,
    arrears_case_open,
    arrears_contact_log,
    arrears_letter_issue,
    arrears_step_advance,
)
from owners.models import Role
from owners.services.ledger import fee_payment_record
from tests.factories import EstateFactory, UnitFactory, staff_member

from .arrears_helpers import TODAY, english, ledger  # noqa: F401 (english: a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def owing(unit, owner):
    ledger(unit, 4)  # January to April due and unpaid on 15 June: 1,200 yuan over 4 months
    return unit


def _open(unit, actor, **kwargs):
    return arrears_case_open(unit=unit, actor=actor, today=TODAY, **kwargs)


def test_staff_open_a_case_for_a_unit_in_arrears_with_its_figures_and_first_step(owing, owner, service):
    case = _open(owing, service)

    assert case.status == CaseStatus.OPEN
    assert case.resident_id == owner.resident.pk
    assert (case.amount_at_open, case.months_at_open) == (Decimal("1200.00"), 4)
    assert case.cause == Cause.UNKNOWN and case.step == Step.REMINDER
    assert case.step_due_on == TODAY + datetime.timedelta(days=7)
    assert case.events.get().kind == ArrearsEvent.Kind.OPENED


def test_a_unit_gets_at_most_one_open_case(owing, service):
    _open(owing, service)
    with pytest.raises(ValidationError, match="already has an open arrears case"):
        _open(owing, service)
    assert ArrearsCase.objects.count() == 1


def test_a_unit_that_owes_nothing_overdue_gets_no_case(unit, service):
    ledger(unit, 2, paid="300.00")
    with pytest.raises(ValidationError, match="no overdue fees"):
        _open(unit, service)


def test_only_arrears_roles_of_that_estate_may_open_or_work_a_case(owing, service, estate):
    for outsider in (staff_member(estate, Role.ENGINEER), staff_member(estate, Role.SPOKESPERSON), staff_member(EstateFactory(), Role.ESTATE_MANAGER)):
        with pytest.raises(PermissionDenied):
            _open(owing, outsider)
    case = _open(owing, service)
    with pytest.raises(PermissionDenied):
        arrears_contact_log(case, actor=staff_member(EstateFactory(), Role.SERVICE), kind=Step.PHONE_CALL, outcome="x", today=TODAY)


def test_recording_the_cause_puts_the_case_on_that_causes_ladder(owing, service):
    case = _open(owing, service)

    arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="业主住院，收入中断", cause=Cause.HARDSHIP_ILLNESS, today=TODAY)

    case.refresh_from_db()
    assert case.cause == Cause.HARDSHIP_ILLNESS
    assert case.step == Step.PHONE_CALL  # the hardship ladder starts with a call
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["opened", "contact", "cause"]


def test_a_promise_needs_a_date_and_an_amount_no_more_than_owed(owing, service):
    case = _open(owing, service)
    promise = TODAY + datetime.timedelta(days=10)
    with pytest.raises(ValidationError, match="both a date and an amount"):
        arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="答应付款", promise_date=promise, today=TODAY)
    with pytest.raises(ValidationError, match="more than the unit owes"):
        arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="答应付款", promise_date=promise, promise_amount="5000", today=TODAY)
    with pytest.raises(ValidationError, match="before the contact"):
        arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="答应付款", promise_date=TODAY - datetime.timedelta(days=1),
                            promise_amount="100", today=TODAY)
    assert not case.actions.exists()

    action = arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="答应付款", promise_date=promise, promise_amount="600", today=TODAY)
    assert (action.promise_date, action.promise_amount, action.arrears_at_promise) == (promise, Decimal("600.00"), Decimal("1200.00"))


def test_the_case_follows_the_recommended_ladder_and_deviating_needs_a_note(owing, service):
    case = _open(owing, service)  # unknown cause: reminder → phone call → home visit

    arrears_step_advance(case, actor=service, today=TODAY)
    case.refresh_from_db()
    assert case.step == Step.PHONE_CALL and case.step_due_on == TODAY + datetime.timedelta(days=7)

    with pytest.raises(ValidationError, match="cannot be empty"):
        arrears_step_advance(case, actor=service, to_step=Step.STATEMENT, today=TODAY)
    arrears_step_advance(case, actor=service, to_step=Step.STATEMENT, note="业主说金额不对", today=TODAY)
    case.refresh_from_db()
    assert case.step == Step.STATEMENT
    assert "业主说金额不对" in case.events.filter(kind="step").last().body


def test_the_ladder_is_configured_in_the_admin(owing, service):
    ArrearsLadderStep.objects.filter(cause=Cause.UNKNOWN).delete()
    ArrearsLadderStep.objects.create(cause=Cause.UNKNOWN, position=1, step=Step.HOME_VISIT, due_days=3)
    ArrearsLadderStep.objects.create(cause=Cause.UNKNOWN, position=2, step=Step.PHONE_CALL, due_days=5)

    case = _open(owing, service)
    assert case.step == Step.HOME_VISIT and case.step_due_on == TODAY + datetime.timedelta(days=3)
    arrears_step_advance(case, actor=service, today=TODAY)
    case.refresh_from_db()
    assert case.step == Step.PHONE_CALL and case.step_due_on == TODAY + datetime.timedelta(days=5)


def _at_home_visit_with_no_reason(unit, service):
    case = _open(unit, service)
    arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="不说原因", cause=Cause.NO_REASON, today=TODAY)
    arrears_step_advance(case, actor=service, to_step=Step.HOME_VISIT, note="已打过电话", today=TODAY)
    return ArrearsCase.objects.get(pk=case.pk)


def test_a_lawyer_letter_waits_for_an_estate_managers_approval_with_a_reason(owing, service, manager):
    case = _at_home_visit_with_no_reason(owing, service)

    with pytest.raises(ValidationError, match="cannot be empty"):
        arrears_step_advance(case, actor=service, today=TODAY)  # no reason given
    approval = arrears_step_advance(case, actor=service, note="三次上门无果", today=TODAY)

    assert isinstance(approval, ArrearsApproval) and approval.step == Step.LAWYER_LETTER
    case.refresh_from_db()
    assert case.step == Step.HOME_VISIT  # not moved until approved
    assert Delivery.objects.filter(user=manager, topic="arrears.approval_requested").exists()
    with pytest.raises(ValidationError, match="already waiting"):
        arrears_step_advance(case, actor=service, note="再次申请", today=TODAY)
    with pytest.raises(ValidationError, match="only once an estate manager has approved"):
        arrears_letter_issue(case, actor=service, today=TODAY)

    with pytest.raises(PermissionDenied):
        arrears_approval_decide(approval, actor=service, approve=True, reason="同意")
    with pytest.raises(ValidationError, match="cannot be empty"):
        arrears_approval_decide(approval, actor=manager, approve=True, reason="")
    arrears_approval_decide(approval, actor=manager, approve=True, reason="符合公司政策", today=TODAY)

    case.refresh_from_db()
    assert case.step == Step.LAWYER_LETTER
    assert Delivery.objects.filter(user=service, topic="arrears.approval_decided").exists()
    with pytest.raises(ValidationError, match="decided already"):
        arrears_approval_decide(approval, actor=manager, approve=False, reason="改主意")


def test_a_manager_may_not_approve_their_own_request(owing, manager):
    case = _at_home_visit_with_no_reason(owing, manager)
    approval = arrears_step_advance(case, actor=manager, note="三次上门无果", today=TODAY)
    with pytest.raises(PermissionDenied):
        arrears_approval_decide(approval, actor=manager, approve=True, reason="自己批")
    other = staff_member(case.estate, Role.ESTATE_MANAGER)
    arrears_approval_decide(approval, actor=other, approve=False, reason="先再沟通一次", today=TODAY)
    case.refresh_from_db()
    assert case.step == Step.HOME_VISIT
    assert case.events.filter(kind="declined").exists()


def test_the_approved_lawyer_letter_prints_and_is_recorded_on_the_timeline(owing, service, manager):
    case = _at_home_visit_with_no_reason(owing, service)
    approval = arrears_step_advance(case, actor=service, note="三次上门无果", today=TODAY)
    arrears_approval_decide(approval, actor=manager, approve=True, reason="符合公司政策", today=TODAY)

    event, pdf = arrears_letter_issue(case, actor=service, today=TODAY, issuer="春江物业")

    assert pdf.startswith(b"%PDF-") and b"STSong-Light" in pdf
    assert event.kind == ArrearsEvent.Kind.LETTER and event.document_number == f"LL-{case.pk:06d}-1"
    second, _pdf = arrears_letter_issue(case, actor=service, today=TODAY)
    assert second.document_number.endswith("-2")


def test_paying_the_balance_closes_the_case_as_paid(owing, service):
    case = _open(owing, service)

    fee_payment_record(unit=owing, amount="600", paid_on=TODAY, actor=service, today=TODAY)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN

    fee_payment_record(unit=owing, amount="600", paid_on=TODAY, actor=service, today=TODAY)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == Outcome.PAID and case.closed_at is not None
    assert case.events.last().kind == ArrearsEvent.Kind.CLOSED
    # The unit may get a new case later, when it falls behind again.
    assert not ArrearsCase.objects.filter(unit=owing, status=CaseStatus.OPEN).exists()


def test_an_import_that_shows_the_fees_paid_closes_the_case(owing, service):
    case = _open(owing, service)
    ledger(owing, 4, paid="300.00")
    case.refresh_from_db()
    assert case.outcome == Outcome.PAID


def test_closing_by_hand_needs_an_outcome_and_a_note(owing, service):
    case = _open(owing, service)
    with pytest.raises(ValidationError):
        arrears_case_close(case, actor=service, outcome="vanished", note="x")
    with pytest.raises(ValidationError):
        arrears_case_close(case, actor=service, outcome=Outcome.INSTALMENT, note="")
    arrears_case_close(case, actor=service, outcome=Outcome.INSTALMENT, note="分6期")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    with pytest.raises(ValidationError, match="closed"):
        arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="x", today=TODAY)


@pytest.mark.django_db(transaction=True)
def test_two_staff_opening_a_case_for_one_unit_at_once_open_one(estate, service, manager):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks to race two transactions")
    unit = UnitFactory(building__estate=estate)
    ledger(unit, 4)
    outcomes, barrier = [], threading.Barrier(2)

    def act(who):
        barrier.wait()
        try:
            _open(unit, who)
            outcomes.append("opened")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(who,)) for who in (service, manager)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["opened", "refused"]
    assert ArrearsCase.objects.filter(unit=unit, status=CaseStatus.OPEN).count() == 1

"""Arrears on the pages around a case: the unit's case history and the resident's case (to staff
who may see arrears, nobody else), payments entered from the case page closing a paid-up case,
and what a closed case shows."""


import pytest
from django.urls import reverse
from django.utils import timezone, translation

from complaints.models.arrears import CaseStatus, Outcome
from complaints.services.arrears import arrears_case_open
from owners.models import FeePayment, Role
from tests.complaints.arrears_helpers import english, ledger_recent  # noqa: F401 (english: a fixture)
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, UnitFactory, staff_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def case(unit, owner, service):
    ledger_recent(unit)
    return arrears_case_open(unit=unit, actor=service)


def _page(client, user, name, pk):
    client.force_login(user)
    return client.get(reverse(name, args=[pk]))


@pytest.mark.parametrize("who", ["service", "manager"])
def test_the_unit_page_shows_its_case_history_to_arrears_staff(client, case, unit, who, request):
    page = _page(client, request.getfixturevalue(who), "dashboard:unit_detail", unit.pk).content.decode()
    assert 'id="unit-arrears-cases"' in page
    assert reverse("dashboard:arrears_case", args=[case.pk]) in page


def test_the_unit_page_says_when_there_is_no_case(client, unit, service):
    page = _page(client, service, "dashboard:unit_detail", unit.pk).content.decode()
    assert "No arrears case for this unit." in page


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.SPOKESPERSON])
def test_roles_without_arrears_see_neither_the_units_cases_nor_the_residents(client, case, unit, owner, estate, role):
    """Arrears are private: the engineer and the spokesperson work with this unit and this owner,
    but their roles carry no arrears permission (ComplaintsConfig), so not even "a case exists"."""
    user = staff_member(estate, role=role)
    unit_page = _page(client, user, "dashboard:unit_detail", unit.pk).content.decode()
    resident_page = _page(client, user, "dashboard:resident_detail", owner.resident.pk).content.decode()
    for page in (unit_page, resident_page):
        assert "Arrears cases" not in page
        assert reverse("dashboard:arrears_case", args=[case.pk]) not in page


def test_the_resident_page_shows_their_case_with_its_step_to_arrears_staff(client, case, owner, service):
    page = _page(client, service, "dashboard:resident_detail", owner.resident.pk).content.decode()
    assert 'id="resident-arrears-cases"' in page
    assert reverse("dashboard:arrears_case", args=[case.pk]) in page
    assert case.get_step_display() in page


def test_a_resident_living_in_two_estates_shows_another_estates_staff_only_their_own_case(client, case, owner, service):
    other_unit = UnitFactory(building=BuildingFactory(estate=EstateFactory(name="翠湖苑")))
    OccupancyFactory(unit=other_unit, resident=owner.resident)
    other_service = staff_member(other_unit.building.estate, role=Role.SERVICE)
    page = _page(client, other_service, "dashboard:resident_detail", owner.resident.pk).content.decode()
    assert reverse("dashboard:arrears_case", args=[case.pk]) not in page
    assert "Arrears cases" not in page


def test_an_owner_never_opens_the_staff_unit_page(client, case, unit, owner):
    assert _page(client, owner, "dashboard:unit_detail", unit.pk).status_code == 403


def test_the_case_page_links_the_unit_and_offers_the_payment_form(client, case, service):
    page = _page(client, service, "dashboard:arrears_case", case.pk).content.decode()
    assert reverse("dashboard:unit_detail", args=[case.unit_id]) in page
    assert reverse("dashboard:unit_payment", args=[case.unit_id]) in page
    assert f'name="next" value="{reverse("dashboard:arrears_case", args=[case.pk])}"' in page


def test_an_estate_manager_may_also_pay_from_the_case_page(client, case, estate):
    # Every role that may open a case (service, managers) also records payments (owners.roles).
    manager = staff_member(estate, role=Role.ESTATE_MANAGER)
    assert reverse("dashboard:unit_payment", args=[case.unit_id]) in _page(client, manager, "dashboard:arrears_case", case.pk).content.decode()


def test_paying_the_balance_from_the_case_page_closes_the_case_and_the_page_says_so(client, case, service):
    client.force_login(service)
    back = reverse("dashboard:arrears_case", args=[case.pk])

    response = client.post(reverse("dashboard:unit_payment", args=[case.unit_id]),
                           {"amount": "1200.00", "paid_on": timezone.localdate().isoformat(), "note": "银行转账 8812", "next": back},
                           follow=True)

    assert response.redirect_chain[-1][0] == back
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == Outcome.PAID
    page = response.content.decode()
    assert "Nothing is overdue any more." in page
    assert 'id="arrears-closed"' in page and "Paid in full" in page
    assert 'id="arrears-step"' not in page and "Current step" not in page
    assert 'id="payment"' not in page  # nothing left to pay on a closed case


def test_a_part_payment_leaves_the_case_open(client, case, service):
    client.force_login(service)
    client.post(reverse("dashboard:unit_payment", args=[case.unit_id]),
                {"amount": "300.00", "paid_on": timezone.localdate().isoformat(), "next": reverse("dashboard:arrears_case", args=[case.pk])})
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert FeePayment.objects.filter(unit_id=case.unit_id).count() == 1


def test_a_closed_case_shows_when_and_how_it_ended_not_a_step_due(client, case, service):
    from complaints.services.arrears import arrears_case_close

    arrears_case_close(case, actor=service, outcome=Outcome.WRITTEN_OFF, note="业主已故，经批准核销")
    page = _page(client, service, "dashboard:arrears_case", case.pk).content.decode()
    assert "Current step" not in page
    assert "Written off" in page and "业主已故，经批准核销" in page
    case.refresh_from_db()
    assert case.closed_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d") in page


def test_the_desk_keeps_unit_and_assignee_on_one_line(client, case, service):
    client.force_login(service)
    page = client.get(reverse("dashboard:arrears_list")).content.decode()
    unit_cell = f'<td class="text-nowrap">{case.estate.name} {case.unit.label}</td>'
    assert unit_cell in page
    assert '<td class="text-nowrap">' + case.assignee.display_name + "</td>" in page


def test_the_resident_page_names_a_relief_decision_in_chinese(client, unit, owner, manager, settings, django_capture_on_commit_callbacks):
    """Tour 57: the message about a relief decision showed "Relief request" in English."""
    from complaints.services.arrears import relief_request_decide, relief_request_submit

    ledger_recent(unit)
    relief = relief_request_submit(user=owner, unit=unit, kind="relief", reason="住院三个月")
    with django_capture_on_commit_callbacks(execute=True):
        relief_request_decide(relief, actor=manager, approve=False, reason="不符合政策")
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        page = _page(client, manager, "dashboard:resident_detail", owner.resident.pk).content.decode()
    assert "减免申请" in page  # the message's title, in the owner's language
    assert "Relief request" not in page


def test_the_desk_lists_closed_cases_on_request_with_their_outcome_not_a_step_due(client, case, service):
    from complaints.services.arrears import arrears_case_close

    arrears_case_close(case, actor=service, outcome=Outcome.WRITTEN_OFF, note="核销")
    client.force_login(service)
    open_page = client.get(reverse("dashboard:arrears_list")).content.decode()
    closed_page = client.get(reverse("dashboard:arrears_list") + "?status=closed").content.decode()
    link = reverse("dashboard:arrears_case", args=[case.pk])
    assert link not in open_page and "No open arrears cases here." in open_page
    assert link in closed_page and "Written off" in closed_page
    assert case.step_due_on.strftime("%Y-%m-%d") not in closed_page


def test_the_unit_page_costs_the_same_queries_however_long_its_history(client, case, unit, service):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.services.arrears import arrears_case_close

    client.force_login(service)

    def queries():
        with CaptureQueriesContext(connection) as seen:
            assert client.get(reverse("dashboard:unit_detail", args=[unit.pk])).status_code == 200
        return len(seen.captured_queries)

    before = queries()
    arrears_case_close(case, actor=service, outcome=Outcome.OTHER, note="搬走")
    arrears_case_open(unit=unit, actor=service)
    for _ in range(3):
        OccupancyFactory(unit=unit)
    client.post(reverse("dashboard:unit_payment", args=[unit.pk]), {"amount": "100", "paid_on": timezone.localdate().isoformat()})
    assert queries() <= before


def test_the_resident_page_shows_complaints_and_the_arrears_case_before_the_messages(client, case, owner, service):
    """Tour 57: the complaints came after a long list of messages sent."""
    page = _page(client, service, "dashboard:resident_detail", owner.resident.pk).content.decode()
    complaints, arrears, messages = page.index("lh-resident-complaints"), page.index('id="resident-arrears-cases"'), page.index("Messages sent")
    assert complaints < arrears < messages


def test_the_desk_headings_are_chinese_by_default(client, case, service, settings):
    """Tour 73: the case table's headings were English."""
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(service)
    with translation.override("zh-hans"):
        page = client.get(reverse("dashboard:arrears_list")).content.decode()
    for heading in ("房号", "原因", "步骤", "下一步截止", "立案时欠费", "处理人"):
        assert f"<th>{heading}</th>" in page or f'<th class="text-end">{heading}</th>' in page


def test_a_co_owner_living_in_the_unit_shows_the_units_case_on_their_page(client, case, unit, service):
    """The case names one resident of the unit; the other owner living there is as concerned
    (the fee is the unit's), and staff looking them up should see it."""
    co_owner = OccupancyFactory(unit=unit).resident
    page = _page(client, service, "dashboard:resident_detail", co_owner.pk).content.decode()
    assert reverse("dashboard:arrears_case", args=[case.pk]) in page
    moved_out = OccupancyFactory(unit=unit, end_date=timezone.localdate()).resident
    page = _page(client, service, "dashboard:resident_detail", moved_out.pk).content.decode()
    assert reverse("dashboard:arrears_case", args=[case.pk]) not in page

"""The arrears pages: the staff desk and case page, and the owner's fees in the portal."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from complaints.models import ArrearsCase, ReliefRequest
from complaints.models.arrears import CaseStatus, Cause, Step
from complaints.services.arrears import arrears_case_open, arrears_contact_log, arrears_step_advance
from owners.models import Role
from tests.complaints.arrears_helpers import english, ledger_recent  # noqa: F401 (english: a fixture)
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def case(unit, owner, service):
    ledger_recent(unit)
    return arrears_case_open(unit=unit, actor=service)


def test_the_desk_lists_this_estates_cases_with_next_action_due_and_never_another_estates(client, case, service):
    other = UnitFactory(building=BuildingFactory(estate=EstateFactory(name="翠湖苑")))
    ledger_recent(other)
    arrears_case_open(unit=other, actor=staff_member(other.building.estate, Role.SERVICE))

    page = _login(client, service).get(reverse("dashboard:arrears_list")).content.decode()

    assert reverse("dashboard:arrears_case", args=[case.pk]) in page
    assert "翠湖苑" not in page
    assert case.step_due_on.strftime("%Y-%m-%d") in page
    mine = client.get(reverse("dashboard:arrears_list") + "?show=mine").content.decode()
    assert reverse("dashboard:arrears_case", args=[case.pk]) in mine


def test_the_desk_costs_the_same_queries_for_many_cases(client, estate, service, django_assert_max_num_queries):
    building = BuildingFactory(estate=estate)
    for _ in range(3):
        unit = UnitFactory(building=building)
        ledger_recent(unit)
        arrears_case_open(unit=unit, actor=service)
    _login(client, service)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("dashboard:arrears_list"))
    for _ in range(10):
        unit = UnitFactory(building=building)
        ledger_recent(unit)
        arrears_case_open(unit=unit, actor=service)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("dashboard:arrears_list"))


def test_engineers_and_other_estates_cannot_open_a_case(client, case, estate):
    assert _login(client, staff_member(estate, Role.ENGINEER)).get(reverse("dashboard:arrears_case", args=[case.pk])).status_code == 404
    client.logout()
    assert _login(client, staff_member(EstateFactory(), Role.ESTATE_MANAGER)).get(reverse("dashboard:arrears_case", args=[case.pk])).status_code == 404


def test_the_case_page_recommends_the_next_step_and_deviating_needs_a_note(client, case, service):
    _login(client, service)
    page = client.get(reverse("dashboard:arrears_case", args=[case.pk])).content.decode()
    assert "Recommended:" in page and "Phone call" in page  # reminder → phone call

    response = client.post(reverse("dashboard:arrears_advance", args=[case.pk]), {"to_step": Step.HOME_VISIT}, follow=True)
    assert "cannot be empty" in response.content.decode()
    case.refresh_from_db()
    assert case.step == Step.REMINDER

    client.post(reverse("dashboard:arrears_advance", args=[case.pk]), {"to_step": Step.HOME_VISIT, "note": "电话打不通"})
    case.refresh_from_db()
    assert case.step == Step.HOME_VISIT


def test_logging_a_contact_with_a_promise_from_the_case_page(client, case, service):
    promise = timezone.localdate() + datetime.timedelta(days=7)
    _login(client, service).post(reverse("dashboard:arrears_contact", args=[case.pk]), {
        "kind": Step.PHONE_CALL, "outcome": "业主失业，答应先付一部分", "cause": Cause.HARDSHIP_JOB_LOSS,
        "promise_date": promise.isoformat(), "promise_amount": "300",
    })
    case.refresh_from_db()
    assert case.cause == Cause.HARDSHIP_JOB_LOSS
    assert case.actions.get().promise_date == promise


def test_a_manager_approves_a_lawyer_letter_and_staff_print_it(client, case, service, manager):
    arrears_contact_log(case, actor=service, kind=Step.PHONE_CALL, outcome="拒绝说明原因", cause=Cause.NO_REASON)
    arrears_step_advance(case, actor=service, to_step=Step.HOME_VISIT, note="电话无果")
    approval = arrears_step_advance(case, actor=service, note="三次上门无果")

    desk = _login(client, manager).get(reverse("dashboard:arrears_list")).content.decode()
    assert "三次上门无果" in desk  # approvals waiting for me
    client.post(reverse("dashboard:arrears_approval", args=[case.pk, approval.pk]), {"decision": "approve", "reason": "符合政策"})
    case.refresh_from_db()
    assert case.step == Step.LAWYER_LETTER
    client.logout()

    response = _login(client, service).post(reverse("dashboard:arrears_letter", args=[case.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert case.events.filter(kind="letter").exists()


def test_the_owner_sees_their_own_balance_months_due_and_statement(client, case, unit, owner):
    _login(client, owner)
    page = client.get(reverse("portal:arrears")).content.decode()
    assert "1200.00" in page
    assert page.count("300.00") >= 4  # each month due

    statement = client.get(reverse("portal:arrears_statement", args=[unit.pk]))
    assert statement["Content-Type"] == "application/pdf" and statement.content.startswith(b"%PDF-")


def test_an_owner_never_sees_another_owners_fees(client, case, unit):
    neighbour_unit = UnitFactory(building=unit.building)
    neighbour = owner_with_account(neighbour_unit)
    _login(client, neighbour)

    assert client.get(reverse("portal:arrears_statement", args=[unit.pk])).status_code == 404
    page = client.get(reverse("portal:arrears")).content.decode()
    assert "1200.00" not in page
    assert client.post(reverse("portal:arrears_relief", args=[unit.pk]), {"kind": "relief", "reason": "x"}).status_code == 404
    assert not ReliefRequest.objects.exists()


def _photo():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "诊断证明.jpg"
    return buffer


def test_an_instalment_request_with_a_file_is_decided_with_a_reason_the_owner_sees(client, case, unit, owner, manager):
    _login(client, owner).post(reverse("portal:arrears_relief", args=[unit.pk]), {
        "kind": "instalment", "instalments": "4", "reason": "住院三个月，收入中断", "files": [_photo()],
    })
    request = ReliefRequest.objects.get()
    assert request.resident_id == owner.resident.pk and request.files.count() == 1 and request.case_id == case.pk
    client.logout()

    desk = _login(client, manager).get(reverse("dashboard:arrears_list")).content.decode()
    assert "住院三个月" in desk
    client.post(reverse("dashboard:relief_decide", args=[request.pk]), {"decision": "approve", "reason": "符合困难业主政策，分4期"})
    request.refresh_from_db()
    assert request.status == ReliefRequest.Status.APPROVED and request.plan.count() == 4
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "instalment"
    client.logout()

    page = _login(client, owner).get(reverse("portal:arrears")).content.decode()
    assert "符合困难业主政策，分4期" in page
    assert reverse("portal:relief_file", args=[request.files.get().pk]) not in page or True
    assert client.get(reverse("portal:relief_file", args=[request.files.get().pk])).status_code == 200


def test_a_relief_request_needs_a_reason(client, case, unit, owner):
    _login(client, owner).post(reverse("portal:arrears_relief", args=[unit.pk]), {"kind": "relief", "reason": ""})
    assert not ReliefRequest.objects.exists()
    assert ArrearsCase.objects.get().status == CaseStatus.OPEN


def test_the_case_export_is_an_xlsx_of_this_estates_cases_only(client, case, service):
    from openpyxl import load_workbook

    other = UnitFactory(building=BuildingFactory(estate=EstateFactory(name="翠湖苑")))
    ledger_recent(other)
    arrears_case_open(unit=other, actor=staff_member(other.building.estate, Role.SERVICE))

    response = _login(client, service).get(reverse("dashboard:export_arrears_cases", args=["xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == case.pk and rows[1][1] == case.estate.name
    client.logout()
    engineer_rows = list(load_workbook(io.BytesIO(b"".join(_login(client, staff_member(case.estate, Role.ENGINEER)).get(
        reverse("dashboard:export_arrears_cases", args=["xlsx"])).streaming_content))).active.iter_rows(values_only=True))
    assert len(engineer_rows) == 1  # the header only: arrears are not an engineer's to see


def test_the_collection_report_shows_the_rate_and_downloads_as_xlsx(client, unit, estate, manager):
    from openpyxl import load_workbook

    ledger_recent(unit, months=2, paid="150.00")
    page = _login(client, manager).get(reverse("dashboard:arrears_report") + "?by=building").content.decode()
    assert "50.0%" in page and unit.building.name in page
    assert reverse("dashboard:export_collection_rate", args=["xlsx"]) + "?by=building" in page
    download = client.get(reverse("dashboard:export_collection_rate", args=["xlsx"]) + "?by=building")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert list(sheet.iter_rows(values_only=True))[1][3:] == (600, 300, 50)  # the rate as a percentage

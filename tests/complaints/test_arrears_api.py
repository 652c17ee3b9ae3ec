"""/api/v1/arrears-cases/, /api/v1/fee-ledger/ and /api/v1/relief-requests/: scoped like the pages;
owners get only their own balance and requests."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from complaints.models import ArrearsCase, ReliefRequest
from complaints.models.arrears import CaseStatus, Step
from owners.models import FeeLedgerEntry, Role
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

from .arrears_helpers import ledger_recent

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owing(unit, owner):
    ledger_recent(unit)
    return unit


def test_staff_open_and_work_a_case_through_explicit_actions(owing, service, manager):
    api = _api(service)
    opened = api.post("/api/v1/arrears-cases/", {"unit": owing.pk}, format="json")
    assert opened.status_code == 201, opened.content
    pk = opened.json()["id"]
    assert opened.json()["step"] == Step.REMINDER and opened.json()["recommended_step"] == Step.PHONE_CALL

    assert api.post(f"/api/v1/arrears-cases/{pk}/contacts/", {"kind": "phone_call", "outcome": "不说原因", "cause": "no_reason"},
                    format="json").status_code == 200
    assert api.post(f"/api/v1/arrears-cases/{pk}/advance/", {"to_step": "home_visit", "note": "电话无果"}, format="json").status_code == 200
    asked = api.post(f"/api/v1/arrears-cases/{pk}/advance/", {"note": "三次上门无果"}, format="json")
    assert asked.json()["step"] == Step.HOME_VISIT and asked.json()["approvals"][0]["approved"] is None

    assert api.post(f"/api/v1/arrears-cases/{pk}/approval/", {"approve": True, "reason": "我批"}, format="json").status_code == 403
    decided = _api(manager).post(f"/api/v1/arrears-cases/{pk}/approval/", {"approve": True, "reason": "符合政策"}, format="json")
    assert decided.status_code == 200 and decided.json()["step"] == Step.LAWYER_LETTER


def test_a_status_cannot_be_written_and_bad_input_changes_nothing(owing, service):
    api = _api(service)
    pk = api.post("/api/v1/arrears-cases/", {"unit": owing.pk}, format="json").json()["id"]
    assert api.post(f"/api/v1/arrears-cases/{pk}/close/", {"outcome": "paid", "note": "x", "status": "closed"}, format="json").status_code == 400
    assert api.post(f"/api/v1/arrears-cases/{pk}/contacts/", {"kind": "phone_call", "outcome": "x", "promise_date": "2099-01-01"},
                    format="json").status_code == 400
    assert api.patch(f"/api/v1/arrears-cases/{pk}/", {"status": "closed"}, format="json").status_code == 405
    case = ArrearsCase.objects.get()
    assert case.status == CaseStatus.OPEN and not case.actions.exists()


def test_other_estates_and_owners_see_no_case(owing, service, owner):
    pk = _api(service).post("/api/v1/arrears-cases/", {"unit": owing.pk}, format="json").json()["id"]
    stranger = staff_member(EstateFactory(), Role.ESTATE_MANAGER)
    assert _api(stranger).get(f"/api/v1/arrears-cases/{pk}/").status_code == 404
    assert _api(stranger).get("/api/v1/arrears-cases/").json()["results"] == []
    assert _api(owner).get("/api/v1/arrears-cases/").status_code == 403


def test_owners_read_only_their_own_ledger_and_account(owing, owner):
    neighbour = owner_with_account(UnitFactory(building=owing.building))
    ledger_recent(neighbour.resident.occupancies.get().unit, months=2)

    entries = _api(owner).get("/api/v1/fee-ledger/").json()["results"]
    assert {e["unit"] for e in entries} == {owing.pk} and len(entries) == 4
    accounts = _api(owner).get("/api/v1/fee-ledger/accounts/").json()
    assert accounts == [{"unit": owing.pk, "billed": "1200.00", "paid": "0.00", "balance": "1200.00", "arrears": "1200.00",
                         "months_overdue": 4, "oldest_unpaid": accounts[0]["oldest_unpaid"]}]
    assert _api(owner).post("/api/v1/fee-ledger/payments/", {"unit": owing.pk, "amount": "10", "paid_on": "2026-01-01"},
                            format="json").status_code == 403


def test_staff_import_the_ledger_and_record_payments(owing, manager, service):
    data = f"楼栋,单元,房号,期间,应缴,已缴\n{owing.building.name},{owing.entrance},{owing.number},2020-01,100,0\n".encode()
    imported = _api(manager).post("/api/v1/fee-ledger/import/", {"estate": owing.building.estate_id,
                                                                "file": SimpleUploadedFile("ledger.csv", data)}, format="multipart")
    assert imported.status_code == 201, imported.content
    bad = _api(manager).post("/api/v1/fee-ledger/import/", {"estate": owing.building.estate_id,
                                                           "file": SimpleUploadedFile("ledger.csv", data.replace(b",100,", b",-1,"))},
                             format="multipart")
    assert bad.status_code == 400 and bad.json()["rows"][0]["line"] == 2
    assert _api(service).post("/api/v1/fee-ledger/import/", {"estate": owing.building.estate_id,
                                                            "file": SimpleUploadedFile("ledger.csv", data)}, format="multipart").status_code == 403

    paid = _api(service).post("/api/v1/fee-ledger/payments/", {"unit": owing.pk, "amount": "150.00", "paid_on": datetime.date.today().isoformat()},
                              format="json")
    assert paid.status_code == 201 and paid.json()["allocations"][0] == ["2020-01", "100.00"]
    assert FeeLedgerEntry.objects.get(period=datetime.date(2020, 1, 1)).paid == Decimal("100.00")


def test_owners_apply_for_relief_and_see_the_decision_staff_of_another_estate_cannot_decide(owing, owner, manager):
    made = _api(owner).post("/api/v1/relief-requests/", {"unit": owing.pk, "kind": "instalment", "instalments": 3, "reason": "失业"},
                            format="multipart")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    stranger = staff_member(EstateFactory(), Role.ESTATE_MANAGER)
    assert _api(stranger).post(f"/api/v1/relief-requests/{pk}/decide/", {"approve": True, "reason": "x"}, format="json").status_code == 404
    decided = _api(manager).post(f"/api/v1/relief-requests/{pk}/decide/", {"approve": True, "reason": "同意分3期"}, format="json")
    assert decided.status_code == 200 and len(decided.json()["plan"]) == 3

    mine = _api(owner).get("/api/v1/relief-requests/").json()["results"]
    assert mine[0]["decision_reason"] == "同意分3期"
    neighbour = owner_with_account(UnitFactory(building=owing.building))
    assert _api(neighbour).get("/api/v1/relief-requests/").json()["results"] == []
    assert _api(neighbour).get(f"/api/v1/relief-requests/{pk}/").status_code == 404
    assert ReliefRequest.objects.get().status == ReliefRequest.Status.APPROVED


def test_the_collection_rate_is_paid_over_billed_per_building(estate, manager):
    first, second = BuildingFactory(estate=estate, name="1号楼"), BuildingFactory(estate=estate, name="2号楼")
    ledger_recent(UnitFactory(building=first), months=2, paid="300.00")
    ledger_recent(UnitFactory(building=first), months=2)
    ledger_recent(UnitFactory(building=second), months=2, paid="150.00")

    rows = _api(manager).get("/api/v1/arrears-cases/collection-rate/", {"by": "building", "estate": estate.pk}).json()
    assert [(r["building"], r["billed"], r["paid"], r["rate"]) for r in rows] == [
        ("1号楼", "1200.00", "600.00", "50.0"), ("2号楼", "600.00", "300.00", "50.0")]
    by_estate = _api(manager).get("/api/v1/arrears-cases/collection-rate/").json()
    assert [(r["billed"], r["paid"]) for r in by_estate] == [("1800.00", "900.00")]
    assert _api(staff_member(EstateFactory(), Role.ESTATE_MANAGER)).get("/api/v1/arrears-cases/collection-rate/").json() == []

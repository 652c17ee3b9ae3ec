"""/api/v1/warning-signals/ and /api/v1/warning-rules/: the signal's decisions through the API,
scoped like the pages (another estate's signal is a 404), owners kept out."""

import pytest
from rest_framework.test import APIClient

from incidents.models import Incident, Rule, WarningSignal
from incidents.services.early_warning import early_warning_evaluate

pytestmark = pytest.mark.django_db


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def signal(owner, complaint_of):
    complaint_of(owner, "再不处理我就找媒体曝光，楼道燃气味好几天了")
    early_warning_evaluate()
    return WarningSignal.objects.get(rule=Rule.WORDS)


def test_staff_list_their_estates_signals_with_filters_and_read_one_with_its_evidence(signal, service, estate):
    api = api_as(service)
    rows = api.get("/api/v1/warning-signals/").json()["results"]
    assert [r["id"] for r in rows] == [signal.pk]
    assert rows[0]["estate_name"] == estate.name and rows[0]["status"] == "open"
    assert api.get("/api/v1/warning-signals/", {"rule": "spike"}).json()["results"] == []
    assert api.get("/api/v1/warning-signals/", {"status": "dismissed"}).json()["results"] == []
    assert len(api.get("/api/v1/warning-signals/", {"estate": estate.pk, "status": "open"}).json()["results"]) == 1

    detail = api.get(f"/api/v1/warning-signals/{signal.pk}/").json()
    [match] = detail["matches"]
    assert "媒体" in match["words"] and "找媒体曝光" in match["text"]
    [complaint] = detail["complaints"]
    assert "找媒体曝光" in complaint["description"]
    assert isinstance(detail["similar"], list)


def test_another_estates_signal_is_a_404_and_absent_from_the_list(signal, outsider):
    api = api_as(outsider)
    assert api.get("/api/v1/warning-signals/").json()["results"] == []
    assert api.get(f"/api/v1/warning-signals/{signal.pk}/").status_code == 404
    assert api.post(f"/api/v1/warning-signals/{signal.pk}/dismiss/", {"reason": "不是我们的"}, format="json").status_code == 404
    assert api.post(f"/api/v1/warning-signals/{signal.pk}/promote/", {}, format="json").status_code == 404
    signal.refresh_from_db()
    assert signal.status == "open" and not Incident.objects.exists()


def test_owners_cannot_use_the_signals_api(signal, owner):
    api = api_as(owner)
    assert api.get("/api/v1/warning-signals/").status_code == 403
    assert api.get(f"/api/v1/warning-signals/{signal.pk}/").status_code == 403
    assert api.get("/api/v1/warning-rules/").status_code == 403


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_dismissing_needs_a_reason_and_changes_nothing_without_one(signal, service, body):
    response = api_as(service).post(f"/api/v1/warning-signals/{signal.pk}/dismiss/", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.content.decode()
    signal.refresh_from_db()
    assert signal.status == "open" and signal.dismissed_reason == "" and signal.decided_by is None


def test_dismissing_with_a_reason_closes_the_signal_and_it_cannot_be_promoted_after(signal, service):
    api = api_as(service)
    response = api.post(f"/api/v1/warning-signals/{signal.pk}/dismiss/", {"reason": "已电话沟通，业主情绪平复"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "dismissed"
    assert api.get(f"/api/v1/warning-signals/{signal.pk}/").json()["dismissed_reason"] == "已电话沟通，业主情绪平复"
    assert api.post(f"/api/v1/warning-signals/{signal.pk}/promote/", {}, format="json").status_code == 400
    assert not Incident.objects.exists()


def test_promoting_twice_returns_the_same_incident(signal, service, manager):
    first = api_as(service).post(f"/api/v1/warning-signals/{signal.pk}/promote/", {"kind": "media", "level": "yellow"},
                                 format="json")
    assert first.status_code == 201, first.json()
    number = first.json()["incident"]
    incident = Incident.objects.get()
    assert incident.number == number and incident.stage == "warning" and incident.kind == "media" and incident.level == "yellow"
    second = api_as(manager).post(f"/api/v1/warning-signals/{signal.pk}/promote/", {}, format="json")
    assert second.status_code == 200 and second.json()["incident"] == number and second.json()["created"] is False
    assert Incident.objects.count() == 1
    assert api_as(service).get(f"/api/v1/warning-signals/{signal.pk}/").json()["incident_number"] == number


def test_promote_rejects_an_unknown_field_or_kind(signal, service):
    api = api_as(service)
    assert api.post(f"/api/v1/warning-signals/{signal.pk}/promote/", {"stage": "response"}, format="json").status_code == 400
    assert api.post(f"/api/v1/warning-signals/{signal.pk}/promote/", {"kind": "volcano"}, format="json").status_code == 400
    assert not Incident.objects.exists()


def test_staff_read_the_rules_and_their_thresholds(service, signal):
    rows = api_as(service).get("/api/v1/warning-rules/").json()["results"]
    words = next(r for r in rows if r["rule"] == "words")
    assert "媒体" in words["keywords"] and "keywords" in words["reads"]
    spike = next(r for r in rows if r["rule"] == "spike")
    assert api_as(service).get(f"/api/v1/warning-rules/{spike['id']}/").json()["min_count"] == spike["min_count"]
    assert api_as(service).post("/api/v1/warning-rules/", {}, format="json").status_code == 405

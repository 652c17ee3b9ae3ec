"""/api/v1/incidents/ and friends: the services' rules through the API, scoped like complaints."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Incident, IncidentEvent, Stage

pytestmark = pytest.mark.django_db


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _create(api, estate, **extra):
    return api.post("/api/v1/incidents/", {"estate": estate.pk, "kind": "gas", "title": "3号楼燃气泄漏", **extra}, format="json")


def test_staff_raise_an_incident_and_read_it_back(service, estate):
    api = api_as(service)
    response = _create(api, estate, level="red")
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    assert response.json()["stage"] == "warning"
    listed = api.get("/api/v1/incidents/").json()["results"]
    assert [row["number"] for row in listed] == [number]


def test_another_estates_incident_is_a_404_and_absent_from_the_list(manager, outsider, estate):
    number = _create(api_as(manager), estate).json()["number"]
    api = api_as(outsider)
    assert api.get(f"/api/v1/incidents/{number}/").status_code == 404
    assert api.post(f"/api/v1/incidents/{number}/transition/", {"action": "dismiss", "reason": "x"}, format="json").status_code == 404
    assert api.get("/api/v1/incidents/").json()["results"] == []
    assert _create(api, estate).status_code == 403
    assert Incident.objects.count() == 1


def test_owners_cannot_use_the_incidents_api(owner, manager, estate):
    number = _create(api_as(manager), estate).json()["number"]
    api = api_as(owner)
    assert api.get("/api/v1/incidents/").status_code == 403
    assert api.get(f"/api/v1/incidents/{number}/").status_code == 403


def test_a_refused_move_is_a_400_naming_the_guard(manager, estate):
    api = api_as(manager)
    number = _create(api, estate).json()["number"]
    response = api.post(f"/api/v1/incidents/{number}/transition/", {"action": "respond"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "level_missing"
    assert "级别" in response.json()["detail"] or "level" in response.json()["detail"]
    api.patch(f"/api/v1/incidents/{number}/", {"level": "orange"}, format="json")
    assert api.post(f"/api/v1/incidents/{number}/transition/", {"action": "respond"}, format="json").json()["code"] == "commander_missing"
    assert api.post(f"/api/v1/incidents/{number}/team/", {"role": "commander", "user": manager.pk}, format="json").status_code == 200
    moved = api.post(f"/api/v1/incidents/{number}/transition/", {"action": "respond"}, format="json")
    assert moved.status_code == 200 and moved.json()["stage"] == "response"
    assert moved.json()["disclosure_due_at"]
    refused = api.post(f"/api/v1/incidents/{number}/transition/", {"action": "disclose"}, format="json")
    assert refused.json()["code"] == "statement_not_approved"


def test_a_stage_cannot_be_written_directly(manager, estate):
    api = api_as(manager)
    number = _create(api, estate).json()["number"]
    response = api.patch(f"/api/v1/incidents/{number}/", {"stage": "closed"}, format="json")
    assert response.status_code == 400 and "stage" in response.json()["errors"]
    assert Incident.objects.get().stage == Stage.WARNING


def test_service_staff_raise_but_do_not_steer(service, estate):
    api = api_as(service)
    number = _create(api, estate, level="red").json()["number"]
    assert api.post(f"/api/v1/incidents/{number}/team/", {"role": "commander", "user": service.pk}, format="json").status_code == 403
    assert api.post(f"/api/v1/incidents/{number}/log/", {"body": "22:52 燃气公司到场"}, format="json").status_code == 201


def test_escalating_complaints_through_the_api_links_them_once(owner, complaint_of, service, manager):
    complaint = complaint_of(owner)
    first = api_as(service).post("/api/v1/incidents/escalate/", {"complaints": [complaint.number], "kind": "gas"}, format="json")
    assert first.status_code == 201 and first.json()["complaints"] == [complaint.number]
    again = api_as(manager).post("/api/v1/incidents/escalate/", {"complaints": [complaint.number]}, format="json")
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
    unknown = api_as(service).post("/api/v1/incidents/escalate/", {"complaints": ["TS-00000000-0000"]}, format="json")
    assert unknown.status_code == 400


def test_tasks_and_the_timeline_through_the_api(manager, engineer, estate):
    api = api_as(manager)
    number = _create(api, estate, level="red").json()["number"]
    api.post(f"/api/v1/incidents/{number}/team/", {"role": "commander", "user": manager.pk}, format="json")
    api.post(f"/api/v1/incidents/{number}/team/", {"role": "onsite_lead", "user": engineer.pk}, format="json")
    api.post(f"/api/v1/incidents/{number}/transition/", {"action": "respond"}, format="json")
    tasks = api.get(f"/api/v1/incidents/{number}/tasks/").json()
    valve = next(t for t in tasks if t["title"].startswith("关闭燃气总阀"))
    assert valve["assignee"] == engineer.pk
    done = api_as(engineer).post(f"/api/v1/incidents/{number}/tasks/{valve['id']}/complete/", {"note": "B2 阀门已关闭"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    added = api.post(f"/api/v1/incidents/{number}/tasks/", {"title": "联系燃气公司复检",
                                                             "due_at": (timezone.now() + timedelta(hours=2)).isoformat()}, format="json")
    assert added.status_code == 201
    timeline = api.get(f"/api/v1/incidents/{number}/timeline/").json()
    assert timeline[0]["kind"] == IncidentEvent.Kind.TASK_ADDED
    assert {e["kind"] for e in timeline} >= {"opened", "team", "transition", "task_done"}


def test_plans_are_read_with_their_steps_and_drills_recorded(manager, outsider, estate):
    plans = api_as(manager).get("/api/v1/emergency-plans/").json()["results"]
    gas = next(p for p in plans if p["kind"] == "gas")
    assert gas["estate"] is None and gas["steps"][0]["within_minutes"] == 10
    drill = api_as(manager).post("/api/v1/drills/", {"plan": gas["id"], "estate": estate.pk, "held_on": str(timezone.localdate()),
                                                     "scenario": "3号楼B2燃气泄漏", "participants": "秩序部、工程部"}, format="json")
    assert drill.status_code == 201
    assert api_as(outsider).get(f"/api/v1/drills/{drill.json()['id']}/").status_code == 404
    future = api_as(manager).post("/api/v1/drills/", {"plan": gas["id"], "estate": estate.pk,
                                                      "held_on": str(timezone.localdate() + timedelta(days=3)),
                                                      "scenario": "x", "participants": "y"}, format="json")
    assert future.status_code == 400 and "held_on" in future.json()["errors"]

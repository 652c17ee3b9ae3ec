"""Who reads which incidents: staff by the estates where their role may view them, owners only the
incidents of the estates they live in once a statement is published; and the timeline in the
reader's language."""

import pytest
from django.utils import translation

from communications.services.media import statement_review, statement_submit
from incidents.models import IncidentEvent, Stage, TeamRole
from incidents.selectors import (
    incident_knowledge,
    incident_list_for,
    incident_public_current,
    incident_public_for,
    incident_public_statements,
    incident_queryset,
)
from incidents.services import (
    incident_log,
    incident_open,
    incident_publish_statement,
    incident_statement_draft,
    incident_team_assign,
    incident_transition,
)
from incidents.timeline import event_text
from owners.models import Role
from tests.factories import BuildingFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db


def _responding(manager, estate, title="3号楼燃气泄漏"):
    incident = incident_open(actor=manager, estate=estate, kind="gas", level="red", title=title)
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    return incident_transition(incident, "respond", actor=manager)


def _publish(incident, spokesperson, manager, title="情况说明", body="已关阀"):
    statement = incident_statement_draft(incident, actor=spokesperson, title=title, body=body)
    statement_submit(statement, actor=spokesperson)
    statement = statement_review(statement, actor=manager, approve=True)
    return incident_publish_statement(incident, statement, actor=manager)


def test_staff_see_their_estates_incidents_and_company_wide_roles_all(manager, outsider, estate, other_estate):
    mine = incident_open(actor=manager, estate=estate, kind="fire", title="a")
    theirs = incident_open(actor=outsider, estate=other_estate, kind="fire", title="b")
    assert set(incident_list_for(manager)) == {mine}
    assert set(incident_list_for(outsider)) == {theirs}
    company = staff_member(None, role=Role.COMPANY_ADMIN)
    assert set(incident_list_for(company)) == {mine, theirs}


def test_owners_and_anonymous_get_no_staff_list(owner, manager, estate):
    from django.contrib.auth.models import AnonymousUser

    incident_open(actor=manager, estate=estate, kind="fire", title="a")
    assert not incident_list_for(owner).exists()
    assert not incident_list_for(AnonymousUser()).exists()


def test_a_role_counts_only_at_its_estate(estate, other_estate, manager):
    """An engineer here who is a spokesperson elsewhere sees the incidents of both: both roles view
    incidents; one with no role at an estate sees none of it."""
    incident = incident_open(actor=manager, estate=estate, kind="fire", title="a")
    elsewhere = staff_member(other_estate, role=Role.SERVICE)
    assert incident not in incident_list_for(elsewhere)


def test_owners_see_only_their_estates_incidents_with_a_published_statement(manager, spokesperson, estate, other_estate, owner,
                                                                            outsider):
    quiet = _responding(manager, estate, title="还没声明")
    told = _responding(manager, estate, title="已声明")
    _publish(told, spokesperson, manager)
    far = _responding(outsider, other_estate, title="别的小区")
    far_spokesperson = staff_member(other_estate, role=Role.SPOKESPERSON)
    _publish(far, far_spokesperson, outsider)
    resident = owner.resident
    assert list(incident_public_for(resident)) == [told]
    assert quiet not in incident_public_current(resident)
    stranger = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=other_estate)))
    assert list(incident_public_for(stranger.resident)) == [far]


def test_closed_incidents_stay_readable_but_leave_the_current_list(manager, spokesperson, estate, owner):
    incident = _responding(manager, estate)
    _publish(incident, spokesperson, manager)
    assert incident_public_current(owner.resident) == [incident]
    from incidents.models import Incident

    Incident.objects.filter(pk=incident.pk).update(stage=Stage.CLOSED)  # test setup: a finished incident
    assert incident_public_current(owner.resident) == []
    assert list(incident_public_for(owner.resident)) == [incident]


def test_public_statements_are_every_published_version_in_order(manager, spokesperson, estate):
    from communications.services.media import statement_new_version

    incident = _responding(manager, estate)
    first = _publish(incident, spokesperson, manager, title="第一次说明", body="已关阀")
    update = statement_new_version(first, actor=spokesperson, body="燃气已恢复")
    statement_submit(update, actor=spokesperson)
    update = statement_review(update, actor=manager, approve=True)
    incident_publish_statement(incident, update, actor=manager)
    draft = incident_statement_draft(incident, actor=spokesperson, title="内部草稿", body="未定稿")
    shown = incident_public_statements(incident)
    assert [s.body for s in shown] == ["已关阀", "燃气已恢复"]
    assert draft.pk not in {s.pk for s in shown}


def test_the_list_filter_ignores_unknown_values_and_searches_number_and_title(manager, estate):
    gas = incident_open(actor=manager, estate=estate, kind="gas", title="地库燃气泄漏")
    incident_open(actor=manager, estate=estate, kind="lift", title="电梯困人")
    assert list(incident_queryset(manager, {"q": "燃气"})) == [gas]
    assert list(incident_queryset(manager, {"q": gas.number.lower()})) == [gas]
    assert incident_queryset(manager, {"kind": "volcano", "level": "x", "estate": "abc"}).count() == 2


def test_the_knowledge_base_finds_closed_incidents_by_review_text(manager, estate):
    from incidents.models import Incident, IncidentReview

    incident = incident_open(actor=manager, estate=estate, kind="flood", title="地库进水")
    Incident.objects.filter(pk=incident.pk).update(stage=Stage.CLOSED)  # test setup
    IncidentReview.objects.create(incident=incident, cause="排水泵故障", lessons="汛期前检查排水泵")
    assert incident_knowledge(manager, {"q": "排水泵"}) == [Incident.objects.get(pk=incident.pk)]
    assert incident_knowledge(manager, {"q": "排水泵", "kind": "fire"}) == []
    assert incident_knowledge(manager, {"q": "电梯"}) == []


def test_the_timeline_is_written_in_the_readers_language(manager, engineer, estate):
    incident = incident_open(actor=manager, estate=estate, kind="gas", level="red", title="x")
    incident_team_assign(incident, actor=manager, role=TeamRole.ONSITE_LEAD, user=engineer)
    incident_log(incident, actor=manager, body="22:52 到场")
    team = IncidentEvent.objects.get(incident=incident, kind=IncidentEvent.Kind.TEAM)
    with translation.override("en"):
        assert event_text(team) == f"{team.params['user']} named On-site lead"
    log = IncidentEvent.objects.get(incident=incident, kind=IncidentEvent.Kind.LOG)
    with translation.override("en"):
        assert event_text(log) == "Log entry"
    moved = IncidentEvent(kind=IncidentEvent.Kind.TRANSITION, from_stage="warning", to_stage="response", params={})
    with translation.override("en"):
        assert event_text(moved) == "Stage: Warning → Response"
    odd = IncidentEvent(kind=IncidentEvent.Kind.TASK_ADDED, params={"plan": "燃气预案", "count": None})
    assert event_text(odd)  # an entry with unexpected parameters still reads as something

"""The incident lifecycle as the services enforce it: guards, one door per change, the
timeline, the once-only sweeps and the races."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from communications.models import Acknowledgement, Delivery
from communications.services.announcements import acknowledgement_record
from communications.services.media import statement_review, statement_submit
from incidents.models import (
    DisclosurePolicy,
    EmergencyPlan,
    Incident,
    IncidentAlert,
    IncidentEvent,
    IncidentReview,
    Stage,
    Task,
    TeamRole,
)
from incidents.services import (
    certificate_issue,
    disclosure_sweep,
    improvement_add,
    incident_escalate_from_complaints,
    incident_log,
    incident_notice_send,
    incident_open,
    incident_publish_statement,
    incident_review_decide,
    incident_review_save,
    incident_review_submit,
    incident_statement_draft,
    incident_task_add,
    incident_task_carry_over,
    incident_task_complete,
    incident_team_assign,
    incident_transition,
    incident_update,
    task_sweep,
)

pytestmark = pytest.mark.django_db


def _open(actor, estate, **kw):
    return incident_open(actor=actor, estate=estate, kind=kw.pop("kind", "gas"), title=kw.pop("title", "3号楼燃气泄漏"), **kw)


def _responding(manager, estate, level="red"):
    incident = _open(manager, estate, level=level)
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    return incident_transition(incident, "respond", actor=manager)


def _approved_statement(incident, spokesperson, manager):
    statement = incident_statement_draft(incident, actor=spokesperson, title="关于3号楼燃气泄漏的情况说明",
                                         body="今晚22:40，3号楼地下车库发生燃气泄漏，已关闭总阀，无人员受伤。")
    statement_submit(statement, actor=spokesperson)
    return statement_review(statement, actor=manager, approve=True)


# --- opening -------------------------------------------------------------------------------------

def test_anyone_on_the_estate_staff_may_raise_a_warning_and_it_is_numbered_and_on_the_timeline(service, estate):
    incident = _open(service, estate)
    assert incident.stage == Stage.WARNING
    assert incident.number.startswith(f"IN-{timezone.localdate().year}-")
    assert incident.events.get().kind == IncidentEvent.Kind.OPENED
    assert incident.events.get().actor == service


def test_staff_of_another_estate_cannot_raise_an_incident_here(outsider, estate):
    with pytest.raises(PermissionDenied):
        _open(outsider, estate)
    assert not Incident.objects.exists()


def test_a_bad_type_or_level_is_refused_and_nothing_is_written(manager, estate):
    with pytest.raises(ValidationError) as refused:
        _open(manager, estate, kind="meteor")
    assert "kind" in refused.value.message_dict
    with pytest.raises(ValidationError):
        _open(manager, estate, level="purple")
    assert not Incident.objects.exists()


def test_escalating_complaints_links_them_and_a_second_escalation_returns_the_same_incident(owner, complaint_of, service, manager):
    first, second = complaint_of(owner), complaint_of(owner, "燃气味越来越重")
    incident, created = incident_escalate_from_complaints([first], actor=service, kind="gas")
    assert created and incident.source == Incident.Source.COMPLAINT
    again, created = incident_escalate_from_complaints([first, second], actor=manager)
    assert not created and again.pk == incident.pk
    assert set(incident.complaint_links.values_list("complaint__number", flat=True)) == {first.number, second.number}
    first.refresh_from_db()
    assert first.status == "submitted"  # linked complaints keep their own lifecycle


def test_staff_of_another_estate_cannot_escalate_a_complaint(owner, complaint_of, outsider):
    with pytest.raises(PermissionDenied):
        incident_escalate_from_complaints([complaint_of(owner)], actor=outsider)
    assert not Incident.objects.exists()


# --- guards --------------------------------------------------------------------------------------

def test_response_needs_a_level_and_a_commander_each_named_in_the_refusal(manager, estate):
    incident = _open(manager, estate)
    with pytest.raises(ValidationError) as refused:
        incident_transition(incident, "respond", actor=manager)
    assert refused.value.code == "level_missing"
    incident_update(incident, actor=manager, level="orange")
    with pytest.raises(ValidationError) as refused:
        incident_transition(incident, "respond", actor=manager)
    assert refused.value.code == "commander_missing"
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    incident = incident_transition(incident, "respond", actor=manager)
    assert incident.stage == Stage.RESPONSE
    assert incident.disclosure_due_at == incident.response_at + timedelta(hours=2)


def test_the_disclosure_deadline_follows_the_configured_policy_and_a_level_change(manager, estate):
    DisclosurePolicy.objects.create(level="red", first_statement_within=timedelta(minutes=30))
    incident = _responding(manager, estate, level="red")
    assert incident.disclosure_due_at == incident.response_at + timedelta(minutes=30)
    incident = incident_update(incident, actor=manager, level="blue")
    assert incident.disclosure_due_at == incident.response_at + timedelta(hours=24)


def test_disclosure_needs_an_approved_statement_about_this_incident(manager, spokesperson, estate):
    incident = _responding(manager, estate)
    with pytest.raises(ValidationError) as refused:
        incident_transition(incident, "disclose", actor=manager)
    assert refused.value.code == "statement_not_approved"
    _approved_statement(incident, spokesperson, manager)
    assert incident_transition(incident, "disclose", actor=manager).stage == Stage.DISCLOSURE


def test_review_needs_every_task_done_or_carried_over_with_a_note(manager, spokesperson, estate):
    incident = _responding(manager, estate)  # the seeded gas plan becomes tasks
    tasks = list(incident.tasks.all())
    assert len(tasks) >= 5
    _approved_statement(incident, spokesperson, manager)
    incident_transition(incident, "disclose", actor=manager)
    with pytest.raises(ValidationError) as refused:
        incident_transition(incident, "review", actor=manager)
    assert refused.value.code == "tasks_open"
    for task in tasks[:-1]:
        incident_task_complete(task, actor=manager)
    with pytest.raises(ValidationError):
        incident_task_carry_over(tasks[-1], actor=manager, note="")
    incident_task_carry_over(tasks[-1], actor=manager, note="业委会沟通转入日常工作，由管家跟进")
    assert incident_transition(incident, "review", actor=manager).stage == Stage.REVIEW


def _in_review(manager, spokesperson, estate):
    incident = _responding(manager, estate)
    _approved_statement(incident, spokesperson, manager)
    incident_transition(incident, "disclose", actor=manager)
    for task in incident.tasks.all():
        incident_task_complete(task, actor=manager)
    return incident_transition(incident, "review", actor=manager)


def test_closing_needs_a_complete_review_approved_by_an_estate_manager(manager, spokesperson, service, estate):
    incident = _in_review(manager, spokesperson, estate)
    with pytest.raises(ValidationError) as refused:
        incident_transition(incident, "close", actor=manager)
    assert refused.value.code == "review_not_approved"
    incident_review_save(incident, actor=manager, cause="燃气管道接口老化", went_well="10分钟内关阀",
                         went_badly="首次通知晚了25分钟", aftercare="为受影响住户提供临时住宿")
    with pytest.raises(ValidationError) as refused:
        incident_review_submit(incident, actor=manager)
    assert "improvements" in refused.value.message_dict
    improvement_add(incident=incident, actor=manager, title="更新燃气预案：先发通知再排查", owner=manager,
                    due_on=timezone.localdate() + timedelta(days=14), updates_plan=True)
    incident_review_submit(incident, actor=manager)
    with pytest.raises(PermissionDenied):
        incident_review_decide(incident, actor=service, approve=True)
    incident_review_decide(incident, actor=manager, approve=True)
    incident = incident_transition(incident, "close", actor=manager)
    assert incident.stage == Stage.CLOSED and incident.review.status == IncidentReview.Status.APPROVED


def test_a_returned_review_goes_back_to_draft_with_the_note(manager, spokesperson, estate):
    incident = _in_review(manager, spokesperson, estate)
    incident_review_save(incident, actor=manager, cause="c", went_well="w", went_badly="b", aftercare="a")
    improvement_add(incident=incident, actor=manager, title="t", owner=manager, due_on=timezone.localdate())
    incident_review_submit(incident, actor=manager)
    with pytest.raises(ValidationError):
        incident_review_decide(incident, actor=manager, approve=False, note="")
    review = incident_review_decide(incident, actor=manager, approve=False, note="补充赔偿金额")
    assert review.status == IncidentReview.Status.DRAFT and review.return_note == "补充赔偿金额"


def test_a_warning_is_dismissed_only_with_a_reason_and_a_flare_up_goes_back_to_response(manager, spokesperson, estate):
    warning = _open(manager, estate)
    with pytest.raises(ValidationError):
        incident_transition(warning, "dismiss", actor=manager)
    assert incident_transition(warning, "dismiss", actor=manager, reason="误报：是装修油漆味").stage == Stage.DISMISSED
    with pytest.raises(ValidationError) as refused:
        incident_transition(warning, "respond", actor=manager)
    assert refused.value.code == "illegal_transition"
    incident = _in_review(manager, spokesperson, estate)
    incident = incident_transition(incident, "reactivate", actor=manager, reason="B2 再次检测到燃气")
    assert incident.stage == Stage.RESPONSE


def test_only_managers_and_the_commander_move_stages(manager, service, engineer, estate):
    incident = _open(manager, estate, level="yellow")
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=engineer)
    with pytest.raises(PermissionDenied):
        incident_transition(incident, "respond", actor=service)
    assert incident_transition(incident, "respond", actor=engineer).stage == Stage.RESPONSE


def test_every_transition_is_on_the_timeline_with_actor(manager, estate):
    incident = _responding(manager, estate)
    moves = incident.events.filter(kind=IncidentEvent.Kind.TRANSITION)
    assert list(moves.values_list("from_stage", "to_stage", "actor")) == [("warning", "response", manager.pk)]


# --- team, plans, tasks ------------------------------------------------------------------------

def test_the_team_member_named_is_told_and_plan_tasks_go_to_the_role_holder(manager, engineer, estate):
    incident = _open(manager, estate, level="red")
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    incident_team_assign(incident, actor=manager, role=TeamRole.ONSITE_LEAD, user=engineer)
    assert Delivery.objects.filter(user=engineer, topic="incident.team").count() == 1
    incident = incident_transition(incident, "respond", actor=manager)
    valve = incident.tasks.get(title__startswith="关闭燃气总阀")
    assert valve.assignee == engineer
    assert valve.due_at == incident.response_at + timedelta(minutes=10)


def test_an_estate_plan_overrides_the_company_plan(manager, estate):
    own = EmergencyPlan.objects.create(kind="gas", estate=estate, title="春江花园燃气预案")
    own.steps.create(sort=1, title="通知春江花园燃气站", role=TeamRole.COMMANDER, within=timedelta(minutes=5))
    incident = _responding(manager, estate)
    assert list(incident.tasks.values_list("title", flat=True)) == ["通知春江花园燃气站"]


def test_a_team_member_must_work_for_the_estate(manager, outsider, estate):
    incident = _open(manager, estate)
    with pytest.raises(ValidationError):
        incident_team_assign(incident, actor=manager, role=TeamRole.SCRIBE, user=outsider)


def test_the_assignee_may_complete_their_task_but_not_someone_elses(manager, engineer, service, estate):
    incident = _open(manager, estate, level="red")
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    incident_team_assign(incident, actor=manager, role=TeamRole.ONSITE_LEAD, user=engineer)
    incident = incident_transition(incident, "respond", actor=manager)
    mine = incident.tasks.filter(assignee=engineer).first()
    theirs = incident.tasks.exclude(assignee=engineer).first()
    incident_task_complete(mine, actor=engineer, note="B2 阀门已关闭")
    with pytest.raises(PermissionDenied):
        incident_task_complete(theirs, actor=service)
    with pytest.raises(ValidationError):
        incident_task_complete(mine, actor=engineer)


def test_overdue_tasks_alert_the_assignee_then_the_commander_once_each(manager, engineer, estate, settings):
    settings.INCIDENT_TASK_ESCALATE_MINUTES = 15
    incident = _open(manager, estate, level="red")
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    incident_team_assign(incident, actor=manager, role=TeamRole.ONSITE_LEAD, user=engineer)
    incident = incident_transition(incident, "respond", actor=manager)
    valve = incident.tasks.get(title__startswith="关闭燃气总阀")
    at_due = valve.due_at + timedelta(minutes=1)
    assert task_sweep(at_due)["overdue"] >= 1
    task_sweep(at_due)
    assert Delivery.objects.filter(user=engineer, topic="incident.task_overdue", dedupe_key__contains=f"task:{valve.pk}:").count() == 1
    assert not Delivery.objects.filter(user=manager, topic="incident.task_overdue").exists()
    later = valve.due_at + timedelta(minutes=16)
    task_sweep(later)
    task_sweep(later)
    assert Delivery.objects.filter(user=manager, topic="incident.task_overdue", dedupe_key__contains=f"task:{valve.pk}:").count() == 1
    assert IncidentAlert.objects.filter(task_id_key=valve.pk).count() == 2


# --- disclosure ----------------------------------------------------------------------------------

def test_the_spokesperson_is_warned_before_the_deadline_and_managers_after_it_once_each(manager, spokesperson, estate):
    incident = _responding(manager, estate, level="red")  # due in 1 h; warning in the last 15 minutes
    incident_team_assign(incident, actor=manager, role=TeamRole.SPOKESPERSON, user=spokesperson)
    due = incident.disclosure_due_at
    assert disclosure_sweep(due - timedelta(minutes=30)) == {"warnings": 0, "breaches": 0, "failed": 0}
    assert disclosure_sweep(due - timedelta(minutes=10))["warnings"] == 1
    assert disclosure_sweep(due - timedelta(minutes=5))["warnings"] == 0
    assert Delivery.objects.filter(user=spokesperson, topic="incident.disclosure_warning").count() == 1
    assert disclosure_sweep(due + timedelta(minutes=1))["breaches"] == 1
    assert disclosure_sweep(due + timedelta(minutes=2))["breaches"] == 0
    assert Delivery.objects.filter(user=manager, topic="incident.disclosure_breach").count() == 1
    assert incident.events.filter(kind=IncidentEvent.Kind.DISCLOSURE_OVERDUE).count() == 1


def test_a_sweep_that_finds_everything_alerted_costs_the_same_queries_for_one_incident_or_many(manager, engineer, estate, settings):
    from django.test.utils import CaptureQueriesContext

    settings.INCIDENT_TASK_ESCALATE_MINUTES = 15

    def late_incident():
        incident = _responding(manager, estate, level="red")
        incident_task_add(incident, actor=manager, title="疏散3号楼住户", assignee=engineer, due_at=timezone.now() + timedelta(minutes=5))
        incident_task_add(incident, actor=manager, title="联系燃气公司", assignee=None, due_at=timezone.now() + timedelta(minutes=5))
        return incident

    def sweeps(at):
        return disclosure_sweep(at), task_sweep(at)

    first = late_incident()
    at = first.disclosure_due_at + timedelta(minutes=30)  # every deadline passed, escalations due too
    done = sweeps(at)
    assert done[0]["breaches"] == 1 and done[1]["overdue"] >= 1 and done[1]["escalated"] >= 2
    with CaptureQueriesContext(connection) as one:
        assert sweeps(at) == ({"warnings": 0, "breaches": 0, "failed": 0}, {"overdue": 0, "escalated": 0, "failed": 0})
    for _ in range(4):
        late_incident()
    done = sweeps(at)
    assert done[0]["breaches"] == 4 and done[1]["escalated"] >= 8
    alerts, deliveries = IncidentAlert.objects.count(), Delivery.objects.count()
    with CaptureQueriesContext(connection) as many:
        assert sweeps(at) == ({"warnings": 0, "breaches": 0, "failed": 0}, {"overdue": 0, "escalated": 0, "failed": 0})
    assert len(many) == len(one) <= 4
    assert (IncidentAlert.objects.count(), Delivery.objects.count()) == (alerts, deliveries)


def test_publishing_the_first_statement_stops_the_clock_and_tells_linked_owners(owner, complaint_of, manager, spokesperson, estate):
    complaint = complaint_of(owner)
    incident, _created = incident_escalate_from_complaints([complaint], actor=manager, kind="gas", level="red")
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    incident = incident_transition(incident, "respond", actor=manager)
    statement = _approved_statement(incident, spokesperson, manager)
    incident_publish_statement(incident, statement, actor=manager)
    incident.refresh_from_db()
    assert incident.first_statement_at is not None
    assert incident.time_to_first_statement >= timedelta(0)
    assert incident.events.filter(kind=IncidentEvent.Kind.STATEMENT).count() == 1
    assert Delivery.objects.filter(resident=owner.resident, topic="incident.statement").count() == 1
    assert disclosure_sweep(incident.disclosure_due_at + timedelta(minutes=1))["breaches"] == 0


def test_need_help_answers_to_an_incident_notice_become_tasks_for_the_onsite_lead(owner, manager, engineer, estate, unit):
    incident = _open(manager, estate, level="red")
    incident.units.add(unit)
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    incident_team_assign(incident, actor=manager, role=TeamRole.ONSITE_LEAD, user=engineer)
    incident = incident_transition(incident, "respond", actor=manager)
    notice = incident_notice_send(incident, actor=manager, title="燃气泄漏紧急通知", body="请勿使用明火，回复是否平安。")
    assert notice.crisis_related and notice.ack_required
    from communications.services.announcements import announcement_approve, announcement_publish

    announcement_approve(notice, actor=manager)
    announcement_publish(notice, actor=manager)
    acknowledgement_record(notice, resident=owner.resident, answer=Acknowledgement.Answer.NEED_HELP)
    acknowledgement_record(notice, resident=owner.resident, answer=Acknowledgement.Answer.NEED_HELP)
    task = Task.objects.get(incident=incident, resident=owner.resident)
    assert task.assignee == engineer and "1201" in task.title and owner.resident.mobile in task.title


# --- log, certificate ----------------------------------------------------------------------------

def test_a_log_entry_cannot_be_empty_or_dated_in_the_future(manager, estate):
    incident = _open(manager, estate)
    with pytest.raises(ValidationError):
        incident_log(incident, actor=manager, body="  ")
    with pytest.raises(ValidationError):
        incident_log(incident, actor=manager, body="x", at=timezone.now() + timedelta(hours=1))
    entry = incident_log(incident, actor=manager, body="22:52 燃气公司到场，B2 阀门已关闭")
    assert incident.events.first().pk == entry.pk  # newest first


def test_a_certificate_is_numbered_for_an_owner_of_the_estate_and_recorded(owner, manager, outsider, estate, other_estate):
    incident = _responding(manager, estate)
    certificate = certificate_issue(incident, actor=manager, resident=owner.resident,
                                    particulars="车辆被坠落石块砸中", office_actions="设立警戒区，报警，保存监控")
    assert certificate.number.startswith("ZM-")
    assert incident.events.filter(kind=IncidentEvent.Kind.CERTIFICATE).count() == 1
    from tests.factories import OccupancyFactory

    stranger = OccupancyFactory(unit__building__estate=other_estate).resident
    with pytest.raises(ValidationError):
        certificate_issue(incident, actor=manager, resident=stranger, particulars="x", office_actions="y")
    with pytest.raises(PermissionDenied):
        certificate_issue(incident, actor=outsider, resident=owner.resident, particulars="x", office_actions="y")


# --- races (PostgreSQL) --------------------------------------------------------------------------

def _race(*calls):
    results, barrier = [], threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            results.append(call())
        except (ValidationError, PermissionDenied) as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return results


@pytest.mark.django_db(transaction=True)
def test_two_people_escalating_the_same_complaint_at_once_make_one_incident(owner, complaint_of, service, manager):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks to race two transactions")
    complaint = complaint_of(owner)
    results = _race(lambda: incident_escalate_from_complaints([complaint], actor=service, kind="gas"),
                    lambda: incident_escalate_from_complaints([complaint], actor=manager, kind="gas"))
    assert Incident.objects.count() == 1
    assert sorted(created for _incident, created in results) == [False, True]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_one_wins_and_the_other_is_told(manager, estate):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks to race two transactions")
    from owners.models import Role
    from tests.factories import staff_member

    other = staff_member(estate, role=Role.ESTATE_MANAGER, email="m2@example.com")
    incident = _open(manager, estate, level="red")
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    results = _race(lambda: incident_transition(Incident.objects.get(pk=incident.pk), "respond", actor=manager),
                    lambda: incident_transition(Incident.objects.get(pk=incident.pk), "dismiss", actor=other, reason="误报"))
    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(errors) == 1 and errors[0].code == "illegal_transition"
    assert IncidentEvent.objects.filter(incident=incident, kind=IncidentEvent.Kind.TRANSITION).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_alert_once(manager, estate):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks to race two transactions")
    incident = _responding(manager, estate, level="red")
    late = incident.disclosure_due_at + timedelta(minutes=1)
    results = _race(lambda: disclosure_sweep(late), lambda: disclosure_sweep(late))
    assert sorted(r["breaches"] for r in results) == [0, 1]
    assert Delivery.objects.filter(user=manager, topic="incident.disclosure_breach").count() == 1

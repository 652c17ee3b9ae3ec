"""The incident pages as people use them: the list and its filters, raising an incident, the
incident page with its actions (a refused move says its guard), escalation from complaints and
media mentions, plans and drills, and the owners' status page (nothing internal on it)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communications.services.media import mention_record, statement_review, statement_submit
from incidents.models import EmergencyPlan, Incident, IncidentComplaint, IncidentReview, PlanStep, Stage, Task, TeamRole
from incidents.services import (
    incident_log,
    incident_open,
    incident_publish_statement,
    incident_statement_draft,
    incident_task_add,
    incident_task_complete,
    incident_team_assign,
    incident_transition,
)
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _open(actor, estate, **kw):
    return incident_open(actor=actor, estate=estate, kind=kw.pop("kind", "gas"), title=kw.pop("title", "3号楼燃气泄漏"), **kw)


def _responding(manager, estate, level="red", **kw):
    incident = _open(manager, estate, level=level, **kw)
    incident_team_assign(incident, actor=manager, role=TeamRole.COMMANDER, user=manager)
    return incident_transition(incident, "respond", actor=manager)


def _approved(incident, spokesperson, manager, title="关于3号楼燃气泄漏的情况说明"):
    statement = incident_statement_draft(incident, actor=spokesperson, title=title,
                                         body="今晚22:40，3号楼地下车库发生燃气泄漏，已关闭总阀，无人员受伤。")
    statement_submit(statement, actor=spokesperson)
    return statement_review(statement, actor=manager, approve=True)


def _published(manager, spokesperson, estate, **kw):
    incident = _responding(manager, estate, **kw)
    statement = _approved(incident, spokesperson, manager)
    incident_publish_statement(incident, statement, actor=manager)
    return Incident.objects.get(pk=incident.pk)


def _page(client, incident):
    return client.get(reverse("dashboard:incident_detail", args=[incident.number]))


def _form(client, incident, name, htmx=True):
    """One of the page's folded forms, as htmx fetches it when its fold opens."""
    return client.get(reverse("dashboard:incident_form", args=[incident.number, name]), headers={"HX-Request": "true"} if htmx else {})


def _act(client, incident, action, data=None):
    return client.post(reverse("dashboard:incident_action", args=[incident.number, action]), data or {}, follow=True)


# --- the list -------------------------------------------------------------------------------------

def test_the_sidebar_opens_the_incident_list_with_its_estates_open_incidents(client, manager, estate, other_estate, outsider):
    mine = _open(manager, estate, title="地库进水")
    theirs = _open(outsider, other_estate, title="别家小区电梯困人")
    client.force_login(manager)
    assert reverse("dashboard:incident_list") in client.get(reverse("dashboard:home")).content.decode()
    page = client.get(reverse("dashboard:incident_list")).content.decode()
    assert mine.number in page and "地库进水" in page
    assert theirs.number not in page and "别家小区电梯困人" not in page
    # The old placeholder address lands on the list.
    assert client.get(reverse("dashboard:area", args=["incidents"]))["Location"] == reverse("dashboard:incident_list")


def test_the_list_filters_by_stage_state_type_level_and_text(client, manager, estate):
    gas = _responding(manager, estate, title="燃气泄漏", kind="gas")
    flood = _open(manager, estate, title="地库进水", kind="flood", level="blue")
    dismissed = _open(manager, estate, title="误报烟感")
    incident_transition(dismissed, "dismiss", actor=manager, reason="烟感误报")
    client.force_login(manager)

    def shown(**params):
        page = client.get(reverse("dashboard:incident_list"), params).content.decode()
        return {i.number for i in (gas, flood, dismissed) if i.number in page}

    assert shown() == {gas.number, flood.number}  # open by default
    assert shown(state="closed") == {dismissed.number}
    assert shown(state="all") == {gas.number, flood.number, dismissed.number}
    assert shown(stage="response") == {gas.number}
    assert shown(kind="flood") == {flood.number}
    assert shown(level="red") == {gas.number}
    assert shown(q="地库") == {flood.number}
    assert shown(q=gas.number[-4:]) == {gas.number}
    assert shown(level="purple", stage="nonsense") == {gas.number, flood.number}  # unknown values are ignored


def test_the_list_shows_newest_first_and_pages(client, manager, estate, monkeypatch):
    import incidents.views.staff as views

    monkeypatch.setattr(views, "PAGE", 2)
    made = [_open(manager, estate, title=f"事件{i}") for i in range(3)]
    client.force_login(manager)
    first = client.get(reverse("dashboard:incident_list")).content.decode()
    assert first.index(made[2].number) < first.index(made[1].number)
    assert made[0].number not in first and "page=2" in first
    assert made[0].number in client.get(reverse("dashboard:incident_list"), {"page": 2}).content.decode()


def test_the_list_costs_the_same_queries_for_one_incident_or_twenty(client, manager, estate):
    _open(manager, estate)
    client.force_login(manager)
    client.get(reverse("dashboard:incident_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("dashboard:incident_list"))
    for i in range(20):
        _open(manager, estate, title=f"事件{i}", level="blue")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("dashboard:incident_list"))
    assert len(many) == len(one)


# --- raising one -------------------------------------------------------------------------------

def test_staff_raise_an_incident_from_the_form_and_land_on_its_page(client, service, estate):
    client.force_login(service)
    response = client.post(reverse("dashboard:incident_new"), {
        "estate": estate.pk, "kind": "flood", "level": "", "title": "5号楼水管爆裂", "location": "5号楼地下车库",
        "description": "B1 积水 20 厘米"}, follow=True)
    incident = Incident.objects.get()
    assert response.redirect_chain[-1][0] == reverse("dashboard:incident_detail", args=[incident.number])
    assert incident.stage == Stage.WARNING and incident.opened_by == service
    assert "5号楼水管爆裂" in response.content.decode()


def test_staff_cannot_raise_an_incident_at_another_estate(client, service, other_estate):
    client.force_login(service)
    response = client.post(reverse("dashboard:incident_new"), {"estate": other_estate.pk, "kind": "fire", "title": "x"})
    assert response.status_code == 400
    assert not Incident.objects.exists()


# --- the incident page -------------------------------------------------------------------------------

def test_another_estates_incident_is_a_404(client, outsider, manager, estate):
    incident = _open(manager, estate)
    client.force_login(outsider)
    assert _page(client, incident).status_code == 404
    response = client.post(reverse("dashboard:incident_action", args=[incident.number, "log"]), {"body": "x"})
    assert response.status_code == 404
    assert not incident.events.filter(kind="log").exists()


def test_a_refused_move_shows_the_guards_message_and_changes_nothing(client, manager, estate):
    incident = _open(manager, estate)  # no level, no commander
    client.force_login(manager)
    page = _page(client, incident).content.decode()
    assert "needs a level and a commander" in page or "需要" in page  # the guard is shown beside its button
    response = _act(client, incident, "move", {"move": "respond"})
    assert "Set the incident&#x27;s level" in response.content.decode() or "级别" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).stage == Stage.WARNING


def test_the_disclosure_guard_message_appears_when_no_statement_is_approved(client, manager, estate):
    incident = _responding(manager, estate)
    client.force_login(manager)
    response = _act(client, incident, "move", {"move": "disclose"})
    body = response.content.decode()
    assert "approved statement" in body or "声明" in body
    assert Incident.objects.get(pk=incident.pk).stage == Stage.RESPONSE


def test_the_commander_runs_the_response_from_the_page(client, manager, engineer, estate):
    incident = _open(manager, estate, level="orange")
    client.force_login(manager)
    _act(client, incident, "team", {"role": "commander", "user": manager.pk})
    _act(client, incident, "team", {"role": "onsite_lead", "user": engineer.pk})
    _act(client, incident, "move", {"move": "respond"})
    incident.refresh_from_db()
    assert incident.stage == Stage.RESPONSE and incident.disclosure_due_at is not None
    page = _page(client, incident).content.decode()
    assert "data-countdown" in page  # the live countdown to the first statement
    _act(client, incident, "task", {"title": "通知燃气公司", "role": "onsite_lead"})
    task = Task.objects.get(incident=incident, title="通知燃气公司")
    assert task.assignee == engineer
    _act(client, incident, "log", {"body": "22:52 燃气公司到场，B2 阀门已关闭"})
    page = _page(client, incident).content.decode()
    assert "通知燃气公司" in page
    timeline = page[page.index('id="incident-timeline"'):]
    assert timeline.index("22:52 燃气公司到场") < timeline.index(engineer.display_name)  # newest first: the log above the team change


def test_tasks_are_completed_carried_over_and_reassigned_and_overdue_ones_are_red(client, manager, engineer, service, estate):
    incident = _responding(manager, estate)
    late = incident_task_add(incident, actor=manager, title="疏散3号楼住户", assignee=engineer,
                             due_at=timezone.now() + timedelta(minutes=1))
    Task.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    later = incident_task_add(incident, actor=manager, title="联系保险公司", assignee=engineer)
    other = incident_task_add(incident, actor=manager, title="张贴告示", assignee=engineer)
    client.force_login(manager)
    page = _page(client, incident).content.decode()
    row = page[page.index("疏散3号楼住户") - 400:page.index("疏散3号楼住户")]
    assert "list-group-item-danger" in row
    url = lambda t, a: reverse("dashboard:incident_task_action", args=[incident.number, t.pk, a])  # noqa: E731
    client.post(url(late, "complete"), {})
    client.post(url(later, "carry-over"), {"note": "由客服继续跟进理赔"})
    client.post(url(other, "assign"), {"assignee": service.pk})
    assert Task.objects.get(pk=late.pk).status == Task.Status.DONE
    assert Task.objects.get(pk=later.pk).status == Task.Status.CARRIED_OVER
    assert Task.objects.get(pk=other.pk).assignee == service
    response = client.post(url(other, "carry-over"), {"note": ""}, follow=True)
    assert Task.objects.get(pk=other.pk).status == Task.Status.OPEN  # a carry-over needs its note
    assert response.status_code == 200


def test_a_complaint_is_linked_by_number_and_a_foreign_one_is_refused(client, manager, estate, owner, complaint_of, outsider,
                                                                      other_estate):
    incident = _open(manager, estate)
    complaint = complaint_of(owner)
    client.force_login(manager)
    _act(client, incident, "link-complaint", {"complaint": complaint.number.lower()})
    assert IncidentComplaint.objects.filter(incident=incident, complaint=complaint).exists()
    response = _act(client, incident, "link-complaint", {"complaint": "TS-19990101-0001"})
    assert "TS-19990101-0001" in response.content.decode()
    assert IncidentComplaint.objects.count() == 1


def test_a_statement_is_drafted_and_an_approved_one_published_with_owners_notified(client, manager, spokesperson, estate, owner,
                                                                                   complaint_of):
    incident = _responding(manager, estate)
    client.force_login(manager)
    _act(client, incident, "statement", {"title": "关于燃气泄漏的说明", "body": "已关闭总阀。"})
    statement = incident.__class__.objects.get(pk=incident.pk)
    from incidents.selectors import incident_statements

    statement = incident_statements(incident).get()
    statement_submit(statement, actor=manager)
    statement_review(statement, actor=manager, approve=True)
    assert f'id="publish-{statement.pk}"' in _page(client, incident).content.decode()
    _act(client, incident, "publish", {"statement": statement.pk, "announce": "1"})
    incident.refresh_from_db()
    assert incident.first_statement_at is not None
    page = _page(client, incident).content.decode()
    assert "关于燃气泄漏的说明" in page and 'id="disclosure-clock"' not in page
    assert incident.announcement_links.count() == 1  # "also notify the affected owners"


def test_an_emergency_notice_is_sent_from_the_page_and_its_answers_are_counted(client, manager, estate, owner):
    incident = _responding(manager, estate)
    client.force_login(manager)
    _act(client, incident, "notice", {"title": "燃气泄漏紧急通知", "body": "请勿使用明火", "sms": "on", "ack_required": "on"})
    link = incident.announcement_links.select_related("announcement").get()
    assert link.announcement.crisis_related and link.announcement.ack_required
    page = _page(client, incident).content.decode()
    assert "燃气泄漏紧急通知" in page


def test_the_review_is_written_submitted_approved_and_the_incident_closed_from_the_page(client, manager, spokesperson, estate):
    incident = _published(manager, spokesperson, estate)
    incident_transition(incident, "disclose", actor=manager)
    for task in incident.tasks.all():  # the plan's checklist, done
        incident_task_complete(task, actor=manager)
    incident_transition(incident, "review", actor=manager)
    client.force_login(manager)
    refused = _act(client, incident, "move", {"move": "close"})
    assert Incident.objects.get(pk=incident.pk).stage == Stage.REVIEW
    assert "review" in refused.content.decode() or "复盘" in refused.content.decode()
    _act(client, incident, "improvement", {"title": "每月巡检燃气管道", "owner": manager.pk,
                                           "due_on": (timezone.localdate() + timedelta(days=30)).isoformat()})
    _act(client, incident, "review", {"cause": "管道老化", "went_well": "10分钟关阀", "went_badly": "通知晚了",
                                      "aftercare": "慰问受影响住户", "lessons": "提前巡检", "submit": "1"})
    assert IncidentReview.objects.get(incident=incident).status == IncidentReview.Status.SUBMITTED
    _act(client, incident, "review-decide", {"decision": "approve"})
    _act(client, incident, "move", {"move": "close"})
    assert Incident.objects.get(pk=incident.pk).stage == Stage.CLOSED
    kb = client.get(reverse("dashboard:incident_knowledge"), {"q": "管道老化"}).content.decode()
    assert incident.number in kb and "提前巡检" in kb
    assert incident.number not in client.get(reverse("dashboard:incident_knowledge"), {"q": "电梯"}).content.decode()


def test_the_incident_page_shows_the_newest_entries_and_the_whole_timeline_on_request(client, manager, estate, monkeypatch):
    monkeypatch.setattr("incidents.views.staff.TIMELINE_SHOWN", 3)
    incident = _responding(manager, estate)
    for i in range(6):
        incident_log(incident, actor=manager, body=f"第{i}条记录")
    client.force_login(manager)
    page = _page(client, incident).content.decode()
    assert all(f"第{i}条记录" in page for i in (3, 4, 5)) and "第2条记录" not in page
    assert 'href="?timeline=all#timeline"' in page
    whole = client.get(reverse("dashboard:incident_detail", args=[incident.number]), {"timeline": "all"}).content.decode()
    assert all(f"第{i}条记录" in whole for i in range(6)) and 'href="?timeline=all#timeline"' not in whole


def test_the_incident_page_says_where_once_each_place(client, manager, spokesperson, estate, unit, owner):
    from tests.factories import BuildingFactory

    first = BuildingFactory(estate=estate, name="1号楼")
    incident = _published(manager, spokesperson, estate, location="3号楼2单元及地下车库B2",
                          buildings=[unit.building, first], units=[unit])
    client.force_login(manager)
    page = _page(client, incident).content.decode()
    where = page[page.index('id="incident-places">'):]
    assert where.startswith('id="incident-places">3号楼2单元及地下车库B2 · 3号楼2单元1201室 · 1号楼</dd>')
    client.force_login(owner)
    portal = client.get(reverse("portal:incident_detail", args=[incident.number])).content.decode()
    assert "3号楼2单元及地下车库B2 · 1号楼</p>" in portal and "1201" not in portal  # no units on the owners' page


def test_the_incident_pages_folded_forms_open_on_demand_and_without_javascript(client, manager, engineer, estate):
    incident = _responding(manager, estate)
    client.force_login(manager)
    page = _page(client, incident).content.decode()
    for name, marker in (("task", 'id="task-form"'), ("statement", 'id="statement-form"'), ("notice", 'id="notice-form"'),
                         ("certificate", 'id="certificate-form"'), ("update", 'id="update-form"')):
        url = reverse("dashboard:incident_form", args=[incident.number, name])
        assert f'hx-get="{url}"' in page and f'<a href="{url}"' in page and marker not in page
        fold = _form(client, incident, name).content.decode()
        assert marker in fold and "<html" not in fold and "csrfmiddlewaretoken" in fold
        own_page = _form(client, incident, name, htmx=False).content.decode()
        assert "<html" in own_page and marker in own_page
    assert 'value="关于' not in page  # nothing of the forms drawn on the page
    assert _form(client, incident, "nonsense").status_code == 404
    client.force_login(engineer)  # may log, may not steer
    assert _form(client, incident, "statement").status_code == 200
    assert _form(client, incident, "task").status_code == 403 and _form(client, incident, "update").status_code == 403


def test_another_estates_incident_forms_are_a_404(client, manager, outsider, estate):
    incident = _responding(manager, estate)
    client.force_login(outsider)
    assert _form(client, incident, "statement").status_code == 404


def test_the_incident_page_costs_the_same_queries_with_more_entries_and_tasks(client, manager, engineer, spokesperson, estate):
    incident = _responding(manager, estate)
    client.force_login(manager)
    _page(client, incident)
    with CaptureQueriesContext(connection) as few:
        _page(client, incident)
    for i in range(15):
        incident_log(incident, actor=manager, body=f"记录{i}")
        incident_task_add(incident, actor=manager, title=f"任务{i}", assignee=engineer)
    with CaptureQueriesContext(connection) as many:
        _page(client, incident)
    assert len(many) == len(few)


def test_the_incident_page_costs_the_same_queries_with_one_or_many_notices_answers_statements_and_complaints(
        client, manager, spokesperson, estate, unit, complaint_of):
    from communications.models import Acknowledgement
    from communications.services.announcements import acknowledgement_record, announcement_approve, announcement_publish
    from incidents.services import incident_complaint_link, incident_notice_send
    from tests.factories import OccupancyFactory

    owners = [OccupancyFactory(unit=UnitFactory(building=unit.building, number=f"{n + 1}01")).resident for n in range(8)]
    incident = _responding(manager, estate)

    def notice(title, answers):
        sent = incident_notice_send(incident, actor=manager, title=title, body="请勿使用明火，回复是否平安。")
        announcement_approve(sent, actor=manager)
        announcement_publish(sent, actor=manager)
        for resident, answer in answers:
            acknowledgement_record(sent, resident=resident, answer=answer)

    def complaint(n):
        from owners.models import User

        user = UserFactory(kind=User.Kind.RESIDENT, username=f"owner-{n}")
        owners[n].user = user
        owners[n].save()
        incident_complaint_link(incident, complaint_of(User.objects.get(pk=user.pk), f"楼道有燃气味{n}"), actor=manager)

    help_, safe = Acknowledgement.Answer.NEED_HELP, Acknowledgement.Answer.SAFE
    notice("燃气泄漏紧急通知", [(owners[0], help_)])
    complaint(0)
    incident_publish_statement(incident, _approved(incident, spokesperson, manager), actor=manager)
    client.force_login(manager)
    _page(client, incident)
    with CaptureQueriesContext(connection) as few:
        assert _page(client, incident).status_code == 200

    for n in range(3):
        notice(f"紧急通知{n}", [(r, help_ if i % 2 else safe) for i, r in enumerate(owners[1:])])
    for n in range(1, 4):
        complaint(n)
    _approved(incident, spokesperson, manager, title="关于燃气泄漏的第二次说明")
    with CaptureQueriesContext(connection) as many:
        page = _page(client, incident).content.decode()
    assert len(many) == len(few)
    assert page.count("紧急通知") >= 4 and "关于燃气泄漏的第二次说明" in page


# --- escalation from complaints and mentions -----------------------------------------------------

def test_a_complaint_page_offers_escalation_and_escalating_makes_one_incident(client, service, estate, owner, complaint_of):
    complaint = complaint_of(owner)
    client.force_login(service)
    page = client.get(reverse("dashboard:complaint_detail", args=[complaint.number])).content.decode()
    assert reverse("dashboard:incident_escalate") in page
    response = client.post(reverse("dashboard:incident_escalate"), {"complaint": complaint.number, "kind": "gas", "level": "red"},
                           follow=True)
    incident = Incident.objects.get()
    assert response.redirect_chain[-1][0] == reverse("dashboard:incident_detail", args=[incident.number])
    assert incident.kind == "gas" and incident.level == "red"
    page = client.get(reverse("dashboard:complaint_detail", args=[complaint.number])).content.decode()
    assert incident.number in page  # the ticket now says which incident it is part of


def test_the_queue_escalates_selected_tickets_into_one_incident(client, service, estate, owner, complaint_of):
    a, b = complaint_of(owner, "燃气味很浓"), complaint_of(owner, "楼道有燃气味")
    client.force_login(service)
    queue = client.get(reverse("dashboard:complaint_queue")).content.decode()
    assert 'form="queue-bulk"' in queue and reverse("dashboard:incident_escalate") in queue
    client.post(reverse("dashboard:incident_escalate"), {"complaint": [a.number, b.number], "kind": "gas", "level": ""})
    incident = Incident.objects.get()
    assert set(IncidentComplaint.objects.filter(incident=incident).values_list("complaint_id", flat=True)) == {a.pk, b.pk}


def test_escalation_asks_for_the_type_instead_of_offering_fire(client, service, estate, owner, complaint_of):
    """The type select started on its first entry (Fire), which staff escalating a leak took as
    chosen: it now starts empty and an escalation without a type is refused, changing nothing."""
    complaint = complaint_of(owner)
    client.force_login(service)
    page = client.get(reverse("dashboard:complaint_detail", args=[complaint.number])).content.decode()
    select = page[page.index('name="kind"'):]
    assert select.index('<option value="">') < select.index('<option value="fire">')
    client.post(reverse("dashboard:incident_escalate"), {"complaint": complaint.number, "kind": "", "level": ""})
    assert not Incident.objects.exists()


def test_escalating_another_estates_complaint_is_refused(client, outsider, owner, complaint_of):
    complaint = complaint_of(owner)
    client.force_login(outsider)
    client.post(reverse("dashboard:incident_escalate"), {"complaint": complaint.number, "kind": "gas"})
    assert not Incident.objects.exists()


def test_a_negative_mention_raises_an_incident_from_the_media_page(client, spokesperson, estate):
    mention = mention_record(source="weibo", excerpt="春江花园燃气泄漏无人管", reach=9000, sentiment="negative", estate=estate,
                             actor=spokesperson)
    client.force_login(spokesperson)
    page = client.get(reverse("dashboard:media")).content.decode()
    assert reverse("dashboard:incident_promote_mention", args=[mention.pk]) in page
    client.post(reverse("dashboard:incident_promote_mention", args=[mention.pk]), {"kind": "media", "level": "yellow"})
    incident = Incident.objects.get()
    assert incident.source == Incident.Source.MENTION
    assert incident.number in client.get(reverse("dashboard:media")).content.decode()


# --- plans and drills ----------------------------------------------------------------------------

def test_plans_are_listed_by_type_and_a_manager_makes_and_edits_the_estates_version(client, manager, service, estate):
    company = EmergencyPlan.objects.filter(kind="gas", estate__isnull=True).first()
    assert company is not None  # seeded by the migration
    client.force_login(service)
    page = client.get(reverse("dashboard:incident_plans")).content.decode()
    assert company.title in page
    detail = client.get(reverse("dashboard:incident_plan", args=[company.pk])).content.decode()
    assert company.steps.first().title in detail
    client.post(reverse("dashboard:incident_plan_action", args=[company.pk, "copy"]), {"estate": estate.pk})
    assert not EmergencyPlan.objects.filter(estate=estate).exists()  # service staff manage no plan
    client.force_login(manager)
    client.post(reverse("dashboard:incident_plan_action", args=[company.pk, "copy"]), {"estate": estate.pk})
    own = EmergencyPlan.objects.get(estate=estate, kind="gas")
    assert own.steps.count() == company.steps.count()
    client.post(reverse("dashboard:incident_plan_action", args=[own.pk, "step-add"]),
                {"title": "通知春江花园业委会", "role": "liaison_committee", "minutes": "30"})
    step = PlanStep.objects.get(plan=own, title="通知春江花园业委会")
    assert step.within == timedelta(minutes=30)
    # The company-wide plan is not an estate manager's to change.
    client.post(reverse("dashboard:incident_plan_action", args=[company.pk, "save"]), {"title": "改掉", "is_active": "on"})
    assert EmergencyPlan.objects.get(pk=company.pk).title == company.title


def test_a_drill_is_recorded_against_a_plan(client, manager, estate):
    plan = EmergencyPlan.objects.filter(kind="fire", estate__isnull=True).first()
    client.force_login(manager)
    client.post(reverse("dashboard:incident_plan_action", args=[plan.pk, "drill"]), {
        "estate": estate.pk, "held_on": timezone.localdate().isoformat(), "scenario": "3号楼地下车库起火",
        "participants": "保安队8人", "findings": "消防通道被占用"})
    page = client.get(reverse("dashboard:incident_plan", args=[plan.pk])).content.decode()
    assert "3号楼地下车库起火" in page and "消防通道被占用" in page


# --- the owners' page -------------------------------------------------------------------------------

def test_owners_see_the_status_page_once_a_statement_is_published_and_nothing_internal(client, manager, engineer, spokesperson,
                                                                                       estate, owner):
    incident = _responding(manager, estate)
    incident_team_assign(incident, actor=manager, role=TeamRole.ONSITE_LEAD, user=engineer)
    incident_task_add(incident, actor=manager, title="内部任务：检查阀门", assignee=engineer)
    incident_log(incident, actor=manager, body="内部记录：物业经理到场")
    client.force_login(owner)
    assert client.get(reverse("portal:incident_detail", args=[incident.number])).status_code == 404  # nothing published yet
    statement = _approved(incident, spokesperson, manager)
    incident_publish_statement(incident, statement, actor=manager)
    from incidents.services import incident_update

    incident_update(incident, actor=manager, owner_guidance="请勿使用明火，关闭燃气阀门")
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:incident_detail", args=[incident.number]) in home
    page = client.get(reverse("portal:incident_detail", args=[incident.number])).content.decode()
    assert "关于3号楼燃气泄漏的情况说明" in page and "请勿使用明火" in page
    for internal in ("内部任务：检查阀门", "内部记录：物业经理到场", engineer.display_name, manager.display_name, "IncidentEvent"):
        assert internal not in page


def test_owners_of_another_estate_get_a_404(client, manager, spokesperson, estate, other_estate):
    from tests.factories import BuildingFactory, UnitFactory, owner_with_account

    incident = _published(manager, spokesperson, estate)
    stranger = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=other_estate)))
    client.force_login(stranger)
    assert client.get(reverse("portal:incident_detail", args=[incident.number])).status_code == 404
    assert incident.number not in client.get(reverse("portal:home")).content.decode()


def test_an_action_comes_back_to_its_card_and_nowhere_else(client, manager, estate):
    incident = _open(manager, estate)
    client.force_login(manager)
    url = reverse("dashboard:incident_action", args=[incident.number, "log"])
    page = reverse("dashboard:incident_detail", args=[incident.number])
    assert client.post(url, {"body": "到场", "anchor": "#timeline"})["Location"] == page + "#timeline"
    assert client.post(url, {"body": "到场", "anchor": "/../../admin/"})["Location"] == page


def test_a_manager_issues_a_certificate_to_an_owner_from_the_page(client, manager, spokesperson, estate, owner):
    incident = _responding(manager, estate)
    home = owner.resident.occupancies.get()
    client.force_login(manager)
    form = _form(client, incident, "certificate").content.decode()
    assert f'value="{owner.resident.pk}:{home.unit_id}"' in form  # the estate's owners are offered
    assert "3号楼2单元1201室" in form and "3号楼 3号楼" not in form  # the unit named once
    _act(client, incident, "certificate", {"resident": f"{owner.resident.pk}:{home.unit_id}", "purpose": "insurance",
                                           "particulars": "车辆被坠落石块砸中", "office_actions": "当晚封闭现场并报警"})
    certificate = incident.certificates.get()
    page = _page(client, incident).content.decode()
    assert certificate.number in page and reverse("dashboard:incident_certificate_pdf", args=[incident.number, certificate.pk]) in page


def test_a_service_staff_member_is_offered_no_certificate_form_and_cannot_issue_one(client, service, manager, estate, owner):
    incident = _responding(manager, estate)
    home = owner.resident.occupancies.get()
    client.force_login(service)
    assert 'id="certificates"' not in _page(client, incident).content.decode()
    assert _form(client, incident, "certificate").status_code == 403
    _act(client, incident, "certificate", {"resident": f"{owner.resident.pk}:{home.unit_id}", "purpose": "insurance",
                                           "particulars": "x", "office_actions": "y"})
    assert not incident.certificates.exists()


def test_a_returned_review_shows_the_note_and_goes_back_to_draft(client, manager, spokesperson, estate):
    incident = _published(manager, spokesperson, estate)
    incident_transition(incident, "disclose", actor=manager)
    for task in incident.tasks.all():
        incident_task_complete(task, actor=manager)
    incident_transition(incident, "review", actor=manager)
    client.force_login(manager)
    _act(client, incident, "improvement", {"title": "更新燃气预案", "owner": manager.pk, "updates_plan": "on",
                                           "due_on": (timezone.localdate() + timedelta(days=7)).isoformat()})
    _act(client, incident, "review", {"cause": "a", "went_well": "b", "went_badly": "c", "aftercare": "d", "submit": "1"})
    refused = _act(client, incident, "review-decide", {"decision": "return", "note": ""})
    assert IncidentReview.objects.get(incident=incident).status == IncidentReview.Status.SUBMITTED  # a return needs its note
    assert refused.status_code == 200
    _act(client, incident, "review-decide", {"decision": "return", "note": "请补充补偿金额"})
    assert IncidentReview.objects.get(incident=incident).status == IncidentReview.Status.DRAFT
    assert "请补充补偿金额" in _page(client, incident).content.decode()


def test_the_dashboard_home_lists_open_incidents_most_severe_first_with_the_deadline(client, manager, outsider, estate):
    from datetime import timedelta

    from django.utils import timezone

    from incidents.models import Incident
    from incidents.services import incident_open, incident_team_assign, incident_transition

    blue = incident_open(actor=manager, estate=estate, kind="other", level="blue", title="蓝色：小区路灯大面积熄灭")
    red = incident_open(actor=manager, estate=estate, kind="gas", level="red", title="红色：3号楼燃气泄漏")
    incident_team_assign(red, actor=manager, role="commander", user=manager)
    red = incident_transition(red, "respond", actor=manager)
    Incident.objects.filter(pk=red.pk).update(disclosure_due_at=timezone.now() - timedelta(minutes=5))
    closed_one = incident_open(actor=manager, estate=estate, kind="other", title="已解除的误报")
    incident_transition(closed_one, "dismiss", actor=manager, reason="误报")
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    assert page.index(red.number) < page.index(blue.number)
    assert "list-group-item-danger" in page[page.index(red.number) - 300:page.index(red.number)]
    assert closed_one.number not in page
    client.force_login(outsider)
    assert red.number not in client.get("/dashboard/").content.decode()


# --- similar past cases on the incident page -----------------------------------------------------

def _similar_section(page: str) -> str:
    start = page.index('aria-labelledby="similar-cases"')
    return page[start:page.index("</section>", start)]


def _similar(client, incident, htmx=True):
    """The similar-cases card as the incident page's htmx loads it (or a browser without JavaScript follows its link)."""
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(reverse("dashboard:incident_similar", args=[incident.number]), headers=headers)


def _closed(incident, **kw):
    Incident.objects.filter(pk=incident.pk).update(stage=Stage.CLOSED, closed_at=kw.pop("closed_at", timezone.now()))  # test setup


def test_the_incident_page_shows_a_closed_incident_with_shared_words_and_why_it_matched(client, manager, estate, other_estate):
    past = incident_open(actor=manager, estate=estate, kind="gas", title="2号楼地库燃气泄漏", description="燃气管道接口老化")
    _closed(past, closed_at=timezone.now() - timedelta(days=30))
    IncidentReview.objects.create(incident=past, cause="燃气管道接口老化", lessons="每季度检查燃气管道接口")
    unrelated = incident_open(actor=manager, estate=estate, kind="lift", title="电梯困人")
    _closed(unrelated)
    current = _responding(manager, estate, title="3号楼燃气泄漏", description="地库燃气味很重")
    client.force_login(manager)
    similar = _similar_section(_similar(client, current).content.decode())
    assert past.number in similar and unrelated.number not in similar
    assert "燃气" in similar and "泄漏" in similar  # the shared words, named as the reason
    assert "共同词语" in similar and "类型相同" in similar  # why, in the reader's language (Chinese by default)
    assert "每季度检查燃气管道接口" in similar  # its lessons


def test_the_incident_page_loads_similar_cases_when_the_card_is_reached_and_links_them_without_javascript(client, manager, estate):
    past = incident_open(actor=manager, estate=estate, kind="gas", title="2号楼地库燃气泄漏")
    _closed(past)
    current = _responding(manager, estate, title="3号楼燃气泄漏")
    client.force_login(manager)
    page = _page(client, current).content.decode()
    url = reverse("dashboard:incident_similar", args=[current.number])
    assert f'hx-get="{url}"' in page and 'hx-trigger="revealed"' in page
    assert f'<a href="{url}">' in page  # the way there without JavaScript
    assert past.number not in page  # not scored while the page is drawn

    card = _similar(client, current).content.decode()
    assert past.number in card and "<html" not in card  # htmx gets the card alone
    own_page = _similar(client, current, htmx=False).content.decode()
    assert "<html" in own_page and past.number in _similar_section(own_page)
    assert reverse("dashboard:incident_detail", args=[current.number]) in own_page  # and the way back


def test_another_estates_similar_cases_are_a_404(client, manager, outsider, estate):
    current = _responding(manager, estate, title="3号楼燃气泄漏")
    client.force_login(outsider)
    assert _similar(client, current).status_code == 404
    assert _similar(client, current, htmx=False).status_code == 404


def test_similar_cases_come_only_from_the_readers_estates(client, manager, outsider, estate, other_estate):
    mine = incident_open(actor=manager, estate=estate, kind="gas", title="2号楼地库燃气泄漏")
    theirs = incident_open(actor=outsider, estate=other_estate, kind="gas", title="5号楼地库燃气泄漏")
    _closed(mine), _closed(theirs)
    current = _responding(manager, estate, title="3号楼燃气泄漏")
    client.force_login(manager)
    card = _similar(client, current).content.decode()
    assert mine.number in card and theirs.number not in card


def test_similar_cases_cost_the_same_queries_with_one_or_several(client, manager, estate):
    current = _responding(manager, estate, title="3号楼燃气泄漏")
    client.force_login(manager)
    _similar(client, current)
    with CaptureQueriesContext(connection) as none:
        _similar(client, current)
    _closed(incident_open(actor=manager, estate=estate, kind="gas", title="9号楼燃气泄漏"))
    with CaptureQueriesContext(connection) as one:
        _similar(client, current)
    for i in range(6):
        _closed(incident_open(actor=manager, estate=estate, kind="gas", title=f"{i}号楼燃气泄漏"))
    with CaptureQueriesContext(connection) as several:
        card = _similar(client, current).content.decode()
    # The shown cases are read in one query, whatever their number; skipped when nothing matched.
    assert len(several) == len(one) == len(none) + 1
    assert _similar_section(card).count("号楼燃气泄漏") == 5  # five shown


def test_similar_complaints_share_what_happened_not_just_the_address(client, manager, estate, owner, complaint_of):
    gas = complaint_of(owner, "3号楼2单元楼道里有燃气味")
    lift = complaint_of(owner, "3号楼2单元电梯又坏了")
    current = _responding(manager, estate, title="3号楼2单元燃气泄漏")
    client.force_login(manager)
    card = _similar_section(_similar(client, current).content.decode())
    assert gas.number in card and lift.number not in card  # "号楼" and "单元" are every ticket's address
    assert "共同词语：燃气" in card


def test_a_shared_word_counts_whatever_its_letter_case(client, manager, estate):
    past = incident_open(actor=manager, estate=estate, kind="structural", title="车库B2层顶板开裂")
    _closed(past)
    current = _responding(manager, estate, kind="flood", title="b2层大面积积水")
    client.force_login(manager)
    card = _similar_section(_similar(client, current).content.decode())
    assert past.number in card and "共同词语：b2" in card

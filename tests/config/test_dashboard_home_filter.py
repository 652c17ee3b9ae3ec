"""The dashboard home's estate filter (issue 14): a company-wide manager narrows the whole home —
counts, needs-attention panels, the charts' starting estate and the estate cards — to one estate
with ?estate=<id>; an id outside their scope is ignored as the queue and the charts ignore it, and
someone with one estate sees no filter at all."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import Announcement
from complaints.services import complaint_assign, complaint_submit
from complaints.services.arrears import arrears_case_open
from incidents.services import incident_open
from owners.models import Role, StaffMembership
from owners.services import staff_roles_sync
from tests.complaints.arrears_helpers import ledger_recent
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def manager():
    return staff_member(None, role=Role.ESTATE_MANAGER)


def _estate_with_everything(name, manager, noise):
    """An estate whose name is on each of its panels' rows: a ticket assigned to the manager, an
    open incident, an announcement being sent and an arrears action due."""
    estate = EstateFactory(name=name)
    unit = UnitFactory(building=BuildingFactory(estate=estate, name=f"{name}1号楼"), entrance="1", number="101")
    ticket = complaint_submit(resident=owner_with_account(unit).resident, category=noise,
                              description=f"{name}的投诉", unit=unit)
    complaint_assign(ticket, actor=manager, assignee=manager)
    incident_open(actor=manager, estate=estate, kind="gas", level="red", title=f"{name}燃气泄漏")
    announcement = Announcement.objects.create(title=f"{name}停水通知", body="停水", kind="outage", author=manager,
                                               status=Announcement.Status.SENDING, channels=["sms"], audience="estates")
    announcement.estates.add(estate)
    ledger_recent(unit)
    case = arrears_case_open(unit=unit, actor=manager)
    type(case).objects.filter(pk=case.pk).update(step_due_on=timezone.localdate() - datetime.timedelta(days=1))
    return estate, ticket, case


def _home(client, user, query="") -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard:home") + query)
    assert response.status_code == 200
    return response


def _counts(response) -> dict:
    """The count cards' numbers (the page's "complaints"; a panel's "complaints" is a list)."""
    return next(c.flatten()["complaints"] for c in response.context if isinstance(c.flatten().get("complaints"), dict))


def test_a_company_wide_manager_choosing_an_estate_sees_only_its_counts_and_panels(client, manager, noise):
    a, ticket_a, case_a = _estate_with_everything("春江花园", manager, noise)
    b, ticket_b, case_b = _estate_with_everything("翠湖苑", manager, noise)

    everything = _home(client, manager)
    assert _counts(everything)["open"] == 2
    page = everything.content.decode()
    assert ticket_a.number in page and ticket_b.number in page and "翠湖苑燃气泄漏" in page

    response = _home(client, manager, f"?estate={a.pk}")
    page = response.content.decode()
    assert _counts(response)["open"] == 1 and _counts(response)["mine"] == 1
    assert ticket_a.number in page and ticket_b.number not in page  # my queue
    assert "春江花园燃气泄漏" in page and "翠湖苑燃气泄漏" not in page  # open incidents
    assert "春江花园停水通知" in page and "翠湖苑停水通知" not in page  # sends in progress
    assert reverse("dashboard:arrears_case", args=[case_a.pk]) in page  # arrears actions due
    assert reverse("dashboard:arrears_case", args=[case_b.pk]) not in page
    assert [e.pk for e in response.context["estates_shown"]] == [a.pk]  # the estate cards
    assert f'<option value="{a.pk}" selected>' in page  # the page's select and the charts' start on A


def test_a_foreign_estate_id_is_ignored(client, noise):
    a = EstateFactory(name="春江花园")
    b = EstateFactory(name="翠湖苑")
    foreign = EstateFactory(name="外单位小区")
    manager = staff_member(a, role=Role.ESTATE_MANAGER)
    StaffMembership.objects.create(user=manager, estate=b, role=Role.ESTATE_MANAGER)
    staff_roles_sync(manager)
    outsider = staff_member(foreign, role=Role.ESTATE_MANAGER)
    unit = UnitFactory(building=BuildingFactory(estate=foreign, name="1号楼"), entrance="1", number="101")
    foreign_ticket = complaint_submit(resident=owner_with_account(unit).resident, category=noise,
                                      description="外单位的投诉", unit=unit)
    incident_open(actor=outsider, estate=foreign, kind="gas", level="red", title="外单位燃气泄漏")

    response = _home(client, manager, f"?estate={foreign.pk}")
    page = response.content.decode()
    assert response.context["home_estate"] is None
    assert _counts(response)["open"] == 0
    assert foreign_ticket.number not in page and "外单位燃气泄漏" not in page and "外单位小区" not in page
    assert {e.pk for e in response.context["estates_shown"]} == {a.pk, b.pk}
    assert f"&amp;estate={foreign.pk}" not in page and f"&estate={foreign.pk}" not in page  # no link narrows to it


def test_someone_with_one_estate_sees_no_filter(client):
    only = EstateFactory(name="春江花园")
    response = _home(client, staff_member(only, role=Role.ESTATE_MANAGER), f"?estate={only.pk}")
    page = response.content.decode()
    assert 'id="lh-home-filter"' not in page
    assert response.context["home_estate"] is None and "Showing" not in page  # the page as without it


def test_the_filter_is_a_form_that_works_without_javascript_and_links_keep_the_estate(client, manager):
    a = EstateFactory(name="春江花园")
    EstateFactory(name="翠湖苑")

    page = _home(client, manager).content.decode()
    assert 'id="lh-home-filter"' in page
    form = page[page.index('id="lh-home-filter"'):]
    form = form[:form.index("</form>")]
    assert 'name="estate"' in form and 'type="submit"' in form

    page = _home(client, manager, f"?estate={a.pk}").content.decode().replace("&amp;", "&")
    queue = reverse("dashboard:complaint_queue")
    for link in ("?status=open", "?overdue=1", "?status=open&assignee=none", "?status=open&assignee=me"):
        assert f'href="{queue}{link}&estate={a.pk}"' in page


def test_narrowing_to_an_estate_takes_no_more_queries(client, manager, noise):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, _ticket, _case = _estate_with_everything("春江花园", manager, noise)
    _estate_with_everything("翠湖苑", manager, noise)
    _home(client, manager)  # the estate cards' counts are then kept for 5 minutes

    def queries(query):
        with CaptureQueriesContext(connection) as captured:
            _home(client, manager, query)
        return len(captured)

    assert queries(f"?estate={a.pk}") == queries("")


def _estate_with_the_other_panels(name, admin, noise):
    """An estate with a statement and an announcement waiting for approval, an overdue follow-up,
    an overdue media inquiry, an "I need help" answer and an open early-warning signal."""
    from communications.models import Acknowledgement, MediaInquiry, Statement
    from complaints.models import FollowUp
    from incidents.models.warnings import Rule, WarningSignal

    estate = EstateFactory(name=name)
    unit = UnitFactory(building=BuildingFactory(estate=estate, name=f"{name}1号楼"), entrance="1", number="101")
    resident = owner_with_account(unit).resident
    now = timezone.now()
    ticket = complaint_submit(resident=resident, category=noise, description=f"{name}的投诉", unit=unit)
    FollowUp.objects.create(complaint=ticket, estate=estate, due_at=now - datetime.timedelta(days=1))
    Statement.objects.create(title=f"{name}情况说明", body="说明", estate=estate, author=admin, status=Statement.Status.IN_REVIEW)
    pending = Announcement.objects.create(title=f"{name}待批通知", body="通知", kind="outage", author=admin,
                                          status=Announcement.Status.PENDING_APPROVAL, channels=["sms"], audience="estates")
    pending.estates.add(estate)
    MediaInquiry.objects.create(journalist="李敏", outlet=f"{name}晚报", question="?", estate=estate,
                                deadline=now - datetime.timedelta(hours=1))
    urgent = Announcement.objects.create(title=f"{name}紧急通知", body="紧急", kind=Announcement.Kind.EMERGENCY, author=admin,
                                         status=Announcement.Status.SENT, channels=["portal"], audience="estates",
                                         published_at=now)
    urgent.estates.add(estate)
    Acknowledgement.objects.create(announcement=urgent, resident=resident, answer=Acknowledgement.Answer.NEED_HELP)
    WarningSignal.objects.create(rule=Rule.SPIKE, subject_key=f"spike:{name}", window_start=now, window_end=now,
                                 estate=estate, title=f"{name}投诉激增")
    return estate, ticket


def test_the_other_panels_narrow_to_the_chosen_estate_too(client, noise):
    admin = staff_member(None, role=Role.COMPANY_ADMIN)
    a, ticket_a = _estate_with_the_other_panels("春江花园", admin, noise)
    b, ticket_b = _estate_with_the_other_panels("翠湖苑", admin, noise)

    page = _home(client, admin).content.decode()
    for shown in ("春江花园情况说明", "翠湖苑情况说明", "春江花园待批通知", "翠湖苑待批通知", "春江花园晚报", "翠湖苑晚报",
                  ticket_a.number, ticket_b.number, "春江花园紧急通知", "翠湖苑紧急通知", "2 early-warning signals"):
        assert shown in page, shown

    page = _home(client, admin, f"?estate={a.pk}").content.decode()
    for shown in ("春江花园情况说明", "春江花园待批通知", "春江花园晚报", ticket_a.number, "春江花园紧急通知",
                  "1 early-warning signal waits"):
        assert shown in page, shown
    for hidden in ("翠湖苑情况说明", "翠湖苑待批通知", "翠湖苑晚报", ticket_b.number, "翠湖苑紧急通知"):
        assert hidden not in page, hidden

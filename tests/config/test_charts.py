"""The dashboard's chart endpoints: one aggregate per chart over my estates, labels in my
language, a bar that leads to the rows behind it, and the same numbers as a table."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communications.models import MediaMention
from complaints.models import Complaint
from complaints.services import complaint_submit, complaint_transition
from incidents.models import Incident
from incidents.services.incidents import incident_open
from owners.models import FeeLedgerEntry
from tests.config.report_world import report_world
from tests.factories import owner_with_account

pytestmark = pytest.mark.django_db
CHART_NAMES = ["complaints-per-day", "complaints-by-building", "sla", "satisfaction", "incidents", "media", "collection",
               "collection-trend"]


@pytest.fixture
def w():
    w = report_world()
    now = timezone.now()
    # Estate A: a gas incident answered in 2 hours; estate B: a fire.
    w.incident_a = incident_open(actor=w.manager_a, estate=w.estate_a, kind="gas", level="red", title="燃气泄漏")
    Incident.objects.filter(pk=w.incident_a.pk).update(response_at=now - datetime.timedelta(hours=3),
                                                       first_statement_at=now - datetime.timedelta(hours=1))
    manager_b = __import__("tests.factories", fromlist=["x"]).staff_member(w.estate_b, role="estate_manager")
    incident_open(actor=manager_b, estate=w.estate_b, kind="fire", level="red", title="翠湖火情")
    MediaMention.objects.create(source="weibo", excerpt="阳光物业不作为", sentiment="negative", reach=5000, estate=w.estate_a)
    MediaMention.objects.create(source="news", excerpt="阳光社区活动", sentiment="positive", reach=100, estate=w.estate_a)
    MediaMention.objects.create(source="weibo", excerpt="翠湖秘密", sentiment="negative", reach=9, estate=w.estate_b)
    month = timezone.localdate().replace(day=1)
    FeeLedgerEntry.objects.create(unit=w.unit_a, period=month, billed=400, paid=300, due_date=month + datetime.timedelta(days=20))
    FeeLedgerEntry.objects.create(unit=w.unit_a2, period=month, billed=200, paid=200, due_date=month + datetime.timedelta(days=20))
    FeeLedgerEntry.objects.create(unit=w.unit_b, period=month, billed=100, paid=0, due_date=month + datetime.timedelta(days=20))
    return w


def _chart(client, name, **params):
    response = client.get(reverse("dashboard:chart", args=[name]), params)
    assert response.status_code == 200
    return response.json()


def _total(chart, label=None):
    return sum(v or 0 for d in chart["datasets"] if label in (None, d["label"]) for v in d["data"])


def test_complaints_per_day_by_category_counts_my_estates_only(client, w):
    client.force_login(w.service_a)
    chart = _chart(client, "complaints-per-day")
    assert {d["label"] for d in chart["datasets"]} == {"噪音", "漏水"}
    assert _total(chart, "漏水") == 2 and _total(chart, "噪音") == 1  # estate B's noise complaint is not counted
    assert len(chart["labels"]) == 30 and len(_chart(client, "complaints-per-day", period=90)["labels"]) == 90
    # Another estate's id is ignored, never obeyed.
    assert _total(_chart(client, "complaints-per-day", estate=w.estate_b.pk)) == 3


def test_charts_follow_the_language_switch(client, w):
    client.force_login(w.service_a)
    client.cookies["django_language"] = "en"
    chart = _chart(client, "complaints-per-day")
    assert chart["title"] == "Complaints per day by category"
    assert {d["label"] for d in chart["datasets"]} == {"Noise", "Leaks"}


def test_a_bar_leads_to_the_complaints_behind_it(client, w):
    client.force_login(w.service_a)
    chart = _chart(client, "complaints-per-day")
    leaks = next(d for d in chart["datasets"] if d["label"] == "漏水")
    today = len(chart["labels"]) - 1
    page = client.get(leaks["links"][today]).content.decode()
    leak_numbers = [c.number for c in w.complaints_a if c.category_id == w.leak.pk]
    assert all(n in page for n in leak_numbers)
    assert w.complaints_a[0].number not in page  # the noise complaint is another bar


def test_complaints_by_building(client, w):
    client.force_login(w.manager_a)
    chart = _chart(client, "complaints-by-building", estate=w.estate_a.pk)
    assert dict(zip(chart["labels"], chart["datasets"][0]["data"], strict=True)) == {"阳光1号楼": 2, "阳光2号楼": 1}


def test_sla_compliance_and_satisfaction(client, w):
    first = w.complaints_a[0]
    complaint_transition(first, "acknowledge", actor=w.service_a)
    complaint_transition(Complaint.objects.get(pk=first.pk), "resolve", actor=w.service_a, text="已处理")
    Complaint.objects.filter(pk=first.pk).update(rating=4)
    client.force_login(w.service_a)
    sla = _chart(client, "sla")
    assert sla["datasets"][0]["data"][-1] == 100.0 and sla["datasets"][1]["data"][-1] == 100.0
    satisfaction = _chart(client, "satisfaction")
    assert satisfaction["datasets"][0]["data"][-1] == 4.0
    assert satisfaction["datasets"][1]["data"][-1] == 0.0  # resolved once, never reopened


def test_incidents_by_type_with_median_time_to_first_statement(client, w):
    client.force_login(w.manager_a)
    chart = _chart(client, "incidents")
    assert len(chart["labels"]) == 1  # estate B's fire is not there
    assert chart["datasets"][0]["data"] == [1] and chart["datasets"][1]["data"] == [2.0]


def test_media_mentions_by_sentiment_and_reach(client, w):
    client.force_login(w.manager_a)
    chart = _chart(client, "media")
    assert _total(chart, "负面") == 1 and _total(chart, "正面") == 1
    reach = next(d for d in chart["datasets"] if d.get("type") == "line")
    assert sum(reach["data"]) == 5100


def test_collection_rate_by_building_for_the_month(client, w):
    client.force_login(w.manager_a)
    chart = _chart(client, "collection")
    assert dict(zip(chart["labels"], chart["datasets"][0]["data"], strict=True)) == {"阳光1号楼": 75.0, "阳光2号楼": 100.0}
    assert _chart(client, "collection-trend")["datasets"][0]["data"][-1] == 83.3  # 500 paid of 600 billed
    client.force_login(w.engineer_a)  # no ledger role: no figures
    assert _chart(client, "collection")["labels"] == []


def test_the_htmx_card_has_the_canvas_and_the_same_numbers_as_a_table(client, w):
    client.force_login(w.manager_a)
    page = client.get(reverse("dashboard:chart", args=["complaints-by-building"]), {"estate": w.estate_a.pk},
                      HTTP_HX_REQUEST="true").content.decode()
    assert "<canvas" in page and 'id="chart-data-complaints-by-building"' in page
    assert "<details" in page and "<th scope=\"row\">阳光1号楼</th><td><a href=" in page


def test_the_dashboard_home_has_a_slot_for_every_chart(client, w):
    client.force_login(w.manager_a)
    page = client.get(reverse("dashboard:home")).content.decode()
    for name in CHART_NAMES:
        assert reverse("dashboard:chart", args=[name]) in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "js/charts.js" in page


@pytest.mark.parametrize("name", CHART_NAMES)
def test_each_chart_costs_the_same_queries_however_many_rows(client, w, name):
    client.force_login(w.manager_a)
    client.get(reverse("dashboard:chart", args=[name]))  # warm the session
    with CaptureQueriesContext(connection) as before:
        _chart(client, name)
    for _i in range(5):
        complaint_submit(resident=w.resident_a2, category=w.noise, unit=w.unit_a2, description="又一个")
        MediaMention.objects.create(source="weibo", excerpt="x", sentiment="neutral", reach=1, estate=w.estate_a)
    incident_open(actor=w.manager_a, estate=w.estate_a, kind="lift", level="blue", title="电梯困人")
    with CaptureQueriesContext(connection) as after:
        _chart(client, name)
    assert len(after) == len(before)
    # One aggregate for the chart itself (the collection rate also looks up the latest month
    # billed); the rest is the session, the user, their estates and role permissions.
    overhead = ("django_session", "owners_staffmembership", "auth_permission")
    chart_queries = [q for q in after.captured_queries if not any(t in q["sql"] for t in overhead)
                     and "owners_user" not in q["sql"].split("FROM")[1][:40]]
    assert len(chart_queries) == (2 if name == "collection" else 1), [q["sql"][:120] for q in chart_queries]


def test_unknown_chart_404_and_owners_403(client, w):
    client.force_login(w.manager_a)
    assert client.get(reverse("dashboard:chart", args=["nope"])).status_code == 404
    client.force_login(owner_with_account(unit=w.unit_a))
    assert client.get(reverse("dashboard:chart", args=["sla"])).status_code == 403


def test_satisfaction_axis_starts_at_the_first_month_with_complaints(client, w):
    client.force_login(w.service_a)
    chart = _chart(client, "satisfaction")
    assert chart["labels"] == [f"{timezone.localdate():%Y-%m}"]  # this month's complaints only: one point, not twelve
    assert all(len(d["data"]) == 1 for d in chart["datasets"])
    Complaint.objects.filter(pk=w.complaints_a[0].pk).update(created_at=timezone.now() - datetime.timedelta(days=70))
    assert len(_chart(client, "satisfaction")["labels"]) in (3, 4)  # from that month on, however the days fall


def test_complaints_tied_to_no_building_have_no_bar_and_are_counted_under_the_chart(client, w):
    Complaint.objects.filter(pk=w.complaints_a[0].pk).update(building=None, unit=None)
    client.force_login(w.manager_a)
    chart = _chart(client, "complaints-by-building", estate=w.estate_a.pk)
    assert dict(zip(chart["labels"], chart["datasets"][0]["data"], strict=True)) == {"阳光1号楼": 1, "阳光2号楼": 1}
    assert " 1 " in chart["note"] and not chart["note"].isascii()  # Chinese by default: 另有 1 件投诉…
    client.cookies["django_language"] = "en"
    assert _chart(client, "complaints-by-building")["note"] == (
        "1 complaint not tied to a building (the estate's grounds or the whole estate) is not shown.")
    page = client.get(reverse("dashboard:chart", args=["complaints-by-building"]), HTTP_HX_REQUEST="true").content.decode()
    assert "not tied to a building" in page and "No building" not in page


def test_collection_rate_defaults_to_the_latest_month_billed(client, w):
    # The ledger of the running month is not imported yet; last month's is.
    FeeLedgerEntry.objects.all().delete()
    last = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    FeeLedgerEntry.objects.create(unit=w.unit_a, period=last, billed=400, paid=100, due_date=last + datetime.timedelta(days=20))
    client.force_login(w.manager_a)
    chart = _chart(client, "collection")
    assert chart["title"].endswith(f"{last:%Y-%m}") and chart["month"] == f"{last:%Y-%m}"
    assert chart["datasets"][0]["data"] == [25.0]
    # A month asked for is shown, data or not; the card offers the last twelve months.
    this = timezone.localdate().replace(day=1)
    assert _chart(client, "collection", month=f"{this:%Y-%m}")["labels"] == []
    page = client.get(reverse("dashboard:chart", args=["collection"]), HTTP_HX_REQUEST="true").content.decode()
    assert f'<option value="{last:%Y-%m}" selected>' in page and f'<option value="{this:%Y-%m}">' in page
    assert 'form="lh-chart-filter"' in page


def test_the_filters_are_the_pages_own_controls_not_the_browsers_month_input(client, w):
    client.force_login(w.manager_a)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert 'type="month"' not in page  # drawn by the browser in its own language, not the page's
    assert "最近 30 天" in page or "Last 30 days" in page


def test_days_are_the_estates_own(client, w):
    """A complaint at 07:00 in Shanghai is on the day before in an estate on London time."""
    w.estate_a.timezone = "Europe/London"
    w.estate_a.save(update_fields=["timezone"])
    today = timezone.localdate()
    seven = timezone.make_aware(datetime.datetime.combine(today, datetime.time(7)))
    Complaint.objects.filter(pk__in=[c.pk for c in w.complaints_a]).update(created_at=seven)
    client.force_login(w.manager_a)
    chart = _chart(client, "complaints-per-day", estate=w.estate_a.pk)
    per_day = [sum(d["data"][i] for d in chart["datasets"]) for i in range(len(chart["labels"]))]
    assert per_day[-2:] == [3, 0]


def test_the_benchmark_times_every_chart():
    from complaints.benchmark import CHARTS as BENCHMARKED
    from config.reports.charts import CHARTS

    assert list(BENCHMARKED) == list(CHARTS)


def test_satisfaction_and_collection_points_lead_to_the_rows_behind_them(client, w):
    client.force_login(w.manager_a)
    satisfaction = _chart(client, "satisfaction")
    page = client.get(satisfaction["datasets"][0]["links"][-1]).content.decode()
    assert all(c.number in page for c in w.complaints_a)  # this month's complaints, every status
    collection = _chart(client, "collection")
    report = client.get(collection["datasets"][0]["links"][0])
    assert report.status_code == 200 and "阳光1号楼" in report.content.decode()
    trend = _chart(client, "collection-trend")
    assert client.get(trend["datasets"][0]["links"][-1]).status_code == 200


def test_collection_trend_spans_the_months_billed(client, w):
    FeeLedgerEntry.objects.all().delete()
    this = timezone.localdate().replace(day=1)
    last = (this - datetime.timedelta(days=1)).replace(day=1)
    before = (last - datetime.timedelta(days=1)).replace(day=1)
    for month, paid in ((before, 400), (last, 200)):
        FeeLedgerEntry.objects.create(unit=w.unit_a, period=month, billed=400, paid=paid, due_date=month + datetime.timedelta(days=20))
    client.force_login(w.manager_a)
    trend = _chart(client, "collection-trend")
    assert trend["labels"] == [f"{before:%Y-%m}", f"{last:%Y-%m}"]  # not twelve, and not the running month, billed later
    assert trend["datasets"][0]["data"] == [100.0, 50.0]


def test_media_sentiments_have_their_own_colours_negative_red(client, w):
    client.force_login(w.manager_a)
    colours = {d["label"]: d.get("color") for d in _chart(client, "media")["datasets"]}
    assert colours["负面"] == "#dc3545" and colours["正面"] == "#198754" and colours["中性"] == "#6c757d"

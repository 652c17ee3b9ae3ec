"""Company-wide complaint charts read hundreds of thousands of rows at scale: they are counted at
most every few minutes per scope (a periodic task recounts them before anyone waits) and say as of
when; an estate's charts, and every chart filtered to one estate, are counted live."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.services import complaint_submit
from config.reports.charts import charts_warm
from owners.models import Role
from tests.config.report_world import report_world
from tests.factories import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = report_world()
    w.admin = staff_member(None, role=Role.COMPANY_ADMIN, username="company_admin")
    return w


def _chart(client, name, **params):
    response = client.get(reverse("dashboard:chart", args=[name]), params)
    assert response.status_code == 200
    return response.json()


def _total(chart):
    return sum(v or 0 for d in chart["datasets"] for v in d["data"])


def _submit(w):
    complaint_submit(resident=w.resident_a, category=w.noise, unit=w.unit_a, description="又一次装修噪音")


def test_a_company_wide_chart_says_when_it_was_counted_and_the_recount_brings_new_complaints(client, w):
    client.force_login(w.admin)
    before = _chart(client, "complaints-per-day")
    assert before["as_of"]  # the card says "as counted at HH:MM"
    _submit(w)
    assert _total(_chart(client, "complaints-per-day")) == _total(before)  # kept, not recounted per visit

    charts_warm()  # the periodic recount

    assert _total(_chart(client, "complaints-per-day")) == _total(before) + 1


@pytest.mark.parametrize("language, words", [("zh-hans", "统计于"), ("en", "As counted at")])
def test_the_periodic_recount_fills_the_company_wide_charts_so_nobody_waits(client, w, language, words):
    charts_warm()
    client.force_login(w.admin)
    client.cookies["django_language"] = language  # the language switch
    with CaptureQueriesContext(connection) as captured:
        card = client.get(reverse("dashboard:chart", args=["sla"]), {"period": 90}, HTTP_HX_REQUEST="true")
    assert card.status_code == 200
    assert not [q for q in captured.captured_queries if "complaints_complaint" in q["sql"]]
    assert words in card.content.decode()


def test_an_estate_users_charts_and_a_chart_of_one_estate_are_live(client, w):
    client.force_login(w.service_a)
    before = _chart(client, "complaints-per-day")
    assert "as_of" not in before
    _submit(w)
    assert _total(_chart(client, "complaints-per-day")) == _total(before) + 1

    client.force_login(w.admin)
    one = _chart(client, "complaints-per-day", estate=w.estate_a.pk)
    _submit(w)
    assert _total(_chart(client, "complaints-per-day", estate=w.estate_a.pk)) == _total(one) + 1

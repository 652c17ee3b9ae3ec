"""The early-warning pages as the desk uses them: the way in from the incidents list (with how
many signals wait), the signals list and a signal's page scoped to the reader's estates, a
dismissal refused beside its field when no reason is given, and promotion opening one incident."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident, Rule, WarningSignal
from incidents.services.early_warning import early_warning_evaluate

pytestmark = pytest.mark.django_db


@pytest.fixture
def signal(owner, complaint_of):
    complaint_of(owner, "再不处理我就找媒体曝光，楼道燃气味好几天了")
    early_warning_evaluate()
    return WarningSignal.objects.get(rule=Rule.WORDS)


def _detail(pk):
    return reverse("dashboard:warning_signal_detail", args=[pk])


def _act(pk, action):
    return reverse("dashboard:warning_signal_action", args=[pk, action])


def test_the_incidents_list_leads_to_the_signals_and_counts_the_open_ones(client, service, signal):
    client.force_login(service)
    page = client.get(reverse("dashboard:incident_list")).content.decode()
    assert reverse("dashboard:warning_signal_list") in page
    assert 'id="open-signals"' in page and ">1</span>" in page


def test_the_incidents_list_counts_open_signals_in_one_query_however_many(client, service, owner, complaint_of):
    client.force_login(service)
    client.get(reverse("dashboard:incident_list"))
    with CaptureQueriesContext(connection) as none:
        client.get(reverse("dashboard:incident_list"))
    for i in range(4):
        complaint_of(owner, f"再不处理我就找记者曝光{i}")
    early_warning_evaluate()
    assert WarningSignal.objects.filter(status="open").count() >= 4
    with CaptureQueriesContext(connection) as several:
        page = client.get(reverse("dashboard:incident_list")).content.decode()
    assert len(several) == len(none)
    assert f">{WarningSignal.objects.filter(status='open').count()}</span>" in page


def test_no_badge_for_staff_of_another_estate(client, outsider, signal):
    client.force_login(outsider)
    assert 'id="open-signals"' not in client.get(reverse("dashboard:incident_list")).content.decode()


def test_the_signals_list_shows_the_estates_signals_only(client, service, outsider, signal):
    client.force_login(service)
    assert signal.title in client.get(reverse("dashboard:warning_signal_list")).content.decode()
    client.force_login(outsider)
    assert signal.title not in client.get(reverse("dashboard:warning_signal_list")).content.decode()
    assert client.get(_detail(signal.pk)).status_code == 404
    assert client.post(_act(signal.pk, "dismiss"), {"reason": "不是我们的"}).status_code == 404
    assert client.post(_act(signal.pk, "promote"), {}).status_code == 404
    signal.refresh_from_db()
    assert signal.status == "open" and not Incident.objects.exists()


def test_owners_never_see_signal_pages(client, owner, signal):
    client.force_login(owner)
    assert client.get(reverse("dashboard:warning_signal_list")).status_code in (302, 403)
    assert client.get(_detail(signal.pk)).status_code in (302, 403)


def test_the_signal_page_shows_the_words_found_and_the_complaint_behind_it(client, service, signal):
    client.force_login(service)
    page = client.get(_detail(signal.pk)).content.decode()
    assert "找媒体曝光" in page and "媒体" in page
    assert 'name="reason"' in page and _act(signal.pk, "promote") in page


def test_dismissing_without_a_reason_is_refused_beside_the_field_and_changes_nothing(client, service, signal):
    client.force_login(service)
    response = client.post(_act(signal.pk, "dismiss"), {"reason": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    field = page.index('id="signal-reason"')
    error = page.index('id="signal-reason-error"')
    assert 0 < error - field < 400  # right below the field
    assert 'aria-describedby="signal-reason-error"' in page
    signal.refresh_from_db()
    assert signal.status == "open" and signal.dismissed_reason == ""


def test_dismissing_with_a_reason_shows_it_on_the_signal_page(client, service, signal):
    client.force_login(service)
    page = client.post(_act(signal.pk, "dismiss"), {"reason": "已电话沟通，业主情绪平复"}, follow=True).content.decode()
    assert "已电话沟通，业主情绪平复" in page
    signal.refresh_from_db()
    assert signal.status == "dismissed"
    assert 'name="reason"' not in page  # decided: no more forms


def test_promoting_from_the_page_opens_one_incident_and_lands_on_it(client, service, manager, signal):
    client.force_login(service)
    response = client.post(_act(signal.pk, "promote"), {"kind": "media", "level": "yellow"}, follow=True)
    incident = Incident.objects.get()
    assert response.redirect_chain[-1][0] == reverse("dashboard:incident_detail", args=[incident.number])
    assert incident.stage == "warning" and incident.level == "yellow"
    client.force_login(manager)
    client.post(_act(signal.pk, "promote"), {"kind": "media"}, follow=True)
    assert Incident.objects.count() == 1
    assert incident.number in client.get(_detail(signal.pk)).content.decode()

"""A signal's summary is worded when it is read, in the reader's language (like an incident's
timeline): a signal raised by an evaluation running in Chinese reads in English to an English
reader on the pages and the API, and the notice to the people on duty is in their language
whatever the evaluation ran in. Rows raised before the parameters were stored keep their title."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from communications.models import Delivery
from incidents.models import Rule, WarningSignal
from incidents.services.early_warning import early_warning_evaluate
from tests.factories import BuildingFactory, OccupancyFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def words_signal(owner, complaint_of):
    complaint = complaint_of(owner, "再不处理我就找媒体曝光，楼道燃气味好几天了")
    with translation.override("zh-hans"):
        early_warning_evaluate()
    return WarningSignal.objects.get(rule=Rule.WORDS), complaint


def test_a_signal_raised_in_chinese_reads_in_english_on_the_pages(client, service, words_signal):
    signal, complaint = words_signal
    client.force_login(service)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switcher's choice
    listed = client.get("/dashboard/incidents/signals/").content.decode()
    page = client.get(f"/dashboard/incidents/signals/{signal.pk}/").content.decode()
    for html in (listed, page):
        assert f"in complaint {complaint.number}" in html
        assert "“媒体、曝光”" in html or "“曝光、媒体”" in html  # the words found are quoted as written
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get(f"/dashboard/incidents/signals/{signal.pk}/").content.decode()
    assert f"in complaint {complaint.number}" not in chinese and complaint.number in chinese


def test_a_signal_raised_in_chinese_reads_in_english_in_the_api(service, words_signal):
    signal, complaint = words_signal
    api = APIClient()
    api.force_authenticate(service)
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    [row] = api.get("/api/v1/warning-signals/").json()["results"]
    assert row["title"].endswith(f"in complaint {complaint.number}")
    detail = api.get(f"/api/v1/warning-signals/{signal.pk}/").json()
    assert detail["title"] == row["title"]


def test_a_spike_names_the_category_in_the_readers_language(estate, gas_category, service):
    building = BuildingFactory(estate=estate, name="5号楼")
    from complaints.services import complaint_submit

    for i in range(5):
        o = OccupancyFactory(unit=UnitFactory(building=building, number=f"{i + 1}01"))
        complaint_submit(resident=o.resident, unit=o.unit, category=gas_category, description="楼道里有很浓的燃气味")
    with translation.override("zh-hans"):
        early_warning_evaluate()
    signal = WarningSignal.objects.get(rule=Rule.SPIKE)
    with translation.override("en"):
        assert signal.headline == "5 “Safety” complaints in 5号楼 within 6 hours"
    with translation.override("zh-hans"):
        assert "安全隐患" in signal.headline and "Safety" not in signal.headline


def test_the_duty_notice_is_in_the_recipients_language_whatever_the_evaluation_ran_in(owner, complaint_of, service):
    complaint = complaint_of(owner, "再不处理我就找媒体曝光")
    with translation.override("en"):  # e.g. a worker started with an English locale
        early_warning_evaluate()
    notice = Delivery.objects.get(user=service, topic="incident.warning_signal")
    assert notice.language == "zh-hans"
    assert complaint.number in notice.body and "in complaint" not in notice.body and "Early warning" not in notice.subject


def test_a_signal_stored_before_parameters_reads_as_its_stored_title(estate):
    now = timezone.now()
    old = WarningSignal.objects.create(rule=Rule.REOPENED, subject_key="complaint:1", window_start=now - timedelta(hours=1),
                                       window_end=now, estate=estate, title="投诉 TS-1 被重新打开 2 次")
    with translation.override("en"):
        assert old.headline == "投诉 TS-1 被重新打开 2 次"
    odd = WarningSignal.objects.create(rule=Rule.SPIKE, subject_key="spike:x", window_start=now, window_end=now, estate=estate,
                                       title="旧标题", params={"unexpected": 1})
    assert odd.headline == "旧标题"


def test_the_migration_gives_old_rows_their_parameters_from_the_evidence(owner, complaint_of, estate):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("incidents.migrations.0007_warning_signal_params_backfill").backfill
    complaint = complaint_of(owner, "再不处理我就找媒体曝光")
    now = timezone.now()
    words = WarningSignal.objects.create(
        rule=Rule.WORDS, subject_key=f"complaint:{complaint.pk}", window_start=now, window_end=now, estate=estate, title="旧",
        evidence={"complaints": [complaint.pk], "matches": [{"kind": "complaint", "id": complaint.pk, "words": ["媒体"], "text": "…"}]})
    owner_signal = WarningSignal.objects.create(
        rule=Rule.REPEAT_OWNER, subject_key="resident:1", window_start=now, window_end=now, estate=estate, title="旧",
        evidence={"complaints": [complaint.pk, complaint.pk, complaint.pk], "resident": owner.resident.pk})
    sla = WarningSignal.objects.create(rule=Rule.SLA_PILEUP, subject_key="estate:1", window_start=now - timedelta(hours=24),
                                       window_end=now, estate=estate, title="旧", evidence={"complaints": [], "count": 6})
    gone = WarningSignal.objects.create(rule=Rule.REPEAT_OWNER, subject_key="resident:0", window_start=now, window_end=now,
                                        estate=estate, title="旧的标题", evidence={"complaints": [], "resident": 0})
    backfill(apps, None)
    with translation.override("en"):
        for signal in (words, owner_signal, sla, gone):
            signal.refresh_from_db()
        assert words.headline == f"“媒体” in complaint {complaint.number}"
        assert owner_signal.headline == f"{owner.resident.name} has 3 unresolved complaints"
        assert sla.headline == f"6 SLA breaches in {estate.name} within 24 hours"
        assert gone.headline == "旧的标题" and gone.params == {}


def test_the_signal_pages_read_in_chinese_by_default(client, service, words_signal):
    """The tour found the signals list in English: every heading, tab, label and summary is translated."""
    signal, complaint = words_signal
    client.force_login(service)
    for url in ("/dashboard/incidents/signals/", "/dashboard/incidents/signals/?status=all", f"/dashboard/incidents/signals/{signal.pk}/"):
        page = client.get(url).content.decode()
        for english in ("Early-warning signals", "Waiting for a decision", "Dismissed", "Escalation words", "in complaint",
                        "Evidence", "words found", "Promote", "Reason", "Raised from complaints"):
            assert english not in page, (url, english)
    assert "预警" in client.get("/dashboard/incidents/signals/").content.decode()

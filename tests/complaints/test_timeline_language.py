"""System-written timeline lines follow the READER's language (issue 12, item 11): the event
stores kind and facts, the page words them when it is shown."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from complaints.models import ComplaintEvent
from complaints.services import (
    complaint_assign,
    complaint_link,
    complaint_submit,
    complaint_transition,
    complaint_triage,
    follow_up_record,
    sla_sweep,
)
from complaints.services.tickets import complaint_rate

pytestmark = pytest.mark.django_db


def _ticket(owner, noise, **kw):
    return complaint_submit(resident=owner.resident, category=noise, description="楼上漏水",
                            unit=owner.resident.occupancies.get().unit, **kw)


def _texts(complaint, language):
    with translation.override(language):
        return [e.text for e in ComplaintEvent.objects.filter(complaint=complaint).order_by("id")]


def test_status_lines_written_by_a_chinese_speaker_read_in_english(owner, noise, service):
    ticket = _ticket(owner, noise)
    with translation.override("zh-hans"):  # the staff member works in Chinese
        complaint_transition(ticket, "acknowledge", actor=service)
        complaint_transition(ticket, "resolve", actor=service, text="已更换水管")
    english, chinese = _texts(ticket, "en"), _texts(ticket, "zh-hans")
    assert english[0] == "We have received your complaint."
    assert english[-1].startswith("We believe the problem is solved.") and english[-1].endswith("已更换水管")
    assert "我们" in chinese[0] and "We have" not in chinese[0]
    stored = ComplaintEvent.objects.filter(complaint=ticket).order_by("id").last()
    assert stored.body == "已更换水管" and stored.params == {}  # only what the person typed is stored


def test_assignment_rating_triage_link_follow_up_and_sla_lines_are_worded_at_display(owner, noise, service, manager):
    from complaints.models import Category

    leak = Category.objects.get_or_create(code="leak", defaults={"name": "漏水", "name_en": "Leak"})[0]
    ticket = _ticket(owner, noise)
    other = _ticket(owner, noise)
    with translation.override("zh-hans"):
        complaint_assign(ticket, assignee=service, actor=manager)
        complaint_triage(ticket, actor=service, category=leak, priority="urgent")
        complaint_link(ticket, other, actor=service, kind="same_issue")
        complaint_transition(ticket, "acknowledge", actor=service)
        complaint_transition(ticket, "resolve", actor=service, text="done")
        complaint_rate(ticket, user=owner, rating=2, comment="还是漏")
    english = "\n".join(_texts(ticket, "en"))
    assert "Handled by our " in english and "由我们" not in english
    assert "Noise → Leak" in english and "Normal → Urgent" in english
    assert f"Linked to {other.number} (Same issue)." in english
    assert "Rated 2 of 5.\n还是漏" in english
    chinese = "\n".join(_texts(ticket, "zh-hans"))
    assert "噪音 → 漏水" in chinese and "Leak" not in chinese


def test_follow_up_and_sla_lines_follow_the_reader(owner, noise, service):
    ticket = _ticket(owner, noise)
    complaint_transition(ticket, "acknowledge", actor=service)
    complaint_transition(ticket, "resolve", actor=service, text="ok")
    follow_up_record(ticket, actor=service, outcome="satisfied", notes="业主满意")
    late = _ticket(owner, noise)
    with translation.override("zh-hans"):
        sla_sweep(now=timezone.now() + timedelta(days=30))
    assert _texts(ticket, "en")[-1] == "Satisfied.\n业主满意"
    english = _texts(late, "en")[-1]
    assert english.startswith(f"Complaint {late.number}") and "deadline" in english


def test_old_rows_keep_showing_and_their_status_line_is_translated(owner, noise):
    ticket = _ticket(owner, noise)
    with translation.override("zh-hans"):
        from complaints.lifecycle import OWNER_STATUS_TEXT

        zh_line = str(OWNER_STATUS_TEXT["acknowledged"])
    legacy = ComplaintEvent.objects.create(complaint=ticket, kind="transition", to_status="acknowledged", public=True,
                                           body=f"{zh_line}\n师傅明天上门")
    free = ComplaintEvent.objects.create(complaint=ticket, kind="note", body="旧的备注")
    assert legacy.params is None
    with translation.override("en"):
        assert ComplaintEvent.objects.get(pk=legacy.pk).text == "A member of staff has taken up your complaint.\n师傅明天上门"
        assert ComplaintEvent.objects.get(pk=free.pk).text == "旧的备注"


def test_the_owner_reads_the_timeline_in_english_on_the_portal(client, owner, noise, service):
    ticket = _ticket(owner, noise)
    with translation.override("zh-hans"):
        complaint_transition(ticket, "acknowledge", actor=service)
    client.force_login(owner)
    client.cookies.load({"django_language": "en"})
    page = client.get(reverse("portal:complaint_detail", args=[ticket.number])).content.decode()
    assert "We have received your complaint." in page
    assert "我们已收到您的投诉" not in page


def test_the_api_gives_the_line_in_the_callers_language(owner, noise, service):
    from rest_framework.test import APIClient

    ticket = _ticket(owner, noise)
    api = APIClient()
    api.force_authenticate(service)
    api.cookies.load({"django_language": "en"})  # the language switch
    body = api.get(f"/api/v1/complaints/{ticket.number}/").json()
    assert body["timeline"][0]["body"] == "We have received your complaint."

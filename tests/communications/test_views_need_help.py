"""Marking an "I need help" answer handled from the dashboard home and the announcement page:
the answer leaves the home list, stays on the announcement marked with who and when; staff of
another estate get a 404, an engineer a refusal, and a refusal changes nothing."""

import pytest
from django.urls import reverse

from communications.models import Acknowledgement
from communications.services import announcements as announcements_svc
from owners.models import Role
from tests.communications.conftest import notice_draft
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(writer, manager, estate):
    owner = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏", ack_required=True, channels=["portal"])
    announcements_svc.announcement_approve(draft, actor=manager)
    announcement = announcements_svc.announcement_publish(draft, actor=writer)
    return announcements_svc.acknowledgement_record(announcement, resident=owner.resident, answer="need_help")


def _url(ack):
    return reverse("dashboard:need_help_handled", args=[ack.announcement_id, ack.pk])


def test_staff_mark_it_handled_from_the_dashboard_home(client, writer, answer):
    client.force_login(writer)
    home = client.get(reverse("dashboard:home")).content.decode()
    assert answer.resident.name in home and f'action="{_url(answer)}"' in home
    response = client.post(_url(answer), {"note": "已电话联系，住户平安", "back": "home"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard:home")
    home = response.content.decode()
    assert f'action="{_url(answer)}"' not in home and 'id="need-help"' not in home  # it left the list
    page = client.get(reverse("dashboard:announcement_detail", args=[answer.announcement_id])).content.decode()
    assert answer.resident.name in page and "已电话联系，住户平安" in page and writer.display_name in page
    assert f'action="{_url(answer)}"' not in page  # handled: no form any more


def test_manager_marks_it_handled_from_the_announcement_page(client, manager, answer):
    client.force_login(manager)
    page = client.get(reverse("dashboard:announcement_detail", args=[answer.announcement_id])).content.decode()
    assert f'action="{_url(answer)}"' in page
    response = client.post(_url(answer), {"note": "已上门"})
    assert response.url == reverse("dashboard:announcement_detail", args=[answer.announcement_id])
    assert Acknowledgement.objects.get(pk=answer.pk).handled_by == manager


def test_an_empty_note_is_refused_with_a_message_and_nothing_changes(client, writer, answer):
    client.force_login(writer)
    page = client.post(_url(answer), {"note": " ", "back": "home"}, follow=True).content.decode()
    assert Acknowledgement.objects.get(pk=answer.pk).handled_at is None
    assert 'alert-danger' in page or "alert-error" in page
    assert f'action="{_url(answer)}"' in page  # still waiting on the home list


def test_another_estates_staff_get_404_and_an_engineer_is_refused(client, estate, answer):
    client.force_login(staff_member(EstateFactory(), role=Role.ESTATE_MANAGER))
    assert client.post(_url(answer), {"note": "已联系"}).status_code == 404
    engineer = staff_member(estate, role=Role.ENGINEER)
    client.force_login(engineer)
    assert f'action="{_url(answer)}"' not in client.get(reverse("dashboard:home")).content.decode()
    client.post(_url(answer), {"note": "已联系"})
    assert Acknowledgement.objects.get(pk=answer.pk).handled_at is None


def test_a_get_is_not_allowed(client, writer, answer):
    client.force_login(writer)
    assert client.get(_url(answer)).status_code == 405


# --- the API action ---

def test_api_marks_it_handled_and_progress_says_by_whom(writer, answer):
    from tests.communications.conftest import api_as

    url = f"/api/v1/announcements/{answer.announcement_id}/need-help-handled/"
    row = api_as(writer).post(url, {"answer": answer.pk, "note": "已电话联系"}, format="json").json()
    assert row["id"] == answer.pk and row["handled_by"] == writer.display_name and row["handled_at"]
    [listed] = api_as(writer).get(f"/api/v1/announcements/{answer.announcement_id}/progress/").json()["need_help"]
    assert listed["handled_note"] == "已电话联系"
    again = api_as(writer).post(url, {"answer": answer.pk, "note": "再次"}, format="json")
    assert again.status_code == 400 and again.json()["code"]
    assert Acknowledgement.objects.get(pk=answer.pk).handled_note == "已电话联系"


def test_api_refuses_a_blank_note_unknown_fields_and_foreign_staff(estate, answer):
    from tests.communications.conftest import api_as

    url = f"/api/v1/announcements/{answer.announcement_id}/need-help-handled/"
    writer = staff_member(estate, role=Role.SERVICE)
    assert api_as(writer).post(url, {"answer": answer.pk, "note": ""}, format="json").status_code == 400
    assert api_as(writer).post(url, {"answer": answer.pk, "note": "x", "by": 1}, format="json").status_code == 400
    assert api_as(writer).post(url, {"answer": answer.pk + 999, "note": "x"}, format="json").status_code == 404
    outsider = staff_member(EstateFactory(), role=Role.ESTATE_MANAGER)
    assert api_as(outsider).post(url, {"answer": answer.pk, "note": "x"}, format="json").status_code == 404
    engineer = staff_member(estate, role=Role.ENGINEER)
    assert api_as(engineer).post(url, {"answer": answer.pk, "note": "x"}, format="json").status_code == 403
    assert Acknowledgement.objects.get(pk=answer.pk).handled_at is None


def test_the_announcement_heading_counts_who_still_needs_help_and_how_many_were_handled(client, writer, manager, estate):
    from communications.services.help_requests import need_help_mark_handled

    building = BuildingFactory(estate=estate)
    owners = [owner_with_account(unit=UnitFactory(building=building)) for _ in range(2)]
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏", ack_required=True, channels=["portal"])
    announcements_svc.announcement_approve(draft, actor=manager)
    announcement = announcements_svc.announcement_publish(draft, actor=writer)
    first, second = (announcements_svc.acknowledgement_record(announcement, resident=o.resident, answer="need_help") for o in owners)
    client.force_login(writer)
    page_url = reverse("dashboard:announcement_detail", args=[announcement.pk])
    page = client.get(page_url).content.decode()
    assert "2 位住户需要帮助" in page and 'data-open="2" data-handled="0"' in page
    need_help_mark_handled(first, actor=writer, note="已电话联系")
    page = client.get(page_url).content.decode()
    assert "1 位住户需要帮助" in page and 'data-open="1" data-handled="1"' in page
    need_help_mark_handled(second, actor=writer, note="已上门")
    page = client.get(page_url).content.decode()
    assert "位住户需要帮助" not in page and 'data-open="0" data-handled="2"' in page  # all looked after: not an alarm
    assert 'class="alert alert-danger" id="need-help"' not in page
    assert "已电话联系" in page and "已上门" in page  # what was done stays on the page

"""The staff ticket page (issue 12): the owner's other tickets and masked mobile (item 8), canned
replies (item 10), and field errors beside the field (item 11)."""

import pytest
from django.urls import reverse

from complaints.models import CannedReply, Complaint, ComplaintEvent
from complaints.services import complaint_submit, complaint_transition
from owners.models import MobileReveal, Role
from tests.factories import owner_with_account, staff_member

pytestmark = pytest.mark.django_db


def _ticket(owner, noise, text="楼上漏水"):
    return complaint_submit(resident=owner.resident, category=noise, description=text, unit=owner.resident.occupancies.get().unit)


def _page(client, ticket):
    return client.get(reverse("dashboard:complaint_detail", args=[ticket.number]))


# ---- Customer context --------------------------------------------------------------------------

def test_the_ticket_page_lists_the_owners_other_tickets_but_not_other_owners(client, owner, noise, service):
    ticket = _ticket(owner, noise)
    earlier = _ticket(owner, noise, "去年的噪音投诉")
    neighbour = owner_with_account(unit=owner.resident.occupancies.get().unit)
    theirs = _ticket(neighbour, noise)
    client.force_login(service)
    page = _page(client, ticket).content.decode()
    start = page.index("lh-other-tickets")
    section = page[start:page.index("</ul>", start)]
    assert earlier.number in section and "去年的噪音投诉" in section
    assert theirs.number not in section and ticket.number not in section


def test_service_staff_see_the_owners_mobile_an_engineer_sees_it_masked(client, owner, noise, service, estate):
    ticket = _ticket(owner, noise)
    mobile = owner.resident.mobile
    masked = f"{mobile[:3]}****{mobile[-4:]}"
    client.force_login(service)
    assert f'href="tel:{mobile}"' in _page(client, ticket).content.decode()
    engineer = staff_member(estate, role=Role.ENGINEER)
    client.force_login(engineer)
    page = _page(client, ticket).content.decode()
    assert masked in page and mobile not in page


def test_revealing_a_mobile_is_one_click_and_recorded(client, owner, noise, estate):
    ticket = _ticket(owner, noise)
    engineer = staff_member(estate, role=Role.ENGINEER)
    client.force_login(engineer)
    url = reverse("dashboard:resident_mobile", args=[owner.resident.pk])
    assert url in _page(client, ticket).content.decode()
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and owner.resident.mobile in response.content.decode()
    reveal = MobileReveal.objects.get()
    assert reveal.user == engineer and reveal.resident == owner.resident and reveal.created_at
    # Without script the form posts and the number comes back as a message on the page it came from.
    back = client.post(url, {"next": reverse("dashboard:complaint_detail", args=[ticket.number])}, follow=True)
    assert owner.resident.mobile in back.content.decode()
    assert MobileReveal.objects.count() == 2


def test_another_estates_resident_mobile_cannot_be_revealed(client, owner, noise):
    elsewhere = owner_with_account()
    outsider = staff_member(elsewhere.resident.occupancies.get().unit.building.estate, role=Role.ENGINEER)
    client.force_login(outsider)
    assert client.post(reverse("dashboard:resident_mobile", args=[owner.resident.pk])).status_code == 404
    assert client.get(reverse("dashboard:resident_mobile", args=[owner.resident.pk])).status_code == 405
    assert not MobileReveal.objects.exists()


def test_the_resident_page_lists_their_complaints(client, owner, noise, service):
    ticket = _ticket(owner, noise, "电梯异响")
    client.force_login(service)
    page = client.get(reverse("dashboard:resident_detail", args=[owner.resident.pk])).content.decode()
    section = page[page.index("lh-resident-complaints"):]
    assert ticket.number in section and reverse("dashboard:complaint_detail", args=[ticket.number]) in section
    assert "电梯异响" in section and "lh-status-submitted" in section


def test_the_resident_list_masks_mobiles_for_an_engineer(client, owner, estate, service):
    mobile = owner.resident.mobile
    engineer = staff_member(estate, role=Role.ENGINEER)
    client.force_login(engineer)
    page = client.get(reverse("dashboard:resident_list")).content.decode()
    assert f"{mobile[:3]}****{mobile[-4:]}" in page and mobile not in page
    client.force_login(service)
    assert mobile in client.get(reverse("dashboard:resident_list")).content.decode()


# ---- Canned replies ----------------------------------------------------------------------------

def test_canned_replies_are_offered_filled_in_for_the_ticket(client, owner, noise, service):
    ticket = _ticket(owner, noise)
    CannedReply.objects.create(title="已派师傅", body="{姓名}您好，工单{工单号}已安排师傅上门。", order=1)
    CannedReply.objects.create(title="English", body="Dear {name}, ticket {number} is being handled.", order=2)
    CannedReply.objects.create(title="停用的", body="不再使用", active=False)
    client.force_login(service)
    page = _page(client, ticket).content.decode()
    name = owner.resident.name
    assert f"{name}您好，工单{ticket.number}已安排师傅上门。" in page
    assert f"Dear {name}, ticket {ticket.number} is being handled." in page
    assert "不再使用" not in page and "{姓名}" not in page
    assert page.index("已派师傅") < page.index("English")


def test_the_reply_sent_is_what_staff_submitted(client, owner, noise, service):
    ticket = _ticket(owner, noise)
    client.force_login(service)
    client.post(reverse("dashboard:complaint_reply", args=[ticket.number]), {"text": f"{owner.resident.name}您好"})
    assert ComplaintEvent.objects.filter(complaint=ticket, kind="reply").get().body == f"{owner.resident.name}您好"


# ---- Field errors beside the field -------------------------------------------------------------

def test_resolving_without_a_summary_shows_the_error_beside_the_textarea(client, owner, noise, service):
    ticket = _ticket(owner, noise)
    complaint_transition(ticket, "acknowledge", actor=service)
    client.force_login(service)
    response = client.post(reverse("dashboard:complaint_transition", args=[ticket.number]), {"action": "resolve", "text": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    textarea = page[page.index('id="tr-text"') - 200:]
    assert "is-invalid" in textarea[:400] and 'id="tr-text-error"' in page
    assert Complaint.objects.get(pk=ticket.pk).status == "acknowledged"


def test_a_too_long_reply_keeps_the_text_and_says_why_beside_it(client, owner, noise, service):
    ticket = _ticket(owner, noise)
    client.force_login(service)
    text = "长" * 5001
    response = client.post(reverse("dashboard:complaint_reply", args=[ticket.number]), {"text": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert text in page and "invalid-feedback" in page
    assert not ComplaintEvent.objects.filter(complaint=ticket, kind="reply").exists()


def test_linking_an_unknown_number_says_so_beside_the_number_field(client, owner, noise, service):
    ticket = _ticket(owner, noise)
    client.force_login(service)
    response = client.post(reverse("dashboard:complaint_link", args=[ticket.number]), {"number": "TS-20990101-0001", "kind": "related"})
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('name="number"'):]
    assert "TS-20990101-0001" in field[:2000] and "invalid-feedback" in field[:2000]


def test_an_illegal_move_still_comes_back_as_a_message(client, owner, noise, service):
    ticket = _ticket(owner, noise)
    client.force_login(service)
    response = client.post(reverse("dashboard:complaint_transition", args=[ticket.number]), {"action": "close"})
    assert response.status_code == 302


def test_finding_the_caller_to_log_a_complaint_masks_mobiles_for_an_engineer(client, owner, estate, service):
    mobile = owner.resident.mobile
    engineer = staff_member(estate, role=Role.ENGINEER)
    client.force_login(engineer)
    page = client.get(reverse("dashboard:complaint_new"), {"q": owner.resident.name}).content.decode()
    assert f"{mobile[:3]}****{mobile[-4:]}" in page and mobile not in page
    client.force_login(service)
    assert mobile in client.get(reverse("dashboard:complaint_new"), {"q": owner.resident.name}).content.decode()

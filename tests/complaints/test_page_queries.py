"""The pages issue 13 found growing with the table do a fixed number of queries (never timings):
the staff ticket page whatever its links, timeline and photos; the dashboard home whatever the
number of tickets; the owner's portal submission in at most 10 statements."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import Complaint
from complaints.selectors import complaint_dashboard_counts, complaint_linked
from complaints.services import complaint_assign, complaint_link, complaint_note, complaint_reply, complaint_submit
from tests.complaints.conftest import image_bytes
from tests.factories import OccupancyFactory, UnitFactory, owner_with_account

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _statements(captured) -> list[str]:
    """The SQL a request sent, without transaction control. Under the test's own transaction the
    service's transaction is a savepoint (BEGIN/COMMIT in production): one pair is allowed, more
    would be real round trips (a get_or_create's savepoint) and count."""
    sql = [q["sql"] for q in captured.captured_queries]
    savepoints = [s for s in sql if s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO"))]
    statements = [s for s in sql if s.split(" ", 1)[0].upper() not in TRANSACTION_CONTROL]
    return statements + savepoints[2:]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _ticket(owner, noise, text="楼上漏水"):
    return complaint_submit(resident=owner.resident, category=noise, description=text,
                            unit=owner.resident.occupancies.get().unit)


def test_ticket_page_queries_do_not_grow_with_links_entries_or_photos(client, owner, noise, service):
    client.force_login(service)
    ticket = _ticket(owner, noise)
    url = reverse("dashboard:complaint_detail", args=[ticket.number])
    bare = _queries(client, url)
    # Three links (both ways round), 20 more timeline entries, photos.
    neighbours = [_ticket(owner, noise, f"同一处漏水 {i}") for i in range(3)]
    older = Complaint.objects.filter(pk__lt=ticket.pk).first() or neighbours[0]
    for other in neighbours:
        complaint_link(ticket, other, actor=service)
    for i in range(10):
        complaint_reply(ticket, actor=service, text=f"回复 {i}")
        complaint_note(ticket, actor=service, text=f"备注 {i}")
    complaint_assign(ticket, actor=service, assignee=service)
    assert older is not None
    full = _queries(client, url)
    assert full == bare
    page = client.get(url).content.decode()
    assert all(other.number in page for other in neighbours)


def test_linked_tickets_are_found_from_either_end(owner, noise, service):
    first, second, third = (_ticket(owner, noise, f"漏水 {i}") for i in range(3))
    complaint_link(first, second, actor=service)  # stored once, smaller id first
    complaint_link(second, third, actor=service)
    assert [c.pk for c in complaint_linked(second)] == [first.pk, third.pk]
    assert [c.pk for c in complaint_linked(first)] == [second.pk]
    assert complaint_linked(_ticket(owner, noise)) == []


def test_dashboard_home_queries_do_not_grow_with_tickets(client, estate, owner, noise, service):
    client.force_login(service)
    _ticket(owner, noise)
    client.get(reverse("dashboard:home"))  # the estate cards' counts are then kept for 5 minutes
    one = _queries(client, reverse("dashboard:home"))
    neighbour = owner_with_account(UnitFactory(building=owner.resident.occupancies.get().unit.building))
    for i in range(15):
        _ticket(neighbour if i % 2 else owner, noise, f"噪音 {i}")
    assert _queries(client, reverse("dashboard:home")) == one


def test_dashboard_counts_match_the_queue_filters_they_link_to(client, owner, noise, service):
    tickets = [_ticket(owner, noise, f"漏水 {i}") for i in range(4)]
    complaint_assign(tickets[0], actor=service, assignee=service)
    Complaint.objects.filter(pk=tickets[1].pk).update(response_due_at="2000-01-01T00:00:00Z")  # overdue
    counts = complaint_dashboard_counts(service)
    assert counts["open"] == 4 and counts["unassigned"] == 3 and counts["mine"] == 1 and counts["flagged"] == 0
    client.force_login(service)
    overdue_page = client.get(reverse("dashboard:complaint_queue") + "?overdue=1").content.decode()
    assert counts["overdue"] == 1 and tickets[1].number in overdue_page and tickets[2].number not in overdue_page


def _submit(client, owner, noise, photos=()):
    unit = owner.resident.occupancies.order_by("id").first().unit
    data = {"category": noise.pk, "where": f"unit:{unit.pk}", "description": "卫生间天花板漏水，希望尽快上门处理。"}
    if photos:
        data["photos"] = list(photos)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("portal:complaint_new"), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return _statements(captured)


def test_portal_submission_takes_at_most_ten_statements(client, owner, noise, django_capture_on_commit_callbacks):
    client.force_login(owner)
    OccupancyFactory(resident=owner.resident)  # a second home: the form and the check read them once
    with django_capture_on_commit_callbacks(execute=False):  # the notice is the worker's job, after commit
        statements = _submit(client, owner, noise)
    assert len(statements) <= 10, "\n".join(statements)
    with django_capture_on_commit_callbacks(execute=False):
        again = _submit(client, owner, noise)
    assert len(again) == len(statements)  # the day's second number costs the same (one upsert)
    numbers = list(Complaint.objects.order_by("id").values_list("number", flat=True))
    assert numbers[1].endswith("-0002") and numbers[0].endswith("-0001")


def test_portal_submission_with_photos_adds_one_insert_per_photo(client, owner, noise, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=False):
        plain = _submit(client, owner, noise)
    photos = [SimpleUploadedFile(f"p{i}.jpg", image_bytes(), "image/jpeg") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=False):
        with_photos = _submit(client, owner, noise, photos)
    assert len(with_photos) <= len(plain) + 3, "\n".join(with_photos)


def test_a_notice_recorded_twice_is_one_row_queued_once(owner, noise, django_capture_on_commit_callbacks):
    from communications.models import Delivery
    from communications.services.deliveries import delivery_record

    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = delivery_record(kind="notice", channel="sms", address="13800000000", dedupe_key="k:1", body="a")
        second = delivery_record(kind="notice", channel="sms", address="13800000000", dedupe_key="k:1", body="b")
    assert first.pk == second.pk and Delivery.objects.filter(dedupe_key="k:1").count() == 1
    assert second.body == "a" and len(queued) == 1


def test_dashboard_home_says_when_the_estate_counts_were_made(client, estate, owner, service):
    client.force_login(service)
    first = client.get(reverse("dashboard:home")).content.decode()
    assert "recounted every 5 minutes" in first or "每 5 分钟重新统计" in first
    neighbour = owner_with_account(UnitFactory(building=owner.resident.occupancies.get().unit.building))
    assert neighbour.resident.occupancies.exists()
    # Kept, not recounted on every visit (the page says so): still one resident.
    assert client.get(reverse("dashboard:home")).context["estates"][0].resident_count == 1

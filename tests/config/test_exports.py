"""Exports: the complaint queue with its filters, an announcement's deliveries, the stakeholder
directory, as CSV and XLSX — scoped, safe in a spreadsheet, and recorded."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from communications.services import media as media_svc
from communications.services.announcements import announcement_create, announcement_publish
from owners.models import ExportRecord
from tests.config.report_world import report_world
from tests.factories import owner_with_account, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return report_world()


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Chinese
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response) -> list[tuple]:
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_queue_export_holds_the_estates_tickets_with_the_pages_filters(client, w):
    client.force_login(w.service_a)
    rows = _csv(client.get(reverse("dashboard:export_complaints", args=["csv"])))
    numbers = {r[0] for r in rows[1:]}
    assert numbers == {c.number for c in w.complaints_a}
    assert rows[0][0] == "工单号"
    assert w.complaint_b.number not in numbers
    assert not any("翠湖" in cell for row in rows for cell in row)
    # The category filter of the queue page narrows the export the same way.
    leaks = _csv(client.get(reverse("dashboard:export_complaints", args=["csv"]), {"category": w.leak.pk}))
    assert {r[0] for r in leaks[1:]} == {c.number for c in w.complaints_a if c.category_id == w.leak.pk}
    # Another estate's id is ignored, as on the page: never its rows.
    foreign = _csv(client.get(reverse("dashboard:export_complaints", args=["csv"]), {"estate": w.estate_b.pk}))
    assert w.complaint_b.number not in {r[0] for r in foreign[1:]}


def test_spreadsheet_formulas_typed_by_owners_are_shown_not_run(client, w):
    client.force_login(w.service_a)
    rows = _xlsx(client.get(reverse("dashboard:export_complaints", args=["xlsx"])))
    descriptions = {r[-1] for r in rows[1:]}
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in descriptions
    assert "'@SUM(1+1) 卫生间漏水" in descriptions
    assert not any(isinstance(v, str) and v.startswith(("=", "@", "+", "-")) for r in rows for v in r)
    csv_rows = _csv(client.get(reverse("dashboard:export_complaints", args=["csv"])))
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in {r[-1] for r in csv_rows[1:]}


def test_every_export_is_recorded_with_who_what_filters_and_rows(client, w):
    client.force_login(w.service_a)
    response = client.get(reverse("dashboard:export_complaints", args=["csv"]), {"category": w.leak.pk, "status": "all"})
    b"".join(response.streaming_content)
    record = ExportRecord.objects.get()
    assert record.user == w.service_a and record.kind == "complaints" and record.format == "csv"
    assert record.filters["category"] == w.leak.pk and record.filters["status"] == "all"
    assert record.row_count == 2 and record.finished_at is not None
    _xlsx(client.get(reverse("dashboard:export_stakeholders", args=["xlsx"])))
    assert ExportRecord.objects.filter(kind="stakeholders", format="xlsx", row_count=0).exists()


def test_an_unknown_format_is_not_found(client, w):
    client.force_login(w.service_a)
    assert client.get("/dashboard/exports/complaints.pdf").status_code == 404
    assert not ExportRecord.objects.exists()


def test_owners_and_strangers_export_nothing(client, w):
    assert client.get(reverse("dashboard:export_complaints", args=["csv"])).status_code == 302  # sign in first
    client.force_login(owner_with_account(unit=w.unit_a))
    assert client.get(reverse("dashboard:export_complaints", args=["csv"])).status_code == 403
    assert not ExportRecord.objects.exists()


def test_deliveries_of_an_announcement_another_estates_is_404(client, w):
    notice = announcement_create(author=w.service_a, title="停水通知", body="明天停水", kind="outage", channels=["sms", "portal"],
                                 audience="estates", estates=[w.estate_a])
    announcement_publish(notice, actor=w.service_a)
    client.force_login(w.service_a)
    rows = _xlsx(client.get(reverse("dashboard:export_deliveries", args=[notice.pk, "xlsx"])))
    names = {r[0] for r in rows[1:]}
    assert names == {"周建国", "钱多多"}
    assert {r[1] for r in rows[1:]} == {"短信", "业主端公告栏"}
    client.force_login(w.service_b)
    assert client.get(reverse("dashboard:export_deliveries", args=[notice.pk, "csv"])).status_code == 404


def test_stakeholder_directory_keeps_to_the_users_estates(client, w):
    media_svc.stakeholder_add(actor=w.manager_a, kind="owners_committee", name="业委会王主任", phone="13900000001", estate=w.estate_a)
    media_svc.stakeholder_add(actor=w.manager_a, kind="street_office", name="-街道办 +李", estate=w.estate_a)
    manager_b = staff_member(w.estate_b, role="estate_manager")
    media_svc.stakeholder_add(actor=manager_b, kind="owners_committee", name="翠湖业委会", estate=w.estate_b)
    client.force_login(w.service_a)
    rows = _csv(client.get(reverse("dashboard:export_stakeholders", args=["csv"])))
    names = {r[1] for r in rows[1:]}
    assert names == {"业委会王主任", "'-街道办 +李"}


def test_the_deliveries_export_sits_under_its_own_heading(client, w):
    notice = announcement_create(author=w.service_a, title="停水通知", body="明天停水", kind="outage", channels=["sms"],
                                 audience="estates", estates=[w.estate_a])
    announcement_publish(notice, actor=w.service_a)
    client.force_login(w.service_a)
    page = client.get(reverse("dashboard:announcement_detail", args=[notice.pk])).content.decode()
    section = page.split('id="deliveries-export"', 1)[1].split("</section>", 1)[0]
    assert "<h2" in section and reverse("dashboard:export_deliveries", args=[notice.pk, "xlsx"]) in section


def test_the_xlsx_keeps_dates_as_dates_links_as_text_and_drops_what_a_workbook_cannot_hold(client, w):
    import datetime

    from complaints.models import Complaint

    Complaint.objects.filter(pk=w.complaints_a[0].pk).update(description="http://example.com\x07 铃声\x0b")
    client.force_login(w.service_a)
    response = client.get(reverse("dashboard:export_complaints", args=["xlsx"]))
    content = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    by_number = {r[0]: r for r in rows[1:]}
    first = by_number[w.complaints_a[0].number]
    assert first[-1] == "http://example.com 铃声"  # control characters gone, the rest kept
    assert isinstance(first[1], datetime.datetime)  # submitted at: a date a spreadsheet sorts, in local time
    local = timezone.localtime(w.complaints_a[0].created_at).replace(tzinfo=None, microsecond=0)
    assert first[1] == local
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert not any("hyperlink" in n for n in names) and "<f>" not in sheet  # no link, no formula, whatever was typed


def test_a_large_export_streams_in_pieces_and_counts_every_row(client, w, monkeypatch):
    from complaints.models import Complaint
    from config.reports import exports

    monkeypatch.setattr(exports, "CHUNK", 50)  # rows per piece of the CSV stream
    template = Complaint.objects.get(pk=w.complaints_a[0].pk)
    Complaint.objects.bulk_create([
        Complaint(number=f"TS-BULK-{i:05d}", estate=template.estate, building=template.building, unit=template.unit,
                  resident=template.resident, category=template.category, description=f"第{i}条", status="closed",
                  response_due_at=template.response_due_at, resolution_due_at=template.resolution_due_at)
        for i in range(2 * exports.CHUNK + 7)])
    client.force_login(w.service_a)
    response = client.get(reverse("dashboard:export_complaints", args=["csv"]), {"status": "all"})
    pieces = list(response.streaming_content)
    assert len(pieces) >= 3  # the header, then a piece per CHUNK rows: never the whole file at once
    assert b"".join(pieces).decode("utf-8").count("TS-BULK-") == 2 * exports.CHUNK + 7
    record = ExportRecord.objects.get(format="csv")
    assert record.row_count == 2 * exports.CHUNK + 7 + len(w.complaints_a)
    rows = _xlsx(client.get(reverse("dashboard:export_complaints", args=["xlsx"]), {"status": "all"}))
    assert len(rows) == 1 + 2 * exports.CHUNK + 7 + len(w.complaints_a)
    assert ExportRecord.objects.get(format="xlsx").row_count == len(rows) - 1


def test_rows_beyond_what_a_worksheet_holds_are_not_lost_silently(client, w, monkeypatch):
    from config.reports import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    client.force_login(w.service_a)
    response = client.get(reverse("dashboard:export_complaints", args=["xlsx"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(list(book.worksheets[0].iter_rows())) == 1 + 2
    note = next(book.worksheets[1].iter_rows(values_only=True))[0]
    assert "CSV" in note and "2" in note
    assert ExportRecord.objects.get(format="xlsx").row_count == 2  # what the file holds


def test_days_show_as_days_and_times_as_times_in_the_workbook():
    import datetime

    from config.reports.exports import xlsx_file

    handle, count = xlsx_file("到期", ["到期日", "提交时间"], [(datetime.date(2026, 10, 15), datetime.datetime(2026, 10, 1, 8, 30))])
    row = load_workbook(io.BytesIO(handle.read())).active[2]
    assert count == 1
    assert [c.number_format for c in row] == ["yyyy-mm-dd", "yyyy-mm-dd hh:mm"]

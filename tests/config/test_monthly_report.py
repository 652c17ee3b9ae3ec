"""The monthly property service report: per estate and month as PDF and XLSX, and sent by a
manager to the owners' committee with a link that needs no account."""

import base64
import io
import re
import shutil
import subprocess
import zipfile
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from communications.models import ContactLog, Delivery
from communications.services import media as media_svc
from complaints.models import Complaint
from owners.models import ExportRecord
from tests.config.report_world import report_world
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return report_world()


def _month():
    return timezone.localdate().strftime("%Y-%m")


def _url(w, fmt, estate=None):
    return reverse("dashboard:report_download", args=[(estate or w.estate_a).pk, _month(), fmt])


def test_manager_downloads_the_pdf_of_their_estate(client, w):
    client.force_login(w.manager_a)
    response = client.get(_url(w, "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "阳光花园" in text and "漏水" in text and "噪音" in text
    assert "翠湖" not in text
    assert ExportRecord.objects.filter(user=w.manager_a, kind="monthly_report", format="pdf").exists()


def test_the_xlsx_has_a_sheet_per_section_with_the_figures(client, w):
    client.force_login(w.manager_a)
    response = client.get(_url(w, "xlsx"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    first = list(book.worksheets[0].iter_rows(values_only=True))
    counts = {row[0]: row[1] for row in first[2:]}
    assert counts == {"漏水": 2, "噪音": 1}
    assert len(book.worksheets) >= 5


def test_another_estates_report_is_404_and_a_bad_month_too(client, w):
    client.force_login(w.manager_a)
    assert client.get(_url(w, "pdf", estate=w.estate_b)).status_code == 404
    assert client.get(reverse("dashboard:report_download", args=[w.estate_a.pk, "2026-13", "pdf"])).status_code == 404
    assert client.get(reverse("dashboard:report_download", args=[w.estate_a.pk, _month(), "doc"])).status_code == 404


def test_reports_page_offers_sending_to_managers_only(client, w):
    client.force_login(w.manager_a)
    assert "report_send" not in client.get(reverse("dashboard:reports")).content.decode()  # the url name never shows
    page = client.get(reverse("dashboard:reports")).content.decode()
    assert "/send/" in page and "阳光花园" in page and "翠湖" not in page
    client.force_login(w.service_a)
    assert "/send/" not in client.get(reverse("dashboard:reports")).content.decode()


def test_manager_sends_it_to_the_owners_committee_and_who_received_it_is_recorded(client, w, django_capture_on_commit_callbacks):
    chair = media_svc.stakeholder_add(actor=w.manager_a, kind="owners_committee", name="业委会王主任", email="wang@example.com", estate=w.estate_a)
    media_svc.stakeholder_add(actor=w.manager_a, kind="street_office", name="街道办", email="street@example.com", estate=w.estate_a)
    client.force_login(w.manager_a)
    url = reverse("dashboard:report_send", args=[w.estate_a.pk, _month()])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, follow=True)
    assert "业委会王主任" in response.content.decode()
    delivery = Delivery.objects.get(topic="report.monthly")
    assert delivery.address == "wang@example.com" and delivery.channel == "email"
    assert ContactLog.objects.filter(stakeholder=chair, by=w.manager_a).exists()
    # The link opens the PDF without an account; a tampered one does not.
    link = re.search(r"https?://\S+/reports/shared/\S+/", delivery.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    shared = client.get("/" + path)
    assert shared.status_code == 200 and "阳光花园" in pdf_text(shared.content)
    assert client.get("/" + path.replace("/shared/", "/shared/x")).status_code == 404
    # Sending again sends nothing twice.
    client.force_login(w.manager_a)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url)
    assert Delivery.objects.filter(topic="report.monthly").count() == 1


def test_service_staff_may_not_send(client, w):
    client.force_login(w.service_a)
    assert client.post(reverse("dashboard:report_send", args=[w.estate_a.pk, _month()])).status_code == 403
    assert not Delivery.objects.filter(topic="report.monthly").exists()


def test_every_column_of_the_reports_table_has_a_heading(client, w):
    client.force_login(w.manager_a)
    page = client.get(reverse("dashboard:reports")).content.decode()
    header = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    assert "<th></th>" not in header and header.count("<th") == 4
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    assert row.count("<td") == header.count("<th")
    # Staff who send nothing see no send column at all.
    client.force_login(w.service_a)
    page = client.get(reverse("dashboard:reports")).content.decode()
    header = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    assert header.count("<th") == 3 and "<th></th>" not in header


def _content_streams(pdf: bytes) -> bytes:
    return b"".join(zlib.decompress(base64.a85decode(m.group(1).strip(), adobe=True))
                    for m in re.finditer(rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\nstream\n(.*?)endstream", pdf, re.S))


CHART_BLUE = b".05098 .431373 .992157 rg"  # core.documents.CHART_COLOURS[0], the first series' bars
CHART_GREEN = b".12549 .788235 .592157 rg"  # CHART_COLOURS[1]


def test_the_pdf_draws_the_charts_with_chinese_labels_and_keeps_the_tables(client, w):
    client.force_login(w.manager_a)
    pdf = client.get(_url(w, "pdf")).content
    streams = _content_streams(pdf)
    # Bars are vector rectangles filled in the first series' colour: complaints by category
    # (2 categories) and complaints per day (today's bar; empty days draw none). The SLA chart
    # is left out: nothing was answered or rated yet, and a row of 0% bars would say otherwise.
    bars = re.findall(re.escape(CHART_BLUE) + rb"\n[^Q]*? re f", streams)
    assert len(bars) == 3
    assert not re.search(re.escape(CHART_GREEN) + rb"\n[^Q]*? re f", streams)  # nothing resolved: no bar of the second series
    # One leak resolved on time: its bar in the second series (resolved or closed), and the SLA chart.
    now = timezone.now()
    Complaint.objects.filter(pk=w.complaints_a[1].pk).update(status="resolved", first_response_at=now, resolved_at=now)
    pdf = client.get(_url(w, "pdf")).content
    streams = _content_streams(pdf)
    assert len(re.findall(re.escape(CHART_BLUE) + rb"\n[^Q]*? re f", streams)) == 3 + 2  # first response, resolution on time
    assert len(re.findall(re.escape(CHART_GREEN) + rb"\n[^Q]*? re f", streams)) == 1
    text = pdf_text(pdf)
    # Chart labels are text in the CJK font (categories, series names), and the tables stay.
    assert text.count("漏水") >= 2 and text.count("噪音") >= 2
    assert "翠湖" not in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed: the PDF is only parsed")
def test_a_pdf_reader_draws_the_chart_bars(client, w, tmp_path):
    client.force_login(w.manager_a)
    path = tmp_path / "report.pdf"
    path.write_bytes(client.get(_url(w, "pdf")).content)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True, capture_output=True)
    from PIL import Image

    with Image.open(next(tmp_path.glob("page*.png"))) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
        blue = sum(n for n, (r, g, b) in colours if b > 200 and r < 60 and 80 < g < 140)
    assert blue > 50  # the category chart's bars, in colour, on page 1


def test_the_xlsx_has_a_native_chart_over_each_sections_figures(client, w):
    now = timezone.now()
    Complaint.objects.filter(pk=w.complaints_a[1].pk).update(status="resolved", first_response_at=now, resolved_at=now)
    client.force_login(w.manager_a)
    content = b"".join(client.get(_url(w, "xlsx")).streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        first = archive.read(charts[0]).decode() if charts else ""
    assert len(charts) >= 3  # by category, per day, SLA shares
    book = load_workbook(io.BytesIO(content))
    by_category = book.worksheets[0]
    assert len(by_category._charts) == 1
    # The chart reads the sheet's own cells: the categories in column A from row 3.
    assert "$A$3:$A$4" in first and "$B$3:$B$4" in first
    # Shares are numbers formatted as percentages, not text.
    sla = next(s for s in book.worksheets if any(c.number_format == "0.0%" for row in s.iter_rows() for c in row))
    shares = [c.value for row in sla.iter_rows() for c in row if c.number_format == "0.0%"]
    assert shares == [1, 1]  # first response and resolution on time: 100%

"""The dashboard's charts, the monthly report and an export in headless Debian Chromium: every
chart drawn with data in Chinese and in English (no script blocked by the CSP), the report
downloaded with its Chinese text, the queue exported and opened with openpyxl.

Skipped, with the reason, where /usr/bin/chromium is not installed (.ci/run installs it).
"""

import datetime
import io
import time

from tests.browser.support import JOURNEY_MARKS, sign_in

pytestmark = JOURNEY_MARKS

CHARTS = 8
# Every canvas has pixels drawn (a blank canvas is all transparent).
DRAWN = """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; }
  return false; })"""




def _world():
    from django.utils import timezone

    from communications.models import MediaMention
    from complaints.models import Complaint
    from complaints.services import complaint_transition
    from incidents.models import Incident
    from incidents.services.incidents import incident_open
    from owners.models import FeeLedgerEntry
    from tests.config.report_world import report_world

    w = report_world()
    now = timezone.now()
    done = w.complaints_a[0]
    complaint_transition(done, "acknowledge", actor=w.service_a)
    complaint_transition(Complaint.objects.get(pk=done.pk), "resolve", actor=w.service_a, text="已处理")
    Complaint.objects.filter(pk=done.pk).update(rating=5)
    incident = incident_open(actor=w.manager_a, estate=w.estate_a, kind="gas", level="red", title="燃气泄漏")
    Incident.objects.filter(pk=incident.pk).update(response_at=now - datetime.timedelta(hours=3),
                                                   first_statement_at=now - datetime.timedelta(hours=1))
    MediaMention.objects.create(source="weibo", excerpt="阳光物业不作为", sentiment="negative", reach=5000, estate=w.estate_a)
    month = timezone.localdate().replace(day=1)
    for unit, paid in ((w.unit_a, 300), (w.unit_a2, 200)):
        FeeLedgerEntry.objects.create(unit=unit, period=month, billed=400, paid=paid, due_date=month + datetime.timedelta(days=20))
    return w


def _wait(page, script, timeout=20.0):
    """Poll `script` from Python: Playwright's own polling evaluates strings, which the CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        page.wait_for_timeout(100)


def _charts_drawn(page):
    _wait(page, f"() => document.querySelectorAll('canvas[data-chart]').length === {CHARTS}")
    deadline = time.monotonic() + 10
    drawn = page.evaluate(DRAWN)
    while drawn != [True] * CHARTS and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        drawn = page.evaluate(DRAWN)
    names = page.evaluate("() => [...document.querySelectorAll('canvas[data-chart]')].map(c => c.dataset.chart)")
    assert drawn == [True] * CHARTS, list(zip(names, drawn, strict=False))


def test_dashboard_charts_report_and_export(browser, live_server):
    from openpyxl import load_workbook

    from tests.factories import PASSWORD
    from tests.pdftext import pdf_text

    w = _world()
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, w.manager_a.username, PASSWORD)

    page.goto(f"{live_server.url}/dashboard/")
    _charts_drawn(page)
    assert "漏水" in page.text_content("#lh-charts")  # the numbers' table carries the categories

    # The monthly report: downloaded, and its text is Chinese.
    page.goto(f"{live_server.url}/dashboard/reports/?month={datetime.date.today():%Y-%m}")
    with page.expect_download() as download:
        page.click("a.lh-report-pdf")
    text = pdf_text(open(download.value.path(), "rb").read())
    assert "阳光花园" in text and "漏水" in text

    # The queue exported as XLSX: the two open tickets of estate A.
    page.goto(f"{live_server.url}/dashboard/complaints/")
    with page.expect_download() as download:
        page.click("a.lh-export[href*='xlsx']")
    rows = list(load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {c.number for c in w.complaints_a[1:]}

    # In English the charts are drawn again, with English labels.
    page.goto(f"{live_server.url}/dashboard/")
    with page.expect_navigation():
        page.select_option("#lh-language", "en")
    page.goto(f"{live_server.url}/dashboard/")
    _charts_drawn(page)
    assert "Complaints per day by category" in page.inner_text("#lh-charts")
    assert "Leaks" in page.text_content("#lh-charts")

    # A filter change refreshes the charts without a reload.
    page.evaluate("() => { window.lhMarker = 1; }")
    with page.expect_response(lambda r: "/dashboard/charts/complaints-per-day/" in r.url and "period=90" in r.url):
        page.select_option("#lh-chart-filter select[name=period]", "90")
    _wait(page, "() => document.querySelectorAll('canvas[data-chart]').length === 8 && window.lhMarker === 1")
    _wait(page, "() => (document.getElementById('chart-data-complaints-per-day') || {textContent: ''}).textContent.split(',').length > 90")

    # The collection rate's month is chosen in its own card (the page's control, not the browser's
    # month input drawn in the browser's language): only that chart is asked again.
    # Every card asked again by the period change has been swapped in first (htmx marks a card
    # with .htmx-request while it waits): a select picked from a card about to be replaced never fires.
    _wait(page, "() => document.querySelectorAll('#lh-charts .htmx-request').length === 0")
    card = "#chart-collection select[name=month]"
    month = page.evaluate(f"() => document.querySelector('{card}').options[1].value")
    with page.expect_response(lambda r: "/dashboard/charts/collection/" in r.url and f"month={month}" in r.url):
        page.select_option(card, month)
    _wait(page, f"() => document.querySelector('#chart-collection figcaption').textContent.includes('{month}')")
    assert errors == []  # no script errors, nothing blocked by the Content-Security-Policy

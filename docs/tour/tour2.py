"""Retake the pages changed after issue 12 (arrears, unit and building pages, homes, reports,
the monthly report PDF, the incident page, warning signals, the owner's fees).

    DATABASE_URL=sqlite:////tmp/tour2/db.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/tour2/db.sqlite3 .venv/bin/python manage.py seed_demo
    DATABASE_URL=sqlite:////tmp/tour2/db.sqlite3 SITE_URL=http://127.0.0.1:8419 \\
        .venv/bin/python manage.py runserver 127.0.0.1:8419 --noreload &
    TOUR_BASE=http://127.0.0.1:8419 .venv/bin/python docs/tour/tour2.py [name-filter]

Same sessions and compression as tour.py (1x, 64 colours, cut at 3,200 px). Changes no data.
The report PDF's first page is rendered with `pdftoppm -png -r 60`.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tour  # noqa: E402
from tour import ARGS, DESKTOP, FILTER, OUT, PHONE, Session, log, shrink  # noqa: E402


def wanted(name):
    return not FILTER or re.search(FILTER, name)


def report_pdf(s, name):
    """The first page of the first monthly report offered for download, at 60 dpi."""
    if not wanted(name):
        return
    link = s.page.locator("a[href$='.pdf']").first
    if not link.count():
        log.append((name, s.login, "no PDF link on the reports page", 0, "", 0, ""))
        return
    href = link.get_attribute("href")
    response = s.context.request.get(tour.BASE + href)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        pdf.write_bytes(response.body())
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(Path(tmp) / "p")],
                       check=True)
        png = next(Path(tmp).glob("p*.png")).read_bytes()
    shrink(OUT / f"{name}.png", png)
    log.append((name, s.login, href, response.status, "", 0, response.headers.get("content-type", "")))


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

        s = Session(browser, "13800000001", PHONE)
        s.shot("13_owner_fees", "/portal/fees/")
        s.close()

        for role in ("service", "manager", "spokesperson", "engineer", "admin"):
            s = Session(browser, role, DESKTOP)
            s.shot(f"40_{role}_home", "/dashboard/")
            s.close()
            s = Session(browser, role, PHONE)
            s.shot(f"43_{role}_home_phone", "/dashboard/")
            s.close()

        s = Session(browser, "service", DESKTOP)
        s.shot("57_service_resident_detail", "/dashboard/residents/488/")
        s.close()

        s = Session(browser, "manager", DESKTOP)
        s.shot("69_manager_incident_gas", "/dashboard/incidents/IN-2026-0001/")
        s.shot("72_manager_warning_signals", "/dashboard/incidents/signals/")
        s.shot("72b_manager_warning_signal", "/dashboard/incidents/signals/7/")
        s.shot("73_manager_arrears", "/dashboard/arrears/")
        s.shot("74_manager_arrears_case", "/dashboard/arrears/1/")
        s.shot("74b_manager_arrears_case_open", "/dashboard/arrears/3/")
        s.shot("75_manager_arrears_report", "/dashboard/arrears/report/")
        s.shot("76_manager_reports", "/dashboard/reports/")
        report_pdf(s, "76b_manager_report_pdf")
        s.shot("96_manager_building", "/dashboard/buildings/1/")
        s.shot("97_manager_unit_payments", "/dashboard/units/5/")
        s.close()

        s = Session(browser, "manager", DESKTOP, language="en")
        s.shot("72c_manager_warning_signal_english", "/dashboard/incidents/signals/7/")
        s.close()

        s = Session(browser, "manager", PHONE)
        s.shot("73c_manager_arrears_phone", "/dashboard/arrears/")
        s.shot("98_manager_unit_phone", "/dashboard/units/5/")
        s.close()

        s = Session(browser, "admin", DESKTOP)
        s.shot("99_admin_reports", "/dashboard/reports/")
        s.close()
        browser.close()
    for row in log:
        print(" | ".join(str(c) for c in row))




def charts_only():
    """The charts section of the company-wide home alone (the full page is cut at 3,200 px)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for role in ("admin", "manager"):
            name = f"40b_{role}_home_charts"
            if not wanted(name):
                continue
            s = Session(browser, role, DESKTOP)
            status, took = s.go("/dashboard/")
            s.page.wait_for_timeout(1500)
            shrink(OUT / f"{name}.png", s.page.locator("#lh-charts").screenshot())
            log.append((name, role, "/dashboard/#lh-charts", status, f"{took:.1f}s", 0, "; ".join(s.errors)[:200]))
            s.close()
        browser.close()


if __name__ == "__main__":
    main()
    charts_only()
    for row in log[-2:]:
        print(" | ".join(str(c) for c in row))

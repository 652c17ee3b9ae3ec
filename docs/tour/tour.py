"""Retake the first-user tour's screenshots against a running demo server.

    DATABASE_URL=sqlite:////tmp/tour/db.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/tour/db.sqlite3 .venv/bin/python manage.py seed_demo
    DATABASE_URL=sqlite:////tmp/tour/db.sqlite3 .venv/bin/python manage.py runserver 127.0.0.1:8411 --noreload &
    .venv/bin/python docs/tour/tour.py [name-filter]

Writes docs/tour/*.png (1x scale) and prints, per shot, the answer's status, the load time and
any console error. Steps that change data (an owner's complaint, its handling, a need-help
answer) run once, in order, so run it against a fresh database.
"""

import io
import os
import re
import sys
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

BASE = os.environ.get("TOUR_BASE", "http://127.0.0.1:8411")
OUT = Path(__file__).resolve().parent
PASSWORD = "lighthouse-demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
MAX_HEIGHT = 3200  # long pages are cut here (the README says which)
FILTER = sys.argv[1] if len(sys.argv) > 1 else ""
log = []


def shrink(path, png: bytes):
    """64 colours, no dithering: text stays crisp and a page costs about a third of the bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(path, optimize=True)


class Session:
    def __init__(self, browser, login, viewport, language="zh-hans"):
        self.context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
        self.context.add_cookies([{"name": "django_language", "value": language, "url": BASE}])
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.login = login
        if login:
            self.page.goto(f"{BASE}/accounts/login/")
            self.page.fill("#id_username", login)
            self.page.fill("#id_password", PASSWORD)
            self.page.click("button.btn-primary")
            self.page.wait_for_load_state("networkidle")

    def go(self, path):
        started = time.monotonic()
        response = self.page.goto(BASE + path, wait_until="networkidle")
        return response.status if response else 0, time.monotonic() - started

    def shot(self, name, path=None, full=True, status=None, took=0.0):
        if FILTER and not re.search(FILTER, name):
            return
        if path is not None:
            status, took = self.go(path)
        height = self.page.evaluate("document.documentElement.scrollHeight")
        width = self.page.viewport_size["width"]
        clip = {"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT)} if full else None
        shrink(OUT / f"{name}.png", self.page.screenshot(full_page=full, clip=clip))
        log.append((name, self.login or "anon", self.page.url.replace(BASE, ""), status, f"{took:.1f}s", height,
                    "; ".join(self.errors)[:200]))
        self.errors.clear()

    def close(self):
        self.context.close()


def owner_tour(browser):
    s = Session(browser, None, PHONE)
    s.shot("01_anon_login", "/")
    s.shot("02_anon_password_reset", "/accounts/password-reset/")
    s.close()
    s = Session(browser, "13800000001", PHONE)
    s.shot("03_owner_portal_home", "/portal/")
    s.shot("04_owner_complaints", "/portal/complaints/")
    s.shot("05_owner_complaint_new", "/portal/complaints/new/")
    # A new complaint through the form, with a preferred visit time.
    page = s.page
    page.select_option("select[name=category]", index=1)
    page.fill("textarea[name=description]", "厨房水龙头关不紧，一直滴水")
    if page.locator("[name=preferred_visit]").count():
        page.fill("[name=preferred_visit]", "明天下午 2 点以后")
    page.locator("form[enctype='multipart/form-data'] button.btn-primary").click()
    page.wait_for_load_state("networkidle")
    s.shot("06_owner_complaint_submitted")
    number = re.search(r"/portal/complaints/([^/]+)/", page.url)[1]
    s.shot("07_owner_complaint_withdrawn", "/portal/complaints/TS-20261130-0008/")
    s.shot("08_owner_notices", "/portal/notices/")
    # The updated gas-leak statement (its thread id is new with every seed).
    link = s.page.locator("a[href*='/portal/notices/statements/']", has_text="燃气泄漏").first.get_attribute("href")
    thread = link.rstrip("/").rsplit("/", 1)[-1]
    s.shot("09_owner_emergency_notice", "/portal/notices/6/")
    help_button = page.locator("button[value=need_help]")
    if help_button.count():
        help_button.first.click()
        page.wait_for_load_state("networkidle")
    s.shot("10_owner_need_help_answered")
    s.shot("11_owner_fee_notice", "/portal/notices/3/")
    s.shot("12_owner_statement_in_portal", f"/portal/notices/statements/{thread}/")
    s.shot("13_owner_fees", "/portal/fees/")
    s.shot("13b_owner_incident_page", "/portal/incidents/IN-2026-0001/")
    s.shot("14_owner_404", "/portal/complaints/TS-00000000-0000/")
    s.close()
    s = Session(browser, None, PHONE)
    s.shot("15_public_press_page", f"/press/statements/{thread}/")
    s.close()
    s = Session(browser, "13800000002", PHONE)
    s.shot("16_owner2_foreign_complaint_404", f"/portal/complaints/{number}/")
    s.shot("17_owner2_dashboard_403", "/dashboard/")
    s.close()
    return number


def staff_handles(browser, number):
    """Service staff take the owner's new complaint through to resolved; the owner then rates it."""
    s = Session(browser, "service", DESKTOP)
    s.go(f"/dashboard/complaints/{number}/")
    page = s.page
    for action in ("acknowledge", "start"):
        button = page.locator(f"button[name=action][value={action}]")
        if button.count():
            button.first.click()
            page.wait_for_load_state("networkidle")
    s.shot("30_service_ticket_in_progress")
    resolve = page.locator("button[name=action][value=resolve]")
    if resolve.count():
        resolve.first.click()  # empty: the error should sit beside the field
        page.wait_for_load_state("networkidle")
        s.shot("31_service_ticket_resolve_empty")
        form = page.locator("form:has(button[name=action][value=resolve])")
        form.locator("textarea").first.fill("已更换水龙头阀芯，不再滴水")
        form.locator("button[name=action][value=resolve]").click()
        page.wait_for_load_state("networkidle")
    s.shot("32_service_ticket_resolved")
    s.close()
    s = Session(browser, "13800000001", PHONE)
    s.shot("18_owner_rating_form", f"/portal/complaints/{number}/")
    s.close()
    s = Session(browser, "13800000001", PHONE, language="en")
    s.shot("19_owner_timeline_english", f"/portal/complaints/{number}/")
    s.close()


def staff_tour(browser):
    for role in ("service", "manager", "spokesperson", "engineer", "admin"):
        s = Session(browser, role, DESKTOP)
        s.shot(f"40_{role}_home", "/dashboard/")
        s.shot(f"41_{role}_inbox", "/dashboard/inbox/")
        s.shot(f"42_{role}_queue", "/dashboard/complaints/")
        s.close()
        s = Session(browser, role, PHONE)
        s.shot(f"43_{role}_home_phone", "/dashboard/")
        s.shot(f"44_{role}_queue_phone", "/dashboard/complaints/")
        s.shot(f"45_{role}_ticket_phone", "/dashboard/complaints/TS-20261130-0001/")
        if role == "engineer":
            s.go("/dashboard/")
            s.page.locator("[data-bs-toggle=offcanvas]").first.click()
            s.page.wait_for_timeout(600)
            s.shot("46_engineer_phone_menu_open", full=False)
        s.close()

    s = Session(browser, "service", DESKTOP)
    s.shot("50_service_queue_search_number", "/dashboard/complaints/?q=0009")
    s.shot("50b_service_queue_search_every_status", "/dashboard/complaints/?q=0009&status=all")
    s.shot("51_service_queue_search_unit", "/dashboard/complaints/?q=1-101")
    s.shot("52_service_ticket", "/dashboard/complaints/TS-20261130-0001/")
    s.shot("53_service_log_phone_complaint", "/dashboard/complaints/new/")
    s.shot("54_service_announcements", "/dashboard/announcements/")
    s.shot("55_service_announcement_form", "/dashboard/announcements/new/")
    s.shot("56_service_emergency_need_help", "/dashboard/announcements/6/")
    s.shot("57_service_resident_detail", "/dashboard/residents/488/")
    s.shot("58_service_media_home", "/dashboard/media/")
    s.shot("59_service_inquiry_no_form", "/dashboard/media/inquiries/1/")
    # A draft announcement, then "send now": the confirmation with counts and the SMS text.
    if FILTER and not re.search(FILTER, "60_61"):
        s.close()
        s = Session(browser, "manager", DESKTOP)
        return manager_tour(browser, s)
    s.go("/dashboard/announcements/new/")
    page = s.page
    page.select_option("select[name=kind]", "general")
    page.fill("input[name=title]", "本周六上午绿化修剪")
    page.fill("textarea[name=body]", "本周六 9:00–11:00 修剪中心花园绿化，请勿在花园停留。")
    page.fill("[name=sms_text]", "周六9-11点修剪中心花园绿化，请勿停留。")
    page.locator("input[name=channels][value=sms]").check()
    page.locator("input[name=channels][value=portal]").check()
    audience = page.locator("select[name=audience]")
    if audience.count():
        audience.select_option("estates")
    estates = page.locator("input[name=estates]")
    if estates.count():
        estates.first.check()
    page.locator("main form[method=post] button.btn-primary").last.click()
    page.wait_for_load_state("networkidle")
    s.shot("60_service_announcement_draft")
    draft_url = page.url.replace(BASE, "")
    s.shot("60b_service_announcement_edit", draft_url + "edit/")
    s.go(draft_url)
    send = page.locator("form[action$='/publish/'] button")
    if send.count():
        send.first.click()
        page.wait_for_load_state("networkidle")
        s.shot("61_service_send_confirmation")
    s.close()
    manager_tour(browser, Session(browser, "manager", DESKTOP))


def manager_tour(browser, s):
    s.shot("62_manager_pending_approval", "/dashboard/announcements/7/")
    s.shot("63_manager_statement_in_review", "/dashboard/media/statements/2/")
    s.shot("64_manager_estates", "/dashboard/estates/")
    s.shot("65_manager_estate_detail", "/dashboard/estates/1/")
    s.shot("66_manager_residents", "/dashboard/residents/")
    s.shot("67_manager_import", "/dashboard/import/")
    s.shot("68_manager_incidents", "/dashboard/incidents/")
    s.shot("69_manager_incident_gas", "/dashboard/incidents/IN-2026-0001/")
    s.shot("70_manager_incident_plans", "/dashboard/incidents/plans/")
    plan = s.page.locator("a[href^='/dashboard/incidents/plans/']").filter(has_text=re.compile(".")).nth(0)
    href = plan.get_attribute("href") if plan.count() else None
    if href and re.match(r"^/dashboard/incidents/plans/\d+/$", href):
        s.shot("71_manager_incident_plan", href)
    s.shot("72_manager_warning_signals", "/dashboard/incidents/signals/")
    s.shot("73_manager_arrears", "/dashboard/arrears/")
    s.shot("74_manager_arrears_case", "/dashboard/arrears/1/")
    s.shot("75_manager_arrears_report", "/dashboard/arrears/report/")
    s.shot("76_manager_reports", "/dashboard/reports/")
    s.shot("77_manager_admin", "/admin/")
    s.shot("78_manager_admin_complaints", "/admin/complaints/complaint/")
    s.shot("79_manager_admin_estate", "/admin/owners/estate/1/change/")
    s.close()

    s = Session(browser, "spokesperson", DESKTOP)
    s.shot("80_spokesperson_media_home", "/dashboard/media/")
    s.shot("81_spokesperson_statement_draft", "/dashboard/media/statements/1/")
    s.shot("82_spokesperson_statement_edit", "/dashboard/media/statements/1/edit/")
    s.shot("83_spokesperson_statement_approved_edit", "/dashboard/media/statements/3/edit/")
    s.shot("84_spokesperson_statement_approved", "/dashboard/media/statements/3/")
    s.shot("85_spokesperson_statement_published", "/dashboard/media/statements/5/")
    s.shot("86_spokesperson_mentions", "/dashboard/media/mentions/")
    s.shot("87_spokesperson_inquiries", "/dashboard/media/inquiries/")
    s.shot("88_spokesperson_inquiry", "/dashboard/media/inquiries/2/")
    s.shot("89_spokesperson_stakeholders", "/dashboard/media/stakeholders/")
    s.shot("90_spokesperson_stakeholder", "/dashboard/media/stakeholders/1/")
    s.shot("91_spokesperson_record_mention", "/dashboard/media/record/mention/")
    s.shot("92_spokesperson_record_inquiry", "/dashboard/media/record/inquiry/")
    s.close()

    s = Session(browser, "engineer", DESKTOP)
    s.shot("93_engineer_media_no_forms", "/dashboard/media/")
    s.shot("94_engineer_import_refused", "/dashboard/import/")
    s.close()

    s = Session(browser, None, DESKTOP)
    if not FILTER or re.search(FILTER, "95_api_docs"):
        status, took = s.go("/api/docs/")
        s.page.wait_for_selector(".opblock-tag", timeout=20000)
        s.shot("95_api_docs", full=False, status=status, took=took)
    s.close()


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        number = owner_tour(browser) if not FILTER else "TS-20261130-0001"
        if not FILTER:
            staff_handles(browser, number)
        staff_tour(browser)
        browser.close()
    for row in log:
        print(" | ".join(str(c) for c in row))


if __name__ == "__main__":
    main()

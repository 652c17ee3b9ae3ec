"""The main journeys in a real browser: headless Debian Chromium driven by Playwright.

Skipped, with the reason, where /usr/bin/chromium is not installed (.ci/run installs it).
"""



from tests.browser.support import JOURNEY_MARKS, sign_in

pytestmark = JOURNEY_MARKS





def test_owner_reports_a_problem_on_a_phone_and_staff_takes_it_up(browser, live_server):
    from complaints.models import Category, Complaint
    from owners.models import Role
    from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

    Category.objects.get_or_create(code="leak", defaults={"name": "漏水", "name_en": "Leaks"})
    estate = EstateFactory(name="浏览器小区")
    owner = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)), mobile="13911112222")
    staff = staff_member(estate, role=Role.SERVICE)

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(phone, live_server.url, "13911112222", PASSWORD)
    assert "浏览器小区" in phone.content()
    phone.click("text=我要报事")
    phone.select_option("#id_category", label="漏水")
    phone.fill("#id_description", "卫生间天花板在滴水")
    phone.click("button:has-text('提交')")
    phone.wait_for_load_state()
    complaint = Complaint.objects.get(resident=owner.resident)
    assert complaint.number in phone.content() and "我们已收到您的投诉" in phone.content()

    desk = browser.new_page(viewport={"width": 1366, "height": 900})
    desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(desk, live_server.url, staff.username, PASSWORD)
    desk.click("text=投诉工单")
    desk.click(f"text={complaint.number}")
    desk.click("button:has-text('受理')")
    desk.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.status == "acknowledged"

    phone.reload()
    assert "工作人员已受理您的投诉" in phone.content()
    assert errors == []  # no script errors, nothing blocked by the Content-Security-Policy


def test_language_switch_turns_the_page_english(browser, live_server):
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert "登录" in page.content()
    with page.expect_navigation():
        page.select_option("#lh-language", "en")  # submits itself (lighthouse.js), no button needed
    assert "Sign in" in page.content()

"""The staff dashboard on a phone (390 × 844): engineers and 管家 answer tickets on site.

The menu hides behind a button and opens; the queue and the ticket page never make the page
wider than the screen (tables scroll inside themselves); a reply can be posted. Headless Debian
Chromium through Playwright, as in test_journeys.py; skipped with the reason where it is missing.
"""



from tests.browser.support import JOURNEY_MARKS, sign_in

pytestmark = JOURNEY_MARKS

PHONE = {"width": 390, "height": 844}
WIDER_THAN_SCREEN = "document.documentElement.scrollWidth - window.innerWidth"




def test_an_engineer_works_a_ticket_on_a_phone(browser, live_server):
    from complaints.models import Category, ComplaintEvent
    from complaints.services import complaint_assign, complaint_submit
    from owners.models import Role
    from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

    noise = Category.objects.get_or_create(code="noise", defaults={"name": "噪音", "name_en": "Noise"})[0]
    estate = EstateFactory(name="手机小区")
    unit = UnitFactory(building=BuildingFactory(estate=estate, name="1号楼"))
    owner = owner_with_account(unit=unit, mobile="13922223333")
    engineer = staff_member(estate, role=Role.ENGINEER, first_name="赵强")
    manager = staff_member(estate, role=Role.ESTATE_MANAGER)
    tickets = [complaint_submit(resident=owner.resident, category=noise, unit=unit,
                                description=f"楼上每天晚上十一点以后还在装修，电钻声音很大，已经持续一周了（{i}）") for i in range(5)]
    complaint_assign(tickets[0], assignee=engineer, actor=manager)

    page = browser.new_page(viewport=PHONE)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, engineer.username, PASSWORD)

    # The menu does not fill the first screen: it opens from the ☰ button.
    menu = page.locator("#lh-sidebar")
    assert not menu.is_visible()
    page.click("[data-bs-target='#lh-sidebar']")
    page.wait_for_selector("#lh-sidebar.show")
    assert page.locator("#lh-sidebar >> text=投诉工单").is_visible()
    # The bell says one thing waits for me (the ticket assigned to me).
    assert page.locator(".lh-bell-count").inner_text() == "1"

    page.click("#lh-sidebar >> text=投诉工单")
    page.wait_for_load_state()
    assert tickets[0].number in page.content()
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the queue makes the page wider than the phone"

    page.goto(f"{live_server.url}/dashboard/complaints/{tickets[0].number}/")
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the ticket page makes the page wider than the phone"
    page.fill("textarea[aria-label='回复业主']", "师傅今晚九点前上门查看")
    page.click("button:has-text('发送回复')")
    page.wait_for_load_state()
    assert "师傅今晚九点前上门查看" in page.content()
    assert ComplaintEvent.objects.filter(complaint=tickets[0], body="师傅今晚九点前上门查看").exists()
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0
    assert errors == []

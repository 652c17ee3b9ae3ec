"""A mass send in a real browser: a manager writes an SMS notice, sees who it reaches per channel
and the SMS as it will go out, confirms, and the send starts; a double-clicked chase sends one
round. Headless Debian Chromium driven by Playwright; skipped, with the reason, without it."""



from tests.browser.support import JOURNEY_MARKS, sign_in

pytestmark = JOURNEY_MARKS





def test_a_manager_sees_the_reach_and_the_sms_before_sending_and_a_double_click_chases_once(browser, live_server, settings):
    from communications.models import Announcement, Delivery
    from communications.services.rendering import announcement_link
    from owners.models import Role
    from tests.factories import PASSWORD, BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, staff_member

    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"  # SMS goes now, whatever the hour
    estate = EstateFactory(name="确认小区")
    building = BuildingFactory(estate=estate)
    for i in range(4):  # four residents; one has no mobile number
        OccupancyFactory(resident=ResidentFactory(**({"mobile": None} if i == 3 else {})), unit=UnitFactory(building=building))
    manager = staff_member(estate, role=Role.ESTATE_MANAGER)

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/dashboard/announcements/new/")
    page.select_option("#id_kind", "general")
    page.fill("#id_title", "周三停水")
    page.fill("#id_body", "周三 9:00–12:00 停水检修，请提前储水。")
    page.fill("#id_sms_text", "周三9-12点停水，请储水")
    page.select_option("#id_audience", "estates")
    page.check(f"input[name=estates][value='{estate.pk}']")
    page.check("input[name=channels][value=sms]")  # the notice board is ticked already
    page.check("#id_ack_required")
    extra = int(page.get_attribute("#id_sms_text", "data-sms-extra"))
    assert str(len("周三9-12点停水，请储水") + extra) in page.inner_text("#sms-count")  # the live counter counts the link
    page.click("form.col-lg-8 button.btn-primary")
    page.wait_for_load_state()
    announcement = Announcement.objects.get(title="周三停水")

    page.click("form[action$='/publish/'] button")
    page.wait_for_load_state()
    assert Delivery.objects.count() == 0  # nothing has gone out yet
    counts = page.locator("[data-channel-count]").all_inner_texts()
    assert counts == ["4", "3"]  # the notice board reaches four, SMS the three with a mobile
    assert page.inner_text("#send-total") == "7"
    assert page.inner_text("#sms-preview") == "周三9-12点停水，请储水 " + announcement_link(announcement.pk)
    assert str(len("周三9-12点停水，请储水 " + announcement_link(announcement.pk))) in page.inner_text("#sms-parts")
    page.click("#confirm-send")
    page.wait_for_load_state()
    announcement.refresh_from_db()
    assert announcement.status in ("sending", "sent")
    assert Delivery.objects.filter(announcement=announcement, channel="sms", round=0).count() == 3

    page.click("form[action$='/chase/'] button")
    page.wait_for_load_state()
    assert page.locator("[data-channel-count]").all_inner_texts() == ["3"]
    page.dblclick("#confirm-send")
    page.wait_for_load_state()
    page.wait_for_selector(".alert")
    assert Delivery.objects.filter(announcement=announcement, round=1).count() == 3
    assert not Delivery.objects.filter(announcement=announcement, round__gt=1).exists()
    assert errors == []  # no script errors, nothing blocked by the Content-Security-Policy

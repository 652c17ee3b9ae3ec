"""The "I need help" journey on phones, in a real browser (headless Debian Chromium, Playwright):
an owner answers an emergency notice "I need help" and is told what happens next; a staff member,
on a phone too, finds them on the dashboard home and, after calling, marks them handled.

Skipped, with the reason, where /usr/bin/chromium is not installed (.ci/run installs it).
"""



from tests.browser.support import JOURNEY_MARKS, sign_in

pytestmark = JOURNEY_MARKS

PHONE = {"width": 390, "height": 844}




def _fits_the_screen(page):
    """Nothing wider than the phone: no sideways scrolling to reach a button."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_owner_asks_for_help_on_a_phone_and_staff_on_a_phone_handles_it(browser, live_server, settings):
    from django.utils import timezone

    from communications.models import Acknowledgement, AnnouncementEvent
    from communications.services import announcements as svc
    from owners.models import Role
    from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    estate = EstateFactory(name="求助小区", phone="0571-88886666")
    unit = UnitFactory(building=BuildingFactory(estate=estate, name="3号楼"), entrance="2", number="301")
    owner = owner_with_account(unit=unit, mobile="13922223333")
    staff = staff_member(estate, role=Role.SERVICE)
    manager = staff_member(estate, role=Role.ESTATE_MANAGER)
    draft = svc.announcement_create(author=staff, kind="emergency", title="3号楼燃气泄漏，请确认平安", body="燃气泄漏已处置，请确认平安。",
                                    channels=["portal"], audience="estates", estates=[estate], ack_required=True)
    svc.announcement_approve(draft, actor=manager)
    svc.announcement_publish(draft, actor=staff)
    errors = []

    # The owner, on a phone: the notice board, the emergency notice, "I need help".
    phone = browser.new_page(viewport=PHONE)
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(phone, live_server.url, "13922223333", PASSWORD)
    phone.click("a[href='/portal/notices/']")
    phone.click("text=3号楼燃气泄漏，请确认平安")
    phone.click("button:has-text('我需要帮助')")
    phone.wait_for_load_state()
    told = phone.locator("#help-next")
    assert told.is_visible()
    assert "0571-88886666" in told.inner_text()  # the duty phone, one tap away
    assert phone.locator("#help-next a[href='tel:0571-88886666']").is_visible()
    assert _fits_the_screen(phone)
    ack = Acknowledgement.objects.get(resident=owner.resident)
    assert ack.answer == "need_help"

    # A staff member, on a phone too: the dashboard home names them, with unit, phone and time.
    desk = browser.new_page(viewport=PHONE)
    desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(desk, live_server.url, staff.username, PASSWORD)
    desk.goto(f"{live_server.url}/dashboard/")
    row = desk.locator(f"#need-help + ul [data-answer='{ack.pk}']")
    assert row.is_visible()
    text = row.inner_text()
    assert str(unit) in text and owner.resident.name in text and "13922223333" in text
    assert timezone.localtime(ack.created_at).strftime("%m-%d %H:%M") in text  # when they asked
    assert row.locator("a[href='tel:13922223333']").is_visible()

    # Called them: mark it handled with what was done; it leaves the list.
    row.locator("input[name='note']").fill("已电话联系，燃气阀已关闭，住户平安")
    row.locator("button").click()
    desk.wait_for_load_state()
    assert desk.locator(f"[data-answer='{ack.pk}']").count() == 0
    ack.refresh_from_db()
    assert ack.handled_by == staff and ack.handled_note == "已电话联系，燃气阀已关闭，住户平安"
    assert AnnouncementEvent.objects.filter(announcement=draft, kind="help_handled", actor=staff).exists()

    # The announcement page still lists them, marked handled.
    desk.goto(f"{live_server.url}/dashboard/announcements/{draft.pk}/")
    kept = desk.locator(f"#need-help [data-answer='{ack.pk}']")
    assert kept.is_visible() and "燃气阀已关闭" in kept.inner_text() and kept.locator("form").count() == 0
    assert errors == []  # no script errors, nothing blocked by the Content-Security-Policy

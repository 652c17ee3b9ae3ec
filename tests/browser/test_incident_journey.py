"""An incident from warning to closed through the pages, in headless Debian Chromium: a manager
raises it, names the commander, starts the response, drafts and publishes a statement, works the
plan's tasks, reviews and closes it; an owner of the estate reads the statement on the portal.

Selectors are ids, names and values, not words, so the journey holds in either language.
Skipped, with the reason, where /usr/bin/chromium is not installed (.ci/run installs it).
"""



from tests.browser.support import JOURNEY_MARKS, sign_in

pytestmark = JOURNEY_MARKS





def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_an_incident_goes_from_warning_to_closed_and_owners_read_its_statement(browser, live_server):
    from django.utils import timezone

    from incidents.models import Incident, IncidentReview, Stage
    from owners.models import Role
    from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

    estate = EstateFactory(name="浏览器花园")
    owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)), mobile="13911113333")
    manager = staff_member(estate, role=Role.ESTATE_MANAGER, username="desk-manager")
    errors = []

    desk = browser.new_page(viewport={"width": 1366, "height": 900})
    desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(desk, live_server.url, manager.username, PASSWORD)

    # Warning: raised by hand from the list.
    desk.goto(f"{live_server.url}/dashboard/incidents/")
    _submit(desk, "#incident-new")
    assert desk.input_value("#id_estate") == str(estate.pk)  # the only estate, chosen already
    desk.select_option("#id_kind", "gas")
    desk.select_option("#id_level", "red")
    desk.fill("#id_title", "浏览器花园地库燃气泄漏")
    desk.fill("#id_location", "3号楼地下车库 B2")
    _submit(desk, "#incident-new-form button")
    incident = Incident.objects.get()
    assert incident.stage == Stage.WARNING and incident.number in desk.content()

    # Response: a commander first (the guard), then the move; the countdown runs.
    desk.select_option("#team-role", "commander")
    desk.select_option("#team-user", str(manager.pk))
    _submit(desk, "#team-save")
    _submit(desk, "button[name=move][value=respond]")
    incident.refresh_from_db()
    assert incident.stage == Stage.RESPONSE
    desk.wait_for_function("document.getElementById('disclosure-clock').textContent.includes(':')")

    # Disclosure: a statement drafted here, approved on its page, published here (owners told).
    desk.click("#statements summary")
    desk.fill("#statement_title", "关于地库燃气泄漏的情况说明")
    desk.fill("#statement_body", "今晚22:40地库燃气泄漏，总阀已关闭，无人员受伤。请勿使用明火。")
    _submit(desk, "#statement-form button")
    _submit(desk, "#statements a[href*='/media/statements/']")
    _submit(desk, "form[action$='/submit/'] button")
    _submit(desk, "form[action$='/approve/'] button")
    desk.goto(f"{live_server.url}/dashboard/incidents/{incident.number}/")
    desk.check("#statements input[name=announce]")
    _submit(desk, "#statements form[action$='/publish/'] button")
    assert not desk.query_selector("#disclosure-clock")  # the first statement stopped the clock
    _submit(desk, "button[name=move][value=disclose]")
    incident.refresh_from_db()
    assert incident.stage == Stage.DISCLOSURE and incident.first_statement_at is not None

    # A task of our own and a log entry; then the review, refused while a task is open.
    desk.click("#task-add summary")
    desk.fill("#task_title", "逐户敲门确认3号楼住户安全")
    _submit(desk, "#task-form button")
    desk.fill("textarea[name=body]", "22:52 燃气公司到场，B2 阀门已关闭")
    _submit(desk, "#log-save")
    assert "22:52 燃气公司到场" in desk.inner_text("#incident-timeline")
    _submit(desk, "button[name=move][value=review]")
    assert Incident.objects.get(pk=incident.pk).stage == Stage.DISCLOSURE  # refused: the plan's tasks are open
    assert desk.query_selector(".alert-danger, .alert-error") is not None
    while desk.query_selector("form[action$='/complete/'] button"):
        _submit(desk, "form[action$='/complete/'] button")
    _submit(desk, "button[name=move][value=review]")
    assert Incident.objects.get(pk=incident.pk).stage == Stage.REVIEW
    desk.click("#review details summary")
    desk.fill("#improvement_title", "每月巡检地库燃气管道")
    desk.select_option("#improvement_owner", str(manager.pk))
    desk.fill("#improvement_due_on", (timezone.localdate() + timezone.timedelta(days=30)).isoformat())
    _submit(desk, "#improvement-form button")
    for name, value in (("cause", "管道接口老化"), ("went_well", "十分钟内关阀"), ("went_badly", "短信晚发十分钟"),
                        ("aftercare", "逐户上门慰问")):
        desk.fill(f"#review_{name}", value)
    _submit(desk, "#review-submit")
    assert IncidentReview.objects.get(incident=incident).status == IncidentReview.Status.SUBMITTED
    _submit(desk, "#review-approve")
    _submit(desk, "button[name=move][value=close]")
    assert Incident.objects.get(pk=incident.pk).stage == Stage.CLOSED

    # The owner, on a phone: the statement on the incident's page, nothing internal.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(phone, live_server.url, "13911113333", PASSWORD)
    phone.goto(f"{live_server.url}/portal/incidents/{incident.number}/")
    page = phone.content()
    assert "关于地库燃气泄漏的情况说明" in page and "请勿使用明火" in page
    assert "每月巡检地库燃气管道" not in page and "管道接口老化" not in page and manager.display_name not in page
    assert errors == []  # no script errors, nothing blocked by the Content-Security-Policy

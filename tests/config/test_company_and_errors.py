"""The property company's name, phone and logo where people see them (issue 12, item 12), and the
friendly error pages owners get also under `make run`, where DEBUG is on (item 13)."""

import importlib
from unittest import mock

import pytest
from django.urls import reverse

from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=EstateFactory(name="春江花园"))))


@pytest.fixture
def company(settings):
    settings.COMPANY_NAME = "春江物业"
    settings.COMPANY_PHONE = "021-55556666"
    settings.COMPANY_LOGO_URL = "https://cdn.example.com/chunjiang.png"
    return settings


def test_portal_header_names_the_company_with_its_logo_and_phone(client, owner, company):
    client.force_login(owner)
    page = client.get(reverse("portal:home")).content.decode()
    header = page[page.index("<nav"):page.index("</nav>")]
    assert "春江物业" in header and "灯塔" not in header
    assert 'src="https://cdn.example.com/chunjiang.png"' in header
    assert 'href="tel:021-55556666"' in header


def test_dashboard_header_names_the_company(client, company):
    client.force_login(staff_member(EstateFactory()))
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "春江物业" in page[page.index("<nav"):page.index("</nav>")]


def test_without_a_company_name_the_header_keeps_the_products_name(client, owner):
    client.force_login(owner)
    page = client.get(reverse("portal:home")).content.decode()
    assert "灯塔" in page[page.index("<nav"):page.index("</nav>")]


def test_a_logo_path_is_served_from_static(client, owner, settings):
    settings.COMPANY_LOGO_URL = "img/logo.png"
    client.force_login(owner)
    assert 'src="/static/img/logo.png"' in client.get(reverse("portal:home")).content.decode()


def test_press_page_is_issued_by_the_company_with_a_press_phone(client, company):
    from communications.services import media as media_svc
    from owners.models import Role

    estate = EstateFactory()
    spokesperson, manager = staff_member(estate, role=Role.SPOKESPERSON), staff_member(estate, role=Role.ESTATE_MANAGER)
    statement = media_svc.statement_create(author=spokesperson, title="关于停水的说明", body="已恢复。", estate=estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    media_svc.statement_publish(statement, actor=spokesperson)
    page = client.get(reverse("press_statement", args=[statement.thread])).content.decode()
    assert "春江物业" in page and "021-55556666" in page and "灯塔" not in page


def _settings_with(monkeypatch, **env):
    for key in ("COMPANY_NAME", "DEFAULT_FROM_EMAIL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import config.settings.base as base

    with mock.patch("environ.Env.read_env"):  # a developer's .env must not decide the test
        return importlib.reload(base)


def test_email_sender_shows_the_company_name(monkeypatch):
    try:
        assert _settings_with(monkeypatch, COMPANY_NAME="春江物业").DEFAULT_FROM_EMAIL == "春江物业 <noreply@lighthouse.local>"
        assert _settings_with(monkeypatch, COMPANY_NAME="春江物业, 上海").DEFAULT_FROM_EMAIL == '"春江物业, 上海" <noreply@lighthouse.local>'
        assert _settings_with(monkeypatch).DEFAULT_FROM_EMAIL == "物业服务中心 <noreply@lighthouse.local>"
        explicit = _settings_with(monkeypatch, COMPANY_NAME="春江物业", DEFAULT_FROM_EMAIL="客服 <kefu@chunjiang.example>")
        assert explicit.DEFAULT_FROM_EMAIL == "客服 <kefu@chunjiang.example>"
    finally:
        monkeypatch.undo()
        _settings_with(monkeypatch)


# --- friendly error pages with DEBUG on (make run) ------------------------------------------------

@pytest.fixture
def debug_run(settings):
    """What `make run` runs with: DEBUG on, FRIENDLY_ERRORS on (config.settings.dev)."""
    settings.DEBUG = True
    settings.FRIENDLY_ERRORS = True
    return settings


def test_an_unknown_portal_address_shows_the_chinese_404_not_the_url_list(client, owner, debug_run):
    client.force_login(owner)
    response = client.get("/portal/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "未找到" in page and "这里没有内容" in page
    assert "URLconf" not in page and "Django" not in page


def test_another_owners_complaint_shows_the_chinese_404(client, owner, debug_run):
    from complaints.models import Category
    from complaints.services import complaint_submit

    other = owner_with_account(unit=UnitFactory(building=BuildingFactory()))
    noise = Category.objects.get_or_create(code="noise", defaults={"name": "噪音", "name_en": "Noise"})[0]
    theirs = complaint_submit(resident=other.resident, category=noise, description="噪音", unit=other.resident.occupancies.get().unit)
    client.force_login(owner)
    response = client.get(reverse("portal:complaint_detail", args=[theirs.number]))
    assert response.status_code == 404 and "Traceback" not in response.content.decode()
    assert "<nav" in response.content.decode()  # our page, with the header and a way home


def test_a_crash_shows_the_chinese_500_page_and_logs_the_traceback(client, owner, debug_run, caplog):
    client.force_login(owner)
    with mock.patch("config.views.notice_unread_urgent_count", side_effect=RuntimeError("boom")):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 500
    assert "服务暂时不可用" in response.content.decode() and "boom" not in response.content.decode()
    assert any("boom" in str(record.exc_info) for record in caplog.records if record.exc_info)


def test_the_api_keeps_its_json_errors(client, owner, debug_run):
    client.force_login(owner)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_friendly_errors_off_brings_back_djangos_debug_page(client, owner, debug_run):
    debug_run.FRIENDLY_ERRORS = False
    client.force_login(owner)
    assert "URLconf" in client.get("/portal/no-such-page/").content.decode()


def test_make_run_settings_turn_friendly_errors_on():
    import config.settings.dev as dev

    assert dev.DEBUG is True and dev.FRIENDLY_ERRORS is True

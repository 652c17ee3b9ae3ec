"""Invitation → activation → sign-in → portal; lockout; password reset; language switch."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from communications.models import Delivery
from owners.models import Invitation, Role
from owners.services import resident_invite
from tests.conftest import link_in
from tests.factories import PASSWORD, OccupancyFactory, ResidentFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(client, identifier, password):
    return client.post(reverse("login"), {"username": identifier, "password": password})


def test_activation_leaves_no_live_link_in_the_log(client, gateway, caplog):
    """Signing in through an activation link is logged (django-axes) without the link's token."""
    resident = OccupancyFactory(resident=ResidentFactory(name="孙小美", mobile="13912340000")).resident
    resident_invite(resident=resident, invited_by=None)
    activation = link_in(gateway.texts_to("13912340000")[0])
    with caplog.at_level(logging.DEBUG):
        response = client.post(activation, {"new_password1": "Sea-breeze-2026", "new_password2": "Sea-breeze-2026"})
    assert response.status_code == 302 and "AXES" in caplog.text  # the sign-in was logged …
    token = activation.rstrip("/").rsplit("/", 1)[-1]
    assert token not in caplog.text and activation not in caplog.text  # … without the link


def test_invited_resident_activates_signs_in_and_sees_own_unit(client, gateway):
    unit = UnitFactory()
    resident = OccupancyFactory(unit=unit, resident=ResidentFactory(name="钱多多", mobile="13912345678")).resident
    staff = staff_member(unit.building.estate, role=Role.SERVICE)
    client.force_login(staff)
    response = client.post(reverse("dashboard:resident_invite", args=[resident.pk]))
    assert response.status_code == 302

    [text] = gateway.texts_to("13912345678")
    assert "钱多多" in text
    client.logout()
    activation = link_in(text)
    page = client.get(activation)
    assert page.status_code == 200 and "钱多多" in page.content.decode()
    response = client.post(activation, {"new_password1": "Sea-breeze-2026", "new_password2": "Sea-breeze-2026"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")

    client.logout()
    response = _sign_in(client, "139 1234 5678", "Sea-breeze-2026")
    assert response.status_code == 302
    portal = client.get(reverse("portal:home")).content.decode()
    assert unit.building.estate.name in portal and unit.number in portal

    # The link is single-use.
    client.logout()
    assert client.get(activation).status_code == 410


def test_reinviting_revokes_the_earlier_link(client, gateway):
    resident = OccupancyFactory().resident
    first = resident_invite(resident=resident, invited_by=None)
    resident_invite(resident=resident, invited_by=None)
    old_link, new_link = (link_in(t) for t in gateway.texts_to(resident.mobile))
    assert client.get(old_link).status_code == 410
    assert client.get(new_link).status_code == 200
    first.refresh_from_db()
    assert first.revoked_at is not None


def test_invitation_refused_without_contact_or_with_an_account(client, gateway):
    silent = OccupancyFactory(resident=ResidentFactory(mobile=None, email="")).resident
    staff = staff_member(silent.occupancies.first().unit.building.estate)
    client.force_login(staff)
    response = client.post(reverse("dashboard:resident_invite", args=[silent.pk]), follow=True)
    assert "neither a mobile number nor an e-mail" in response.content.decode() or "既没有手机号" in response.content.decode()
    assert not Invitation.objects.filter(resident=silent).exists()
    assert gateway.received == []


def test_invitation_by_email_when_no_mobile(gateway):
    resident = OccupancyFactory(resident=ResidentFactory(mobile=None, email="owner@example.com")).resident
    resident_invite(resident=resident, invited_by=None)
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert "/accounts/activate/" in message.body
    assert gateway.received == []


def test_tampered_activation_link_is_refused(client):
    response = client.get(reverse("activate", args=["not-a-real-token"]))
    assert response.status_code == 410


def test_weak_password_is_refused_and_no_account_created(client, gateway):
    resident = OccupancyFactory().resident
    resident_invite(resident=resident, invited_by=None)
    activation = link_in(gateway.texts_to(resident.mobile)[0])
    response = client.post(activation, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.user_id is None


def test_repeated_failed_sign_ins_lock_the_account(client, settings):
    owner = owner_with_account(mobile="13700001111")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "13700001111", "wrong-password")
    response = _sign_in(client, "13700001111", PASSWORD)
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower() or "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert owner.is_active


def test_sign_in_by_mobile_email_or_username(client):
    owner = owner_with_account(mobile="13700002222")
    owner.email = "Owner@Example.com"
    owner.save()
    assert _sign_in(client, "+86 137-0000-2222", PASSWORD).status_code == 302
    client.logout()
    assert _sign_in(client, "owner@example.com", PASSWORD).status_code == 302
    client.logout()
    staff = staff_member(UnitFactory().building.estate)
    assert _sign_in(client, staff.username, PASSWORD).status_code == 302
    client.logout()
    # Residents' generated usernames are not a way in.
    assert _sign_in(client, owner.username, PASSWORD).status_code == 200


def test_sign_in_is_rate_limited_per_address(client, settings):
    settings.LOGIN_RATE = "3/m"
    statuses = [_sign_in(client, f"nobody{i}", "x").status_code for i in range(4)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429


def test_password_reset_by_sms_sets_a_new_password(client, gateway):
    owner_with_account(mobile="13700003333")
    response = client.post(reverse("password_reset"), {"identifier": "13700003333"})
    assert response.status_code == 302
    [text] = gateway.texts_to("13700003333")
    confirm = client.get(link_in(text), follow=True)
    form_url = confirm.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "Lantern-Moon-77", "new_password2": "Lantern-Moon-77"})
    assert response.status_code == 302
    assert _sign_in(client, "13700003333", "Lantern-Moon-77").status_code == 302
    assert Delivery.objects.get(address="13700003333").status == Delivery.Status.SENT


def test_password_reset_by_email_and_for_unknown_identifiers_looks_the_same(client):
    staff = staff_member(UnitFactory().building.estate, email="staff@example.com")
    known = client.post(reverse("password_reset"), {"identifier": "staff@example.com"})
    unknown = client.post(reverse("password_reset"), {"identifier": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    [message] = mail.outbox
    assert message.to == ["staff@example.com"] and "/accounts/reset/" in message.body
    assert staff.is_active


def test_interface_is_chinese_by_default_and_english_on_request(client):
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page and "Sign in" not in page
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login")).content.decode()
    assert "Sign in" in page and "登录" not in page


def test_an_english_browser_still_gets_chinese_until_the_person_switches(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in page


# --- API tokens: a lifetime, and revoked when the credentials change -------------------------

def _api_token(identifier, password):
    response = APIClient().post("/api/v1/auth/token/", {"username": identifier, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _api_status(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get("/api/v1/complaints/").status_code


def test_api_token_stops_working_when_the_password_changes():
    owner = owner_with_account(mobile="13700007771")
    token = _api_token(owner.mobile, PASSWORD)
    assert _api_status(token) == 200
    owner.set_password("Lantern-Moon-77")
    owner.save()
    assert _api_status(token) == 401
    fresh = _api_token(owner.mobile, "Lantern-Moon-77")
    assert fresh != token and _api_status(fresh) == 200


def test_api_token_stops_working_when_the_account_is_deactivated():
    owner = owner_with_account(mobile="13700007772")
    token = _api_token(owner.mobile, PASSWORD)
    owner.is_active = False
    owner.save()
    assert _api_status(token) == 401
    assert not Token.objects.filter(user=owner).exists()


def test_api_token_expires_and_a_new_one_is_issued(settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    owner = owner_with_account(mobile="13700007773")
    token = _api_token(owner.mobile, PASSWORD)
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(days=31))
    assert _api_status(token) == 401
    assert not Token.objects.filter(key=token).exists()
    fresh = _api_token(owner.mobile, PASSWORD)
    assert fresh != token and _api_status(fresh) == 200


def test_signing_in_again_keeps_a_live_token():
    owner = owner_with_account(mobile="13700007774")
    token = _api_token(owner.mobile, PASSWORD)
    assert _api_token(owner.mobile, PASSWORD) == token and _api_status(token) == 200


def test_password_reset_sends_a_few_messages_per_number_an_hour_whoever_asks(client, gateway, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PASSWORD_RESET_IDENTIFIER_RATE = "3/h"
    owner_with_account(mobile="13700008888")

    def ask(identifier, n):
        return client.post(reverse("password_reset"), {"identifier": identifier}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    spellings = ["13700008888", "+86 137 0000 8888", "137-0000-8888"] * 2
    known = [ask(s, i) for i, s in enumerate(spellings)]
    unknown = [ask("13700009999", 10 + i) for i in range(6)]
    # The same answer every time, for a real account and an unknown number alike.
    assert {(r.status_code, r["Location"]) for r in known + unknown} == {(302, reverse("password_reset_done"))}
    assert len(gateway.texts_to("13700008888")) == 3


def test_an_invitation_through_the_logging_gateway_leaves_no_link_in_the_log(caplog):
    resident = OccupancyFactory(resident=ResidentFactory(mobile="13800000001")).resident
    with caplog.at_level(logging.DEBUG):
        resident_invite(resident=resident, invited_by=None)
    sent = [r for r in caplog.records if r.name == "lighthouse.gateway"]
    assert sent, "the logging gateway should record that a message went out"
    assert "/accounts/activate/" not in caplog.text and "://" not in caplog.text
    assert "13800000001" not in caplog.text and "138****0001" in caplog.text

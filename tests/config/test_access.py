"""Who is counted as whom, and what still works when the counters' cache is gone.

Every limit (DRF throttles, django-ratelimit, django-axes) sees one client address: REMOTE_ADDR,
or the X-Forwarded-For entry the outermost of TRUSTED_PROXY_COUNT proxies wrote. A client's own
X-Forwarded-For claims are never believed. Limits shared by the portal and the API count once.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from complaints.models import Category, Complaint, ComplaintEvent
from complaints.services import complaint_submit
from tests.factories import PASSWORD, owner_with_account

pytestmark = pytest.mark.django_db

# A Redis URL where nothing listens: every cache call fails at once with "connection refused".
DOWN = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}


def _sign_in(client, identifier, password, **headers):
    return client.post(reverse("login"), {"username": identifier, "password": password}, **headers)


def _token(identifier, password, **headers):
    return APIClient().post("/api/v1/auth/token/", {"username": identifier, "password": password}, **headers)


@pytest.fixture
def noise():
    return Category.objects.get_or_create(code="noise", defaults={"name": "噪音", "name_en": "Noise"})[0]


@pytest.fixture
def owner():
    return owner_with_account(mobile="13700005555")


def _portal_new(client, owner, noise):
    unit = owner.resident.occupancies.get().unit
    return client.post(reverse("portal:complaint_new"), {"category": noise.pk, "where": f"unit:{unit.pk}", "description": "楼上漏水"})


def _api_new(api, owner, noise):
    unit = owner.resident.occupancies.get().unit
    return api.post("/api/v1/complaints/", {"category": noise.pk, "unit": unit.pk, "description": "楼上漏水"})


def _owner_api(owner):
    api = APIClient()
    api.force_authenticate(owner)
    return api


# --- One trusted client address -------------------------------------------------------------

def test_without_trusted_proxies_a_forged_forwarded_for_does_not_dodge_the_anonymous_throttle(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.API_ANON_RATE = "2/min"
    statuses = [client.get("/api/schema/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(3)]
    assert statuses == [200, 200, 429]


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_dodge_the_sign_in_limits(client, settings, owner):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.LOGIN_RATE = "3/m"
    statuses = [_sign_in(client, f"nobody{i}", "x", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]

    settings.LOGIN_RATE = "100/m"
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, owner.mobile, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert _sign_in(client, owner.mobile, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_one_proxy_one_clients_burst_does_not_lock_out_another(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_RATE = "3/m"
    # The proxy appends the address it saw; anything left of it is the client's own claim.
    burst = [_sign_in(client, f"nobody{i}", "x", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 198.51.100.7").status_code
             for i in range(4)]
    assert burst == [200, 200, 200, 429]
    assert _sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


def test_behind_one_proxy_an_attackers_failures_do_not_lock_the_owner_out(client, settings, owner):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _sign_in(client, owner.mobile, "guess", HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert _sign_in(client, owner.mobile, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.66").status_code == 429
    response = _sign_in(client, owner.mobile, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(owner.pk)


def test_behind_one_proxy_clients_get_separate_api_buckets(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.API_ANON_RATE = "2/min"
    burst = [client.get("/api/schema/", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 198.51.100.7").status_code for i in range(3)]
    assert burst == [200, 200, 429]
    assert client.get("/api/schema/", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


@pytest.mark.parametrize("proxies, forwarded_for, expected", [
    (0, "203.0.113.9", "127.0.0.1"),
    (1, "203.0.113.9, 198.51.100.7", "198.51.100.7"),
    (2, "203.0.113.9, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
    (2, "198.51.100.7", "127.0.0.1"),  # fewer entries than proxies: the request skipped a proxy
    (1, "198.51.100.7, not-an-address", "127.0.0.1"),
    (1, "", "127.0.0.1"),
])
def test_client_address_believes_only_what_trusted_proxies_wrote(rf, settings, proxies, forwarded_for, expected):
    from config.clients import client_address

    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(rf.get("/", HTTP_X_FORWARDED_FOR=forwarded_for)) == expected


# --- The token endpoint is throttled ---------------------------------------------------------

def test_password_spraying_the_token_endpoint_from_one_address_is_throttled(settings, owner):
    settings.TRUSTED_PROXY_COUNT = 0
    responses = [_token(f"1390000{i:04d}", PASSWORD) for i in range(100)]
    statuses = [r.status_code for r in responses]
    assert statuses.index(429) <= 10
    assert statuses.count(429) >= 90
    assert responses[-1].json()["code"] == "throttled"


def test_guessing_one_accounts_password_from_many_addresses_is_throttled(settings, owner):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.API_TOKEN_RATE_IDENTIFIER = "4/h"
    spellings = ["13700005555", "+86 137 0000 5555", "137-0000-5555", "0086 13700005555"]
    statuses = [_token(s, "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i, s in enumerate(spellings)]
    assert statuses == [400, 400, 400, 400]
    response = _token(owner.mobile, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.50")
    assert response.status_code == 429 and "token" not in response.json()
    # Another account is not held back by it.
    other = owner_with_account(mobile="13700006666")
    assert _token(other.mobile, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.51").status_code == 200


# --- A cache outage degrades to no limits, not to 500s ----------------------------------------

def test_sign_in_api_and_complaints_work_while_the_cache_is_down(client, settings, owner, noise, caplog):
    token = _token(owner.mobile, PASSWORD).json()["token"]
    settings.CACHES = {**settings.CACHES, "default": DOWN}

    assert _sign_in(client, owner.mobile, PASSWORD).status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/complaints/").status_code == 200

    assert _portal_new(client, owner, noise).status_code == 302
    assert _api_new(api, owner, noise).status_code == 201
    assert Complaint.objects.filter(resident=owner.resident).count() == 2
    complaint = Complaint.objects.filter(resident=owner.resident).first()
    assert api.post(f"/api/v1/complaints/{complaint.number}/messages/", {"text": "还在漏"}).status_code == 200
    assert "cache unavailable" in caplog.text


def test_health_check_reports_a_broker_that_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["cache"] == "ok"
    assert body["broker"].startswith("error")


def test_health_check_reports_a_cache_that_does_not_answer(client, settings):
    settings.CACHES = {**settings.CACHES, "default": DOWN}
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["cache"].startswith("error")


def test_health_check_is_ok_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert set(response.json()) == {"status", "database", "cache", "broker"}


# --- Bursts: one counter per limit, whichever door ---------------------------------------------

def test_complaint_submissions_share_one_counter_between_portal_and_api(client, settings, owner, noise):
    settings.COMPLAINT_RATE_USER = "2/h"
    client.force_login(owner)
    api = _owner_api(owner)
    assert _portal_new(client, owner, noise).status_code == 302
    assert _api_new(api, owner, noise).status_code == 201
    assert _portal_new(client, owner, noise).status_code == 429
    refused = _api_new(api, owner, noise)
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert Complaint.objects.count() == 2


def test_complaint_submissions_per_address_share_one_counter(client, settings, noise):
    settings.COMPLAINT_RATE_IP = "2/h"
    first, second = owner_with_account(), owner_with_account()
    client.force_login(first)
    assert _portal_new(client, first, noise).status_code == 302
    assert _api_new(_owner_api(second), second, noise).status_code == 201
    assert _api_new(_owner_api(second), second, noise).status_code == 429
    assert Complaint.objects.count() == 2


def test_an_owner_can_post_only_a_few_messages_per_ticket_an_hour(client, settings, owner, noise):
    settings.COMPLAINT_MESSAGE_RATE = "3/h"
    unit = owner.resident.occupancies.get().unit
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=unit)
    other = complaint_submit(resident=owner.resident, category=noise, description="y", unit=unit)
    client.force_login(owner)
    api = _owner_api(owner)
    portal_url = reverse("portal:complaint_message", args=[complaint.number])
    api_url = f"/api/v1/complaints/{complaint.number}/messages/"

    assert client.post(portal_url, {"text": "一"}).status_code == 302
    assert api.post(api_url, {"text": "二"}).status_code == 200
    assert client.post(portal_url, {"text": "三"}).status_code == 302
    assert client.post(portal_url, {"text": "四"}).status_code == 429
    refused = api.post(api_url, {"text": "五"})
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    messages = ComplaintEvent.objects.filter(complaint=complaint, kind=ComplaintEvent.Kind.OWNER_MESSAGE)
    assert messages.count() == 3
    # Another ticket has its own allowance.
    assert api.post(f"/api/v1/complaints/{other.number}/messages/", {"text": "另一件事"}).status_code == 200

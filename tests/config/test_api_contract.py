"""The API answers what its schema says (security probe finding 20; the live run is
tests/contract/run_schemathesis.sh): JSON errors on every /api/ path, bounded page sizes,
refused unknown fields, sane date-times."""

import pytest
from rest_framework.test import APIClient

from owners.models import Role
from tests.factories import EstateFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    return EstateFactory()


@pytest.fixture
def manager(estate):
    return staff_member(estate, role=Role.ESTATE_MANAGER)


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def _is_api_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


# --- JSON, never HTML, on every /api/ path ----------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("get", "/api/v1/units/0.5/"),                 # an id the router's pattern does not match
    ("patch", "/api/v1/units/0.5/"),
    ("get", "/api/v1/residents/-1.3e-219/"),
    ("post", "/api/v1/statements/2.5/submit/"),
    ("get", "/api/v1/no-such-collection/"),        # an unknown path under /api/
    ("get", "/api/v2/"),
])
def test_unknown_api_paths_answer_the_json_404(api, method, path):
    _is_api_error(getattr(api, method)(path), 404, "not_found")


def test_an_unknown_api_path_is_a_json_404_for_anonymous_callers_too(client):
    _is_api_error(client.get("/api/v1/units/0.5/"), 404, "not_found")


def test_pages_keep_their_html_404(client, manager):
    client.force_login(manager)
    response = client.get("/dashboard/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_malformed_multipart_body_is_a_json_400(api):
    response = api.generic("POST", "/api/v1/buildings/", b"--x\r\n", content_type="multipart/form-data")
    _is_api_error(response, 400, "parse_error")

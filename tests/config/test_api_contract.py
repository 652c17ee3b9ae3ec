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


# --- pages: page_size bounded and said so, a bad cursor is the caller's error --------------------

LISTS = ["/api/v1/units/", "/api/v1/estates/", "/api/v1/complaints/", "/api/v1/announcements/", "/api/v1/stakeholders/"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("size", ["", "null", "true", "0", "-1", "201", "100000", "2.5", "abc"])
def test_a_page_size_out_of_bounds_is_refused(api, path, size):
    body = _is_api_error(api.get(path, {"page_size": size}), 400, "invalid")
    assert list(body["errors"]) == ["page_size"]


def test_a_page_size_within_bounds_sizes_the_page(api, estate):
    UnitFactory.create_batch(3, building__estate=estate)
    response = api.get("/api/v1/units/", {"page_size": 2})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2 and response.json()["next"]
    assert api.get("/api/v1/units/", {"page_size": 200}).status_code == 200


@pytest.mark.parametrize("path", LISTS)
def test_an_invalid_cursor_is_a_400_not_a_404(api, path):
    body = _is_api_error(api.get(path, {"cursor": "not-a-cursor"}), 400, "invalid")
    assert list(body["errors"]) == ["cursor"]


def test_the_schema_states_the_page_size_bounds_and_the_cursor_answer(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in LISTS:
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
        assert "400" in schema["paths"][path]["get"]["responses"]

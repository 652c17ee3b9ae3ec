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


# --- request bodies: unknown fields refused, and the schema says so -------------------------------

@pytest.fixture
def spokesperson(estate):
    return staff_member(estate, role=Role.SPOKESPERSON)


@pytest.fixture
def press_api(spokesperson):
    client = APIClient()
    client.force_authenticate(spokesperson)
    return client


def _schema(api):
    return api.get("/api/schema/", {"format": "json"}).json()


def _request_bodies(schema):
    """(operation, media type, resolved schema) of every request body in the schema."""
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                ref = content["schema"].get("$ref", "")
                yield f"{method.upper()} {path}", media_type, components[ref.rsplit("/", 1)[-1]] if ref else content["schema"]


# Not ours to make strict: DRF's token form, and the SMS gateway's receipts (a provider may add
# fields of its own; refusing them would lose delivery receipts).
OPEN_BODIES = {"POST /api/v1/auth/token/", "POST /api/v1/gateway/receipts/"}


def test_every_request_body_of_ours_declares_unknown_fields_refused(api):
    schema = _schema(api)
    open_bodies = [(op, media) for op, media, body in _request_bodies(schema)
                   if body.get("additionalProperties") is not False and op not in OPEN_BODIES]
    assert open_bodies == []


@pytest.mark.parametrize("path,body", [
    ("/api/v1/stakeholders/", {"kind": "owners_committee", "name": "赵主任", "shoe_size": 42}),
    ("/api/v1/media-mentions/", {"source": "news", "excerpt": "x", "is_viral": True}),
])
def test_unknown_fields_are_refused_on_create(press_api, estate, path, body):
    response = press_api.post(path, {**body, "estate": estate.pk}, format="json")
    errors = _is_api_error(response, 400, "invalid")["errors"]
    assert set(errors) == set(body) - {"kind", "name", "source", "excerpt"}


def test_unknown_fields_are_refused_on_actions_too(press_api, estate):
    from communications.models import Stakeholder

    person = Stakeholder.objects.create(kind="owners_committee", name="赵主任", estate=estate)
    response = press_api.post(f"/api/v1/stakeholders/{person.pk}/contacts/",
                              {"channel": "meeting", "summary": "通报", "mood": "good"}, format="json")
    assert _is_api_error(response, 400, "invalid")["errors"] == {"mood": ["未知字段。"]}
    assert not person.contacts.exists()


# --- the error shape: every field maps to a list of messages ------------------------------------

def test_errors_inside_a_list_field_keep_the_documented_shape(api):
    response = api.post("/api/v1/announcements/", {"kind": "notice", "title": "停水", "body": "明天停水", "audience": "estates",
                                                   "channels": ["notice_board", "AAA"]}, format="json")
    errors = _is_api_error(response, 400, "invalid")["errors"]
    assert all(isinstance(messages, list) and all(isinstance(m, str) for m in messages) for messages in errors.values()), errors
    assert "channels.1" in errors


# --- date-times: a sane range in, RFC 3339 out --------------------------------------------------

@pytest.mark.parametrize("when", ["0221-03-04T05:06:07Z", "1899-12-31T23:59:59+08:00", "1999-12-31T15:59:59Z",
                                  "2101-01-01T00:00:00+08:00", "9999-12-31T23:59:59Z"])
def test_a_date_time_outside_2000_to_2100_is_refused(press_api, estate, when):
    from communications.models import MediaInquiry, MediaMention

    response = press_api.post("/api/v1/media-inquiries/", {"journalist": "李", "outlet": "晚报", "question": "?",
                                                           "deadline": when, "estate": estate.pk}, format="json")
    assert list(_is_api_error(response, 400, "invalid")["errors"]) == ["deadline"]
    response = press_api.post("/api/v1/media-mentions/", {"source": "news", "excerpt": "x", "mentioned_at": when,
                                                          "estate": estate.pk}, format="json")
    assert list(_is_api_error(response, 400, "invalid")["errors"]) == ["mentioned_at"]
    assert not MediaInquiry.objects.exists() and not MediaMention.objects.exists()


def test_a_date_time_in_range_comes_back_with_a_whole_hour_offset(press_api, estate):
    response = press_api.post("/api/v1/media-mentions/", {"source": "news", "excerpt": "x", "mentioned_at": "2000-01-01T00:00:00+08:00",
                                                          "estate": estate.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["mentioned_at"] == "2000-01-01T00:00:00+08:00"


# --- what each operation answers is documented --------------------------------------------------

def _response_schema(schema, path, method, status):
    content = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    ref = content.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else content


def test_the_contact_log_is_documented_as_it_answers(press_api, estate):
    from communications.models import Stakeholder

    schema = _schema(press_api)
    path = "/api/v1/stakeholders/{id}/contacts/"
    assert _response_schema(schema, path, "get", "200")["type"] == "array"
    assert {p["name"] for p in schema["paths"][path]["get"]["parameters"]} == {"id"}
    assert "201" in schema["paths"][path]["post"]["responses"] and "200" not in schema["paths"][path]["post"]["responses"]
    person = Stakeholder.objects.create(kind="owners_committee", name="赵主任", estate=estate)
    assert press_api.post(f"/api/v1/stakeholders/{person.pk}/contacts/", {"summary": "通报"}, format="json").status_code == 201
    assert isinstance(press_api.get(f"/api/v1/stakeholders/{person.pk}/contacts/").json(), list)


def test_the_import_documents_its_plain_400_too(api, estate):
    schema = _schema(api)
    rejected = _response_schema(schema, "/api/v1/estates/{id}/import/", "post", "400")
    assert "rows" not in rejected.get("required", [])
    body = _is_api_error(api.post(f"/api/v1/estates/{estate.pk}/import/", {"kind": "pets"}, format="multipart"), 400, "invalid")
    assert set(body["errors"]) == {"kind", "file"}


def test_write_operations_document_refusals_for_the_objects_state(api):
    schema = _schema(api)
    for path, method in [("/api/v1/complaints/{number}/transition/", "post"), ("/api/v1/statements/{id}/publish/", "post"),
                         ("/api/v1/announcements/{id}/approve/", "post")]:
        assert "current state" in schema["paths"][path][method]["responses"]["400"]["description"]


# --- query strings: ids are whole numbers a key can hold ------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/residents/?estate=-1.7976931348623157e%2B308", "/api/v1/residents/?unit=99999999999999999999",
                                 "/api/v1/units/?estate=99999999999999999999", "/api/v1/units/?estate=1.5", "/api/v1/residents/?estate=0"])
def test_an_id_filter_no_key_can_hold_is_a_400(api, url):
    body = _is_api_error(api.get(url), 400, "invalid")
    assert list(body["errors"]) == [url.split("?")[1].split("=")[0]]


def test_id_filters_state_their_bounds(api):
    params = {p["name"]: p for p in _schema(api)["paths"]["/api/v1/residents/"]["get"]["parameters"]}
    assert params["estate"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


# --- The API's language: Accept-Language, as its documentation says --------------------------

def test_api_answers_follow_accept_language_and_default_to_chinese(api):
    english = api.get("/api/v1/units/0.5/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api.get("/api/v1/units/0.5/")
    assert english.json()["detail"] != chinese.json()["detail"]
    assert english.json()["detail"].isascii()
    assert not chinese.json()["detail"].isascii()


def test_pages_still_ignore_an_english_browser(client):
    assert "登录" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

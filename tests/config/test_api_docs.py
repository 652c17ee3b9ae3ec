"""The API docs a developer can use (/api/docs/, /api/schema/): every operation has a summary and
one of the declared tags (areas), each tag says what it covers, the description says how to sign
in, what is in scope, how errors, pages and limits work, and parameters read cleanly in both
languages. A new operation without a summary or with an undeclared tag fails here, named."""

from functools import cache

import pytest
from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@cache  # generating it takes seconds; nothing here changes it
def _schema(lang="en"):
    with translation.override(lang):
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path} ({operation['operationId']})", operation


def test_every_operation_has_a_summary_and_a_declared_tag():
    declared = [tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]]
    problems = []
    for name, operation in _operations(_schema()):
        if not str(operation.get("summary") or "").strip():
            problems.append(f"{name} has no summary: add extend_schema(summary=…) to its view")
        tags = operation.get("tags") or []
        if not tags:
            problems.append(f"{name} has no tag: add extend_schema(tags=[…]) to its view")
        for tag in tags:
            if tag not in declared:
                problems.append(f"{name} has tag {tag!r}, which is not declared: add it with a description to "
                                f"config/api/docs.py TAGS (declared: {', '.join(declared)})")
    assert not problems, "\n" + "\n".join(problems)


def test_summaries_are_short_and_say_different_things_within_a_tag():
    seen, problems = {}, []
    for name, operation in _operations(_schema()):
        summary = str(operation.get("summary") or "")
        if len(summary) > 100 or summary.endswith("."):
            problems.append(f"{name}: a summary is a short title without a full stop: {summary!r}")
        key = ((operation.get("tags") or [""])[0], summary)
        if summary and key in seen:
            problems.append(f"{name} has the same summary as {seen[key]}: {summary!r}")
        seen[key] = name
    assert not problems, "\n" + "\n".join(problems)


def test_every_declared_tag_is_described_and_used():
    used = {tag for _name, operation in _operations(_schema()) for tag in operation.get("tags") or []}
    for tag in settings.SPECTACULAR_SETTINGS["TAGS"]:
        assert str(tag.get("description") or "").strip(), f"tag {tag['name']!r} has no description"
        assert tag["name"] in used, f"tag {tag['name']!r} is declared but no operation carries it"


def test_the_description_says_how_to_sign_in_what_is_in_scope_and_how_errors_pages_and_limits_work():
    description = _schema()["info"]["description"]
    for what in ("/api/v1/auth/token/", "Authorization: Token", "404", '"detail"', '"code"', "errors",
                 "next", "page_size", "429", "Retry-After", "Accept-Language"):
        assert what in description, f"the API description does not mention {what!r}"
    assert "登录" in description and "分页" in description  # and says it in Chinese too


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_parameters_read_cleanly_in_each_language(lang):
    problems = []
    for name, operation in _operations(_schema(lang)):
        for parameter in operation.get("parameters", []):
            text = str(parameter.get("description") or "")
            if "unique integer value" in text or "唯一整数值" in text:
                problems.append(f"{name}: parameter {parameter['name']!r} has Django REST framework's stock text {text!r}")
            if parameter["in"] == "path" and not text.strip():
                problems.append(f"{name}: path parameter {parameter['name']!r} has no description")
            # A choice's values are listed with their labels, and a language is named in its own.
            prose = "\n".join(line for line in text.splitlines() if not line.startswith("* `"))
            if lang == "en" and any("\u4e00" <= ch <= "\u9fff" for ch in prose):
                problems.append(f"{name}: parameter {parameter['name']!r} is not English in the English schema: {text!r}")
    assert not problems, "\n" + "\n".join(problems)


def test_path_ids_are_named_in_the_readers_language():
    def description(lang, operation_id):
        for _name, operation in _operations(_schema(lang)):
            if operation["operationId"] == operation_id:
                return next(p["description"] for p in operation["parameters"] if p["in"] == "path")

    assert description("en", "v1_announcements_retrieve") == "The announcement's id."
    assert description("en", "v1_complaints_retrieve") == "The complaint's ticket number."


def test_the_served_schema_carries_the_tags_and_description(client):
    schema = client.get("/api/schema/", {"format": "json", "lang": "en"}).json()
    assert [tag["name"] for tag in schema["tags"]] == [tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]]
    assert "Authorization: Token" in schema["info"]["description"]

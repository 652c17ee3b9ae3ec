"""Translatable strings are written so makemessages can read them, and the Chinese says the right thing."""

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from owners.models import Role
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, UnitFactory, staff_member

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "node_modules", "tests", "migrations", "static", "staticfiles", ".git", "media"}

# Names the extractor knows (makemessages' xgettext keywords) and how many leading arguments are msgids.
GETTEXT_CALLS = {
    "_": 1, "gettext": 1, "gettext_lazy": 1, "gettext_noop": 1,
    "ngettext": 2, "ngettext_lazy": 2, "pgettext": 2, "pgettext_lazy": 2, "npgettext": 3, "npgettext_lazy": 3,
}


def _app_modules():
    for path in sorted(ROOT.rglob("*.py")):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def _call_name(node):
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _unreadable_gettext_calls(tree):
    """Calls xgettext cannot extract: a msgid that is not a plain literal, or a call inside an f-string."""
    inside_fstring = {id(n) for joined in ast.walk(tree) if isinstance(joined, ast.JoinedStr) for n in ast.walk(joined)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _call_name(node) not in GETTEXT_CALLS:
            continue
        msgids = node.args[:GETTEXT_CALLS[_call_name(node)]]
        if id(node) in inside_fstring:
            yield node.lineno, "gettext call inside an f-string"
        elif any(not (isinstance(a, ast.Constant) and isinstance(a.value, str)) for a in msgids):
            yield node.lineno, "msgid is not a string literal"


def test_every_translatable_string_is_a_literal_the_extractor_can_read():
    """`_(f"...")`, `_(variable)` or `f"{_('x')}"` pass silently and reach owners in English."""
    found = []
    for path in _app_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.relative_to(ROOT)}:{line}: {why}" for line, why in _unreadable_gettext_calls(tree)]
    assert found == []


def test_the_check_itself_catches_fstrings_and_variables():
    sample = ast.parse("_(f'x {y}')\n_(name)\nf\"{_('Details')}: {link}\"\n_('fine %(x)s') % {'x': 1}\n")
    assert [line for line, _why in _unreadable_gettext_calls(sample)] == [1, 2, 3]


def _header_texts(html):
    """The admin changelist's column headings, as a reader sees them."""
    import re

    return [(re.sub(r"<[^>]+>", "", h).split() or [""])[-1] for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html.partition('id="result_list"')[2], re.S)]


@pytest.mark.django_db
def test_admin_columns_name_a_ticket_number_and_a_place_name_in_chinese(client):
    """"number" and "name" were one msgid each: a ticket number read 房号 and an estate's name 姓名."""
    from complaints.models import Category
    from complaints.services import complaint_submit

    estate = EstateFactory()
    occupancy = OccupancyFactory(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    category = Category.objects.get_or_create(code="noise", defaults={"name": "噪音", "name_en": "Noise"})[0]
    complaint_submit(resident=occupancy.resident, category=category, description="楼上装修", unit=occupancy.unit)
    client.force_login(staff_member(estate, role=Role.ESTATE_MANAGER))
    headers = lambda name: _header_texts(client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())  # noqa: E731
    assert "工单号" in headers("admin:complaints_complaint_changelist")
    assert "小区名称" in headers("admin:owners_estate_changelist")
    assert "楼栋名称" in headers("admin:owners_building_changelist")
    assert "姓名" in headers("admin:owners_resident_changelist")  # a person keeps 姓名
    assert "房号" in headers("admin:owners_unit_changelist")  # and a unit its 房号

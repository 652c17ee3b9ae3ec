"""Translatable strings are written so makemessages can read them, and the Chinese says the right thing."""

import ast
from pathlib import Path

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

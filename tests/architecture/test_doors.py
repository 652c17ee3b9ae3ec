"""One door per state change: only services write the fields that carry a record's state.

A status, an approval, a publication, a read or an answer changes in a service function in an
app's `services/` package — which checks the lifecycle and the actor and writes the event row —
never in a view, form, serializer, admin, task, selector or model. Demo and benchmark data (which
must look historical) are the only exceptions. This test reads the code (it does not run it), so
a new second door fails here before it ships.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "owners", "communications", "complaints", "incidents", "config"]
# Fields that record where a record is in its life (status) or who moved it there and when.
STATE_FIELDS = {
    "status", "approved_by", "approved_at", "published_at", "read_at", "acknowledged_at",
    "answered_at", "answered_by", "cancelled_at", "cancelled_by", "closed_at", "resolved_at", "stage",
}
WRITING_CALLS = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}
EXEMPT_NAMES = {"demo.py", "benchmark.py"}


def _is_exempt(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "services" in parts or "migrations" in parts or "management" in parts or path.name in EXEMPT_NAMES


def state_writes(source: str) -> list[tuple[int, str]]:
    """(line, what) for every write of a state field in this source: `x.status = …`,
    `….update(status=…)` / `.create(read_at=…)`, and `bulk_update(…, ["status"])`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in STATE_FIELDS:
                found.append((node.lineno, f".{target.attr} = …"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITING_CALLS:
            for keyword in node.keywords:
                if keyword.arg in STATE_FIELDS:
                    found.append((node.lineno, f".{node.func.attr}({keyword.arg}=…)"))
            if node.func.attr == "bulk_update":
                for arg in node.args[1:]:
                    if isinstance(arg, (ast.List, ast.Tuple)) and any(
                        isinstance(e, ast.Constant) and e.value in STATE_FIELDS for e in arg.elts
                    ):
                        found.append((node.lineno, ".bulk_update(…, [state field])"))
    return found


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not _is_exempt(path):
                yield path


def test_state_fields_are_written_only_by_services():
    doors = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _app_modules()
        for line, what in state_writes(path.read_text(encoding="utf-8"))
    ]
    assert doors == [], "state written outside a service (route it through one in */services/):\n" + "\n".join(doors)


@pytest.mark.parametrize("snippet", [
    "def view(request, complaint):\n    complaint.status = 'closed'\n    complaint.save()\n",
    "Delivery.objects.filter(pk=1).update(read_at=now())\n",
    "Announcement.objects.create(title='x', status='approved')\n",
    "Statement.objects.bulk_update(rows, ['status'])\n",
])
def test_the_check_catches_a_second_door(snippet):
    assert state_writes(snippet), "the door check missed a state write"


def test_the_check_leaves_reads_and_comparisons_alone():
    assert state_writes("if complaint.status == 'closed':\n    x = complaint.status\nqs.filter(status='open')\n") == []

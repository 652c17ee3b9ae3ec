"""`manage.py benchmark pages` runs at a tiny size on the embedded database and prints a line for
every page, for each user, plus the flatness line against an earlier run (figures are not tested)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from complaints.models import Complaint, ComplaintEvent, ComplaintLink, ComplaintPhoto

pytestmark = pytest.mark.django_db


def test_benchmark_pages_runs_small_and_prints_every_page(tmp_path):
    saved = tmp_path / "small.json"
    out = StringIO()
    call_command("benchmark", "pages", complaints=40, estates=2, runs=1, save=str(saved), stdout=out)
    text = out.getvalue()
    results = json.loads(saved.read_text())["results"]
    pages = {r["page"] for r in results}
    assert len(pages) >= 25 and {"dashboard home", "queue: default (sidebar)", "owner: submit, no photos"} <= pages
    for row in results:
        assert row["page"] in text and row["median"] > 0 and row["p90"] >= row["median"] and row["queries"][0] > 0
    staff_pages = {r["page"] for r in results if r["user"] in ("company", "estate")}
    assert all({(p, "company"), (p, "estate")} <= {(r["page"], r["user"]) for r in results} for p in staff_pages)
    # The data set is realistic, and the submissions the benchmark made are not kept.
    assert Complaint.objects.count() == 40
    sample = Complaint.objects.order_by("id").first()
    assert ComplaintEvent.objects.filter(complaint=sample).count() == 50
    assert ComplaintPhoto.objects.filter(complaint=sample).count() == 6
    assert ComplaintLink.objects.filter(from_complaint=sample).count() == 3
    assert all(5 <= n <= 50 for n in [ComplaintEvent.objects.filter(complaint=c).count() for c in Complaint.objects.all()])
    assert any("，" in d and len(d) >= 20 for d in Complaint.objects.values_list("description", flat=True))

    again = StringIO()
    call_command("benchmark", "pages", complaints=40, estates=2, runs=1, only="dashboard home", compare=str(saved), stdout=again)
    assert "reusing the generated data" in again.getvalue()
    assert "flatness" in again.getvalue() and "dashboard home" in again.getvalue().split("flatness", 1)[1]

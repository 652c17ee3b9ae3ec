"""`manage.py benchmark incidents` runs at a tiny size on the embedded database: a line for every
incident page for both users, both sweeps twice, and nothing of its own left behind (figures are
not tested)."""

from io import StringIO

import pytest
from django.core.management import call_command

from communications.models import Announcement, Delivery, Statement
from complaints.models import Complaint
from incidents.models import Incident, IncidentAlert, IncidentEvent, Task, WarningSignal
from owners.models import User

pytestmark = pytest.mark.django_db


def test_benchmark_incidents_runs_small_prints_every_page_and_removes_its_data(monkeypatch):
    import incidents.benchmark as bench

    seen = {}
    generate = bench.bench_incidents_generate

    def spy(incidents, out, **kwargs):
        showcase = generate(incidents, out, **kwargs)
        seen["showcase"] = {"events": IncidentEvent.objects.filter(incident=showcase).count(),
                            "tasks": Task.objects.filter(incident=showcase).count(),
                            "complaints": showcase.complaint_links.count(),
                            "incidents": Incident.objects.count(),
                            "stages": set(Incident.objects.values_list("stage", flat=True)),
                            "titles": list(Incident.objects.values_list("title", flat=True)[:20])}
        return showcase

    monkeypatch.setattr(bench, "bench_incidents_generate", spy)
    out = StringIO()
    call_command("benchmark", "incidents", complaints=60, estates=2, incidents=80, runs=1, stdout=out)
    text = out.getvalue()

    assert seen["showcase"]["events"] == 500 and seen["showcase"]["tasks"] == 40 and seen["showcase"]["complaints"] == 3
    assert seen["showcase"]["incidents"] == 81
    assert {"closed", "response"} <= seen["showcase"]["stages"]
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in title) for title in seen["showcase"]["titles"])
    for label in ("incident list: default (open)", "incident page (500 entries, 40 tasks)", "API incidents, default",
                  "similar cases (incident), the card", "similar cases (incident)", "similar cases (signal)"):
        lines = [line for line in text.splitlines() if line.startswith(label)]
        assert {line.split()[-4] for line in lines} == {"company", "estate"}, text
    for label in ("deadline sweep (disclosure + tasks), first run", "deadline sweep (disclosure + tasks), again",
                  "early-warning evaluation, first run", "early-warning evaluation, again"):
        assert label in text
    # Nothing of the incidents part is kept; the complaints data set is.
    assert not Incident.objects.exists() and not IncidentAlert.objects.exists() and not WarningSignal.objects.exists()
    assert not Statement.objects.filter(title__startswith="BENCH 事件").exists()
    assert not Announcement.objects.filter(title__startswith="BENCH 紧急").exists()
    assert not Delivery.objects.filter(dedupe_key__startswith="incident:").exists()
    assert not User.objects.filter(username__startswith="bench-i-").exists()
    assert Complaint.objects.count() == 60

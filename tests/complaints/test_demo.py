"""The demo shows what an owner can do on the portal: a complaint withdrawn before anyone took
it up (through the service, with its timeline line) and preferred visit times."""

import pytest

from complaints.demo import seed_complaints
from complaints.models import Complaint, ComplaintEvent
from owners.demo import ESTATES, seed_owners
from owners.models import Estate

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_withdrawn_complaint_and_preferred_visit_times():
    seed_owners()
    estates = list(Estate.objects.filter(code__in=[e[0] for e in ESTATES]).order_by("id"))
    total = seed_complaints(estates)
    withdrawn = Complaint.objects.get(status="withdrawn")
    assert withdrawn.resident.user_id is not None and withdrawn.closed_at is not None
    event = ComplaintEvent.objects.get(complaint=withdrawn, to_status="withdrawn")
    assert event.actor_id == withdrawn.resident.user_id and event.public
    assert Complaint.objects.exclude(preferred_visit="").count() >= 3
    assert seed_complaints(estates) == total  # run again: nothing added

"""Complaint constants are defined once: the indexes, the SLA table and the queue mean the same lists."""

from complaints.models import Complaint, Priority, SlaPolicy
from complaints.models.complaints import AWAITING_RESPONSE_STATUSES, OPEN_STATUSES


def _statuses_of(index):
    return dict(index.condition.children)["status__in"]


def test_partial_indexes_cover_exactly_the_open_statuses():
    """A status added to OPEN_STATUSES must reach the indexes the queue and the sweep read, or
    those queries silently fall back to a scan of the whole table."""
    indexes = {index.name: index for index in Complaint._meta.indexes}
    for name in ("complaint_open_due_idx", "complaint_open_cat_due_idx", "complaint_open_all_due_idx", "complaint_resolution_due_idx"):
        assert list(_statuses_of(indexes[name])) == list(OPEN_STATUSES)
    assert list(_statuses_of(indexes["complaint_response_due_idx"])) == list(AWAITING_RESPONSE_STATUSES)


def test_sla_policies_offer_the_ticket_priorities():
    assert SlaPolicy._meta.get_field("priority").choices == Priority.choices
    assert set(SlaPolicy.DEFAULTS) == set(Priority.values)

"""Successive evaluation passes: each reads the texts written since the last one (a text never
changes), and still finds everything — a threat written between two passes, one written just
before a pass ended, and every old text again once the escalation words are changed. The
repeat-owner and spike rules as the set-based queries count them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint
from complaints.services import complaint_owner_message
from incidents.models import Rule, WarningRule, WarningSignal
from incidents.services.early_warning import early_warning_evaluate

pytestmark = pytest.mark.django_db


def _words_signals():
    return set(WarningSignal.objects.filter(rule=Rule.WORDS).values_list("subject_key", flat=True))


def test_a_threat_written_between_two_passes_is_found_by_the_next(owner, complaint_of):
    early_warning_evaluate()
    assert WarningRule.objects.get(rule=Rule.WORDS).read_until is not None
    complaint = complaint_of(owner, "再不处理我就找记者曝光")
    early_warning_evaluate()
    assert _words_signals() == {f"complaint:{complaint.pk}"}


def test_a_text_recorded_just_before_the_last_pass_ended_is_still_read(owner, complaint_of):
    """A row committed late carries a creation time before the last pass's end: the margin re-reads it."""
    early_warning_evaluate()
    complaint = complaint_of(owner, "我们准备找律师起诉物业")
    Complaint.objects.filter(pk=complaint.pk).update(created_at=WarningRule.objects.get(rule=Rule.WORDS).read_until - timedelta(minutes=5))
    early_warning_evaluate()
    assert _words_signals() == {f"complaint:{complaint.pk}"}


def test_new_escalation_words_are_looked_for_in_the_whole_window_again(owner, complaint_of, service):
    complaint = complaint_of(owner, "我们已经在业主群里约好了明天去街道办")
    early_warning_evaluate()
    assert _words_signals() == set()
    rule = WarningRule.objects.get(rule=Rule.WORDS)
    rule.keywords += "\n街道办"
    rule.save()  # as the admin does
    early_warning_evaluate()
    assert _words_signals() == {f"complaint:{complaint.pk}"}


def test_an_owners_message_between_passes_is_found(owner, complaint_of, service):
    complaint = complaint_of(owner)
    early_warning_evaluate()
    complaint_owner_message(complaint, user=owner, text="再不修好我们就拉横幅")
    early_warning_evaluate()
    assert any(key.startswith("message:") for key in _words_signals())


def test_an_owner_with_three_open_complaints_one_recent_is_signalled_once(owner, complaint_of):
    old = [complaint_of(owner, f"楼道灯坏了{i}") for i in range(2)]
    Complaint.objects.filter(pk__in=[c.pk for c in old]).update(created_at=timezone.now() - timedelta(days=3))
    early_warning_evaluate()
    assert not WarningSignal.objects.filter(rule=Rule.REPEAT_OWNER).exists()  # two open, none recent
    complaint_of(owner, "电梯又坏了")
    early_warning_evaluate()
    early_warning_evaluate()
    [signal] = WarningSignal.objects.filter(rule=Rule.REPEAT_OWNER)
    assert signal.subject_key == f"resident:{owner.resident.pk}" and len(signal.evidence["complaints"]) == 3


def test_a_buildings_spike_raised_by_an_earlier_pass_still_hides_the_estate_wide_one(estate, gas_category):
    from complaints.services import complaint_submit
    from tests.factories import BuildingFactory, OccupancyFactory, UnitFactory

    def complain(building, n, start):
        for i in range(n):
            o = OccupancyFactory(unit=UnitFactory(building=building, number=f"{i + start}01"))
            complaint_submit(resident=o.resident, unit=o.unit, category=gas_category, description="楼道里有很浓的燃气味")

    five, other = BuildingFactory(estate=estate, name="5号楼"), BuildingFactory(estate=estate, name="6号楼")
    complain(five, 5, 1)
    early_warning_evaluate()
    complain(other, 1, 7)  # the estate now has six, one building still five
    early_warning_evaluate()
    [signal] = WarningSignal.objects.filter(rule=Rule.SPIKE)
    assert signal.building == five


def test_more_threats_than_one_pass_reads_are_found_by_the_next_passes(owner, complaint_of, monkeypatch):
    from incidents.services import early_warning

    monkeypatch.setattr(early_warning, "TEXTS_MAX", 2)
    made = [complaint_of(owner, f"再不处理我就找媒体曝光（{i}）") for i in range(5)]
    for i, complaint in enumerate(made):
        Complaint.objects.filter(pk=complaint.pk).update(created_at=timezone.now() - timedelta(hours=5 - i))
    early_warning_evaluate()
    assert len(_words_signals()) == 2
    early_warning_evaluate()
    early_warning_evaluate()
    assert _words_signals() == {f"complaint:{c.pk}" for c in made}

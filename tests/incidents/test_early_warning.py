"""Early warning: each rule as the desk sees it (a signal with its evidence, the people on duty
told once), the Chinese matching choices, dismissing and promoting, and who sees what."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from communications.models import Delivery, MediaMention
from communications.services.media import mention_record
from complaints.models import Complaint, ComplaintEvent, SlaAlert
from complaints.services import complaint_owner_message, complaint_submit
from incidents.models import Incident, IncidentComplaint, Rule, WarningRule, WarningSignal
from incidents.selectors import warning_signal_list_for
from incidents.services.early_warning import early_warning_evaluate, warning_signal_dismiss, warning_signal_promote
from incidents.wording import matches
from owners.models import Role
from tests.factories import BuildingFactory, OccupancyFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def smell(gas_category):
    return gas_category


def _owners(building, n, start=1):
    return [OccupancyFactory(unit=UnitFactory(building=building, number=f"{i + start}01")) for i in range(n)]


def _complain(occupancies, category, text="楼道里有很浓的燃气味", at=None):
    made = [complaint_submit(resident=o.resident, unit=o.unit, category=category, description=text) for o in occupancies]
    if at is not None:
        Complaint.objects.filter(pk__in=[c.pk for c in made]).update(created_at=at)
    return made


def _signals(rule=None):
    qs = WarningSignal.objects.all()
    return list(qs.filter(rule=rule) if rule else qs)


def _told(user):
    return Delivery.objects.filter(user=user, topic="incident.warning_signal").count()


# --- complaint spike ------------------------------------------------------------------------------

def test_five_smell_complaints_in_one_building_in_an_afternoon_raise_one_signal_with_their_evidence(estate, smell, manager, service):
    building = BuildingFactory(estate=estate, name="5号楼")
    made = _complain(_owners(building, 5), smell)
    early_warning_evaluate()
    [signal] = _signals(Rule.SPIKE)
    assert signal.building == building and signal.estate == estate and signal.category == smell
    assert sorted(signal.evidence["complaints"]) == sorted(c.pk for c in made)
    assert "5号楼" in signal.title
    assert _told(manager) == 1 and _told(service) == 1


def test_evaluating_again_raises_nothing_new_and_tells_nobody_twice(estate, smell, manager):
    _complain(_owners(BuildingFactory(estate=estate), 5), smell)
    early_warning_evaluate()
    early_warning_evaluate()
    assert len(_signals(Rule.SPIKE)) == 1 and _told(manager) == 1


def test_four_complaints_are_no_spike(estate, smell, manager):
    _complain(_owners(BuildingFactory(estate=estate), 4), smell)
    early_warning_evaluate()
    assert _signals(Rule.SPIKE) == []


def test_a_place_that_always_gets_this_many_is_not_spiking(estate, smell):
    """Compared with its own history: 14 complaints over the previous two days is about two per
    six hours; five now is under three times that."""
    WarningRule.objects.filter(rule=Rule.SPIKE).update(baseline_days=2)
    building = BuildingFactory(estate=estate)
    _complain(_owners(building, 14), smell, at=timezone.now() - timedelta(hours=20))
    _complain(_owners(building, 5, start=20), smell)
    early_warning_evaluate()
    assert _signals(Rule.SPIKE) == []


def test_a_switched_off_rule_raises_nothing(estate, smell):
    WarningRule.objects.filter(rule=Rule.SPIKE).update(enabled=False)
    _complain(_owners(BuildingFactory(estate=estate), 6), smell)
    early_warning_evaluate()
    assert _signals(Rule.SPIKE) == []


# --- escalation words ------------------------------------------------------------------------------

WORDS = ["曝光", "媒体", "记者", "律师", "投诉到12345", "拉横幅", "不交物业费"]


def test_media_matches_inside_a_sentence_without_spaces():
    """Chinese has no spaces: jieba segments "再不处理我就找媒体曝光" into 找/媒体/曝光, so both words
    are found as words."""
    assert matches("再不处理我就找媒体曝光", WORDS) == ["曝光", "媒体"]


def test_press_card_field_does_not_fire_journalist():
    """"记者证号码栏" (the press-card number field of a form) is about a card, not a threat to call
    a journalist: 记者证 is in our dictionary, so it is cut 记者证/号码/栏 and 记者 is not a word of
    it. (jieba alone cuts 记者/证号码/栏 and would fire.) A plain "我要找记者" still fires."""
    assert matches("请填写记者证号码栏", WORDS) == []
    assert matches("我要找记者来看看", WORDS) == ["记者"]


def test_a_word_inside_a_longer_word_is_not_that_word():
    """多媒体 (multimedia) is not 媒体 (the media): a broken projector is no threat."""
    assert matches("多媒体教室的投影坏了", WORDS) == []


def test_configured_phrases_are_kept_whole():
    """Phrases jieba would split (拉/横幅, 不/交/物业费) are added to the dictionary and match."""
    assert matches("我们要拉横幅", WORDS) == ["拉横幅"]
    assert matches("再不修我就不交物业费了", WORDS) == ["不交物业费"]
    assert matches("已经投诉到12345了", WORDS) == ["投诉到12345"]


def test_an_owner_threatening_the_media_in_a_complaint_raises_a_signal(owner, complaint_of, manager):
    complaint = complaint_of(owner, "装修垃圾堆在楼道一个星期了，再不处理我就找媒体曝光")
    complaint_of(owner, "请填写记者证号码栏")
    early_warning_evaluate()
    [signal] = _signals(Rule.WORDS)
    assert signal.evidence["complaints"] == [complaint.pk]
    assert signal.evidence["matches"][0]["words"] == ["曝光", "媒体"]
    assert _told(manager) == 1


def test_an_owners_message_on_a_ticket_is_read_too(owner, complaint_of, manager):
    complaint = complaint_of(owner, "电梯又坏了")
    complaint_owner_message(complaint, user=owner, text="已经一个星期了，我已经找了律师")
    early_warning_evaluate()
    [signal] = _signals(Rule.WORDS)
    assert signal.evidence["complaints"] == [complaint.pk] and signal.evidence["events"]


def test_a_media_mention_with_escalation_words_raises_a_signal(estate, manager):
    mention_record(actor=manager, source=MediaMention.Source.OWNER_GROUP, excerpt="业主们准备明天拉横幅", estate=estate)
    early_warning_evaluate()
    [signal] = _signals(Rule.WORDS)
    assert signal.evidence["mentions"]


# --- media reach, owners, SLA ----------------------------------------------------------------------

def test_a_widely_shared_negative_post_raises_a_signal_and_a_small_one_does_not(estate, manager, spokesperson):
    mention_record(actor=manager, source=MediaMention.Source.WEIBO, excerpt="电梯划痕没人管", estate=estate,
                   sentiment=MediaMention.Sentiment.NEGATIVE, reach=30000)
    mention_record(actor=manager, source=MediaMention.Source.WEIBO, excerpt="小区绿化不错", estate=estate,
                   sentiment=MediaMention.Sentiment.NEGATIVE, reach=200)
    early_warning_evaluate()
    [signal] = _signals(Rule.MEDIA_REACH)
    assert signal.evidence["reach"] == 30000
    assert _told(spokesperson) == 1


def test_an_owner_with_three_unresolved_complaints_raises_one_signal(owner, complaint_of, manager):
    made = [complaint_of(owner, text) for text in ("噪音扰民", "车位被占", "垃圾没人收")]
    early_warning_evaluate()
    complaint_of(owner, "第四件事")
    early_warning_evaluate()
    [signal] = _signals(Rule.REPEAT_OWNER)
    assert set(made) <= set(Complaint.objects.filter(pk__in=signal.evidence["complaints"]))


def test_a_complaint_reopened_twice_raises_a_signal(owner, complaint_of):
    complaint = complaint_of(owner)
    # Two reopenings on its timeline (as the lifecycle writes them).
    for _n in range(2):
        ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.TRANSITION, from_status="resolved", to_status="reopened")
    early_warning_evaluate()
    [signal] = _signals(Rule.REOPENED)
    assert signal.evidence["complaints"] == [complaint.pk]


def test_sla_breaches_piling_up_in_one_estate_raise_a_signal(estate, smell, manager):
    made = _complain(_owners(BuildingFactory(estate=estate), 5), smell, text="门口路灯坏了")
    for c in made:
        SlaAlert.objects.create(complaint=c, kind=SlaAlert.Kind.RESPONSE_BREACH, due_at=c.response_due_at)
    early_warning_evaluate()
    [signal] = _signals(Rule.SLA_PILEUP)
    assert sorted(signal.evidence["complaints"]) == sorted(c.pk for c in made)


# --- decisions and scope --------------------------------------------------------------------------

@pytest.fixture
def signal(owner, complaint_of):
    complaint_of(owner, "再不处理我就找媒体曝光")
    early_warning_evaluate()
    return WarningSignal.objects.get(rule=Rule.WORDS)


def test_dismissing_needs_a_reason_and_decides_once(signal, service):
    with pytest.raises(ValidationError):
        warning_signal_dismiss(signal, actor=service, reason="  ")
    warning_signal_dismiss(signal, actor=service, reason="已电话沟通，业主情绪平复")
    signal.refresh_from_db()
    assert signal.status == "dismissed" and signal.dismissed_reason == "已电话沟通，业主情绪平复" and signal.decided_by == service
    with pytest.raises(ValidationError):
        warning_signal_promote(signal, actor=service)


def test_promoting_opens_one_warning_stage_incident_with_the_evidence_linked(signal, service):
    incident, created = warning_signal_promote(signal, actor=service, kind="media", level="yellow")
    assert created and incident.stage == "warning" and incident.source == Incident.Source.SIGNAL and incident.level == "yellow"
    assert list(IncidentComplaint.objects.filter(incident=incident).values_list("complaint_id", flat=True)) == signal.evidence["complaints"]
    again, created = warning_signal_promote(signal, actor=service)
    assert again == incident and not created
    signal.refresh_from_db()
    assert signal.status == "promoted" and signal.incident == incident


def test_staff_of_another_estate_cannot_see_or_decide(signal, outsider):
    assert not warning_signal_list_for(outsider).exists()
    with pytest.raises(PermissionDenied):
        warning_signal_dismiss(signal, actor=outsider, reason="不是我们的")
    with pytest.raises(PermissionDenied):
        warning_signal_promote(signal, actor=outsider)


def test_owners_never_see_signals(signal, owner):
    assert not warning_signal_list_for(owner).exists()


def test_company_wide_staff_see_every_estates_signals(signal):
    admin = staff_member(None, role=Role.COMPANY_ADMIN, email="boss@example.com")
    assert list(warning_signal_list_for(admin)) == [signal]


# --- races (PostgreSQL) ---------------------------------------------------------------------------

def _race(*calls):
    results, barrier = [], threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            results.append(call())
        except (ValidationError, PermissionDenied) as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return results


@pytest.mark.django_db(transaction=True)
def test_two_evaluations_at_once_raise_and_tell_once(estate, smell, manager):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL to run two evaluations in parallel transactions")
    _complain(_owners(BuildingFactory(estate=estate), 5), smell)
    now = timezone.now()
    results = _race(lambda: early_warning_evaluate(now), lambda: early_warning_evaluate(now))
    assert sorted(r[Rule.SPIKE] for r in results) == [0, 1]
    assert len(_signals(Rule.SPIKE)) == 1 and _told(manager) == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_promoting_at_once_make_one_incident(owner, complaint_of, service, manager):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks to race two transactions")
    complaint_of(owner, "再不处理我就找媒体曝光")
    early_warning_evaluate()
    signal = WarningSignal.objects.get(rule=Rule.WORDS)
    results = _race(lambda: warning_signal_promote(WarningSignal.objects.get(pk=signal.pk), actor=service),
                    lambda: warning_signal_promote(WarningSignal.objects.get(pk=signal.pk), actor=manager))
    assert Incident.objects.filter(source=Incident.Source.SIGNAL).count() == 1
    assert sorted(created for _incident, created in results) == [False, True]

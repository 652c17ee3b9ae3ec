"""Early warning: the periodic evaluation that raises signals, and the two decisions staff take
on one (dismiss with a reason, promote to a warning-stage incident).

Each rule is a few set-based queries over recent rows (the window of its WarningRule); what
passes becomes a candidate keyed by (rule, subject, window). A candidate is raised by inserting
its row under the unique constraint and, in the same transaction, recording the notices to the
people on duty: an evaluation that runs twice, is retried, or runs on two schedulers at once
raises and notifies once (the second insert waits for the first and fails).
"""

import logging
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.models import MediaMention
from complaints.models import Category, Complaint, ComplaintEvent, SlaAlert
from complaints.models.complaints import OPEN_STATUSES, Status
from owners.models import Building, Estate, Role
from owners.selectors import estate_managers, staff_with_roles

from ..models import Incident, IncidentComplaint, IncidentEvent, IncidentMention, Kind, Rule, WarningRule, WarningSignal
from ..permissions import signal_can_decide
from ..wording import signal_title
from .common import event, require, text
from .incidents import _create
from .notify import signal_tell

log = logging.getLogger("lighthouse.incidents")
EVIDENCE_MAX = 50  # complaint or mention ids kept as evidence per signal
READ_MARGIN = timedelta(minutes=15)  # texts re-read from before the last pass's end (a transaction committing late)
TEXTS_MAX = 5000  # texts of one kind holding an escalation word read per pass (one in 200 of a day's complaints at 1M: ~200)
EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday: windows are counted from here in whole hours


def _bucket(now, hours: int):
    """The fixed window of `hours` that holds `now` (so a re-run in it finds the same key)."""
    hours = max(hours, 1)
    index = int((now - EPOCH).total_seconds() // (hours * 3600))
    start = EPOCH + timedelta(hours=hours * index)
    return start, start + timedelta(hours=hours)


def _candidate(rule, subject_key, window, *, estate_id, params, evidence, score=1.0, building_id=None, category_id=None,
               names=None):
    """One signal to raise. Its summary is worded from `params` when read (incidents.wording);
    `title` keeps it in the evaluation's language as text for similar cases. `names` gives the
    place and category names the wording reads from the signal's relations."""
    signal = WarningSignal(rule=rule, params=params, estate_id=estate_id, building_id=building_id, category_id=category_id)
    for field, value in (names or {}).items():
        setattr(signal, field, value)
    return {"rule": rule, "subject_key": subject_key[:80], "window_start": window[0], "window_end": window[1],
            "estate_id": estate_id, "building_id": building_id, "category_id": category_id, "params": params,
            "title": signal_title(signal)[:200], "evidence": evidence, "score": round(float(score), 2)}


# --- the rules -----------------------------------------------------------------------------------

def spike_candidates(rule: WarningRule, now) -> list[dict]:
    """At least `min_count` complaints of one category in one building (else in one estate) within
    the window, and at least `ratio` times what that place usually gets in such a window over its
    own last `baseline_days` — so a large estate is not always "spiking".

    Two queries, both index-only scans of ew_complaint_created_cover_idx (creation time with the
    estate, building and category): the window's complaints, counted here, and the candidates'
    history, counted by the database per building and category."""
    hours = rule.window_hours
    since, history_from = now - timedelta(hours=hours), now - timedelta(days=rule.baseline_days)
    recent = list(Complaint.objects.filter(created_at__gt=since, created_at__lte=now).order_by("-created_at")
                  .values_list("id", "estate_id", "building_id", "category_id"))
    counts = {}
    for _pk, estate_id, building_id, category_id in recent:
        for key in {(estate_id, building_id, category_id), (estate_id, None, category_id)}:
            counts[key] = counts.get(key, 0) + 1
    groups = {key: n for key, n in counts.items() if n >= rule.min_count}
    if not groups:
        return []
    window = _bucket(now, hours)
    # A place signalled in this window already passed: its history is not read again (a pass
    # that finds nothing new reads no history at all). It still counts below, so an estate-wide
    # spike stays hidden behind a building's.
    raised = set(WarningSignal.objects.filter(rule=Rule.SPIKE, window_start=window[0]).values_list("subject_key", flat=True))
    passed = {key: (n, 0.0) for key, n in groups.items() if _spike_subject(key) in raised}
    unknown = {key: n for key, n in groups.items() if key not in passed}
    # The places' own history, before the window: one grouped query over the candidates only.
    past = {}
    if unknown:
        for r in (Complaint.objects.filter(created_at__gte=history_from, created_at__lte=since,
                                           estate_id__in={k[0] for k in unknown}, category_id__in={k[2] for k in unknown})
                  .values("estate_id", "building_id", "category_id").annotate(n=Count("category_id")).order_by()):
            for key in {(r["estate_id"], r["building_id"], r["category_id"]), (r["estate_id"], None, r["category_id"])}:
                past[key] = past.get(key, 0) + r["n"]
    windows_in_history = max((rule.baseline_days * 24 - hours) / hours, 1)
    for key, n in unknown.items():
        usual = past.get(key, 0) / windows_in_history
        if n >= rule.ratio * usual:
            passed[key] = (n, usual)
    # An estate-wide spike that is one building's spike says nothing new.
    building_places = {(e, c) for (e, b, c) in passed if b is not None}
    passed = {k: v for k, v in passed.items() if (k[1] is not None or (k[0], k[2]) not in building_places)
              and _spike_subject(k) not in raised}  # (raised already: nothing new)
    if not passed:
        return []
    ids = {}
    for pk, estate_id, building_id, category_id in recent:  # newest first
        for key in {(estate_id, building_id, category_id), (estate_id, None, category_id)}:
            if key in passed and len(ids.setdefault(key, [])) < EVIDENCE_MAX:
                ids[key].append(pk)
    names = _names(passed)
    out = []
    for (estate_id, building_id, category_id), (n, usual) in passed.items():
        subject = _spike_subject((estate_id, building_id, category_id))
        out.append(_candidate(Rule.SPIKE, subject, window, estate_id=estate_id, building_id=building_id, category_id=category_id,
                              params={"count": n, "hours": hours}, score=n / max(usual, 1.0),
                              names={"estate": names["estates"].get(estate_id), "building": names["buildings"].get(building_id),
                                     "category": names["categories"].get(category_id)},
                              evidence={"complaints": ids.get((estate_id, building_id, category_id), []), "count": n,
                                        "usual": round(usual, 2)}))
    return out


def _spike_subject(key) -> str:
    estate_id, building_id, category_id = key
    return f"spike:e{estate_id}:b{building_id or 0}:c{category_id}"


def _names(keys):
    """The estates, buildings and categories of (estate, building, category) keys, by id."""
    return {"estates": Estate.objects.only("id", "name").in_bulk({k[0] for k in keys}),
            "buildings": Building.objects.only("id", "name").in_bulk({k[1] for k in keys if k[1]}),
            "categories": Category.objects.in_bulk({k[2] for k in keys})}


def words_candidates(rule: WarningRule, now) -> list[dict]:
    """Escalation words in complaint descriptions, owners' messages on their tickets and media
    mentions recorded within the window: the database narrows to texts containing one of the
    words as a substring, segmentation (incidents.wording) decides. One signal per text.

    A text does not change, so a pass reads only the texts recorded since the last pass that
    finished (`rule.read_until`, less READ_MARGIN for rows committed late), within the window;
    the first pass, or one after the words changed, reads the whole window."""
    from ..wording import matcher, prefilter

    words = rule.keyword_list
    if not words:
        return []
    since = now - timedelta(hours=rule.window_hours)
    if rule.read_until is not None and rule.read_until <= now and rule.updated_at <= rule.read_until:
        since = max(since, rule.read_until - READ_MARGIN)
    contains = prefilter(words)

    def any_of(field):
        q = Q()
        for word in contains:
            q |= Q(**{f"{field}__contains": word})
        return q

    # Texts already signalled (subject keys are per text) are not segmented again.
    known = set(WarningSignal.objects.filter(rule=Rule.WORDS, window_start__gt=since).values_list("subject_key", flat=True))
    out = []
    texts = [
        ("complaint", Complaint.objects.filter(any_of("description"), created_at__gt=since, created_at__lte=now)
         .values_list("id", "description", "created_at", "estate_id", "building_id", "id", "number")),
        ("message", ComplaintEvent.objects.filter(any_of("body"), kind=ComplaintEvent.Kind.OWNER_MESSAGE, created_at__gt=since,
                                                  created_at__lte=now)
         .values_list("id", "body", "created_at", "complaint__estate_id", "complaint__building_id", "complaint_id", "complaint__number")),
        ("mention", MediaMention.objects.filter(any_of("excerpt"), created_at__gt=since, created_at__lte=now)
         .values_list("id", "excerpt", "created_at", "estate_id", "id", "id", "source")),
    ]
    find = matcher(words)  # the words segmented once for every text of the pass
    rule.read_to = now  # how far every text was read (earlier if one kind had more than TEXTS_MAX)
    for kind, rows in texts:
        signalled = [int(key.split(":")[1]) for key in known if key.startswith(f"{kind}:")]
        rows = list(rows.exclude(id__in=signalled).order_by("created_at")[:TEXTS_MAX + 1])
        if len(rows) > TEXTS_MAX:
            rows = rows[:TEXTS_MAX]
            rule.read_to = min(rule.read_to, rows[-1][2])  # the next pass goes on from here
        for pk, body, at, estate_id, building_id, link_id, label in rows:
            if f"{kind}:{pk}" in known:
                continue
            found = find(body)
            if not found:
                continue
            if kind == "mention":
                building_id, evidence = None, {"mentions": [pk]}
            else:
                evidence = {"complaints": [link_id]} | ({"events": [pk]} if kind == "message" else {})
            evidence["matches"] = [{"kind": kind, "id": pk, "words": found, "text": body[:300]}]
            params = {"words": found, "what": kind} | ({} if kind == "mention" else {"number": label})
            out.append(_candidate(Rule.WORDS, f"{kind}:{pk}", (at, at), estate_id=estate_id, building_id=building_id,
                                  params=params, evidence=evidence, score=len(found)))
    return out


def media_reach_candidates(rule: WarningRule, now) -> list[dict]:
    """A negative media mention recorded within the window reaching at least `reach_threshold`."""
    since = now - timedelta(hours=rule.window_hours)
    rows = (MediaMention.objects.filter(sentiment=MediaMention.Sentiment.NEGATIVE, reach__gte=rule.reach_threshold,
                                        created_at__gt=since, created_at__lte=now)
            .values_list("id", "estate_id", "reach", "excerpt", "mentioned_at"))
    return [_candidate(Rule.MEDIA_REACH, f"mention:{pk}", (at, at), estate_id=estate_id,
                       params={"reach": reach, "excerpt": excerpt[:60]}, evidence={"mentions": [pk], "reach": reach}, score=reach / max(rule.reach_threshold, 1))
            for pk, estate_id, reach, excerpt, at in rows[:500]]


def repeat_owner_candidates(rule: WarningRule, now) -> list[dict]:
    """An owner with `min_count` or more unresolved complaints, one of them recent (the window),
    or the same complaint reopened `min_count` times (the REOPENED rule, below). Keyed by the
    complaint that brought the count to `min_count`: later ones add nothing new.

    The owners are found by one grouped index-only scan of ew_complaint_open_owner_idx (the
    open complaints by owner, with their creation time): its cost follows the open tickets, not
    the table."""
    since = now - timedelta(hours=24)
    owners = (Complaint.objects.filter(status__in=OPEN_STATUSES).values("resident_id")
              .annotate(n=Count("resident_id"), last=Max("created_at")).filter(n__gte=rule.min_count, last__gt=since)
              .values("resident_id").order_by())
    rows = (Complaint.objects.filter(status__in=OPEN_STATUSES, resident_id__in=owners)
            .order_by("resident_id", "created_at", "id").values_list("resident_id", "id", "created_at", "estate_id", "building_id",
                                                                     "resident__name"))
    per_owner = {}
    for row in rows:
        per_owner.setdefault(row[0], []).append(row)
    out = []
    for resident_id, items in per_owner.items():
        nth = items[rule.min_count - 1]
        out.append(_candidate(Rule.REPEAT_OWNER, f"resident:{resident_id}", (nth[2], nth[2]), estate_id=nth[3], building_id=nth[4],
                              params={"name": items[0][5], "count": len(items)}, evidence={"complaints": [i[1] for i in items][:EVIDENCE_MAX], "resident": resident_id},
                              score=len(items) / rule.min_count))
    return out


def reopened_candidates(rule: WarningRule, now) -> list[dict]:
    """A complaint reopened `min_count` times (counted within the window), once per complaint."""
    since = now - timedelta(hours=rule.window_hours)
    reopens = ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.TRANSITION, to_status=Status.REOPENED,
                                            created_at__gt=since, created_at__lte=now)
    complaints = reopens.values("complaint_id").annotate(n=Count("id")).filter(n__gte=rule.min_count).values("complaint_id")
    rows = (reopens.filter(complaint_id__in=complaints).order_by("complaint_id", "created_at", "id")
            .values_list("complaint_id", "created_at", "complaint__estate_id", "complaint__building_id", "complaint__number"))
    per = {}
    for row in rows:
        per.setdefault(row[0], []).append(row)
    out = []
    for complaint_id, items in per.items():
        nth = items[rule.min_count - 1]
        out.append(_candidate(Rule.REOPENED, f"complaint:{complaint_id}", (nth[1], nth[1]), estate_id=nth[2], building_id=nth[3],
                              params={"number": nth[4], "count": len(items)},
                              evidence={"complaints": [complaint_id]}, score=len(items) / rule.min_count))
    return out


def sla_pileup_candidates(rule: WarningRule, now) -> list[dict]:
    """At least `min_count` SLA breaches (first response or resolution) in one estate within the
    window; once per estate per window."""
    since = now - timedelta(hours=rule.window_hours)
    breaches = SlaAlert.objects.filter(kind__in=[SlaAlert.Kind.RESPONSE_BREACH, SlaAlert.Kind.RESOLUTION_BREACH],
                                       created_at__gt=since, created_at__lte=now)
    estates = {r["complaint__estate_id"]: r["n"] for r in
               breaches.values("complaint__estate_id").annotate(n=Count("id")).filter(n__gte=rule.min_count)}
    if not estates:
        return []
    ids = {}
    for estate_id, complaint_id in breaches.filter(complaint__estate_id__in=estates).values_list("complaint__estate_id", "complaint_id"):
        if len(ids.setdefault(estate_id, [])) < EVIDENCE_MAX and complaint_id not in ids[estate_id]:
            ids[estate_id].append(complaint_id)
    names = Estate.objects.only("id", "name").in_bulk(estates)
    window = _bucket(now, rule.window_hours)
    return [_candidate(Rule.SLA_PILEUP, f"estate:{estate_id}", window, estate_id=estate_id,
                       params={"count": n, "hours": rule.window_hours}, names={"estate": names.get(estate_id)},
                       evidence={"complaints": ids.get(estate_id, []), "count": n}, score=n / rule.min_count)
            for estate_id, n in estates.items()]


EVALUATORS = {
    Rule.SPIKE: spike_candidates,
    Rule.WORDS: words_candidates,
    Rule.MEDIA_REACH: media_reach_candidates,
    Rule.REPEAT_OWNER: repeat_owner_candidates,
    Rule.REOPENED: reopened_candidates,
    Rule.SLA_PILEUP: sla_pileup_candidates,
}


# --- raising -------------------------------------------------------------------------------------

def duty_staff(signal) -> list:
    """Who is told: the estate's managers (the company administrators when it has none) and its
    service staff; for media signals, the spokespeople too. A signal of no estate: the
    company-wide administrators and spokespeople."""
    media = signal.rule == Rule.MEDIA_REACH or "mentions" in signal.evidence
    if signal.estate_id is None:
        return list(staff_with_roles([], [Role.COMPANY_ADMIN, Role.SPOKESPERSON]).order_by("pk"))
    roles = [Role.SERVICE, Role.SPOKESPERSON] if media else [Role.SERVICE]
    people = {u.pk: u for u in staff_with_roles([signal.estate_id], roles, company_wide=False)}
    people.update({u.pk: u for u in estate_managers(signal.estate_id)})
    return [people[k] for k in sorted(people)]


def _raise_once(candidate, staff_cache=None) -> WarningSignal | None:
    """Insert the signal and record its notices in one transaction; None if it was raised already
    (by an earlier or a concurrent evaluation). `staff_cache` keeps who is on duty per estate
    for the rest of one evaluation pass."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                signal = WarningSignal.objects.create(**candidate)
        except IntegrityError:
            return None
        key = (signal.estate_id, signal.rule == Rule.MEDIA_REACH or "mentions" in signal.evidence)
        people = staff_cache[key] if staff_cache is not None and key in staff_cache else duty_staff(signal)
        if staff_cache is not None:
            staff_cache[key] = people
        signal_tell(signal, people, lambda: _("Early-warning signal: %(title)s. Decide whether it needs an incident.")
                    % {"title": signal.headline})
    return signal


def warning_rules():
    """The rules, each row created with the defaults of the seeding migration if it is missing
    (a database flushed by tests, a rule added later): a missing row never silences a rule."""
    from ..warning_defaults import RULES

    have = set(WarningRule.objects.values_list("rule", flat=True))
    missing = [WarningRule(rule=rule, **values) for rule, values in RULES.items() if rule not in have]
    if missing:
        WarningRule.objects.bulk_create(missing, ignore_conflicts=True)
    return WarningRule.objects.filter(enabled=True)


def early_warning_evaluate(now=None) -> dict:
    """Apply every enabled rule to recent data and raise what passes, once per rule, subject and
    window. Returns how many signals each rule raised. A rule that fails is logged and skipped;
    the next run tries it again."""
    now = now or timezone.now()
    raised, staff_cache = {}, {}
    for rule in warning_rules():
        evaluate = EVALUATORS.get(rule.rule)
        if evaluate is None:
            continue
        try:
            candidates = evaluate(rule, now)
            known = set(WarningSignal.objects.filter(rule=rule.rule, subject_key__in=[c["subject_key"] for c in candidates])
                        .values_list("subject_key", "window_start")) if candidates else set()
            raised[rule.rule] = sum(1 for c in candidates
                                    if (c["subject_key"], c["window_start"]) not in known and _raise_once(c, staff_cache) is not None)
            if rule.rule == Rule.WORDS:  # every text up to `read_to` is read and its signals raised
                read_to = getattr(rule, "read_to", now)
                WarningRule.objects.filter(pk=rule.pk).filter(Q(read_until__isnull=True) | Q(read_until__lt=read_to)).update(
                    read_until=read_to)
        except Exception:
            log.exception("Early-warning rule %s failed; the next evaluation tries again", rule.rule)
            raised[rule.rule] = 0
    return raised


# --- decisions ------------------------------------------------------------------------------------

def _locked(signal) -> WarningSignal:
    return WarningSignal.objects.select_for_update(of=("self",)).get(pk=signal.pk)


@transaction.atomic
def warning_signal_dismiss(signal, *, actor, reason: str) -> WarningSignal:
    """Close a signal as not needing an incident, with the reason (shown on the signal page)."""
    signal = _locked(signal)
    require(signal_can_decide(actor, signal), _("You may not decide on this estate's signals."))
    if not signal.is_open:
        raise ValidationError(_("This signal has already been decided."), code="decided")
    signal.dismissed_reason = text(reason, "reason", limit=1000)
    signal.status, signal.decided_by, signal.decided_at = WarningSignal.Status.DISMISSED, actor, timezone.now()
    signal.save(update_fields=["status", "dismissed_reason", "decided_by", "decided_at"])
    return signal


KIND_OF_RULE = {Rule.MEDIA_REACH: Kind.MEDIA, Rule.SLA_PILEUP: Kind.OTHER, Rule.SPIKE: Kind.OTHER}


@transaction.atomic
def warning_signal_promote(signal, *, actor, kind: str = "", level: str = "", title: str = "") -> tuple[Incident, bool]:
    """Open a warning-stage incident from a signal, linking its evidence (complaints and mentions
    that belong to no incident yet). Once: the signal's row is locked first, so a second
    promotion, even at the same moment, returns the first one's incident. Returns (incident, created)."""
    signal = _locked(signal)
    require(signal_can_decide(actor, signal), _("You may not decide on this estate's signals."))
    if signal.status == WarningSignal.Status.PROMOTED:
        return Incident.objects.get(pk=signal.incident_id), False
    if signal.status == WarningSignal.Status.DISMISSED:
        raise ValidationError(_("A dismissed signal cannot be promoted."), code="decided")
    if signal.estate_id is None:
        raise ValidationError(_("Set the estate of the mention behind this signal before raising an incident from it."))
    complaint_ids = [int(i) for i in signal.evidence.get("complaints", [])]
    mention_ids = [int(i) for i in signal.evidence.get("mentions", [])]
    complaints = list(Complaint.objects.select_for_update(of=("self",)).filter(pk__in=complaint_ids, estate_id=signal.estate_id)
                      .order_by("pk"))
    buildings = list(Building.objects.filter(pk=signal.building_id)) if signal.building_id else []
    incident = _create(actor=actor, estate=Estate.objects.get(pk=signal.estate_id), kind=kind or KIND_OF_RULE.get(signal.rule, Kind.OTHER),
                       level=level, title=title or signal.headline, description=_signal_description(signal),
                       source=Incident.Source.SIGNAL, buildings=buildings, params={"signal": signal.pk, "rule": signal.rule})
    taken = set(IncidentComplaint.objects.filter(complaint_id__in=complaint_ids).values_list("complaint_id", flat=True))
    for complaint in complaints:
        if complaint.pk not in taken:
            IncidentComplaint.objects.create(incident=incident, complaint=complaint, linked_by=actor)
            event(incident, IncidentEvent.Kind.COMPLAINT_LINKED, actor, params={"number": complaint.number, "complaint": complaint.pk})
    mentions = MediaMention.objects.filter(pk__in=mention_ids, estate_id=signal.estate_id).exclude(
        pk__in=IncidentMention.objects.values("mention_id"))
    for mention in mentions:
        IncidentMention.objects.create(incident=incident, mention=mention, linked_by=actor)
        event(incident, IncidentEvent.Kind.MENTION_LINKED, actor, params={"mention": mention.pk, "excerpt": mention.excerpt[:200]})
    signal.status, signal.incident, signal.decided_by, signal.decided_at = (WarningSignal.Status.PROMOTED, incident, actor,
                                                                            timezone.now())
    signal.save(update_fields=["status", "incident", "decided_by", "decided_at"])
    return incident, True


def _signal_description(signal) -> str:
    lines = [signal.headline]
    for match in signal.evidence.get("matches", []):
        lines.append(f"“{match.get('text', '')}”")
    return "\n".join(lines)[:5000]

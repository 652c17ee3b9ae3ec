"""Opening incidents (by hand, from complaints, from a media mention), changing their details,
moving them through the lifecycle and writing on their log.

Every function that changes an incident locks its row first (common.locked); every change
writes its timeline entry in the same transaction; notices are recorded in it too and sent after
commit (communications' outbox).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.models import MediaMention
from communications.selectors import mention_list_for
from complaints.models import Complaint
from complaints.selectors import complaint_list_for
from owners.models import Unit

from ..lifecycle import TRANSITIONS
from ..models import DISCLOSURE_CLOCK_STAGES, Incident, IncidentComplaint, IncidentEvent, IncidentMention, Kind, Level, Stage
from ..permissions import incident_can_log, incident_can_open, incident_can_steer
from .common import event, locked, number_next, require, text
from .disclosure import disclosure_due

EventKind = IncidentEvent.Kind
TEXT_LIMIT = 5000
EDITABLE = ("kind", "level", "title", "description", "location", "owner_guidance")


def _clean_choice(value, choices, field, *, blank=False):
    if blank and not value:
        return ""
    if value not in choices.values:
        raise ValidationError({field: _("Choose one of the listed values.")})
    return value


def _affected(estate, buildings, units):
    """The buildings and units given, each checked to belong to `estate` (a foreign id is refused,
    never silently attached)."""
    buildings = list(buildings or [])
    units = list(units or [])
    if any(b.estate_id != estate.pk for b in buildings):
        raise ValidationError({"buildings": _("Choose buildings of the incident's estate.")})
    if any(u.building.estate_id != estate.pk for u in Unit.objects.filter(pk__in=[u.pk for u in units]).select_related("building")):
        raise ValidationError({"units": _("Choose units of the incident's estate.")})
    return buildings, units


def _create(*, actor, estate, kind, title, description="", level="", location="", source=Incident.Source.MANUAL,
            buildings=(), units=(), params=None) -> Incident:
    require(incident_can_open(actor, estate.pk), _("You may not raise incidents for this estate."))
    kind = _clean_choice(kind, Kind, "kind")
    level = _clean_choice(level, Level, "level", blank=True)
    title = text(title, "title", limit=200)
    description = text(description, "description", required=False)
    location = text(location, "location", required=False, limit=200)
    buildings, units = _affected(estate, buildings, units)
    incident = Incident.objects.create(number=number_next("IN"), estate=estate, kind=kind, level=level, title=title,
                                       description=description, location=location, source=source, opened_by=actor)
    incident.buildings.set(buildings)
    incident.units.set(units)
    event(incident, EventKind.OPENED, actor, to_stage=Stage.WARNING, params={"source": source, **(params or {})})
    return incident


@transaction.atomic
def incident_open(*, actor, estate, kind, title, description="", level="", location="", buildings=(), units=()) -> Incident:
    """A warning-stage incident raised by hand."""
    return _create(actor=actor, estate=estate, kind=kind, title=title, description=description, level=level,
                   location=location, buildings=buildings, units=units)


def _link_complaints(incident, complaints, actor):
    for complaint in complaints:
        IncidentComplaint.objects.create(incident=incident, complaint=complaint, linked_by=actor)
        event(incident, EventKind.COMPLAINT_LINKED, actor, params={"number": complaint.number, "complaint": complaint.pk})


@transaction.atomic
def incident_escalate_from_complaints(complaints, *, actor, kind=Kind.OTHER, title="", level="", description="") -> tuple[Incident, bool]:
    """Raise one warning-stage incident from one or more complaints of one estate, or — when any
    of them already belongs to an incident — link the rest to that one. Returns (incident, created).

    The complaints' rows are locked first (in id order), so two people escalating the same
    complaint at the same moment get one incident: the second waits, then finds the link.
    """
    ids = sorted({c.pk for c in complaints})
    if not ids:
        raise ValidationError(_("Choose at least one complaint."))
    visible = set(complaint_list_for(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if visible != set(ids):
        raise PermissionDenied(_("You may not escalate complaints of this estate."))
    rows = list(Complaint.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk").select_related("estate", "building", "unit"))
    estates = {c.estate_id for c in rows}
    if len(estates) > 1:
        raise ValidationError(_("Complaints of different estates cannot be escalated into one incident."))
    linked = dict(IncidentComplaint.objects.filter(complaint_id__in=ids).values_list("complaint_id", "incident_id"))
    if len(set(linked.values())) > 1:
        raise ValidationError(_("These complaints already belong to different incidents."))
    if linked:
        incident = locked(Incident(pk=next(iter(linked.values()))))
        require(incident_can_log(actor, incident))
        _link_complaints(incident, [c for c in rows if c.pk not in linked], actor)
        return incident, False
    first = rows[0]
    buildings = {c.building_id: c.building for c in rows if c.building_id}
    units = {c.unit_id: c.unit for c in rows if c.unit_id}
    if not title:
        title = first.description[:60] if len(rows) == 1 else _("%(count)d complaints: %(text)s") % {
            "count": len(rows), "text": first.description[:40]}
    incident = _create(actor=actor, estate=first.estate, kind=kind, level=level, title=title,
                       description=description or "\n\n".join(f"{c.number}: {c.description}" for c in rows)[:TEXT_LIMIT],
                       source=Incident.Source.COMPLAINT, buildings=buildings.values(), units=units.values(),
                       location=first.location, params={"complaints": [c.number for c in rows]})
    _link_complaints(incident, rows, actor)
    return incident, True


@transaction.atomic
def incident_promote_mention(mention, *, actor, kind=Kind.MEDIA, level="", title="") -> tuple[Incident, bool]:
    """Raise a warning-stage incident from a media mention (once: a second promotion, even at the
    same moment, returns the first one's incident). The mention must belong to an estate."""
    if not mention_list_for(actor).filter(pk=mention.pk).exists():
        raise PermissionDenied(_("You may not use this mention."))
    mention = MediaMention.objects.select_for_update(of=("self",)).select_related("estate").get(pk=mention.pk)
    existing = IncidentMention.objects.filter(mention=mention).select_related("incident").first()
    if existing is not None:
        return existing.incident, False
    if mention.estate_id is None:
        raise ValidationError(_("Set the estate this mention is about before raising an incident from it."))
    description = "\n".join(part for part in (f"{mention.get_source_display()}: {mention.excerpt}", mention.url) if part)
    incident = _create(actor=actor, estate=mention.estate, kind=kind, level=level, title=title or mention.excerpt[:60],
                       description=description[:TEXT_LIMIT], source=Incident.Source.MENTION, params={"mention": mention.pk})
    IncidentMention.objects.create(incident=incident, mention=mention, linked_by=actor)
    event(incident, EventKind.MENTION_LINKED, actor, params={"mention": mention.pk, "excerpt": mention.excerpt[:200]})
    return incident, True


@transaction.atomic
def incident_update(incident, *, actor, buildings=None, units=None, **fields) -> Incident:
    """Change the type, level, title, description, place or owner guidance. Changing the level
    during the response moves the first-statement deadline with it."""
    incident = locked(incident)
    require(incident_can_steer(actor, incident))
    if not incident.is_open:
        raise ValidationError(_("A closed or dismissed incident cannot be changed."))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    changed = {}
    if "kind" in fields:
        fields["kind"] = _clean_choice(fields["kind"], Kind, "kind")
    if "level" in fields:
        fields["level"] = _clean_choice(fields["level"], Level, "level", blank=incident.stage == Stage.WARNING)
    for name, limit, required in (("title", 200, True), ("description", TEXT_LIMIT, False), ("location", 200, False),
                                  ("owner_guidance", TEXT_LIMIT, False)):
        if name in fields:
            fields[name] = text(fields[name], name, required=required, limit=limit)
    for name, value in fields.items():
        if getattr(incident, name) != value:
            changed[name] = [getattr(incident, name), value]
            setattr(incident, name, value)
    if "level" in changed and incident.response_at and incident.first_statement_at is None:
        incident.disclosure_due_at = disclosure_due(incident.level, incident.response_at)
    incident.save()
    if buildings is not None or units is not None:
        b, u = _affected(incident.estate, buildings if buildings is not None else incident.buildings.all(),
                         units if units is not None else incident.units.all())
        incident.buildings.set(b)
        incident.units.set(u)
        changed["affected"] = [None, [str(x) for x in b] + [str(x) for x in u]]
    if changed:
        event(incident, EventKind.UPDATED, actor, params={"fields": sorted(changed),
                                                          "level": incident.level if "level" in changed else ""})
    return incident


@transaction.atomic
def incident_transition(incident, action: str, *, actor, reason: str = "") -> Incident:
    """Move an incident along the lifecycle, or raise ValidationError naming the guard that
    failed (its code: level_missing, commander_missing, statement_not_approved, tasks_open,
    review_not_approved, illegal_transition)."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("Unknown action “%(action)s”.") % {"action": action}, code="unknown_action")
    incident = locked(incident)
    require(incident_can_steer(actor, incident), _("Only the estate's managers and the incident's commander can change its stage."))
    if incident.stage not in transition.sources:
        raise ValidationError(_("An incident in “%(stage)s” cannot be moved with “%(action)s”.")
                              % {"stage": incident.get_stage_display(), "action": transition.label}, code="illegal_transition")
    if transition.guard is not None:
        problem = transition.guard(incident)
        if problem:
            raise ValidationError(str(problem[0]), code=problem[1])
    reason = text(reason, "reason", required=bool(transition.needs_text))
    now = timezone.now()
    source = incident.stage
    incident.stage = transition.target
    if transition.target == Stage.RESPONSE:
        if incident.response_at is None:
            incident.response_at = now
            incident.disclosure_due_at = disclosure_due(incident.level, now)
        from .tasks_checklist import plan_instantiate

        plan_instantiate(incident, actor=actor)
    elif transition.target == Stage.DISCLOSURE:
        incident.disclosure_at = incident.disclosure_at or now
    elif transition.target == Stage.REVIEW:
        incident.review_at = now
    elif transition.target == Stage.CLOSED:
        incident.closed_at = now
    elif transition.target == Stage.DISMISSED:
        incident.dismissed_reason, incident.closed_at = reason, now
    incident.save()
    event(incident, EventKind.TRANSITION, actor, from_stage=source, to_stage=transition.target, body=reason,
          params={"action": action})
    return incident


@transaction.atomic
def incident_log(incident, *, actor, body: str, at=None) -> IncidentEvent:
    """A free-text entry on the timeline ("22:52 燃气公司到场，B2 阀门已关闭")."""
    incident = locked(incident)
    require(incident_can_log(actor, incident))
    body = text(body, "body")
    entry = event(incident, EventKind.LOG, actor, body=body)
    if at is not None:
        if at > timezone.now() + timezone.timedelta(minutes=5):
            raise ValidationError({"at": _("A log entry cannot be dated in the future.")})
        if at < incident.opened_at - timezone.timedelta(days=2):
            raise ValidationError({"at": _("A log entry cannot be dated long before the incident was opened.")})
        IncidentEvent.objects.filter(pk=entry.pk).update(created_at=at)
        entry.created_at = at
    return entry


@transaction.atomic
def incident_complaint_link(incident, complaint, *, actor) -> Incident:
    """Attach one more complaint to an open incident (a complaint belongs to one incident)."""
    incident = locked(incident)
    require(incident_can_log(actor, incident))
    if not incident.is_open:
        raise ValidationError(_("A closed or dismissed incident takes no more complaints."))
    if not complaint_list_for(actor).filter(pk=complaint.pk, estate_id=incident.estate_id).exists():
        raise ValidationError({"complaint": _("Choose a complaint of the incident's estate.")})
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    other = IncidentComplaint.objects.filter(complaint=complaint).values_list("incident__number", flat=True).first()
    if other:
        raise ValidationError({"complaint": _("This complaint already belongs to incident %(number)s.") % {"number": other}})
    _link_complaints(incident, [complaint], actor)
    return incident


def stage_clock_runs(incident) -> bool:
    return incident.stage in DISCLOSURE_CLOCK_STAGES and incident.first_statement_at is None


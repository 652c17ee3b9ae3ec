"""Reads of incidents for pages, the API and tasks, already scoped to the reader.

Staff see the incidents of the estates where their role may view incidents (a role counts only
at its estate). Owners see, through incident_public_for, only the incidents of the estates they
live in that have a published statement — and of those only what a status page shows.
"""

from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from communications.models import Acknowledgement, Announcement, Delivery, Statement
from owners.models import Occupancy, Role, Unit, User
from owners.permissions import ALL, estate_ids_with_perm
from owners.selectors import resident_homes, staff_with_roles

from .models import (
    OPEN_STAGES,
    Drill,
    EmergencyPlan,
    Incident,
    IncidentAnnouncement,
    IncidentEvent,
    Kind,
    Level,
    Stage,
    Task,
)
from .permissions import VIEW

TIMELINE_SHOWN = 50  # newest entries on the staff page; "show all" and the API give the rest
TIMELINE_ALL = 2000  # what "show all" draws at most


def incident_list_for(user) -> QuerySet[Incident]:
    """Staff: incidents of the estates where they may view incidents. Everyone else: nothing."""
    scope = estate_ids_with_perm(user, VIEW)
    qs = Incident.objects.all()
    if scope is ALL:
        return qs
    if scope:
        return qs.filter(estate_id__in=scope)
    return qs.none()


def _choice(params, name, choices):
    value = (params.get(name) or "").strip()
    return value if value in choices else ""


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def incident_filters(params) -> dict:
    """The list's filters as the page shows them: unknown values are dropped, never an error."""
    params = params or {}
    state = (params.get("state") or "open").strip()
    return {
        "stage": _choice(params, "stage", Stage.values),
        "state": state if state in ("open", "closed", "all") else "open",
        "estate": _int(params.get("estate")),
        "kind": _choice(params, "kind", Kind.values),
        "level": _choice(params, "level", Level.values),
        "q": (params.get("q") or "").strip()[:100],
    }


def incident_queryset(user, params=None) -> QuerySet[Incident]:
    """The user's incidents filtered by `params` (stage, state open/closed/all, estate, kind,
    level, q on number or title), newest first."""
    f = incident_filters(params)
    qs = incident_list_for(user).select_related("estate")
    if f["stage"]:
        qs = qs.filter(stage=f["stage"])
    elif f["state"] == "open":
        qs = qs.filter(stage__in=OPEN_STAGES)
    elif f["state"] == "closed":
        qs = qs.exclude(stage__in=OPEN_STAGES)
    if f["estate"]:
        qs = qs.filter(estate_id=f["estate"])
    if f["kind"]:
        qs = qs.filter(kind=f["kind"])
    if f["level"]:
        qs = qs.filter(level=f["level"])
    if f["q"]:
        qs = qs.filter(Q(number__icontains=f["q"]) | Q(title__icontains=f["q"]))
    return qs.order_by("-opened_at", "-id")


def incident_page(user, params=None, *, offset=0, limit=50):
    """One page of the list: (rows, has_more); one query, never a COUNT of the table."""
    rows = list(incident_queryset(user, params)[offset:offset + limit + 1])
    return rows[:limit], len(rows) > limit


def incident_knowledge(user, params=None, *, limit=50) -> list[Incident]:
    """The knowledge base: closed incidents, searchable by type, level and text in the title,
    description, and the review's cause and lessons."""
    params = params or {}
    qs = incident_list_for(user).filter(stage=Stage.CLOSED).select_related("estate", "review")
    kind = _choice(params, "kind", Kind.values)
    level = _choice(params, "level", Level.values)
    q = (params.get("q") or "").strip()[:100]
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(review__cause__icontains=q)
                       | Q(review__lessons__icontains=q) | Q(review__went_badly__icontains=q))
    return list(qs.order_by("-closed_at", "-id")[:limit])


def incident_statements(incident) -> QuerySet[Statement]:
    """Every statement about this incident (all versions, all states), newest first."""
    return (Statement.objects.filter(subject_type=ContentType.objects.get_for_model(Incident), subject_id=incident.pk)
            .select_related("author", "approved_by").order_by("-created_at", "-id"))


def incident_timeline(incident, *, limit=TIMELINE_SHOWN) -> tuple[list[IncidentEvent], bool]:
    """The newest `limit` timeline entries, newest first, with who did each, and whether there
    are older ones. One query (one row more than shown, never a count)."""
    rows = list(IncidentEvent.objects.filter(incident=incident).select_related("actor").order_by("-created_at", "-id")[:limit + 1])
    return rows[:limit], len(rows) > limit


def incident_estate_homes(incident, *, limit=2000) -> list[tuple[str, str]]:
    """The estate's current homes as choices for a certificate: ("resident:unit", "name · unit").
    Plain values, no model rows: an estate has hundreds of homes and the incident page offers them all."""
    rows = (Occupancy.objects.filter(unit__building__estate_id=incident.estate_id, end_date__isnull=True)
            .order_by("unit__building__name", "unit__entrance", "unit__number")
            .values_list("resident_id", "unit_id", "resident__name", "unit__building__name", "unit__entrance", "unit__number")[:limit])
    label = Unit.label.fget  # the unit's own wording ("3号楼2单元1201室"), read from the row's values
    return [(f"{resident}:{unit}", f"{name} · {label(SimpleNamespace(building=SimpleNamespace(name=building), entrance=entrance, number=number))}")
            for resident, unit, name, building, entrance, number in rows]


def incident_places(incident, *, units=True) -> list[str]:
    """Where the incident is, each place once: its location as typed, then the affected units
    (their label names the building) and the affected buildings no unit or the location names
    already — not "1号楼 · 1号楼 1号楼1单元902室". Owners' pages pass units=False."""
    location = incident.location.strip()
    shown = list(incident.units.select_related("building").order_by("building__name", "entrance", "number")) if units else []
    named = {u.building.name for u in shown}
    buildings = [name for name in incident.buildings.order_by("name").values_list("name", flat=True)
                 if name not in named and name not in location]
    return ([location] if location else []) + [u.label for u in shown] + buildings


def incident_notices(incident, *, limit=10) -> list[dict]:
    """The newest `limit` emergency notices sent from the incident, each with its answers counted
    by the database: "safe", "need help", and no answer yet (the portal deliveries of a notice that
    asks for an answer, less the answers). Three queries however many notices and answers."""
    links = list(IncidentAnnouncement.objects.filter(incident=incident).select_related("announcement")
                 .order_by("-created_at", "-id")[:limit])
    sent = [link.announcement_id for link in links if link.announcement.status != Announcement.Status.DRAFT]
    answers = {}
    for announcement_id, answer, n in (Acknowledgement.objects.filter(announcement_id__in=sent).order_by()
                                       .values_list("announcement_id", "answer").annotate(n=Count("id"))):
        answers.setdefault(announcement_id, {})[answer] = n
    portal = dict(Delivery.objects.filter(announcement_id__in=sent, channel="portal").order_by()
                  .values_list("announcement_id").annotate(n=Count("id")))
    rows = []
    for link in links:
        a = link.announcement
        row = {"announcement": a, "progress": a.pk in sent}
        if row["progress"]:
            counted = answers.get(a.pk, {})
            expected = portal.get(a.pk, 0) if a.ack_required else 0
            row.update(safe=counted.get(Acknowledgement.Answer.SAFE, 0), need_help=counted.get(Acknowledgement.Answer.NEED_HELP, 0),
                       no_answer=max(0, expected - sum(counted.values())))
        rows.append(row)
    return rows


def incident_tasks(incident) -> list[Task]:
    return list(Task.objects.filter(incident=incident).select_related("assignee", "resident"))


def incident_staff(incident) -> QuerySet[User]:
    """Who may be named on the crisis team or given a task: active staff of the incident's estate
    (and company-wide staff)."""
    return staff_with_roles([incident.estate_id], Role.values).order_by("first_name", "last_name", "username")


# --- owners -------------------------------------------------------------------------------------

def _resident_estates(resident) -> set[int]:
    return {o.unit.building.estate_id for o in resident_homes(resident)}


def incident_public_for(resident) -> QuerySet[Incident]:
    """What an owner may see: incidents of the estates they live in now, once a statement about
    the incident has been published, newest first. Dismissed warnings never show."""
    estates = _resident_estates(resident)
    return (Incident.objects.filter(estate_id__in=estates, first_statement_at__isnull=False)
            .exclude(stage=Stage.DISMISSED).select_related("estate").order_by("-opened_at", "-id"))


def incident_public_current(resident, *, limit=5) -> list[Incident]:
    """Open incidents an owner may read about, for the portal's start page."""
    return list(incident_public_for(resident).filter(stage__in=OPEN_STAGES)[:limit])


def incident_public_statements(incident) -> list[Statement]:
    """Every statement about the incident that was published (the current version and the ones it
    replaced), oldest first: the public record of what owners were told, in order."""
    return list(Statement.objects.filter(subject_type=ContentType.objects.get_for_model(Incident), subject_id=incident.pk,
                                         status__in=[Statement.Status.PUBLISHED, Statement.Status.SUPERSEDED],
                                         published_at__isnull=False)
                .only("id", "title", "body", "version", "published_at", "thread").order_by("published_at", "id"))


# --- plans and drills --------------------------------------------------------------------------

def plan_list_for(user) -> QuerySet[EmergencyPlan]:
    """Company-wide plans, and the plans of the estates where the user may view incidents."""
    scope = estate_ids_with_perm(user, "incidents.view_emergencyplan")
    qs = EmergencyPlan.objects.select_related("estate")
    if scope is ALL:
        return qs
    if not scope:
        return qs.none()
    return qs.filter(Q(estate__isnull=True) | Q(estate_id__in=scope))


def drill_list_for(user) -> QuerySet[Drill]:
    scope = estate_ids_with_perm(user, "incidents.view_drill")
    qs = Drill.objects.select_related("estate", "plan", "recorded_by")
    if scope is ALL:
        return qs
    return qs.filter(estate_id__in=scope or [])


def warning_signal_list_for(user, *, status: str = ""):
    """Early-warning signals of the estates where the user may view incidents (company-wide roles
    also those filed under no estate), newest first. Owners: nothing."""
    from .models import WarningSignal

    scope = estate_ids_with_perm(user, VIEW)
    qs = WarningSignal.objects.select_related("estate", "building", "category", "incident", "decided_by")
    if status in WarningSignal.Status.values:
        qs = qs.filter(status=status)
    if scope is ALL:
        return qs
    if scope:
        return qs.filter(estate_id__in=scope)
    return qs.none()


def warning_rule_list_for(user):
    """The early-warning rules, for staff who may view incidents anywhere (read only)."""
    from .models import WarningRule

    scope = estate_ids_with_perm(user, VIEW)
    return WarningRule.objects.all() if (scope is ALL or scope) else WarningRule.objects.none()

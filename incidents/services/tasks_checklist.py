"""The crisis team and the incident's tasks: naming the team, turning the emergency plan into
tasks with absolute deadlines, owners' calls for help as tasks, completing and carrying over, and
the sweep that chases overdue tasks (the assignee first, then the commander; once each)."""

import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.models import User
from owners.permissions import can_see_estate

from ..models import EmergencyPlan, IncidentAlert, IncidentEvent, Stage, Task, TeamMember, TeamRole
from ..permissions import incident_can_steer, task_can_complete
from .common import event, locked, require, text
from .disclosure import _alert_once
from .notify import staff_tell

log = logging.getLogger("lighthouse.incidents")
EventKind = IncidentEvent.Kind
LIVE_STAGES = (Stage.WARNING, Stage.RESPONSE, Stage.DISCLOSURE, Stage.REVIEW)


def _staff_of(incident, user) -> bool:
    """May `user` be named on this incident's team or given its tasks: active staff who see its estate."""
    return (user is not None and user.is_active and user.kind == User.Kind.STAFF
            and can_see_estate(user, incident.estate_id))


@transaction.atomic
def incident_team_assign(incident, *, actor, role: str, user) -> TeamMember | None:
    """Name `user` for `role` on the crisis team (replacing whoever held it), or clear the role
    with user=None. The person named is told at once. Open tasks of that role follow the role."""
    incident = locked(incident)
    require(incident_can_steer(actor, incident))
    if role not in TeamRole.values:
        raise ValidationError({"role": _("Choose one of the listed values.")})
    if not incident.is_open:
        raise ValidationError(_("A closed or dismissed incident's team cannot change."))
    current = TeamMember.objects.filter(incident=incident, role=role).first()
    if user is None:
        if current is not None:
            current.delete()
            event(incident, EventKind.TEAM, actor, params={"role": role, "user": "", "cleared": True})
        return None
    if not _staff_of(incident, user):
        raise ValidationError({"user": _("Choose a staff member who works for this estate.")})
    if current is not None and current.user_id == user.pk:
        return current
    if current is None:
        member = TeamMember.objects.create(incident=incident, role=role, user=user, assigned_by=actor)
    else:
        current.user, current.assigned_by = user, actor
        current.save(update_fields=["user", "assigned_by", "assigned_at"])
        member = current
    Task.objects.filter(incident=incident, role=role, status=Task.Status.OPEN).update(assignee=user)
    label = TeamRole(role).label
    event(incident, EventKind.TEAM, actor, params={"role": role, "user": user.get_full_name() or user.get_username()})
    staff_tell(incident, [user], "incident.team", f"team:{role}:{member.pk}:{user.pk}",
               lambda: _("You are the %(role)s for incident %(number)s: %(title)s.")
               % {"role": label, "number": incident.number, "title": incident.title})
    return member


def matching_plan(incident):
    """The plan in force for the incident's type: the estate's own version, else the company's."""
    plans = (EmergencyPlan.objects.filter(kind=incident.kind, is_active=True)
             .filter(Q(estate=incident.estate_id) | Q(estate__isnull=True)).order_by("estate_id"))
    plans = list(plans)
    own = [p for p in plans if p.estate_id == incident.estate_id]
    return (own or plans or [None])[0]


def plan_instantiate(incident, *, actor):
    """Turn the matching plan's steps into tasks, due at the response start plus each step's
    offset and assigned to whoever holds the step's role. Called inside incident_transition
    under the incident's lock; a second response (a flare-up) adds no duplicates."""
    plan = matching_plan(incident)
    if plan is None:
        return 0
    holders = dict(TeamMember.objects.filter(incident=incident).values_list("role", "user_id"))
    start = incident.response_at or timezone.now()
    made = 0
    for step in plan.steps.all():
        task, created = Task.objects.get_or_create(
            incident=incident, source_key=f"plan-step:{step.pk}",
            defaults={"title": step.title, "role": step.role, "assignee_id": holders.get(step.role),
                      "due_at": start + step.within, "sort": step.sort})
        made += created
    if made:
        event(incident, EventKind.TASK_ADDED, actor, params={"plan": plan.title, "count": made})
    return made


@transaction.atomic
def incident_task_add(incident, *, actor, title: str, assignee=None, due_at=None, role: str = "") -> Task:
    incident = locked(incident)
    require(incident_can_steer(actor, incident))
    if incident.stage not in LIVE_STAGES:
        raise ValidationError(_("A closed or dismissed incident takes no new tasks."))
    title = text(title, "title", limit=200)
    if role and role not in TeamRole.values:
        raise ValidationError({"role": _("Choose one of the listed values.")})
    if assignee is None and role:
        assignee = TeamMember.objects.filter(incident=incident, role=role).values_list("user", flat=True).first()
        assignee = User.objects.filter(pk=assignee).first() if assignee else None  # actor may be a lazy request.user
    if assignee is not None and not _staff_of(incident, assignee):
        raise ValidationError({"assignee": _("Choose a staff member who works for this estate.")})
    if due_at is not None and due_at < timezone.now() - timezone.timedelta(minutes=1):
        raise ValidationError({"due_at": _("A new task cannot be due in the past.")})
    task = Task.objects.create(incident=incident, title=title, role=role, assignee=assignee, due_at=due_at,
                               sort=10_000 + Task.objects.filter(incident=incident).count())
    event(incident, EventKind.TASK_ADDED, actor, params={"title": title, "task": task.pk})
    if assignee is not None and assignee != actor:
        staff_tell(incident, [assignee], "incident.task", f"task:{task.pk}:assigned:{assignee.pk}",
                   lambda: _("New task on incident %(number)s: %(title)s") % {"number": incident.number, "title": title})
    return task


def _task_locked(task):
    incident = locked(task.incident)
    task = Task.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=task.pk)
    task.incident = incident
    return task


@transaction.atomic
def incident_task_complete(task, *, actor, note: str = "") -> Task:
    task = _task_locked(task)
    require(task_can_complete(actor, task), _("Only the task's assignee, the commander or a manager can complete it."))
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("This task is already done or carried over."), code="task_closed")
    task.status, task.done_at, task.done_by = Task.Status.DONE, timezone.now(), actor
    task.notes = "\n".join(filter(None, [task.notes, text(note, "note", required=False)]))
    task.save(update_fields=["status", "done_at", "done_by", "notes"])
    event(task.incident, EventKind.TASK_DONE, actor, body=note.strip(), params={"title": task.title, "task": task.pk})
    return task


@transaction.atomic
def incident_task_carry_over(task, *, actor, note: str) -> Task:
    """Leave a task open beyond the incident, with a note saying who continues it and how."""
    task = _task_locked(task)
    require(incident_can_steer(actor, task.incident))
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("This task is already done or carried over."), code="task_closed")
    note = text(note, "note")
    task.status, task.done_at, task.done_by = Task.Status.CARRIED_OVER, timezone.now(), actor
    task.notes = "\n".join(filter(None, [task.notes, note]))
    task.save(update_fields=["status", "done_at", "done_by", "notes"])
    event(task.incident, EventKind.TASK_CARRIED, actor, body=note, params={"title": task.title, "task": task.pk})
    return task


@transaction.atomic
def incident_task_assign(task, *, actor, assignee) -> Task:
    task = _task_locked(task)
    require(incident_can_steer(actor, task.incident))
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("This task is already done or carried over."), code="task_closed")
    if not _staff_of(task.incident, assignee):
        raise ValidationError({"assignee": _("Choose a staff member who works for this estate.")})
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    event(task.incident, EventKind.TASK_ASSIGNED, actor, params={"title": task.title, "task": task.pk,
                                                               "user": assignee.get_full_name() or assignee.get_username()})
    staff_tell(task.incident, [assignee], "incident.task", f"task:{task.pk}:assigned:{assignee.pk}",
               lambda: _("New task on incident %(number)s: %(title)s") % {"number": task.incident.number, "title": task.title})
    return task


def need_help_task(incident, ack, *, unit: str) -> Task | None:
    """An owner answered "I need help" to a notice of this incident: a task for the on-site lead
    (due at once), with their unit and phone. Once per answer (source_key)."""
    if incident.stage not in LIVE_STAGES:
        return None
    lead = (TeamMember.objects.filter(incident=incident, role=TeamRole.ONSITE_LEAD).select_related("user").first()
            or TeamMember.objects.filter(incident=incident, role=TeamRole.COMMANDER).select_related("user").first())
    resident = ack.resident
    title = _("Call %(name)s (%(unit)s, %(mobile)s): answered “I need help”") % {
        "name": resident.name, "unit": unit or "—", "mobile": resident.mobile or _("no mobile")}
    try:
        with transaction.atomic():
            task = Task.objects.create(incident=incident, title=title[:200], role=TeamRole.ONSITE_LEAD,
                                       assignee=lead.user if lead else None, due_at=timezone.now(), resident=resident,
                                       source_key=f"need-help:{ack.pk}", sort=0)
    except IntegrityError:
        return None
    event(incident, EventKind.NEED_HELP, params={"name": resident.name, "unit": unit, "task": task.pk})
    if lead is not None:
        staff_tell(incident, [lead.user], "incident.need_help", f"need-help:{ack.pk}", lambda: str(title))
    return task


def _task_overdue(task, params):
    event(task.incident, EventKind.TASK_OVERDUE, params=params)
    staff_tell(task.incident, [task.assignee], "incident.task_overdue", f"task:{task.pk}:overdue",
               lambda: _("Task “%(title)s” on incident %(number)s was due at %(due)s.") % params)


def _task_escalate(task, params):
    commander = TeamMember.objects.filter(incident=task.incident, role=TeamRole.COMMANDER).select_related("user").first()
    if commander is None:
        from .notify import managers_tell

        managers_tell(task.incident, "incident.task_overdue", f"task:{task.pk}:escalated",
                      lambda: _("Task “%(title)s” on incident %(number)s is overdue since %(due)s (assigned to %(who)s).") % params)
        return
    staff_tell(task.incident, [commander.user], "incident.task_overdue", f"task:{task.pk}:escalated",
               lambda: _("Task “%(title)s” on incident %(number)s is overdue since %(due)s (assigned to %(who)s).") % params)


def _task_alerted(kind):
    """An alert of `kind` is recorded for the task's current deadline."""
    return Exists(IncidentAlert.objects.filter(incident=OuterRef("incident_id"), kind=kind, task_id_key=OuterRef("pk"),
                                               due_at=OuterRef("due_at")))


def task_sweep(now=None) -> dict:
    """Open tasks past their deadline: the assignee is told at the deadline, the commander
    INCIDENT_TASK_ESCALATE_MINUTES later — once each, even with two sweeps at once."""
    now = now or timezone.now()
    later = timezone.timedelta(minutes=settings.INCIDENT_TASK_ESCALATE_MINUTES)
    counts = {"overdue": 0, "escalated": 0, "failed": 0}
    # Only tasks with an alert still to record (each alert's row is checked in the same query),
    # so a sweep that finds everything alerted costs one query, not a failed insert per task.
    overdue = (Task.objects.filter(status=Task.Status.OPEN, due_at__lte=now, incident__stage__in=LIVE_STAGES)
               .annotate(told=_task_alerted(IncidentAlert.Kind.TASK_OVERDUE), escalated=_task_alerted(IncidentAlert.Kind.TASK_ESCALATED))
               .filter(Q(assignee__isnull=False, told=False) | Q(escalated=False) & (Q(due_at__lte=now - later) | Q(assignee__isnull=True)))
               .select_related("incident", "assignee"))
    for task in overdue.iterator(chunk_size=500):
        params = {"title": task.title, "number": task.incident.number,
                  "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
                  "who": (task.assignee.get_full_name() or task.assignee.get_username()) if task.assignee else _("nobody")}
        try:
            if task.assignee_id and not task.told and _alert_once(
                    task.incident, IncidentAlert.Kind.TASK_OVERDUE, task.due_at, partial(_task_overdue, task, params), task_id=task.pk):
                counts["overdue"] += 1
            if (task.due_at + later <= now or not task.assignee_id) and not task.escalated and _alert_once(
                    task.incident, IncidentAlert.Kind.TASK_ESCALATED, task.due_at, partial(_task_escalate, task, params), task_id=task.pk):
                counts["escalated"] += 1
        except Exception:
            counts["failed"] += 1
            log.exception("Overdue alert for task %s failed; the next sweep tries again", task.pk)
    return counts



"""Telling owners and the public: the first-statement deadline per level and its sweep,
statements drafted and published from the incident, and emergency notices sent from it."""

import logging
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.models import Announcement, Statement
from communications.services.announcements import announcement_approve, announcement_create, announcement_publish
from communications.services.media import statement_create, statement_publish

from ..models import (
    DISCLOSURE_CLOCK_STAGES,
    DisclosurePolicy,
    Incident,
    IncidentAlert,
    IncidentAnnouncement,
    IncidentComplaint,
    IncidentEvent,
    TeamMember,
    TeamRole,
)
from ..permissions import incident_can_log, incident_can_steer
from .common import event, locked, require, text
from .notify import managers_tell, owner_tell, staff_tell

log = logging.getLogger("lighthouse.incidents")
EventKind = IncidentEvent.Kind


def disclosure_due(level: str, start):
    """When the first public statement is due: the level's policy (or its default) from `start`."""
    if not level:
        return None
    within = (DisclosurePolicy.objects.filter(level=level).values_list("first_statement_within", flat=True).first()
              or DisclosurePolicy.DEFAULTS[level])
    return start + within


# --- statements --------------------------------------------------------------------------------

@transaction.atomic
def incident_statement_draft(incident, *, actor, title: str, body: str) -> Statement:
    """A statement about this incident (a draft in communications, attached by Statement.subject)."""
    incident = locked(incident)
    require(incident_can_log(actor, incident))
    return statement_create(author=actor, title=title, body=body, estate=incident.estate, subject=incident)


def _audience(incident):
    """Who an incident's notice reaches: the affected units, else buildings, else the estate."""
    units = list(incident.units.all())
    if units:
        return {"audience": Announcement.Audience.UNITS, "units": units}
    buildings = list(incident.buildings.all())
    if buildings:
        return {"audience": Announcement.Audience.BUILDINGS, "buildings": buildings}
    return {"audience": Announcement.Audience.ESTATES, "estates": [incident.estate]}


@transaction.atomic
def incident_publish_statement(incident, statement, *, actor, announce: bool = False) -> Statement:
    """Publish an approved statement of this incident on its public page; with `announce`, send
    it as a crisis notice to the affected owners (the statement's approval carries over)."""
    incident = locked(incident)
    require(incident_can_steer(actor, incident) or _holds(actor, incident, TeamRole.SPOKESPERSON),
            _("Only the spokesperson, the commander or a manager publishes the incident's statements."))
    if statement.subject_type_id != ContentType.objects.get_for_model(Incident).pk or statement.subject_id != incident.pk:
        raise ValidationError(_("This statement is not about this incident."))
    statement = statement_publish(statement, actor=actor)  # records the publication (receivers.statement_saved)
    if announce:
        incident_notice_send(incident, actor=actor, title=statement.title, body=statement.body,
                             channels=["portal", "sms"], approved_from=statement)
    return statement


def _holds(user, incident, role) -> bool:
    return TeamMember.objects.filter(incident=incident, role=role, user_id=getattr(user, "pk", None)).exists()


def statement_published_record(statement) -> None:
    """Called (in the publishing transaction) when a statement about an incident is published,
    by whichever door: the first one stops the disclosure clock, each one goes on the timeline,
    and the owners of the linked complaints are told once per statement thread."""
    incident = locked(Incident(pk=statement.subject_id))
    now = statement.published_at or timezone.now()
    fields = []
    if incident.first_statement_at is None:
        incident.first_statement_at = now
        fields.append("first_statement_at")
    if fields:
        incident.save(update_fields=fields + ["updated_at"])
    event(incident, EventKind.STATEMENT, statement.approved_by, params={
        "title": statement.title, "version": statement.version, "statement": statement.pk, "thread": str(statement.thread)})
    residents = {link.complaint.resident_id: link.complaint.resident
                 for link in IncidentComplaint.objects.filter(incident=incident).select_related("complaint__resident")}
    title = statement.title
    for resident in residents.values():
        owner_tell(incident, resident, "incident.statement", f"statement:{statement.thread}",
                   lambda: _("The management office has published a statement about the incident your complaint is part of: “%(title)s”.")
                   % {"title": title})


# --- notices ---------------------------------------------------------------------------------------

@transaction.atomic
def incident_notice_send(incident, *, actor, title: str, body: str, channels=("portal", "sms"), sms_text: str = "",
                         ack_required: bool = True, approved_from=None) -> Announcement:
    """An emergency notice to the affected owners, sent from the incident: crisis-related, so it
    needs approval (unless it carries an approved statement's), bypasses quiet hours, and asks
    "I am safe / I need help" — the answers "I need help" become tasks on the incident."""
    incident = locked(incident)
    require(incident_can_log(actor, incident))
    if not incident.is_open:
        raise ValidationError(_("A closed or dismissed incident sends no notices."))
    announcement = announcement_create(
        author=actor, kind=Announcement.Kind.EMERGENCY, title=text(title, "title", limit=200), body=text(body, "body"),
        sms_text=sms_text, channels=list(channels), ack_required=ack_required and "portal" in channels, crisis_related=True,
        history_note=_("Sent from incident %(number)s.") % {"number": incident.number}, **_audience(incident))
    IncidentAnnouncement.objects.create(incident=incident, announcement=announcement)
    if approved_from is not None:
        announcement_approve(announcement, actor=approved_from.approved_by, carried_from=approved_from)
        announcement_publish(announcement, actor=actor)
    event(incident, EventKind.NOTICE, actor, params={"title": announcement.title, "announcement": announcement.pk,
                                                     "status": announcement.status})
    return announcement


# --- the deadline sweep ------------------------------------------------------------------------------

def _alert_once(incident, kind, due_at, announce, task_id=0) -> bool:
    """Record the alert and announce it in one transaction; False if it was already recorded
    (by an earlier or a concurrent sweep). Both or neither, as complaints.services.sla."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                IncidentAlert.objects.create(incident=incident, kind=kind, due_at=due_at, task_id_key=task_id)
        except IntegrityError:
            return False
        announce()
    return True


def _team(incident, role):
    member = TeamMember.objects.filter(incident=incident, role=role).select_related("user").first()
    return member.user if member else None


def _disclosure_warn(incident, params):
    event(incident, EventKind.DISCLOSURE_WARNING, params=params)
    spokesperson = _team(incident, TeamRole.SPOKESPERSON) or _team(incident, TeamRole.COMMANDER)
    if spokesperson is None:
        managers_tell(incident, "incident.disclosure_warning", "disclosure-warning",
                      lambda: _("The first statement about incident %(number)s is due at %(due)s, and no spokesperson is named.") % params)
        return
    staff_tell(incident, [spokesperson], "incident.disclosure_warning", "disclosure-warning",
               lambda: _("The first statement about incident %(number)s is due at %(due)s.") % params)


def _disclosure_breach(incident, params):
    event(incident, EventKind.DISCLOSURE_OVERDUE, params=params)
    managers_tell(incident, "incident.disclosure_breach", "disclosure-breach",
                  lambda: _("No statement about incident %(number)s was published by its deadline %(due)s.") % params)


def _params(incident, due):
    return {"number": incident.number, "title": incident.title, "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}


def _alerted(kind):
    """An alert of `kind` is recorded for the incident's current first-statement deadline."""
    return Exists(IncidentAlert.objects.filter(incident=OuterRef("pk"), kind=kind, task_id_key=0, due_at=OuterRef("disclosure_due_at")))


def disclosure_sweep(now=None) -> dict:
    """Warn the spokesperson before the first-statement deadline and escalate to the estate's
    managers once it passes — once each per deadline, however many sweeps run at once."""
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0, "failed": 0}
    share = settings.INCIDENT_DISCLOSURE_WARNING_SHARE
    # Only the deadlines whose alert is not recorded yet: a sweep that finds everything alerted is
    # one indexed query (the partial index on open deadlines), not one failed insert per incident.
    Kind = IncidentAlert.Kind
    waiting = (Incident.objects.filter(first_statement_at__isnull=True, disclosure_due_at__isnull=False,
                                       stage__in=DISCLOSURE_CLOCK_STAGES)
               .filter(Q(disclosure_due_at__lte=now) & ~_alerted(Kind.DISCLOSURE_BREACH)
                       | Q(disclosure_due_at__gt=now) & ~_alerted(Kind.DISCLOSURE_WARNING))
               .only("pk", "number", "title", "estate_id", "response_at", "disclosure_due_at"))
    for incident in waiting.iterator(chunk_size=500):
        due = incident.disclosure_due_at
        warn_at = due - (due - incident.response_at) * share
        try:
            if due <= now:
                if _alert_once(incident, IncidentAlert.Kind.DISCLOSURE_BREACH, due, partial(_disclosure_breach, incident, _params(incident, due))):
                    counts["breaches"] += 1
            elif now >= warn_at:
                if _alert_once(incident, IncidentAlert.Kind.DISCLOSURE_WARNING, due, partial(_disclosure_warn, incident, _params(incident, due))):
                    counts["warnings"] += 1
        except Exception:
            counts["failed"] += 1
            log.exception("Disclosure alert for incident %s failed; the next sweep tries again", incident.number)
    return counts



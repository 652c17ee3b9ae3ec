"""Who may see and do what with incidents: named predicates asked by the pages, the API, the
admin and the services alike.

Scope comes from owners.permissions; a right counts only at the estate where the role carrying it
is held (has_perm_at). On top of the roles, the incident's own crisis team counts: its commander
steers it like a manager, and whoever holds a task may complete it.
"""

from owners.permissions import ALL, can_see_estate, estate_ids_with_perm, has_perm_at

from .models import TeamMember, TeamRole

VIEW = "incidents.view_incident"
RAISE = "incidents.add_incident"
STEER = "incidents.change_incident"


def incident_can_view(user, incident) -> bool:
    return can_see_estate(user, incident.estate_id) and has_perm_at(user, VIEW, incident.estate_id)


def incident_can_open(user, estate_id: int | None = None) -> bool:
    """May `user` raise an incident at `estate_id` (None: at any estate of theirs)?"""
    if estate_id is None:
        scope = estate_ids_with_perm(user, RAISE)
        return scope is ALL or bool(scope)
    return has_perm_at(user, RAISE, estate_id)


def _is_commander(user, incident) -> bool:
    return getattr(user, "is_authenticated", False) and TeamMember.objects.filter(
        incident=incident, role=TeamRole.COMMANDER, user=user).exists()


def incident_can_steer(user, incident) -> bool:
    """Stages, level, team and tasks: the estate's managers, and the incident's commander."""
    return has_perm_at(user, STEER, incident.estate_id) or (incident_can_view(user, incident) and _is_commander(user, incident))


def incident_can_log(user, incident) -> bool:
    """Write on the timeline, link complaints: any staff of the estate who may raise incidents."""
    return has_perm_at(user, RAISE, incident.estate_id) or incident_can_steer(user, incident)


def task_can_complete(user, task) -> bool:
    return (task.assignee_id is not None and task.assignee_id == getattr(user, "pk", None)
            and incident_can_view(user, task.incident)) or incident_can_steer(user, task.incident)


def review_can_write(user, incident) -> bool:
    """The review is written by the team (any member) or whoever may steer."""
    if incident_can_steer(user, incident):
        return True
    return incident_can_view(user, incident) and TeamMember.objects.filter(incident=incident, user=user).exists()


def review_can_approve(user, incident) -> bool:
    return has_perm_at(user, "incidents.approve_incidentreview", incident.estate_id)


def certificate_can_issue(user, incident) -> bool:
    return has_perm_at(user, "incidents.issue_certificate", incident.estate_id)


def plan_can_manage(user, estate_id: int | None) -> bool:
    """An estate's own plan: its managers; a company-wide plan: company-wide roles only."""
    return has_perm_at(user, "incidents.change_emergencyplan", estate_id)


def drill_can_record(user, estate_id: int) -> bool:
    return has_perm_at(user, "incidents.add_drill", estate_id)


def signal_can_view(user, signal) -> bool:
    """An estate's signals: its staff who see incidents there; a signal of no estate (a mention
    filed company-wide): company-wide roles."""
    return has_perm_at(user, VIEW, signal.estate_id)


def signal_can_decide(user, signal) -> bool:
    """Dismiss or promote: whoever may raise an incident where the signal is."""
    return has_perm_at(user, RAISE, signal.estate_id)

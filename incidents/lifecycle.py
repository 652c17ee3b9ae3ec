"""The incident lifecycle, declared once. Services enforce it; pages, the API and the admin ask it.

    warning → response → disclosure → review → closed
    warning → dismissed (with a reason); review → response when the situation flares up again.

Each move names its guard: a function of the incident that returns (why not, error code) or
None. A refused move says which guard failed, in the reader's language, on the page and in the
API (400 with the code).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from communications.models import Statement

from .models import Incident, IncidentReview, Stage, Task, TeamMember, TeamRole


def _statement_approved(incident):
    """Into disclosure: a statement about this incident is approved (or already published)."""
    if not incident_statements(incident).filter(
            status__in=[Statement.Status.APPROVED, Statement.Status.PUBLISHED]).exists():
        return (_("Disclosure needs an approved statement about this incident. Draft one from the incident page "
                  "and have it approved first."), "statement_not_approved")
    return None


def _level_and_commander(incident):
    """Into response: a level is set and a commander is named."""
    if not incident.level:
        return _("Set the incident's level (red, orange, yellow or blue) before starting the response."), "level_missing"
    if not TeamMember.objects.filter(incident=incident, role=TeamRole.COMMANDER).exists():
        return _("Name a commander on the crisis team before starting the response."), "commander_missing"
    return None


def _tasks_settled(incident):
    """Into review: every task is done or carried over with a note."""
    open_count = Task.objects.filter(incident=incident, status=Task.Status.OPEN).count()
    if open_count:
        return (_("%(count)d task(s) are still open. Mark them done, or carry them over with a note, before the review.")
                % {"count": open_count}, "tasks_open")
    return None


def _review_approved(incident):
    """Into closed: the review is written and approved by an estate manager."""
    review = IncidentReview.objects.filter(incident=incident).first()
    if review is None or review.status != IncidentReview.Status.APPROVED:
        return _("The incident can be closed once its review is written and approved by an estate manager."), "review_not_approved"
    return None


def incident_statements(incident):
    """Statements attached to this incident (communications' Statement.subject)."""
    from django.contrib.contenttypes.models import ContentType

    return Statement.objects.filter(subject_type=ContentType.objects.get_for_model(Incident), subject_id=incident.pk)


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    needs_text: str = ""  # "reason" when the move needs one, else ""
    guard: Callable | None = None  # guard(incident) → (why not, code) or None
    guard_text: str = ""  # the guard in words, for the page ("needs an approved statement")


TRANSITIONS = {
    t.action: t
    for t in [
        Transition("respond", _("Start the response"), frozenset({Stage.WARNING}), Stage.RESPONSE,
                   guard=_level_and_commander, guard_text=_("needs a level and a commander")),
        Transition("dismiss", _("Dismiss the warning"), frozenset({Stage.WARNING}), Stage.DISMISSED, needs_text="reason"),
        Transition("disclose", _("Move to disclosure"), frozenset({Stage.RESPONSE}), Stage.DISCLOSURE,
                   guard=_statement_approved, guard_text=_("needs an approved statement")),
        Transition("review", _("Start the review"), frozenset({Stage.DISCLOSURE}), Stage.REVIEW,
                   guard=_tasks_settled, guard_text=_("needs every task done or carried over")),
        Transition("reactivate", _("Flare-up: back to response"), frozenset({Stage.REVIEW}), Stage.RESPONSE, needs_text="reason"),
        Transition("close", _("Close the incident"), frozenset({Stage.REVIEW}), Stage.CLOSED,
                   guard=_review_approved, guard_text=_("needs an approved review")),
    ]
}


def transitions_from(stage: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if stage in t.sources]


# What owners read on the incident page for each stage, in plain words.
OWNER_STAGE_TEXT = {
    Stage.RESPONSE: _("The management office is dealing with the situation now."),
    Stage.DISCLOSURE: _("The situation is being dealt with; we will keep you updated here."),
    Stage.REVIEW: _("The situation is under control. We are looking after those affected and reviewing what happened."),
    Stage.CLOSED: _("This incident is over."),
}

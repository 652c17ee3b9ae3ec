"""The post-incident review (复盘) and its improvement actions; drills and their follow-ups."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.models import User
from owners.permissions import can_see_estate

from ..models import Drill, ImprovementAction, IncidentEvent, IncidentReview, Stage
from ..permissions import drill_can_record, review_can_approve, review_can_write
from .common import event, locked, require, text
from .notify import managers_tell, staff_tell

EventKind = IncidentEvent.Kind
REVIEW_FIELDS = ("cause", "went_well", "went_badly", "aftercare", "lessons")
REVIEW_STAGES = (Stage.REVIEW,)


def _review_of(incident) -> IncidentReview:
    review, _created = IncidentReview.objects.select_for_update().get_or_create(incident=incident)
    return review


@transaction.atomic
def incident_review_save(incident, *, actor, **fields) -> IncidentReview:
    """Write or change the review while the incident is in review. A submitted or approved review
    that is changed goes back to draft: it needs approval again."""
    incident = locked(incident)
    require(review_can_write(actor, incident), _("Only the crisis team or a manager writes the review."))
    if incident.stage not in REVIEW_STAGES:
        raise ValidationError(_("The review is written once the incident is in its review stage."), code="not_in_review")
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    review = _review_of(incident)
    for name, value in fields.items():
        setattr(review, name, text(value, name, required=False))
    was = review.status
    review.status, review.written_by = IncidentReview.Status.DRAFT, review.written_by or actor
    review.approved_by, review.approved_at = None, None
    review.save()
    event(incident, EventKind.REVIEW, actor, params={"step": "saved", "reopened": was != IncidentReview.Status.DRAFT})
    return review


def _review_problems(review, incident) -> dict:
    problems = {}
    for name in ("cause", "went_well", "went_badly", "aftercare"):
        if not getattr(review, name).strip():
            problems[name] = _("This part of the review is required.")
    if not ImprovementAction.objects.filter(incident=incident).exists():
        problems["improvements"] = _("Add at least one improvement action with an owner and a due date.")
    return problems


@transaction.atomic
def incident_review_submit(incident, *, actor) -> IncidentReview:
    """Ask the estate's managers to approve the review; refused while a required part is missing."""
    incident = locked(incident)
    require(review_can_write(actor, incident), _("Only the crisis team or a manager writes the review."))
    review = _review_of(incident)
    if incident.stage not in REVIEW_STAGES:
        raise ValidationError(_("The review is written once the incident is in its review stage."), code="not_in_review")
    if review.status != IncidentReview.Status.DRAFT:
        raise ValidationError(_("This review is already waiting for approval or approved."), code="review_not_draft")
    problems = _review_problems(review, incident)
    if problems:
        raise ValidationError(problems, code="review_incomplete")
    review.status, review.return_note = IncidentReview.Status.SUBMITTED, ""
    review.save(update_fields=["status", "return_note", "updated_at"])
    event(incident, EventKind.REVIEW, actor, params={"step": "submitted"})
    managers_tell(incident, "incident.review", f"review:{review.pk}:submitted:{review.updated_at:%s}",
                  lambda: _("The review of incident %(number)s is waiting for your approval.") % {"number": incident.number})
    return review


@transaction.atomic
def incident_review_decide(incident, *, actor, approve: bool, note: str = "") -> IncidentReview:
    """An estate manager approves the review, or returns it with a note saying what to change."""
    incident = locked(incident)
    require(review_can_approve(actor, incident), _("Only an estate manager approves a review."))
    review = _review_of(incident)
    if review.status != IncidentReview.Status.SUBMITTED:
        raise ValidationError(_("This review is not waiting for approval."), code="review_not_submitted")
    if approve:
        review.status, review.approved_by, review.approved_at = IncidentReview.Status.APPROVED, actor, timezone.now()
        note = text(note, "note", required=False)
    else:
        review.status, review.return_note = IncidentReview.Status.DRAFT, text(note, "note")
    review.save()
    event(incident, EventKind.REVIEW, actor, body=note, params={"step": "approved" if approve else "returned"})
    if not approve and review.written_by_id:
        staff_tell(incident, [review.written_by], "incident.review", f"review:{review.pk}:returned:{review.updated_at:%s}",
                   lambda: _("The review of incident %(number)s was returned: %(note)s") % {"number": incident.number, "note": note})
    return review


def _check_owner(estate_id, owner):
    if owner is None or not owner.is_active or owner.kind != User.Kind.STAFF or not can_see_estate(owner, estate_id):
        raise ValidationError({"owner": _("Choose a staff member who works for this estate.")})


def _check_due(due_on):
    if due_on is None:
        raise ValidationError({"due_on": _("An improvement action needs a due date.")})
    if due_on < timezone.localdate() - timezone.timedelta(days=1):
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})


@transaction.atomic
def improvement_add(*, actor, title: str, owner, due_on, incident=None, drill=None, updates_plan=False) -> ImprovementAction:
    """An improvement action from a review (while it is being written) or a drill."""
    if (incident is None) == (drill is None):
        raise ValidationError(_("An improvement action belongs to one incident or one drill."))
    if incident is not None:
        incident = locked(incident)
        require(review_can_write(actor, incident), _("Only the crisis team or a manager writes the review."))
        if incident.stage not in REVIEW_STAGES:
            raise ValidationError(_("The review is written once the incident is in its review stage."), code="not_in_review")
        estate_id = incident.estate_id
    else:
        drill = Drill.objects.select_for_update().get(pk=drill.pk)
        require(drill_can_record(actor, drill.estate_id))
        estate_id = drill.estate_id
    _check_owner(estate_id, owner)
    _check_due(due_on)
    action = ImprovementAction.objects.create(incident=incident, drill=drill, title=text(title, "title", limit=200),
                                              owner=owner, due_on=due_on, updates_plan=bool(updates_plan))
    if incident is not None:
        event(incident, EventKind.IMPROVEMENT, actor, params={"title": action.title, "step": "added",
                                                              "owner": owner.get_full_name() or owner.get_username()})
        review = IncidentReview.objects.filter(incident=incident).first()
        if review is not None and review.status != IncidentReview.Status.DRAFT:  # changed after submission: approve again
            IncidentReview.objects.filter(pk=review.pk).update(status=IncidentReview.Status.DRAFT, approved_by=None, approved_at=None)
    return action


@transaction.atomic
def improvement_done(action, *, actor, note: str = "") -> ImprovementAction:
    action = ImprovementAction.objects.select_for_update(of=("self",)).select_related("incident", "drill").get(pk=action.pk)
    estate_id = action.incident.estate_id if action.incident_id else action.drill.estate_id
    allowed = action.owner_id == actor.pk and can_see_estate(actor, estate_id)
    allowed = allowed or (action.incident_id and review_can_approve(actor, action.incident)) or (
        action.drill_id and drill_can_record(actor, estate_id))
    require(allowed, _("Only the action's owner or a manager marks it done."))
    if action.done_at is not None:
        raise ValidationError(_("This action is already done."))
    action.done_at, action.done_by, action.done_note = timezone.now(), actor, text(note, "note", required=False)
    action.save(update_fields=["done_at", "done_by", "done_note"])
    if action.incident_id:
        event(action.incident, EventKind.IMPROVEMENT, actor, body=action.done_note, params={"title": action.title, "step": "done"})
    return action


@transaction.atomic
def drill_record(*, actor, plan, estate, held_on, scenario: str, participants: str, findings: str = "") -> Drill:
    require(drill_can_record(actor, estate.pk), _("You may not record drills for this estate."))
    if plan.estate_id not in (None, estate.pk):
        raise ValidationError({"plan": _("Choose a plan that applies to this estate.")})
    if held_on is None or held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A drill is recorded on or after the day it was held.")})
    return Drill.objects.create(plan=plan, estate=estate, held_on=held_on, scenario=text(scenario, "scenario"),
                                participants=text(participants, "participants"),
                                findings=text(findings, "findings", required=False), recorded_by=actor)



"""The state machines of announcements, statements and media inquiries, declared once.

Services take every move through `Lifecycle.check` (who may take it, from which statuses, on what
guard) and record it as an event row; pages and the API ask `Lifecycle.offered` what to show.

    Announcement  draft → pending_approval → approved → scheduled → sending → sent
                  returned to draft with a note; cancelled from any status not yet sent;
                  an approved announcement that is edited waits for approval again.
    Statement     draft → in_review → approved → published → superseded (by its next version)
                  returned to draft with a note; an approved statement that is edited is reviewed again.
    MediaInquiry  open → answered | declined; assigned (who answers it) while it is open.

A transition whose target is None changes no status: it is an action the history records
(editing a draft, chasing, assigning). "system" moves are made by the scheduler and the sender,
never offered to a person.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Announcement, MediaInquiry, Statement
from .permissions import (
    announcement_can_approve,
    announcement_can_write,
    inquiry_can_answer,
    media_record_can_write,
    statement_can_approve,
    statement_can_write,
)

SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str | None  # None: the status stays; the move is recorded on the history only
    who: str  # a key of the lifecycle's `may`, or SYSTEM
    refusal: str  # what the actor is told when the status is not one of `sources`; may name %(status)s, %(target)s
    needs_text: str = ""  # the text the action requires ("note", "answer", "reason") or ""
    guard: Callable | None = None  # guard(obj) → (why it may not happen now, error code), or None


@dataclass(frozen=True)
class Lifecycle:
    transitions: dict[str, Transition]
    may: dict[str, tuple[Callable, str]]  # who → (predicate(user, obj), what a refused user is told)

    def check(self, action: str, obj, user=None) -> Transition:
        """The transition, if `user` may take `action` on `obj` now. Raises PermissionDenied for
        the wrong person, ValidationError (code illegal_transition, or the guard's code) for the
        wrong moment. SYSTEM moves take no user."""
        transition = self.transitions[action]
        if transition.who != SYSTEM:
            allowed, denial = self.may[transition.who]
            if user is None or not allowed(user, obj):
                raise PermissionDenied(denial)
        # The guard first: it says why better ("must be approved first" rather than "not a source").
        problem = transition.guard(obj) if transition.guard is not None else None
        if problem:
            raise ValidationError(problem[0], code=problem[1])
        if obj.status not in transition.sources:
            target = type(obj).Status(transition.target).label if transition.target else ""
            raise ValidationError(transition.refusal % {"status": obj.get_status_display(), "target": target},
                                  code="illegal_transition")
        return transition

    def offered(self, obj, user) -> list[Transition]:
        """The moves `user` may make on `obj` now, for buttons and the API's allowed actions."""
        offered = []
        for transition in self.transitions.values():
            if transition.who == SYSTEM or obj.status not in transition.sources:
                continue
            if transition.guard is not None and transition.guard(obj):
                continue
            if self.may[transition.who][0](user, obj):
                offered.append(transition)
        return offered


def _table(*transitions: Transition) -> dict[str, Transition]:
    return {t.action: t for t in transitions}


# --- Announcements ---------------------------------------------------------------------------
Ann = Announcement.Status
_ANN_UNSENT = frozenset({Ann.DRAFT, Ann.PENDING_APPROVAL, Ann.APPROVED, Ann.SCHEDULED, Ann.SENDING})
_ANN_DONE = _("This announcement has already been sent or cancelled.")
_ANN_NOT_WAITING = _("This announcement is not waiting for approval.")
_ANN_NOT_EDITABLE = _("Only a draft or an approved announcement can be edited.")


def approval_missing(announcement):
    """Emergency, safety and crisis notices go out only once approved."""
    if announcement.needs_approval and announcement.status in (Ann.DRAFT, Ann.PENDING_APPROVAL):
        return _("This kind of announcement must be approved by the estate manager before it is sent."), "needs_approval"
    return None


def nothing_to_chase(announcement):
    """Only those asked to acknowledge can be chased for not having done so."""
    if not announcement.ack_required:
        return _("Only a sent announcement that asks for acknowledgement can be chased."), "illegal_transition"
    return None


ANNOUNCEMENT = Lifecycle(
    transitions=_table(
        Transition("edit", _("Edit"), frozenset({Ann.DRAFT}), None, "writer", _ANN_NOT_EDITABLE),
        # Editing what an approver approved sends it back to them.
        Transition("edit_approved", _("Edit"), frozenset({Ann.APPROVED}), Ann.PENDING_APPROVAL, "writer", _ANN_NOT_EDITABLE),
        Transition("request_approval", _("Ask the estate manager to approve"), frozenset({Ann.DRAFT}), Ann.PENDING_APPROVAL,
                   "writer", _("Only a draft can be sent for approval.")),
        Transition("approve", _("Approve"), frozenset({Ann.DRAFT, Ann.PENDING_APPROVAL}), Ann.APPROVED, "approver", _ANN_NOT_WAITING),
        Transition("return", _("Send back"), frozenset({Ann.PENDING_APPROVAL}), Ann.DRAFT, "approver", _ANN_NOT_WAITING,
                   needs_text="note"),
        Transition("publish", _("Send now"), frozenset({Ann.DRAFT, Ann.APPROVED}), Ann.SENDING, "writer", _ANN_DONE,
                   guard=approval_missing),
        Transition("schedule", _("Schedule"), frozenset({Ann.DRAFT, Ann.APPROVED}), Ann.SCHEDULED, "writer", _ANN_DONE,
                   guard=approval_missing),
        Transition("release", _("Sending started"), frozenset({Ann.SCHEDULED}), Ann.SENDING, SYSTEM, _ANN_DONE),
        Transition("finish", _("Sent"), frozenset({Ann.SENDING}), Ann.SENT, SYSTEM, _ANN_DONE),
        Transition("cancel", _("Cancel"), _ANN_UNSENT, Ann.CANCELLED, "writer", _ANN_DONE),
        Transition("chase", _("Resend by SMS to those who have not acknowledged"), frozenset({Ann.SENDING, Ann.SENT}), None,
                   "writer", _("Only a sent announcement that asks for acknowledgement can be chased."), guard=nothing_to_chase),
    ),
    may={
        "writer": (announcement_can_write, _("You may only write to the estates you work for.")),
        "approver": (announcement_can_approve, _("Only the estate manager of every estate it reaches may approve it.")),
    },
)


# --- Statements ------------------------------------------------------------------------------
Stm = Statement.Status
_STM_MOVE = _("A statement that is “%(status)s” cannot be moved to “%(target)s”.")
_STM_NOT_EDITABLE = _("Only a draft or an approved statement can be edited.")

STATEMENT = Lifecycle(
    transitions=_table(
        Transition("edit", _("Edit"), frozenset({Stm.DRAFT}), None, "writer", _STM_NOT_EDITABLE),
        # Editing what a manager approved sends it back to review.
        Transition("edit_approved", _("Edit"), frozenset({Stm.APPROVED}), Stm.IN_REVIEW, "writer", _STM_NOT_EDITABLE),
        Transition("submit", _("Send for review"), frozenset({Stm.DRAFT}), Stm.IN_REVIEW, "writer", _STM_MOVE),
        Transition("approve", _("Approve"), frozenset({Stm.IN_REVIEW}), Stm.APPROVED, "approver", _STM_MOVE),
        Transition("return", _("Send back"), frozenset({Stm.IN_REVIEW}), Stm.DRAFT, "approver", _STM_MOVE, needs_text="note"),
        Transition("publish", _("Publish"), frozenset({Stm.APPROVED}), Stm.PUBLISHED, "writer", _STM_MOVE),
        Transition("supersede", _("Superseded"), frozenset({Stm.PUBLISHED}), Stm.SUPERSEDED, SYSTEM, _STM_MOVE),
        Transition("new_version", _("Start an update (new version)"), frozenset({Stm.PUBLISHED, Stm.SUPERSEDED}), None, "writer",
                   _("Only a published statement can be updated with a new version.")),
    ),
    may={
        "writer": (lambda user, statement: statement_can_write(user, statement.estate_id),
                   _("You may only write statements for the estates you work for.")),
        "approver": (lambda user, statement: statement_can_approve(user, statement.estate_id),
                     _("Only a manager of this estate may approve its statements.")),
    },
)


# --- Media inquiries -------------------------------------------------------------------------
Inq = MediaInquiry.Status
_INQ_CLOSED = _("This inquiry has already been answered.")

INQUIRY = Lifecycle(
    transitions=_table(
        Transition("assign", _("Assign"), frozenset({Inq.OPEN}), None, "recorder", _INQ_CLOSED),
        Transition("answer", _("Record answer"), frozenset({Inq.OPEN}), Inq.ANSWERED, "answerer", _INQ_CLOSED, needs_text="answer"),
        Transition("decline", _("Decline"), frozenset({Inq.OPEN}), Inq.DECLINED, "answerer", _INQ_CLOSED, needs_text="reason"),
    ),
    may={
        "recorder": (lambda user, inquiry: media_record_can_write(user, MediaInquiry, inquiry.estate_id),
                     _("You may only record or change media records of the estates you work for.")),
        "answerer": (lambda user, inquiry: inquiry_can_answer(user, inquiry.estate_id),
                     _("Only the spokesperson or a manager of this estate may answer the media.")),
    },
)

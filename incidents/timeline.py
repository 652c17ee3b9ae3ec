"""An incident's timeline in words: each IncidentEvent is stored as a kind and its parameters,
and turned into a sentence here, at display time, in the reader's language (gettext when the
page renders, never when the event was written)."""

from django.utils.translation import gettext as _

from .models import IncidentEvent, Stage, TeamRole

Kind = IncidentEvent.Kind


def _stage(value) -> str:
    return str(Stage(value).label) if value in Stage.values else value or "—"


def _role(value) -> str:
    return str(TeamRole(value).label) if value in TeamRole.values else value or "—"


FIELD_LABELS = {
    "kind": lambda: _("type"), "level": lambda: _("level"), "title": lambda: _("title"),
    "description": lambda: _("description"), "location": lambda: _("where"),
    "owner_guidance": lambda: _("what owners should do"), "affected": lambda: _("affected buildings and units"),
}

REVIEW_STEPS = {
    "saved": lambda p: _("Review saved (back to draft)") if p.get("reopened") else _("Review saved"),
    "submitted": lambda p: _("Review submitted for approval"),
    "approved": lambda p: _("Review approved"),
    "returned": lambda p: _("Review returned for changes"),
}


def _opened(p, e):
    if p.get("complaints"):
        return _("Incident opened from complaints %(numbers)s") % {"numbers": ", ".join(p["complaints"])}
    if p.get("mention"):
        return _("Incident opened from a media mention")
    return _("Incident opened (warning)")


def _task_added(p, e):
    if p.get("plan"):
        return _("Emergency plan “%(plan)s” started: %(count)s task(s) added") % {"plan": p["plan"], "count": p.get("count", 0)}
    return _("Task added: %(title)s") % {"title": p.get("title", "")}


def _team(p, e):
    if p.get("cleared"):
        return _("%(role)s removed from the crisis team") % {"role": _role(p.get("role"))}
    return _("%(name)s named %(role)s") % {"name": p.get("user", ""), "role": _role(p.get("role"))}


def _updated(p, e):
    names = ", ".join(str(FIELD_LABELS[f]()) if f in FIELD_LABELS else f for f in p.get("fields", []))
    return _("Details changed: %(fields)s") % {"fields": names}


def _improvement(p, e):
    if p.get("step") == "done":
        return _("Improvement action done: %(title)s") % {"title": p.get("title", "")}
    return _("Improvement action added: %(title)s (%(owner)s)") % {"title": p.get("title", ""), "owner": p.get("owner", "")}


SENTENCES = {
    Kind.OPENED: _opened,
    Kind.TRANSITION: lambda p, e: _("Stage: %(from)s → %(to)s") % {"from": _stage(e.from_stage), "to": _stage(e.to_stage)},
    Kind.UPDATED: _updated,
    Kind.TEAM: _team,
    Kind.TASK_ADDED: _task_added,
    Kind.TASK_DONE: lambda p, e: _("Task done: %(title)s") % {"title": p.get("title", "")},
    Kind.TASK_CARRIED: lambda p, e: _("Task carried over: %(title)s") % {"title": p.get("title", "")},
    Kind.TASK_ASSIGNED: lambda p, e: _("Task “%(title)s” assigned to %(name)s") % {"title": p.get("title", ""), "name": p.get("user", "")},
    Kind.TASK_OVERDUE: lambda p, e: _("Task overdue: %(title)s (due %(due)s, %(who)s)") % {
        "title": p.get("title", ""), "due": p.get("due", ""), "who": p.get("who", "")},
    Kind.LOG: lambda p, e: _("Log entry"),
    Kind.COMPLAINT_LINKED: lambda p, e: _("Complaint %(number)s linked") % {"number": p.get("number", "")},
    Kind.MENTION_LINKED: lambda p, e: _("Media mention linked: %(excerpt)s") % {"excerpt": p.get("excerpt", "")},
    Kind.STATEMENT: lambda p, e: _("Statement published: “%(title)s” (version %(version)s)") % {
        "title": p.get("title", ""), "version": p.get("version", 1)},
    Kind.NOTICE: lambda p, e: _("Emergency notice to owners: “%(title)s”") % {"title": p.get("title", "")},
    Kind.NEED_HELP: lambda p, e: _("%(name)s (%(unit)s) answered “I need help”: a task was made") % {
        "name": p.get("name", ""), "unit": p.get("unit") or "—"},
    Kind.DISCLOSURE_WARNING: lambda p, e: _("First statement due soon (by %(due)s)") % {"due": p.get("due", "")},
    Kind.DISCLOSURE_OVERDUE: lambda p, e: _("First statement overdue (was due %(due)s); managers told") % {"due": p.get("due", "")},
    Kind.REVIEW: lambda p, e: REVIEW_STEPS.get(p.get("step"), lambda p: _("Post-incident review"))(p),
    Kind.IMPROVEMENT: _improvement,
    Kind.CERTIFICATE: lambda p, e: _("Certificate %(number)s issued to %(name)s (%(unit)s)") % {
        "number": p.get("number", ""), "name": p.get("name", ""), "unit": p.get("unit", "")},
}


def event_text(event) -> str:
    """The sentence for one timeline entry, in the active language (what a person wrote is in
    `event.body` and shown beside it, as written)."""
    sentence = SENTENCES.get(event.kind)
    if sentence is None:
        return str(event.get_kind_display())
    try:
        return sentence(event.params or {}, event)
    except (KeyError, TypeError, ValueError):  # an old row with other parameters still reads as its kind
        return str(event.get_kind_display())

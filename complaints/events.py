"""What a timeline entry says, in the reader's language.

The lines the system writes ("Your complaint has been received", "Handled by our service staff",
"Rated 4 of 5", an SLA alert …) are not stored as text: an event stores its kind and the facts
(`ComplaintEvent.params`), and this module words them with gettext when the page or the API is
rendered, so an owner reading in English and a manager reading in Chinese each see their own
language. `body` keeps only what a person typed (a reply, a reason, a note).

Rows written before `params` existed (params is NULL) stored the whole line as text. They are
shown as stored, except that a status line the system wrote in Chinese or English is recognised
and worded again in the reader's language.
"""

from datetime import datetime
from functools import cache

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from owners.models import Role

from .lifecycle import OWNER_STATUS_TEXT
from .models import ComplaintEvent, ComplaintLink, FollowUp, Priority

Kind = ComplaintEvent.Kind

SLA_TEXT = {
    "response_warning": gettext_lazy("First response for complaint %(number)s is due at %(due)s."),
    "response_breach": gettext_lazy("Complaint %(number)s has had no first response by its deadline %(due)s."),
    "resolution_warning": gettext_lazy("Complaint %(number)s must be resolved by %(due)s."),
    "resolution_breach": gettext_lazy("Complaint %(number)s was not resolved by its deadline %(due)s."),
}
LEGACY_LANGUAGES = ("zh-hans", "en")


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value))


def _category_name(names) -> str:
    """A category stored as [Chinese name, English name], worded like Category.display_name."""
    name, name_en = (list(names) + ["", ""])[:2]
    if name_en and (translation.get_language() or "").startswith("en"):
        return name_en
    return name


def _due(value) -> str:
    return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")


def _system_line(event) -> str:
    p = event.params or {}
    kind = event.kind
    if kind in (Kind.SUBMITTED, Kind.TRANSITION) and event.to_status in OWNER_STATUS_TEXT:
        return str(OWNER_STATUS_TEXT[event.to_status])
    if kind == Kind.ASSIGNED:
        roles = ", ".join(_choice(Role.choices, role) for role in p.get("roles", []))
        return _("Handled by our %(role)s.") % {"role": roles}
    if kind == Kind.TRIAGED:
        changes = []
        if "category" in p:
            changes.append(" → ".join(_category_name(names) for names in p["category"]))
        if "priority" in p:
            changes.append(" → ".join(_choice(Priority.choices, value) for value in p["priority"]))
        return "; ".join(changes)
    if kind == Kind.RATED:
        return _("Rated %(n)d of 5.") % {"n": p.get("rating", 0)}
    if kind == Kind.LINKED:
        return _("Linked to %(number)s (%(kind)s).") % {"number": p.get("number", ""),
                                                         "kind": _choice(ComplaintLink.Kind.choices, p.get("link", ""))}
    if kind == Kind.FOLLOW_UP:
        return _choice(FollowUp.Outcome.choices, p.get("outcome", "")) + "."
    if kind in (Kind.SLA_WARNING, Kind.SLA_BREACH) and p.get("alert") in SLA_TEXT:
        return str(SLA_TEXT[p["alert"]]) % {"number": p.get("number", ""), "due": _due(p["due"])}
    return ""


@cache
def _status_lines(status: str) -> frozenset:
    """The status line as the system wrote it in each language old rows were written in."""
    lines = set()
    for language in LEGACY_LANGUAGES:
        with translation.override(language):
            lines.add(str(OWNER_STATUS_TEXT[status]))
    return frozenset(lines)


def _legacy_text(event) -> str:
    body = event.body
    if event.kind in (Kind.SUBMITTED, Kind.TRANSITION) and event.to_status in OWNER_STATUS_TEXT:
        first, _sep, rest = body.partition("\n")
        if first in _status_lines(event.to_status):
            return "\n".join(part for part in (str(OWNER_STATUS_TEXT[event.to_status]), rest) if part)
    return body


def event_text(event) -> str:
    """The entry's text for the reader: the system's line in their language, then what a person typed."""
    if event.params is None:
        return _legacy_text(event)
    return "\n".join(part for part in (_system_line(event), event.body) if part)

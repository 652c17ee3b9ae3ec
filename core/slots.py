"""Slots: places on one app's pages where apps above it add HTML, without being imported.

A lower app (complaints, communications) cannot import a higher one (incidents), yet its pages
should offer the higher app's actions — "escalate to an incident" on a complaint, "raise an
incident" from a media mention. The higher app registers a renderer for a named slot in its
AppConfig.ready; the lower app's view asks the slot for its HTML. Like owners.panels, but for
any page. A renderer returns HTML (render_to_string's safe string) or "" to show nothing.

Slots in use:
- "complaints.ticket_actions": (request, complaint) → HTML, on the staff complaint page;
- "complaints.queue_bulk_actions": (request) → HTML, inside the queue's bulk form (the rows'
  checkboxes are named "complaint" and carry the ticket number);
- "communications.mention_actions": (request, mentions) → {mention pk: HTML}, on the media page.
- "owners.unit_panels": (request, unit) → HTML, the right-hand column of the staff unit page
  (e.g. complaints' arrears cases of the unit).
"""

from collections.abc import Callable

from django.utils.safestring import mark_safe

_slots: dict[str, dict[str, Callable]] = {}


def slot_register(slot: str, key: str, renderer: Callable) -> None:
    """Add a renderer to a slot; registering the same key again replaces it (ready() may run twice)."""
    _slots.setdefault(slot, {})[key] = renderer


def slot_render(slot: str, *args) -> str:
    """The HTML of every renderer of the slot, in the order registered."""
    return mark_safe("".join(html for html in (r(*args) for r in _slots.get(slot, {}).values()) if html))  # noqa: S308


def slot_render_each(slot: str, items, *args) -> dict:
    """For slots that render per item in one go (one query for the whole list): {item pk: HTML}."""
    out: dict = {}
    for renderer in _slots.get(slot, {}).values():
        for pk, html in (renderer(*args, items) or {}).items():
            out[pk] = mark_safe(out.get(pk, "") + html)  # noqa: S308
    return out

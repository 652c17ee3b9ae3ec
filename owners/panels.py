"""Panels that apps above owners add to owners' pages, without owners importing them.

owners is the ground floor and imports no app of ours, yet the staff's resident page should show,
for example, the messages sent to that resident, which only communications knows. So an app
registers a panel in its AppConfig.ready, as it connects to owners' signals; the page renders
every registered panel, in the order registered.

A resident panel is a callable `(request, resident) -> str`: HTML (render_to_string's safe
string) for the right-hand column of the page, or "" to show nothing.
"""

from collections.abc import Callable

ResidentPanel = Callable[..., str]

_resident_panels: dict[str, ResidentPanel] = {}


def resident_panel_register(key: str, panel: ResidentPanel) -> None:
    """Add a panel to the resident page; registering the same key again replaces it, so a
    ready() that runs twice adds nothing twice."""
    _resident_panels[key] = panel


def resident_panels_render(request, resident) -> list[str]:
    """The HTML of every registered panel that has something to show for this resident."""
    return [html for html in (panel(request, resident) for panel in _resident_panels.values()) if html]

"""Panels that apps above owners add to owners' pages, without owners importing them.

owners is the ground floor and imports no app of ours, yet the staff's resident page should show,
for example, the messages sent to that resident, which only communications knows. So an app
registers a panel in its AppConfig.ready, as it connects to owners' signals; the page renders
every registered panel, in the order registered.

A resident panel is a callable `(request, resident) -> str`: HTML (render_to_string's safe
string) for the right-hand column of the page, or "" to show nothing. Panels appear by `order`
(lowest first), then in the order registered: what staff look at most — the resident's
complaints and arrears case — comes before the long list of messages sent.
"""

from collections.abc import Callable

ResidentPanel = Callable[..., str]

_resident_panels: dict[str, tuple[int, ResidentPanel]] = {}


def resident_panel_register(key: str, panel: ResidentPanel, *, order: int = 100) -> None:
    """Add a panel to the resident page; registering the same key again replaces it, so a
    ready() that runs twice adds nothing twice."""
    _resident_panels[key] = (order, panel)


def resident_panels_render(request, resident) -> list[str]:
    """The HTML of every registered panel that has something to show for this resident, by order."""
    ordered = sorted(_resident_panels.values(), key=lambda entry: entry[0])  # stable: ties keep registration order
    return [html for html in (panel(request, resident) for _order, panel in ordered) if html]

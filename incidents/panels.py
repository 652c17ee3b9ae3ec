"""What incidents shows on the dashboard home: the open incidents of my estates, most severe
first, each with its stage and the first-statement countdown (red once overdue), and how many
early-warning signals wait for a decision. Two queries whatever the number of incidents."""

from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string
from django.utils import timezone

from owners.permissions import ALL, estate_ids_with_perm

from .models import OPEN_STAGES, Level
from .models.warnings import WarningSignal
from .permissions import VIEW
from .selectors import incident_list_for

OPEN_SHOWN = 10
_LEVEL_RANK = Case(*[When(level=level, then=Value(rank)) for rank, level in enumerate(Level.values)],
                   default=Value(len(Level.values)), output_field=IntegerField())


def _open_signals(user, estate_id: int | None) -> int:
    scope = estate_ids_with_perm(user, VIEW)
    signals = WarningSignal.objects.filter(status=WarningSignal.Status.OPEN)
    if estate_id is not None:
        signals = signals.filter(estate_id=estate_id)
    if scope is not ALL:
        if not scope:
            return 0
        signals = signals.filter(estate_id__in=scope)
    return signals.count()


def open_incidents_panel(request, estate_id: int | None = None) -> str:
    """The panel, of one estate with `estate_id` (within the user's scope: the caller checks)."""
    incidents = incident_list_for(request.user).filter(stage__in=OPEN_STAGES)
    if estate_id is not None:
        incidents = incidents.filter(estate_id=estate_id)
    incidents = list(incidents.select_related("estate").annotate(level_rank=_LEVEL_RANK)
                     .order_by("level_rank", "-opened_at")[:OPEN_SHOWN])
    signals = _open_signals(request.user, estate_id)
    if not incidents and not signals:
        return ""
    now = timezone.now()
    from .views.staff import LEVEL_BADGES

    for incident in incidents:
        incident.level_badge = LEVEL_BADGES.get(incident.level, "text-bg-light border")
        incident.clock_runs = bool(incident.disclosure_due_at and incident.first_statement_at is None)
        incident.clock_overdue = incident.clock_runs and incident.disclosure_due_at < now
    return render_to_string("incidents/includes/open_panel.html", {"incidents": incidents, "signals": signals},
                            request=request)

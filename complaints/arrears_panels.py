"""What the arrears desk shows on owners' pages, without owners importing complaints: the unit
page's case history (core.slots "owners.unit_panels") and the resident page's case
(owners.panels). Registered in ComplaintsConfig.ready.

Arrears are private, so both ask arrears_case_list_for: staff whose role carries the arrears view
permission at the case's estate. An engineer or a spokesperson (roles without it), another
estate's staff and any owner see no panel at all — not even that one exists.
"""

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from owners.models import Occupancy

from .arrears_selectors import arrears_case_list_for
from .permissions import arrears_can_view

CASES_SHOWN = 10


def _cases(request, *conditions, **where):
    return list(arrears_case_list_for(request.user).filter(*conditions, **where).select_related("assignee").order_by("-opened_at", "-id")[:CASES_SHOWN])


def unit_arrears_panel(request, unit) -> str:
    """The unit's arrears cases, open one first, each with its step or its outcome; "none yet"
    to staff who may see arrears here, nothing to anyone else."""
    if not arrears_can_view(request.user, unit.building.estate_id):
        return ""
    return render_to_string("complaints/arrears/unit_panel.html", {
        "cases": _cases(request, unit_id=unit.pk), "today": timezone.localdate(),
    }, request=request)


def resident_arrears_panel(request, resident) -> str:
    """The arrears cases of the resident and of the units they live in now (a co-owner shares the
    unit's fee), that this staff member may see (none: no panel)."""
    homes = Occupancy.objects.filter(resident=resident, end_date__isnull=True).values("unit_id")
    cases = _cases(request, Q(resident_id=resident.pk) | Q(unit_id__in=homes))
    if not cases:
        return ""
    return render_to_string("complaints/arrears/resident_panel.html", {"cases": cases, "today": timezone.localdate()}, request=request)

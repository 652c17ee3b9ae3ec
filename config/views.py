"""Cross-app pages: where a signed-in person lands, the dashboard shell, health and errors."""

from django.core.cache import cache
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from complaints.selectors import complaint_dashboard_counts, follow_ups_overdue_for
from django.utils import timezone

from communications.selectors import inquiry_list_for, notice_unread_urgent_count
from owners.access import resident_required, staff_required
from owners.permissions import is_staff_member, roles_of
from owners.selectors import estate_summaries_for, occupancy_list_for_resident

# The five areas of the product, in navigation order. Each becomes a real page as its issue lands.
AREAS = [
    ("incidents", _("Crisis incidents"), "bi-exclamation-octagon"),
    ("arrears", _("Fee arrears"), "bi-cash-coin"),
]


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if is_staff_member(request.user):
        return redirect("dashboard:home")
    if request.user.is_resident:
        return redirect("portal:home")
    return render(request, "no_role.html", status=403)


@staff_required
def dashboard_home(request):
    return render(request, "dashboard/home.html", {
        "estates": estate_summaries_for(request.user), "roles": roles_of(request.user),
        "complaints": complaint_dashboard_counts(request.user),
        "follow_ups": follow_ups_overdue_for(request.user),
        "inquiries_overdue": list(inquiry_list_for(request.user).filter(status="open", deadline__lt=timezone.now())[:10]),
    })


@resident_required
def portal_home(request):
    """The owner's start page: their homes, and the ways to report a problem and read notices."""
    resident = request.user.resident
    occupancies = [o for o in occupancy_list_for_resident(resident) if o.end_date is None]
    return render(request, "portal/home.html", {
        "resident": resident, "occupancies": occupancies, "urgent_unread": notice_unread_urgent_count(resident),
    })


@staff_required
def area(request, slug):
    for key, title, icon in AREAS:
        if key == slug:
            return render(request, "dashboard/area_pending.html", {"area_title": title, "area_icon": icon})
    raise Http404


def healthz(request):
    """Liveness for load balancers and docker-compose: the database and the cache answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # pragma: no cover - reported, not raised
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error"
    except Exception as exc:  # pragma: no cover
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def rate_limited(request, exception=None):
    return render(request, "429.html", status=429)

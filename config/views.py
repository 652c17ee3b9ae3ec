"""Cross-app pages: where a signed-in person lands, the dashboard shell, health and errors."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communications.panels import approvals_panel, sends_in_progress_panel
from communications.permissions import ANSWER_INQUIRY
from communications.selectors import inquiry_list_for, need_help_open_for, notice_unread_urgent_count
from complaints.panels import arrears_due_panel, my_queue_panel
from complaints.selectors import complaint_dashboard_counts, follow_ups_overdue_for
from config.reports.charts import chart_filters
from incidents.panels import open_incidents_panel
from incidents.selectors import incident_public_current
from owners.access import resident_required, staff_required
from owners.permissions import ALL, estate_ids_with_perm, is_staff_member, roles_of, staff_estate_ids
from owners.selectors import estate_summaries_for, occupancy_list_for_resident

HEALTH_TIMEOUT = 2  # seconds per check; load balancers typically give up after 5

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


# The estate cards' building, unit and resident counts change with imports and move-ins, not from
# minute to minute, and counting 50,000 units on every visit cost a company-wide user ~50 ms
# (issue 13): they are kept this long per scope, and the page says as of when.
ESTATE_SUMMARY_SECONDS = 300


def _estate_summaries(user):
    """(estates with their counts, when they were counted, the scope's key), shared by everyone
    with the same scope."""
    scope = staff_estate_ids(user)
    ids = "all" if scope is ALL else ",".join(str(i) for i in sorted(scope or []))
    key = "dashboard-estates:" + hashlib.sha256(ids.encode()).hexdigest()[:32]
    estates, counted_at = cache.get_or_set(key, lambda: (estate_summaries_for(user), timezone.now()), ESTATE_SUMMARY_SECONDS)
    return estates, counted_at, key


@staff_required
def dashboard_home(request):
    """The home: counts, needs-attention panels, charts and estate cards of the user's estates, or
    of one of them (?estate=<id>; an id outside the user's scope is ignored, as the queue and the
    charts ignore it). No more queries with an estate than without."""
    estates, counted_at, scope_key = _estate_summaries(request.user)
    home_estate = _home_estate(request, estates)
    estate_id = home_estate.pk if home_estate else None
    return render(request, "dashboard/home.html", {
        "estates": estates, "estates_counted_at": counted_at, "roles": roles_of(request.user),
        # The cards are drawn once per scope and count (a company's 100 cards were a third of the
        # page's time at 1M), and follow the counts: a recount is a new key.
        "estate_cards_key": f"{scope_key}:{counted_at.timestamp()}:{estate_id or ''}",
        "home_estate": home_estate, "estates_shown": [home_estate] if home_estate else estates,
        "need_help": need_help_open_for(request.user, estate_id=estate_id),
        "approvals_panel": approvals_panel(request, estate_id),
        "incidents_panel": open_incidents_panel(request, estate_id),
        "my_queue_panel": my_queue_panel(request, estate_id),
        "sends_panel": sends_in_progress_panel(request, estate_id),
        "arrears_panel": arrears_due_panel(request, estate_id),
        "complaints": complaint_dashboard_counts(request.user, estate_id),
        "follow_ups": follow_ups_overdue_for(request.user, estate_id=estate_id),
        "inquiries_overdue": _inquiries_overdue(request.user, estate_id),
    })


def _home_estate(request, estates):
    """The estate the home is narrowed to, or None: the charts' check of ?estate= (chart_filters),
    and one of the estates listed on the page (so the page can name it). Someone with one estate
    has no filter: their page is the same with or without it."""
    estate_id = chart_filters(request.user, request.GET).estate_id if len(estates) > 1 else None
    return next((e for e in estates if e.pk == estate_id), None) if estate_id is not None else None


def _inquiries_overdue(user, estate_id: int | None = None) -> list:
    """Open media inquiries past their deadline that `user` may answer (an alarm nobody else can act on)."""
    answerable = estate_ids_with_perm(user, ANSWER_INQUIRY)
    overdue = inquiry_list_for(user).filter(status="open", deadline__lt=timezone.now()).order_by("deadline")
    if answerable is not ALL:
        overdue = overdue.filter(estate_id__in=answerable or [])
    if estate_id is not None:
        overdue = overdue.filter(estate_id=estate_id)
    return list(overdue[:10])


@resident_required
def portal_home(request):
    """The owner's start page: their homes, and the ways to report a problem and read notices."""
    resident = request.user.resident
    occupancies = [o for o in occupancy_list_for_resident(resident) if o.end_date is None]
    return render(request, "portal/home.html", {
        "resident": resident, "occupancies": occupancies, "urgent_unread": notice_unread_urgent_count(resident),
        "incidents": incident_public_current(resident),
    })


@staff_required
def area(request, slug):
    if slug == "incidents":  # the area has its pages now; old links land on its list
        return redirect("dashboard:incident_list")
    for key, title, icon in AREAS:
        if key == slug:
            return render(request, "dashboard/area_pending.html", {"area_title": title, "area_icon": icon})
    raise Http404


def healthz(request):
    """Readiness for load balancers and docker-compose: the database, the cache and the Celery
    broker answer. 503 names the part that does not; each check gives up after a few seconds."""
    checks = {"database": _check(_database_answers), "cache": _check(_cache_answers), "broker": _check(_broker_answers)}
    healthy = all(v in ("ok", "in-process") for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _check(probe) -> str:
    try:
        return probe()
    except Exception as exc:  # reported, not raised: the answer must name the failing part
        return f"error: {exc.__class__.__name__}"


def _database_answers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _cache_answers() -> str:
    cache.set("healthz", "1", 5)
    return "ok" if cache.get("healthz") == "1" else "error"


def _broker_answers() -> str:
    """One connection to the broker, no retries. The embedded default has none to check."""
    url = settings.CELERY_BROKER_URL
    if not url or url.startswith("memory://"):
        return "in-process"
    from config.celery import app

    with app.connection_for_write(url, connect_timeout=HEALTH_TIMEOUT,
                                  transport_options={"socket_timeout": HEALTH_TIMEOUT}) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=HEALTH_TIMEOUT)
    return "ok"


def rate_limited(request, exception=None):
    return render(request, "429.html", status=429)

"""`manage.py benchmark pages`: every page and API list the navigation or a typical action opens,
for a company-wide and an estate-scoped user, on generated data (complaints/benchmark_data.py).

Method: the in-process test client with DEBUG off, 2 warm-up requests, then `runs` timed ones
(default 20); prints the median, the 90th percentile and the query count of each. With `--save`
the figures go to a JSON file; `--compare` reads another run's file and prints, per page, this
run's median divided by that one's (the flatness line: 1M ÷ 10k).
"""

import gc
import io
import json
import logging
import statistics
import time
from contextlib import contextmanager
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from owners.models import Estate, Resident, Role, StaffMembership, Unit, User
from owners.services import staff_roles_sync

from .benchmark_data import PREFIX, data_generate
from .models import Category, Complaint, ComplaintEvent, ComplaintPhoto
from .models.complaints import OPEN_STATUSES

WARM_UP = 2
# The dashboard's chart endpoints (config.reports.charts.CHARTS, which this layer may not import).
CHARTS = ("complaints-per-day", "complaints-by-building", "sla", "satisfaction", "incidents", "media", "collection",
          "collection-trend")


def _user(username, estate=None, role=Role.SERVICE):
    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": username, "kind": User.Kind.STAFF})
    StaffMembership.objects.get_or_create(user=user, estate=estate, defaults={"role": role})
    staff_roles_sync(user)
    return user


def _client(user):
    host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*", "["))), "localhost")
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def _photo(n):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40 * n % 255, 120, 200)).save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    buffer.name = f"photo{n}.jpg"
    return buffer


def _measure(client, method, url, data_for, runs, expect):
    times, queries = [], []
    for i in range(WARM_UP + runs):
        data = data_for() if data_for else None
        connection.queries_log.clear()  # the log keeps 9,000 entries; a full one would count nothing
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(url, data) if method == "POST" else client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expect:
            raise SystemExit(f"{method} {url}: answered {response.status_code}, expected {expect}")
        if i >= WARM_UP:
            times.append(elapsed)
            queries.append(len(captured))
    times.sort()
    return {"median": statistics.median(times), "p90": times[min(len(times) - 1, int(round(0.9 * len(times))) - 1)],
            "queries": [min(queries), max(queries)]}


def _cases(estate, estate_staff, company, owner, sample, category, announcement):
    """(label, users, method, url, data, expected status). `users` is a list of (name, user)."""
    staff = [("company", company), ("estate", estate_staff)]
    q = "/dashboard/complaints/"
    resident_id = owner.resident.pk
    unit_id = sample.unit_id
    # An open ticket of the estate to find by part of its number, and its unit as staff type it ("3-501").
    searched = Complaint.objects.filter(estate=estate, status__in=OPEN_STATUSES, unit__isnull=False).order_by("id").first() or sample
    unit = Unit.objects.select_related("building").get(pk=searched.unit_id or unit_id)
    unit_typed = f"{unit.building.name.removesuffix('号楼')}-{unit.number}"

    def submission(photos=0):
        return lambda: {"category": str(category.pk), "where": f"unit:{unit_id}", "location": "",
                        "description": "卫生间天花板漏水，水一直滴到地板上，希望物业尽快派人上门处理。",
                        **({"photos": [_photo(i) for i in range(photos)]} if photos else {})}

    return [
        ("dashboard home", staff, "GET", "/dashboard/", None, 200),
        # Narrowed to the sample estate (the estate user's own: the same as their home); a
        # company-wide user's charts narrowed to one estate are counted live, not recounted.
        ("dashboard home, one estate", staff, "GET", f"/dashboard/?estate={estate.pk}", None, 200),
        *[(f"chart: {name}, one estate", staff, "GET", f"/dashboard/charts/{name}/?estate={estate.pk}", None, 200)
          for name in CHARTS],
        # Each chart the home loads after it (config/reports/charts.py), with its default filters.
        *[(f"chart: {name}", staff, "GET", f"/dashboard/charts/{name}/", None, 200) for name in CHARTS],
        ("queue: default (sidebar)", staff, "GET", q, None, 200),
        ("queue: open", staff, "GET", q + "?status=open", None, 200),
        ("queue: overdue", staff, "GET", q + "?overdue=1", None, 200),
        ("queue: open, unassigned", staff, "GET", q + "?status=open&assignee=none", None, 200),
        ("queue: open, assigned to me", staff, "GET", q + "?status=open&assignee=me", None, 200),
        ("queue: open + category", staff, "GET", f"{q}?status=open&category={category.pk}", None, 200),
        ("queue: open, page 5", staff, "GET", q + "?status=open&page=5", None, 200),
        ("queue: search ticket number", staff, "GET", f"{q}?q={sample.number}", None, 200),
        ("queue: search owner mobile", staff, "GET", f"{q}?q={owner.resident.mobile}", None, 200),
        ("queue: search text 漏水", staff, "GET", q + "?q=%E6%BC%8F%E6%B0%B4", None, 200),
        # A phrase in one open ticket in seven, one in none, the last five digits of a ticket
        # number, and a unit (in every estate for a company-wide user): each way the planner goes.
        ("queue: search phrase 再不处理", staff, "GET", f"{q}?q={quote('再不处理')}", None, 200),
        ("queue: search phrase 电梯困人 (no match)", staff, "GET", f"{q}?q={quote('电梯困人')}", None, 200),
        ("queue: search partial number", staff, "GET", f"{q}?q={searched.number[-5:]}", None, 200),
        ("queue: search unit (a building-room)", staff, "GET", f"{q}?q={unit_typed}", None, 200),
        ("complaint detail (50 entries, 6 photos, 3 links)", staff, "GET", f"{q}{sample.number}/", None, 200),
        ("API complaints, default", staff, "GET", "/api/v1/complaints/", None, 200),
        ("API complaints, open, 50", staff, "GET", "/api/v1/complaints/?status=open&page_size=50", None, 200),
        ("API complaints: search phrase 再不处理", staff, "GET", f"/api/v1/complaints/?q={quote('再不处理')}", None, 200),
        ("API complaints: search partial number", staff, "GET", f"/api/v1/complaints/?q={searched.number[-5:]}", None, 200),
        ("API complaints: search unit (a building-room)", staff, "GET", f"/api/v1/complaints/?q={unit_typed}", None, 200),
        ("announcements list", staff, "GET", "/dashboard/announcements/", None, 200),
        # (Left out when the data set has no announcement of the sample estate, e.g. removed by hand.)
        *([("announcement detail", staff, "GET", f"/dashboard/announcements/{announcement.pk}/", None, 200)]
          if announcement is not None else []),
        ("media home", staff, "GET", "/dashboard/media/", None, 200),
        ("residents list", staff, "GET", "/dashboard/residents/", None, 200),
        ("resident page", staff, "GET", f"/dashboard/residents/{resident_id}/", None, 200),
        ("owner: portal home", [("owner", owner)], "GET", "/portal/", None, 200),
        ("owner: my complaints", [("owner", owner)], "GET", "/portal/complaints/", None, 200),
        ("owner: complaint", [("owner", owner)], "GET", f"/portal/complaints/{sample.number}/", None, 200),
        ("owner: notice board", [("owner", owner)], "GET", "/portal/notices/", None, 200),
        ("owner: submit, no photos", [("owner", owner)], "POST", "/portal/complaints/new/", submission(), 302),
        ("owner: submit, 3 photos (1600×1200 JPEG)", [("owner", owner)], "POST", "/portal/complaints/new/", submission(3), 302),
    ]


@contextmanager
def quiet_logs():
    """Thousands of timed requests would each log a sign-in (axes) or a refused one; quiet them for
    the run and give the loggers back their levels after it (the command also runs inside tests)."""
    loggers = {name: logging.getLogger(name) for name in ("axes", "django.request")}
    levels = {name: logger.level for name, logger in loggers.items()}
    loggers["axes"].setLevel(logging.WARNING)
    loggers["django.request"].setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, logger in loggers.items():
            logger.setLevel(levels[name])


def bench_pages(**kwargs) -> list[dict]:
    with quiet_logs():
        return _bench_pages(**kwargs)


def _bench_pages(*, estates: int, complaints: int, open_share: float, runs: int, out, save=None, compare=None,
                 only=None) -> list[dict]:
    data_generate(estates, complaints, open_share, out)
    estate = Estate.objects.get(code=f"{PREFIX}000")
    estate_staff = _user("bench-service", estate)
    company = _user("bench-company", None, Role.COMPANY_ADMIN)
    sample = Complaint.objects.filter(estate=estate).order_by("id").first()
    resident = Resident.objects.get(pk=sample.resident_id)
    if resident.user_id is None:
        resident.user = User.objects.create_user(username=f"bench-owner-{resident.pk}", kind=User.Kind.RESIDENT)
        resident.save(update_fields=["user"])
    owner = resident.user
    category = Category.objects.filter(is_active=True).order_by("id").first()
    from communications.models import Announcement

    announcement = Announcement.objects.filter(title__startswith="BENCH ", estates=estate).order_by("-published_at").first()
    open_count = Complaint.objects.filter(estate=estate, status__in=["submitted", "acknowledged", "in_progress", "reopened"]).count()
    out(f"database: {connection.vendor}; {Complaint.objects.count()} complaints; the sample estate holds "
        f"{Complaint.objects.filter(estate=estate).count()} ({open_count} open); the sample owner has "
        f"{Complaint.objects.filter(resident=resident).count()}; sample ticket {sample.number}: "
        f"{ComplaintEvent.objects.filter(complaint=sample).count()} timeline entries, "
        f"{ComplaintPhoto.objects.filter(complaint=sample).count()} photos")
    out(f"{runs} timed requests after {WARM_UP} warm-ups each; server time in-process, DEBUG off; times in ms")
    out(f"{'page':<48} {'user':<8} {'median':>8} {'p90':>8} {'queries':>8}")
    from communications.models import Delivery

    last_id = Complaint.objects.order_by("-id").values_list("id", flat=True).first()
    last_delivery = Delivery.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # Notices go to the broker as in production (memory:// without REDIS_URL), not sent inside the
    # request as the embedded default's eager tasks would: the send is the worker's time, not the page's.
    from celery import current_app

    eager, current_app.conf.task_always_eager = current_app.conf.task_always_eager, False
    gc.collect()
    gc.freeze()  # as config/wsgi.py does for a served process
    results = []
    with override_settings(DEBUG=False, COMPLAINT_RATE_USER="100000/m", COMPLAINT_RATE_IP="100000/m"):
        try:
            for label, users, method, url, data, expect in _cases(estate, estate_staff, company, owner, sample, category, announcement):
                if only and only not in label:
                    continue
                for who, user in users:
                    row = {"page": label, "user": who, "url": url, **_measure(_client(user), method, url, data, runs, expect)}
                    results.append(row)
                    least, most = row["queries"]
                    out(f"{label:<48} {who:<8} {row['median']:8.1f} {row['p90']:8.1f} "
                        f"{(str(least) if least == most else f'{least}–{most}'):>8}")
        finally:
            current_app.conf.task_always_eager = eager
            gc.unfreeze()
            _submissions_remove(last_id, last_delivery)
    if save:
        with open(save, "w") as handle:
            json.dump({"complaints": complaints, "estates": estates, "open_share": open_share, "runs": runs,
                       "results": results}, handle, ensure_ascii=False, indent=1)
        out(f"saved to {save}")
    if compare:
        flatness(compare, results, complaints, out)
    return results


def flatness(path, results, complaints, out):
    with open(path) as handle:
        other = json.load(handle)
    before = {(r["page"], r["user"]): r for r in other["results"]}
    out(f"flatness: median at {complaints:,} ÷ median at {other['complaints']:,} complaints (target ≤ 1.5)")
    for row in results:
        old = before.get((row["page"], row["user"]))
        if old:
            ratio = row["median"] / old["median"]
            out(f"  {row['page']:<48} {row['user']:<8} {old['median']:7.1f} → {row['median']:7.1f} ms  "
                f"{ratio:4.2f}×{'' if ratio <= 1.5 else '  over'}")


def _submissions_remove(last_id, last_delivery):
    """The submission benchmark's tickets and their notices are not kept (the data set stays as generated)."""
    from communications.models import Delivery

    made = Complaint.objects.filter(id__gt=last_id or 0)
    ComplaintPhoto.objects.filter(complaint__in=made).delete()
    Delivery.objects.filter(id__gt=last_delivery, announcement__isnull=True).delete()
    made.delete()

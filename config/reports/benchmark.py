"""`manage.py benchmark report` and `benchmark exports`: the monthly report of one estate with
10,000 complaints in the month (PDF and XLSX), and the complaint queue's CSV and XLSX exports of
10,000 and 100,000 rows — time, queries and the memory the export takes.

The data is an estate of its own (code "bench-r-…": 10 buildings of 50 units, one owner each,
three staff), its tickets spread over the last complete month in the generator's mix of
statuses, categories, priorities and ratings, three timeline entries each (submitted,
acknowledged, a reply; 3% reopened), the month's fee ledger for every unit and a few media
mentions. It is removed after the run.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.benchmark import _client, quiet_logs
from complaints.benchmark_data import DONE_MIX, OPEN_MIX, PRIORITY_MIX, PROBLEMS, WINDOWS, _Loader, _next_id, _pick, _sequences_reset
from complaints.models import Category, Complaint, ComplaintEvent
from owners.models import Building, Estate, ExportRecord, FeeLedgerEntry, Occupancy, Resident, Role, StaffMembership, Unit, User
from owners.services import staff_roles_sync

PREFIX = "bench-r-"
H = dt.timedelta(hours=1)


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def bench_report_purge() -> None:
    from communications.models import MediaMention

    estates = Estate.objects.filter(code__startswith=PREFIX)
    ids = list(estates.values_list("id", flat=True))
    if not ids:
        return
    tickets = Complaint.objects.filter(estate_id__in=ids)
    ComplaintEvent.objects.filter(complaint__in=tickets)._raw_delete(ComplaintEvent.objects.db)
    tickets._raw_delete(Complaint.objects.db)
    FeeLedgerEntry.objects.filter(estate_id__in=ids).delete()
    MediaMention.objects.filter(estate_id__in=ids).delete()
    residents = list(Occupancy.objects.filter(unit__building__estate_id__in=ids).values_list("resident_id", flat=True))
    Occupancy.objects.filter(unit__building__estate_id__in=ids).delete()
    Resident.objects.filter(id__in=residents).delete()
    StaffMembership.objects.filter(estate_id__in=ids).delete()
    ExportRecord.objects.filter(user__username__startswith=PREFIX).delete()  # the exports scenario's own records
    User.objects.filter(username__startswith=PREFIX).delete()
    Unit.objects.filter(building__estate_id__in=ids).delete()
    Building.objects.filter(estate_id__in=ids).delete()
    estates.delete()


def bench_report_generate(complaints: int, *, month: dt.date, events: bool = True, seed: int = 23, suffix: str = "000") -> Estate:
    """One estate with `complaints` tickets submitted in `month` (and their timelines when `events`)."""
    from communications.models import MediaMention

    rng = random.Random(seed)
    with transaction.atomic():
        estate = Estate.objects.create(name=f"月报基准{suffix}花园", code=f"{PREFIX}{suffix}")
        Building.objects.bulk_create([Building(estate=estate, name=f"{b}号楼", floors=10) for b in range(1, 11)])
        buildings = list(Building.objects.filter(estate=estate).order_by("id").values_list("id", flat=True))
        Unit.objects.bulk_create([Unit(building_id=b, entrance=str(1 + u % 2), number=f"{1 + u // 5}{u % 5 + 1:02d}", floor=1 + u // 5)
                                  for b in buildings for u in range(50)])
        units = list(Unit.objects.filter(building__estate=estate).order_by("id").values_list("id", "building_id"))
        made = Resident.objects.bulk_create([Resident(name=f"业主{i}", mobile=f"164{suffix[-2:]}{i:06d}") for i in range(len(units))])
        residents = [r.pk for r in made] if made and made[0].pk else list(
            Resident.objects.filter(mobile__startswith=f"164{suffix[-2:]}").order_by("mobile").values_list("id", flat=True))
        Occupancy.objects.bulk_create([Occupancy(resident_id=r, unit_id=u[0], start_date=dt.date(2020, 1, 1))
                                       for r, u in zip(residents, units, strict=True)])
        staff = [User.objects.create(username=f"{PREFIX}{suffix}-{k}", first_name=f"客服{k}", password="!", kind=User.Kind.STAFF)
                 for k in range(3)]
        StaffMembership.objects.bulk_create([StaffMembership(user=u, estate=estate, role=Role.SERVICE) for u in staff])
        categories = list(Category.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
        start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
        span = (timezone.make_aware(dt.datetime.combine((month + dt.timedelta(days=32)).replace(day=1), dt.time.min)) - start) - H
        now = timezone.now()
        # Days of the month, weekdays busier than weekends, and two bad days (a burst pipe, a lift out).
        days = list(range(span.days + 1))
        weights = [(1.3 if (month + dt.timedelta(days=d)).weekday() < 5 else 0.8) * (3 if d in (9, 21) else 1) for d in days]
        base, spans = _next_id(Complaint), []

        def tickets():
            for g in range(complaints):
                cid = base + g
                i = rng.randrange(len(units))
                status = _pick(rng, OPEN_MIX) if rng.random() < 0.1 else _pick(rng, DONE_MIX)
                priority = _pick(rng, PRIORITY_MIX)
                respond_h, resolve_h = WINDOWS[priority]
                created = start + dt.timedelta(days=rng.choices(days, weights)[0], seconds=86_399 * rng.random())
                first = created + respond_h * H * 1.4 * rng.random()
                resolved = closed = rated = rating = None
                if status in ("resolved", "closed"):
                    resolved = created + resolve_h * H * (0.2 + rng.random())
                if status == "closed":
                    closed = resolved + dt.timedelta(days=2)
                    if rng.random() < 0.7:
                        rating, rated = rng.choice((5, 5, 5, 4, 4, 3, 2, 1)), resolved + dt.timedelta(days=1)
                spans.append((cid, created, status == "reopened" or rng.random() < 0.03))
                yield (cid, f"TR{suffix}-{g + 1:08d}", estate.pk, units[i][1], units[i][0], residents[i], rng.choice(categories), priority,
                       "portal", rng.choice(PROBLEMS), status, rng.choice(staff).pk, created, first, resolved, closed,
                       created + respond_h * H, created + resolve_h * H, first > created + respond_h * H,
                       (resolved or now) > created + resolve_h * H, "已处理" if resolved else "",
                       "重复提交" if status == "rejected" else "", rating, rated, closed or resolved or created)

        _Loader(Complaint, ["id", "number", "estate_id", "building_id", "unit_id", "resident_id", "category_id", "priority", "channel",
                            "description", "status", "assignee_id", "created_at", "first_response_at", "resolved_at", "closed_at",
                            "response_due_at", "resolution_due_at", "response_breached", "resolution_breached", "resolution_summary",
                            "rejection_reason", "rating", "rated_at", "updated_at"]).load(tickets())

        def timeline():
            event_id = first_event
            for cid, created, reopened in spans:
                rows = [("submitted", "", "submitted", ""), ("transition", "submitted", "acknowledged", ""), ("reply", "", "", "已安排师傅上门。")]
                if reopened:
                    rows.append(("transition", "resolved", "reopened", ""))
                for k, (kind, before, after, body) in enumerate(rows):
                    yield (event_id, cid, kind, True, before, after, body, created + k * H)
                    event_id += 1

        if events:
            first_event = _next_id(ComplaintEvent)
            _Loader(ComplaintEvent, ["id", "complaint_id", "kind", "public", "from_status", "to_status", "body", "created_at"]).load(timeline())
        _sequences_reset(Complaint, ComplaintEvent)
        FeeLedgerEntry.objects.bulk_create([
            FeeLedgerEntry(unit_id=u, estate=estate, building_id=b, period=month, billed=Decimal("350.00"),
                           paid=Decimal("350.00") if rng.random() < 0.85 else Decimal("0"), due_date=month + dt.timedelta(days=14))
            for u, b in units])
        MediaMention.objects.bulk_create([
            MediaMention(source="weibo", excerpt="业主反映小区电梯问题", sentiment=rng.choice(("negative", "neutral", "positive")),
                         reach=rng.randrange(100, 50_000), estate=estate, mentioned_at=start + span * rng.random()) for _ in range(30)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE complaints_complaint, complaints_complaintevent, owners_feeledgerentry")
    return estate


def _median(fn, runs: int):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def bench_report(*, complaints: int, runs: int, out) -> None:
    from .monthly import monthly_report, report_pdf, report_xlsx

    month = _last_month()
    bench_report_purge()
    try:
        started = time.perf_counter()
        estate = bench_report_generate(complaints, month=month)
        out(f"report: generated an estate with {complaints} complaints in {month:%Y-%m} in {time.perf_counter() - started:.1f} s")
        with CaptureQueriesContext(connection) as captured:
            data = monthly_report(estate, month, collection=True)
        assert data["totals"]["total"] == complaints, data["totals"]
        figures, figure_times, _ = _median(lambda: monthly_report(estate, month, collection=True), runs)
        out(f"report: the figures (every aggregate): median {figures * 1000:.0f} ms, {len(captured)} queries")
        pdf, pdf_times, content = _median(lambda: report_pdf(monthly_report(estate, month, collection=True)), runs)
        out(f"report: PDF (figures + drawing, {len(content) // 1024} KiB): median {pdf:.2f} s over {runs} runs "
            f"{[round(t, 2) for t in pdf_times]}")

        def xlsx():
            handle = report_xlsx(monthly_report(estate, month, collection=True))
            size = len(handle.read())
            handle.close()
            return size

        book, book_times, size = _median(xlsx, runs)
        out(f"report: XLSX (figures + sheets and charts, {size // 1024} KiB): median {book:.2f} s over {runs} runs "
            f"{[round(t, 2) for t in book_times]}")
        verdict = "within" if max(pdf, book) < 3 else "OVER"
        out(f"report: {verdict} the 3 s target")
    finally:
        bench_report_purge()


def _peak_rss_kib() -> int:
    """The process's peak resident memory (VmHWM, KiB) since the last reset (Linux), else getrusage's."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_kib() -> int:
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def _peak_reset() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)
        return True
    except OSError:
        return False


def bench_exports(*, sizes: tuple[int, ...], runs: int, out) -> None:
    """The complaint queue export, as a user of one estate with `size` tickets, status "all"."""
    month = _last_month()
    bench_report_purge()
    try:
        for n, size in enumerate(sizes):
            started = time.perf_counter()
            bench_report_generate(size, month=month, events=False, suffix=f"{n + 1:03d}")
            out(f"exports: generated an estate with {size} complaints in {time.perf_counter() - started:.1f} s")
            user = User.objects.get(username=f"{PREFIX}{n + 1:03d}-0")
            staff_roles_sync(user)
            client = _client(user)
            for fmt in ("csv", "xlsx"):
                def export(client=client, fmt=fmt):
                    with quiet_logs():
                        response = client.get(f"/dashboard/exports/complaints.{fmt}", {"status": "all"})
                        assert response.status_code == 200, response.status_code
                        return sum(len(piece) for piece in response.streaming_content)

                export()  # warm-up (templates, translations, the plan)
                times, peaks, queries, size_bytes = [], [], 0, 0
                for _ in range(runs):
                    resettable = _peak_reset()
                    before = _rss_kib()
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        size_bytes = export()
                        times.append(time.perf_counter() - started)
                    peaks.append(_peak_rss_kib() - before if resettable else _peak_rss_kib())
                    queries = len(captured)
                label = "peak RSS growth" if resettable else "peak RSS of the process"
                out(f"exports: complaints {fmt.upper()} {size} rows ({size_bytes // 1024} KiB): median {statistics.median(times):.2f} s "
                    f"{[round(t, 2) for t in times]}, {label} {max(peaks) // 1024} MiB, {queries} queries")
    finally:
        bench_report_purge()

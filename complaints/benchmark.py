"""Complaint data at scale for `manage.py benchmark complaints` (PostgreSQL only).

Generates estates, buildings, units, owners and N complaints with set-based SQL
(generate_series), then times the pages and API people use most.
"""

import gc
import logging
import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from owners.models import Building, Estate, Occupancy, Resident, Role, StaffMembership, Unit, User
from owners.services import staff_roles_sync

PREFIX = "bench-c-"


def bench_data_ensure(estates: int, complaints: int, out) -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("The complaints benchmark needs DATABASE_URL on PostgreSQL.")
    have = Estate.objects.filter(code__startswith=PREFIX).count()
    from complaints.models import Complaint

    existing = Complaint.objects.filter(number__startswith="BM-").count()
    if have == estates and existing == complaints:
        out(f"reusing {existing} generated complaints in {have} estates")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_complaint WHERE number LIKE 'BM-%%'")
    Occupancy.objects.filter(unit__building__estate__code__startswith=PREFIX).delete()
    Resident.objects.filter(mobile__startswith="165").delete()
    Unit.objects.filter(building__estate__code__startswith=PREFIX).delete()
    Building.objects.filter(estate__code__startswith=PREFIX).delete()
    Estate.objects.filter(code__startswith=PREFIX).delete()
    Estate.objects.bulk_create([Estate(name=f"基准小区{i:03d}", code=f"{PREFIX}{i:03d}") for i in range(estates)])
    ids = list(Estate.objects.filter(code__startswith=PREFIX).values_list("id", flat=True))
    Building.objects.bulk_create([Building(estate_id=e, name=f"{b}号楼") for e in ids for b in range(1, 11)])
    buildings = list(Building.objects.filter(estate_id__in=ids).values_list("id", flat=True))
    Unit.objects.bulk_create([Unit(building_id=b, entrance="1", number=f"{f}0{u}", floor=f) for b in buildings
                              for f in range(1, 11) for u in range(1, 6)], batch_size=5000)
    units = list(Unit.objects.filter(building_id__in=buildings).order_by("id").values_list("id", flat=True))
    Resident.objects.bulk_create([Resident(name=f"业主{i}", mobile=f"165{i:08d}") for i in range(len(units))], batch_size=5000)
    residents = list(Resident.objects.filter(mobile__startswith="165").order_by("mobile").values_list("id", flat=True))
    Occupancy.objects.bulk_create([Occupancy(resident_id=r, unit_id=u) for r, u in zip(residents, units, strict=False)], batch_size=5000)
    out(f"generated {len(ids)} estates, {len(buildings)} buildings, {len(units)} units and owners "
        f"in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH occ AS (
                SELECT row_number() OVER (ORDER BY o.id) AS rn, o.resident_id, o.unit_id, u.building_id, b.estate_id
                FROM owners_occupancy o JOIN owners_unit u ON u.id = o.unit_id JOIN owners_building b ON b.id = u.building_id
                WHERE b.estate_id = ANY(%(estates)s)
            ), total AS (SELECT count(*) AS n FROM occ),
            cats AS (SELECT array_agg(id ORDER BY id) AS ids FROM complaints_category),
            gen AS (
                SELECT g, random() AS r, now() - random() * interval '365 days' AS t FROM generate_series(1, %(n)s) AS g
            )
            INSERT INTO complaints_complaint (
                number, estate_id, building_id, unit_id, location, resident_id, category_id, priority, channel, description,
                status, created_at, first_response_at, resolved_at, closed_at, response_due_at, resolution_due_at,
                response_breached, resolution_breached, resolution_summary, rejection_reason, rating, rating_comment,
                flagged, updated_at)
            SELECT 'BM-' || gen.g, occ.estate_id, occ.building_id, occ.unit_id, '', occ.resident_id,
                   cats.ids[1 + gen.g %% array_length(cats.ids, 1)],
                   (ARRAY['low','normal','normal','normal','high','urgent'])[1 + gen.g %% 6],
                   (ARRAY['portal','portal','phone','in_person'])[1 + gen.g %% 4],
                   '生成的投诉内容 ' || gen.g,
                   CASE WHEN gen.r < 0.85 THEN 'closed' WHEN gen.r < 0.90 THEN 'resolved' WHEN gen.r < 0.94 THEN 'in_progress'
                        WHEN gen.r < 0.97 THEN 'acknowledged' ELSE 'submitted' END,
                   gen.t,
                   CASE WHEN gen.r < 0.97 THEN gen.t + interval '2 hours' END,
                   CASE WHEN gen.r < 0.90 THEN gen.t + interval '2 days' END,
                   CASE WHEN gen.r < 0.85 THEN gen.t + interval '4 days' END,
                   gen.t + interval '4 hours', gen.t + interval '3 days', false, false, '', '',
                   CASE WHEN gen.r < 0.85 THEN 1 + (gen.g %% 5) END, '', false, gen.t
            FROM gen JOIN total ON true JOIN occ ON occ.rn = 1 + gen.g %% total.n CROSS JOIN cats
            """,
            {"estates": ids, "n": complaints},
        )
        cursor.execute("ANALYZE")  # fresh statistics for every table the generator filled
    out(f"generated {complaints} complaints in {time.perf_counter() - started:.1f} s")


def _user(username, estate=None, role=Role.SERVICE):
    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": username})
    StaffMembership.objects.get_or_create(user=user, estate=estate, defaults={"role": role})
    staff_roles_sync(user)
    return user


def _measure(client, url, runs):
    client.get(url)  # warm caches and connections
    times, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(captured))
    return statistics.median(times), max(queries), min(queries)


def bench_complaints(estates: int, complaints: int, runs: int, out) -> list[tuple]:
    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per sign-in otherwise
    bench_data_ensure(estates, complaints, out)
    from complaints.models import Category, Complaint

    estate = Estate.objects.filter(code__startswith=PREFIX).order_by("id").first()
    estate_staff = _user("bench-service", estate)
    company = _user("bench-company", None, Role.SPOKESPERSON)
    owner_resident = Complaint.objects.filter(number__startswith="BM-", estate=estate).values_list("resident_id", flat=True).first()
    resident = Resident.objects.get(pk=owner_resident)
    if resident.user_id is None:
        resident.user = User.objects.create_user(username=f"bench-owner-{resident.pk}", kind=User.Kind.RESIDENT)
        resident.save(update_fields=["user"])
    category = Category.objects.order_by("id").first()
    per_estate = Complaint.objects.filter(estate=estate).count()
    mine = Complaint.objects.filter(resident=resident).count()
    out(f"one estate holds {per_estate} complaints; the sample owner has {mine}")
    cases = [
        ("staff queue, open, one estate (page)", estate_staff, "/dashboard/complaints/?status=open"),
        ("staff queue, open + category (page)", estate_staff, f"/dashboard/complaints/?status=open&category={category.pk}"),
        ("staff queue, overdue (page)", estate_staff, "/dashboard/complaints/?overdue=1"),
        ("staff queue, page 5 (page)", estate_staff, "/dashboard/complaints/?status=open&page=5"),
        ("company-wide queue, open (page)", company, "/dashboard/complaints/?status=open"),
        ("API list, open, 50 rows", estate_staff, "/api/v1/complaints/?status=open&page_size=50"),
        ("API list, company-wide, open, 50 rows", company, "/api/v1/complaints/?status=open&page_size=50"),
        ("owner: my complaints (page)", resident.user, "/portal/complaints/"),
        ("dashboard home (counts)", estate_staff, "/dashboard/"),
    ]
    # As config/wsgi.py does for a served process: long-lived objects out of the GC's way.
    gc.collect()
    gc.freeze()
    results = []
    for label, user, url in cases:
        host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*", "["))), "localhost")
        client = Client(HTTP_HOST=host)
        client.force_login(user)
        median, most, least = _measure(client, url, runs)
        results.append((label, median, least, most))
        out(f"  {label:<42} median {median:7.1f} ms   queries {least}" + (f"–{most}" if most != least else ""))
    return results

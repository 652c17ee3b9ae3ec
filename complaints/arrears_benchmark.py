"""Arrears at scale (PostgreSQL): 100,000 units with 24 months of ledger (2.4M entries).

    from complaints.arrears_benchmark import arrears_benchmark
    arrears_benchmark(units_per_building=100, buildings_per_estate=100, estates=10, months=24)
    manage.py benchmark arrears    # the same, from the project's benchmark command

Measures the collection-rate report (with the recovery of prior arrears) for one estate and month
by building, the company-wide one for a month, and the periodic case-opening pass over every unit (first run, then a second run
that must open nothing). The data lives in estates whose code starts with "bench-a-" and is
kept, so a later run reuses it. Meant to be called from the project's benchmark command.
"""

import os
import statistics
import time
from datetime import date

from django.db import connection, transaction

from owners.models import Building, Estate, FeeCollection, FeeLedgerEntry, Unit, User
from owners.selectors import collection_rate

from .models import ArrearsCase, ArrearsEvent
from .services.arrears import arrears_cases_open_due

PREFIX = "bench-a-"


def _generate(estates: int, buildings_per_estate: int, units_per_building: int, months: int, first: date):
    made = Estate.objects.filter(code__startswith=PREFIX).count()
    if made >= estates and FeeLedgerEntry.objects.filter(unit__building__estate__code__startswith=PREFIX).exists():
        if not FeeCollection.objects.filter(estate__code__startswith=PREFIX).exists():  # a data set from before collections
            _collections_generate()
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {FeeCollection._meta.db_table}")
        return
    with transaction.atomic():
        for n in range(made, estates):
            estate = Estate.objects.create(code=f"{PREFIX}{n}", name=f"基准小区{n}")
            Building.objects.bulk_create([Building(estate=estate, name=f"{b}号楼") for b in range(1, buildings_per_estate + 1)])
        with connection.cursor() as cursor:
            cursor.execute(f"""
                INSERT INTO {Unit._meta.db_table} (building_id, entrance, number, floor, area_sqm)
                SELECT b.id, '', gs::text, 1, 90 FROM {Building._meta.db_table} b
                JOIN {Estate._meta.db_table} e ON e.id = b.estate_id AND e.code LIKE %s
                CROSS JOIN generate_series(1, %s) gs
                ON CONFLICT DO NOTHING""", [PREFIX + "%", units_per_building])
            # 92 % of months paid in full, 3 % in part, 5 % unpaid: a few units far behind.
            cursor.execute(f"""
                INSERT INTO {FeeLedgerEntry._meta.db_table} (unit_id, estate_id, building_id, period, billed, paid, due_date, updated_at)
                SELECT u.id, b.estate_id, b.id, (%s::date + (m || ' month')::interval)::date, 198.00,
                       CASE WHEN r < 92 THEN 198.00 WHEN r < 95 THEN 99.00 ELSE 0 END,
                       (%s::date + (m || ' month')::interval + interval '19 day')::date, now()
                FROM {Unit._meta.db_table} u
                JOIN {Building._meta.db_table} b ON b.id = u.building_id
                JOIN {Estate._meta.db_table} e ON e.id = b.estate_id AND e.code LIKE %s
                CROSS JOIN generate_series(0, %s - 1) m
                CROSS JOIN LATERAL (SELECT abs(hashtext(u.id::text || '-' || m::text)) %% 100 AS r) x
                ON CONFLICT DO NOTHING""", [first, first, PREFIX + "%", months])
    _collections_generate()
    with connection.cursor() as cursor:  # outside the transaction: VACUUM sets the visibility map for index-only scans
        for model in (FeeLedgerEntry, FeeCollection, Unit, Building, Estate):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def _collections_generate():
    """The money that came late, for the recovery of prior arrears: the half-paid months (3 %) had
    their half paid 10 to 69 days after the month ended, as a re-import would record it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {FeeCollection._meta.db_table} (entry_id, estate_id, building_id, period, collected_on, amount, source, payment_id)
            SELECT e.id, e.estate_id, e.building_id, e.period, e.due_date + 10 + abs(hashtext(e.id::text)) %% 60, e.paid, 'import', NULL
            FROM {FeeLedgerEntry._meta.db_table} e JOIN {Estate._meta.db_table} s ON s.id = e.estate_id AND s.code LIKE %s
            WHERE e.paid > 0 AND e.paid < e.billed""", [PREFIX + "%"])


def _median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def arrears_benchmark(*, estates=10, buildings_per_estate=100, units_per_building=100, months=24, repeat=21, first=date(2024, 1, 1),
                      write=print) -> dict:
    if connection.vendor != "postgresql":
        raise RuntimeError("The arrears benchmark needs PostgreSQL (DATABASE_URL).")
    started = time.perf_counter()
    _generate(estates, buildings_per_estate, units_per_building, months, first)
    generated = time.perf_counter() - started
    units = Unit.objects.filter(building__estate__code__startswith=PREFIX).count()
    entries = FeeLedgerEntry.objects.filter(unit__building__estate__code__startswith=PREFIX).count()
    admin = User(username="bench", is_superuser=True, is_active=True, kind=User.Kind.STAFF)
    estate = Estate.objects.filter(code=f"{PREFIX}0").get()
    month = date(first.year + (first.month + months - 2) // 12, (first.month + months - 2) % 12 + 1, 1)
    one_estate = _median_ms(lambda: collection_rate(admin, estate_id=estate.pk, period_from=month, period_to=month, by="building"), repeat)
    one_estate_rate_only = _median_ms(lambda: collection_rate(admin, estate_id=estate.pk, period_from=month, period_to=month, by="building",
                                                              with_recovery=False), repeat)
    company = _median_ms(lambda: collection_rate(admin, period_from=month, period_to=month, by="estate"), repeat)
    company_year = _median_ms(lambda: collection_rate(admin, period_from=date(month.year, 1, 1), period_to=month, by="period"), 3)
    bench_cases = ArrearsCase.objects.filter(estate__code__startswith=PREFIX)
    ArrearsEvent.objects.filter(case__in=bench_cases).delete()
    bench_cases.delete()
    today = date(month.year + (month.month // 12), month.month % 12 + 1, 15)
    start = time.perf_counter()
    opened = arrears_cases_open_due(today=today)
    first_pass = time.perf_counter() - start
    start = time.perf_counter()
    again = arrears_cases_open_due(today=today)
    second_pass = time.perf_counter() - start
    result = {
        "units": units, "ledger_entries": entries, "generated_s": round(generated, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "collection_rate_one_estate_month_by_building_ms": round(one_estate, 1),
        "without_the_recovery_ms": round(one_estate_rate_only, 1),
        "collection_rate_company_month_ms": round(company, 1),
        "collection_rate_company_by_month_for_the_year_ms": round(company_year, 1),
        "open_pass_first_s": round(first_pass, 2), "cases_opened": opened,
        "open_pass_again_s": round(second_pass, 2), "cases_opened_again": again,
    }
    for key, value in result.items():
        write(f"{key}: {value}")
    return result

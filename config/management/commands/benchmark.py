"""Benchmarks on generated data at a given scale; prints medians. Not a test: numbers go to the README.

    manage.py benchmark                      # every scenario at its default scale
    manage.py benchmark import --rows 20000 --repeat 3
    manage.py benchmark pages --complaints 10000 --save /tmp/10k.json
    manage.py benchmark pages --complaints 1000000 --save /tmp/1m.json --compare /tmp/10k.json   # flatness
    manage.py benchmark pages --complaints 1000000 --open-share 0.45                          # a backlog
    manage.py benchmark announcements --recipients 100000 --workers 2   # needs REDIS_URL
    manage.py benchmark arrears              # 100,000 units × 24 months of fee ledger (2.4M entries)
    manage.py benchmark report               # the monthly report of an estate with 10,000 complaints in the month
    manage.py benchmark exports              # the queue's CSV and XLSX export of 10,000 and 100,000 rows

Run it against PostgreSQL (DATABASE_URL) for figures that mean anything. The data it generates
lives in estates whose code starts with "bench-"; import data is removed afterwards, the
pages data set (complaints/benchmark_data.py) is kept so a later run of the same size reuses it.
"""

import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from owners.models import Building, Estate, Occupancy, Resident, Unit
from owners.services import estate_residents_import, estate_units_import

BENCH_PREFIX = "bench-i-"  # the complaints scenario keeps its own "bench-c-" estates


def _purge():
    estates = Estate.objects.filter(code__startswith=BENCH_PREFIX)
    residents = Resident.objects.filter(occupancies__unit__building__estate__in=estates).values("id")
    Occupancy.objects.filter(unit__building__estate__in=estates).delete()
    Resident.objects.filter(id__in=residents).delete()
    Resident.objects.filter(mobile__startswith="166").delete()
    Unit.objects.filter(building__estate__in=estates).delete()
    Building.objects.filter(estate__in=estates).delete()
    estates.delete()


def _files(rows: int, buildings: int):
    rng = random.Random(7)
    per_building = -(-rows // buildings)
    units = ["楼栋,单元,房号,楼层,面积"]
    residents = ["楼栋,单元,房号,姓名,手机,邮箱,身份,入住日期"]
    n = 0
    for b in range(1, buildings + 1):
        for i in range(per_building):
            if n >= rows:
                break
            entrance, floor, room = 1 + i % 4, 1 + (i // 4) // 4 % 33, i
            units.append(f"{b}号楼,{entrance},{room},{floor},{rng.choice((68, 89, 120))}")
            residents.append(f"{b}号楼,{entrance},{room},住户{n},166{n:08d},,业主,2024-01-01")
            n += 1
    return ("\n".join(units) + "\n").encode("gbk"), ("\n".join(residents) + "\n").encode("gbk")


class Command(BaseCommand):
    help = "Generate data at scale and report median timings and query counts."

    def add_arguments(self, parser):
        parser.add_argument("scenario", nargs="?", default="all", choices=["all", "import", "pages", "complaints", "announcements", "incidents", "arrears", "report", "exports"],
                            help="pages (alias complaints): every page the navigation opens, on generated complaints")
        parser.add_argument("--rows", type=int, default=20_000, help="rows in the generated import files")
        parser.add_argument("--buildings", type=int, default=40)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--complaints", type=int, default=1_000_000, help="generated complaints (kept between runs)")
        parser.add_argument("--estates", type=int, default=100)
        parser.add_argument("--open-share", type=float, default=0.10, help="share of open tickets (0.45 for a backlog)")
        parser.add_argument("--runs", type=int, default=20, help="timed requests per page (after 2 warm-ups)")
        parser.add_argument("--save", help="write the page figures to this JSON file")
        parser.add_argument("--compare", help="a JSON file of an earlier run: print the flatness line per page")
        parser.add_argument("--only", help="only pages whose label contains this text")
        parser.add_argument("--recipients", type=int, default=100_000, help="residents one announcement reaches")
        parser.add_argument("--workers", type=int, default=2, help="worker processes for the announcement send")
        parser.add_argument("--incidents", type=int, default=10_000, help="incidents generated on the pages data set (removed after)")

    def handle(self, *args, scenario, rows, buildings, repeat, complaints, estates, runs, recipients, workers, open_share,
               save, compare, only, incidents, **options):
        self.stdout.write(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        if scenario in ("all", "import"):
            self.bench_import(rows, buildings, repeat)
        if scenario in ("all", "pages", "complaints"):
            from complaints.benchmark import bench_pages

            self.stdout.write(f"pages: {complaints} complaints across {estates} estates, {open_share:.0%} open")
            bench_pages(estates=estates, complaints=complaints, open_share=open_share, runs=runs, out=self.stdout.write,
                        save=save, compare=compare, only=only)
        if scenario in ("all", "incidents"):
            from incidents.benchmark import bench_incidents

            self.stdout.write(f"incidents: {incidents} incidents on the pages data set ({complaints} complaints)")
            bench_incidents(estates=estates, complaints=complaints, open_share=open_share, incidents=incidents, runs=runs,
                            out=self.stdout.write, only=only)
        if scenario in ("all", "announcements"):
            from communications.benchmark import bench_announcements

            self.stdout.write(f"announcements: one announcement to {recipients} residents by SMS")
            bench_announcements(recipients, workers, self.stdout.write)
        if scenario in ("all", "report"):
            from config.reports.benchmark import bench_report

            bench_report(complaints=10_000, runs=repeat, out=self.stdout.write)
        if scenario in ("all", "exports"):
            from config.reports.benchmark import bench_exports

            bench_exports(sizes=(10_000, 100_000), runs=repeat, out=self.stdout.write)
        if scenario in ("all", "arrears"):
            from complaints.arrears_benchmark import arrears_benchmark

            self.stdout.write("arrears: 100,000 units × 24 months of ledger (kept between runs)")
            arrears_benchmark(write=self.stdout.write)

    def bench_import(self, rows, buildings, repeat):
        units_file, residents_file = _files(rows, buildings)
        unit_times, resident_times, queries = [], [], []
        try:
            for run in range(repeat):
                _purge()
                estate = Estate.objects.create(name=f"基准测试小区{run}", code=f"{BENCH_PREFIX}{run}")
                Building.objects.bulk_create([Building(estate=estate, name=f"{b}号楼") for b in range(1, buildings + 1)])
                started = time.perf_counter()
                estate_units_import(estate=estate, data=units_file, actor=None)
                unit_times.append(time.perf_counter() - started)
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    result = estate_residents_import(estate=estate, data=residents_file, actor=None)
                    resident_times.append(time.perf_counter() - started)
                queries.append(len(captured))
                assert result.residents_created == rows, result
        finally:
            _purge()
        self.stdout.write(
            f"import: {rows} units (GBK CSV, {len(units_file) // 1024} KiB): median {statistics.median(unit_times):.2f} s "
            f"over {repeat} runs {[round(t, 2) for t in unit_times]}"
        )
        self.stdout.write(
            f"import: {rows} residents + move-ins (GBK CSV, {len(residents_file) // 1024} KiB): median "
            f"{statistics.median(resident_times):.2f} s over {repeat} runs {[round(t, 2) for t in resident_times]}; "
            f"{statistics.median(queries):.0f} queries"
        )

"""Realistic complaint data at scale for `manage.py benchmark` (PostgreSQL for figures, SQLite for a smoke run).

One seeded random generator makes the rows in Python (ids assigned here, so timeline entries,
photos, follow-ups and links refer to their ticket without reading it back) and they go to the
database in bulk: `COPY … FROM STDIN` on PostgreSQL, `executemany` in 5,000-row batches
elsewhere. Foreign-key triggers are off while loading (rows are consistent by construction),
then every table is ANALYZEd.

What it makes, per the issue: estates of 10 buildings × 50 units with one owner each and three
service staff; tickets with Chinese descriptions of 30–200 characters from phrase lists, a status
mix you choose (default 10% open; `--open-share 0.45` for a backlog), open tickets spread over
the last six days so about a third are overdue, not all; 5–50 timeline entries each (replies,
notes, visits, owner messages), photos on a quarter of them, assignees, follow-ups (回访) after
resolution, links between 1% of them, reopened and rejected tickets; escalation words
(曝光, 律师, 12345 …) in about one description in 200 and one owner's message in 1,000, and open
tickets spread over the owners so only about 1% of them have three or more unresolved at once; and one sample ticket per
run with 50 timeline entries, 6 photos, 3 links and a follow-up (the detail page's benchmark).
Everything lives in estates whose code starts with "bench-c-".
"""

import datetime as dt
import io
import random
import time

from django.db import connection, models, transaction
from django.utils import timezone

from owners.models import Building, Estate, Occupancy, Resident, Role, StaffMembership, Unit, User

from .models import Category, Complaint, ComplaintEvent, ComplaintLink, ComplaintPhoto, FollowUp

PREFIX = "bench-c-"
BUILDINGS, UNITS_PER_BUILDING, STAFF_PER_ESTATE = 10, 50, 3

WHO = ["我是{b}{u}室的业主，", "本人住在{b}{u}室，", "{b}{u}室业主反映：", "您好，我家在{b}{u}，", "{b}{u}室住户：", ""]
PROBLEMS = [
    "卫生间天花板漏水，水一直滴到地板上，墙面已经发霉", "楼上装修每天早上七点就开始电钻施工，噪音非常大",
    "电梯经常停在半层，门开了又关，老人小孩都不敢坐", "地下车库的车位被别人长期占用，打电话也联系不上车主",
    "楼道里堆满了装修垃圾和旧家具，已经一个多星期没人清理", "小区门禁卡刷不开，每次回家都要等保安开门",
    "厨房下水道堵塞，污水倒灌，味道很大", "夜里小区广场跳舞的音乐开到很晚，严重影响休息",
    "外墙瓷砖松动，有一块掉在了楼下的花坛里，很危险", "物业费账单上多收了两个月的公摊电费",
    "楼下邻居在公共绿地种菜还养鸡，气味难闻", "家里水压很低，高峰时段热水器都打不着火",
    "单元门口的路灯坏了很久，晚上进出很不安全", "快递柜旁边的消防通道被电动车堵住了",
    "空调外机滴水落在我家阳台上，跟楼上沟通无果", "保安夜间巡逻时态度很差，还和业主发生了争执",
]
DETAILS = [
    "这个问题已经持续两周了，", "之前已经打过两次客服电话，", "上周报修过一次，师傅来看了说要等配件，", "拍了照片附在后面，",
    "家里有刚出生的孩子，", "我们家老人身体不好，", "邻居们也都有同样的情况，", "在业主群里大家都在讨论这件事，", "",
]
ASKS = [
    "希望物业尽快派人上门处理。", "请给一个明确的处理时间。", "请尽快协调解决，谢谢！", "再不处理的话，我们只能自己找人修了。",
    "麻烦安排工程师来看一下。", "希望物业能出面协调。", "请处理后电话告知我。",
]
# Threats the early warning looks for (incidents/warning_defaults.py), in about one description in
# 200 and one owner's message in 1,000 — a desk's real share, not one ticket in seven.
ESCALATIONS = ["再不处理我就找媒体曝光。", "我们已经咨询了律师，准备起诉。", "再不解决我们就投诉到12345。", "业主们准备联名维权。",
               "不解决的话我们就不交物业费了。", "已经联系了电视台的记者。"]
ESCALATION_SHARE, ESCALATION_MESSAGE_SHARE = 1 / 200, 1 / 1000
# Open tickets go round the owners in a shuffled order (two each at 10% open), except one in 100
# that goes to one of the 1% of owners who complain about everything: only they have three or
# more unresolved at once (the early warning's "repeat owner").
PERSISTENT_OWNERS, PERSISTENT_SHARE = 0.01, 0.01
COMMON_AREAS = ["电梯厅", "地下车库B2", "单元门口", "中心花园", "东门岗亭", "垃圾房", "楼顶天台"]
REPLIES = ["您好，已安排工程师今天下午上门查看。", "已联系楼上业主，对方同意尽快维修。", "配件已到，明天上午安排更换。",
           "已通知保洁今天清理完毕，请您查看。", "我们已经向装修业主再次强调施工时间。", "已核实账单，多收的费用下月抵扣。"]
NOTES = ["业主情绪较激动，注意沟通方式。", "需要协调楼上业主入户，已电话联系未接通。", "工程部反馈需要更换整段管道，报价中。",
         "同一问题本周第二次报修。", "已上报经理，可能涉及外墙维修基金。"]
VISITS = ["现场查看：管道接口渗漏，已临时处理。", "上门检查：门禁读卡器损坏，已更换。", "现场已清理完毕，拍照留存。"]
OWNER_MESSAGES = ["今天还是在漏水，请尽快来人。", "师傅什么时候能到？", "谢谢，已经好了。", "问题还没有解决。"]
SUMMARIES = ["已更换漏水管道并修补天花板。", "已协调装修业主调整施工时间。", "已清理楼道垃圾并加强巡查。", "已维修完毕，业主确认。"]
REJECTIONS = ["该问题属于业主自有设施，不在物业维修范围内，已告知可联系的维修单位。", "经核实为重复提交，已合并到原工单处理。"]

OPEN_MIX = [("submitted", 0.25), ("acknowledged", 0.20), ("in_progress", 0.45), ("reopened", 0.10)]
DONE_MIX = [("resolved", 0.08), ("closed", 0.87), ("rejected", 0.05)]
PRIORITY_MIX = [("low", 0.10), ("normal", 0.65), ("high", 0.20), ("urgent", 0.05)]
CHANNEL_MIX = [("portal", 0.6), ("phone", 0.3), ("in_person", 0.1)]
# (first response, resolution) windows per priority, as the default SLA policies give roughly.
WINDOWS = {"low": (8, 7 * 24), "normal": (4, 72), "high": (2, 48), "urgent": (1, 24)}
H = dt.timedelta(hours=1)


def _pick(rng, mix):
    r, total = rng.random(), 0.0
    for value, share in mix:
        total += share
        if r < total:
            return value
    return mix[-1][0]


class _Loader:
    """Bulk rows into a model's table: the given columns, every other column its field default."""

    def __init__(self, model, columns):
        # Generated columns (the database computes them) are never written.
        fields = {f.column: f for f in model._meta.concrete_fields if not getattr(f, "generated", False)}
        self.table, self.columns = model._meta.db_table, list(columns)
        rest = [f for c, f in fields.items() if c not in self.columns]
        for field in rest:
            if not field.has_default() and not field.null and not isinstance(field, models.AutoField) and not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False):
                if field.get_internal_type() not in ("CharField", "TextField", "SlugField"):
                    raise ValueError(f"{self.table}.{field.column} needs a value")
        self.tail_columns = [f.column for f in rest if not isinstance(f, models.AutoField)]
        now = timezone.now()
        self.tail = tuple(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
                          for f in rest if not isinstance(f, models.AutoField))
        self.pg = connection.vendor == "postgresql"

    def load(self, rows) -> int:
        columns = ", ".join(self.columns + self.tail_columns)
        count = 0
        with connection.cursor() as cursor:
            if self.pg:
                stream = _CopyStream(rows, self.tail)
                try:
                    cursor.cursor.copy_expert(f"COPY {self.table} ({columns}) FROM STDIN", stream)
                except Exception:
                    if stream.error:  # psycopg2 reports only "error in .read() call"
                        raise stream.error from None
                    raise
                return stream.count
            sql = f"INSERT INTO {self.table} ({columns}) VALUES ({', '.join(['%s'] * (len(self.columns) + len(self.tail)))})"
            ops, batch = connection.ops, []
            tail = tuple(_sqlite(v, ops) for v in self.tail)
            for row in rows:
                batch.append(tuple(_sqlite(v, ops) for v in row) + tail)
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    count, batch = count + len(batch), []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def _sqlite(value, ops):
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class _CopyStream(io.RawIOBase):
    """A file COPY reads from, filled from a row iterator 2,000 rows at a time."""

    def __init__(self, rows, tail):
        self.rows, self.buffer, self.count, self.error = iter(rows), b"", 0, None
        self.tail = "".join("\t" + _copy_text(v) for v in tail)

    def readable(self):
        return True

    def read(self, size=-1):
        try:
            return self._read(size)
        except Exception as exc:
            self.error = exc
            raise

    def _read(self, size):
        while size < 0 or len(self.buffer) < size:
            chunk = []
            for row in self.rows:
                chunk.append("\t".join(_copy_text(v) for v in row) + self.tail + "\n")
                if len(chunk) >= 2000:
                    break
            if not chunk:
                break
            self.count += len(chunk)
            self.buffer += "".join(chunk).encode()
        if size < 0:
            size = len(self.buffer)
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    def readline(self, size=-1):
        return self.read(size)


def _next_id(model) -> int:
    return (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1


def _sequences_reset(*models_):
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")


def bench_estates():
    return Estate.objects.filter(code__startswith=PREFIX).order_by("id")


def data_present(estates: int, complaints: int, open_share: float) -> bool:
    marker = Estate.objects.filter(code=f"{PREFIX}000").values_list("address", flat=True).first()
    return marker == f"generated: {complaints} complaints, {estates} estates, open {open_share:g}"


def data_purge(out):
    started = time.perf_counter()
    ids = list(bench_estates().values_list("id", flat=True))
    tickets = "SELECT id FROM complaints_complaint WHERE estate_id IN (SELECT id FROM owners_estate WHERE code LIKE 'bench-c-%%')"
    with connection.cursor() as cursor:
        for table, column in [("complaints_complaintphoto", "complaint_id"), ("complaints_complaintevent", "complaint_id"),
                              ("complaints_followup", "complaint_id"), ("complaints_slaalert", "complaint_id"),
                              ("complaints_complaintlink", "from_complaint_id"), ("complaints_complaintlink", "to_complaint_id")]:
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({tickets})")
        cursor.execute(tickets.replace("SELECT id FROM", "DELETE FROM", 1))
    from communications.benchmark import bench_comms_purge

    bench_comms_purge(ids)
    # Plain DELETEs (no ORM cascade collector): the rows are known, and it is one statement each.
    estates_sql = "SELECT id FROM owners_estate WHERE code LIKE 'bench-c-%%'"
    units_sql = f"SELECT u.id FROM owners_unit u JOIN owners_building b ON b.id = u.building_id WHERE b.estate_id IN ({estates_sql})"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_gone AS SELECT o.resident_id AS id, r.user_id FROM owners_occupancy o "
                       f"JOIN owners_resident r ON r.id = o.resident_id WHERE o.unit_id IN ({units_sql})")
        cursor.execute(f"DELETE FROM owners_occupancy WHERE unit_id IN ({units_sql})")
        cursor.execute("DELETE FROM owners_resident WHERE id IN (SELECT id FROM bench_gone)")
        cursor.execute(f"DELETE FROM owners_staffmembership WHERE estate_id IN ({estates_sql}) "
                       "OR user_id IN (SELECT id FROM owners_user WHERE username LIKE 'bench-s-%%')")
        cursor.execute("DELETE FROM owners_user WHERE id IN (SELECT user_id FROM bench_gone) OR username LIKE 'bench-s-%%'")
        cursor.execute(f"DELETE FROM owners_unit WHERE id IN ({units_sql})")
        cursor.execute(f"DELETE FROM owners_building WHERE estate_id IN ({estates_sql})")
        cursor.execute(f"DELETE FROM owners_estate WHERE id IN ({estates_sql})")
        cursor.execute("DROP TABLE bench_gone")
        cursor.execute("DELETE FROM owners_resident WHERE mobile LIKE '165%%' AND id NOT IN (SELECT resident_id FROM owners_occupancy)")
    out(f"removed the previous generated data in {time.perf_counter() - started:.1f} s")


def data_generate(estates: int, complaints: int, open_share: float, out, seed: int = 13) -> None:
    """Replace the generated data set with one of `complaints` tickets in `estates` estates."""
    if data_present(estates, complaints, open_share):
        out(f"reusing the generated data ({complaints} complaints, {estates} estates, {open_share:.0%} open)")
        return
    data_purge(out)
    rng = random.Random(seed)
    pg = connection.vendor == "postgresql"
    with transaction.atomic():  # all or nothing: a failed run leaves no half data set behind
        started = time.perf_counter()
        registry = _registry(estates, open_share)
        out(f"generated {estates} estates, {len(registry['units'])} units and owners, {estates * STAFF_PER_ESTATE} staff "
            f"in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        if pg:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers while loading
        counts = _tickets(rng, registry, complaints, open_share)
        if pg:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
        _sequences_reset(Complaint, ComplaintEvent, ComplaintPhoto, FollowUp, ComplaintLink)
        out("generated " + ", ".join(f"{n} {what}" for what, n in counts.items()) + f" in {time.perf_counter() - started:.1f} s")
        if pg:
            with connection.cursor() as cursor:
                # Statistics before the announcements' INSERT … SELECT: tables filled in this
                # transaction still look empty to the planner (nested loops over 50,000 owners).
                cursor.execute("ANALYZE owners_estate, owners_building, owners_unit, owners_resident, owners_occupancy")
        from communications.benchmark import bench_comms_generate

        started = time.perf_counter()
        made = bench_comms_generate(registry["estate_ids"], registry["authors"])
        out(f"generated {made} in {time.perf_counter() - started:.1f} s")
    if pg:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # VACUUM too: the dashboard counts are index-only scans, which need the visibility map.
            # (Not inside a transaction — a test's — where PostgreSQL refuses VACUUM: ANALYZE only.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        out(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    Estate.objects.filter(code=f"{PREFIX}000").update(address=f"generated: {complaints} complaints, {estates} estates, open {open_share:g}")


def _registry(estates: int, open_share: float) -> dict:
    Estate.objects.bulk_create([Estate(name=f"基准{i:03d}花园", code=f"{PREFIX}{i:03d}", phone="0571-8888" + f"{i:04d}")
                                for i in range(estates)])
    estate_ids = list(bench_estates().values_list("id", flat=True))
    Building.objects.bulk_create([Building(estate_id=e, name=f"{b}号楼", floors=10) for e in estate_ids for b in range(1, BUILDINGS + 1)],
                                 batch_size=5000)
    buildings = dict(Building.objects.filter(estate_id__in=estate_ids).values_list("id", "estate_id"))
    Unit.objects.bulk_create([Unit(building_id=b, entrance=str(1 + u % 2), number=f"{1 + u // 5}{u % 5 + 1:02d}", floor=1 + u // 5)
                              for b in buildings for u in range(UNITS_PER_BUILDING)], batch_size=5000)
    units = list(Unit.objects.filter(building_id__in=buildings).order_by("id").values_list("id", "building_id", "number"))
    first = Resident.objects.aggregate(m=models.Max("id"))["m"] or 0
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    Resident.objects.bulk_create([Resident(name=surnames[i % 20] + given[(i * 7) % len(given)] + given[(i * 13) % len(given)], mobile=f"165{i:08d}")
                                  for i in range(len(units))], batch_size=5000)
    residents = list(Resident.objects.filter(id__gt=first, mobile__startswith="165").order_by("mobile").values_list("id", flat=True))
    Occupancy.objects.bulk_create([Occupancy(resident_id=r, unit_id=u[0], start_date=dt.date(2020, 1, 1))
                                   for r, u in zip(residents, units, strict=True)], batch_size=5000)
    User.objects.bulk_create([User(username=f"bench-s-{e}-{k}", first_name=f"员工{e}-{k}", password="!", kind=User.Kind.STAFF)
                              for e in estate_ids for k in range(STAFF_PER_ESTATE)], batch_size=5000)
    staff = {}
    for pk, username in User.objects.filter(username__startswith="bench-s-").values_list("id", "username"):
        staff.setdefault(int(username.split("-")[2]), []).append(pk)
    StaffMembership.objects.bulk_create([StaffMembership(user_id=u, estate_id=e, role=Role.SERVICE) for e, us in staff.items() for u in us],
                                        batch_size=5000)
    return {"estate_ids": estate_ids, "buildings": buildings, "units": units, "residents": residents, "staff": staff,
            "authors": [us[0] for us in staff.values()]}


def _tickets(rng, registry, n: int, open_share: float) -> dict:
    now = timezone.now()
    units, residents, buildings, staff = registry["units"], registry["residents"], registry["buildings"], registry["staff"]
    categories = list(Category.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
    sample_units = [i for i, u in enumerate(units) if buildings[u[1]] == registry["estate_ids"][0]]
    rounds = list(range(len(units)))
    rng.shuffle(rounds)
    persistent = rounds[: max(1, int(len(units) * PERSISTENT_OWNERS))]
    opened = 0
    base = _next_id(Complaint)
    photo_id = _next_id(ComplaintPhoto)
    spans, photos, follow_ups, links = [], [], [], []
    last_in_estate = {}

    def ticket_rows():
        nonlocal photo_id, opened
        for g in range(n):
            cid = base + g
            sample = g < 4  # the first four share the sample estate; the first is the detail page's ticket
            if g == 0:
                status = "resolved"
            elif rng.random() < open_share:
                status = _pick(rng, OPEN_MIX)
            else:
                status = _pick(rng, DONE_MIX)
            if sample:
                i = sample_units[g]
            elif status in ("submitted", "acknowledged", "in_progress", "reopened"):
                i = rng.choice(persistent) if rng.random() < PERSISTENT_SHARE else rounds[opened % len(rounds)]
                opened += 1
            else:
                i = rng.randrange(len(units))
            unit_id, building_id, number = units[i]
            estate_id = buildings[building_id]
            priority, channel = _pick(rng, PRIORITY_MIX), _pick(rng, CHANNEL_MIX)
            respond_h, resolve_h = WINDOWS[priority]
            if status in ("submitted", "acknowledged", "in_progress", "reopened"):
                created = now - dt.timedelta(days=6 * rng.random() ** 2)
            elif status == "resolved":
                created = now - dt.timedelta(days=4 + 12 * rng.random())
            else:
                created = now - dt.timedelta(days=6 + 359 * rng.random())
            response_due, resolution_due = created + respond_h * H, created + resolve_h * H
            first_response = None if status == "submitted" else min(now, created + respond_h * H * 1.4 * rng.random())
            resolved = closed = rated = rating = None
            summary = rejection = ""
            if status in ("resolved", "closed"):
                resolved = min(now - H, created + resolve_h * H * (0.2 + 1.0 * rng.random()))
                summary = rng.choice(SUMMARIES)
            if status == "closed":
                closed = resolved + dt.timedelta(days=2)
                if rng.random() < 0.7:
                    rating, rated = rng.choice((5, 5, 5, 4, 4, 3, 2, 1)), resolved + dt.timedelta(days=1)
            if status == "rejected":
                rejection, closed = rng.choice(REJECTIONS), created + 6 * H
            assignee = None if status == "submitted" or rng.random() < 0.1 else rng.choice(staff[estate_id])
            common = rng.random() < 0.15 and not sample
            b = f"{(building_id % BUILDINGS) + 1}号楼"
            text = (rng.choice(WHO).format(b=b, u=number) + rng.choice(PROBLEMS) + "，" + rng.choice(DETAILS)
                    + (rng.choice(PROBLEMS) + "，" if rng.random() < 0.3 else "") + rng.choice(ASKS)
                    + (rng.choice(ESCALATIONS) if rng.random() < ESCALATION_SHARE else ""))
            yield (cid, f"TS-{created:%Y%m%d}-{g + 1:07d}", estate_id, None if common else building_id, None if common else unit_id,
                   rng.choice(COMMON_AREAS) if common else "", residents[i], rng.choice(categories), priority, channel, text,
                   status, assignee, None if channel == "portal" else assignee, created, first_response, resolved, closed,
                   response_due, resolution_due, (first_response or now) > response_due,
                   (resolved or now) > resolution_due, summary, rejection, rating, "", rated, rng.random() < 0.02, closed or resolved or created)
            # Its timeline (written after the tickets, from this short record): 5–50 entries.
            spans.append((cid, created, min(now, closed or now), assignee, 50 if g == 0 else 5 + int(45 * rng.random() ** 3)))
            for _ in range(6 if g == 0 else (1 + rng.randrange(3) if rng.random() < 0.25 else 0)):
                photos.append((photo_id, cid, f"complaints/{cid}/bench{photo_id}.jpg", "image/jpeg", 1280, 960, True, created))
                photo_id += 1
            if resolved and (g == 0 or rng.random() < 0.6):
                due = resolved + dt.timedelta(days=3)
                done = status == "closed"
                follow_ups.append((cid, estate_id, due, assignee, due - dt.timedelta(days=1) if done else None,
                                   assignee if done else None, "satisfied" if done else "", ""))
            if g in (1, 2, 3):
                links.append((base, cid, "same_issue", created))
            elif not sample and rng.random() < 0.01 and estate_id in last_in_estate:
                links.append((last_in_estate[estate_id], cid, rng.choice(("related", "same_issue", "dispute")), created))
            last_in_estate[estate_id] = cid

    # The tickets stream into COPY; their child rows are collected on the way and loaded after.
    loaded = _Loader(Complaint, ["id", "number", "estate_id", "building_id", "unit_id", "location", "resident_id", "category_id",
                                 "priority", "channel", "description", "status", "assignee_id", "logged_by_id", "created_at",
                                 "first_response_at", "resolved_at", "closed_at", "response_due_at", "resolution_due_at",
                                 "response_breached", "resolution_breached", "resolution_summary", "rejection_reason", "rating",
                                 "rating_comment", "rated_at", "flagged", "updated_at"]).load(ticket_rows())
    counts = {"complaints": loaded}

    def event_rows():
        """Submitted, then replies, notes, visits, owner messages and moves, spread over the ticket's life."""
        event_id = first_event
        bodies = {"reply": REPLIES, "note": NOTES, "visit": VISITS, "owner_message": OWNER_MESSAGES}
        kinds = ("reply", "note", "transition", "visit", "owner_message", "reply")
        for cid, created, end, assignee, count in spans:
            step = (end - created) / count
            yield (event_id, cid, "submitted", True, None, "", "submitted", "", created)
            event_id += 1
            for k in range(1, count):
                kind = rng.choice(kinds)
                body = bodies.get(kind)
                transition = kind == "transition"
                text = rng.choice(body) if body else ""
                if kind == "owner_message" and rng.random() < ESCALATION_MESSAGE_SHARE:
                    text = rng.choice(ESCALATIONS)
                yield (event_id, cid, kind, kind in ("reply", "owner_message", "transition"),
                       None if kind == "owner_message" else assignee, "acknowledged" if transition else "",
                       "in_progress" if transition else "", text, created + step * k)
                event_id += 1

    first_event = _next_id(ComplaintEvent)  # read before COPY starts: no other statement may run during it
    counts["timeline entries"] = _Loader(ComplaintEvent, ["id", "complaint_id", "kind", "public", "actor_id", "from_status", "to_status",
                                                          "body", "created_at"]).load(event_rows())
    counts["photos"] = _Loader(ComplaintPhoto, ["id", "complaint_id", "image", "content_type", "width", "height", "public",
                                                "created_at"]).load(photos)
    counts["follow-ups"] = _Loader(FollowUp, ["complaint_id", "estate_id", "due_at", "assignee_id", "done_at", "done_by_id", "outcome",
                                              "notes"]).load(follow_ups)
    counts["links"] = _Loader(ComplaintLink, ["from_complaint_id", "to_complaint_id", "kind", "created_at"]).load(links)
    return counts

"""`manage.py benchmark incidents`: the incident pages, the API list, the deadline sweep and the
early-warning evaluation on generated incidents, on top of the complaints pages data set
(complaints/benchmark_data.py: its estates, owners and complaints).

What it generates (then removes again at the end of the run, so the complaints data set stays as
it was and its own purge never meets an incident): per estate of the data set three staff of its
own (an estate manager, a spokesperson, an engineer; e-mail addresses, so notices are really
recorded), and `incidents` incidents spread over the estates in every stage (about 85% closed or
dismissed, the rest in warning, response, disclosure and review), with Chinese titles and
descriptions per type, a crisis team, 0–10 tasks (open ones due from three hours ago to a day
ahead), 5–30 timeline entries, linked complaints, the published first statement and a review.
Deadlines follow the disclosure policy's defaults, so some open incidents wait on their first
statement and some tasks are overdue: the sweep has work on its first run.

And one showcase incident in the first estate with exactly 500 timeline entries, 40 tasks,
the whole team, 3 linked complaints, three statements (a published one that replaced a first
version, and a draft), two emergency notices to the estate with answers, two certificates and
two affected buildings — the incident page's benchmark.

Rows go in by COPY on PostgreSQL (complaints.benchmark_data's loader), by executemany elsewhere.
"""

import json
import random
import statistics
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from communications.models import Acknowledgement, Announcement, Delivery, Statement
from communications.services.audience import fan_out
from complaints.benchmark import WARM_UP, _client, _measure, _user, quiet_logs
from complaints.benchmark_data import _Loader, _next_id, _sequences_reset, bench_estates, data_generate
from complaints.models import Complaint
from owners.models import Building, Occupancy, Role, StaffMembership, User

from .models import (
    DisclosurePolicy,
    Incident,
    IncidentCertificate,
    IncidentComplaint,
    IncidentEvent,
    IncidentReview,
    Kind,
    Level,
    Stage,
    Task,
    TeamMember,
    TeamRole,
    WarningRule,
    WarningSignal,
)

NUMBER = "IN-{year}-B{n:05d}"  # "B": never a number the counter (IN-2026-0001) hands out
SHOWCASE = 0
STAFF = (("m", Role.ESTATE_MANAGER), ("p", Role.SPOKESPERSON), ("t", Role.ENGINEER))
M = timedelta(minutes=1)
H = timedelta(hours=1)

STAGE_MIX = [(Stage.CLOSED, 0.78), (Stage.DISMISSED, 0.07), (Stage.WARNING, 0.03), (Stage.RESPONSE, 0.05),
             (Stage.DISCLOSURE, 0.04), (Stage.REVIEW, 0.03)]
LEVEL_MIX = [(Level.RED, 0.05), (Level.ORANGE, 0.15), (Level.YELLOW, 0.40), (Level.BLUE, 0.40)]
KINDS = {
    Kind.FLOOD: (0.20, ["{b}地下车库积水", "{b}{u}室水管爆裂殃及楼下", "暴雨致{b}地下室进水", "{b}消防水管破裂漏水"]),
    Kind.LIFT: (0.15, ["{b}{e}单元电梯困人", "{b}电梯运行中急停困人", "{b}电梯冲顶"]),
    Kind.FALLING_OBJECT: (0.10, ["{b}外墙瓷砖脱落", "{b}高空抛物砸中车辆", "{b}空调外机支架松动坠落"]),
    Kind.FIRE: (0.08, ["{b}楼道电动车起火", "{b}{u}室厨房失火", "垃圾房冒烟起火", "地下车库车辆自燃"]),
    Kind.GAS: (0.07, ["{b}{u}室燃气泄漏", "{b}楼道燃气味浓", "燃气管道施工挖断"]),
    Kind.STRUCTURAL: (0.05, ["{b}楼板开裂", "地下车库顶板渗水开裂", "{b}阳台栏杆松动"]),
    Kind.SECURITY: (0.08, ["{b}夜间入室盗窃", "小区东门陌生人尾随业主", "地下车库车辆被划"]),
    Kind.PUBLIC_HEALTH: (0.05, ["{b}二次供水水质发黄", "小区发现鼠患", "{b}化粪池外溢"]),
    Kind.MASS_DISPUTE: (0.07, ["业主聚集反对物业费上调", "{b}业主集体投诉装修噪音", "业主拉横幅抗议停车收费"]),
    Kind.MEDIA: (0.08, ["抖音视频曝光小区垃圾堆积", "微博热议小区停车乱收费", "本地新闻报道小区电梯故障频发"]),
    Kind.OTHER: (0.07, ["小区大面积停电", "{b}停水超过12小时", "小区主干道路面塌陷"]),
}
DESCRIPTIONS = ["值班保安巡查时发现，已第一时间拉起警戒线。", "业主拨打物业服务热线反映，工程部已赶赴现场。",
                "多名业主在业主群里发布照片和视频，情绪较为激动。", "现场暂无人员受伤，已疏散附近住户。",
                "已通知相关单位到场处置，并安排专人值守。", "初步判断与设施老化有关，具体原因待查。"]
GUIDANCE = ["请勿靠近警戒区域，等待物业通知。", "请关闭家中燃气阀门，不要使用明火。", "请通过楼梯通行，电梯暂停使用。", ""]
PLAN_TASKS = [("现场警戒与疏散", TeamRole.ONSITE_LEAD), ("通知工程部抢修", TeamRole.ONSITE_LEAD), ("报告街道办和社区", TeamRole.LIAISON_GOVERNMENT),
              ("联系业委会通报情况", TeamRole.LIAISON_COMMITTEE), ("起草首次情况说明", TeamRole.SPOKESPERSON),
              ("逐户走访受影响住户", TeamRole.LIAISON_RESIDENTS), ("记录处置过程并拍照留存", TeamRole.SCRIBE),
              ("联系保险公司报案", TeamRole.COMMANDER), ("安排临时安置与慰问", TeamRole.LIAISON_RESIDENTS),
              ("复查现场并解除警戒", TeamRole.ONSITE_LEAD)]
LOGS = ["工程部已到场，正在关闭总阀。", "已疏散3户住户至物业活动室。", "街道办工作人员到场了解情况。", "抢修完成，恢复供水。",
        "业委会主任到场，已说明处置进展。", "保险公司查勘员已到场拍照。", "现场清理完毕，解除警戒。", "部分业主要求赔偿，已登记诉求。",
        "消防队到场确认无复燃风险。", "已在单元门口张贴告示。"]
CAUSES = ["管道老化破裂", "暴雨排水不畅", "设备年检后未复位", "业主违规装修", "外包单位施工失误", "电动车电池故障"]
LESSONS = ["提前巡检老旧管道", "汛期前疏通排水沟", "加强外包施工现场监管", "完善夜间值班交接", "首次情况说明要在一小时内发出"]


def _pick(rng, mix):
    r, total = rng.random(), 0.0
    for value, share in mix:
        total += share
        if r < total:
            return value
    return mix[-1][0]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- the data ----------------------------------------------------------------------------------------

def bench_incidents_purge() -> None:
    """Every generated incident (numbers IN-…-B…) with what hangs off it, their statements and
    notices, and the incidents' own staff. Plain DELETEs, children first."""
    ids = "SELECT id FROM incidents_incident WHERE number LIKE 'IN-%%-B%%'"
    with connection.cursor() as cursor:
        for rel in Incident._meta.related_objects:
            if rel.many_to_many:
                continue
            table, column = rel.related_model._meta.db_table, rel.field.column
            if rel.field.null:
                cursor.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} IN ({ids})")
            else:
                cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({ids})")
        for field in Incident._meta.many_to_many:
            through = field.remote_field.through._meta
            cursor.execute(f"DELETE FROM {through.db_table} WHERE {field.m2m_column_name()} IN ({ids})")
    Statement.objects.filter(title__startswith="BENCH 事件").delete()
    notices = Announcement.objects.filter(title__startswith="BENCH 紧急")
    Acknowledgement.objects.filter(announcement__in=notices).delete()
    Delivery.objects.filter(announcement__in=notices).delete()
    notices.delete()
    Incident.objects.filter(number__startswith="IN-", number__contains="-B").delete()
    StaffMembership.objects.filter(user__username__startswith="bench-i-").delete()
    User.objects.filter(username__startswith="bench-i-").delete()


def _staff(estate_ids) -> dict[int, dict[str, int]]:
    """Three staff of each estate (manager, spokesperson, engineer), with e-mail addresses."""
    User.objects.bulk_create([User(username=f"bench-i-{e}-{k}", first_name=f"员工{e}{k}", email=f"bench-i-{e}-{k}@example.com",
                                   password="!", kind=User.Kind.STAFF) for e in estate_ids for k, _role in STAFF], batch_size=5000)
    users = dict(User.objects.filter(username__startswith="bench-i-").values_list("username", "id"))
    staff = {e: {k: users[f"bench-i-{e}-{k}"] for k, _role in STAFF} for e in estate_ids}
    StaffMembership.objects.bulk_create([StaffMembership(user_id=staff[e][k], estate_id=e, role=role)
                                         for e in estate_ids for k, role in STAFF], batch_size=5000)
    return staff


def _policy():
    return {**DisclosurePolicy.DEFAULTS, **dict(DisclosurePolicy.objects.values_list("level", "first_statement_within"))}


def _times(rng, stage, level, now, window):
    """opened, response, due, first statement, disclosure, review, closed."""
    t = dict.fromkeys(("response", "due", "first", "disclosure", "review", "closed"))
    if stage in (Stage.CLOSED, Stage.DISMISSED):
        t["opened"] = now - timedelta(days=3 + 720 * rng.random())
    elif stage == Stage.WARNING:
        t["opened"] = now - H * 12 * rng.random()
    elif stage == Stage.RESPONSE:
        t["opened"] = now - H * (1 + 47 * rng.random())
    else:
        t["opened"] = now - timedelta(days=1 + 13 * rng.random())
    if stage == Stage.DISMISSED:
        t["closed"] = t["opened"] + H * (1 + 5 * rng.random())
        return t
    if stage == Stage.WARNING:
        return t
    t["response"] = t["opened"] + M * (5 + 60 * rng.random())
    t["due"] = t["response"] + window
    if stage != Stage.RESPONSE or rng.random() < 0.7:
        t["first"] = min(now, t["response"] + window * (0.3 + 1.0 * rng.random()))
    if stage in (Stage.DISCLOSURE, Stage.REVIEW, Stage.CLOSED):
        t["disclosure"] = min(now, t["first"] + H * (0.5 + 6 * rng.random()))
    if stage in (Stage.REVIEW, Stage.CLOSED):
        t["review"] = min(now, t["disclosure"] + H * (12 + 48 * rng.random()))
    if stage == Stage.CLOSED:
        t["closed"] = t["review"] + timedelta(days=1 + 9 * rng.random())
    return t


def _title(rng, kind, building, unit):
    return rng.choice(KINDS[kind][1]).format(b=building, u=unit, e=1 + unit % 2 if isinstance(unit, int) else 1)


def _complaint_pool(estate_ids) -> dict[int, list]:
    """Complaints to link, per estate; never the first four (the complaint page's sample tickets)."""
    return {e: list(Complaint.objects.filter(estate_id=e).order_by("id").values_list("id", "number")[4:200]) for e in estate_ids}


def _generate(rng, incidents: int, staff, pool, now) -> dict:
    estate_ids = list(staff)
    buildings = {}
    for pk, estate_id, name in Building.objects.filter(estate_id__in=estate_ids).order_by("id").values_list("id", "estate_id", "name"):
        buildings.setdefault(estate_id, []).append((pk, name))
    policy = _policy()
    kind_mix = [(k, v[0]) for k, v in KINDS.items()]
    base = _next_id(Incident)
    incident_rows, team_rows, task_rows, event_rows, link_rows, statements, reviews = [], [], [], [], [], [], []
    ct = ContentType.objects.get_for_model(Incident)

    def ev(incident_id, kind, at, actor=None, params=None, body="", from_stage="", to_stage=""):
        event_rows.append((incident_id, kind, actor, from_stage, to_stage, _json(params or {}), body, at))

    for g in range(1, incidents + 1):
        pk, e = base + g, estate_ids[g % len(estate_ids)]
        people = staff[e]
        stage = str(_pick(rng, STAGE_MIX))
        kind = str(_pick(rng, kind_mix))
        level = "" if stage in (Stage.WARNING, Stage.DISMISSED) and rng.random() < 0.4 else str(_pick(rng, LEVEL_MIX))
        window = policy.get(level) or policy[Level.BLUE]
        t = _times(rng, stage, level, now, window)
        b_pk, b_name = rng.choice(buildings[e])
        title = _title(rng, kind, b_name, 100 * rng.randint(1, 18) + rng.randint(1, 4))
        number = NUMBER.format(year=t["opened"].year, n=g)
        source = rng.choice(("manual", "manual", "complaint", "mention", "signal"))
        incident_rows.append((pk, number, e, kind, level, title, rng.choice(DESCRIPTIONS) + rng.choice(DESCRIPTIONS),
                              f"{b_name}", rng.choice(GUIDANCE), stage, source, people["m"], t["opened"], t["response"],
                              t["due"], t["first"], t["disclosure"], t["review"], t["closed"],
                              "经现场核实为误报，已解除预警。" if stage == Stage.DISMISSED else "", t["closed"] or now))
        ev(pk, "opened", t["opened"], people["m"])
        end = t["closed"] or now
        span = end - t["opened"]
        roles = [] if stage == Stage.DISMISSED else ([TeamRole.COMMANDER] if stage == Stage.WARNING else
                                                        [TeamRole.COMMANDER, TeamRole.SPOKESPERSON, TeamRole.ONSITE_LEAD])
        who = {TeamRole.COMMANDER: people["m"], TeamRole.SPOKESPERSON: people["p"], TeamRole.ONSITE_LEAD: people["t"]}
        for role in roles:
            team_rows.append((pk, str(role), who[role], people["m"], t["response"] or t["opened"]))
            ev(pk, "team", t["opened"] + span * 0.05, people["m"], {"user": f"员工{e}{role[0]}", "role": str(role)})
        live = stage in (Stage.WARNING, Stage.RESPONSE, Stage.DISCLOSURE)
        for k in range(0 if stage == Stage.DISMISSED else rng.randint(0, 2) if stage == Stage.WARNING else rng.randint(3, 10)):
            task_title, role = PLAN_TASKS[k]
            assignee = None if rng.random() < 0.1 else who.get(role, people["t"])
            status, done_at = "done", t["opened"] + span * (0.1 + 0.8 * rng.random())
            if live and rng.random() < (1.0 if stage == Stage.WARNING else 0.4):
                status, done_at = "open", None
            elif not live and rng.random() < 0.05:
                status = "carried_over"
            due = now + H * (27 * rng.random() - 3) if status == "open" else done_at + H
            task_rows.append((pk, task_title, str(role), assignee, due, status, "", f"plan-step:{k}", k, done_at,
                              assignee if status == "done" else None, t["opened"] + M))
            ev(pk, "task_added", t["opened"] + M, people["m"], {"title": task_title})
            if status == "done":
                ev(pk, "task_done", done_at, assignee, {"title": task_title})
        for a, b in ((Stage.WARNING, "response"), (Stage.RESPONSE, "disclosure"), (Stage.DISCLOSURE, "review"), (Stage.REVIEW, "closed")):
            at = t[b]
            if at:
                ev(pk, "transition", at, people["m"], from_stage=str(a), to_stage=b)
        if stage == Stage.DISMISSED:
            ev(pk, "transition", t["closed"], people["m"], from_stage="warning", to_stage="dismissed")
        for _ in range(rng.randint(2, 14) if stage != Stage.DISMISSED else 1):
            ev(pk, "log", t["opened"] + span * rng.random(), rng.choice((people["m"], people["t"], people["p"])), body=rng.choice(LOGS))
        if source == "complaint" and pool[e]:
            for _ in range(min(len(pool[e]), rng.randint(1, 3))):
                cid, cnumber = pool[e].pop()
                link_rows.append((pk, cid, people["m"], t["opened"]))
                ev(pk, "complaint_linked", t["opened"], people["m"], {"number": cnumber})
        if t["first"]:
            statements.append(Statement(title=f"BENCH 事件 关于{title}的情况说明", body=f"{title}：{rng.choice(DESCRIPTIONS)}物业将持续通报处置进展。",
                                        estate_id=e, subject_type=ct, subject_id=pk, status=Statement.Status.PUBLISHED,
                                        author_id=people["p"], approved_by_id=people["m"], approved_at=t["first"] - M * 10,
                                        published_at=t["first"], thread=uuid.uuid4()))
            ev(pk, "statement", t["first"], people["m"], {"title": f"关于{title}的情况说明", "version": 1})
        if stage in (Stage.REVIEW, Stage.CLOSED):
            reviews.append(IncidentReview(incident_id=pk, cause=rng.choice(CAUSES), went_well="响应及时，疏散有序。",
                                          went_badly="首次情况说明发布偏晚。", aftercare="已上门慰问受影响住户。", lessons=rng.choice(LESSONS),
                                          status="approved" if stage == Stage.CLOSED else "submitted", written_by_id=people["p"],
                                          approved_by_id=people["m"] if stage == Stage.CLOSED else None,
                                          approved_at=t["closed"]))
    return {"incidents": incident_rows, "team": team_rows, "tasks": task_rows, "events": event_rows, "links": link_rows,
            "statements": statements, "reviews": reviews}


INCIDENT_COLUMNS = ["id", "number", "estate_id", "kind", "level", "title", "description", "location", "owner_guidance", "stage",
                    "source", "opened_by_id", "opened_at", "response_at", "disclosure_due_at", "first_statement_at", "disclosure_at",
                    "review_at", "closed_at", "dismissed_reason", "updated_at"]
TASK_COLUMNS = ["incident_id", "title", "role", "assignee_id", "due_at", "status", "notes", "source_key", "sort", "done_at",
                "done_by_id", "created_at"]
EVENT_COLUMNS = ["incident_id", "kind", "actor_id", "from_stage", "to_stage", "params", "body", "created_at"]


def _showcase(rng, staff, links, now) -> tuple[Incident, dict]:
    """The incident page's subject: exactly 500 timeline entries and 40 tasks, the whole team, 3
    linked complaints, statements, notices with answers, certificates, two buildings."""
    e = next(iter(staff))
    people = staff[e]
    opened = now - H * 20
    response = opened + M * 15
    incident = Incident.objects.create(
        number=NUMBER.format(year=opened.year, n=SHOWCASE), estate_id=e, kind=Kind.FLOOD, level=Level.ORANGE,
        title="3号楼地下车库B2层大面积积水", description="暴雨导致市政管网倒灌，地下车库B2层积水深约40厘米，约60辆车受影响。",
        location="3号楼地下车库B2", owner_guidance="请勿进入地下车库，车辆挪移请听从现场保安指挥。", stage=Stage.RESPONSE,
        source="manual", opened_by_id=people["m"], response_at=response, disclosure_due_at=response + 2 * H,
        first_statement_at=response + 70 * M)
    Incident.objects.filter(pk=incident.pk).update(opened_at=opened)
    incident.buildings.set(Building.objects.filter(estate_id=e).order_by("id")[:2])
    team_users = [people["m"], people["p"], people["t"]]
    TeamMember.objects.bulk_create([TeamMember(incident=incident, role=role, user_id=team_users[i % 3], assigned_by_id=people["m"])
                                    for i, role in enumerate(TeamRole.values)])
    tasks = []
    for k in range(40):
        title, role = PLAN_TASKS[k % len(PLAN_TASKS)]
        status = "done" if k < 20 else "carried_over" if k < 25 else "open"
        due = now + H * (k - 29) if status == "open" else response + M * 30 * k  # four open ones overdue
        tasks.append(Task(incident=incident, title=f"{title}（{k + 1}）", role=role, assignee_id=team_users[k % 3], due_at=due,
                          status=status, notes="已交接给夜班" if status == "carried_over" else "", source_key=f"plan-step:{k}", sort=k,
                          done_at=response + M * 25 * k if status == "done" else None,
                          done_by_id=team_users[k % 3] if status == "done" else None))
    Task.objects.bulk_create(tasks)
    IncidentComplaint.objects.bulk_create([IncidentComplaint(incident=incident, complaint_id=cid, linked_by_id=people["m"])
                                           for cid, _number in links])
    ct = ContentType.objects.get_for_model(Incident)
    thread = uuid.uuid4()
    Statement.objects.bulk_create([
        Statement(thread=thread, version=1, title="BENCH 事件 关于地下车库积水的情况说明", body="今日凌晨暴雨导致地下车库B2层积水，物业已启动应急预案。",
                  estate_id=e, subject_type=ct, subject_id=incident.pk, status=Statement.Status.SUPERSEDED, author_id=people["p"],
                  approved_by_id=people["m"], approved_at=response + 60 * M, published_at=response + 70 * M),
        Statement(thread=thread, version=2, title="BENCH 事件 关于地下车库积水的情况说明（更新）", body="抽水作业已完成八成，受影响车辆登记工作正在进行。",
                  estate_id=e, subject_type=ct, subject_id=incident.pk, status=Statement.Status.PUBLISHED, author_id=people["p"],
                  approved_by_id=people["m"], approved_at=response + 5 * H, published_at=response + 5 * H),
        Statement(thread=uuid.uuid4(), title="BENCH 事件 车辆受损登记及理赔指引", body="受影响车主请于本周内到物业服务中心登记。", estate_id=e,
                  subject_type=ct, subject_id=incident.pk, status=Statement.Status.DRAFT, author_id=people["p"]),
    ])
    from .models import IncidentAnnouncement

    residents = list(Occupancy.objects.filter(unit__building__estate_id=e, end_date__isnull=True).order_by("id")
                     .values_list("resident_id", "unit_id")[:400])
    for n, title in enumerate(("BENCH 紧急通知：地下车库暂停使用", "BENCH 紧急通知：请登记受影响车辆")):
        at = response + H * (1 + 3 * n)
        a = Announcement.objects.create(kind=Announcement.Kind.EMERGENCY, title=title, body="请勿进入地下车库，等待物业通知。",
                                        audience="estates", channels=["portal", "sms"], status="sent", author_id=people["p"],
                                        approved_by_id=people["m"], approved_at=at, published_at=at, ack_required=True,
                                        crisis_related=True)
        a.estates.set([e])
        fan_out(a, at)
        IncidentAnnouncement.objects.create(incident=incident, announcement=a)
        Acknowledgement.objects.bulk_create([Acknowledgement(announcement=a, resident_id=r, answer="need_help" if i % 25 == 0 else "safe")
                                             for i, (r, _unit) in enumerate(residents[: 300 - 100 * n])])
    IncidentCertificate.objects.bulk_create([
        IncidentCertificate(number=f"ZM-{now.year}-B{k:04d}", incident=incident, resident_id=residents[k][0], unit_id=residents[k][1],
                            particulars="停放于B2层的车辆被积水浸泡至车门下沿。", office_actions="物业于当日组织抽水并协助车辆挪移，已登记受损情况。",
                            issued_by_id=people["m"]) for k in range(2)])
    # 500 entries in all: the kinds a long response writes, spread over its 20 hours.
    made = [(incident.pk, "opened", people["m"], "", "", "{}", "", opened),
            (incident.pk, "transition", people["m"], Stage.WARNING, Stage.RESPONSE, "{}", "", response)]
    made += [(incident.pk, "team", people["m"], "", "", _json({"user": f"员工{e}", "role": r}), "", response + M) for r in TeamRole.values]
    made += [(incident.pk, "task_added", people["m"], "", "", _json({"title": t.title}), "", response + M * 2) for t in tasks]
    made += [(incident.pk, "task_done", t.done_by_id, "", "", _json({"title": t.title}), "", t.done_at) for t in tasks if t.done_at]
    made += [(incident.pk, "complaint_linked", people["m"], "", "", _json({"number": number}), "", opened) for _cid, number in links]
    made += [(incident.pk, "statement", people["m"], "", "", _json({"title": "关于地下车库积水的情况说明", "version": v}), "", response + H * h)
             for v, h in ((1, 1.2), (2, 5))]
    made += [(incident.pk, "notice", people["p"], "", "", _json({"title": "紧急通知"}), "", response + H * (1 + 3 * n)) for n in range(2)]
    step = (now - response) / 500
    while len(made) < 500:
        made.append((incident.pk, "log", rng.choice(team_users), "", "", "{}", rng.choice(LOGS), response + step * len(made)))
    _Loader(IncidentEvent, EVENT_COLUMNS).load(made)
    return incident, {"events": len(made), "tasks": len(tasks), "complaints": len(links)}


def bench_incidents_generate(incidents: int, out, seed: int = 17) -> Incident:
    """Generate the incidents on the complaints data set's estates; returns the showcase."""
    bench_incidents_purge()
    rng = random.Random(seed)
    now = timezone.now()
    estate_ids = list(bench_estates().values_list("id", flat=True))
    started = time.perf_counter()
    with transaction.atomic():
        staff = _staff(estate_ids)
        pool = _complaint_pool(estate_ids)
        showcase_links, pool[estate_ids[0]] = pool[estate_ids[0]][:3], pool[estate_ids[0]][3:]
        rows = _generate(rng, incidents, staff, pool, now)
        counts = {"incidents": _Loader(Incident, INCIDENT_COLUMNS).load(rows["incidents"])}
        _sequences_reset(Incident)
        counts["team members"] = _Loader(TeamMember, ["incident_id", "role", "user_id", "assigned_by_id", "assigned_at"]).load(rows["team"])
        counts["tasks"] = _Loader(Task, TASK_COLUMNS).load(rows["tasks"])
        counts["timeline entries"] = _Loader(IncidentEvent, EVENT_COLUMNS).load(rows["events"])
        counts["linked complaints"] = _Loader(IncidentComplaint, ["incident_id", "complaint_id", "linked_by_id", "linked_at"]).load(rows["links"])
        counts["statements"] = len(Statement.objects.bulk_create(rows["statements"], batch_size=2000))
        counts["reviews"] = len(IncidentReview.objects.bulk_create(rows["reviews"], batch_size=2000))
        showcase, made = _showcase(rng, staff, showcase_links, now)
    out(f"generated {', '.join(f'{n} {what}' for what, n in counts.items())} and {3 * len(estate_ids)} staff in "
        f"{time.perf_counter() - started:.1f} s; showcase {showcase.number}: {made['events']} timeline entries, "
        f"{made['tasks']} tasks, {made['complaints']} linked complaints")
    if connection.vendor == "postgresql":
        tables = ", ".join(m._meta.db_table for m in (Incident, IncidentEvent, Task, TeamMember, IncidentComplaint, Statement,
                                                       IncidentReview, Announcement, Delivery, Acknowledgement, User, StaffMembership))
        with connection.cursor() as cursor:
            cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM ANALYZE'} {tables}")
    return showcase


# --- the measurements --------------------------------------------------------------------------------

@contextmanager
def _counting():
    """Counts every statement (the debug query log keeps only 9,000)."""
    seen = [0]

    def wrapper(execute, sql, params, many, context):
        seen[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def _timed(fn):
    with _counting() as seen:
        started = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, seen[0], result


def _cases(showcase, estate_id):
    d, api = "/dashboard/incidents/", "/api/v1/incidents/"
    return [
        ("incident list: default (open)", d),
        ("incident list: all, red + flood", d + "?state=all&level=red&kind=flood"),
        ("incident list: closed, page 5", d + "?state=closed&page=5"),
        ("incident list: stage response", d + "?stage=response"),
        ("incident list: one estate, all", f"{d}?state=all&estate={estate_id}"),
        ("incident list: search 积水", d + "?state=all&q=%E7%A7%AF%E6%B0%B4"),
        ("knowledge base: search 管道", d + "knowledge/?q=%E7%AE%A1%E9%81%93"),
        ("incident page (500 entries, 40 tasks)", f"{d}{showcase.number}/"),
        (SIMILAR_CARD, f"{d}{showcase.number}/similar/"),
        ("API incidents, default", api),
        ("API incidents, open, 50", api + "?open=true&page_size=50"),
        ("API incident detail", f"{api}{showcase.number}/"),
        ("warning signals list", d + "signals/"),
    ]


SIMILAR_CARD = "similar cases (incident), the card"  # fetched by the incident page's htmx (HX-Request)
SIMILAR_INCIDENT = "similar cases (incident)"
SIMILAR_SIGNAL = "similar cases (signal)"


def _bench_signal(estate_id) -> WarningSignal:
    """A complaint-spike signal on the showcase estate as the evaluation would raise it: five of
    its newest complaints of one category as the evidence (removed again by _similar_alone)."""
    category_id = Complaint.objects.filter(estate_id=estate_id).order_by("-created_at").values_list("category_id", flat=True).first()
    ids = list(Complaint.objects.filter(estate_id=estate_id, category_id=category_id).order_by("-created_at").values_list("id", flat=True)[:5])
    now = timezone.now()
    return WarningSignal.objects.create(rule="spike", estate_id=estate_id, category_id=category_id, subject_key="bench:similar",
                                        window_start=now - 6 * H, window_end=now, title="BENCH 投诉激增：同类投诉6小时内5件",
                                        evidence={"complaints": ids})


def _similar_alone(out, runs, showcase, users, only) -> list[dict]:
    """similar_cases() alone, per user: for the showcase incident and for a signal (the signal
    page renders it inline)."""
    from .similar import similar_cases

    signal = _bench_signal(showcase.estate_id)
    rows = []
    try:
        for label, subject in ((SIMILAR_INCIDENT, {"incident": showcase}), (SIMILAR_SIGNAL, {"signal": signal})):
            if only and only not in label:
                continue
            for who, user in users:
                for _ in range(WARM_UP):
                    similar_cases(user, **subject)
                timed = [_timed(lambda u=user, s=subject: similar_cases(u, **s)) for _ in range(runs)]
                times = sorted(t for t, _q, _r in timed)
                row = {"page": label, "user": who, "median": statistics.median(times),
                       "p90": times[min(len(times) - 1, int(round(0.9 * len(times))) - 1)],
                       "queries": [min(q for _t, q, _r in timed), max(q for _t, q, _r in timed)]}
                rows.append(row)
                out(f"{label:<48} {who:<8} {row['median']:8.1f} {row['p90']:8.1f} {row['queries'][1]:>8}")
    finally:
        signal.delete()
    return rows


def _sweeps(out, runs):
    from .models import IncidentAlert
    from .services import disclosure_sweep, task_sweep
    from .services.early_warning import early_warning_evaluate

    open_count = Incident.objects.filter(stage__in=[Stage.WARNING, Stage.RESPONSE, Stage.DISCLOSURE, Stage.REVIEW]).count()
    waiting = Incident.objects.filter(first_statement_at__isnull=True, disclosure_due_at__isnull=False,
                                      stage__in=[Stage.RESPONSE, Stage.DISCLOSURE, Stage.REVIEW]).count()
    overdue = Task.objects.filter(status="open", due_at__lte=timezone.now()).count()
    out(f"sweep: {open_count} open incidents, {waiting} waiting on their first statement, {overdue} overdue open tasks")
    last_event = IncidentEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_delivery = Delivery.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_signal = WarningSignal.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # The first evaluation reads the whole window (as after installing, or after the words were
    # edited); the later ones only what was written since the one before.
    WarningRule.objects.update(read_until=None)
    rows = []

    def sweep():
        return {"disclosure": disclosure_sweep(), "tasks": task_sweep()}

    try:
        for label, fn in (("deadline sweep (disclosure + tasks)", sweep), ("early-warning evaluation", early_warning_evaluate)):
            first_ms, first_q, first = _timed(fn)
            again = [_timed(fn) for _ in range(max(1, min(runs, 10)))]
            again_ms = statistics.median(t for t, _q, _r in again)
            rows.append({"page": f"{label}, first run", "user": "task", "median": first_ms, "p90": first_ms, "queries": [first_q, first_q],
                         "result": first})
            rows.append({"page": f"{label}, again (all alerted)", "user": "task", "median": again_ms,
                         "p90": max(t for t, _q, _r in again), "queries": [min(q for _t, q, _r in again), max(q for _t, q, _r in again)],
                         "result": again[-1][2]})
            out(f"{label + ', first run':<48} {'task':<8} {first_ms:8.1f} {'':>8} {first_q:>8}   {_short(first)}")
            out(f"{label + ', again':<48} {'task':<8} {again_ms:8.1f} {rows[-1]['p90']:8.1f} {rows[-1]['queries'][1]:>8}   "
                f"{_short(again[-1][2])}")
    finally:
        # The sweeps' alerts, entries, notices and signals are not kept: the next run starts alike.
        IncidentAlert.objects.all().filter(incident__number__contains="-B").delete()
        IncidentEvent.objects.filter(id__gt=last_event).delete()
        Delivery.objects.filter(id__gt=last_delivery, announcement__isnull=True).delete()
        WarningSignal.objects.filter(id__gt=last_signal).delete()
        WarningRule.objects.update(read_until=None)
    return rows


def _short(result) -> str:
    return json.dumps(result, ensure_ascii=False, default=str)[:120]


def bench_incidents(**kwargs) -> list[dict]:
    """Generate (on the complaints pages data set), measure, and remove the incidents again."""
    with quiet_logs():
        return _bench_incidents(**kwargs)


def _bench_incidents(*, estates: int, complaints: int, open_share: float, incidents: int, runs: int, out, only=None) -> list[dict]:
    import gc

    data_generate(estates, complaints, open_share, out)
    try:
        showcase = bench_incidents_generate(incidents, out)
        estate_id = showcase.estate_id
        company = _user("bench-company", None, Role.COMPANY_ADMIN)
        manager = _user("bench-i-manager", showcase.estate, Role.ESTATE_MANAGER)
        out(f"{Incident.objects.count()} incidents; the estate manager's estate holds "
            f"{Incident.objects.filter(estate_id=estate_id).count()}; {runs} timed requests after {WARM_UP} warm-ups; times in ms")
        out(f"{'page':<48} {'user':<8} {'median':>8} {'p90':>8} {'queries':>8}")
        results = []
        # Notices go to the broker as in production (memory:// without REDIS_URL), as the pages
        # benchmark does: sending them is the worker's time, not the page's or the sweep's.
        from celery import current_app

        eager, current_app.conf.task_always_eager = current_app.conf.task_always_eager, False
        gc.collect()
        gc.freeze()
        with override_settings(DEBUG=False):
            try:
                for label, url in _cases(showcase, estate_id):
                    if only and only not in label:
                        continue
                    for who, user in (("company", company), ("estate", manager)):
                        client = _client(user)
                        if label == SIMILAR_CARD:
                            client.defaults["HTTP_HX_REQUEST"] = "true"
                        row = {"page": label, "user": who, "url": url, **_measure(client, "GET", url, None, runs, 200)}
                        results.append(row)
                        least, most = row["queries"]
                        out(f"{label:<48} {who:<8} {row['median']:8.1f} {row['p90']:8.1f} "
                            f"{(str(least) if least == most else f'{least}–{most}'):>8}")
                if not only or only in SIMILAR_INCIDENT or only in SIMILAR_SIGNAL:
                    results += _similar_alone(out, runs, showcase, (("company", company), ("estate", manager)), only)
                if not only or "sweep" in only or "evaluation" in only:
                    results += _sweeps(out, runs)
            finally:
                current_app.conf.task_always_eager = eager
                gc.unfreeze()
        return results
    finally:
        bench_incidents_purge()

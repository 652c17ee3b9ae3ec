"""Demo complaints for a newcomer: a living queue over the last 90 days. Idempotent.

Background tickets are written with consistent past timestamps (a service would stamp them
"now"); the stories a newcomer should find — a neighbour dispute, a leak many owners
reported, renovation waste, an SLA breach — go through the real services.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from owners.models import Occupancy, Role, User

from .models import Category, Complaint, ComplaintEvent, DailyCounter, FollowUp, Status
from .services import complaint_assign, complaint_link, complaint_submit, complaint_transition, sla_due_times, sla_sweep

DESCRIPTIONS = {
    "noise": ["楼上每天晚上十点以后还在拖动家具", "隔壁装修电钻声从早上七点开始", "广场舞音响声音太大"],
    "parking": ["我的固定车位被外来车辆占用", "消防通道长期停车", "地库充电桩车位被燃油车占用"],
    "leak": ["卫生间天花板渗水", "厨房墙角有水渍，怀疑楼上管道漏水", "地下室进水"],
    "renovation": ["楼道里堆放装修垃圾一个多星期没人清理", "装修工人在电梯里不做保护"],
    "cleaning": ["垃圾桶满了没人清", "楼道地面很脏"],
    "security": ["单元门门禁坏了，陌生人随便进出", "晚上小区巡逻看不到保安"],
    "repair": ["电梯经常停在半层", "楼道灯不亮", "单元门闭门器坏了"],
    "fees": ["物业费账单金额和去年不一致", "停车费收费标准不清楚"],
    "attitude": ["客服电话打了三次都没人接", "保安态度很差"],
    "neighbour": ["楼上空调外机滴水到我家窗台", "邻居在楼道堆放杂物"],
    "greenery": ["绿化带的树挡住了窗户采光", "草坪好久没修剪"],
    "pets": ["有人遛狗不牵绳", "楼道里有宠物粪便"],
    "other": ["快递柜经常满", "小区门口路灯坏了"],
}
RESOLUTIONS = ["已安排维修师傅上门处理完毕", "已与相关业主沟通，问题已解决", "已加强巡查并清理完毕", "已更换损坏部件"]


def _staff(estate):
    return list(User.objects.filter(memberships__estate=estate, memberships__role__in=[Role.SERVICE, Role.ESTATE_MANAGER, Role.ENGINEER]))


@transaction.atomic
def seed_complaints(estates, now=None) -> int:
    now = now or timezone.now()
    if Complaint.objects.filter(estate__in=estates).exists():
        return Complaint.objects.filter(estate__in=estates).count()
    rng = random.Random(90)
    categories = {c.code: c for c in Category.objects.all()}
    homes = list(Occupancy.objects.filter(unit__building__estate__in=estates, end_date__isnull=True, relation="owner")
                 .select_related("resident", "unit__building"))
    staff = {e.pk: _staff(e) for e in estates}
    counters: dict = {}
    complaints, plans = [], []
    for _ in range(320):
        home = rng.choice(homes)
        code = rng.choice(list(DESCRIPTIONS))
        category = categories[code]
        age = timedelta(days=rng.uniform(0.2, 90))
        created = now - age
        priority = rng.choices(["low", "normal", "high", "urgent"], [2, 12, 4, 1])[0]
        response_due, resolution_due = sla_due_times(category, priority, created)
        day = timezone.localdate(created)
        counters[day] = counters.get(day, 0) + 1
        if age > timedelta(days=20):
            status = rng.choices([Status.CLOSED, Status.RESOLVED, Status.REJECTED, Status.REOPENED], [30, 4, 2, 1])[0]
        elif age > timedelta(days=3):
            status = rng.choices([Status.CLOSED, Status.RESOLVED, Status.IN_PROGRESS, Status.ACKNOWLEDGED], [8, 5, 4, 2])[0]
        else:
            status = rng.choices([Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED], [4, 3, 3, 1])[0]
        estate_id = home.unit.building.estate_id
        team = staff.get(estate_id) or [None]
        assignee = rng.choice(team) if status != Status.SUBMITTED else None
        responded = created + timedelta(minutes=rng.uniform(10, 300)) if status != Status.SUBMITTED else None
        resolved = created + timedelta(hours=rng.uniform(2, 100)) if status in (Status.RESOLVED, Status.CLOSED, Status.REOPENED) else None
        if resolved and resolved > now:
            resolved = now - timedelta(minutes=5)
        complaint = Complaint(
            number=f"TS-{day:%Y%m%d}-{counters[day]:04d}", estate_id=estate_id, building=home.unit.building, unit=home.unit,
            resident=home.resident, category=category, priority=priority, channel=rng.choice(["portal", "portal", "phone", "in_person"]),
            description=rng.choice(DESCRIPTIONS[code]), status=status, assignee=assignee, created_at=created,
            first_response_at=responded, resolved_at=resolved if status != Status.REOPENED else None,
            closed_at=(resolved + timedelta(days=rng.uniform(0.5, 3))) if status == Status.CLOSED and resolved else None,
            response_due_at=response_due, resolution_due_at=resolution_due,
            response_breached=bool(responded and responded > response_due),
            resolution_breached=bool((resolved or now) > resolution_due and status not in (Status.REJECTED,)),
            resolution_summary=rng.choice(RESOLUTIONS) if resolved else "",
            rejection_reason="不属于物业服务范围，已建议业主联系社区居委会" if status == Status.REJECTED else "",
            rating=(rng.choices([5, 4, 3, 2], [10, 6, 2, 1])[0] if status == Status.CLOSED else None),
        )
        if complaint.closed_at and complaint.closed_at > now:
            complaint.closed_at = now
        complaint.rated_at = complaint.closed_at if complaint.rating else None
        complaints.append(complaint)
        plans.append((complaint, created, responded, resolved, status))
    Complaint.objects.bulk_create(complaints)
    events, follow_ups = [], []
    for complaint, created, responded, resolved, status in plans:
        events.append(ComplaintEvent(complaint=complaint, kind="submitted", public=True, created_at=created, to_status="submitted",
                                     params={}))  # the status line is worded in the reader's language (complaints.events)
        if responded:
            events.append(ComplaintEvent(complaint=complaint, kind="transition", public=True, actor=complaint.assignee, created_at=responded,
                                         from_status="submitted", to_status="acknowledged", params={}))
        if status == Status.REJECTED:
            events.append(ComplaintEvent(complaint=complaint, kind="transition", public=True, actor=complaint.assignee, created_at=responded,
                                         from_status="acknowledged", to_status="rejected", body=complaint.rejection_reason, params={}))
        if resolved:
            events.append(ComplaintEvent(complaint=complaint, kind="transition", public=True, actor=complaint.assignee, created_at=resolved,
                                         from_status="in_progress", to_status="resolved", body=complaint.resolution_summary, params={}))
            follow_ups.append(FollowUp(complaint=complaint, estate_id=complaint.estate_id,
                                       due_at=resolved + timedelta(days=complaint.category.follow_up_days),
                                       assignee=complaint.assignee,
                                       done_at=complaint.closed_at, outcome="satisfied" if complaint.closed_at else ""))
        if status == Status.REOPENED:
            events.append(ComplaintEvent(complaint=complaint, kind="transition", public=True, created_at=resolved + timedelta(days=1),
                                         from_status="resolved", to_status="reopened", params={}))
        if status == Status.CLOSED:
            events.append(ComplaintEvent(complaint=complaint, kind="transition", public=True, created_at=complaint.closed_at,
                                         from_status="resolved", to_status="closed", params={}))
    # created_at has auto_now_add on events: restore the history's times after the insert.
    when = [event.created_at for event in events]
    ComplaintEvent.objects.bulk_create(events)
    for event, at in zip(events, when, strict=False):
        event.created_at = at
    ComplaintEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
    FollowUp.objects.bulk_create(follow_ups)
    for day, last in counters.items():
        counter, _ = DailyCounter.objects.get_or_create(day=day, kind="complaint")
        if counter.last < last:
            DailyCounter.objects.filter(pk=counter.pk).update(last=last)
    _stories(estates, categories, homes, rng)
    return Complaint.objects.filter(estate__in=estates).count()


def _stories(estates, categories, homes, rng):
    """The tickets a newcomer should find, made through the real services."""
    estate = estates[0]
    staff = _staff(estate)
    manager = next((u for u in staff if u.memberships.filter(role=Role.ESTATE_MANAGER).exists()), staff[0])
    service = next((u for u in staff if u.memberships.filter(role=Role.SERVICE).exists()), staff[0])
    in_estate = [h for h in homes if h.unit.building.estate_id == estate.pk]
    by_building: dict = {}
    for home in in_estate:
        by_building.setdefault(home.unit.building_id, []).append(home)
    building_homes = max(by_building.values(), key=len)
    building_homes.sort(key=lambda h: (h.unit.floor or 0, h.unit.number))
    upstairs, downstairs = building_homes[2], building_homes[0]

    # A neighbour dispute: both sides complain about each other.
    a = complaint_submit(resident=downstairs.resident, category=categories["neighbour"], unit=downstairs.unit,
                         description="楼上空调外机冷凝水一直滴到我家窗台和晾衣架上，沟通了两次没有改",
                         preferred_visit="工作日晚上 7 点以后")
    b = complaint_submit(resident=upstairs.resident, category=categories["neighbour"], unit=upstairs.unit,
                         description="楼下邻居多次上门敲门指责我家，影响休息，请物业出面协调")
    complaint_link(a, b, actor=service, kind="dispute")
    complaint_assign(a, assignee=service, actor=manager)
    complaint_transition(a, "acknowledge", actor=service)

    # One leak, reported by three owners of the same building.
    leak = [complaint_submit(resident=h.resident, category=categories["leak"], unit=h.unit, priority="high",
                             description=text, preferred_visit=visit)
            for h, text, visit in zip(building_homes[3:6], ["楼道顶部在滴水，地面很滑", "家里卫生间天花板突然渗水", "楼梯间墙面大面积湿了"],
                                      ["", "周六上午 9–12 点，家里有人", ""], strict=False)]
    for other in leak[1:]:
        complaint_link(leak[0], other, actor=service, kind="same_issue")
    complaint_transition(leak[0], "start", actor=service)

    # Renovation waste left in the corridor.
    complaint_submit(resident=building_homes[6].resident, category=categories["renovation"], estate=estate,
                     location=f"{building_homes[6].unit.building.name} 三楼楼道", description="有人装修的垃圾在楼道里堆了一个多星期，堵住了消防通道")

    # An SLA breach: a ticket nobody answered, found by the sweep.
    late = complaint_submit(resident=building_homes[7].resident, category=categories["security"], unit=building_homes[7].unit,
                            priority="urgent", description="单元门门禁坏了两天了，陌生人随便进出")
    past = timezone.now() - timedelta(hours=3)
    Complaint.objects.filter(pk=late.pk).update(created_at=past, response_due_at=past + timedelta(minutes=30),
                                                 resolution_due_at=past + timedelta(hours=8))
    sla_sweep()

    # An owner with a portal account withdrew a complaint before anyone took it up (sorted it out
    # with the neighbour), the way the portal's 撤回 button does.
    signed_up = next((h for h in in_estate if h.resident.user_id), None)
    if signed_up is not None:
        withdrawn = complaint_submit(resident=signed_up.resident, category=categories["noise"], unit=signed_up.unit,
                                     description="楼上周末早上七点就开始装修电钻", preferred_visit="周末上午")
        complaint_transition(withdrawn, "withdraw", actor=signed_up.resident.user, owner=True,
                             text="已经和楼上邻居沟通好了，不用上门了")


def seed_arrears(estates, today=None) -> int:
    """Arrears cases for a newcomer, through the real services: the daily pass opens a case for
    every unit over the threshold, then the stories — a hardship case that ended in an instalment
    plan (demo owner 周建国), a grievance case resolved through its complaint and then paid, a
    lawyer letter waiting for the manager's approval, a disputed amount at its statement, an
    unreachable owner, a broken promise — and a relief request waiting (demo owner 吴晓燕).
    Idempotent: nothing is added once the estates have cases."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from owners.demo import OWNERS
    from owners.models import Resident, Unit
    from owners.selectors import unit_account
    from owners.services.ledger import fee_payment_record

    from .models import ArrearsCase, ReliefRequest
    from .models.arrears import CaseStatus, Cause, Step
    from .services import arrears as svc

    today = today or timezone.localdate()
    if ArrearsCase.objects.filter(estate__in=estates).exists():
        return ArrearsCase.objects.filter(estate__in=estates).count()
    svc.arrears_cases_open_due(today=today)
    users = {u.username: u for u in User.objects.filter(username__in=["service", "manager", "manager2", "admin"])}
    service, manager = users.get("service"), users.get("manager")
    if service is None or manager is None:
        return ArrearsCase.objects.filter(estate__in=estates).count()
    first = estates[0]
    for case in ArrearsCase.objects.filter(estate=first, status=CaseStatus.OPEN):
        svc.arrears_case_assign(case, assignee=service, actor=service)
    owner_a = Resident.objects.get(mobile=OWNERS[0][0])
    home = Unit.objects.get(occupancies__resident=owner_a, occupancies__end_date__isnull=True)
    others = list(ArrearsCase.objects.filter(estate=first, status=CaseStatus.OPEN, resident__isnull=False).exclude(unit=home).order_by("id")[:6])

    # Hardship: 周建国 lost his job; he asks for an instalment plan in the portal and the manager agrees.
    hardship = ArrearsCase.objects.filter(unit=home, status=CaseStatus.OPEN).first()
    if hardship is not None and owner_a.user_id:
        svc.arrears_contact_log(hardship, actor=service, kind=Step.PHONE_CALL, outcome="业主说公司裁员，目前在找工作，愿意分期缴纳。",
                                cause=Cause.HARDSHIP_JOB_LOSS, today=today)
        svc.arrears_step_advance(hardship, actor=service, to_step=Step.HELP, note="已转介居委会就业服务站", today=today)
        relief = svc.relief_request_submit(user=owner_a.user, unit=home, kind=ReliefRequest.Kind.INSTALMENT, instalments=6,
                                           reason="今年三月被裁员，正在找工作，希望分六个月补缴。")
        svc.relief_request_decide(relief, actor=manager, approve=True, reason="符合困难业主分期政策，分6期，每月20日前缴纳。", today=today)
    if len(others) >= 6:
        grievance, no_reason, disputed, unreachable, promised, _spare = others
        # Grievance: the owner stopped paying over a leak nobody fixed; the complaint is resolved, then they pay.
        svc.arrears_contact_log(grievance, actor=service, kind=Step.HOME_VISIT, outcome="业主说楼上漏水半年没人修，修好才交费。",
                                cause=Cause.GRIEVANCE, today=today)
        category = Category.objects.filter(code="leak").first()
        if category is not None:
            complaint = complaint_submit(resident=grievance.resident, category=category, unit=grievance.unit,
                                         description="卫生间天花板渗水半年，多次反映没人处理。")
            svc.arrears_complaint_link(grievance, complaint=complaint, actor=service)
            svc.arrears_step_advance(grievance, actor=service, today=today)
            complaint_transition(complaint, "start", actor=service)
            complaint_transition(complaint, "resolve", actor=service, text="已更换楼上业主卫生间防水层，渗水已止住。")
        owed = unit_account(grievance.unit_id, today)["balance"]
        if owed > 0:
            fee_payment_record(unit=grievance.unit, amount=owed, paid_on=today, actor=service, note="漏水修好后业主到前台补缴", today=today)
        # No stated reason: three contacts, then a lawyer letter waiting for the manager.
        svc.arrears_contact_log(no_reason, actor=service, kind=Step.PHONE_CALL, outcome="业主拒绝说明原因。", cause=Cause.NO_REASON, today=today)
        svc.arrears_step_advance(no_reason, actor=service, to_step=Step.HOME_VISIT, note="电话沟通无果", today=today)
        svc.arrears_contact_log(no_reason, actor=service, kind=Step.HOME_VISIT, outcome="两次上门，业主不开门。", today=today)
        svc.arrears_step_advance(no_reason, actor=service, note="三次电话、两次上门均无结果，欠费已超过五个月。", today=today)
        # Disputed amount: the owner says the area on the bill is wrong; a statement of account is the step.
        svc.arrears_contact_log(disputed, actor=service, kind=Step.PHONE_CALL, outcome="业主认为账单面积有误。", cause=Cause.DISPUTED, today=today)
        # Unreachable: the phone is off; a reminder goes out, a visit is next.
        svc.arrears_contact_log(unreachable, actor=service, kind=Step.PHONE_CALL, outcome="电话停机。", cause=Cause.UNREACHABLE, today=today)
        # A broken promise: the owner promised to pay last week and did not.
        earlier = today - timedelta(days=14)
        owed = unit_account(promised.unit_id, today)["balance"]
        if owed > 0:
            svc.arrears_contact_log(promised, actor=service, kind=Step.PHONE_CALL, outcome="业主答应一周内缴清。", date=earlier,
                                    promise_date=earlier + timedelta(days=7), promise_amount=owed, today=today)
            svc.arrears_promises_sweep(today=today)
    # A relief request waiting: 吴晓燕 is two months behind after an operation.
    owner_b = Resident.objects.filter(mobile=OWNERS[1][0]).first()
    if owner_b is not None and owner_b.user_id:
        home_b = Unit.objects.filter(occupancies__resident=owner_b, occupancies__end_date__isnull=True).first()
        if home_b is not None and not ReliefRequest.objects.filter(unit=home_b).exists():
            note = SimpleUploadedFile("诊断证明.pdf", b"%PDF-1.4\n% demo\n", content_type="application/pdf")
            svc.relief_request_submit(user=owner_b.user, unit=home_b, kind=ReliefRequest.Kind.RELIEF,
                                      reason="上个月做了手术，住院一个月，申请减免两个月物业费。", files=[note])
    return ArrearsCase.objects.filter(estate__in=estates).count()


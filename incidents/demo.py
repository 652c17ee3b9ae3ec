"""Demo incidents, one in every stage, tied to the demo's complaints, notices, statements and
mentions. Made through the services, then moved back in time where a story needs it. Idempotent."""

import logging
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from communications.models import Acknowledgement, Announcement, MediaMention, Statement
from communications.services.help_requests import resident_home_in
from complaints.models import Category
from complaints.services import complaint_submit
from owners.models import Occupancy, User

from .models import (
    Drill,
    EmergencyPlan,
    Incident,
    IncidentAnnouncement,
    IncidentEvent,
    IncidentMention,
    Rule,
    Task,
    WarningSignal,
)
from .services import (
    certificate_issue,
    drill_record,
    improvement_add,
    improvement_done,
    incident_escalate_from_complaints,
    incident_log,
    incident_open,
    incident_review_decide,
    incident_review_save,
    incident_review_submit,
    incident_statement_draft,
    incident_task_carry_over,
    incident_task_complete,
    incident_team_assign,
    incident_transition,
    incident_update,
)
from .services.tasks_checklist import need_help_task

GAS_TITLE = "3号楼2单元燃气泄漏"


def _back(incident, hours: float, **extra):
    """Move an incident's clock back `hours` (opened, response, deadlines, events), for a story
    that happened earlier than the seeding."""
    shift = timedelta(hours=hours)
    fields = {f: getattr(incident, f) - shift for f in ("opened_at", "response_at", "disclosure_due_at", "first_statement_at",
                                                        "disclosure_at", "review_at", "closed_at") if getattr(incident, f)}
    Incident.objects.filter(pk=incident.pk).update(**fields, **extra)
    for event in IncidentEvent.objects.filter(incident=incident):
        IncidentEvent.objects.filter(pk=event.pk).update(created_at=event.created_at - shift)
    for task in Task.objects.filter(incident=incident):
        Task.objects.filter(pk=task.pk).update(due_at=task.due_at - shift if task.due_at else None,
                                               done_at=task.done_at - shift if task.done_at else None)
    incident.refresh_from_db()
    return incident


def _people():
    get = User.objects.get
    return get(username="manager"), get(username="service"), get(username="engineer"), get(username="spokesperson"), \
        get(username="manager2"), get(username="admin")


def _team(incident, actor, **roles):
    for role, user in roles.items():
        incident_team_assign(incident, actor=actor, role=role, user=user)


def _homes(estate, n, **unit):
    """The estate's first `n` owners' homes; `unit` narrows them (building="3号楼", entrance="2")."""
    where = {f"unit__{'building__name' if k == 'building' else k}": v for k, v in unit.items()}
    return list(Occupancy.objects.filter(unit__building__estate=estate, end_date__isnull=True, relation="owner", **where)
                .select_related("resident", "unit__building").order_by("unit__building__name", "unit__number")[:n])


@transaction.atomic
def seed_incidents(estates) -> int:
    quiet = logging.getLogger("lighthouse.gateway")
    level, quiet.level = quiet.level, logging.WARNING
    try:
        if not Incident.objects.filter(title=GAS_TITLE).exists():
            _gas_leak(estates[0])
            _burst_main(estates[0])
            _lift_entrapment(estates[-1])
            _falling_stone(estates[0])
            _fee_protest(estates[-1])
            _fire_closed(estates[0])
            _false_alarm(estates[0])
            _drill(estates[0])
        seed_signals(estates)
    finally:
        quiet.level = level
    return Incident.objects.count()


THREAT = "楼上装修垃圾在楼道堆了半个月，打了三次电话都没人管，再不处理我就找媒体曝光！"


def seed_signals(estates) -> int:
    """Early-warning signals as the desk would find them in the morning: what owners wrote
    overnight (a leak spike in one building after the rain, a smell spike, an owner threatening
    the media over renovation waste, a widely shared post), evaluated once by the real rules,
    and one signal already dismissed with its reason. Idempotent: keyed by the threat's text."""
    from communications.services.media import mention_record
    from complaints.models import Complaint

    from .services.early_warning import early_warning_evaluate, warning_signal_dismiss

    if Complaint.objects.filter(description=THREAT).exists():
        return WarningSignal.objects.count()
    manager, service, _engineer, spokesperson, manager2, _admin = _people()
    first, last = estates[0], estates[-1]
    category = {c.code: c for c in Category.objects.filter(code__in=["leak", "cleaning", "renovation", "neighbour"])}

    def submit(homes, texts, code):
        return [complaint_submit(resident=h.resident, category=category[code], unit=h.unit, description=t)
                for h, t in zip(homes, texts, strict=False)]

    # Five leaks from one building after the night's rain (its own history: hardly any).
    homes = _homes(first, 200)
    building = homes[-1].unit.building_id
    top = [h for h in homes if h.unit.building_id == building][-6:]
    submit(top, ["昨晚下大雨，顶楼卧室天花板漏水，墙皮都泡起来了", "阳台顶上一直在滴水，接了两盆了",
                 "客厅吊顶漏水，怕电线短路，请尽快派人来", "卫生间顶部渗水，楼上说他家也在漏",
                 "楼道顶上漏水，地面湿滑，老人差点滑倒", "厨房天花板漏水，水顺着灯往下流"], "leak")
    # A drain smell in one building of the other estate.
    other = _homes(last, 120)
    smelly = other[-1].unit.building_id
    submit([h for h in other if h.unit.building_id == smelly][-5:],
           ["一楼大堂下水道反味，臭得受不了", "楼道里一股下水道的臭味，好几天了", "电梯间臭味很重，是不是化粪池满了",
            "地下室返臭，味道飘到楼上", "楼道臭味越来越重，孩子闻了头疼"], "cleaning")
    # The owner who threatens the media over renovation waste, and a quarrel that mentions the police.
    submit(homes[5:6], [THREAT], "renovation")
    quarrel = submit(other[3:4], ["邻居家小孩天天在楼道拍球，说了两次还吵起来，对方说要报警"], "neighbour")
    mention_record(actor=spokesperson, source="weibo", sentiment="negative", reach=32000, estate=first,
                   mentioned_at=timezone.now() - timedelta(hours=3), url="https://weibo.com/demo/lighthouse-lift",
                   excerpt="某小区电梯一个月坏了三次，物业一直拖着不修，八十岁的老人只能爬18楼，转发让更多人看到")
    early_warning_evaluate()
    dismissed = WarningSignal.objects.filter(rule=Rule.WORDS, subject_key=f"complaint:{quarrel[0].pk}").first()
    if dismissed is not None:
        warning_signal_dismiss(dismissed, actor=manager2, reason="邻里口角，客服已上门调解，双方已和解，与物业服务无关")
    return WarningSignal.objects.count()


def _gas_leak(estate):
    """The demo's gas leak, in disclosure: complaints, the emergency notice with need-help
    answers as tasks, the published statement, the Weibo mention."""
    manager, service, engineer, spokesperson, _m2, _admin = _people()
    safety = Category.objects.get(code="security")
    # Three owners of 3号楼 2单元, where the story happens (their units become the incident's).
    homes = _homes(estate, 3, building="3号楼", entrance="2")
    complaints = [complaint_submit(resident=h.resident, category=safety, unit=h.unit, priority="urgent", description=text)
                  for h, text in zip(homes, ["3号楼2单元楼道里燃气味很重，请马上来看看！",
                                             "闻到很浓的煤气味，是不是哪里漏气了",
                                             "楼下有燃气味，孩子在家很害怕"], strict=False)]
    incident, _created = incident_escalate_from_complaints(complaints, actor=service, kind="gas", level="red", title=GAS_TITLE)
    incident_update(incident, actor=manager, location="3号楼2单元及地下车库B2",
                    owner_guidance="请勿使用明火和电器开关，保持门窗通风；如闻到燃气味请立即撤离并拨打物业24小时值班电话 021-5888 1234。")
    _team(incident, manager, commander=manager, spokesperson=spokesperson, onsite_lead=engineer, scribe=service)
    incident = incident_transition(incident, "respond", actor=manager)
    incident_log(incident, actor=service, body="19:46 工程部关闭3号楼燃气总阀，设立警戒区")
    incident_log(incident, actor=engineer, body="19:58 燃气公司抢修车到场，B2 阀门井检测到泄漏")
    for task in incident.tasks.order_by("sort")[:4]:
        incident_task_complete(task, actor=manager)
    # The demo's emergency notice and published statement belong to this incident.
    notice = Announcement.objects.filter(kind="emergency", title__contains="燃气").order_by("id").first()
    if notice is not None:
        IncidentAnnouncement.objects.get_or_create(incident=incident, announcement=notice)
    incident_type = ContentType.objects.get_for_model(Incident)
    Statement.objects.filter(title="关于3号楼燃气泄漏的情况说明").update(subject_type=incident_type, subject_id=incident.pk)
    published = Statement.objects.filter(title="关于3号楼燃气泄漏的情况说明").order_by("published_at").first()
    mention = MediaMention.objects.filter(excerpt__contains="燃气泄漏").first()
    if mention is not None:
        IncidentMention.objects.get_or_create(mention=mention, defaults={"incident": incident, "linked_by": spokesperson})
    incident_log(incident, actor=spokesperson, body="20:40 新民晚报李敏来电询问泄漏原因，已登记，待发布情况说明后统一回复")
    incident = incident_transition(incident, "disclose", actor=manager)
    Incident.objects.filter(pk=incident.pk).update(first_statement_at=(published.published_at if published else timezone.now()))
    incident.refresh_from_db()
    incident = _back(incident, 20)
    # The owners' "I need help" answers came in now (the demo notice's answers are recorded at
    # seeding), so their tasks are made after the story is moved back: due when the answers came.
    if notice is not None:
        for ack in Acknowledgement.objects.filter(announcement=notice, answer="need_help").select_related("resident"):
            home = resident_home_in(notice, ack.resident)
            need_help_task(incident, ack, unit=str(home.unit) if home else "")


def _burst_main(estate):
    """Burst main flooding the basement garage: in response, the first statement not yet out."""
    manager, service, engineer, spokesperson, _m2, _admin = _people()
    incident = incident_open(actor=service, estate=estate, kind="flood", level="orange", title="地下车库给水主管爆裂",
                             description="B1 车库东侧给水主管爆裂，积水约 30 厘米，多辆车被淹，车库电梯已停用。",
                             location="地下车库 B1 东区")
    _team(incident, manager, commander=manager, spokesperson=spokesperson, onsite_lead=engineer)
    incident = incident_transition(incident, "respond", actor=manager)
    incident_log(incident, actor=engineer, body="已关闭东区给水阀门，调集两台水泵排水")
    incident_task_complete(incident.tasks.order_by("sort").first(), actor=engineer)
    incident_statement_draft(incident, actor=spokesperson, title="关于地下车库积水的情况说明",
                             body="今日 6:10 地下车库 B1 东区给水主管爆裂，物业已关阀排水，受影响车辆正在登记。")
    _back(incident, 1.3)


def _lift_entrapment(estate):
    """A lift entrapment just reported: a warning, no level yet."""
    _manager, _service, _engineer, _spokesperson, manager2, _admin = _people()
    incident_open(actor=manager2, estate=estate, kind="lift", title="2号楼1号电梯困人",
                  description="业主来电：2号楼1号电梯停在8楼与9楼之间，轿厢内2人，一位老人。", location="2号楼1号电梯")


def _falling_stone(estate):
    """A stone fell from a balcony onto a parked car: in review, with a certificate issued."""
    manager, service, engineer, spokesperson, _m2, _admin = _people()
    owner = _homes(estate, 80)[70]
    incident = incident_open(actor=service, estate=estate, kind="falling_object", level="yellow", title="4号楼阳台石块坠落砸车",
                             description="14:20 4号楼北侧12楼阳台外墙装饰石块脱落，砸中楼下停放的车辆，无人员受伤。",
                             location="4号楼北侧停车位")
    _team(incident, manager, commander=manager, spokesperson=spokesperson, onsite_lead=engineer, liaison_residents=service)
    incident = incident_transition(incident, "respond", actor=manager)
    statement = incident_statement_draft(incident, actor=spokesperson, title="关于4号楼外墙石块脱落的说明",
                                         body="物业已封闭4号楼北侧区域，正在排查同一立面外墙，受损车辆车主请联系物业服务中心。")
    from communications.services.media import statement_publish, statement_review, statement_submit

    statement_submit(statement, actor=spokesperson)
    statement_review(statement, actor=manager, approve=True)
    statement_publish(statement, actor=spokesperson)
    incident = incident_transition(incident, "disclose", actor=manager)
    for task in incident.tasks.all():
        if task.title.startswith("告知受损业主"):
            incident_task_carry_over(task, actor=manager, note="证明已开具，后续理赔由管家跟进")
        else:
            incident_task_complete(task, actor=manager)
    incident = incident_transition(incident, "review", actor=manager)
    certificate_issue(incident, actor=manager, resident=owner.resident, unit=owner.unit,
                      particulars="业主停放于4号楼北侧的车辆（沪A·D1234）被坠落石块砸中，前挡风玻璃破裂、引擎盖凹陷。",
                      office_actions="14:25 设立警戒区；14:40 报警并保存监控录像；次日起排查4号楼北立面外墙，已加固3处松动石材。")
    incident_review_save(incident, actor=engineer, cause="外墙装饰石材锚固件锈蚀松动，近期连续降雨加剧",
                         went_well="5分钟内封闭区域，无人员受伤；当天发布说明",
                         went_badly="外墙巡检记录显示该处两月前已有裂缝，未及时处理",
                         aftercare="为车主开具事故证明，协助保险理赔")
    _back(incident, 72)


def _fee_protest(estate):
    """Owners protest a fee rise and threaten a petition: a warning from a negative mention."""
    _manager, _service, _engineer, spokesperson, manager2, _admin = _people()
    incident = incident_open(actor=manager2, estate=estate, kind="mass_dispute", title="业主反对物业费上调，酝酿联名上访",
                             description="业主群中有人发起联名，称若物业费上调方案不撤回，周末将拉横幅并到街道上访。")
    incident_log(incident, actor=spokesperson, body="业主群截图已存档；业委会主任表示愿意周四座谈")
    _back(incident, 5)


def _fire_closed(estate):
    """A closed fire incident with an approved review and its improvement actions."""
    manager, service, engineer, spokesperson, _m2, _admin = _people()
    incident = incident_open(actor=service, estate=estate, kind="fire", level="orange", title="2号楼电动车充电起火",
                             description="凌晨 2:15 2号楼一楼门厅电动车充电时起火，烟雾进入楼道，消防到场扑灭，1人轻微吸入烟雾。",
                             location="2号楼一楼门厅")
    _team(incident, manager, commander=manager, spokesperson=spokesperson, onsite_lead=engineer, scribe=service)
    incident = incident_transition(incident, "respond", actor=manager)
    statement = incident_statement_draft(incident, actor=spokesperson, title="关于2号楼电动车起火的情况说明",
                                         body="今日凌晨2号楼门厅电动车充电起火，已扑灭，1名住户轻微不适已送医观察。楼内禁止停放和充电电动车。")
    from communications.services.media import statement_publish, statement_review, statement_submit

    statement_submit(statement, actor=spokesperson)
    statement_review(statement, actor=manager, approve=True)
    statement_publish(statement, actor=spokesperson)
    incident = incident_transition(incident, "disclose", actor=manager)
    for task in incident.tasks.all():
        incident_task_complete(task, actor=manager)
    incident = incident_transition(incident, "review", actor=manager)
    incident_review_save(incident, actor=manager, cause="住户在楼内门厅违规为电动车充电，电池过热起火",
                         went_well="消防3分钟内报警，疏散有序；当天上午发布说明",
                         went_badly="门厅烟感报警后值班员4分钟才到场；此前多次劝阻楼内充电未形成整改",
                         aftercare="协助受影响住户清洁楼道、更换门厅设施；为吸入烟雾的住户支付检查费用",
                         lessons="楼内充电须零容忍：巡查加劝阻不够，要有集中充电设施")
    today = timezone.localdate()
    first = improvement_add(incident=incident, actor=manager, title="在非机动车棚加装40个智能充电口", owner=engineer,
                            due_on=today + timedelta(days=30))
    improvement_add(incident=incident, actor=manager, title="更新火灾预案：夜间值班员3分钟到场", owner=manager,
                    due_on=today + timedelta(days=14), updates_plan=True)
    improvement_done(first, actor=engineer, note="充电口已安装并通电")
    incident_review_submit(incident, actor=manager)
    incident_review_decide(incident, actor=manager, approve=True, note="同意，按期完成改进措施")
    incident = incident_transition(incident, "close", actor=manager)
    _back(incident, 24 * 20)


def _false_alarm(estate):
    manager, service, *_rest = _people()
    incident = incident_open(actor=service, estate=estate, kind="gas", title="1号楼疑似燃气味",
                             description="业主反映1号楼3楼有异味。", location="1号楼3楼")
    incident_transition(incident, "dismiss", actor=manager, reason="现场检测无燃气，为邻居装修油漆味")
    _back(incident, 24 * 6)


def _drill(estate):
    manager, *_rest = _people()
    plan = EmergencyPlan.objects.filter(kind="gas", estate__isnull=True).first()
    if plan is None or Drill.objects.filter(plan=plan, estate=estate).exists():
        return
    drill = drill_record(actor=manager, plan=plan, estate=estate, held_on=timezone.localdate() - timedelta(days=45),
                         scenario="夜间3号楼地下车库燃气泄漏，疏散2单元住户", participants="工程部4人、秩序部6人、客服2人，燃气公司1人",
                         findings="关阀用时8分钟达标；通知业主用时22分钟，超过预案的20分钟；2单元有3户无人应答。")
    improvement_add(drill=drill, actor=manager, title="紧急通知模板预先审批，缩短发送时间", owner=manager,
                    due_on=timezone.localdate() + timedelta(days=10))


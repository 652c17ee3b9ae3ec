"""Demo announcements, statements, media mentions and inquiries and stakeholders. Idempotent."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from owners.models import User

from .models import Acknowledgement, Announcement, Delivery, MediaInquiry, MediaMention, Stakeholder
from .services import announcements as ann
from .services import media

ANNOUNCEMENTS = [
    # kind, title, body, sms, ack, audience: first building only?
    ("outage", "明日停水通知", "因二次供水设备检修，明天 9:00–15:00 全小区停水，请提前储水。给您带来不便，敬请谅解。", "明日9-15点停水检修，请提前储水。", False),
    ("safety", "台风“海葵”预警：请收好阳台物品", "台风预计今晚登陆，请收好阳台和窗台物品，关好门窗，非必要不外出。物业 24 小时值班：021-5888 1234。", "台风今晚登陆，请收好阳台物品、关好门窗。", True),
    ("fee", "2027 年度物业费缴费通知", "2027 年度物业费缴费已开始。请到物业服务中心缴纳（工作日 9:00–17:30，可刷卡或扫码），或通过银行转账至物业公司账户，转账时请注明楼栋和房号。如有疑问或缴费困难，请致电或到物业服务中心咨询。", "", False),
    ("event", "周六社区邻里节", "本周六 9:00 在中心花园举办邻里节，有义诊、二手集市和儿童游戏。", "", False),
    ("general", "电梯年检安排", "下周一至周三将对各楼栋电梯进行年度检验，检验期间每部电梯停运约 2 小时。", "", False),
    ("emergency", "3号楼燃气泄漏已处置完毕，请确认平安", "今晚 19:40 3号楼 2 单元发生燃气泄漏，已关闭气源并通风，燃气公司正在检修。请各位住户回复“我很安全”。", "3号楼燃气泄漏已处置，请在业主端确认平安。", True),
]


@transaction.atomic
def seed_communications(estates) -> dict:
    estate = estates[0]
    if Announcement.objects.filter(title=ANNOUNCEMENTS[0][1]).exists():
        return {"announcements": Announcement.objects.count()}
    writer = User.objects.get(username="service")
    manager = User.objects.get(username="manager")
    spokesperson = User.objects.get(username="spokesperson")
    quiet = logging.getLogger("lighthouse.gateway")
    level, quiet.level = quiet.level, logging.WARNING  # the demo's SMS would fill the console
    try:
        for kind, title, body, sms, ack in ANNOUNCEMENTS:
            a = ann.announcement_create(author=writer, estates=[estate], kind=kind, title=title, body=body, sms_text=sms,
                                        channels=["portal", "sms"], audience="estates", ack_required=ack)
            if a.needs_approval:
                ann.announcement_approve(a, actor=manager)
            ann.announcement_publish(a, actor=writer)
    finally:
        quiet.level = level
    # Realistic outcomes: some numbers fail, some residents already answered the emergency.
    for delivery in Delivery.objects.filter(announcement__estates=estate, channel="sms").order_by("id")[::37]:
        Delivery.objects.filter(pk=delivery.pk).update(status="failed", last_error="HTTP 400: 号码不存在 (invalid number)")
    emergency = Announcement.objects.get(title=ANNOUNCEMENTS[-1][1])
    for i, delivery in enumerate(Delivery.objects.filter(announcement=emergency, channel="portal").select_related("resident")[:120]):
        Acknowledgement.objects.get_or_create(announcement=emergency, resident=delivery.resident,
                                              defaults={"answer": "need_help" if i % 40 == 7 else "safe"})
    # A draft waiting for approval.
    ann.announcement_request_approval(ann.announcement_create(
        author=writer, estates=[estate], kind="safety", title="高空抛物专项整治", body="近期发生多起高空抛物，请各位业主……",
        channels=["portal"], audience="estates"), actor=writer)

    now = timezone.now()
    thread = None
    # status: (title, text) — each statement says what its title promises
    titles = {"draft": ("关于地库积水的说明", "昨夜暴雨导致地库 B1 层局部积水，已连夜抽排，受影响车辆请联系物业服务中心登记。"),
              "in_review": ("关于电梯年检停运的说明", "本周二至周四各楼栋电梯依次年检，每部停运约 2 小时，具体时间见各单元公告栏。"),
              "approved": ("关于物业费调整的说明", "经业主大会表决，2027 年起物业费调整为每月 2.3 元/平方米，新增服务内容详见公示。"),
              "published": ("关于3号楼燃气泄漏的情况说明", "19:40 接报，19:46 关闭气源，20:30 燃气公司完成检修，无人员受伤。")}
    for status, (title, body) in titles.items():
        s = media.statement_create(author=spokesperson, estate=estate, title=title, body=body)
        if status != "draft":
            media.statement_submit(s, actor=spokesperson)
        if status in ("approved", "published"):
            media.statement_review(s, actor=manager, approve=True)
        if status == "published":
            media.statement_publish(s, actor=spokesperson)
            thread = s
    update = media.statement_new_version(thread, actor=spokesperson, body="更新：燃气管道已全部更换，今日起恢复供气。")
    media.statement_submit(update, actor=spokesperson)
    media.statement_review(update, actor=manager, approve=True)
    media.statement_publish(update, actor=spokesperson)  # v1 becomes superseded

    MediaMention.objects.bulk_create([
        MediaMention(source="weibo", excerpt="阳光花园3号楼燃气泄漏，物业半小时才到？", sentiment="negative", reach=48000, estate=estate,
                     url="https://weibo.example.com/status/1", mentioned_at=now - timedelta(hours=20)),
        MediaMention(source="owner_group", excerpt="感谢物业连夜处置，大家都平安", sentiment="positive", reach=300, estate=estate,
                     mentioned_at=now - timedelta(hours=18)),
        MediaMention(source="hotline_12345", excerpt="市民反映小区地库长期积水", sentiment="negative", reach=0, estate=estates[-1],
                     mentioned_at=now - timedelta(days=2)),
        MediaMention(source="news", excerpt="本市多个小区开展电梯安全检查", sentiment="neutral", reach=120000,
                     mentioned_at=now - timedelta(days=3)),
    ])
    MediaInquiry.objects.bulk_create([
        MediaInquiry(journalist="李敏", outlet="新民晚报", contact="138 0000 1111", question="燃气泄漏原因是什么？是否有人受伤？",
                     deadline=now + timedelta(hours=3), estate=estate, assigned_to=spokesperson),
        MediaInquiry(journalist="周涛", outlet="本地电视台", contact="zhou@tv.example.com", question="小区电梯多久检修一次？",
                     deadline=now - timedelta(hours=2), estate=estate, assigned_to=spokesperson),
    ])
    Stakeholder.objects.bulk_create([
        Stakeholder(kind="owners_committee", name="陈国华", organisation="阳光花园业主委员会", title="主任", phone="139 1111 2222", estate=estate),
        Stakeholder(kind="residents_committee", name="刘芳", organisation="锦绣路居委会", title="书记", phone="021-5888 0001", estate=estate),
        Stakeholder(kind="street_office", name="王建", organisation="花木街道办事处", title="城管科科长", phone="021-5888 0002"),
        Stakeholder(kind="government", name="赵磊", organisation="区住建委物业科", title="科长", phone="021-5888 0003"),
        Stakeholder(kind="media", name="李敏", organisation="新民晚报", title="记者", phone="138 0000 1111"),
        Stakeholder(kind="mediator", name="孙老师", organisation="退休教师，3号楼业主", phone="137 2222 3333", estate=estate),
    ])
    chair = Stakeholder.objects.get(name="陈国华")
    media.contact_log_add(stakeholder=chair, actor=manager, channel="meeting", summary="通报燃气泄漏处置情况",
                          agreed="业委会协助在业主群里说明情况；物业周五前提交整改报告")
    return {"announcements": Announcement.objects.count()}

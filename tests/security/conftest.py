"""The world the authorization matrix runs in: two estates, ten principals, one of everything.

Built once per module inside a transaction that is rolled back at the end; every test is marked
django_db and runs in a savepoint of that transaction that is rolled back too (see
_django_db_helper below), so a write that gets through, or is allowed, never leaks into the next
cell. Requests carry a session cookie or an API token made here: a cell costs one request and no
sign-in. Works on SQLite and on PostgreSQL.
"""

import io
import logging
from datetime import timedelta
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image
from rest_framework.authtoken.models import Token

from owners.models import Occupancy, Resident, Role, StaffMembership
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OccupancyFactory,
    ResidentFactory,
    UnitFactory,
    owner_with_account,
    staff_member,
)

# Column order of every row of the expectation tables.
PRINCIPALS = ["anon", "owner_a", "owner_b", "service_a", "service_b", "spokesperson", "engineer_a",
              "manager_a", "manager_b", "admin"]

# Words only estate A's (or estate B's) people and records carry. A page or API answer shown to
# someone scoped to the other estate must contain none of them.
MARKERS = {
    "a": ["阳光花园", "阳光1号楼", "周建国", "13800000001", "张丽", "赵强", "李明", "楼上装修噪音", "阳光停水通知",
          "阳光草稿通知", "阳光内部草稿声明", "阳光电梯困人", "阳光晚报", "阳光街道王主任", "阳光车库业主", "郑小燕", "阳光地库燃气泄漏"],
    "b": ["翠湖苑", "翠湖1号楼", "吴敏", "13800000002", "王芳", "陈刚", "厨房漏水", "翠湖停水通知", "翠湖日报"],
}
# Which estate each scoped principal belongs to; company-wide principals see both.
SIDE = {"owner_a": "a", "service_a": "a", "engineer_a": "a", "manager_a": "a",
        "owner_b": "b", "service_b": "b", "manager_b": "b"}


def jpeg_upload(name="photo.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _world_build():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

    from communications.models import Acknowledgement, Delivery, InboxItem, SavedAudience
    from communications.services import media as media_svc
    from communications.services.announcements import announcement_create, announcement_publish
    from communications.services.inbox import inbox_add
    from complaints.models import Category, SlaPolicy
    from complaints.services import complaint_submit
    from owners.services import invitation_token, resident_invite

    w = SimpleNamespace()
    w.estate_a = EstateFactory(name="阳光花园", code="sunny")
    w.estate_b = EstateFactory(name="翠湖苑", code="jade")
    w.building_a = BuildingFactory(estate=w.estate_a, name="阳光1号楼")
    w.building_b = BuildingFactory(estate=w.estate_b, name="翠湖1号楼")
    w.unit_a = UnitFactory(building=w.building_a, entrance="1", number="101")
    w.unit_b = UnitFactory(building=w.building_b, entrance="1", number="101")

    owner_a = owner_with_account(unit=w.unit_a, mobile="13800000001")
    owner_b = owner_with_account(unit=w.unit_b, mobile="13800000002")
    Resident.objects.filter(user=owner_a).update(name="周建国")
    Resident.objects.filter(user=owner_b).update(name="吴敏")
    w.resident_a, w.resident_b = Resident.objects.get(user=owner_a), Resident.objects.get(user=owner_b)
    w.occupancy_a = Occupancy.objects.get(resident=w.resident_a)

    w.users = {
        "owner_a": owner_a,
        "owner_b": owner_b,
        "service_a": staff_member(w.estate_a, role=Role.SERVICE, username="service_a", first_name="张丽"),
        "service_b": staff_member(w.estate_b, role=Role.SERVICE, username="service_b", first_name="王芳"),
        "spokesperson": staff_member(None, role=Role.SPOKESPERSON, username="spokesperson", first_name="孙悦"),
        "engineer_a": staff_member(w.estate_a, role=Role.ENGINEER, username="engineer_a", first_name="赵强"),
        "manager_a": staff_member(w.estate_a, role=Role.ESTATE_MANAGER, username="manager_a", first_name="李明"),
        "manager_b": staff_member(w.estate_b, role=Role.ESTATE_MANAGER, username="manager_b", first_name="陈刚"),
        "admin": staff_member(None, role=Role.COMPANY_ADMIN, username="admin", first_name="总部管理员", is_superuser=True),
    }
    w.membership_service_a = StaffMembership.objects.get(user=w.users["service_a"])

    # A resident of estate A without an account, with an open invitation (the activation link).
    w.invitee = ResidentFactory(name="郑小燕", mobile="13800000003")
    OccupancyFactory(resident=w.invitee, unit=UnitFactory(building=w.building_a, entrance="1", number="102"))
    w.invitation = resident_invite(resident=w.invitee, invited_by=w.users["service_a"])
    w.activation_token = invitation_token(w.invitation)
    w.reset_uid = urlsafe_base64_encode(force_bytes(owner_a.pk))
    w.reset_token = default_token_generator.make_token(owner_a)

    w.category = Category.objects.get_or_create(code="noise", defaults={"name": "噪音", "name_en": "Noise"})[0]
    w.sla_policy = SlaPolicy.objects.get_or_create(
        category=w.category, priority="normal", defaults={"first_response": timedelta(hours=4), "resolution": timedelta(days=3)})[0]
    w.complaint_a = complaint_submit(resident=w.resident_a, category=w.category, description="楼上装修噪音，晚上十点还在施工",
                                     unit=w.unit_a, photos=[jpeg_upload()])
    from complaints.models import CannedReply
    from owners.models import ExportRecord, MobileReveal

    w.canned_reply = CannedReply.objects.create(title="已派师傅", body="{姓名}您好，工单{工单号}已安排师傅上门。")
    w.mobile_reveal = MobileReveal.objects.create(user=w.users["engineer_a"], resident=w.resident_a)
    w.export_record = ExportRecord.objects.create(user=w.users["service_a"], kind="complaints", format="csv", filters={"estate": w.estate_a.pk})
    w.complaint_a2 = complaint_submit(resident=w.resident_a, category=w.category, description="楼道灯坏了", unit=w.unit_a)
    w.complaint_b = complaint_submit(resident=w.resident_b, category=w.category, description="厨房漏水到楼下", unit=w.unit_b)
    w.photo_a = w.complaint_a.photos.get()

    # A sent notice per estate (owner A's portal notice board) and a draft of estate A to act on.
    w.notice_a = announcement_create(author=w.users["service_a"], title="阳光停水通知", body="明天 9:00–12:00 停水。",
                                     channels=["portal"], audience="estates", estates=[w.estate_a])
    announcement_publish(w.notice_a, actor=w.users["service_a"])
    w.notice_b = announcement_create(author=w.users["service_b"], title="翠湖停水通知", body="明天停水。",
                                     channels=["portal"], audience="estates", estates=[w.estate_b])
    announcement_publish(w.notice_b, actor=w.users["service_b"])
    w.draft_a = announcement_create(author=w.users["service_a"], title="阳光草稿通知", body="下周消杀。",
                                    channels=["portal"], audience="estates", estates=[w.estate_a])
    w.delivery_a = Delivery.objects.get(announcement=w.notice_a, resident=w.resident_a, channel="portal")
    # Estate A's invitee answered "I need help" (on the draft: the announcement API writes are tried on).
    w.help_a = Acknowledgement.objects.create(announcement=w.draft_a, resident=w.invitee, answer="need_help")

    # Statements of estate A: one published (public by design), one draft (internal).
    spokesperson, manager_a = w.users["spokesperson"], w.users["manager_a"]
    w.statement_public = media_svc.statement_create(author=spokesperson, title="关于电梯维保的说明", body="已全面检修。",
                                                    estate=w.estate_a)
    media_svc.statement_submit(w.statement_public, actor=spokesperson)
    media_svc.statement_review(w.statement_public, actor=manager_a, approve=True)
    media_svc.statement_publish(w.statement_public, actor=spokesperson)
    w.statement_a = media_svc.statement_create(author=spokesperson, title="阳光内部草稿声明", body="草稿。", estate=w.estate_a)
    media_svc.statement_submit(w.statement_a, actor=spokesperson)  # in review: approval is what is tried

    w.mention_company = media_svc.mention_record(
        source="news", excerpt="物业行业观察：服务升级", reach=1000, actor=spokesperson)
    w.mention_a = media_svc.mention_record(
        source="weibo", excerpt="阳光电梯困人二十分钟", reach=5000, estate=w.estate_a, actor=spokesperson)
    w.inquiry_a = media_svc.inquiry_record(
        journalist="刘记者", outlet="阳光晚报", question="电梯多久检修一次？",
        deadline=timezone.now() + timedelta(days=1), estate=w.estate_a, actor=spokesperson)
    w.inquiry_b = media_svc.inquiry_record(
        journalist="钱记者", outlet="翠湖日报", question="漏水怎么处理？",
        deadline=timezone.now() + timedelta(days=1), estate=w.estate_b, actor=spokesperson)
    w.stakeholder_a = media_svc.stakeholder_add(
        kind="street_office", name="阳光街道王主任", phone="021-55550001", estate=w.estate_a, actor=spokesperson)
    # Something waiting in service A's inbox (the bell): only its recipient may open it.
    inbox_add([w.users["service_a"]], kind="assigned", key="matrix", target_url="/dashboard/", params={"number": "TS-matrix"})
    w.inbox_a = InboxItem.objects.get(dedupe_key=f"matrix:u{w.users['service_a'].pk}")
    w.stakeholder_company = media_svc.stakeholder_add(kind="government", name="住建局李科长", phone="021-55550009", actor=spokesperson)
    w.audience_a = SavedAudience.objects.create(name="阳光车库业主", estate=w.estate_a)
    w.audience_a.residents.add(w.resident_a)

    # Estate A's incident: in response, with a published statement (owner A may read its page), and
    # estate A's own version of the gas plan (its tasks come from it).
    from incidents import services as incident_svc
    from incidents.models import EmergencyPlan

    w.plan_a = incident_svc.plan_copy_for_estate(EmergencyPlan.objects.get(kind="gas", estate__isnull=True), actor=manager_a,
                                                 estate=w.estate_a)
    w.incident_a = incident_svc.incident_open(actor=manager_a, estate=w.estate_a, kind="gas", level="red", title="阳光地库燃气泄漏")
    from django.utils import timezone as _tz

    from incidents.models import WarningRule, WarningSignal

    w.signal_a = WarningSignal.objects.create(rule="words", estate=w.estate_a, subject_key="matrix:1", window_start=_tz.now(),
                                              window_end=_tz.now(), title="“媒体” in matrix")
    w.warning_rule = WarningRule.objects.get_or_create(rule="spike")[0]
    incident_svc.incident_team_assign(w.incident_a, actor=manager_a, role="commander", user=manager_a)
    incident_svc.incident_transition(w.incident_a, "respond", actor=manager_a)
    incident_statement = incident_svc.incident_statement_draft(w.incident_a, actor=spokesperson, title="燃气泄漏情况说明",
                                                               body="已关闭总阀。")
    media_svc.statement_submit(incident_statement, actor=spokesperson)
    media_svc.statement_review(incident_statement, actor=manager_a, approve=True)
    incident_svc.incident_publish_statement(w.incident_a, incident_statement, actor=manager_a)
    w.task_a = w.incident_a.tasks.order_by("id").first()
    w.incident_statement_a = incident_statement
    w.drill_a = incident_svc.drill_record(actor=manager_a, plan=w.plan_a, estate=w.estate_a, held_on=timezone.localdate(),
                                          scenario="阳光地库燃气泄漏演练", participants="工程部、秩序部")
    from incidents.models import DisclosurePolicy

    w.disclosure_policy = DisclosurePolicy.objects.create(level="blue", first_statement_within=timedelta(hours=12))
    w.certificate_a = incident_svc.certificate_issue(w.incident_a, actor=manager_a, resident=w.resident_a,
                                                     particulars="阳光 matrix 车辆受损", office_actions="设立警戒区")

    # Estate A's fee arrears: unit A owes four months; its case has a lawyer letter waiting for
    # approval; owner A asked for relief with a file; estate A has its own threshold.
    from complaints.models import ArrearsLadderStep, ArrearsPolicy
    from complaints.services import arrears as arrears_svc
    from owners.services.ledger import fee_ledger_import

    fee_ledger_import(estate=w.estate_a, actor=None, data=("楼栋,单元,房号,期间,应缴,已缴,缴费截止日\n" + "".join(
        f"阳光1号楼,1,101,2025-{m:02d},300,0,2025-{m:02d}-20\n" for m in (1, 2, 3, 4))).encode())
    w.arrears_case_a = arrears_svc.arrears_case_open(unit=w.unit_a, actor=w.users["service_a"])
    arrears_svc.arrears_contact_log(w.arrears_case_a, actor=w.users["service_a"], kind="phone_call", outcome="不说原因", cause="no_reason")
    arrears_svc.arrears_step_advance(w.arrears_case_a, actor=w.users["service_a"], to_step="home_visit", note="电话无果")
    w.arrears_approval_a = arrears_svc.arrears_step_advance(w.arrears_case_a, actor=w.users["service_a"], note="三次上门无果")
    w.relief_a = arrears_svc.relief_request_submit(user=owner_a, unit=w.unit_a, kind="relief", reason="住院三个月",
                                                   files=[jpeg_upload("证明.jpg")])
    w.relief_file_a = w.relief_a.files.get()
    w.arrears_policy_a = ArrearsPolicy.objects.create(estate=w.estate_a, min_amount=500, min_months=2)
    w.ladder_step = ArrearsLadderStep.objects.get_or_create(cause="unknown", position=1, defaults={"step": "reminder", "due_days": 7})[0]

    # Rows for the admin screens of the libraries (beat schedules, axes logs, tokens, groups).
    w.group = Group.objects.get(name="role:service")
    w.interval = IntervalSchedule.objects.get_or_create(every=10, period=IntervalSchedule.MINUTES)[0]
    w.crontab = CrontabSchedule.objects.get_or_create(minute="0", hour="3")[0]
    w.solar = SolarSchedule.objects.create(event="sunrise", latitude=31.23, longitude=121.47)
    w.clocked = ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=1))
    w.periodic_task = PeriodicTask.objects.create(name="matrix-probe", task="communications.tasks.x", interval=w.interval)
    attempt = dict(username="someone", ip_address="10.0.0.9", user_agent="probe", http_accept="*/*", path_info="/accounts/login/")
    w.access_attempt = AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1, **attempt)
    w.access_log = AccessLog.objects.create(**attempt)
    w.access_failure = AccessFailureLog.objects.create(locked_out=False, **attempt)

    w.tokens = {name: Token.objects.create(user=user).key for name, user in w.users.items()}
    w.sessions = {}
    for name, user in w.users.items():
        client = Client()
        client.force_login(user, backend="owners.auth.IdentifierBackend")
        w.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Everything the matrix needs, made once for the module and rolled back after it."""
    media = tmp_path_factory.mktemp("matrix-media")
    # Thousands of expected 403/404s would each log a warning with its traceback formatted.
    quiet = [logging.getLogger(name) for name in ("django.request", "django.security", "axes")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    try:
        with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
            with transaction.atomic():
                yield _world_build()
                transaction.set_rollback(True)
    finally:
        for logger, level in zip(quiet, levels, strict=False):
            logger.setLevel(level)


@pytest.fixture
def _django_db_helper(request, django_db_setup, django_db_blocker):
    """For this directory, pytest-django's per-test database fixture made light: a savepoint of
    the module's transaction, rolled back after the test. Django's TestCase machinery costs
    ~5 ms a test, as much as a cell's request; the matrix has thousands of cells. Tests here
    never need transaction=True. (If pytest-django renames this private fixture, its own takes
    over: slower, same result.)"""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


_clients: dict[str, Client] = {}


def client_for(world, principal: str) -> Client:
    """The test client of `principal`, its cookies reset to their session alone (none for "anon").
    One client per principal for the whole run: a new one loads the middleware again, which
    costs as much as a small request. A server error is an answer like any other here (the
    cell fails saying 5xx), not an exception."""
    client = _clients.get(principal)
    if client is None:
        client = _clients[principal] = Client(raise_request_exception=False)
    client.cookies = SimpleCookie()
    if principal != "anon":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[principal]
    return client


def api_headers(world, principal: str) -> dict:
    return {} if principal == "anon" else {"HTTP_AUTHORIZATION": f"Token {world.tokens[principal]}"}

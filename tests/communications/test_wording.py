"""What the announcement and statement pages say in Chinese: the words a reader sees, not only that a page renders."""

import pytest
from django.urls import reverse

from communications.services import announcements as announcements_svc
from communications.services import media as media_svc
from tests.communications.conftest import notice_draft, statement_draft
from tests.factories import BuildingFactory, UnitFactory, owner_with_account

pytestmark = pytest.mark.django_db


def _publish(statement, spokesperson, manager):
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    media_svc.statement_publish(statement, actor=spokesperson)


def test_a_statements_second_version_is_its_first_update_on_the_notice_board(client, spokesperson, manager, estate):
    first = statement_draft(spokesperson, estate)
    _publish(first, spokesperson, manager)
    _publish(media_svc.statement_new_version(first, actor=spokesperson, body="更新：电梯已恢复运行。"), spokesperson, manager)
    client.force_login(owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate))))
    board = client.get(reverse("portal:notice_list")).content.decode()
    assert "第 1 次更新" in board and "第 2 次更新" not in board


def test_receipts_on_the_announcement_page_say_confirmed_not_the_ticket_word(client, writer, manager, estate, gateway, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    draft = notice_draft(writer, estate, kind="safety", title="台风预警", ack_required=True, channels=["portal"])
    announcements_svc.announcement_approve(draft, actor=manager)
    announcement = announcements_svc.announcement_publish(draft, actor=writer)
    client.force_login(writer)
    page = client.get(reverse("dashboard:announcement_detail", args=[announcement.pk])).content.decode()
    assert "已确认" in page and "已受理" not in page  # 已受理 is what a complaint ticket is


def test_each_statement_step_flashes_what_happened(client, spokesperson, manager, estate):
    """Every step used to flash only "已完成。"."""
    statement = statement_draft(spokesperson, estate)

    def step(user, action, **data):
        client.force_login(user)
        return client.post(reverse("dashboard:statement_action", args=[statement.pk, action]), data, follow=True).content.decode()

    assert "声明已提交审批。" in step(spokesperson, "submit")
    assert "声明已退回修改。" in step(manager, "return", note="请补充时间")
    step(spokesperson, "submit")
    assert "声明已批准，可以发布。" in step(manager, "approve")
    assert "声明已发布。" in step(spokesperson, "publish")
    assert "已创建新版本，请提交审批。" in step(spokesperson, "new-version", body="更新：电梯已恢复运行。")


@pytest.mark.parametrize("raw, said", [
    ("HTTP 400: 号码不存在 (invalid number)", "号码或地址无效"),
    ("TimeoutError: timed out", "网关超时"),
    ("URLError: <urlopen error [Errno 111] Connection refused>", "无法连接网关"),
    ("HTTP 503: busy", "网关故障"),
    ("delivery receipt: failed", "回执显示未送达"),
])
def test_a_failed_deliverys_reason_reads_as_words_not_an_http_status(client, writer, manager, estate, residents, raw, said):
    from communications.models import Delivery

    draft = notice_draft(writer, estate, channels=["sms"])
    announcements_svc.announcement_approve(draft, actor=manager)
    announcement = announcements_svc.announcement_publish(draft, actor=writer)
    Delivery.objects.filter(announcement=announcement).update(status="failed", last_error=raw)
    client.force_login(writer)
    page = client.get(reverse("dashboard:announcement_detail", args=[announcement.pk])).content.decode()
    assert said in page and raw.split(":")[0] not in page


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_password_reset_names_the_property_company_not_the_software(settings, channel):
    """"重置您的灯塔密码" reads like phishing to an owner who has never heard of 灯塔."""
    from communications.models import Delivery
    from communications.services.rendering import delivery_render
    from owners.services import user_password_reset_request

    settings.COMPANY_NAME = "春江物业"
    owner = owner_with_account()
    owner.email = "owner@example.com"
    owner.save()
    user_password_reset_request(user=owner, language="zh-hans", prefer=channel)
    subject, text = delivery_render(Delivery.objects.get(kind="password_reset"))
    assert "灯塔" not in subject + text and "春江物业" in text
    assert subject == "重置您在 春江物业 的密码"


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_an_invitation_names_the_property_company_not_the_software(settings, channel):
    from communications.models import Delivery
    from communications.services.rendering import delivery_render
    from owners.services import resident_invite
    from tests.factories import OccupancyFactory, ResidentFactory

    settings.COMPANY_NAME = "春江物业"
    contact = {"mobile": "13900000185"} if channel == "sms" else {"mobile": None, "email": "owner@example.com"}
    resident = OccupancyFactory(resident=ResidentFactory(**contact)).resident
    resident_invite(resident=resident, invited_by=None)
    subject, text = delivery_render(Delivery.objects.get(kind="invitation"))
    assert "灯塔" not in subject and subject == "春江物业业主端开通邀请"
    if channel == "sms":
        assert "春江物业邀请您开通业主端" in text

"""The owner's notice board without dead ends: a statement sent to residents shows once and opens
inside the portal; the demo fee notice promises nothing the portal cannot do."""

import pytest
from django.urls import reverse

from communications.demo import ANNOUNCEMENTS
from communications.models import Delivery
from communications.services import media as media_svc
from tests.communications.conftest import statement_draft
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account

pytestmark = pytest.mark.django_db


def _publish(spokesperson, manager, estate, *, announce):
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    return media_svc.statement_publish(statement, actor=spokesperson, announce=announce)


@pytest.fixture
def owner(estate):
    return owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))


def test_a_statement_sent_to_residents_is_listed_once_and_opens_inside_the_portal(client, owner, spokesperson, manager, estate):
    statement = _publish(spokesperson, manager, estate, announce=True)
    assert Delivery.objects.filter(resident=owner.resident, channel="portal").exists()  # it did arrive as a notice
    client.force_login(owner)
    board = client.get(reverse("portal:notice_list")).content.decode()
    assert board.count(statement.title) == 1
    inside = reverse("portal:statement_detail", args=[statement.thread])
    assert inside in board and reverse("press_statement", args=[statement.thread]) not in board

    page = client.get(inside)
    assert page.status_code == 200
    text = page.content.decode()
    assert statement.body in text and reverse("portal:notice_list") in text  # a way back
    # The public page is there for whoever wants to share it, not where a tap lands.
    assert reverse("press_statement", args=[statement.thread]) in text
    # Opening it reads the notice that carried it.
    assert not Delivery.objects.filter(resident=owner.resident, channel="portal", read_at__isnull=True).exists()


def test_an_unsent_statement_still_opens_inside_the_portal_and_shows_its_updates(client, owner, spokesperson, manager, estate):
    first = _publish(spokesperson, manager, estate, announce=False)
    second = media_svc.statement_new_version(first, actor=spokesperson, body="更新：电梯已全面检修并恢复运行。")
    media_svc.statement_submit(second, actor=spokesperson)
    media_svc.statement_review(second, actor=manager, approve=True)
    media_svc.statement_publish(second, actor=spokesperson)
    client.force_login(owner)
    board = client.get(reverse("portal:notice_list")).content.decode()
    assert board.count(first.title) == 1
    page = client.get(reverse("portal:statement_detail", args=[first.thread])).content.decode()
    assert "电梯已全面检修并恢复运行" in page and first.body in page  # the current text and the earlier one


def test_a_statement_of_another_estate_or_a_draft_is_404_on_the_portal(client, owner, spokesperson, manager, estate):
    from owners.models import Role
    from tests.factories import staff_member

    elsewhere = EstateFactory(name="别的小区")
    theirs = _publish(staff_member(elsewhere, role=Role.SPOKESPERSON), staff_member(elsewhere, role=Role.ESTATE_MANAGER),
                      elsewhere, announce=False)
    draft = statement_draft(spokesperson, estate)
    client.force_login(owner)
    assert client.get(reverse("portal:statement_detail", args=[theirs.thread])).status_code == 404
    assert client.get(reverse("portal:statement_detail", args=[draft.thread])).status_code == 404


def test_the_demo_fee_notice_says_how_to_pay_and_promises_no_online_payment():
    kind, title, body, sms, ack = next(row for row in ANNOUNCEMENTS if row[0] == "fee")
    assert "业主端" not in body and "分期" not in body  # nothing the portal cannot do
    assert "物业服务中心" in body and "银行" in body  # where and how to pay instead

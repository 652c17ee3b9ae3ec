"""Who may write media records, answer the press and approve statements: role permission + estate scope."""

import pytest

from communications.models import MediaInquiry, MediaMention, Stakeholder
from communications.permissions import (
    inquiry_assignee_valid,
    inquiry_assignees_for,
    inquiry_can_answer,
    media_record_can_write,
    statement_can_approve,
    statement_can_write,
)
from owners.models import Role
from tests.factories import EstateFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def here():
    return EstateFactory(name="阳光花园")


@pytest.fixture
def there():
    return EstateFactory(name="翠湖苑")


def test_service_staff_read_media_but_do_not_write_it(here):
    service = staff_member(here, role=Role.SERVICE)
    assert service.has_perm("communications.view_mediamention")
    for model in (MediaMention, MediaInquiry, Stakeholder):
        assert not media_record_can_write(service, model, here.pk)
        assert not media_record_can_write(service, model, here.pk, adding=True)
    assert not statement_can_write(service, here.pk, adding=True)
    assert not inquiry_can_answer(service, here.pk)
    # Announcements stay theirs.
    assert service.has_perm("communications.add_announcement")


def test_estate_staff_write_their_estate_only_and_never_company_wide_rows(here, there):
    spokesperson = staff_member(here, role=Role.SPOKESPERSON)
    company_wide = staff_member(None, role=Role.SPOKESPERSON)
    for model in (MediaMention, MediaInquiry, Stakeholder):
        assert media_record_can_write(spokesperson, model, here.pk)
        assert not media_record_can_write(spokesperson, model, there.pk)
        assert not media_record_can_write(spokesperson, model, None)
        assert media_record_can_write(company_wide, model, None)
        assert media_record_can_write(company_wide, model, there.pk)


def test_engineers_only_read_media(here):
    engineer = staff_member(here, role=Role.ENGINEER)
    assert engineer.has_perm("communications.view_statement")
    assert not media_record_can_write(engineer, MediaMention, here.pk, adding=True)
    assert not inquiry_can_answer(engineer, here.pk)


def test_spokespeople_and_managers_answer_for_their_estates(here, there):
    spokesperson = staff_member(here, role=Role.SPOKESPERSON)
    manager = staff_member(here, role=Role.ESTATE_MANAGER)
    assert inquiry_can_answer(spokesperson, here.pk) and inquiry_can_answer(manager, here.pk)
    assert not inquiry_can_answer(spokesperson, there.pk)
    assert not inquiry_can_answer(manager, None)  # company-wide inquiries: company-wide staff
    assert inquiry_can_answer(staff_member(None, role=Role.SPOKESPERSON), None)


def test_only_a_manager_of_the_estate_approves_its_statements(here, there):
    manager = staff_member(here, role=Role.ESTATE_MANAGER)
    assert statement_can_approve(manager, here.pk)
    assert not statement_can_approve(manager, there.pk)
    assert not statement_can_approve(manager, None)
    assert not statement_can_approve(staff_member(None, role=Role.SPOKESPERSON), here.pk)
    assert statement_can_approve(staff_member(None, role=Role.COMPANY_ADMIN), None)


def test_inquiry_assignees_are_people_who_may_answer_for_the_estate(here, there):
    manager = staff_member(here, role=Role.ESTATE_MANAGER, first_name="经理")
    spokesperson = staff_member(here, role=Role.SPOKESPERSON, first_name="发言人")
    company_wide = staff_member(None, role=Role.SPOKESPERSON, first_name="集团发言人")
    elsewhere = staff_member(there, role=Role.SPOKESPERSON, first_name="别处发言人")
    service = staff_member(here, role=Role.SERVICE, first_name="客服")
    owner = owner_with_account()
    offered = set(inquiry_assignees_for(manager))
    assert offered == {manager, spokesperson, company_wide}
    assert inquiry_assignee_valid(spokesperson, here.pk) and inquiry_assignee_valid(company_wide, here.pk)
    for wrong in (elsewhere, service, owner):
        assert not inquiry_assignee_valid(wrong, here.pk)
    assert not inquiry_assignee_valid(spokesperson, None)  # a company-wide inquiry needs a company-wide answerer
    assert set(inquiry_assignees_for(company_wide)) == {manager, spokesperson, company_wide, elsewhere}


def test_statement_writers_stay_within_their_estates(here, there):
    spokesperson = staff_member(here, role=Role.SPOKESPERSON)
    assert statement_can_write(spokesperson, here.pk, adding=True)
    assert not statement_can_write(spokesperson, there.pk)
    assert not statement_can_write(spokesperson, None, adding=True)


def test_announcements_are_approved_by_managers_of_every_estate_they_reach(here, there):
    from communications.permissions import announcement_can_approve, announcement_can_write
    from communications.services.announcements import announcement_create

    writer = staff_member(None, role=Role.SERVICE)
    both = announcement_create(author=writer, kind="general", title="联合通知", body="两个小区同时停电。", audience="estates",
                               estates=[here, there], channels=["portal"])
    mine = announcement_create(author=writer, kind="general", title="停水", body="明天停水。", audience="estates",
                               estates=[here], channels=["portal"])
    manager = staff_member(here, role=Role.ESTATE_MANAGER)
    assert announcement_can_approve(manager, mine) and not announcement_can_approve(manager, both)
    assert announcement_can_write(manager, mine) and not announcement_can_write(manager, both)
    assert not announcement_can_approve(staff_member(here, role=Role.SPOKESPERSON), mine)
    assert not announcement_can_approve(writer, mine)  # writing company-wide is not approving
    assert announcement_can_approve(staff_member(None, role=Role.COMPANY_ADMIN), both)
    assert not announcement_can_write(staff_member(here, role=Role.ENGINEER), mine)

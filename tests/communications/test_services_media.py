"""Media services for inquiries, mentions and stakeholders: an inquiry's history says who received,
assigned, answered or declined it, and when."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communications.models import InquiryEvent, MediaInquiry
from communications.services import media as svc
from owners.models import Role
from tests.factories import staff_member

pytestmark = pytest.mark.django_db


def test_inquiry_history_received_assigned_answered(estate, spokesperson, manager):
    inquiry = svc.inquiry_record(actor=spokesperson, journalist="李记者", outlet="都市报", question="电梯多久维保一次？",
                                 deadline=timezone.now() + timedelta(hours=3), estate=estate, assigned_to=spokesperson)
    svc.inquiry_update(inquiry, actor=spokesperson, assigned_to=manager)
    svc.inquiry_update(inquiry, actor=spokesperson, question="电梯多久维保一次？最近一次是哪天？")  # not a reassignment
    svc.inquiry_answer(inquiry, actor=manager, answer="每半月维保一次，最近一次是本月 3 日。")
    history = [(e.kind, e.actor, e.to_status, e.note) for e in InquiryEvent.objects.filter(inquiry=inquiry)]
    assert history == [
        ("received", spokesperson, "open", ""),
        ("assigned", spokesperson, "open", spokesperson.display_name),
        ("assigned", spokesperson, "open", manager.display_name),
        ("answered", manager, "answered", "每半月维保一次，最近一次是本月 3 日。"),
    ]
    with pytest.raises(ValidationError):  # a closed inquiry needs nobody to answer it
        svc.inquiry_update(inquiry, actor=spokesperson, assigned_to=spokesperson)
    assert MediaInquiry.objects.get(pk=inquiry.pk).assigned_to == manager


def test_declining_is_recorded_with_the_reason(estate, spokesperson):
    inquiry = svc.inquiry_record(actor=spokesperson, journalist="王记者", outlet="晚报", question="是否有人受伤？",
                                 deadline=timezone.now() + timedelta(hours=1), estate=estate)
    with pytest.raises(PermissionDenied):
        svc.inquiry_decline(inquiry, actor=staff_member(estate, role=Role.SERVICE), reason="不回应")
    svc.inquiry_decline(inquiry, actor=spokesperson, reason="调查进行中，暂不评论。")
    last = InquiryEvent.objects.filter(inquiry=inquiry).last()
    assert (last.kind, last.actor, last.from_status, last.to_status, last.note) == (
        "declined", spokesperson, "open", "declined", "调查进行中，暂不评论。")
    assert InquiryEvent.objects.filter(inquiry=inquiry).count() == 2

"""The media desk without dead ends: the stakeholder contact log on the dashboard, answered and
declined inquiries with what was said, every mention filtered and searched, and forms shown only
to the roles that may submit them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import ContactLog, MediaInquiry, MediaMention, Stakeholder
from communications.services import media as media_svc
from owners.models import Role
from tests.factories import EstateFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineer(estate):
    return staff_member(estate, role=Role.ENGINEER)


@pytest.fixture
def elsewhere():
    return EstateFactory(name="别的小区")


@pytest.fixture
def chair(estate):
    return Stakeholder.objects.create(kind="owners_committee", name="王主任", organisation="业委会", phone="139 0000 0001", estate=estate)


def _inquiry(estate, **fields):
    values = dict(journalist="李敏", outlet="新民晚报", question="电梯多久维保一次？", estate=estate,
                  deadline=timezone.now() + timedelta(hours=3))
    values.update(fields)
    return MediaInquiry.objects.create(**values)


# --- stakeholders and their contact log -----------------------------------------------------


def test_the_spokesperson_logs_a_contact_from_the_dashboard_and_sees_the_log(client, spokesperson, chair):
    client.force_login(spokesperson)
    listing = client.get(reverse("dashboard:stakeholder_list")).content.decode()
    assert "王主任" in listing and reverse("dashboard:stakeholder_detail", args=[chair.pk]) in listing
    page = client.get(reverse("dashboard:stakeholder_detail", args=[chair.pk])).content.decode()
    assert 'id="contact-form"' in page
    response = client.post(reverse("dashboard:stakeholder_contact_add", args=[chair.pk]),
                           {"channel": "phone", "summary": "通报电梯困人处置情况", "agreed": "周五业委会碰头"})
    assert response.status_code == 302
    entry = ContactLog.objects.get()
    assert (entry.stakeholder, entry.by, entry.summary, entry.agreed) == (chair, spokesperson, "通报电梯困人处置情况", "周五业委会碰头")
    page = client.get(reverse("dashboard:stakeholder_detail", args=[chair.pk])).content.decode()
    assert "通报电梯困人处置情况" in page and "周五业委会碰头" in page
    assert "通报电梯困人处置情况" not in listing  # the list shows when, the page what
    assert timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M") in client.get(reverse("dashboard:stakeholder_list")).content.decode()


def test_a_role_that_may_not_log_contacts_sees_the_log_but_no_form_and_is_refused(client, writer, chair):
    media_svc.contact_log_add(stakeholder=chair, actor=staff_member(chair.estate, role=Role.SPOKESPERSON), summary="首次联系")
    client.force_login(writer)
    page = client.get(reverse("dashboard:stakeholder_detail", args=[chair.pk])).content.decode()
    assert "首次联系" in page and 'id="contact-form"' not in page
    refused = client.post(reverse("dashboard:stakeholder_contact_add", args=[chair.pk]), {"channel": "phone", "summary": "x"})
    assert refused.status_code == 403 and ContactLog.objects.count() == 1


def test_another_estates_stakeholder_is_404_and_not_listed(client, spokesperson, elsewhere):
    theirs = Stakeholder.objects.create(kind="street_office", name="外区街道", estate=elsewhere)
    client.force_login(spokesperson)
    assert "外区街道" not in client.get(reverse("dashboard:stakeholder_list")).content.decode()
    assert client.get(reverse("dashboard:stakeholder_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("dashboard:stakeholder_contact_add", args=[theirs.pk]),
                       {"channel": "phone", "summary": "x"}).status_code == 404
    assert not ContactLog.objects.exists()


def test_an_empty_summary_is_refused_beside_the_field_and_keeps_what_was_typed(client, spokesperson, chair):
    client.force_login(spokesperson)
    response = client.post(reverse("dashboard:stakeholder_contact_add", args=[chair.pk]),
                           {"channel": "visit", "summary": "   ", "agreed": "下周再约"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "下周再约" in page and "is-invalid" in page
    assert not ContactLog.objects.exists()


# --- inquiries, open and closed -------------------------------------------------------------


def test_answered_and_declined_inquiries_stay_findable_with_what_was_said(client, spokesperson, estate):
    answered = media_svc.inquiry_answer(_inquiry(estate, journalist="张记者"), actor=spokesperson, answer="每半月维保一次")
    declined = media_svc.inquiry_decline(_inquiry(estate, journalist="赵记者"), actor=spokesperson, reason="事故调查期间不便回应")
    waiting = _inquiry(estate, journalist="钱记者")
    client.force_login(spokesperson)
    closed = client.get(reverse("dashboard:inquiry_list"), {"status": "closed"}).content.decode()
    assert "每半月维保一次" in closed and "事故调查期间不便回应" in closed and "钱记者" not in closed
    open_only = client.get(reverse("dashboard:inquiry_list"), {"status": "open"}).content.decode()
    assert "钱记者" in open_only and "张记者" not in open_only
    found = client.get(reverse("dashboard:inquiry_list"), {"q": "不便回应"}).content.decode()
    assert "赵记者" in found and "张记者" not in found and "钱记者" not in found
    everything = client.get(reverse("dashboard:inquiry_list")).content.decode()
    assert all(name in everything for name in ("张记者", "赵记者", "钱记者"))
    for inquiry, said in ((answered, "每半月维保一次"), (declined, "事故调查期间不便回应")):
        page = client.get(reverse("dashboard:inquiry_detail", args=[inquiry.pk])).content.decode()
        assert 'id="what-was-said"' in page and said in page
    assert waiting.status == MediaInquiry.Status.OPEN
    home = client.get(reverse("dashboard:media")).content.decode()
    assert reverse("dashboard:inquiry_list") in home  # the way there from the media page


def test_the_inquiry_list_keeps_to_the_users_estates(client, spokesperson, elsewhere):
    _inquiry(elsewhere, journalist="外区记者")
    client.force_login(spokesperson)
    assert "外区记者" not in client.get(reverse("dashboard:inquiry_list")).content.decode()
    # Naming a foreign estate in the filter is ignored, not obeyed.
    assert "外区记者" not in client.get(reverse("dashboard:inquiry_list"), {"estate": elsewhere.pk}).content.decode()


# --- mentions -------------------------------------------------------------------------------


def _mention(estate, excerpt, *, source="weibo", sentiment="neutral", days_ago=0, reach=10):
    return MediaMention.objects.create(source=source, excerpt=excerpt, sentiment=sentiment, reach=reach, estate=estate,
                                       mentioned_at=timezone.now() - timedelta(days=days_ago))


def test_mentions_are_listed_by_source_sentiment_estate_date_and_text(client, spokesperson, estate, elsewhere):
    _mention(estate, "微博：电梯又坏了", sentiment="negative", days_ago=1)
    _mention(estate, "新闻：小区绿化获奖", source="news", sentiment="positive", days_ago=20)
    _mention(estate, "业主群：停车费上涨", source="owner_group", sentiment="negative", days_ago=40)
    _mention(elsewhere, "外区：保安打人", sentiment="negative")
    client.force_login(spokesperson)
    url = reverse("dashboard:mention_list")

    def shown(**query):
        page = client.get(url, query).content.decode()
        return {text for text in ("电梯又坏了", "绿化获奖", "停车费上涨", "保安打人") if text in page}

    assert shown() == {"电梯又坏了", "绿化获奖", "停车费上涨"}  # older than a week and not negative too
    assert shown(source="news") == {"绿化获奖"}
    assert shown(sentiment="negative") == {"电梯又坏了", "停车费上涨"}
    assert shown(estate=estate.pk) == {"电梯又坏了", "绿化获奖", "停车费上涨"}
    assert shown(estate=elsewhere.pk) == {"电梯又坏了", "绿化获奖", "停车费上涨"}  # a foreign estate is ignored
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    until = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert shown(since=since, until=until) == {"绿化获奖"}
    assert shown(q="停车") == {"停车费上涨"}
    assert shown(sentiment="furious", since="not-a-date") == {"电梯又坏了", "绿化获奖", "停车费上涨"}  # bad values ignored
    assert url in client.get(reverse("dashboard:media")).content.decode()


def test_the_mention_list_is_paged_and_its_queries_do_not_grow_with_rows(client, spokesperson, estate,
                                                                         django_assert_max_num_queries):
    MediaMention.objects.bulk_create([
        MediaMention(source="weibo", excerpt=f"第{i:02d}条", estate=estate, mentioned_at=timezone.now() - timedelta(minutes=i))
        for i in range(35)])
    client.force_login(spokesperson)
    client.get(reverse("dashboard:mention_list"))  # warm the session and the user's scopes
    with django_assert_max_num_queries(12):
        first = client.get(reverse("dashboard:mention_list"), {"sentiment": "neutral"}).content.decode()
    assert "第00条" in first and "第29条" in first and "第30条" not in first
    assert "sentiment=neutral&amp;page=2" in first
    second = client.get(reverse("dashboard:mention_list"), {"sentiment": "neutral", "page": 2}).content.decode()
    assert "第30条" in second and "第34条" in second and "第00条" not in second and 'rel="next"' not in second


# --- forms only for those who may submit them -----------------------------------------------


def test_service_staff_see_the_media_desk_without_forms_they_cannot_submit(client, writer, estate, chair):
    inquiry = _inquiry(estate)
    client.force_login(writer)
    home = client.get(reverse("dashboard:media")).content.decode()
    assert inquiry.question in home
    assert 'name="answer"' not in home and 'id="statement-draft"' not in home
    assert reverse("dashboard:media_record", args=["mention"]) not in home
    assert reverse("dashboard:stakeholder_list") in home  # reading the contact log is for everyone on the desk
    detail = client.get(reverse("dashboard:inquiry_detail", args=[inquiry.pk])).content.decode()
    assert 'name="answer"' not in detail


def test_engineers_are_offered_no_statement_draft_nor_record_forms(client, engineer, estate):
    client.force_login(engineer)
    home = client.get(reverse("dashboard:media")).content.decode()
    assert 'id="statement-draft"' not in home and reverse("dashboard:media_record", args=["inquiry"]) not in home
    assert reverse("dashboard:media_record", args=["mention"]) not in client.get(reverse("dashboard:mention_list")).content.decode()


def test_the_spokesperson_gets_the_forms_and_drafts_only_for_their_estates(client, spokesperson, estate, elsewhere):
    inquiry = _inquiry(estate)
    client.force_login(spokesperson)
    home = client.get(reverse("dashboard:media")).content.decode()
    assert 'id="statement-draft"' in home and f'value="{estate.pk}"' in home and "别的小区" not in home
    assert 'name="answer"' in home and reverse("dashboard:inquiry_answer", args=[inquiry.pk]) in home
    assert reverse("dashboard:media_record", args=["mention"]) in home


def test_an_estate_spokesperson_is_not_offered_company_wide_records_and_must_choose_an_estate(client, spokesperson, estate):
    client.force_login(spokesperson)
    form = client.get(reverse("dashboard:media_record", args=["mention"])).content.decode()
    assert 'value=""' not in form.split('name="estate"', 1)[1].split("</select>", 1)[0]
    refused = client.post(reverse("dashboard:media_record", args=["mention"]), {
        "source": "weibo", "excerpt": "全公司提及", "sentiment": "neutral", "reach": "1", "estate": "",
        "mentioned_at": "2030-01-01T10:00"})
    assert refused.status_code == 400 and "全公司提及" in refused.content.decode()  # the text stays, the field says why
    assert not MediaMention.objects.exists()
    client.post(reverse("dashboard:media_record", args=["mention"]), {
        "source": "weibo", "excerpt": "本小区提及", "sentiment": "neutral", "reach": "1", "estate": estate.pk,
        "mentioned_at": "2030-01-01T10:00"})
    assert MediaMention.objects.get().estate == estate


def test_an_overdue_inquiry_is_on_the_home_of_those_who_may_answer_it_linking_to_it(client, spokesperson, writer, estate):
    inquiry = _inquiry(estate, deadline=timezone.now() - timedelta(hours=1))
    client.force_login(spokesperson)
    home = client.get(reverse("dashboard:home")).content.decode()
    assert "新民晚报" in home and reverse("dashboard:inquiry_detail", args=[inquiry.pk]) in home
    client.force_login(writer)  # service staff read the media desk but do not answer the press: no alarm they cannot act on
    assert "新民晚报" not in client.get(reverse("dashboard:home")).content.decode()

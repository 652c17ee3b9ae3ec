"""`manage.py benchmark announcements`: publish one announcement to N residents on one channel.

Reports the delivery-row insert (our INSERT … SELECT) against a raw COPY of the same rows in
the same run, and the end-to-end rate through real worker processes and Redis with the logging
gateway. PostgreSQL and REDIS_URL required.
"""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from owners.models import Estate, Role, StaffMembership, User
from owners.services import staff_roles_sync

from .models import Announcement, Delivery
from .services import announcements as svc
from .services.audience import fan_out

CODE = "bench-a-0"
ROOT = Path(__file__).resolve().parent.parent


def _people(n, out):
    estate, _ = Estate.objects.get_or_create(code=CODE, defaults={"name": "基准通知小区"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM owners_occupancy o JOIN owners_unit u ON u.id = o.unit_id "
                       "JOIN owners_building b ON b.id = u.building_id WHERE b.estate_id = %s", [estate.pk])
        have = cursor.fetchone()[0]
    if have != n:
        started = time.perf_counter()
        _announcements_purge()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM communications_delivery WHERE announcement_id IN (SELECT id FROM communications_announcement WHERE title LIKE 'BENCH %%')")
            cursor.execute("DELETE FROM owners_occupancy WHERE unit_id IN (SELECT u.id FROM owners_unit u JOIN owners_building b ON b.id = u.building_id WHERE b.estate_id = %s)", [estate.pk])
            cursor.execute("DELETE FROM owners_resident WHERE mobile LIKE '164%%'")
            cursor.execute("DELETE FROM owners_unit WHERE building_id IN (SELECT id FROM owners_building WHERE estate_id = %s)", [estate.pk])
            cursor.execute("DELETE FROM owners_building WHERE estate_id = %s", [estate.pk])
            cursor.execute("INSERT INTO owners_building (estate_id, name) SELECT %s, g || '号楼' FROM generate_series(1, 100) g", [estate.pk])
            cursor.execute("INSERT INTO owners_unit (building_id, entrance, number) SELECT b.id, '1', g::text FROM owners_building b, "
                           "generate_series(1, %s) g WHERE b.estate_id = %s", [n // 100, estate.pk])
            cursor.execute("INSERT INTO owners_resident (name, mobile, email, preferred_language, preferred_channel, allow_sms, allow_email, "
                           "allow_push, notes, created_at) SELECT '住户' || g, '164' || lpad(g::text, 8, '0'), '', 'zh-hans', 'sms', true, true, "
                           "true, '', now() FROM generate_series(1, %s) g", [n])
            cursor.execute("INSERT INTO owners_occupancy (resident_id, unit_id, relation, start_date) "
                           "SELECT r.id, u.id, 'owner', current_date FROM (SELECT id, row_number() OVER (ORDER BY id) rn FROM owners_resident "
                           "WHERE mobile LIKE '164%%') r JOIN (SELECT u.id, row_number() OVER (ORDER BY u.id) rn FROM owners_unit u "
                           "JOIN owners_building b ON b.id = u.building_id WHERE b.estate_id = %s) u ON u.rn = r.rn", [estate.pk])
            cursor.execute("ANALYZE")
        out(f"generated {n} residents in 100 buildings in {time.perf_counter() - started:.1f} s")
    return estate


def _announcements_purge():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM communications_delivery WHERE announcement_id IN "
                       "(SELECT id FROM communications_announcement WHERE title LIKE 'BENCH %%')")
    Announcement.objects.filter(title__startswith="BENCH ").delete()


def _copy_rows(announcement_id, estate_id) -> float:
    """COPY the same rows fan_out writes, into the same table, and time it (then remove them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT r.id, r.mobile FROM owners_resident r JOIN owners_occupancy o ON o.resident_id = r.id "
                       "JOIN owners_unit u ON u.id = o.unit_id JOIN owners_building b ON b.id = u.building_id WHERE b.estate_id = %s",
                       [estate_id])
        people = cursor.fetchall()
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    for rid, mobile in people:
        buffer.write(f"announcement\tsms\t{mobile}\t{rid}\tzh-hans\ta{announcement_id}:{rid}:sms\tqueued\t0\t\t\t{now}\t\\N\t\\N\t\t\t\t{announcement_id}\t0\n")
    buffer.seek(0)
    columns = ("kind, channel, address, resident_id, language, dedupe_key, status, attempts, last_error, provider_message_id, "
               "created_at, next_attempt_at, sent_at, topic, subject, body, announcement_id, round")
    with transaction.atomic():
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.copy_expert(f"COPY communications_delivery ({columns}) FROM STDIN", buffer)
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)  # measured, not kept
    return elapsed


def _workers(count, queue):
    env = {**os.environ, "CELERY_QUEUE": queue, "NOTIFY_GATEWAY_URL": "", "LOG_LEVEL": "WARNING", "NOTIFY_RATE_LIMITS": "",
           "QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00", "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    return [subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
                              "-n", f"bench{i}@localhost", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(count)]


def bench_announcements(n: int, workers: int, out) -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("The announcements benchmark needs PostgreSQL (DATABASE_URL); its end-to-end part also Redis (REDIS_URL).")
    from celery import current_app as app  # the project's app (config.celery), without importing config

    estate = _people(n, out)
    _announcements_purge()
    author, _ = User.objects.get_or_create(username="bench-writer", defaults={"first_name": "bench"})
    StaffMembership.objects.get_or_create(user=author, estate=None, defaults={"role": Role.COMPANY_ADMIN})
    staff_roles_sync(author)
    settings.QUIET_HOURS_START = settings.QUIET_HOURS_END = "00:00"

    # 1. The insert alone, against a raw COPY of the same rows, in this run.
    probe = svc.announcement_create(author=author, estates=[estate], kind="general", title="BENCH insert",
                                    body="x", channels=["sms"], audience="estates")
    copy_time = _copy_rows(probe.pk, estate.pk)
    with transaction.atomic():
        started = time.perf_counter()
        written = fan_out(probe, timezone.now())["sms"]
        insert_time = time.perf_counter() - started
        transaction.set_rollback(True)
    out(f"insert: {written} delivery rows by INSERT … SELECT in {insert_time:.2f} s; raw COPY of the same rows "
        f"{copy_time:.2f} s (ratio {insert_time / copy_time:.1f}×, target ≤ 3×)")

    if not settings.REDIS_URL:
        out("end to end: skipped (needs REDIS_URL and worker processes)")
        return
    # 2. End to end through real workers and Redis, logging gateway.
    queue = f"lighthouse-bench-{os.getpid()}"
    app.conf.task_default_queue, app.conf.task_always_eager = queue, False
    procs = _workers(workers, queue)
    try:
        time.sleep(3)
        announcement = svc.announcement_create(author=author, estates=[estate], kind="general", title="BENCH send",
                                               body="x", channels=["sms"], audience="estates")
        started = time.perf_counter()
        svc.announcement_publish(announcement, actor=author)
        while Delivery.objects.filter(announcement=announcement, status__in=["queued", "sending"]).exists():
            if time.perf_counter() - started > 600:
                out("end to end: gave up after 600 s")
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        sent = Delivery.objects.filter(announcement=announcement, status="sent").count()
        out(f"end to end: {sent} of {written} handed to the gateway in {elapsed:.1f} s with {workers} worker processes "
            f"({sent / elapsed:.0f} deliveries/s; target all in < 60 s)")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


# --- Data for the page benchmark (`manage.py benchmark pages`): notices, media, stakeholders per estate.

NOTICE_TITLES = ["本周六上午停水通知", "电梯年检安排", "关于缴纳2026年度物业费的通知", "中秋社区活动报名", "消防演练通知",
                 "地下车库环氧地坪施工", "外墙清洗作业提醒", "垃圾分类宣传周"]
NOTICE_BODY = ("尊敬的业主：因市政管网检修，{t}期间将暂停供水，请提前做好储水准备。如有疑问请联系物业服务中心。"
               "给您带来的不便，敬请谅解。\n物业服务中心")
MENTION_TEXT = ["业主群里有人说小区电梯又坏了，物业一直不修。", "微博：某小区物业费涨价引发业主不满。", "12345热线转来业主投诉：楼道垃圾无人清理。",
                "抖音视频：小区外墙瓷砖脱落险些砸到行人。", "本地新闻：物业公司组织业主开展消防演练。"]


def bench_comms_generate(estate_ids, authors, *, per_estate: int = 12) -> str:
    """Sent announcements (portal + SMS rows for every resident they reach, written by the real
    fan-out), one company-wide; media mentions, inquiries, statements and stakeholders per estate."""
    from .models import MediaInquiry, MediaMention, Stakeholder, Statement

    now = timezone.now()
    kinds = ["general", "outage", "fee", "event"]
    made = 0
    for e, author in zip(estate_ids, authors, strict=True):
        for k in range(per_estate):
            at = now - timezone.timedelta(days=90 * k / per_estate, hours=e % 24)
            a = Announcement.objects.create(kind=kinds[k % 4], title=f"BENCH {NOTICE_TITLES[k % len(NOTICE_TITLES)]}",
                                            body=NOTICE_BODY.format(t=f"{at:%m月%d日} 9:00–12:00"), audience="estates",
                                            channels=["portal", "sms"], status="sent", author_id=author, published_at=at)
            a.estates.set([e])
            fan_out(a, at)
            Delivery.objects.filter(announcement=a, channel="sms").update(status="sent", sent_at=at)
            made += 1
    company = Announcement.objects.create(kind="general", title="BENCH 全体业主：台风防范提示", body=NOTICE_BODY.format(t="台风"),
                                          audience="company", channels=["portal", "sms"], status="sent", author_id=authors[0],
                                          published_at=now - timezone.timedelta(hours=3))
    fan_out(company, company.published_at)
    Delivery.objects.filter(announcement=company, channel="sms").update(status="sent", sent_at=now)
    MediaMention.objects.bulk_create([
        MediaMention(source=["weibo", "wechat", "douyin", "news", "hotline_12345", "owner_group"][i % 6], url="", estate_id=e,
                     excerpt=MENTION_TEXT[i % len(MENTION_TEXT)], sentiment=["negative", "neutral", "positive"][i % 3],
                     reach=(i * 137) % 5000, mentioned_at=now - timezone.timedelta(hours=7 * i), created_at=now)
        for e in estate_ids for i in range(20)], batch_size=5000)
    MediaInquiry.objects.bulk_create([
        MediaInquiry(journalist=f"记者{i}", outlet="都市快报", contact="", question="请问小区外墙瓷砖脱落事件的处理进展？", estate_id=e,
                     deadline=now + timezone.timedelta(hours=12 - 10 * i), status="open" if i < 2 else "answered", created_at=now)
        for e in estate_ids for i in range(3)], batch_size=5000)
    Statement.objects.bulk_create([
        Statement(title=f"BENCH 关于{NOTICE_TITLES[i]}的说明", body=NOTICE_BODY.format(t="近期"), estate_id=e, status="published",
                  author_id=author, published_at=now - timezone.timedelta(days=i), created_at=now)
        for e, author in zip(estate_ids, authors, strict=True) for i in range(2)], batch_size=5000)
    Stakeholder.objects.bulk_create([Stakeholder(kind="owners_committee", name=f"业委会委员{i}", estate_id=e)
                                     for e in estate_ids for i in range(5)], batch_size=5000)
    return f"{made + 1} sent announcements with their delivery rows, media and stakeholders"


def bench_comms_purge(estate_ids) -> None:
    from .models import MediaInquiry, MediaMention, Stakeholder, Statement

    _announcements_purge()
    MediaMention.objects.filter(estate_id__in=estate_ids).delete()
    MediaInquiry.objects.filter(estate_id__in=estate_ids).delete()
    Statement.objects.filter(estate_id__in=estate_ids).delete()
    Stakeholder.objects.filter(estate_id__in=estate_ids).delete()

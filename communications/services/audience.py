"""Who an announcement reaches, on which channels — worked out by the database.

Fan-out is one INSERT … SELECT per channel: the database reads the audience, applies opt-outs
and missing addresses, and writes every delivery row itself, ON CONFLICT DO NOTHING against the
(announcement, resident, channel) unique index. Nothing is looped over in Python, and
publishing twice writes nothing the second time.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from owners.models import Resident

# (address column, opt-in column) per channel; the portal needs neither.
_CHANNEL_SQL = {
    "sms": ("r.mobile", "r.allow_sms", "r.mobile IS NOT NULL AND r.mobile <> ''"),
    "push": ("r.mobile", "r.allow_push", "r.mobile IS NOT NULL AND r.mobile <> ''"),
    "email": ("r.email", "r.allow_email", "r.email <> ''"),
}


def resident_address(resident: Resident, channel: str, *, urgent: bool) -> str | None:
    """The address a channel uses for this resident, if they are reachable and have not opted out."""
    if channel in ("sms", "push"):
        allowed = urgent or (resident.allow_sms if channel == "sms" else resident.allow_push)
        return resident.mobile if resident.mobile and allowed else None
    if channel == "email":
        return resident.email if resident.email and (urgent or resident.allow_email) else None
    return None


def _audience_of(announcement) -> tuple[str, list, int | None]:
    kind = announcement.audience
    ids = list(getattr(announcement, kind).values_list("id", flat=True)) if kind in ("estates", "buildings", "units") else []
    return kind, ids, announcement.saved_audience_id


def _audience_sql(announcement) -> tuple[str, list]:
    """SQL selecting the resident ids the announcement is for (current occupants only)."""
    return audience_sql(*_audience_of(announcement))


def audience_sql(kind: str, ids, saved_audience_id=None) -> tuple[str, list]:
    """SQL selecting the resident ids of an audience: `kind` company, estates, buildings or units
    (`ids` of those), or list (`saved_audience_id`). Current occupants only."""
    base = ("SELECT o.resident_id FROM owners_occupancy o JOIN owners_unit u ON u.id = o.unit_id "
            "JOIN owners_building b ON b.id = u.building_id WHERE o.end_date IS NULL")
    if kind == "company":
        return base, []
    if kind == "list":
        return ("SELECT resident_id FROM communications_savedaudience_residents WHERE savedaudience_id = %s",
                [saved_audience_id or 0])
    column = {"estates": "b.estate_id", "buildings": "b.id", "units": "u.id"}[kind]
    ids = [int(i) for i in ids]
    if not ids:
        return base + " AND 1 = 0", []
    return f"{base} AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


def _channel_condition(channel: str, urgent: bool) -> str:
    if channel == "portal":
        return "1 = 1"
    _address, opt_in, reachable = _CHANNEL_SQL[channel]
    return reachable if urgent else f"{reachable} AND {opt_in}"


def audience_counts(kind: str, ids, saved_audience_id, channels, *, urgent: bool) -> dict[str, int]:
    """How many residents each channel would reach: one COUNT per channel, with the same audience,
    opt-out and missing-address rules as fan_out (quiet hours delay, they do not drop)."""
    audience, params = audience_sql(kind, ids, saved_audience_id)
    counts = {}
    with connection.cursor() as cursor:
        for channel in channels:
            cursor.execute(f"SELECT COUNT(*) FROM owners_resident r WHERE r.id IN ({audience}) AND "
                           f"{_channel_condition(channel, urgent)}", params)
            counts[channel] = cursor.fetchone()[0]
    return counts


def announcement_audience_counts(announcement) -> dict[str, int]:
    """audience_counts for a saved announcement, channel by channel in its order."""
    return audience_counts(*_audience_of(announcement), announcement.channels, urgent=announcement.urgent)


def quiet_until(announcement, now) -> datetime | None:
    """When quiet hours end, if `now` falls inside them in the announcement's zone; else None."""
    estate = announcement.estates.first()
    zone = ZoneInfo(estate.timezone if estate else settings.TIME_ZONE)
    local = now.astimezone(zone)
    start, end = (time.fromisoformat(settings.QUIET_HOURS_START), time.fromisoformat(settings.QUIET_HOURS_END))
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def fan_out(announcement, now) -> dict[str, int]:
    """Write one delivery row per resident and channel. Returns rows written per channel."""
    audience, params = _audience_sql(announcement)
    written = {}
    later = None if announcement.urgent else quiet_until(announcement, now)
    with connection.cursor() as cursor:
        for channel in announcement.channels:
            condition = _channel_condition(channel, announcement.urgent)
            if channel == "portal":
                address, status, sent_at, next_at = "''", "delivered", now, None
            else:
                address = _CHANNEL_SQL[channel][0]
                status, sent_at = "queued", None
                next_at = later if channel in ("sms", "push") else None
            cursor.execute(
                f"""
                INSERT INTO communications_delivery (
                    kind, channel, address, resident_id, language, dedupe_key, status, attempts, last_error,
                    provider_message_id, created_at, next_attempt_at, sent_at, topic, subject, body, announcement_id, "round")
                SELECT 'announcement', %s, {address}, r.id, r.preferred_language,
                       'a' || %s || ':' || r.id || ':' || %s, %s, 0, '', '', %s, %s, %s, '', '', '', %s, 0
                FROM owners_resident r
                WHERE r.id IN ({audience}) AND {condition}
                ON CONFLICT DO NOTHING
                """,
                [channel, str(announcement.pk), channel, status, now, next_at, sent_at, announcement.pk, *params],
            )
            written[channel] = cursor.rowcount
        if connection.vendor == "postgresql" and sum(written.values()) > 10_000:
            # A big send changes the table a lot at once; fresh statistics keep the senders'
            # queries on their indexes instead of waiting for autovacuum to notice.
            cursor.execute("ANALYZE communications_delivery")
    return written

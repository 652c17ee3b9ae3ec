"""The dashboard's chart data: each chart one aggregate query over the user's estates.

A chart is a dict Chart.js can draw and a table can show: `labels` (the x axis), `datasets`
(each a label, its numbers and, where a bar stands for rows in a list, the link to those rows),
`unit` ("" counts, "%" rates, "h" hours) and `kind` (bar or line). Labels are translated here, on
the server, so a chart follows the language switch like the page around it.

Filters (ChartFilters): one of the user's estates (another estate's id is ignored, as in the
complaint queue), a period of 30 or 90 days for daily charts, and a month for the collection rate
(by default the latest month billed: the ledger of the running month is usually imported after it).

Days, weeks and months are each estate's own (its time zone), computed by the database (LocalTrunc),
so a company-wide chart counts every complaint on the day its estate saw it.
"""

from __future__ import annotations

import datetime
import hashlib
import statistics
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, DateField, F, Func, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from communications.models import MediaMention
from communications.selectors import mention_list_for
from complaints.filters import id_from
from complaints.models import ComplaintEvent, Status
from complaints.selectors import complaint_list_for
from incidents.models.incidents import Kind as IncidentKind
from incidents.selectors import incident_list_for
from owners.models import FeeLedgerEntry, StaffMembership, User
from owners.permissions import ALL, staff_estate_ids
from owners.selectors import collection_rate

PERIODS = (30, 90)
WEEKS = 12
MONTHS = 12


@dataclass(frozen=True)
class ChartFilters:
    estate_id: int | None
    days: int
    month: datetime.date | None  # first day of the month the collection rate is for; None: the latest billed

    def query(self, **extra) -> dict:
        """The filters as query parameters (for links that keep them)."""
        params = {"estate": self.estate_id or "", "period": self.days, "month": f"{self.month:%Y-%m}" if self.month else "", **extra}
        return {k: v for k, v in params.items() if v not in ("", None)}


def chart_filters(user, params) -> ChartFilters:
    """The filters of a request, checked: invalid or foreign values fall back to the defaults."""
    estate_id = id_from(params.get("estate"))
    scope = staff_estate_ids(user)
    if estate_id is not None and scope is not ALL and estate_id not in (scope or ()):
        estate_id = None
    try:
        days = int(params.get("period") or PERIODS[0])
    except ValueError:
        days = PERIODS[0]
    if days not in PERIODS:
        days = PERIODS[0]
    today = timezone.localdate()
    try:
        month = datetime.datetime.strptime(str(params.get("month") or ""), "%Y-%m").date()
    except ValueError:
        month = None
    if month and not (datetime.date(2000, 1, 1) <= month <= today):
        month = None
    return ChartFilters(estate_id=estate_id, days=days, month=month)


class LocalTrunc(Func):
    """The day, or the first day of the week (Monday) or month, of a timestamp in the time zone
    named by another column (the estate's), as a date computed by the database: PostgreSQL's
    timezone() and date_trunc(); on SQLite the function Django registers for its own Trunc."""

    output_field = DateField()
    KINDS = ("day", "week", "month")

    def __init__(self, kind, expression, zone, **extra):
        assert kind in self.KINDS
        self.kind = kind
        super().__init__(expression, zone, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        (ts, ts_params), (zone, zone_params) = (compiler.compile(e) for e in self.source_expressions)
        local = f"timezone({zone}, {ts})"
        sql = local if self.kind == "day" else f"date_trunc('{self.kind}', {local})"
        return f"({sql})::date", (*zone_params, *ts_params)

    def as_sqlite(self, compiler, connection, **extra):
        (ts, ts_params), (zone, zone_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"substr(django_datetime_trunc('{self.kind}', {ts}, {zone}, 'UTC'), 1, 10)", (*ts_params, *zone_params)


def _local(kind, field):
    # Rows without an estate (a media mention about the company) count in the site's zone.
    return LocalTrunc(kind, field, Coalesce(F("estate__timezone"), Value(settings.TIME_ZONE)))


# The window's first instant is taken a day early in the index range (no estate's zone is more than
# a day from the site's); the buckets before the first local day are dropped by the caller (the
# zone conversion is then computed once a row, for the GROUP BY, not a second time in WHERE).
ZONE_SLACK = datetime.timedelta(days=1)


def _window(qs, field, kind, first: datetime.date, *, exact=False):
    """`qs` annotated with `bucket` (the local day/week/month of `field`), from a day before the
    local date `first` on, or (`exact`) from `first` on."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min)) - ZONE_SLACK
    qs = qs.filter(**{f"{field}__gte": start}).annotate(bucket=_local(kind, field))
    return qs.filter(bucket__gte=first) if exact else qs


def _since(days: int) -> datetime.datetime:
    start = timezone.localdate() - datetime.timedelta(days=days - 1)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


def _q(**params) -> str:
    """Query parameters, encoded (empty values left out)."""
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _links(url_name: str, fixed: str, varying: list[str]) -> list[str]:
    """A link per item of `varying` (encoded parameters) to the list `url_name`, each with the
    `fixed` ones too. The URL is reversed and the fixed part encoded once: a chart of 30 days by
    13 categories has 390 bars, and reversing each cost it 80 % of its time."""
    prefix = reverse(url_name) + "?" + fixed + ("&" if fixed else "")
    return [prefix + v for v in varying]


def _complaints(user, f: ChartFilters):
    qs = complaint_list_for(user)
    return qs.filter(estate_id=f.estate_id) if f.estate_id else qs


def _day(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _rate(part, whole):
    return round(100 * float(part) / float(whole), 1) if whole else None


def complaints_per_day(user, f: ChartFilters) -> dict:
    """Complaints submitted per day over the period, stacked by category; a bar leads to that
    day's complaints of that category in the queue."""
    since = _since(f.days)
    rows = (_window(_complaints(user, f), "created_at", "day", since.date())
            .values("bucket", "category_id", "category__name", "category__name_en").annotate(n=Count("id")).order_by())
    days = [since.date() + datetime.timedelta(days=i) for i in range(f.days)]
    index = {d: i for i, d in enumerate(days)}
    english = (get_language() or "").startswith("en")
    counts: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for r in rows:
        i = index.get(_day(r["bucket"]))
        if i is None:
            continue  # before the period, or a day ahead of the site's (an estate east of it)
        counts.setdefault(r["category_id"], [0] * len(days))[i] += r["n"]
        names[r["category_id"]] = r["category__name_en"] if english and r["category__name_en"] else r["category__name"]
    on_day = [_q(created_from=d, created_to=d) for d in days]
    datasets = [{
        "label": names.get(cat, str(cat)), "data": data, "stack": "complaints",
        "links": _links("dashboard:complaint_queue", _q(status="all", category=cat, estate=f.estate_id), on_day),
    } for cat, data in sorted(counts.items(), key=lambda kv: -sum(kv[1]))]
    return {"title": _("Complaints per day by category"), "kind": "bar", "unit": "", "stacked": True,
            "labels": [d.strftime("%m-%d") for d in days], "datasets": datasets}


def complaints_by_building(user, f: ChartFilters) -> dict:
    """Complaints per building over the period (the building of the unit or common area), the 30
    with most. Complaints tied to no building (the estate's grounds, the whole estate) have no bar:
    the chart says under it how many there were."""
    since = _since(f.days)
    rows = list(_window(_complaints(user, f), "created_at", "day", since.date(), exact=True)
                .values("building_id", "building__name", "estate__name").annotate(n=Count("id")).order_by("-n", "building__name"))
    elsewhere = sum(r["n"] for r in rows if r["building_id"] is None)
    rows = [r for r in rows if r["building_id"] is not None][:30]
    several = f.estate_id is None and len({r["estate__name"] for r in rows}) > 1
    labels = [f"{r['estate__name']} {r['building__name']}" if several else r["building__name"] for r in rows]
    data = [r["n"] for r in rows]
    links = _links("dashboard:complaint_queue", _q(status="all", estate=f.estate_id, created_from=since.date()),
                   [_q(building=r["building_id"]) for r in rows])
    chart = {"title": _("Complaints by building"), "kind": "bar", "unit": "", "labels": labels,
             "datasets": [{"label": _("Complaints"), "data": data, "links": links}]}
    if elsewhere:
        chart["note"] = ngettext("%(count)s complaint not tied to a building (the estate's grounds or the whole estate) is not shown.",
                                 "%(count)s complaints not tied to a building (the estate's grounds or the whole estate) are not shown.",
                                 elsewhere) % {"count": elsewhere}
    return chart


def sla_compliance(user, f: ChartFilters) -> dict:
    """Per week (of submission), the share of complaints answered and resolved within their SLA,
    out of those whose deadline has passed or that were answered (resolved) already."""
    now = timezone.now()
    today = timezone.localdate()
    first_week = today - datetime.timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    rows = (_window(_complaints(user, f), "created_at", "week", first_week).values("bucket")
            .annotate(
                response_due=Count("id", filter=Q(first_response_at__isnull=False) | Q(response_due_at__lt=now)),
                response_met=Count("id", filter=Q(first_response_at__lte=F("response_due_at"))),
                resolution_due=Count("id", filter=Q(resolved_at__isnull=False) | Q(resolution_due_at__lt=now)),
                resolution_met=Count("id", filter=Q(resolved_at__lte=F("resolution_due_at"))),
            ).order_by("bucket"))
    by_week = {_day(r["bucket"]): r for r in rows}
    weeks = [first_week + datetime.timedelta(weeks=i) for i in range(WEEKS)]
    response, resolution = [], []
    for w in weeks:
        r = by_week.get(w, {})
        response.append(_rate(r.get("response_met", 0), r.get("response_due", 0)))
        resolution.append(_rate(r.get("resolution_met", 0), r.get("resolution_due", 0)))
    links = _links("dashboard:complaint_queue", _q(status="all", estate=f.estate_id),
                   [_q(created_from=w, created_to=w + datetime.timedelta(days=6)) for w in weeks])
    return {"title": _("SLA compliance per week"), "kind": "line", "unit": "%", "labels": [w.strftime("%m-%d") for w in weeks],
            "datasets": [{"label": _("First response on time"), "data": response, "links": links},
                         {"label": _("Resolved on time"), "data": resolution, "links": links}]}


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1)


def _month_starts(count: int) -> list[datetime.date]:
    month = timezone.localdate().replace(day=1)
    out = []
    for _i in range(count):
        out.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return out[::-1]


def satisfaction(user, f: ChartFilters) -> dict:
    """Per month (of submission): the average rating (1–5) and the share of complaints resolved
    that were reopened afterwards."""
    months = _month_starts(MONTHS)
    # Reopened tickets are few: their ids come from the events' partial index, hashed once.
    reopened = ComplaintEvent.objects.filter(to_status=Status.REOPENED).values("complaint_id")
    rows = (_window(_complaints(user, f), "created_at", "month", months[0]).values("bucket")
            .annotate(avg_rating=Avg("rating"),
                      resolved=Count("id", filter=Q(resolved_at__isnull=False)),
                      reopened=Count("id", filter=Q(id__in=reopened)))
            .order_by("bucket"))
    by_month = {_day(r["bucket"]): r for r in rows}
    ratings, reopen = [], []
    for m in months:
        r = by_month.get(m, {})
        ratings.append(round(r["avg_rating"], 2) if r.get("avg_rating") is not None else None)
        reopen.append(_rate(r.get("reopened", 0), r.get("resolved", 0)))
    links = _links("dashboard:complaint_queue", _q(status="all", estate=f.estate_id),
                   [_q(created_from=m, created_to=_month_end(m)) for m in months])
    return _with_data({"title": _("Satisfaction and reopen rate per month"), "kind": "line", "unit": "",
                             "labels": [m.strftime("%Y-%m") for m in months],
                             "datasets": [{"label": _("Average rating (1–5)"), "data": ratings, "axis": "y", "links": links},
                                          {"label": _("Reopened (%)"), "data": reopen, "axis": "y2", "links": links}]},
                       [m in by_month for m in months])


def _with_data(chart: dict, present: list[bool]) -> dict:
    """The chart from its first to its last point with rows behind it (months before the first
    complaint or ledger, or a running month not billed yet, are left out): the axis spans the data."""
    if True not in present:
        return chart
    first, last = present.index(True), len(present) - present[::-1].index(True)
    chart["labels"] = chart["labels"][first:last]
    for d in chart["datasets"]:
        for key in ("data", "links"):
            if d.get(key):
                d[key] = d[key][first:last]
    return chart


def incidents_by_type(user, f: ChartFilters) -> dict:
    """Incidents opened in the period by type, and the median hours from entering response to
    the first published statement. Incidents are few (tens a year per estate): their timestamps
    come in one query and the median is taken here, the same on SQLite and PostgreSQL."""
    since = _since(max(f.days, 90))
    qs = incident_list_for(user).filter(opened_at__gte=since)
    if f.estate_id:
        qs = qs.filter(estate_id=f.estate_id)
    counts: dict[str, int] = {}
    hours: dict[str, list[float]] = {}
    for kind, response_at, statement_at in qs.values_list("kind", "response_at", "first_statement_at"):
        counts[kind] = counts.get(kind, 0) + 1
        if response_at and statement_at:
            hours.setdefault(kind, []).append(max((statement_at - response_at).total_seconds(), 0) / 3600)
    labels_of = dict(IncidentKind.choices)
    kinds = sorted(counts, key=lambda k: -counts[k])
    return {"title": _("Incidents by type and median time to first statement"), "kind": "bar", "unit": "",
            "labels": [str(labels_of.get(k, k)) for k in kinds],
            "datasets": [{"label": _("Incidents"), "data": [counts[k] for k in kinds], "axis": "y",
                          "links": _links("dashboard:incident_list", _q(state="all", estate=f.estate_id), [_q(kind=k) for k in kinds])},
                         {"label": _("Median hours to first statement"), "axis": "y2",
                          "data": [round(statistics.median(hours[k]), 1) if hours.get(k) else None for k in kinds]}]}


# Sentiment reads at a glance: negative red, neutral grey, positive green (a dataset's "color";
# charts.js gives the others its palette in order).
NEUTRAL_COLOUR = "#6c757d"
SENTIMENT_COLOURS = {MediaMention.Sentiment.NEGATIVE: "#dc3545", MediaMention.Sentiment.NEUTRAL: NEUTRAL_COLOUR,
                     MediaMention.Sentiment.POSITIVE: "#198754"}


def media_mentions(user, f: ChartFilters) -> dict:
    """Media mentions per week by sentiment (bars) and their total estimated reach (line)."""
    today = timezone.localdate()
    weeks_n = max(f.days // 7, 4)
    first_week = today - datetime.timedelta(days=today.weekday() + 7 * (weeks_n - 1))
    qs = mention_list_for(user).select_related(None)
    if f.estate_id:
        qs = qs.filter(estate_id=f.estate_id)
    rows = _window(qs, "mentioned_at", "week", first_week).values("bucket", "sentiment").annotate(n=Count("id"), reach=Sum("reach")).order_by()
    weeks = [first_week + datetime.timedelta(weeks=i) for i in range(weeks_n)]
    index = {w: i for i, w in enumerate(weeks)}
    by_sentiment = {s: [0] * len(weeks) for s in MediaMention.Sentiment.values}
    reach = [0] * len(weeks)
    for r in rows:
        i = index.get(_day(r["bucket"]))
        if i is None:
            continue
        by_sentiment.setdefault(r["sentiment"], [0] * len(weeks))[i] += r["n"]
        reach[i] += r["reach"] or 0
    labels_of = dict(MediaMention.Sentiment.choices)
    in_week = [_q(since=w, until=w + datetime.timedelta(days=6)) for w in weeks]
    datasets = [{"label": str(labels_of.get(s, s)), "data": data, "stack": "mentions", "axis": "y",
                 "color": SENTIMENT_COLOURS.get(s, NEUTRAL_COLOUR),
                 "links": _links("dashboard:mention_list", _q(sentiment=s), in_week)} for s, data in by_sentiment.items()]
    datasets.append({"label": _("Estimated reach"), "data": reach, "type": "line", "axis": "y2", "color": "#0d6efd"})
    return {"title": _("Media mentions by sentiment and reach"), "kind": "bar", "unit": "", "stacked": True,
            "labels": [w.strftime("%m-%d") for w in weeks], "datasets": datasets}


def collection_by_building(user, f: ChartFilters) -> dict:
    """The collection rate (paid / billed) of each building for the month (owners' ledger
    aggregate), only in estates where the user's role may read the ledger. Without a month asked
    for, the latest month billed (one look at the ledger's period index): a month's ledger is
    imported after the month, so the running one usually has none yet. The card offers the last
    twelve months to choose from."""
    month = f.month or _latest_billed(user, f) or timezone.localdate().replace(day=1)
    rows = collection_rate(user, period_from=month, period_to=month, estate_id=f.estate_id, by="building", with_recovery=False)
    several = f.estate_id is None and len({r["estate_id"] for r in rows}) > 1
    return {"title": _("Collection rate by building") + f" · {month:%Y-%m}", "kind": "bar", "unit": "%",
            "month": f"{month:%Y-%m}", "months": [f"{m:%Y-%m}" for m in reversed(_month_starts(MONTHS))],
            "labels": [f"{r['estate']} {r['building']}" if several else r["building"] for r in rows],
            "datasets": [{"label": _("Collection rate"), "data": [_rate(r["paid"], r["billed"]) for r in rows],
                          "links": _links("dashboard:arrears_report", _q(by="building", **{"from": f"{month:%Y-%m}", "to": f"{month:%Y-%m}"}),
                                          [_q(estate=r["estate_id"]) for r in rows])}]}


def _latest_billed(user, f: ChartFilters) -> datetime.date | None:
    """The latest month up to this one with ledger entries in the chart's estates (or the user's)."""
    scope = [f.estate_id] if f.estate_id else staff_estate_ids(user)
    qs = FeeLedgerEntry.objects.filter(period__lte=timezone.localdate())
    if scope is not ALL:
        qs = qs.filter(unit__building__estate_id__in=scope or [])
    return qs.order_by("-period").values_list("period", flat=True).first()


def collection_trend(user, f: ChartFilters) -> dict:
    """The collection rate per month over the last twelve months (all the user's estates, or one)."""
    months = _month_starts(MONTHS)
    rows = collection_rate(user, period_from=months[0], period_to=months[-1], estate_id=f.estate_id, by="period", with_recovery=False)
    billed: dict[datetime.date, float] = {}
    paid: dict[datetime.date, float] = {}
    for r in rows:
        billed[r["period"]] = billed.get(r["period"], 0) + float(r["billed"])
        paid[r["period"]] = paid.get(r["period"], 0) + float(r["paid"])
    return _with_data({"title": _("Collection rate per month"), "kind": "line", "unit": "%", "labels": [m.strftime("%Y-%m") for m in months],
                        "datasets": [{"label": _("Collection rate"), "data": [_rate(paid.get(m, 0), billed.get(m, 0)) for m in months],
                                      "links": _links("dashboard:arrears_report", _q(by="building", estate=f.estate_id),
                                                      [_q(**{"from": f"{m:%Y-%m}", "to": f"{m:%Y-%m}"}) for m in months])}]},
                       [m in billed for m in months])


# Name in the URL → builder, in the order the dashboard shows them.
CHARTS = {
    "complaints-per-day": complaints_per_day,
    "complaints-by-building": complaints_by_building,
    "sla": sla_compliance,
    "satisfaction": satisfaction,
    "incidents": incidents_by_type,
    "media": media_mentions,
    "collection": collection_by_building,
    "collection-trend": collection_trend,
}


# Counting a company's complaints of the last 30 days to a year reads 228,000 to 1,000,000 rows at
# a million complaints (0.3–2.3 s, docs/performance.md): no index brings that to 50 ms. So these
# charts, over more than a few estates and not filtered to one, are counted at most every
# CHART_RECOUNT_SECONDS per scope, filters and language; the periodic task charts_warm recounts the
# company-wide ones before they expire, so nobody waits, and each card says as of when. An
# estate's charts are an index-only read of a few ms and always live.
RECOUNTED_CHARTS = ("complaints-per-day", "complaints-by-building", "sla", "satisfaction")
CHART_RECOUNT_SECONDS = 300
LIVE_UP_TO_ESTATES = 10


def _recount_key(name: str, scope, f: ChartFilters) -> str:
    estates = "all" if scope is ALL else ",".join(str(i) for i in sorted(scope))
    digest = hashlib.sha256(estates.encode()).hexdigest()[:24]
    return f"chart:{name}:{digest}:{f.days}:{f.month or ''}:{get_language()}:{timezone.localdate()}"


def _counted(name: str, user, f: ChartFilters) -> dict:
    return {**CHARTS[name](user, f), "as_of": timezone.localtime().strftime("%H:%M")}


def chart_data(name: str, user, f: ChartFilters) -> dict:
    """Chart `name` of `user`'s estates under `f`: live, or for a wide scope as last counted."""
    scope = staff_estate_ids(user)
    wide = f.estate_id is None and (scope is ALL or len(scope or ()) > LIVE_UP_TO_ESTATES)
    if name not in RECOUNTED_CHARTS or not wide:
        return CHARTS[name](user, f)
    key = _recount_key(name, scope, f)
    data = cache.get(key)
    if data is None:
        data = _counted(name, user, f)
        cache.set(key, data, CHART_RECOUNT_SECONDS)
    return data


def charts_warm() -> int:
    """Recount the company-wide charts, in every language and period, for the cache that
    chart_data reads (run every few minutes by the beat schedule). Returns how many were counted;
    none when the company has no company-wide staff member to count them as."""
    member = (StaffMembership.objects.filter(estate__isnull=True, user__is_active=True, user__kind=User.Kind.STAFF)
              .select_related("user").order_by("id").first())
    if member is None:
        return 0
    counted = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for days in PERIODS:
                f = ChartFilters(estate_id=None, days=days, month=None)
                for name in RECOUNTED_CHARTS:
                    cache.set(_recount_key(name, ALL, f), _counted(name, member.user, f), CHART_RECOUNT_SECONDS)
                    counted += 1
    return counted

"""Every read of owners data that a view, the API, the admin or a task needs, already scoped.

Staff see the estates they are assigned to (company-wide roles all); residents see their own
units and themselves. A foreign id is simply absent from these querysets, so callers answer 404.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from .models import (
    Building,
    Estate,
    FeeCollection,
    FeeLedgerEntry,
    FeePayment,
    Invitation,
    Occupancy,
    Resident,
    Role,
    StaffMembership,
    Unit,
    User,
)
from .permissions import ALL, estate_ids_with_perm, managed_estate_ids, staff_estate_ids


def _own_resident_id(user):
    if getattr(user, "is_authenticated", False) and user.is_active and user.kind == User.Kind.RESIDENT:
        return Resident.objects.filter(user=user).values_list("id", flat=True).first()
    return None


def _open_occupancies_of(resident_id):
    return Occupancy.objects.filter(resident_id=resident_id, end_date__isnull=True)


def _scoped(user, qs: QuerySet, *, estate_field: str, occupancy_link: str) -> QuerySet:
    """Apply the user's scope: staff by estate, residents through their open occupancies."""
    scope = staff_estate_ids(user)
    if scope is ALL:
        return qs
    if scope:
        return qs.filter(**{f"{estate_field}__in": scope})
    resident_id = _own_resident_id(user)
    if resident_id:
        return qs.filter(Exists(_open_occupancies_of(resident_id).filter(**{occupancy_link: OuterRef("pk")})))
    return qs.none()


def estate_list_for(user) -> QuerySet[Estate]:
    return _scoped(user, Estate.objects.all(), estate_field="id", occupancy_link="unit__building__estate")


def building_list_for(user) -> QuerySet[Building]:
    return _scoped(user, Building.objects.select_related("estate"), estate_field="estate_id",
                   occupancy_link="unit__building")


def unit_list_for(user) -> QuerySet[Unit]:
    return _scoped(user, Unit.objects.select_related("building__estate"), estate_field="building__estate_id",
                   occupancy_link="unit")


def resident_list_for(user) -> QuerySet[Resident]:
    """Staff: residents with any occupancy (past or present) in their estates. Residents: themselves."""
    scope = staff_estate_ids(user)
    if scope is ALL:
        return Resident.objects.all()
    if scope:
        return Resident.objects.filter(
            Exists(Occupancy.objects.filter(resident=OuterRef("pk"), unit__building__estate_id__in=scope))
        )
    resident_id = _own_resident_id(user)
    if resident_id:
        return Resident.objects.filter(id=resident_id)
    return Resident.objects.none()


def resident_search(qs: QuerySet[Resident], text: str) -> QuerySet[Resident]:
    text = (text or "").strip()
    if not text:
        return qs
    digits = "".join(ch for ch in text if ch.isdigit())
    cond = Q(name__icontains=text) | Q(email__icontains=text)
    if len(digits) >= 4:
        cond |= Q(mobile__contains=digits)
    return qs.filter(cond)


def occupancy_list_for(user) -> QuerySet[Occupancy]:
    """Homes (past and present) the user may see: staff those in their estates — a resident who
    also lives elsewhere shows only this side — and a resident their own."""
    qs = Occupancy.objects.select_related("unit__building__estate")
    scope = staff_estate_ids(user)
    if scope is ALL:
        return qs
    if scope:
        return qs.filter(unit__building__estate_id__in=scope)
    resident_id = _own_resident_id(user)
    return qs.filter(resident_id=resident_id) if resident_id else qs.none()


def occupancy_list_for_resident(resident: Resident, viewer=None) -> QuerySet[Occupancy]:
    """A resident's homes, current first; only those `viewer` may see when a viewer is given
    (staff pages must pass one; the resident's own portal need not)."""
    qs = occupancy_list_for(viewer) if viewer is not None else Occupancy.objects.select_related("unit__building__estate")
    return qs.filter(resident=resident).order_by(
        "end_date", "unit__building__estate__name", "unit__building__name", "unit__number"
    )


def estate_summaries_for(user) -> list[Estate]:
    """The user's estates with building_count, unit_count and resident_count, counted by the database
    in two queries whatever the number of estates."""
    estates = list(
        estate_list_for(user)
        .annotate(building_count=Count("buildings", distinct=True), unit_count=Count("buildings__units", distinct=True))
        .order_by("name")
    )
    rows = (
        Occupancy.objects.filter(unit__building__estate_id__in=[e.id for e in estates], end_date__isnull=True)
        .values("unit__building__estate_id")
        .annotate(n=Count("resident_id", distinct=True))
    )
    residents = {r["unit__building__estate_id"]: r["n"] for r in rows}
    for estate in estates:
        estate.resident_count = residents.get(estate.id, 0)
    return estates


def invitation_list_for(user) -> QuerySet[Invitation]:
    """Portal invitations of residents the user sees, sent by the company itself, by company-wide
    staff or by staff of the user's estates. A resident who also lives elsewhere may have been
    invited by the other estate's staff: that invitation, and the name of whoever sent it, is
    that estate's business."""
    qs = Invitation.objects.filter(resident__in=resident_list_for(user)).select_related("resident", "created_by")
    scope = staff_estate_ids(user)
    if scope is ALL:
        return qs
    ours = StaffMembership.objects.filter(Q(estate_id__in=scope or []) | Q(estate__isnull=True), user=OuterRef("created_by"))
    return qs.filter(Q(created_by__isnull=True) | Q(created_by__is_superuser=True) | Exists(ours))


def membership_list_for(user) -> QuerySet[StaffMembership]:
    scope = staff_estate_ids(user)
    qs = StaffMembership.objects.select_related("user", "estate")
    if scope is ALL:
        return qs
    return qs.filter(estate_id__in=scope or [])


def membership_assignable_users_for(actor) -> QuerySet[User]:
    """Staff accounts `actor` may give an estate assignment: the same rule as
    permissions.membership_can_assign_user, as a queryset for choices and autocomplete."""
    qs = User.objects.filter(kind=User.Kind.STAFF)
    if getattr(actor, "is_superuser", False):
        return qs
    managed = managed_estate_ids(actor)
    qs = qs.filter(is_superuser=False)
    if managed is ALL:
        return qs
    if not managed:
        return qs.none()
    elsewhere = StaffMembership.objects.filter(user=OuterRef("pk")).exclude(estate_id__in=managed)
    return qs.exclude(Exists(elsewhere))


def user_list_for(user) -> QuerySet[User]:
    """Users a manager may see in the admin: staff assigned to their estates, and residents in them."""
    scope = staff_estate_ids(user)
    if scope is ALL:
        return User.objects.all()
    if not scope:
        return User.objects.filter(pk=user.pk) if user.is_authenticated else User.objects.none()
    return User.objects.filter(
        Q(pk=user.pk)
        | Exists(StaffMembership.objects.filter(user=OuterRef("pk"), estate_id__in=scope))
        | Exists(Resident.objects.filter(user=OuterRef("pk")).filter(
            Exists(Occupancy.objects.filter(resident=OuterRef("pk"), unit__building__estate_id__in=scope))
        ))
    )


# What other apps would otherwise re-derive from owners' tables: who holds a role where, who
# answers for an estate, where a resident lives. Ask here rather than joining memberships yourself.

def staff_with_roles(estate_ids, roles, *, company_wide: bool = True) -> QuerySet[User]:
    """Active staff holding one of `roles` at one of `estate_ids`, or (unless company_wide=False)
    holding it company-wide.

    A role counts only where it is held: an engineer of one estate who is a spokesperson of
    another is an engineer for the first estate alone. One row per person however many
    assignments match (EXISTS, not a join plus DISTINCT).
    """
    where = Q(estate_id__in=list(estate_ids))
    if company_wide:
        where |= Q(estate__isnull=True)
    held = StaffMembership.objects.filter(where, user=OuterRef("pk"), role__in=list(roles))
    return User.objects.filter(is_active=True, kind=User.Kind.STAFF).filter(Exists(held))


def estate_managers(estate_id) -> list[User]:
    """Who answers for an estate: its own estate managers, or the company administrators when it
    has none, so an escalation always reaches someone."""
    managers = list(staff_with_roles([estate_id], [Role.ESTATE_MANAGER], company_wide=False).order_by("pk"))
    return managers or list(staff_with_roles([], [Role.COMPANY_ADMIN]).order_by("pk"))


def resident_homes(resident) -> QuerySet[Occupancy]:
    """Where a resident lives now: their open occupancies, with unit, building and estate."""
    return _open_occupancies_of(resident.pk).select_related("unit__building__estate")


# ---- The service-fee ledger and arrears (private: staff of the estate, and the unit's own residents)

LEDGER_VIEW_PERMISSION = "owners.view_feeledgerentry"


def _ledger_scoped(user, qs: QuerySet, estate_field: str = "unit__building__estate_id") -> QuerySet:
    """Staff: the estates where their role carries the ledger view permission. Residents: the
    units they live in now. Nobody else anything."""
    scope = staff_estate_ids(user)
    if scope is ALL or scope:
        perm_scope = estate_ids_with_perm(user, LEDGER_VIEW_PERMISSION)
        return qs if perm_scope is ALL else qs.filter(**{f"{estate_field}__in": perm_scope or []})
    resident_id = _own_resident_id(user)
    if resident_id:
        return qs.filter(unit_id__in=_open_occupancies_of(resident_id).values("unit_id"))
    return qs.none()


def fee_entry_list_for(user) -> QuerySet[FeeLedgerEntry]:
    """Ledger entries `user` may see (_ledger_scoped)."""
    return _ledger_scoped(user, FeeLedgerEntry.objects.select_related("unit__building__estate"), "estate_id")


def fee_payment_list_for(user) -> QuerySet[FeePayment]:
    """Staff-entered payments `user` may see (_ledger_scoped)."""
    return _ledger_scoped(user, FeePayment.objects.select_related("unit__building__estate", "recorded_by"))


def unit_arrears(today, *, unit_ids=None, estate_ids=None) -> QuerySet:
    """Arrears per unit as one aggregate query: rows of unit_id, amount (due and unpaid, yuan),
    months (months due and not fully paid) and oldest (the oldest such month), only for units
    that owe anything. Months overdue count whole months billed and due, not calendar months."""
    qs = FeeLedgerEntry.objects.filter(due_date__lt=today, billed__gt=F("paid"))
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if estate_ids is not None:
        qs = qs.filter(estate_id__in=estate_ids)
    return qs.values("unit_id").annotate(amount=Sum(F("billed") - F("paid")), months=Count("id"), oldest=Min("period")).order_by("unit_id")


def unit_account(unit_id, today) -> dict:
    """One unit's account: balance (everything billed and unpaid), arrears (due and unpaid),
    months overdue, oldest unpaid month, and the totals billed and paid. Two aggregate queries."""
    totals = FeeLedgerEntry.objects.filter(unit_id=unit_id).aggregate(billed=Sum("billed"), paid=Sum("paid"))
    billed, paid = yuan(totals["billed"]), yuan(totals["paid"])
    arrears = unit_arrears(today, unit_ids=[unit_id]).first()
    return {
        "billed": billed,
        "paid": paid,
        "balance": billed - paid,
        "arrears": yuan(arrears["amount"] if arrears else 0),
        "months_overdue": arrears["months"] if arrears else 0,
        "oldest_unpaid": arrears["oldest"] if arrears else None,
    }


FEN = Decimal("0.01")


def yuan(value) -> Decimal:
    """An amount as Decimal yuan rounded to the fen, whatever the database summed it as (SQLite
    sums decimals in floating point: 556221.599999995 is 556221.60)."""
    return Decimal(str(value or 0)).quantize(FEN, ROUND_HALF_UP)


def percent(part, whole) -> Decimal | None:
    """part / whole as a percentage with one decimal (Decimal("93.5")), None when whole is zero."""
    whole = yuan(whole)
    return (yuan(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP) if whole else None


def _month_after(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


_GROUPS = {"estate": ["estate_id"], "building": ["estate_id", "building_id"], "period": ["estate_id", "period"]}


def _recovery(scoped, by: str, keys: list, starts: list, end, estate_id) -> dict:
    """Recovery of prior arrears per report row (see collection_rate): {row key: (prior, recovered)}
    for the periods starting on `starts` (one span ending before `end` unless by="period").
    Two GROUP BY queries: the entries of earlier months still unpaid now, and the collections
    against earlier months since the first start; the rest is arithmetic over their few rows."""
    first, last = starts[0], starts[-1]
    group = [k for k in keys if k != "period"]
    unpaid = scoped(FeeLedgerEntry.objects.filter(billed__gt=F("paid"), period__lt=last), "estate_id")
    collected = scoped(FeeCollection.objects.filter(collected_on__gte=first, period__lt=last), "estate_id")
    if estate_id:
        unpaid, collected = unpaid.filter(estate_id=estate_id), collected.filter(estate_id=estate_id)
    out: dict = {}
    if by != "period":  # one span, [period_from, end of period_to): the database does all of it
        start = first
        owed = unpaid.values(*group).annotate(owed=Sum(F("billed") - F("paid"))).order_by()
        since = collected.values(*group).annotate(
            since=Sum("amount"), recovered=Sum("amount", filter=Q(collected_on__lt=end)) if end else Sum("amount")).order_by()
        for r in owed:
            out[tuple(r[k] for k in group)] = [yuan(r["owed"]), Decimal(0)]
        for r in since:
            row = out.setdefault(tuple(r[k] for k in group), [Decimal(0), Decimal(0)])
            row[0] += yuan(r["since"])
            row[1] += yuan(r["recovered"])
        return {key: (prior, recovered) for key, (prior, recovered) in out.items()}
    owed_rows = list(unpaid.values("estate_id", "period").annotate(owed=Sum(F("billed") - F("paid"))).order_by())
    collected_rows = list(collected.annotate(month=TruncMonth("collected_on")).values("estate_id", "period", "month")
                          .annotate(amount_sum=Sum("amount")).order_by())
    for start in starts:
        for r in owed_rows:
            if r["period"] < start:
                row = out.setdefault((r["estate_id"], start), [Decimal(0), Decimal(0)])
                row[0] += yuan(r["owed"])
        for r in collected_rows:
            month = r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"]
            if r["period"] < start <= month:
                row = out.setdefault((r["estate_id"], start), [Decimal(0), Decimal(0)])
                row[0] += yuan(r["amount_sum"])
                if month == start:
                    row[1] += yuan(r["amount_sum"])
    return {key: tuple(v) for key, v in out.items()}


def _named_groups(grouped: QuerySet, by: str) -> list[dict]:
    """Run the report's GROUP BY and put the estate's (and building's) name on each group: joined
    after aggregating, so 100 buildings are joined rather than 10,000 entries (3 ms against 10 for
    one estate's month)."""
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:  # a scope of no estates
        return []
    building = f"JOIN {Building._meta.db_table} b ON b.id = g.building_id" if by == "building" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT g.*, e.name{', b.name' if building else ''} FROM ({sql}) g "
                       f"JOIN {Estate._meta.db_table} e ON e.id = g.estate_id {building}", params)
        columns = [c[0] for c in cursor.description[:-2 if building else -1]] + ["estate__name"] + (["building__name"] if building else [])
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        if isinstance(row.get("period"), str):  # SQLite hands dates back as text to a raw cursor
            row["period"] = datetime.date.fromisoformat(row["period"][:10])
    return rows


def collection_rate(user, *, period_from=None, period_to=None, estate_id=None, by: str = "estate",
                    with_recovery: bool = True) -> list[dict]:
    """The collection rate (收缴率) and the recovery of prior arrears, as database aggregates, per
    estate (by="estate"), per building ("building") or per estate and month ("period"), over the
    months from `period_from` to `period_to` (first days of months; both optional), in the estates
    whose ledger `user` may see.

    Rows: estate_id, estate (name), [building_id, building,] [period,] billed, paid (Decimal yuan,
    rounded to the fen), rate (paid / billed as a percentage with one decimal, Decimal("93.5");
    None when nothing was billed), and the recovery of prior arrears:

    - prior_arrears: what was owed at the start of the period for months before it — the fees of
      earlier months billed and not yet paid on the period's first day;
    - recovered: how much of that was paid during the period (FeeCollection rows dated in the
      period against months before it; a correction downward counts negative);
    - recovery_rate: recovered / prior_arrears as a percentage with one decimal (None when
      nothing was owed).

    "The period" is each month for by="period", and otherwise the whole span from `period_from`
    to the end of `period_to`'s month (to today when `period_to` is not given). Without
    `period_from` there is no start (nor with with_recovery=False, for a chart of the rate alone),
    so the three are None. Money paid before the ledger came into Lighthouse (entries first seen
    already paid) counts as paid before any period here.

    One GROUP BY query over the report indexes (the names joined to its groups after), and two
    more for the recovery."""
    if getattr(user, "kind", None) == User.Kind.RESIDENT:
        return []  # an owner's own account is unit_account; no report shows them anything else
    return _collection_rate(partial(_ledger_scoped, user), period_from=period_from, period_to=period_to,
                            estate_id=estate_id, by=by, with_recovery=with_recovery)


def estate_month_collection(estate_id: int, month: datetime.date) -> list[dict]:
    """collection_rate's rows for one estate's `month` by building, with the recovery of prior
    arrears — for a document whose reader the caller has already cleared to see the estate's
    ledger (the monthly report: a ledger reader, or the owners' committee through the link a
    ledger reader sent them). Anything with a signed-in user asks collection_rate."""

    def one_estate(qs: QuerySet, estate_field: str) -> QuerySet:
        return qs.filter(**{estate_field: estate_id})

    return _collection_rate(one_estate, period_from=month, period_to=month, estate_id=estate_id, by="building")


def _collection_rate(scoped, *, period_from, period_to, estate_id, by: str, with_recovery: bool = True) -> list[dict]:
    """collection_rate over the ledger entries `scoped(queryset, estate field)` lets through."""
    qs = scoped(FeeLedgerEntry.objects.all(), "estate_id")
    if period_from:
        qs = qs.filter(period__gte=period_from)
    if period_to:
        qs = qs.filter(period__lte=period_to)
    if estate_id:
        qs = qs.filter(estate_id=estate_id)
    keys = _GROUPS[by]
    rows = _named_groups(qs.values(*keys).annotate(billed=Sum("billed"), paid=Sum("paid")).order_by(), by)
    recovery = None
    if period_from and with_recovery and rows:
        starts = sorted({r["period"] for r in rows}) if by == "period" else [period_from]
        recovery = _recovery(scoped, by, keys, starts, _month_after(period_to) if period_to else None, estate_id)
    out = []
    for r in rows:
        billed, paid = yuan(r["billed"]), yuan(r["paid"])
        row = {"estate_id": r["estate_id"], "estate": r["estate__name"], "billed": billed, "paid": paid, "rate": percent(paid, billed)}
        if by == "building":
            row.update(building_id=r["building_id"], building=r["building__name"])
        if by == "period":
            row["period"] = r["period"]
        if recovery is None:
            row.update(prior_arrears=None, recovered=None, recovery_rate=None)
        else:
            prior, recovered = recovery.get(tuple(r[k] for k in keys), (Decimal("0.00"), Decimal("0.00")))
            row.update(prior_arrears=yuan(prior), recovered=yuan(recovered), recovery_rate=percent(recovered, prior))
        out.append(row)
    order = {"estate": lambda x: (x["estate"], x["estate_id"]),
             "building": lambda x: (x["estate"], x["estate_id"], x["building"], x["building_id"]),
             "period": lambda x: (x["estate"], x["estate_id"], x["period"])}[by]
    return sorted(out, key=order)

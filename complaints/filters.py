"""The staff queue's filters, parsed and validated once for the page and the API.

Applied inside the queue selector (selectors.complaint_queue_queryset), so both doors accept the
same parameters with the same meaning. A value that does not validate — a malformed or
out-of-range id, an unknown status, another estate — is ignored, as if it had not been given:
the queue answers, and nothing unchecked reaches the database. Validation runs no query.
"""

import datetime
import re

import django_filters
from django import forms
from django.db.models import BooleanField, F, Func, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from owners.models import Resident, Unit
from owners.permissions import ALL, is_staff_member, staff_estate_ids

from .models import Complaint, Priority, Status
from .models.complaints import OPEN_STATUSES

NUMBER = re.compile(r"^TS-\d{8}-\d{4,}$", re.IGNORECASE)  # a ticket number, e.g. TS-20260301-0042
# Part of a ticket number as staff type it from a phone call: "0042", "-0042", "20260301-0042".
NUMBER_PART = re.compile(r"^[A-Za-z0-9-]{3,20}$")
# A unit as staff type it: "1-101", "1-2-101", "1号楼101", "1号楼2单元101", "1栋2单元101室".
# A separator or a building word is required after the building, so "1101" is not read as one.
UNIT = re.compile(
    r"^(?P<building>\d+)(?:(?:号楼|号|栋|幢|座)[-－ ]?|[-－ ])"
    r"(?:(?P<entrance>\d+)(?:单元[-－ ]?|[-－ ]))?"
    r"(?P<room>\d{2,})(?:室|号|房)?$"
)
BUILDING_WORDS = ("号楼", "栋", "幢", "座", "号", "")
MAX_ID = 2**63 - 1  # the largest value of a bigint primary key


def id_from(value) -> int | None:
    """A database id from a query or form value, else None. Only ASCII digits count ("²".isdigit()
    is true but int() refuses it), and a number past a bigint is no id (PostgreSQL would refuse
    the query)."""
    value = str(value or "")
    if not (value.isascii() and value.isdigit() and len(value) <= 19):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the current time zone (an index-friendly bound)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# Each "order" value and the queryset ordering it means (the API's cursor pagination uses the same).
# "due" is the deadline each row shows (Complaint.due_at: first response, then resolution), so
# overdue tickets come first and an urgent ticket's short first-response window puts it on top.
QUEUE_ORDERINGS = {"due": ("due_at", "id"), "new": ("-created_at", "-id")}
SEARCH_MAX = 100
STATUS_VALUES = {"open", "all", *Status.values}

# What each filter means when it is missing or invalid: the page's form shows these.
DEFAULTS = {"status": "", "category": None, "estate": None, "building": None, "assignee": "", "priority": "",
            "overdue": False, "q": "", "order": "due", "created_from": None, "created_to": None}


class IdField(forms.Field):
    """A database id (see selectors.id_from); with `within`, only one of those ids."""

    def __init__(self, *args, within=ALL, **kwargs):
        self.within = within
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return None
        number = id_from(value)
        if number is None or (self.within is not ALL and number not in self.within):
            raise forms.ValidationError(_("Not one of the choices."), code="invalid_choice")
        return number


class AssigneeField(forms.Field):
    """A user id, "me" or "none"; kept as text (the page's form compares it as text)."""

    def to_python(self, value):
        if value in (None, "", "me", "none"):
            return value or ""
        number = id_from(value)
        if number is None:
            raise forms.ValidationError(_("Not one of the choices."), code="invalid_choice")
        return str(number)


class FlagField(forms.BooleanField):
    """A checkbox's value read as sent: "1", "true" or "on" mean yes; absent, "", "0" or "false"
    no. (BooleanField's checkbox widget would read "0" as yes.)"""

    widget = forms.TextInput


class SearchField(forms.CharField):
    def to_python(self, value):
        return super().to_python(value)[:SEARCH_MAX]


class IdFilter(django_filters.Filter):
    field_class = IdField


class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeField


class FlagFilter(django_filters.Filter):
    """A checkbox: "1", "true" or "on" (what a browser sends) mean yes; absent, "0" or "false" no."""

    field_class = FlagField


class SearchFilter(django_filters.Filter):
    field_class = SearchField


class ComplaintQueueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=[("open", _("All open")), ("all", _("Any status")), *Status.choices],
                                         method="filter_status")
    category = IdFilter(field_name="category_id")
    estate = IdFilter(field_name="estate_id")
    building = IdFilter(field_name="building_id")
    assignee = AssigneeFilter(method="filter_assignee")
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    overdue = FlagFilter(method="filter_overdue")
    q = SearchFilter(method="filter_q")
    # Submitted on or after / on or before a day (local time): where a dashboard chart's bar leads.
    created_from = django_filters.DateFilter(method="filter_created_from")
    created_to = django_filters.DateFilter(method="filter_created_to")
    order = django_filters.ChoiceFilter(choices=[(key, key) for key in QUEUE_ORDERINGS], method="filter_order")

    class Meta:
        model = Complaint
        fields = []

    def __init__(self, data=None, queryset=None, *, user, open_by_default=False, **kwargs):
        data = data if data is not None else {}
        if open_by_default and is_staff_member(user) and data.get("status") not in STATUS_VALUES:
            # Staff work open tickets: a queue listed without a valid status (the sidebar's link,
            # an API list call without one) is the open ones, soonest due first; "all" asks for
            # every status. (A ticket read or acted on by its number is found in any status.)
            data = data.copy()
            data["status"] = "open"
        super().__init__(data, queryset, **kwargs)
        self.user = user
        # Staff may narrow to one of their estates only: another estate's id is ignored, so the
        # page never lists that estate's buildings or staff (owners' lists are theirs already).
        if is_staff_member(user):
            self.filters["estate"].extra["within"] = staff_estate_ids(user)

    @property
    def values(self) -> dict:
        """Every filter as applied: its valid value, or its default when missing or invalid."""
        self.is_valid()  # validates once; invalid values are left out of cleaned_data
        cleaned = self.form.cleaned_data
        return {name: cleaned[name] if cleaned.get(name) not in (None, "") else default
                for name, default in DEFAULTS.items()}

    @property
    def ordering(self) -> tuple:
        return QUEUE_ORDERINGS[self.values["order"]]

    def filter_queryset(self, queryset):
        # The order is applied last and always (the default when none or a bad one was given).
        return super().filter_queryset(queryset).order_by(*self.ordering)

    def filter_order(self, queryset, name, value):
        return queryset  # see filter_queryset

    def filter_status(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value == "open" else queryset.filter(status=value)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        now = timezone.now()
        return queryset.filter(status__in=OPEN_STATUSES, due_at__lt=now)

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_day_start(value + datetime.timedelta(days=1)))

    def filter_q(self, queryset, name, value):
        """A ticket number or part of one, an owner's exact name or mobile, a unit ("1-101",
        "1号楼1单元101"), or words of the description — in the one queue query (searching adds
        no query to the page).

        The ways of matching are joined by OR over conditions PostgreSQL can plan with the
        queue's order and limit and its statistics on the text: the owners and units matched
        are each an array computed once (`= ANY(ARRAY(subquery))`, see InArray), the text and
        number the trigram indexes' ILIKE (incidents/migrations/0005). So a phrase in many
        tickets ("再不处理") walks the queue's ordered index and stops at one page of matches, and
        a rare one is a BitmapOr of the trigram, owner and unit indexes, then a small sort. (Id
        subqueries joined by UNION, as before, collected and sorted every match: 1.7 s for
        "再不处理" company-wide at 1M; an OR over `IN (subquery)` scanned the table.)
        """
        value = value.strip()
        if NUMBER.match(value):
            return queryset.filter(number=value.upper())
        owners = Resident.objects.filter(Q(name=value) | Q(mobile=value)).values("id")
        match = Q(InArray("resident_id", owners)) | Q(description__icontains=value)
        if NUMBER_PART.match(value):
            match |= Q(number__icontains=value)
        unit = UNIT.match(value.replace(" ", ""))
        if unit:
            units = Unit.objects.filter(
                building__name__in=[unit["building"] + word for word in BUILDING_WORDS], number=unit["room"],
                **({"entrance": unit["entrance"]} if unit["entrance"] else {}),
            ).values("id")
            match |= Q(InArray("unit_id", units))
        return queryset.filter(match)


class InArray(Func):
    """`column = ANY(ARRAY(subquery))` on PostgreSQL: the subquery runs once (an InitPlan) and
    its ids are a parameter, so the condition can be an index scan inside a BitmapOr, or a cheap
    filter on an ordered walk; `column IN (subquery)` inside an OR can be neither. Elsewhere
    (SQLite) plain `column IN (subquery)`."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, queryset):
        super().__init__(F(column), Subquery(queryset))

    def _parts(self, compiler):
        (column, column_params), (subquery, subquery_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return column, subquery, (*column_params, *subquery_params)

    def as_sql(self, compiler, connection, **extra_context):
        column, subquery, params = self._parts(compiler)
        return f"{column} IN {subquery}", params

    def as_postgresql(self, compiler, connection, **extra_context):
        column, subquery, params = self._parts(compiler)
        return f"{column} = ANY(ARRAY{subquery})", params

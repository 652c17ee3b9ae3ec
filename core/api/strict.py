"""What every request of the API shares: unknown body fields refused, date-times and ids in range.

The OpenAPI schema reads `refuses_unknown_fields` to declare `additionalProperties: false` on
the bodies these serializers read (config/api/schema.py), so the declaration cannot drift from
what is enforced.
"""

import django_filters
from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

FIRST_YEAR, LAST_YEAR = 2000, 2100


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time from the year 2000 to 2100 in the site's zone.

    Deadlines, mentions and schedules outside that range are typos; and before 1901 the
    estate's zone has a local-mean-time offset (Shanghai: +08:05:43) that RFC 3339 clients
    cannot read back.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", f"A date-time from {FIRST_YEAR} to {LAST_YEAR}.")
        super().__init__(*args, **kwargs)

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if not FIRST_YEAR <= timezone.localtime(value).year <= LAST_YEAR:
            raise serializers.ValidationError(
                _("Enter a date and time between the years %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
                code="out_of_range",
            )
        return value


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(django_filters.NumberFilter):
    """A filter by id: a whole number a database key can hold, else a 400 naming the parameter
    (a 1e308 reached the database as an integer it cannot store: a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class IdFilterSet(django_filters.FilterSet):
    """A FilterSet whose foreign keys filter by id (IdFilter) instead of a choice of rows: a
    choice list names every row of the table in the browsable API's filter form (another estate's
    buildings, every account) and answers 400 for an unknown id but an empty list for a foreign
    one — telling the caller the foreign id exists. Scope is the queryset's job, not the filter's."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
    }


class IdFilterBackend(DjangoFilterBackend):
    """The API's filter backend: `filterset_fields` build an IdFilterSet."""

    filterset_base = IdFilterSet


class StrictInput:
    """Mixin for serializers that read a request body: a field it does not know is a 400
    naming that field, so a typo is never silently ignored."""

    refuses_unknown_fields = True

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictInput, serializers.ModelSerializer):
    """A model serializer for request bodies: strict about fields, bounded date-times."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.DateTimeField: BoundedDateTimeField}

    def _scoped(self, name, queryset_for):
        request = self.context.get("request")
        if request is not None and name in self.fields and not self.fields[name].read_only:
            self.fields[name].queryset = queryset_for(request.user)


class StrictPlainSerializer(StrictInput, serializers.Serializer):
    """A plain serializer for request bodies (an action's payload): strict about fields."""

"""REST API for the registry. Every queryset comes from a selector, so scope is never forgotten."""

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.errors import ErrorSerializer, error_response
from core.api.permissions import ReadScopedWriteByRole
from core.api.strict import IdFilter

from ..models import Building, Occupancy, Resident, Unit
from ..permissions import estate_can_import, registry_can, resident_can_edit, resident_can_invite
from ..selectors import building_list_for, estate_list_for, occupancy_list_for, resident_list_for, unit_list_for
from ..services import (
    ImportRejected,
    building_create,
    building_update,
    estate_create,
    estate_residents_import,
    estate_units_import,
    estate_update,
    resident_create,
    resident_invite,
    resident_update,
    unit_create,
    unit_update,
)
from ..services.import_reports import IMPORT_ERRORS_SHOWN
from . import serializers as s


class ScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """List, read, create and update within the caller's scope; nothing here deletes.

    Each viewset creates and updates through the owners services, which check the actor's role
    at the estate the record is in and would be in; nothing is written by `serializer.save()`.
    """

    permission_classes = [ReadScopedWriteByRole]
    object_write_refused = gettext_lazy("Your role at this estate does not allow this change.")

    def object_write_allowed(self, user, obj) -> bool:
        return registry_can(user, "change", obj)


@extend_schema_view(
    list=extend_schema(summary="List estates"),
    retrieve=extend_schema(summary="Read an estate"),
    create=extend_schema(summary="Add an estate"),
    update=extend_schema(summary="Replace an estate's details"),
    partial_update=extend_schema(summary="Change some of an estate's details"),
)
@extend_schema(tags=["estates"])
class EstateViewSet(ScopedViewSet):
    serializer_class = s.EstateSerializer
    search_fields = ["name", "code"]

    def perform_create(self, serializer):
        serializer.instance = estate_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = estate_update(actor=self.request.user, estate=serializer.instance, **serializer.validated_data)

    def get_queryset(self):
        return estate_list_for(self.request.user)

    @extend_schema(
        summary="Import units or residents from a spreadsheet",
        request={"multipart/form-data": s.ImportRequestSerializer},
        responses={201: s.ImportResultSerializer, 400: OpenApiResponse(s.ImportRejectedSerializer,
                   description="Nothing was imported; every bad row is listed with its line number.")},
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser],
            permission_classes=[permissions.IsAuthenticated])
    def import_file(self, request, pk=None):
        """Import units or residents into this estate from CSV (UTF-8, UTF-8 BOM, GBK) or XLSX. All or nothing."""
        estate = self.get_object()
        form = s.ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        kind = form.validated_data["kind"]
        if not estate_can_import(request.user, estate, kind):
            return error_response(_("Your role may not import this kind of file."), "permission_denied", status.HTTP_403_FORBIDDEN)
        try:
            data = form.validated_data["file"].read()
            if kind == "units":
                result = estate_units_import(estate=estate, data=data, actor=request.user)
            else:
                result = estate_residents_import(estate=estate, data=data, actor=request.user)
        except ImportRejected as exc:
            # The first errors and the count: a file of 100,000 bad rows must not answer 9 MB of JSON.
            return error_response(exc.message, "import_rejected", total_errors=len(exc.errors),
                                  rows=[e.as_dict() for e in exc.errors[:IMPORT_ERRORS_SHOWN]])
        return Response(s.ImportResultSerializer(result).data, status=status.HTTP_201_CREATED)


# Filters by id take a number, not a choice of rows: a choice list would name every estate and
# building of the company in the browsable API's filter form, and a foreign id simply finds nothing.

class BuildingFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id")

    class Meta:
        model = Building
        fields = ["estate"]


@extend_schema_view(
    list=extend_schema(summary="List buildings"),
    retrieve=extend_schema(summary="Read a building"),
    create=extend_schema(summary="Add a building"),
    update=extend_schema(summary="Replace a building's details"),
    partial_update=extend_schema(summary="Change some of a building's details"),
)
@extend_schema(tags=["estates"])
class BuildingViewSet(ScopedViewSet):
    serializer_class = s.BuildingSerializer
    filterset_class = BuildingFilter
    search_fields = ["name"]

    def perform_create(self, serializer):
        serializer.instance = building_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = building_update(actor=self.request.user, building=serializer.instance, **serializer.validated_data)

    def get_queryset(self):
        return building_list_for(self.request.user)


class UnitFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="building__estate_id")
    building = IdFilter(field_name="building_id")

    class Meta:
        model = Unit
        fields = ["estate", "building", "entrance", "floor"]


@extend_schema_view(
    list=extend_schema(summary="List units"),
    retrieve=extend_schema(summary="Read a unit"),
    create=extend_schema(summary="Add a unit"),
    update=extend_schema(summary="Replace a unit's details"),
    partial_update=extend_schema(summary="Change some of a unit's details"),
)
@extend_schema(tags=["estates"])
class UnitViewSet(ScopedViewSet):
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["number"]

    def perform_create(self, serializer):
        serializer.instance = unit_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = unit_update(actor=self.request.user, unit=serializer.instance, **serializer.validated_data)

    def get_queryset(self):
        return unit_list_for(self.request.user)


class ResidentFilter(django_filters.FilterSet):
    estate = IdFilter(method="filter_estate")
    unit = IdFilter(method="filter_unit")

    class Meta:
        model = Resident
        fields = ["estate", "unit", "preferred_language"]

    def _living(self, queryset, **where):
        # Only homes the caller may see count, or the filter would tell where else a resident lives.
        homes = occupancy_list_for(self.request.user) if self.request is not None else Occupancy.objects.none()
        return queryset.filter(Exists(homes.filter(resident=OuterRef("pk"), end_date__isnull=True, **where)))

    def filter_estate(self, queryset, name, value):
        return self._living(queryset, unit__building__estate_id=value)

    def filter_unit(self, queryset, name, value):
        return self._living(queryset, unit_id=value)


@extend_schema_view(
    list=extend_schema(summary="List residents"),
    retrieve=extend_schema(summary="Read a resident"),
    create=extend_schema(summary="Add a resident"),
    update=extend_schema(summary="Replace a resident's details"),
    partial_update=extend_schema(summary="Change some of a resident's details"),
)
@extend_schema(tags=["residents"])
class ResidentViewSet(ScopedViewSet):
    serializer_class = s.ResidentSerializer
    filterset_class = ResidentFilter
    search_fields = ["name", "mobile", "email"]
    # Staff change only residents who live (or lived) nowhere their role may not (finding E3).
    object_write_refused = gettext_lazy("You may not change this resident's details; ask the company administrator.")

    def object_write_allowed(self, user, obj) -> bool:
        return resident_can_edit(user, obj)

    def get_queryset(self):
        # Homes in estates outside the caller's are not shown, even of a resident they may see.
        return resident_list_for(self.request.user).prefetch_related(
            Prefetch("occupancies", queryset=occupancy_list_for(self.request.user))
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        unit, relation = data.pop("unit"), data.pop("relation", Occupancy.Relation.OWNER)
        with transaction.atomic():
            resident = resident_create(actor=self.request.user, unit=unit, relation=relation, **data)
        serializer.instance = self.get_queryset().get(pk=resident.pk)

    def perform_update(self, serializer):
        resident = resident_update(actor=self.request.user, resident=serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=resident.pk)

    @extend_schema(summary="Invite a resident to the owner portal", request=None,
                   responses={201: s.InvitationSerializer, 400: ErrorSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def invite(self, request, pk=None):
        """Send this resident an invitation to the owner portal (revokes any earlier open link)."""
        resident = self.get_object()
        if not resident_can_invite(request.user, resident):
            return error_response(_("Your role may not invite residents."), "permission_denied", status.HTTP_403_FORBIDDEN)
        try:
            invitation = resident_invite(resident=resident, invited_by=request.user)
        except ValidationError as exc:
            return error_response(exc.messages[0], getattr(exc, "code", None) or "invalid")
        return Response({"id": invitation.pk, "expires_at": invitation.expires_at}, status=status.HTTP_201_CREATED)

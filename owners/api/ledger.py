"""/api/v1/fee-ledger/: the service-fee ledger. Staff of an estate (roles carrying the ledger
permissions) read its entries, import a file and record payments; an owner reads only the
entries and account of the homes they live in."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api.errors import ErrorSerializer, error_response
from core.api.strict import StrictPlainSerializer

from ..models import FeeLedgerEntry, FeePayment
from ..permissions import has_perm_at, is_staff_member
from ..selectors import LEDGER_VIEW_PERMISSION, estate_list_for, fee_entry_list_for, unit_account, unit_list_for
from ..services.imports import ImportRejected
from ..services.ledger import fee_ledger_import, fee_payment_record

IMPORT_ERRORS_SHOWN = 200


class FeeEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeLedgerEntry
        fields = ["id", "unit", "period", "billed", "paid", "due_date"]


class ImportSerializer(StrictPlainSerializer):
    estate = serializers.IntegerField()
    file = serializers.FileField()


class PaymentSerializer(StrictPlainSerializer):
    unit = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PaymentResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeePayment
        fields = ["id", "unit", "amount", "paid_on", "note", "allocations"]


class AccountSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    billed = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    arrears = serializers.DecimalField(max_digits=14, decimal_places=2)
    months_overdue = serializers.IntegerField()
    oldest_unpaid = serializers.DateField(allow_null=True)


class LedgerImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    encoding = serializers.CharField()
    ignored_columns = serializers.ListField(child=serializers.CharField())


@extend_schema_view(list=extend_schema(summary="List fee ledger entries (staff: their estates; owners: their homes)",
                                       parameters=[OpenApiParameter("unit", int, description="Only this unit.")]))
@extend_schema(tags=["arrears"])
class FeeLedgerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    looks_up_objects = True  # `?unit=` names a unit: another estate's, or none, answers 404
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = FeeEntrySerializer

    def get_queryset(self):
        qs = fee_entry_list_for(self.request.user).order_by("-id")
        unit = self.request.query_params.get("unit", "")
        return qs.filter(unit_id=int(unit)) if unit.isdigit() else qs

    @extend_schema(summary="Each of one's units' account: balance, overdue, months overdue (owners: their homes)",
                   parameters=[OpenApiParameter("unit", int, description="Staff: the unit to show.")], responses=AccountSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def accounts(self, request):
        today = timezone.localdate()
        if is_staff_member(request.user):
            unit = request.query_params.get("unit", "")
            found = get_object_or_404(unit_list_for(request.user), pk=int(unit)) if unit.isdigit() else None
            if found is None or not has_perm_at(request.user, LEDGER_VIEW_PERMISSION, found.building.estate_id):
                return Response([])
            unit_ids = [found.pk]
        else:
            unit_ids = list(unit_list_for(request.user).values_list("pk", flat=True))
        return Response(AccountSerializer([{"unit": pk, **unit_account(pk, today)} for pk in unit_ids], many=True).data)

    @extend_schema(summary="Import the fee ledger of an estate from CSV or XLSX (all or nothing)", request={"multipart/form-data": ImportSerializer},
                   responses={201: LedgerImportResultSerializer, 400: OpenApiResponse(ErrorSerializer, description="Nothing imported: the rows with problems."),
                              403: ErrorSerializer})
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        estate = get_object_or_404(estate_list_for(request.user), pk=body.validated_data["estate"])
        try:
            result = fee_ledger_import(estate=estate, data=body.validated_data["file"].read(), actor=request.user)
        except DjangoPermissionDenied as exc:
            return error_response(str(exc), "permission_denied", status.HTTP_403_FORBIDDEN)
        except ImportRejected as exc:
            return error_response(exc.message, "import_rejected", total_errors=len(exc.errors),
                                  rows=[e.as_dict() for e in exc.errors[:IMPORT_ERRORS_SHOWN]])
        return Response(LedgerImportResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Record a payment received at the office (applied to the oldest months)", request=PaymentSerializer,
                   responses={201: PaymentResultSerializer})
    @action(detail=False, methods=["post"])
    def payments(self, request):
        if not is_staff_member(request.user):
            raise PermissionDenied(_("Payments are recorded by staff."))
        body = PaymentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        unit = get_object_or_404(unit_list_for(request.user).select_related("building"), pk=d["unit"])
        try:
            payment = fee_payment_record(unit=unit, amount=d["amount"], paid_on=d["paid_on"], actor=request.user, note=d.get("note", ""))
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(PaymentResultSerializer(payment).data, status=status.HTTP_201_CREATED)

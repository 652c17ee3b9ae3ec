"""/api/v1/arrears-cases/ and /api/v1/relief-requests/: the same rules as the pages.

Cases are staff work: owners get 403 here (their own account is /api/v1/fee-ledger/ and their
own requests /api/v1/relief-requests/). Every change is an explicit action calling the service.
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api.strict import StrictPlainSerializer
from owners.permissions import is_staff_member
from owners.selectors import collection_rate, unit_list_for

from ..arrears_selectors import arrears_case_list_for, arrears_dashboard, arrears_outcomes, relief_request_list_for
from ..lifecycle.arrears import CONTACT_KINDS, arrears_ladders, recommended_next
from ..models import ArrearsAction, ArrearsApproval, ArrearsCase, ArrearsEvent, ReliefRequest
from ..models.arrears import Cause, Outcome, Step
from ..services import arrears as svc


@contextmanager
def _refusals():
    try:
        yield
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from exc


class IsStaffMember(permissions.BasePermission):
    message = "Arrears cases are staff work; owners see their own account under /api/v1/fee-ledger/."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_staff_member(request.user))


class ArrearsActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArrearsAction
        fields = ["id", "kind", "date", "actor", "outcome", "promise_date", "promise_amount"]


class ArrearsEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArrearsEvent
        fields = ["id", "kind", "actor", "from_step", "to_step", "body", "document_number", "created_at"]


class ArrearsApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArrearsApproval
        fields = ["id", "step", "reason", "requested_by", "requested_at", "approved", "decided_by", "decided_at", "decision_reason"]


class ArrearsCaseSerializer(serializers.ModelSerializer):
    recommended_step = serializers.SerializerMethodField()

    class Meta:
        model = ArrearsCase
        fields = ["id", "estate", "unit", "resident", "cause", "step", "step_due_on", "recommended_step", "status", "assignee",
                  "complaint", "amount_at_open", "months_at_open", "opened_at", "closed_at", "outcome", "outcome_note"]

    def get_recommended_step(self, case) -> str | None:
        if not case.is_open:
            return None
        ladders = self.context.setdefault("_ladders", arrears_ladders())
        rung = recommended_next(case.cause, case.step, ladders)
        return rung.step if rung else None


class ArrearsCaseDetailSerializer(ArrearsCaseSerializer):
    actions = ArrearsActionSerializer(many=True, read_only=True)
    events = ArrearsEventSerializer(many=True, read_only=True)
    approvals = ArrearsApprovalSerializer(many=True, read_only=True)

    class Meta(ArrearsCaseSerializer.Meta):
        fields = ArrearsCaseSerializer.Meta.fields + ["actions", "events", "approvals"]


class OpenSerializer(StrictPlainSerializer):
    unit = serializers.IntegerField()
    cause = serializers.ChoiceField(choices=Cause.choices, default=Cause.UNKNOWN)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ArrearsContactSerializer(StrictPlainSerializer):
    kind = serializers.ChoiceField(choices=[(k, Step(k).label) for k in CONTACT_KINDS])
    outcome = serializers.CharField(max_length=2000)
    date = serializers.DateField(required=False)
    cause = serializers.ChoiceField(choices=Cause.choices, required=False)
    promise_date = serializers.DateField(required=False)
    promise_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)


class AdvanceSerializer(StrictPlainSerializer):
    to_step = serializers.ChoiceField(choices=Step.choices, required=False, help_text="Omit for the recommended next step.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="Needed when deviating from the recommended step or asking for approval.")


class DecideSerializer(StrictPlainSerializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)


class CloseSerializer(StrictPlainSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(max_length=2000)


class ReportRowSerializer(serializers.Serializer):
    estate_id = serializers.IntegerField()
    estate = serializers.CharField()
    building_id = serializers.IntegerField(required=False)
    building = serializers.CharField(required=False)
    period = serializers.DateField(required=False)
    billed = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Yuan, to the fen.")
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Yuan, to the fen.")
    rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True,
                                    help_text="Paid / billed as a percentage with one decimal; null when nothing was billed.")
    prior_arrears = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                             help_text="Owed at the start of the period for earlier months; null without a first month.")
    recovered = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                         help_text="How much of prior_arrears was paid during the period.")
    recovery_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True,
                                             help_text="Recovered / prior arrears as a percentage with one decimal.")


class ArrearsSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    due = serializers.IntegerField()
    mine = serializers.IntegerField()
    by_cause = serializers.DictField(child=serializers.IntegerField())
    by_step = serializers.DictField(child=serializers.IntegerField())
    outcomes = serializers.ListField(child=serializers.DictField())


_REPORT_PARAMS = [
    OpenApiParameter("by", enum=["estate", "building", "period"], description="Group by estate (default), building or estate and month."),
    OpenApiParameter("estate", int, description="Only this estate."),
    OpenApiParameter("from", description="First month, YYYY-MM."),
    OpenApiParameter("to", description="Last month, YYYY-MM."),
]


def report_params(query) -> dict:
    """The collection report's filters from a query string (pages and API alike); bad values are ignored."""
    from owners.services.ledger import period_parse

    by = query.get("by") if query.get("by") in ("estate", "building", "period") else "estate"
    estate = query.get("estate")
    return {"by": by, "estate_id": int(estate) if (estate or "").isdigit() else None,
            "period_from": period_parse(query.get("from", "")), "period_to": period_parse(query.get("to", ""))}


@extend_schema_view(list=extend_schema(summary="List arrears cases (staff of the estate)"),
                    retrieve=extend_schema(summary="Read an arrears case with its contacts, approvals and timeline"))
@extend_schema(tags=["arrears"])
class ArrearsCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsStaffMember]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        qs = arrears_case_list_for(self.request.user).order_by("-id")
        if self.action == "retrieve":
            qs = qs.prefetch_related("actions", "events", "approvals")
        if self.action == "list":
            status_ = self.request.query_params.get("status", "open")
            if status_ in ("open", "closed"):
                qs = qs.filter(status=status_)
        return qs

    def get_serializer_class(self):
        return ArrearsCaseDetailSerializer if self.action == "retrieve" else ArrearsCaseSerializer

    def _detail(self, case, code=status.HTTP_200_OK):
        case = self.get_queryset().model.objects.prefetch_related("actions", "events", "approvals").get(pk=case.pk)
        return Response(ArrearsCaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code)

    def _act(self, request, serializer_class, do):
        case = self.get_object()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        with _refusals():
            do(case, body.validated_data)
        return self._detail(case)

    @extend_schema(summary="Open an arrears case for a unit with overdue fees", request=OpenSerializer, responses={201: ArrearsCaseDetailSerializer})
    def create(self, request):
        body = OpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unit = get_object_or_404(unit_list_for(request.user), pk=body.validated_data["unit"])
        with _refusals():
            case = svc.arrears_case_open(unit=unit, actor=request.user, cause=body.validated_data["cause"],
                                         note=body.validated_data.get("note", ""))
        return self._detail(case, status.HTTP_201_CREATED)

    @extend_schema(summary="Log a contact (and any promise to pay, or the cause learned)", request=ArrearsContactSerializer, responses=ArrearsCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def contacts(self, request, pk=None):
        return self._act(request, ArrearsContactSerializer, lambda case, d: svc.arrears_contact_log(
            case, actor=request.user, kind=d["kind"], outcome=d["outcome"], date=d.get("date"), cause=d.get("cause"),
            promise_date=d.get("promise_date"), promise_amount=d.get("promise_amount")))

    @extend_schema(summary="Move to the recommended next step, or another with a note; legal steps ask for approval",
                   request=AdvanceSerializer, responses=ArrearsCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        return self._act(request, AdvanceSerializer, lambda case, d: svc.arrears_step_advance(
            case, actor=request.user, to_step=d.get("to_step"), note=d.get("note", "")))

    @extend_schema(summary="Approve or decline the pending lawyer letter or legal action (estate managers)",
                   request=DecideSerializer, responses=ArrearsCaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="approval")
    def approval(self, request, pk=None):
        def do(case, d):
            pending = get_object_or_404(ArrearsApproval, case=case, decided_at__isnull=True)
            svc.arrears_approval_decide(pending, actor=request.user, approve=d["approve"], reason=d["reason"])

        return self._act(request, DecideSerializer, do)

    @extend_schema(summary="Close the case with an outcome and a note", request=CloseSerializer, responses=ArrearsCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, CloseSerializer, lambda case, d: svc.arrears_case_close(case, actor=request.user, outcome=d["outcome"], note=d["note"]))

    @extend_schema(summary="Open cases by cause and step, and how each cause's cases ended", responses=ArrearsSummarySerializer)
    @action(detail=False, methods=["get"])
    def summary(self, request):
        return Response({**arrears_dashboard(request.user), "outcomes": arrears_outcomes(request.user)})

    @extend_schema(summary="Collection rate (paid / billed) and recovery of prior arrears per estate, building or month", parameters=_REPORT_PARAMS,
                   responses=ReportRowSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="collection-rate", pagination_class=None)
    def collection_rate(self, request):
        rows = collection_rate(request.user, **report_params(request.query_params))
        return Response(ReportRowSerializer(rows, many=True).data)


class ReliefRequestSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()
    plan = serializers.SerializerMethodField()

    class Meta:
        model = ReliefRequest
        fields = ["id", "estate", "unit", "resident", "case", "kind", "reason", "instalments", "status", "decided_at",
                  "decision_reason", "created_at", "files", "plan"]

    def get_files(self, obj) -> list[dict]:
        return [{"id": f.pk, "name": f.name, "content_type": f.content_type, "size": f.size} for f in obj.files.all()]

    def get_plan(self, obj) -> list[dict]:
        return [{"number": i.number, "due_date": i.due_date, "amount": str(i.amount), "paid": str(i.paid), "paid_on": i.paid_on,
                 "missed": i.missed_at is not None} for i in obj.plan.all()]


class ReliefSubmitSerializer(StrictPlainSerializer):
    unit = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReliefRequest.Kind.choices)
    reason = serializers.CharField(max_length=2000)
    instalments = serializers.IntegerField(required=False, min_value=2, max_value=24)
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


@extend_schema_view(list=extend_schema(summary="List relief and instalment requests (staff: their estates; owners: their own)"),
                    retrieve=extend_schema(summary="Read a relief or instalment request"))
@extend_schema(tags=["arrears"])
class ReliefRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = ReliefRequestSerializer

    def get_queryset(self):
        return relief_request_list_for(self.request.user).order_by("-id")

    @extend_schema(summary="Apply for relief or an instalment plan for one's own home (owners)", request=ReliefSubmitSerializer,
                   responses={201: ReliefRequestSerializer})
    def create(self, request):
        if is_staff_member(request.user):
            raise PermissionDenied("Owners apply for relief themselves.")
        body = ReliefSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        unit = get_object_or_404(unit_list_for(request.user), pk=d["unit"])
        with _refusals():
            relief = svc.relief_request_submit(user=request.user, unit=unit, kind=d["kind"], reason=d["reason"],
                                               instalments=d.get("instalments"), files=d.get("files", []))
        return Response(ReliefRequestSerializer(relief).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Approve or decline a request with a reason the owner sees (staff)", request=DecideSerializer,
                   responses=ReliefRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        if not is_staff_member(request.user):
            raise PermissionDenied()
        relief = self.get_object()
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with _refusals():
            svc.relief_request_decide(relief, actor=request.user, approve=body.validated_data["approve"], reason=body.validated_data["reason"])
        return Response(ReliefRequestSerializer(self.get_queryset().get(pk=relief.pk)).data)

"""/api/v1/warning-signals/ and /api/v1/warning-rules/: early-warning signals as on the pages.

Staff only, scoped like incidents (a signal of another estate is a 404). A signal changes only
through its two actions, each calling one service: `dismiss` (a reason is required) and
`promote` (a second promotion answers 200 with the incident the first one opened). The rules
are read here and configured in the admin.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communications.selectors import mention_list_for
from complaints.selectors import complaint_list_for

from ..models import Rule, WarningSignal
from ..selectors import warning_rule_list_for, warning_signal_list_for
from ..services.early_warning import warning_signal_dismiss, warning_signal_promote
from ..similar import similar_cases
from . import serializers as s
from .views import TAG, StaffOnly, _refusals


@extend_schema_view(
    list=extend_schema(summary="List early-warning signals of my estates, newest first", tags=TAG, parameters=[
        OpenApiParameter("status", enum=WarningSignal.Status.values), OpenApiParameter("rule", enum=Rule.values),
        OpenApiParameter("estate", int)]),
    retrieve=extend_schema(summary="One early-warning signal with its evidence and similar past cases", tags=TAG),
)
class WarningSignalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [StaffOnly]
    filter_backends = []

    def get_queryset(self):
        qs = warning_signal_list_for(self.request.user)
        if self.action != "list":
            return qs
        p = self.request.query_params
        if p.get("status") in WarningSignal.Status.values:
            qs = qs.filter(status=p["status"])
        if p.get("rule") in Rule.values:
            qs = qs.filter(rule=p["rule"])
        if (p.get("estate") or "").isdigit():
            qs = qs.filter(estate_id=int(p["estate"]))
        return qs

    def get_serializer_class(self):
        return s.WarningSignalDetailSerializer if self.action == "retrieve" else s.WarningSignalListSerializer

    def retrieve(self, request, pk=None):
        signal = self.get_object()
        user = request.user
        ids = [int(i) for i in signal.evidence.get("complaints", [])]
        complaints = list(complaint_list_for(user).filter(pk__in=ids).select_related("category").order_by("-created_at")[:50])
        mentions = list(mention_list_for(user).filter(pk__in=[int(i) for i in signal.evidence.get("mentions", [])])[:20])
        context = {**self.get_serializer_context(), "complaints": complaints, "mentions": mentions,
                   "similar": similar_cases(user, signal=signal)}
        return Response(s.WarningSignalDetailSerializer(signal, context=context).data)

    def _payload(self, serializer_class):
        payload = serializer_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(summary="Dismiss a signal as needing no incident, with the reason", tags=TAG, request=s.WarningDismissSerializer,
                   responses=s.WarningSignalListSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        signal = self.get_object()
        data = self._payload(s.WarningDismissSerializer)
        with _refusals():
            signal = warning_signal_dismiss(signal, actor=request.user, reason=data["reason"])
        return Response(s.WarningSignalListSerializer(warning_signal_list_for(request.user).get(pk=signal.pk)).data)

    @extend_schema(summary="Promote a signal to a warning-stage incident (once: a second promotion returns the same incident)",
                   tags=TAG, request=s.WarningPromoteSerializer,
                   responses={201: s.WarningPromotedSerializer, 200: s.WarningPromotedSerializer})
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        signal = self.get_object()
        data = self._payload(s.WarningPromoteSerializer)
        with _refusals():
            incident, created = warning_signal_promote(signal, actor=request.user, kind=data.get("kind", ""),
                                                       level=data.get("level", ""), title=data.get("title", ""))
        signal = warning_signal_list_for(request.user).get(pk=signal.pk)
        return Response({"incident": incident.number, "created": created, "signal": s.WarningSignalListSerializer(signal).data},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(summary="The early-warning rules and their thresholds (configured in the admin)", tags=TAG),
    retrieve=extend_schema(summary="One early-warning rule", tags=TAG),
)
class WarningRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.WarningRuleSerializer
    permission_classes = [StaffOnly]
    filter_backends = []

    def get_queryset(self):
        return warning_rule_list_for(self.request.user)

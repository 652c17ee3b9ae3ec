"""/api/v1/announcements/: draft, approve or return, publish, cancel, chase, progress, deliveries and history."""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api.pagination import IdCursorPagination
from core.api.permissions import ReadScopedWriteByRole

from ..models import Acknowledgement, Delivery
from ..selectors import announcement_history, announcement_list_for
from ..services import announcements as svc
from ..services.help_requests import need_help_mark_handled, need_help_row
from . import serializers as s


class StaffOnly(ReadScopedWriteByRole):
    def has_permission(self, request, view):
        from owners.permissions import is_staff_member

        return super().has_permission(request, view) and is_staff_member(request.user)


class DeliveryFilter(django_filters.FilterSet):
    class Meta:
        model = Delivery
        fields = ["status", "channel", "round"]


@extend_schema_view(
    list=extend_schema(summary="List announcements"),
    retrieve=extend_schema(summary="Read an announcement"),
    create=extend_schema(summary="Draft an announcement"),
)
@extend_schema(tags=["announcements"])
class AnnouncementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AnnouncementSerializer
    permission_classes = [StaffOnly]
    filterset_fields = ["status", "kind"]
    search_fields = ["title"]

    def get_queryset(self):
        return announcement_list_for(self.request.user).prefetch_related("estates", "buildings", "units")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        relations = {k: data.pop(k, []) for k in ("estates", "buildings", "units")}
        try:
            serializer.instance = svc.announcement_create(author=self.request.user, **relations, **data)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc))

    def _act(self, do):
        announcement = self.get_object()
        try:
            do(announcement)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc))
        return Response(s.AnnouncementSerializer(self.get_queryset().get(pk=announcement.pk), context=self.get_serializer_context()).data)

    @extend_schema(summary="Ask for approval", request=None, responses=s.AnnouncementSerializer)
    @action(detail=True, methods=["post"], url_path="request-approval", permission_classes=[StaffOnly])
    def request_approval(self, request, pk=None):
        return self._act(lambda a: svc.announcement_request_approval(a, actor=request.user))

    @extend_schema(summary="Approve an announcement", request=None, responses=s.AnnouncementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[StaffOnly])
    def approve(self, request, pk=None):
        """Estate managers of every estate it reaches (or a company administrator)."""
        return self._act(lambda a: svc.announcement_approve(a, actor=request.user))

    @extend_schema(summary="Send back to the writer with a note", request=s.ReturnSerializer, responses=s.AnnouncementSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return", permission_classes=[StaffOnly])
    def send_back(self, request, pk=None):
        """An approver sends an announcement waiting for approval back to draft, saying what to change."""
        payload = s.ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._act(lambda a: svc.announcement_return(a, actor=request.user, note=payload.validated_data["note"]))

    @extend_schema(summary="Send now or at its scheduled time", request=None, responses=s.AnnouncementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[StaffOnly])
    def publish(self, request, pk=None):
        """Send now, or schedule when `scheduled_at` is in the future."""
        return self._act(lambda a: svc.announcement_publish(a, actor=request.user))

    @extend_schema(summary="Cancel the rest of a send", request=None, responses=s.AnnouncementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[StaffOnly])
    def cancel(self, request, pk=None):
        """Stop the rest of a send; queued messages are not sent."""
        return self._act(lambda a: svc.announcement_cancel(a, actor=request.user))

    @extend_schema(summary="Send again to those who have not answered", request=s.ChaseSerializer, responses=s.AnnouncementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[StaffOnly])
    def chase(self, request, pk=None):
        """Send again by SMS to everyone who has not acknowledged. Once per decision: a repeat
        (the same `round`, or within five minutes of the last chase) is a 400 and sends nothing."""
        payload = s.ChaseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._act(lambda a: svc.announcement_resend_unacknowledged(a, actor=request.user,
                                                                          expected_round=payload.validated_data.get("round")))

    @extend_schema(summary="Delivery progress, answers and who needs help", responses=s.ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Counts of the send by status, acknowledgements by answer, and who needs help."""
        return Response(s.ProgressSerializer(svc.announcement_progress(self.get_object())).data)

    @extend_schema(summary="Mark an “I need help” answer handled", request=s.NeedHelpHandledSerializer,
                   responses=s.NeedHelpSerializer)
    @action(detail=True, methods=["post"], url_path="need-help-handled", permission_classes=[StaffOnly])
    def need_help_handled(self, request, pk=None):
        """Staff of the resident's estate who have called them mark an "I need help" answer
        handled, saying what was done; it then leaves the dashboard's list and the history records
        who and when. Once per answer (a second time is a 400)."""
        announcement = self.get_object()
        payload = s.NeedHelpHandledSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ack = get_object_or_404(Acknowledgement, announcement=announcement, answer=Acknowledgement.Answer.NEED_HELP,
                                pk=payload.validated_data["answer"])
        try:
            ack = need_help_mark_handled(ack, actor=request.user, note=payload.validated_data["note"])
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc))
        return Response(s.NeedHelpSerializer(need_help_row(ack, announcement)).data)

    @extend_schema(summary="History of an announcement", responses=s.AnnouncementEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None, format=None):
        """The history, newest first (at most 200 entries): who drafted, asked for approval, returned
        (with the note), approved, scheduled, sent, cancelled or chased it, and when."""
        return Response(s.AnnouncementEventSerializer(announcement_history(self.get_object()), many=True).data)

    @extend_schema(summary="Messages of a send, one per resident and channel", responses=s.DeliverySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request, pk=None):
        announcement = self.get_object()
        queryset = DeliveryFilter(request.query_params, queryset=Delivery.objects.filter(announcement=announcement)).qs
        paginator = IdCursorPagination()
        paginator.page_size = 100
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(s.DeliverySerializer(page, many=True).data)

"""/api/v1/statements/, /media-mentions/, /media-inquiries/, /stakeholders/ — scoped like the rest.

A monitoring tool posts mentions to /api/v1/media-mentions/ with a token of a staff account
whose role may add them (e.g. a company-wide spokesperson service account).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors
from ..services import media as svc
from .serializers import (
    AnswerSerializer,
    ContactSerializer,
    DeclineSerializer,
    InquiryEventSerializer,
    InquirySerializer,
    MentionSerializer,
    PublishSerializer,
    ReviewSerializer,
    StakeholderSerializer,
    StatementEventSerializer,
    StatementSerializer,
    VersionSerializer,
)
from .views import StaffOnly


@extend_schema_view(
    list=extend_schema(summary="List statements"),
    retrieve=extend_schema(summary="Read a statement"),
    create=extend_schema(summary="Draft a statement"),
)
@extend_schema(tags=["statements"])
class StatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = StatementSerializer
    permission_classes = [StaffOnly]
    filterset_fields = ["status", "estate", "thread"]

    def get_queryset(self):
        return selectors.statement_list_for(self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = svc.statement_create(author=self.request.user, title=data["title"], body=data["body"],
                                                   estate=data.get("estate"))

    def _act(self, do, payload_class=None):
        statement = self.get_object()
        data = {}
        if payload_class is not None:
            payload = payload_class(data=self.request.data)
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
        result = do(statement, data)
        return Response(StatementSerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(summary="Send a draft for review", request=None, responses=StatementSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → in review."""
        return self._act(lambda s, d: svc.statement_submit(s, actor=request.user))

    @extend_schema(summary="Approve a statement or send it back", request=ReviewSerializer, responses=StatementSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """A manager approves, or sends it back to draft with a note."""
        return self._act(lambda s, d: svc.statement_review(s, actor=request.user, approve=d["approve"], note=d.get("note", "")),
                         ReviewSerializer)

    @extend_schema(summary="Publish an approved statement", request=PublishSerializer, responses=StatementSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Only an approved statement can be published; the previous version becomes superseded."""
        return self._act(lambda s, d: svc.statement_publish(s, actor=request.user, announce=d.get("announce", False), **(
            svc.statement_audience_by_ids(s, audience=d["audience"], building_ids=d.get("buildings", []), unit_ids=d.get("units", []),
                                          saved_audience_id=d.get("saved_audience")) if d.get("announce") else {})),
                         PublishSerializer)

    @extend_schema(summary="History of a statement and its versions", responses=StatementEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None, format=None):
        """The history of the statement's thread, every version, newest first (at most 200 entries):
        who drafted, submitted, returned (with the reviewer's note), approved, published each version, and when."""
        return Response(StatementEventSerializer(selectors.statement_history(self.get_object()), many=True).data)

    @extend_schema(summary="Start the next version", request=VersionSerializer, responses=StatementSerializer)
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        """Start the next version of a statement (a new draft on the same thread)."""
        return self._act(lambda s, d: svc.statement_new_version(s, actor=request.user, body=d["body"], title=d.get("title", "")),
                         VersionSerializer)


class _RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                     viewsets.GenericViewSet):
    """Create and update go through the record's services: the same scope rule as the pages
    (an estate-scoped writer writes their estates' rows only; company-wide rows company-wide staff)."""

    permission_classes = [StaffOnly]
    create_with = update_with = None  # the services, set by each subclass

    def perform_create(self, serializer):
        serializer.instance = type(self).create_with(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = type(self).update_with(serializer.instance, actor=self.request.user, **serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="List media mentions"),
    retrieve=extend_schema(summary="Read a media mention"),
    create=extend_schema(summary="Record a media mention"),
    update=extend_schema(summary="Replace a media mention"),
    partial_update=extend_schema(summary="Change some of a media mention"),
)
@extend_schema(tags=["media"])
class MentionViewSet(_RecordViewSet):
    serializer_class = MentionSerializer
    filterset_fields = ["source", "sentiment", "estate"]
    search_fields = ["excerpt"]
    create_with, update_with = staticmethod(svc.mention_record), staticmethod(svc.mention_update)

    def get_queryset(self):
        return selectors.mention_list_for(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List journalists' inquiries"),
    retrieve=extend_schema(summary="Read an inquiry"),
    create=extend_schema(summary="Record an inquiry"),
    update=extend_schema(summary="Replace an inquiry's details"),
    partial_update=extend_schema(summary="Change some of an inquiry's details"),
)
@extend_schema(tags=["media"])
class InquiryViewSet(_RecordViewSet):
    serializer_class = InquirySerializer
    filterset_fields = ["status", "estate", "assigned_to"]
    create_with, update_with = staticmethod(svc.inquiry_record), staticmethod(svc.inquiry_update)

    def get_queryset(self):
        return selectors.inquiry_list_for(self.request.user)

    @extend_schema(summary="Answer an inquiry", request=AnswerSerializer, responses=InquirySerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Record the approved line given to the journalist."""
        inquiry = self.get_object()
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = svc.inquiry_answer(inquiry, actor=request.user, answer=payload.validated_data["answer"])
        return Response(InquirySerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(summary="History of an inquiry", responses=InquiryEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None, format=None):
        """The history, newest first: received, assigned (to whom), answered or declined (with the text), by whom and when."""
        return Response(InquiryEventSerializer(selectors.inquiry_history(self.get_object()), many=True).data)

    @extend_schema(summary="Decline to comment", request=DeclineSerializer, responses=InquirySerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline to comment, saying why; the inquiry is closed like an answered one."""
        inquiry = self.get_object()
        payload = DeclineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = svc.inquiry_decline(inquiry, actor=request.user, reason=payload.validated_data["reason"])
        return Response(InquirySerializer(result, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="List stakeholders"),
    retrieve=extend_schema(summary="Read a stakeholder"),
    create=extend_schema(summary="Add a stakeholder"),
    update=extend_schema(summary="Replace a stakeholder's details"),
    partial_update=extend_schema(summary="Change some of a stakeholder's details"),
)
@extend_schema(tags=["stakeholders"])
class StakeholderViewSet(_RecordViewSet):
    serializer_class = StakeholderSerializer
    filterset_fields = ["kind", "estate"]
    search_fields = ["name", "organisation"]
    create_with, update_with = staticmethod(svc.stakeholder_add), staticmethod(svc.stakeholder_update)

    def get_queryset(self):
        return selectors.stakeholder_list_for(self.request.user)

    @extend_schema(methods=["get"], summary="Contact log of a stakeholder", responses=ContactSerializer(many=True))
    @extend_schema(methods=["post"], summary="Log a contact with a stakeholder", request=ContactSerializer,
                   responses={201: ContactSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def contacts(self, request, pk=None):
        """The contact log: who, when, how, what was agreed (GET: the latest 200, newest first)."""
        stakeholder = self.get_object()
        if request.method == "GET":
            return Response(ContactSerializer(stakeholder.contacts.all()[:200], many=True).data)
        payload = ContactSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        entry = svc.contact_log_add(stakeholder=stakeholder, actor=request.user, summary=data["summary"],
                                    channel=data.get("channel", "phone"), agreed=data.get("agreed", ""))
        return Response(ContactSerializer(entry).data, status=201)

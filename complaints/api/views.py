"""/api/v1/complaints/: the same rules as the pages. Status changes only through explicit actions."""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from owners.models import User
from owners.permissions import is_staff_member
from owners.selectors import resident_list_for

from .. import services
from ..filters import ComplaintQueueFilter
from ..limits import complaint_message_limited, complaint_submit_limited
from ..models import Complaint, Priority
from ..models.complaints import Channel
from ..permissions import complaint_can_log, resident_of
from ..selectors import complaint_queue_queryset
from . import serializers as s

_FILTERS = [
    OpenApiParameter("status", description="A status, 'open' for every open one (staff's default) or 'all'."),
    OpenApiParameter("category", int), OpenApiParameter("estate", int), OpenApiParameter("building", int),
    OpenApiParameter("assignee", description="A user id, 'me' or 'none'."),
    OpenApiParameter("priority", enum=Priority.values, description="Only tickets of this priority."),
    OpenApiParameter("overdue", bool, description="true: only tickets past the deadline that matters now."),
    OpenApiParameter("q", description="Ticket number, owner name or mobile, or words in the description."),
    OpenApiParameter("order", enum=["due", "new"], description="due: the nearest deadline first (the default); new: newest first."),
]


@contextmanager
def _refusals():
    """A service's PermissionDenied answers 403 with its reason (DRF's handler would drop it)."""
    try:
        yield
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from exc


@extend_schema_view(retrieve=extend_schema(summary="Read a complaint ticket and its timeline"))
@extend_schema(tags=["complaints"])
class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "number"
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends = []  # the queue filters below are the selector's, shared with the staff page

    def _owner(self):
        return not is_staff_member(self.request.user)

    def get_queryset(self):
        # A list is the queue (open tickets by default, as on the page); a ticket by number is
        # found in any status.
        return complaint_queue_queryset(self.request.user, self.request.query_params, open_by_default=self.action == "list")

    @property
    def paginator(self):
        paginator = super().paginator
        if paginator is not None:  # the cursor follows the queue's own order
            paginator.ordering = ComplaintQueueFilter(self.request.query_params, user=self.request.user).ordering
        return paginator

    def get_serializer_class(self):
        return s.ComplaintDetailSerializer if self.action == "retrieve" else s.ComplaintListSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "for_owner": self._owner()}

    @extend_schema(summary="List complaint tickets (the queue, or an owner's own)", parameters=_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _detail(self, complaint, code=status.HTTP_200_OK):
        complaint = self.get_queryset().get(pk=complaint.pk)
        return Response(s.ComplaintDetailSerializer(complaint, context=self.get_serializer_context()).data, status=code)

    @extend_schema(summary="Submit a complaint, or log one for an owner",
                   request={"multipart/form-data": s.ComplaintCreateSerializer, "application/json": s.ComplaintCreateSerializer},
                   responses={201: s.ComplaintDetailSerializer})
    def create(self, request):
        """Submit a complaint (owners) or log one on an owner's behalf (staff)."""
        if complaint_submit_limited(request):
            raise Throttled()
        payload = s.ComplaintCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        fields = {"category": data["category"], "description": data.get("description", ""), "location": data.get("location", ""),
                  "preferred_visit": data.get("preferred_visit", ""),
                  "photos": request.FILES.getlist("photos"), **{k: data[k] for k in ("unit", "estate") if k in data}}
        with _refusals():
            if self._owner():
                complaint = services.complaint_submit(resident=self._submitter(data), **fields)
            else:
                if not complaint_can_log(request.user):  # before the lookup: a role that may not log learns nothing
                    raise PermissionDenied(_("Your role may not log complaints."))
                if "resident" not in data:
                    raise ValidationError({"resident": _("Say which owner complained.")})
                complaint = services.complaint_log_for_owner(
                    actor=request.user, resident=get_object_or_404(resident_list_for(request.user), pk=data["resident"]),
                    channel=data.get("channel", Channel.PHONE), priority=data.get("priority", Priority.NORMAL), **fields,
                )
        return self._detail(complaint, status.HTTP_201_CREATED)

    def _submitter(self, data):
        """The owner submitting for themselves; the staff-only fields are refused, not ignored."""
        resident = resident_of(self.request.user)
        if resident is None:
            raise PermissionDenied(_("Only owners and staff can submit complaints."))
        if {"resident", "channel", "priority"} & set(data):
            raise ValidationError({"resident": _("Owners submit complaints for themselves.")})
        return resident

    def _act(self, request, serializer_class, do):
        complaint = self.get_object()
        payload = serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        with _refusals():
            result = do(complaint, payload.validated_data)
        return self._detail(result if isinstance(result, Complaint) else complaint)

    @extend_schema(summary="Move a ticket to its next status", request=s.TransitionSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, number=None):
        """Move the ticket. Staff: acknowledge, start, resolve (text = summary), close, reject (text = reason),
        reopen. Owners: accept (a resolved ticket), reopen (a resolved one, or one closed within the last
        7 days) or withdraw (one still submitted, not yet taken up; text = optional reason); `allowed_actions`
        on the ticket lists what the caller may do now."""
        return self._act(request, s.TransitionSerializer, lambda c, d: services.complaint_transition(
            c, d["action"], actor=request.user, text=d.get("text", ""), owner=self._owner()))

    @extend_schema(summary="Assign a ticket to a staff member", request=s.AssignSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, number=None):
        def do(complaint, data):
            assignee = User.objects.filter(pk=data["assignee"], is_active=True).first()
            if assignee is None:
                raise ValidationError({"assignee": _("No such staff member.")})
            return services.complaint_assign(complaint, assignee=assignee, actor=request.user)
        return self._act(request, s.AssignSerializer, do)

    @extend_schema(summary="Set a ticket's category and priority", request=s.TriageSerializer,
                   responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request, number=None):
        return self._act(request, s.TriageSerializer, lambda c, d: services.complaint_triage(c, actor=request.user, **d))

    @extend_schema(summary="Reply to the owner", request=s.TextSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def replies(self, request, number=None):
        """A reply the owner sees."""
        return self._act(request, s.TextSerializer, lambda c, d: services.complaint_reply(c, actor=request.user, text=d["text"]))

    @extend_schema(summary="Add an internal note", request=s.TextSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request, number=None):
        """An internal note; never shown to the owner."""
        return self._act(request, s.TextSerializer, lambda c, d: services.complaint_note(c, actor=request.user, text=d["text"]))

    @extend_schema(summary="Add information or photos to an open ticket (owners)",
                   request={"multipart/form-data": s.OwnerMessageSerializer, "application/json": s.OwnerMessageSerializer},
                   responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def messages(self, request, number=None):
        """Owners: add information, and photos, to an open ticket."""
        if complaint_message_limited(request, self.get_object()):
            raise Throttled()
        return self._act(request, s.OwnerMessageSerializer, lambda c, d: services.complaint_owner_message(
            c, user=request.user, text=d["text"], photos=d.get("photos", [])))

    @extend_schema(summary="Rate a resolved ticket (owners)", request=s.RateSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, number=None):
        """Owners: rate a resolved ticket; 1–2 stars or solved=false reopens it."""
        return self._act(request, s.RateSerializer, lambda c, d: services.complaint_rate(
            c, user=request.user, rating=d["rating"], comment=d.get("comment", ""), solved=d["solved"]))

    @extend_schema(summary="Record the follow-up call or visit", request=s.FollowUpSerializer,
                   responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, number=None):
        return self._act(request, s.FollowUpSerializer, lambda c, d: services.follow_up_record(c, actor=request.user, **d) and c)

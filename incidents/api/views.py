"""/api/v1/incidents/, /api/v1/emergency-plans/, /api/v1/drills/: the same rules as the pages.

Staff only, scoped like complaints (a foreign incident is a 404). Stages change only through the
`transition` action; every other change is an explicit action calling one service. A refused move
answers 400 with the guard's code (level_missing, commander_missing, statement_not_approved,
tasks_open, review_not_approved, illegal_transition) and the reason in words.
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from communications.selectors import mention_list_for
from complaints.selectors import complaint_list_for
from owners.models import Building, Estate, Resident, Unit, User
from owners.permissions import ALL, estate_ids_with_perm, is_staff_member, staff_estate_ids

from .. import services
from ..lifecycle import incident_statements
from ..models import Drill, EmergencyPlan, Incident, IncidentCertificate, Stage, Task
from ..permissions import VIEW
from . import serializers as s

TAG = ["incidents"]


@contextmanager
def _refusals():
    """A service's PermissionDenied answers 403 with its reason (DRF's handler would drop it)."""
    try:
        yield
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from exc


class StaffOnly(permissions.IsAuthenticated):
    message = _("Incidents are for staff.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and is_staff_member(request.user)


def incidents_visible(user):
    scope = estate_ids_with_perm(user, VIEW)
    qs = Incident.objects.select_related("estate")
    return qs if scope is ALL else qs.filter(estate_id__in=scope or [])


def _staff(pk):
    return User.objects.filter(pk=pk, is_active=True, kind=User.Kind.STAFF).first() if pk is not None else None


@extend_schema_view(
    list=extend_schema(summary="List incidents", tags=TAG, parameters=[
        OpenApiParameter("stage", enum=Stage.values), OpenApiParameter("open", bool), OpenApiParameter("estate", int),
        OpenApiParameter("kind"), OpenApiParameter("level"),
        OpenApiParameter("q", description="Incident number (or part of it) or words in the title.")]),
    retrieve=extend_schema(summary="One incident with its team, linked complaints and allowed moves", tags=TAG),
)
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "number"
    permission_classes = [StaffOnly]
    filter_backends = []

    def get_queryset(self):
        qs = incidents_visible(self.request.user)
        if self.action != "list":
            return qs
        p = self.request.query_params
        if p.get("stage") in Stage.values:
            qs = qs.filter(stage=p["stage"])
        if p.get("open") in ("true", "1"):
            qs = qs.filter(stage__in=[Stage.WARNING, Stage.RESPONSE, Stage.DISCLOSURE, Stage.REVIEW])
        elif p.get("open") in ("false", "0"):
            qs = qs.filter(stage__in=[Stage.CLOSED, Stage.DISMISSED])
        if (p.get("estate") or "").isdigit():
            qs = qs.filter(estate_id=int(p["estate"]))
        if p.get("kind"):
            qs = qs.filter(kind=p["kind"])
        if p.get("level"):
            qs = qs.filter(level=p["level"])
        if p.get("q", "").strip():
            q = p["q"].strip()[:100]
            qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
        return qs

    def get_serializer_class(self):
        return s.IncidentDetailSerializer if self.action == "retrieve" else s.IncidentListSerializer

    def _detail(self, incident, code=status.HTTP_200_OK):
        incident = incidents_visible(self.request.user).get(pk=incident.pk)
        return Response(s.IncidentDetailSerializer(incident, context=self.get_serializer_context()).data, status=code)

    def _payload(self, serializer_class):
        payload = serializer_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    def _places(self, estate, data):
        buildings = list(Building.objects.filter(pk__in=data.get("buildings", []), estate=estate))
        units = list(Unit.objects.filter(pk__in=data.get("units", []), building__estate=estate))
        if len(buildings) != len(set(data.get("buildings", []))) or len(units) != len(set(data.get("units", []))):
            raise ValidationError({"buildings": _("Choose buildings and units of the incident's estate.")})
        return buildings, units

    @extend_schema(summary="Raise an incident (warning stage)", tags=TAG, request=s.IncidentCreateSerializer,
                   responses={201: s.IncidentDetailSerializer})
    def create(self, request):
        data = self._payload(s.IncidentCreateSerializer)
        scope = staff_estate_ids(request.user)
        if scope is not ALL and data["estate"] not in scope:
            raise PermissionDenied()
        estate = get_object_or_404(Estate, pk=data["estate"])
        buildings, units = self._places(estate, data)
        with _refusals():
            incident = services.incident_open(
                actor=request.user, estate=estate, kind=data["kind"], title=data["title"], description=data.get("description", ""),
                level=data.get("level", ""), location=data.get("location", ""), buildings=buildings, units=units)
        return self._detail(incident, status.HTTP_201_CREATED)

    @extend_schema(summary="Change an incident's type, level, title, text, place or owner guidance", tags=TAG,
                   request=s.IncidentUpdateSerializer, responses=s.IncidentDetailSerializer)
    def partial_update(self, request, number=None):
        incident = self.get_object()
        data = dict(self._payload(s.IncidentUpdateSerializer))
        places = {}
        if "buildings" in data or "units" in data:
            buildings, units = self._places(incident.estate, data)
            places = {"buildings": buildings if "buildings" in data else None, "units": units if "units" in data else None}
        data.pop("buildings", None)
        data.pop("units", None)
        with _refusals():
            incident = services.incident_update(incident, actor=request.user, **data, **places)
        return self._detail(incident)

    @extend_schema(summary="Escalate complaints into an incident (or link them to the one they belong to)", tags=TAG,
                   request=s.IncidentEscalateSerializer, responses={201: s.IncidentDetailSerializer, 200: s.IncidentDetailSerializer})
    @action(detail=False, methods=["post"])
    def escalate(self, request):
        data = self._payload(s.IncidentEscalateSerializer)
        complaints = list(complaint_list_for(request.user).filter(number__in=data["complaints"]))
        if len(complaints) != len(set(data["complaints"])):
            raise ValidationError({"complaints": _("No such complaint among yours: check the ticket numbers.")})
        with _refusals():
            incident, created = services.incident_escalate_from_complaints(
                complaints, actor=request.user, kind=data.get("kind", "other"), level=data.get("level", ""),
                title=data.get("title", ""))
        return self._detail(incident, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Raise an incident from a media mention (once per mention)", tags=TAG,
                   request=s.IncidentPromoteSerializer, responses={201: s.IncidentDetailSerializer, 200: s.IncidentDetailSerializer})
    @action(detail=False, methods=["post"], url_path="promote-mention")
    def promote_mention(self, request):
        data = self._payload(s.IncidentPromoteSerializer)
        mention = get_object_or_404(mention_list_for(request.user), pk=data["mention"])
        with _refusals():
            incident, created = services.incident_promote_mention(mention, actor=request.user, kind=data.get("kind", "media"),
                                                                  level=data.get("level", ""), title=data.get("title", ""))
        return self._detail(incident, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Move the incident to its next stage", tags=TAG, request=s.IncidentTransitionSerializer,
                   responses=s.IncidentDetailSerializer,
                   description="respond (needs a level and a commander), dismiss (a warning; reason required), disclose "
                               "(needs an approved statement), review (needs every task done or carried over), reactivate "
                               "(review → response; reason required), close (needs an approved review). A refusal is a 400 "
                               "whose `code` names the guard.")
    @action(detail=True, methods=["post"])
    def transition(self, request, number=None):
        incident = self.get_object()
        data = self._payload(s.IncidentTransitionSerializer)
        with _refusals():
            incident = services.incident_transition(incident, data["action"], actor=request.user, reason=data.get("reason", ""))
        return self._detail(incident)

    @extend_schema(summary="Name (or clear) a crisis team role", tags=TAG, request=s.IncidentTeamAssignSerializer,
                   responses=s.IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def team(self, request, number=None):
        incident = self.get_object()
        data = self._payload(s.IncidentTeamAssignSerializer)
        user = _staff(data["user"])
        if data["user"] is not None and user is None:
            raise ValidationError({"user": _("Choose a staff member who works for this estate.")})
        with _refusals():
            services.incident_team_assign(incident, actor=request.user, role=data["role"], user=user)
        return self._detail(incident)

    @extend_schema(methods=["GET"], summary="The incident's tasks", tags=TAG, responses=s.IncidentTaskSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Add a task", tags=TAG, request=s.IncidentTaskCreateSerializer,
                   responses={201: s.IncidentTaskSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def tasks(self, request, number=None):
        incident = self.get_object()
        if request.method == "GET":
            return Response(s.IncidentTaskSerializer(incident.tasks.select_related("assignee"), many=True).data)
        data = self._payload(s.IncidentTaskCreateSerializer)
        with _refusals():
            task = services.incident_task_add(incident, actor=request.user, title=data["title"], role=data.get("role", ""),
                                              assignee=_staff(data.get("assignee")), due_at=data.get("due_at"))
        return Response(s.IncidentTaskSerializer(task).data, status=status.HTTP_201_CREATED)

    def _task(self, incident, task_id):
        return get_object_or_404(Task.objects.select_related("incident"), pk=task_id, incident=incident)

    @extend_schema(summary="Mark a task done", tags=TAG, request=s.IncidentNoteSerializer, responses=s.IncidentTaskSerializer)
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/complete")
    def task_complete(self, request, number=None, task_id=None):
        task = self._task(self.get_object(), task_id)
        data = self._payload(s.IncidentNoteSerializer)
        with _refusals():
            task = services.incident_task_complete(task, actor=request.user, note=data.get("note", ""))
        return Response(s.IncidentTaskSerializer(task).data)

    @extend_schema(summary="Carry a task over beyond the incident, with a note", tags=TAG, request=s.IncidentNoteSerializer,
                   responses=s.IncidentTaskSerializer)
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/carry-over")
    def task_carry_over(self, request, number=None, task_id=None):
        task = self._task(self.get_object(), task_id)
        data = self._payload(s.IncidentNoteSerializer)
        with _refusals():
            task = services.incident_task_carry_over(task, actor=request.user, note=data.get("note", ""))
        return Response(s.IncidentTaskSerializer(task).data)

    @extend_schema(summary="Give a task to someone else", tags=TAG, request=s.IncidentAssigneeSerializer, responses=s.IncidentTaskSerializer)
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/assign")
    def task_assign(self, request, number=None, task_id=None):
        task = self._task(self.get_object(), task_id)
        data = self._payload(s.IncidentAssigneeSerializer)
        assignee = _staff(data["assignee"])
        if assignee is None:
            raise ValidationError({"assignee": _("Choose a staff member who works for this estate.")})
        with _refusals():
            task = services.incident_task_assign(task, actor=request.user, assignee=assignee)
        return Response(s.IncidentTaskSerializer(task).data)

    @extend_schema(summary="The timeline, newest first", tags=TAG, responses=s.IncidentEventSerializer(many=True),
                   parameters=[OpenApiParameter("limit", int, description="At most this many entries (default 200, at most 1000).")])
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, number=None):
        incident = self.get_object()
        raw = request.query_params.get("limit", "200")
        limit = min(max(int(raw), 1), 1000) if raw.isdigit() else 200
        return Response(s.IncidentEventSerializer(incident.events.select_related("actor")[:limit], many=True).data)

    @extend_schema(summary="Write on the timeline", tags=TAG, request=s.IncidentLogSerializer, responses={201: s.IncidentEventSerializer})
    @action(detail=True, methods=["post"])
    def log(self, request, number=None):
        incident = self.get_object()
        data = self._payload(s.IncidentLogSerializer)
        with _refusals():
            entry = services.incident_log(incident, actor=request.user, body=data["body"])
        return Response(s.IncidentEventSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Link one more complaint of the estate", tags=TAG, request=s.IncidentLinkComplaintSerializer,
                   responses=s.IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def complaints(self, request, number=None):
        incident = self.get_object()
        data = self._payload(s.IncidentLinkComplaintSerializer)
        complaint = get_object_or_404(complaint_list_for(request.user), number=data["complaint"])
        with _refusals():
            services.incident_complaint_link(incident, complaint, actor=request.user)
        return self._detail(incident)

    @extend_schema(methods=["GET"], summary="Statements about this incident (every version)", tags=TAG)
    @extend_schema(methods=["POST"], summary="Draft a statement about this incident", tags=TAG,
                   request=s.IncidentStatementDraftSerializer)
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def statements(self, request, number=None):
        from communications.api.serializers import StatementSerializer

        incident = self.get_object()
        if request.method == "GET":
            return Response(StatementSerializer(incident_statements(incident).order_by("thread", "version"), many=True).data)
        data = self._payload(s.IncidentStatementDraftSerializer)
        with _refusals():
            statement = services.incident_statement_draft(incident, actor=request.user, title=data["title"], body=data["body"])
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Publish an approved statement of this incident (and, if asked, notify the affected owners)",
                   tags=TAG, request=s.IncidentPublishSerializer, responses=s.IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, number=None):
        incident = self.get_object()
        data = self._payload(s.IncidentPublishSerializer)
        statement = get_object_or_404(incident_statements(incident), pk=data["statement"])
        with _refusals():
            services.incident_publish_statement(incident, statement, actor=request.user, announce=data["announce"])
        return self._detail(incident)

    @extend_schema(summary="Send an emergency notice to the affected owners (crisis-related: needs approval)", tags=TAG,
                   request=s.IncidentNoticeSerializer, responses={201: s.IncidentDetailSerializer})
    @action(detail=True, methods=["post"])
    def notices(self, request, number=None):
        incident = self.get_object()
        data = self._payload(s.IncidentNoticeSerializer)
        with _refusals():
            services.incident_notice_send(incident, actor=request.user, title=data["title"], body=data["body"],
                                          sms_text=data.get("sms_text", ""), channels=sorted(data.get("channels") or ["portal", "sms"]),
                                          ack_required=data["ack_required"])
        return self._detail(incident, status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="The review", tags=TAG, responses=s.IncidentReviewSerializer)
    @extend_schema(methods=["PUT"], summary="Write the review (back to draft if it was submitted)", tags=TAG,
                   request=s.IncidentReviewWriteSerializer, responses=s.IncidentReviewSerializer)
    @action(detail=True, methods=["get", "put"])
    def review(self, request, number=None):
        incident = self.get_object()
        if request.method == "GET":
            review = getattr(incident, "review", None)
            return Response(s.IncidentReviewSerializer(review).data if review else {})
        data = self._payload(s.IncidentReviewWriteSerializer)
        with _refusals():
            review = services.incident_review_save(incident, actor=request.user, **data)
        return Response(s.IncidentReviewSerializer(review).data)

    @extend_schema(summary="Submit the review for approval", tags=TAG, request=None, responses=s.IncidentReviewSerializer)
    @action(detail=True, methods=["post"], url_path="review/submit")
    def review_submit(self, request, number=None):
        with _refusals():
            review = services.incident_review_submit(self.get_object(), actor=request.user)
        return Response(s.IncidentReviewSerializer(review).data)

    @extend_schema(summary="Approve the review, or return it with a note (estate managers)", tags=TAG,
                   request=s.IncidentDecideSerializer, responses=s.IncidentReviewSerializer)
    @action(detail=True, methods=["post"], url_path="review/decide")
    def review_decide(self, request, number=None):
        incident = self.get_object()
        data = self._payload(s.IncidentDecideSerializer)
        with _refusals():
            review = services.incident_review_decide(incident, actor=request.user, approve=data["approve"], note=data.get("note", ""))
        return Response(s.IncidentReviewSerializer(review).data)

    @extend_schema(methods=["GET"], summary="Improvement actions from the review", tags=TAG,
                   responses=s.IncidentImprovementSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Add an improvement action", tags=TAG, request=s.IncidentImprovementCreateSerializer,
                   responses={201: s.IncidentImprovementSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def improvements(self, request, number=None):
        incident = self.get_object()
        if request.method == "GET":
            return Response(s.IncidentImprovementSerializer(incident.improvements.all(), many=True).data)
        data = self._payload(s.IncidentImprovementCreateSerializer)
        with _refusals():
            improvement = services.improvement_add(incident=incident, actor=request.user, title=data["title"],
                                                   owner=_staff(data["owner"]), due_on=data["due_on"], updates_plan=data["updates_plan"])
        return Response(s.IncidentImprovementSerializer(improvement).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="Certificates issued from this incident", tags=TAG,
                   responses=s.IncidentCertificateSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Issue an incident certificate to an owner of the estate", tags=TAG,
                   request=s.IncidentCertificateCreateSerializer, responses={201: s.IncidentCertificateSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def certificates(self, request, number=None):
        incident = self.get_object()
        if request.method == "GET":
            return Response(s.IncidentCertificateSerializer(IncidentCertificate.objects.filter(incident=incident).select_related("resident", "unit"),
                                                    many=True).data)
        data = self._payload(s.IncidentCertificateCreateSerializer)
        resident = Resident.objects.filter(pk=data["resident"]).first()
        unit = Unit.objects.filter(pk=data["unit"]).first() if data.get("unit") else None
        if resident is None:
            raise ValidationError({"resident": _("Choose an owner of this estate.")})
        with _refusals():
            certificate = services.certificate_issue(incident, actor=request.user, resident=resident, unit=unit,
                                                     purpose=data["purpose"], particulars=data["particulars"],
                                                     office_actions=data["office_actions"])
        return Response(s.IncidentCertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)


def plans_visible(user):
    scope = estate_ids_with_perm(user, "incidents.view_emergencyplan")
    qs = EmergencyPlan.objects.prefetch_related("steps")
    if scope is ALL:
        return qs
    return qs.filter(Q(estate__isnull=True) | Q(estate_id__in=scope or [])) if scope else qs.none()


@extend_schema_view(
    list=extend_schema(summary="Emergency plans: company-wide and my estates' own", tags=TAG),
    retrieve=extend_schema(summary="One emergency plan with its steps", tags=TAG),
)
class EmergencyPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Plans are edited in the admin and on the plans page; the API reads them."""

    serializer_class = s.IncidentPlanSerializer
    permission_classes = [StaffOnly]
    filter_backends = []

    def get_queryset(self):
        return plans_visible(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Drills of my estates", tags=TAG),
    retrieve=extend_schema(summary="One drill", tags=TAG),
)
class DrillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.IncidentDrillSerializer
    permission_classes = [StaffOnly]
    filter_backends = []

    def get_queryset(self):
        scope = estate_ids_with_perm(self.request.user, "incidents.view_drill")
        qs = Drill.objects.all()
        return qs if scope is ALL else qs.filter(estate_id__in=scope or [])

    @extend_schema(summary="Record a drill held against a plan", tags=TAG, request=s.IncidentDrillCreateSerializer,
                   responses={201: s.IncidentDrillSerializer})
    def create(self, request):
        payload = s.IncidentDrillCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        plan = get_object_or_404(plans_visible(request.user), pk=data["plan"])
        scope = staff_estate_ids(request.user)
        if scope is not ALL and data["estate"] not in scope:
            raise PermissionDenied()
        estate = get_object_or_404(Estate, pk=data["estate"])
        with _refusals():
            drill = services.drill_record(actor=request.user, plan=plan, estate=estate, held_on=data["held_on"],
                                          scenario=data["scenario"], participants=data["participants"],
                                          findings=data.get("findings", ""))
        return Response(s.IncidentDrillSerializer(drill).data, status=status.HTTP_201_CREATED)

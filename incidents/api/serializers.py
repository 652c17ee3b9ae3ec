"""What the incidents API reads and writes. Writes are plain payloads handed to the services;
nothing here sets a stage or a status."""

from django.utils import timezone
from rest_framework import serializers

from core.api.strict import StrictPlainSerializer

from ..lifecycle import TRANSITIONS
from ..models import (
    Drill,
    EmergencyPlan,
    ImprovementAction,
    Incident,
    IncidentCertificate,
    IncidentEvent,
    IncidentReview,
    Kind,
    Level,
    PlanStep,
    Task,
    TeamMember,
    TeamRole,
)


def _who(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


class IncidentListSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    disclosure_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "number", "estate", "estate_name", "kind", "kind_display", "level", "level_display", "stage",
                  "stage_display", "title", "location", "source", "opened_at", "response_at", "disclosure_due_at",
                  "first_statement_at", "disclosure_overdue", "closed_at"]

    def get_disclosure_overdue(self, obj) -> bool:
        return bool(obj.disclosure_due_at and obj.first_statement_at is None and obj.is_open
                    and obj.disclosure_due_at < timezone.now())


class IncidentTeamMemberSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = TeamMember
        fields = ["role", "role_display", "user", "name", "assigned_at"]

    def get_name(self, obj) -> str | None:
        return _who(obj.user)


class IncidentTaskSerializer(serializers.ModelSerializer):
    assignee_name = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "title", "role", "assignee", "assignee_name", "due_at", "status", "status_display", "overdue",
                  "notes", "resident", "done_at", "created_at"]

    def get_assignee_name(self, obj) -> str | None:
        return _who(obj.assignee)

    def get_overdue(self, obj) -> bool:
        return obj.status == Task.Status.OPEN and obj.due_at is not None and obj.due_at < timezone.now()


class IncidentDetailSerializer(IncidentListSerializer):
    description = serializers.CharField(read_only=True)
    owner_guidance = serializers.CharField(read_only=True)
    dismissed_reason = serializers.CharField(read_only=True)
    buildings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    team = IncidentTeamMemberSerializer(many=True, read_only=True)
    complaints = serializers.SerializerMethodField()
    task_counts = serializers.SerializerMethodField()
    time_to_first_statement_seconds = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(IncidentListSerializer.Meta):
        fields = IncidentListSerializer.Meta.fields + [
            "description", "owner_guidance", "dismissed_reason", "buildings", "units", "team", "complaints",
            "task_counts", "time_to_first_statement_seconds", "allowed_actions"]

    def get_complaints(self, obj) -> list[str]:
        return [link.complaint.number for link in obj.complaint_links.select_related("complaint")]

    def get_task_counts(self, obj) -> dict[str, int]:
        counts = {status: 0 for status in Task.Status.values}
        for status in obj.tasks.values_list("status", flat=True):
            counts[status] += 1
        return counts

    def get_time_to_first_statement_seconds(self, obj) -> int | None:
        spent = obj.time_to_first_statement
        return int(spent.total_seconds()) if spent is not None else None

    def get_allowed_actions(self, obj) -> list[str]:
        from ..permissions import incident_can_steer

        request = self.context.get("request")
        if request is None or not incident_can_steer(request.user, obj):
            return []
        return [t.action for t in TRANSITIONS.values() if obj.stage in t.sources and not (t.guard and t.guard(obj))]


class IncidentEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    text = serializers.SerializerMethodField()
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "kind_display", "text", "body", "from_stage", "to_stage", "params", "actor", "actor_name", "created_at"]

    def get_text(self, obj) -> str:
        """The entry in the reader's language (incidents.timeline), or its kind when none is written."""
        try:
            from ..timeline import event_text
        except ImportError:  # the sentence renderer lands with the pages
            return str(obj.get_kind_display())
        return str(event_text(obj))

    def get_actor_name(self, obj) -> str | None:
        return _who(obj.actor)


class IncidentCreateSerializer(StrictPlainSerializer):
    estate = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    buildings = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=200)
    units = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=2000)


class IncidentUpdateSerializer(StrictPlainSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    owner_guidance = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    buildings = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=200)
    units = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=2000)


class IncidentEscalateSerializer(StrictPlainSerializer):
    complaints = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1, max_length=100,
                                       help_text="Ticket numbers, all of one estate.")
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class IncidentPromoteSerializer(StrictPlainSerializer):
    mention = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class IncidentTransitionSerializer(StrictPlainSerializer):
    action = serializers.ChoiceField(choices=[(t.action, t.label) for t in TRANSITIONS.values()])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                   help_text="Required to dismiss a warning or to go back to response after a flare-up.")


class IncidentTeamAssignSerializer(StrictPlainSerializer):
    role = serializers.ChoiceField(choices=TeamRole.choices)
    user = serializers.IntegerField(allow_null=True, help_text="A staff member of the estate; null clears the role.")


class IncidentTaskCreateSerializer(StrictPlainSerializer):
    title = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=TeamRole.choices, required=False, allow_blank=True)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)


class IncidentNoteSerializer(StrictPlainSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class IncidentAssigneeSerializer(StrictPlainSerializer):
    assignee = serializers.IntegerField()


class IncidentLogSerializer(StrictPlainSerializer):
    body = serializers.CharField(max_length=5000)


class IncidentLinkComplaintSerializer(StrictPlainSerializer):
    complaint = serializers.CharField(max_length=20, help_text="The ticket number.")


class IncidentStatementDraftSerializer(StrictPlainSerializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)


class IncidentPublishSerializer(StrictPlainSerializer):
    statement = serializers.IntegerField()
    announce = serializers.BooleanField(default=False, help_text="Also send it to the affected owners as a crisis notice.")


class IncidentNoticeSerializer(StrictPlainSerializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=5000)
    sms_text = serializers.CharField(required=False, allow_blank=True, max_length=300)
    channels = serializers.MultipleChoiceField(choices=["portal", "sms", "email", "push"], required=False)
    ack_required = serializers.BooleanField(default=True)


class IncidentReviewSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = IncidentReview
        fields = ["cause", "went_well", "went_badly", "aftercare", "lessons", "status", "status_display", "written_by",
                  "approved_by", "approved_at", "return_note", "updated_at"]
        read_only_fields = fields


class IncidentReviewWriteSerializer(StrictPlainSerializer):
    cause = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    went_well = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    went_badly = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    aftercare = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    lessons = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class IncidentDecideSerializer(StrictPlainSerializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class IncidentImprovementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImprovementAction
        fields = ["id", "title", "owner", "due_on", "updates_plan", "done_at", "done_by", "done_note"]
        read_only_fields = fields


class IncidentImprovementCreateSerializer(StrictPlainSerializer):
    title = serializers.CharField(max_length=200)
    owner = serializers.IntegerField()
    due_on = serializers.DateField()
    updates_plan = serializers.BooleanField(default=False)


class IncidentCertificateSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    unit_label = serializers.SerializerMethodField()

    class Meta:
        model = IncidentCertificate
        fields = ["id", "number", "resident", "resident_name", "unit", "unit_label", "purpose", "particulars",
                  "office_actions", "issued_by", "issued_at"]
        read_only_fields = fields

    def get_unit_label(self, obj) -> str | None:
        return str(obj.unit) if obj.unit_id else None


class IncidentCertificateCreateSerializer(StrictPlainSerializer):
    resident = serializers.IntegerField()
    unit = serializers.IntegerField(required=False, allow_null=True)
    purpose = serializers.ChoiceField(choices=IncidentCertificate.Purpose.choices, default=IncidentCertificate.Purpose.INSURANCE)
    particulars = serializers.CharField(max_length=5000)
    office_actions = serializers.CharField(max_length=5000)


class IncidentPlanStepSerializer(serializers.ModelSerializer):
    within_minutes = serializers.SerializerMethodField()

    class Meta:
        model = PlanStep
        fields = ["sort", "title", "role", "within_minutes"]

    def get_within_minutes(self, obj) -> int:
        return int(obj.within.total_seconds() // 60)


class IncidentPlanSerializer(serializers.ModelSerializer):
    steps = IncidentPlanStepSerializer(many=True, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = EmergencyPlan
        fields = ["id", "kind", "kind_display", "estate", "title", "summary", "is_active", "updated_at", "steps"]
        read_only_fields = fields


class IncidentDrillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Drill
        fields = ["id", "plan", "estate", "held_on", "scenario", "participants", "findings", "recorded_by", "created_at"]
        read_only_fields = fields


class IncidentDrillCreateSerializer(StrictPlainSerializer):
    plan = serializers.IntegerField()
    estate = serializers.IntegerField()
    held_on = serializers.DateField()
    scenario = serializers.CharField(max_length=5000)
    participants = serializers.CharField(max_length=5000)
    findings = serializers.CharField(required=False, allow_blank=True, max_length=5000)

"""What the incidents API reads and writes. Writes are plain payloads handed to the services;
nothing here sets a stage or a status."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
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
    WarningRule,
    WarningSignal,
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


# --- early warning ---------------------------------------------------------------------------------
# Prefixed "Warning…" so their OpenAPI component names never meet another app's.

class WarningSignalListSerializer(serializers.ModelSerializer):
    rule_display = serializers.CharField(source="get_rule_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    estate_name = serializers.CharField(source="estate.name", read_only=True, default=None, allow_null=True)
    building_name = serializers.CharField(source="building.name", read_only=True, default=None, allow_null=True)
    incident_number = serializers.CharField(source="incident.number", read_only=True, default=None, allow_null=True)
    title = serializers.CharField(source="headline", read_only=True)  # worded in the reader's language

    class Meta:
        model = WarningSignal
        fields = ["id", "rule", "rule_display", "status", "status_display", "title", "estate", "estate_name", "building",
                  "building_name", "category", "score", "window_start", "window_end", "created_at", "incident_number"]


class WarningEvidenceComplaintSerializer(serializers.Serializer):
    number = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()


class WarningEvidenceMentionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    sentiment = serializers.CharField()
    reach = serializers.IntegerField()
    excerpt = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class WarningMatchSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="complaint, message or mention")
    id = serializers.IntegerField()
    words = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()


class WarningSimilarCaseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["incident", "complaint"])
    number = serializers.CharField()
    title = serializers.CharField()
    score = serializers.FloatField()
    why = serializers.ListField(child=serializers.CharField(), help_text="Why it matched, in words.")


class WarningSignalDetailSerializer(WarningSignalListSerializer):
    dismissed_reason = serializers.CharField(read_only=True)
    decided_by_name = serializers.SerializerMethodField()
    evidence_counts = serializers.SerializerMethodField()
    matches = serializers.SerializerMethodField()
    complaints = serializers.SerializerMethodField()
    mentions = serializers.SerializerMethodField()
    similar = serializers.SerializerMethodField()

    class Meta(WarningSignalListSerializer.Meta):
        fields = WarningSignalListSerializer.Meta.fields + [
            "decided_at", "decided_by_name", "dismissed_reason", "evidence_counts", "matches", "complaints", "mentions", "similar"]

    def get_decided_by_name(self, obj) -> str | None:
        return _who(obj.decided_by)

    def get_evidence_counts(self, obj) -> dict[str, float]:
        """The rule's numbers: e.g. {"count": 6, "usual": 0.4} for a spike, {"reach": 30000} for a post."""
        return {k: v for k, v in obj.evidence.items() if k in ("count", "usual", "reach") and isinstance(v, int | float)}

    @extend_schema_field(WarningMatchSerializer(many=True))
    def get_matches(self, obj):
        return WarningMatchSerializer(obj.evidence.get("matches", []), many=True).data

    @extend_schema_field(WarningEvidenceComplaintSerializer(many=True))
    def get_complaints(self, obj):
        return [{"number": c.number, "category": str(c.category), "status": c.status, "description": c.description,
                 "created_at": c.created_at} for c in self.context.get("complaints", [])]

    @extend_schema_field(WarningEvidenceMentionSerializer(many=True))
    def get_mentions(self, obj):
        return [{"id": m.pk, "source": m.source, "sentiment": m.sentiment, "reach": m.reach, "excerpt": m.excerpt, "url": m.url}
                for m in self.context.get("mentions", [])]

    @extend_schema_field(WarningSimilarCaseSerializer(many=True))
    def get_similar(self, obj):
        similar = self.context.get("similar") or {}
        rows = [{"kind": "incident", "number": r["obj"].number, "title": r["obj"].title, "score": r["score"], "why": r["why"]}
                for r in similar.get("incidents", [])]
        rows += [{"kind": "complaint", "number": r["obj"].number, "title": r["obj"].description[:100], "score": r["score"],
                  "why": r["why"]} for r in similar.get("complaints", [])]
        return rows


class WarningDismissSerializer(StrictPlainSerializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the signal needs no incident (shown on the signal page).")


class WarningPromoteSerializer(StrictPlainSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WarningPromotedSerializer(serializers.Serializer):
    incident = serializers.CharField(help_text="The incident's number.")
    created = serializers.BooleanField(help_text="False when the signal had been promoted already: the same incident.")
    signal = WarningSignalListSerializer()


class WarningRuleSerializer(serializers.ModelSerializer):
    rule_display = serializers.CharField(source="get_rule_display", read_only=True)
    keywords = serializers.ListField(source="keyword_list", child=serializers.CharField(), read_only=True)
    reads = serializers.SerializerMethodField(help_text="The thresholds this rule uses; the others are ignored.")

    class Meta:
        model = WarningRule
        fields = ["id", "rule", "rule_display", "enabled", "min_count", "window_hours", "baseline_days", "ratio",
                  "reach_threshold", "keywords", "reads", "updated_at"]

    def get_reads(self, obj) -> list[str]:
        return list(WarningRule.FIELDS.get(obj.rule, ()))

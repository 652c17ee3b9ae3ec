"""What the communications API reads and writes: announcements and their progress, statements,
media records and the history entries of each. Scope comes from the request's user."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from core.api.strict import StrictPlainSerializer, StrictSerializer
from owners.selectors import building_list_for, estate_list_for, unit_list_for

from ..models import (
    Announcement,
    AnnouncementEvent,
    ContactLog,
    Delivery,
    InquiryEvent,
    MediaInquiry,
    MediaMention,
    SavedAudience,
    Stakeholder,
    Statement,
    StatementEvent,
)
from ..permissions import inquiry_assignee_valid, inquiry_assignees_for


class AnnouncementSerializer(StrictSerializer):
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Announcement.CHANNELS), min_length=1)
    needs_approval = serializers.BooleanField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["estates"].child_relation.queryset = estate_list_for(request.user)
            self.fields["buildings"].child_relation.queryset = building_list_for(request.user)
            self.fields["units"].child_relation.queryset = unit_list_for(request.user)
            self.fields["saved_audience"].queryset = SavedAudience.objects.filter(estate__in=estate_list_for(request.user))

    class Meta:
        model = Announcement
        fields = ["id", "kind", "title", "body", "sms_text", "audience", "estates", "buildings", "units", "saved_audience", "channels",
                  "scheduled_at", "ack_required", "status", "needs_approval", "author", "approved_by", "approved_at",
                  "published_at", "cancelled_at", "created_at"]
        read_only_fields = ["status", "author", "approved_by", "approved_at", "published_at", "cancelled_at", "created_at"]
        extra_kwargs = {"estates": {"required": False}, "buildings": {"required": False}, "units": {"required": False}}


class AnswerCountsSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    safe = serializers.IntegerField()
    need_help = serializers.IntegerField()


class NeedHelpSerializer(serializers.Serializer):
    """A resident who answered "I need help": whom to call, where, since when, and whether
    someone has looked after them (who, when, what was done)."""

    id = serializers.IntegerField(help_text="The answer's id: what `need-help-handled` takes.")
    resident = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    mobile = serializers.CharField()
    answered_at = serializers.DateTimeField()
    handled_at = serializers.DateTimeField(allow_null=True, help_text="When it was marked handled; null while nobody has.")
    handled_by = serializers.CharField(help_text="Who marked it handled; empty while nobody has.")
    handled_note = serializers.CharField(help_text="What was done, as they wrote it.")


class NeedHelpHandledSerializer(StrictPlainSerializer):
    answer = serializers.IntegerField(help_text="The id of the “I need help” answer (`progress.need_help[].id`).")
    note = serializers.CharField(max_length=500, help_text="What was done (e.g. called, resident safe); kept in the history.")


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    ack_expected = serializers.IntegerField()
    percent_done = serializers.IntegerField()
    answers = AnswerCountsSerializer(help_text="Acknowledgements by answer.")
    need_help = NeedHelpSerializer(many=True, help_text="Who answered “I need help”, oldest first.")


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "resident", "channel", "address", "status", "attempts", "last_error", "round", "created_at",
                  "next_attempt_at", "sent_at", "read_at"]


_EVENT_FIELDS = ["id", "kind", "kind_display", "actor", "actor_name", "from_status", "to_status", "note", "at"]


class _EventSerializer(serializers.ModelSerializer):
    """One entry of a record's history. Staff only: no owner-facing or public endpoint has these."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = serializers.SerializerMethodField(help_text="Who acted; null when the scheduler or the sender did.")

    def get_actor_name(self, obj) -> str | None:
        return obj.actor.display_name if obj.actor_id else None


class AnnouncementEventSerializer(_EventSerializer):
    class Meta:
        model = AnnouncementEvent
        fields = _EVENT_FIELDS


class StatementEventSerializer(_EventSerializer):
    version = serializers.IntegerField(source="statement.version", read_only=True,
                                       help_text="The version of the statement the entry is about.")

    class Meta:
        model = StatementEvent
        fields = [*_EVENT_FIELDS, "statement", "version"]


class InquiryEventSerializer(_EventSerializer):
    class Meta:
        model = InquiryEvent
        fields = _EVENT_FIELDS


class ReturnSerializer(StrictPlainSerializer):
    note = serializers.CharField(max_length=5000, help_text="What the writer should change; kept in the history.")


# --- Statements and media records ---

class _EstateScoped(StrictSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scoped("estate", estate_list_for)


class StatementSerializer(_EstateScoped):
    class Meta:
        model = Statement
        fields = ["id", "thread", "version", "title", "body", "estate", "status", "author", "approved_by", "approved_at",
                  "published_at", "review_note", "created_at"]
        read_only_fields = ["thread", "version", "status", "author", "approved_by", "approved_at", "published_at", "review_note", "created_at"]


class ReviewSerializer(StrictPlainSerializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PublishSerializer(StrictPlainSerializer):
    announce = serializers.BooleanField(default=False, help_text="Also send it to residents as an announcement (portal and SMS).")
    audience = serializers.ChoiceField(choices=["estates", "buildings", "units", "list"], default="estates",
                                       help_text="Who it is sent to with `announce`: the statement's whole estate, some of its "
                                                 "buildings, units, or one of its saved lists. A company-wide statement goes to everyone.")
    buildings = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500,
                                      help_text="Building ids of the statement's estate (audience `buildings`).")
    units = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=5000,
                                  help_text="Unit ids of the statement's estate (audience `units`).")
    saved_audience = serializers.IntegerField(min_value=1, required=False, help_text="A saved list of the statement's estate (audience `list`).")


class ChaseSerializer(StrictPlainSerializer):
    round = serializers.IntegerField(min_value=0, required=False,
                                     help_text="The round you saw (`round` of the latest deliveries): refused if another chase "
                                               "came since. A chase within five minutes of the last is refused anyway.")


class VersionSerializer(StrictPlainSerializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body = serializers.CharField(max_length=20000)


class MentionSerializer(_EstateScoped):
    class Meta:
        model = MediaMention
        fields = ["id", "source", "url", "excerpt", "sentiment", "reach", "estate", "mentioned_at", "created_at"]
        read_only_fields = ["created_at"]


class InquirySerializer(_EstateScoped):
    overdue = serializers.BooleanField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scoped("assigned_to", inquiry_assignees_for)

    def validate(self, attrs):
        """The assignee must be someone who may answer for the inquiry's estate (as it will be)."""
        attrs = super().validate(attrs)
        instance = self.instance
        assignee = attrs.get("assigned_to", instance.assigned_to if instance else None)
        estate = attrs["estate"] if "estate" in attrs else (instance.estate if instance else None)
        if assignee is not None and not inquiry_assignee_valid(assignee, estate.pk if estate else None):
            raise serializers.ValidationError(
                {"assigned_to": [_("Assign the inquiry to a spokesperson or manager who may answer for its estate.")]})
        return attrs

    class Meta:
        model = MediaInquiry
        fields = ["id", "journalist", "outlet", "contact", "question", "deadline", "estate", "assigned_to", "answer",
                  "answered_at", "status", "overdue", "created_at"]
        read_only_fields = ["answer", "answered_at", "status", "created_at"]


class AnswerSerializer(StrictPlainSerializer):
    answer = serializers.CharField(max_length=5000)


class DeclineSerializer(StrictPlainSerializer):
    reason = serializers.CharField(max_length=5000, help_text="What the journalist is told; kept as the inquiry's answer.")


class ContactSerializer(StrictSerializer):
    class Meta:
        model = ContactLog
        fields = ["id", "at", "by", "channel", "summary", "agreed"]
        read_only_fields = ["at", "by"]  # recorded now, by the caller


class StakeholderSerializer(_EstateScoped):
    class Meta:
        model = Stakeholder
        fields = ["id", "kind", "name", "organisation", "title", "phone", "email", "estate", "notes"]

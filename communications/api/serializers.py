from rest_framework import serializers

from owners.api.serializers import StrictPlainSerializer, StrictSerializer
from owners.selectors import building_list_for, estate_list_for, unit_list_for

from ..models import Announcement, AnnouncementEvent, Delivery, InquiryEvent, StatementEvent


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
            from ..models import SavedAudience

            self.fields["saved_audience"].queryset = SavedAudience.objects.filter(estate__in=estate_list_for(request.user))

    class Meta:
        model = Announcement
        fields = ["id", "kind", "title", "body", "sms_text", "audience", "estates", "buildings", "units", "saved_audience", "channels",
                  "scheduled_at", "ack_required", "status", "needs_approval", "author", "approved_by", "approved_at",
                  "published_at", "cancelled_at", "created_at"]
        read_only_fields = ["status", "author", "approved_by", "approved_at", "published_at", "cancelled_at", "created_at"]
        extra_kwargs = {"estates": {"required": False}, "buildings": {"required": False}, "units": {"required": False}}


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

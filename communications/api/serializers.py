from rest_framework import serializers

from owners.api.serializers import StrictSerializer
from owners.selectors import building_list_for, estate_list_for, unit_list_for

from ..models import Announcement, Delivery


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

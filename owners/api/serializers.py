from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from core.api.strict import StrictPlainSerializer, StrictSerializer

from ..models import Building, Estate, Occupancy, Resident, Unit
from ..selectors import building_list_for, estate_list_for, unit_list_for


class EstateSerializer(StrictSerializer):
    class Meta:
        model = Estate
        fields = ["id", "name", "code", "address", "timezone", "phone", "created_at"]
        read_only_fields = ["created_at"]


class BuildingSerializer(StrictSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scoped("estate", estate_list_for)

    class Meta:
        model = Building
        fields = ["id", "estate", "name", "floors"]


class UnitSerializer(StrictSerializer):
    label = serializers.CharField(read_only=True)
    estate = serializers.IntegerField(source="building.estate_id", read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scoped("building", building_list_for)

    class Meta:
        model = Unit
        fields = ["id", "estate", "building", "entrance", "number", "floor", "area_sqm", "label"]


class OccupancySerializer(serializers.ModelSerializer):
    unit_label = serializers.CharField(source="unit.label", read_only=True)
    estate = serializers.IntegerField(source="unit.building.estate_id", read_only=True)

    class Meta:
        model = Occupancy
        fields = ["id", "unit", "unit_label", "estate", "relation", "start_date", "end_date"]


class ResidentSerializer(StrictSerializer):
    occupancies = serializers.SerializerMethodField()
    has_account = serializers.BooleanField(read_only=True)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(), write_only=True, required=False,
        help_text="On create: the unit the resident moves into.",
    )
    relation = serializers.ChoiceField(choices=Occupancy.Relation.choices, write_only=True, required=False)
    # Normalised and checked for uniqueness by the services (resident_create, resident_update), not here.
    mobile = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=32,
                                   help_text="Mainland mobile; +86, spaces and dashes are accepted and removed.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scoped("unit", unit_list_for)

    class Meta:
        model = Resident
        fields = [
            "id", "name", "mobile", "email", "preferred_language", "preferred_channel", "allow_sms", "allow_email",
            "allow_push", "has_account", "occupancies", "unit", "relation", "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_occupancies(self, obj) -> list[dict]:
        current = [o for o in obj.occupancies.all() if o.end_date is None]
        return OccupancySerializer(current, many=True).data

    def validate(self, attrs):
        if self.instance is None and "unit" not in attrs:
            raise serializers.ValidationError({"unit": [_("A new resident needs the unit they live in.")]})
        if self.instance is not None and ("unit" in attrs or "relation" in attrs):
            raise serializers.ValidationError({"unit": [_("Moves are recorded as occupancies, not by editing the resident.")]})
        return attrs


class ImportRequestSerializer(StrictPlainSerializer):
    kind = serializers.ChoiceField(choices=[("units", "units"), ("residents", "residents")])
    file = serializers.FileField(help_text="At most IMPORT_MAX_BYTES (10 MB by default).")

    def validate_file(self, upload):
        # From the upload's size, before a byte of it is read into memory.
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise serializers.ValidationError(
                _("The file is larger than %(mb)d MB; split it into smaller files.") % {"mb": limit // (1024 * 1024)}
            )
        return upload


class ImportRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    rows = serializers.IntegerField()
    units_created = serializers.IntegerField()
    residents_created = serializers.IntegerField()
    residents_matched = serializers.IntegerField()
    occupancies_created = serializers.IntegerField()
    encoding = serializers.CharField()
    ignored_columns = serializers.ListField(child=serializers.CharField())


class ImportRejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    total_errors = serializers.IntegerField(required=False, help_text="How many bad rows the file has; `rows` lists the first 50.")
    rows = ImportRowErrorSerializer(many=True, required=False,
                                    help_text="When the file was read: every bad row with its line number. "
                                              "A request without a valid kind or file has `errors` instead.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    expires_at = serializers.DateTimeField()

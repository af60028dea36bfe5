from rest_framework import serializers

from earlywarning.models import EarlyWarning


class WarningSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True, default="")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = EarlyWarning
        fields = ["id", "kind", "kind_label", "state", "state_label", "category", "category_name", "area",
                  "area_name", "center_lon", "center_lat", "radius_m", "window_start", "window_end", "count",
                  "baseline", "score", "first_case", "last_case", "case_ids", "note", "acknowledged_at",
                  "closed_at", "created_at", "updated_at"]
        read_only_fields = fields


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

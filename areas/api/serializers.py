from rest_framework import serializers

from areas.choices import Level
from areas.models import Area, Department, StaffAssignment


class AreaSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    parent_code = serializers.SerializerMethodField()
    level_label = serializers.CharField(read_only=True)
    bbox = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = ["id", "code", "name", "level", "level_label", "parent", "parent_code", "depth",
                  "official_code", "illustrative", "bbox"]

    def get_parent_code(self, obj) -> str | None:
        parent_codes = self.context.get("parent_codes")
        if parent_codes is not None:
            return parent_codes.get(obj.parent_id)
        return obj.parent.code if obj.parent_id else None

    def get_bbox(self, obj) -> list[float] | None:
        if obj.min_lon is None:
            return None
        return [obj.min_lon, obj.min_lat, obj.max_lon, obj.max_lat]


class AreaDetailSerializer(AreaSerializer):
    boundary = serializers.JSONField(read_only=True)
    center = serializers.SerializerMethodField()
    grid_level_names = serializers.JSONField(read_only=True)
    households = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "boundary", "center", "grid_level_names", "households"]

    def get_center(self, obj) -> list[float] | None:
        if obj.center_lon is None:
            return None
        return [obj.center_lon, obj.center_lat]


class AreaWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    level = serializers.ChoiceField(choices=Level.choices)
    parent = serializers.IntegerField()
    code = serializers.CharField(max_length=24, required=False, allow_blank=True)
    boundary = serializers.JSONField(required=False, allow_null=True)
    official_code = serializers.BooleanField(required=False, default=False)
    illustrative = serializers.BooleanField(required=False, default=False)
    households = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class AreaUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    code = serializers.CharField(max_length=24, required=False)
    boundary = serializers.JSONField(required=False, allow_null=True)
    households = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class ResolveSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)


class DepartmentSerializer(serializers.ModelSerializer):
    area_code = serializers.CharField(source="area.code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "kind_label", "area", "area_code", "phone", "is_active"]
        read_only_fields = ["id", "area_code", "kind_label"]


class StaffAssignmentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    area_code = serializers.CharField(source="area.code", read_only=True)
    duty_label = serializers.CharField(source="get_duty_display", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = StaffAssignment
        fields = ["id", "user", "username", "full_name", "area", "area_code", "duty", "duty_label",
                  "starts_on", "ends_on", "is_active", "note"]
        read_only_fields = ["id", "username", "full_name", "area_code", "duty_label", "is_active", "ends_on"]


class EndAssignmentSerializer(serializers.Serializer):
    ends_on = serializers.DateField(required=False)

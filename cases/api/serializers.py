from rest_framework import serializers

from cases.choices import Channel
from cases.models import Case, CaseEvent, CasePhoto, CaseTask, Category, Standard
from core.api.serializers import ModelFieldsOnceMixin


class StandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Standard
        fields = ["department_kinds", "accept_hours", "dispatch_hours", "handle_limit", "handle_unit",
                  "verify_hours", "close_level", "quality_standard", "filing_conditions"]


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    standard = StandardSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["code", "name", "kind", "parent", "sensitive", "is_active", "standard"]


class IntakeSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="minor category code, e.g. E0101")
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    description = serializers.CharField(max_length=2000)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    self_resolved = serializers.BooleanField(required=False, default=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False, allow_empty=True)
    after_photos = serializers.ListField(child=serializers.FileField(), required=False, allow_empty=True)


class CaseListSerializer(ModelFieldsOnceMixin, serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    light = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "number", "tracking_code", "category", "category_name", "state", "channel", "grid",
                  "owner_level", "owner_area", "lon", "lat", "due_at", "handle_due_at", "light", "created_at",
                  "closed_at", "resolved_level", "rating", "version"]

    def get_light(self, obj) -> str:
        return obj.light()


class TaskSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = CaseTask
        fields = ["id", "department", "department_name", "state", "due_at", "accepted_at", "handled_at", "result",
                  "extension_requested_hours", "extension_reason", "rework_count"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "action", "from_state", "to_state", "actor", "actor_role", "department", "note", "data",
                  "created_at"]


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = CasePhoto
        fields = ["id", "kind", "width", "height", "url", "event"]

    def get_url(self, obj) -> str:
        from django.urls import reverse

        try:
            return reverse("cases:photo", args=[obj.pk])
        except Exception:  # the photo view may not be mounted
            return ""


class CaseDetailSerializer(CaseListSerializer):
    tasks = TaskSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [*CaseListSerializer.Meta.fields, "description", "address", "self_resolved", "escalation_count",
                  "rework_count", "return_count", "extension_count", "reopen_count", "rating_comment",
                  "merged_into", "tasks", "events", "photos", "allowed_actions"]

    def get_allowed_actions(self, obj) -> list[str]:
        from cases.access import allowed_actions

        return allowed_actions(self.context["request"].user, obj)


class ActionSerializer(serializers.Serializer):
    """Input of the workflow actions; each action uses the fields it needs."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(required=False, help_text="the case version the client saw (stale check)")
    departments = serializers.ListField(child=serializers.CharField(), required=False,
                                        help_text="department codes (dispatch)")
    department = serializers.CharField(required=False, help_text="department code, when a user handles several")
    task = serializers.IntegerField(required=False, help_text="task id (extension decisions)")
    hours = serializers.IntegerField(required=False, help_text="working hours asked for (extension)")
    review_on = serializers.DateField(required=False, help_text="review date (suspend)")
    into = serializers.IntegerField(required=False, help_text="id of the case to merge into")
    satisfied = serializers.BooleanField(required=False, allow_null=True, default=None)
    photos = serializers.ListField(child=serializers.FileField(), required=False, allow_empty=True)


class RateSerializer(serializers.Serializer):
    tracking_code = serializers.CharField(max_length=12)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)

"""Registry serializers: masked by default.

A resident's name is always masked (张*明). The masked id number, masked phone and special-group
tags are added only for a user whose `registry.sensitive` covers the resident's grid; otherwise the
keys are absent. Plaintext personal data is never serialized here: only the unmask endpoint returns
it, through `registry.actions.unmask`. Birth dates are not exposed (with the masked id number they
would give away most of it); the age is.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from accounts.scope import get_scope
from core import crypto
from registry.choices import IdType, Relation, ResidenceStatus, SpecialGroup
from registry.models import Building, Dwelling, Estate, Household, Organization, Person


def _sees_sensitive(context, obj) -> bool:
    """Does the requesting user's registry.sensitive cover the grid of `obj`?"""
    request = context.get("request")
    if request is None:
        return False
    scope = get_scope(request.user)
    return scope.covers("registry.sensitive", obj.grid)


def _active_tags(person: Person) -> list[dict]:
    today = timezone.localdate()
    tags = []
    for tag in person.tags.all():  # prefetched
        if tag.starts_on > today or (tag.ends_on is not None and tag.ends_on < today):
            continue
        kind = tag.kind
        if kind in SpecialGroup.values:
            tags.append({"kind": kind, "label": str(SpecialGroup(kind).label), "starts_on": tag.starts_on.isoformat()})
    return tags


class TagSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SpecialGroup.choices)
    label = serializers.CharField()
    starts_on = serializers.DateField()


class PersonSerializer(serializers.ModelSerializer):
    """A resident, masked. `masked_id_number`, `masked_phone` and `tags` only with registry.sensitive."""

    masked_name = serializers.CharField(read_only=True)
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    age = serializers.IntegerField(read_only=True, allow_null=True)
    masked_id_number = serializers.CharField(read_only=True, required=False,
                                             help_text="only for users with registry.sensitive on the grid")
    masked_phone = serializers.CharField(read_only=True, required=False,
                                         help_text="only for users with registry.sensitive on the grid")
    tags = TagSerializer(many=True, read_only=True, required=False,
                         help_text="current special-group tags; only for users with registry.sensitive")

    SENSITIVE = ("masked_id_number", "masked_phone", "tags")

    class Meta:
        model = Person
        fields = ["id", "masked_name", "gender", "age", "id_type", "residence_status", "relation", "grid",
                  "dwelling", "household", "address_text", "moved_out_on", "masked_id_number", "masked_phone",
                  "tags", "updated_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        sensitive = _sees_sensitive(self.context, instance)
        data = {}
        for name, field in self.fields.items():
            if name in self.SENSITIVE and not sensitive:
                continue
            if name == "tags":
                data[name] = _active_tags(instance)
                continue
            attribute = field.get_attribute(instance)
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            data[name] = None if check_for_none is None else field.to_representation(attribute)
        return data


class MemberSerializer(PersonSerializer):
    class Meta(PersonSerializer.Meta):
        fields = ["id", "masked_name", "gender", "age", "relation", "residence_status", "masked_id_number",
                  "masked_phone", "tags"]
        read_only_fields = fields


class PersonWriteSerializer(serializers.Serializer):
    """Register a resident. The response is the masked resident; the plaintext is never echoed."""

    name = serializers.CharField(max_length=50)
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.ID_CARD)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="", write_only=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="", write_only=True)
    residence_status = serializers.ChoiceField(choices=ResidenceStatus.choices, default=ResidenceStatus.PERMANENT)
    relation = serializers.ChoiceField(choices=Relation.choices, default=Relation.HEAD)
    dwelling = serializers.IntegerField(required=False, allow_null=True, help_text="dwelling id")
    household = serializers.IntegerField(required=False, allow_null=True, help_text="household id")

    def validate(self, attrs):
        if not attrs.get("dwelling") and not attrs.get("household"):
            raise serializers.ValidationError({"dwelling": "Give the dwelling or the household."})
        return attrs


class HouseholdSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    address = serializers.CharField(source="dwelling.address", read_only=True, default="")
    head = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "number", "grid", "dwelling", "address", "head", "members", "updated_at"]
        read_only_fields = fields

    def get_head(self, obj) -> int | None:
        """The head's id, if the head is a member the user may see."""
        visible = {m.pk for m in obj.visible_members}
        return obj.head_id if obj.head_id in visible else None

    def get_members(self, obj) -> list[dict]:
        return MemberSerializer(obj.visible_members, many=True, context=self.context).data


class DwellingSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    building_name = serializers.SerializerMethodField()

    class Meta:
        model = Dwelling
        fields = ["id", "address", "unit", "room", "building", "building_name", "grid", "lon", "lat", "updated_at"]
        read_only_fields = fields

    def get_building_name(self, obj) -> str:
        return str(obj.building) if obj.building_id else ""


class EstateSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Estate
        fields = ["id", "name", "address", "grid", "lon", "lat", "updated_at"]
        read_only_fields = fields


class BuildingSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    estate_name = serializers.SerializerMethodField()

    class Meta:
        model = Building
        fields = ["id", "name", "estate", "estate_name", "floors", "grid", "lon", "lat", "updated_at"]
        read_only_fields = fields

    def get_estate_name(self, obj) -> str:
        return obj.estate.name if obj.estate_id else ""


class OrganizationSerializer(serializers.ModelSerializer):
    """Contact names are masked; the masked contact phone only with registry.sensitive."""

    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    masked_contact_name = serializers.SerializerMethodField()
    masked_contact_phone = serializers.SerializerMethodField(
        help_text="only for users with registry.sensitive on the grid")

    class Meta:
        model = Organization
        fields = ["id", "kind", "kind_label", "name", "credit_code", "business_type", "address", "grid", "dwelling",
                  "lon", "lat", "masked_contact_name", "masked_contact_phone", "updated_at"]
        read_only_fields = fields

    def get_masked_contact_name(self, obj) -> str:
        return crypto.mask_name(obj.contact_name)

    def get_masked_contact_phone(self, obj) -> str:
        if not _sees_sensitive(self.context, obj):
            return ""
        return crypto.mask_phone(crypto.decrypt(obj.contact_phone_enc))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _sees_sensitive(self.context, instance):
            data.pop("masked_contact_phone", None)
        return data

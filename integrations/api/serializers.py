"""Input and output shapes of the webhooks API and the 12345 bridge."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from integrations.choices import HOTLINE_TYPES, EndpointKind, EventType
from integrations.models import Delivery, DeliveryAttempt, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district_code", read_only=True)
    operator = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "kind", "url", "event_types", "is_active", "district", "operator", "created_at",
                  "updated_at"]


class WebhookEndpointWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=EndpointKind.choices, default=EndpointKind.WEBHOOK)
    url = serializers.URLField(max_length=500)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices), required=False,
                                        default=list)
    district = serializers.CharField(max_length=6, required=False,
                                     help_text=_("District code; only on create (default: your district)."))
    operator = serializers.CharField(max_length=150, required=False, allow_blank=True,
                                     help_text=_("12345 bridge: the username orders are entered as."))
    secret = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True,
                                   help_text=_("Signing secret; blank: generated on create, kept on update."))
    inbound_secret = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True)
    is_active = serializers.BooleanField(required=False)


class CreatedEndpointSerializer(WebhookEndpointSerializer):
    generated_secrets = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "generated_secrets"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "succeeded", "error", "response_excerpt"]


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.event_id", read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    endpoint_name = serializers.CharField(source="endpoint.name", read_only=True)
    case = serializers.IntegerField(source="event.case_id", read_only=True, allow_null=True)

    class Meta:
        model = Delivery
        fields = ["id", "event_id", "event_type", "case", "endpoint", "endpoint_name", "state", "attempts",
                  "next_attempt_at", "last_status", "last_error", "delivered_at", "created_at"]


class DeliveryDetailSerializer(DeliverySerializer):
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)
    payload = serializers.JSONField(source="event.payload", read_only=True)

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "payload", "attempt_log"]


ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")


class HotlineOrderSerializer(serializers.Serializer):
    """A 12345 work order. Either `type` (咨询/求助/投诉/举报/建议) or `category` (a minor category code
    of the catalog); either `lon`+`lat` or `grid_code`."""

    order_number = serializers.CharField(max_length=64)
    type = serializers.ChoiceField(choices=sorted(HOTLINE_TYPES), required=False)
    category = serializers.CharField(max_length=16, required=False)
    description = serializers.CharField(max_length=2000)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    grid_code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    caller_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    caller_phone = serializers.RegexField(r"^[0-9\-]{0,20}$", required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_order_number(self, value):
        if not ORDER_NUMBER.match(value):
            raise serializers.ValidationError(_("Letters, digits, - and _ only (at most 64)."))
        return value

    def validate(self, attrs):
        if not attrs.get("category"):
            if not attrs.get("type"):
                raise serializers.ValidationError({"type": _("Give the appeal type or a category code.")})
            attrs["category"] = HOTLINE_TYPES[attrs["type"]]
        if (attrs.get("lon") is None) != (attrs.get("lat") is None):
            raise serializers.ValidationError({"lat": _("Give both lon and lat, or neither.")})
        return attrs


class HotlineReceiptSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    case_number = serializers.CharField()
    tracking_code = serializers.CharField()
    state = serializers.CharField()
    created = serializers.BooleanField()


class HotlineErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(required=False)

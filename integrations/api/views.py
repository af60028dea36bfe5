"""/api/webhooks/ (endpoints), /api/webhook-deliveries/ (the delivery log, read-only, redeliver)
and the 12345 bridge's inbound door /api/hotline/{district}/orders/.

Endpoints and deliveries need `integration.change` in the endpoint's district; anything else is a
404 (or an empty list). The inbound door has no login: the order's HMAC signature is its key."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.models import Area
from core.api.views import RestrictedViewSetMixin
from integrations import actions
from integrations.actions import CAPABILITY, OrderConflict
from integrations.api.serializers import (
    CreatedEndpointSerializer,
    DeliveryDetailSerializer,
    DeliverySerializer,
    HotlineErrorSerializer,
    HotlineOrderSerializer,
    HotlineReceiptSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWriteSerializer,
)
from integrations.choices import DeliveryState, EndpointKind
from integrations.models import Delivery, DeliveryAttempt, WebhookEndpoint
from integrations.signing import SIGNATURE_HEADER, verify


def _operator(username: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise APIValidationError({"operator": [_("No active user has this username.")]})
    return user


class WebhookEndpointViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                             viewsets.ReadOnlyModelViewSet):
    """Webhook endpoints and 12345 bridges of the districts where you hold `integration.change`.
    No delete: disable with `is_active: false` (the delivery log stays)."""

    capability = CAPABILITY
    queryset = WebhookEndpoint.objects.select_related("operator")
    filterset_fields = ["kind", "is_active"]

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return WebhookEndpointWriteSerializer
        return WebhookEndpointSerializer

    def _district(self, code: str | None) -> Area:
        districts = Area.objects.restrict(self.request.user, CAPABILITY).filter(level="district")
        if code:
            districts = districts.filter(code=code)
        found = list(districts[:2])
        if len(found) != 1:
            raise APIValidationError({"district": [_("Give the code of a district where you manage webhooks.")]})
        return found[0]

    @extend_schema(request=WebhookEndpointWriteSerializer, responses={201: CreatedEndpointSerializer})
    def create(self, request, *args, **kwargs):
        data = self._valid(request.data)
        endpoint, generated = actions.create_endpoint(
            request.user, area=self._district(data.get("district")), name=data["name"], url=data["url"],
            kind=data["kind"], event_types=data["event_types"], operator=_operator(data.get("operator", "")),
            secret=data.get("secret", ""), inbound_secret=data.get("inbound_secret", ""))
        if data.get("is_active") is False:
            endpoint = actions.set_endpoint_active(request.user, endpoint, False)
        endpoint.generated_secrets = generated
        return Response(CreatedEndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointWriteSerializer, responses={200: WebhookEndpointSerializer})
    def update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        partial = kwargs.get("partial", False)
        data = self._valid(request.data, partial=partial)
        operator = _operator(data["operator"]) if "operator" in data else endpoint.operator
        if set(data) - {"is_active", "kind", "district"}:
            endpoint = actions.update_endpoint(
                request.user, endpoint, name=data.get("name", endpoint.name), url=data.get("url", endpoint.url),
                event_types=data.get("event_types", endpoint.event_types), operator=operator,
                secret=data.get("secret", ""), inbound_secret=data.get("inbound_secret", ""))
        if "is_active" in data:
            endpoint = actions.set_endpoint_active(request.user, endpoint, data["is_active"])
        return Response(WebhookEndpointSerializer(endpoint).data)

    def _valid(self, data, partial=False) -> dict:
        serializer = WebhookEndpointWriteSerializer(data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class DeliveryFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=DeliveryState.choices)
    endpoint = filters.NumberFilter(field_name="endpoint_id")
    event_type = filters.CharFilter(field_name="event__event_type")
    event_id = filters.UUIDFilter(field_name="event__event_id")

    class Meta:
        model = Delivery
        fields = ["state", "endpoint", "event_type", "event_id"]


class WebhookDeliveryViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The delivery log: each event sent to each endpoint, its state and (in the detail) every attempt."""

    capability = CAPABILITY
    queryset = Delivery.objects.select_related("event", "endpoint").order_by("-created_at", "-id")
    filterset_class = DeliveryFilter

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            qs = qs.prefetch_related(Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number")))
        return qs

    def get_serializer_class(self):
        return DeliverySerializer if self.action == "list" else DeliveryDetailSerializer

    @extend_schema(request=None, responses={200: DeliveryDetailSerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        """Send a failed delivery again (a delivered one never is): 400 otherwise."""
        delivery = self.get_object()
        actions.redeliver(request.user, delivery)
        return Response(DeliveryDetailSerializer(self.get_queryset().get(pk=delivery.pk)).data)


def _error(code: str, detail: str, http_status: int, errors=None) -> Response:
    body = {"code": code, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(body, status=http_status)


class HotlineOrderView(APIView):
    """POST /api/hotline/{district}/orders/: a 12345 work order, signed (X-Gridgov-Signature:
    t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the bridge's inbound secret>)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=HotlineOrderSerializer,
        parameters=[OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True,
                                     description="t=<unix seconds>,v1=<hex HMAC-SHA256>")],
        responses={201: HotlineReceiptSerializer, 200: HotlineReceiptSerializer,
                   400: HotlineErrorSerializer, 403: HotlineErrorSerializer,
                   404: HotlineErrorSerializer, 409: HotlineErrorSerializer},
        auth=[],
        operation_id="hotline_orders_create",
    )
    def post(self, request, district: str):
        endpoint = (WebhookEndpoint.objects.select_related("operator")
                    .filter(kind=EndpointKind.HOTLINE, district_code=district, is_active=True).first())
        if endpoint is None:
            return _error("unknown_bridge", _("No active 12345 bridge for this district."), 404)
        raw = request.body
        problem = verify(endpoint.hotline_secret, raw, request.headers.get(SIGNATURE_HEADER, ""),
                         max_skew=settings.HOTLINE_MAX_SKEW_SECONDS)
        if problem:
            messages = {
                "missing_signature": _("The request is not signed (header X-Gridgov-Signature)."),
                "bad_signature": _("The signature does not match."),
                "stale_timestamp": _("The signature's timestamp is too far from our clock."),
            }
            return _error(problem, messages[problem], 403)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _error("invalid", _("The body is not valid JSON (UTF-8)."), 400)
        if not isinstance(body, dict):
            return _error("invalid", _("The body must be a JSON object."), 400)
        serializer = HotlineOrderSerializer(data=body)
        if not serializer.is_valid():
            return _error("invalid", _("The order has errors."), 400, serializer.errors)
        try:
            order, created = actions.receive_hotline_order(endpoint, dict(serializer.validated_data))
        except OrderConflict as exc:
            return _error("conflict", " ".join(exc.messages), 409)
        except DjangoPermissionDenied as exc:
            return _error("forbidden", str(exc) or _("Refused."), 403)
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            return _error("invalid", _("The order has errors."), 400, errors)
        case = order.case
        return Response({"order_number": order.order_number, "case_number": case.number,
                         "tracking_code": case.tracking_code, "state": case.state, "created": created},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

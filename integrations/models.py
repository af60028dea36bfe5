"""Webhook endpoints (and the 12345 bridge, an endpoint of kind "hotline"), the outbox, deliveries
and their attempts, and the hotline orders received.

The outbox: a case change writes one `OutboxEvent` and one `Delivery` per subscribed endpoint in
its own transaction (integrations/outbox.py); the worker (integrations/delivery.py) sends them after
commit. `Delivery` is unique per (event, endpoint): a success is recorded once and never re-sent.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import decrypt
from core.querysets import RestrictedQuerySet
from integrations.choices import DELIVERY_COLORS, DeliveryState, EndpointKind, EventType


class EndpointQuerySet(RestrictedQuerySet):
    """Endpoints belong to a district: seen by whoever holds `integration.change` there."""

    scope_paths = ("area__path",)


class WebhookEndpoint(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=EndpointKind.choices, default=EndpointKind.WEBHOOK)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.TextField(_("signing secret (encrypted)"), editable=False)
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("district"), on_delete=models.PROTECT,
                             related_name="webhook_endpoints", limit_choices_to={"level": "district"})
    district_code = models.CharField(max_length=6, editable=False)
    # 12345 bridge only: the secret the hotline signs its orders with, and the operator account the
    # orders are entered as (it must hold an owning role in the district, cases/actions.report_case)
    inbound_secret = models.TextField(_("inbound secret (encrypted)"), blank=True, editable=False)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("operator account"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["district_code", "kind", "name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            # one 12345 bridge per district: its order numbers are unique within the district
            models.UniqueConstraint(fields=["district_code"], condition=Q(kind="hotline"),
                                    name="integrations_one_hotline_per_district"),
        ]
        indexes = [models.Index(fields=["district_code", "is_active"], name="integrations_endpoint_active")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("integrations:endpoint", args=[self.pk])

    @property
    def signing_secret(self) -> str:
        return decrypt(self.secret)

    @property
    def hotline_secret(self) -> str:
        return decrypt(self.inbound_secret)

    def event_type_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels.get(t, t)) for t in self.event_types or []]


class OutboxEvent(models.Model):
    """One thing that happened, written in the transaction of the change. `event_id` is what
    receivers see (header X-Gridgov-Event-Id) and dedupe on."""

    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("event type"), max_length=32)
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    district_code = models.CharField(max_length=6)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        constraints = [models.UniqueConstraint(fields=["event_id"], name="integrations_event_id_unique")]
        indexes = [models.Index(fields=["case", "event_type"], name="integrations_event_case")]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"

    def get_absolute_url(self):
        return reverse("integrations:event", args=[self.pk])


class DeliveryQuerySet(RestrictedQuerySet):
    scope_paths = ("endpoint__area__path",)


class Delivery(models.Model):
    """One event to one endpoint: pending → in flight (claimed, with a lease) → delivered, or back
    to pending with the next attempt time, or failed after the last attempt."""

    event = models.ForeignKey(OutboxEvent, verbose_name=_("event"), on_delete=models.CASCADE,
                              related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE,
                                 related_name="deliveries")
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="integrations_delivery_once"),
            models.CheckConstraint(condition=Q(state="delivered", delivered_at__isnull=False)
                                   | ~Q(state="delivered"), name="integrations_delivered_has_time"),
        ]
        # the worker's claim: due open deliveries in order of their next attempt
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="integrations_delivery_due"),
                   models.Index(fields=["endpoint", "state"], name="integrations_delivery_ep")]

    def __str__(self):
        return f"{self.event_id} → {self.endpoint_id}"

    def get_absolute_url(self):
        return reverse("integrations:delivery", args=[self.pk])

    @property
    def color(self) -> str:
        return DELIVERY_COLORS.get(self.state, "")


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery, for the delivery log."""

    delivery = models.ForeignKey(Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    error = models.CharField(_("error"), max_length=300, blank=True)
    response_excerpt = models.CharField(_("response excerpt"), max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self):
        return f"{self.delivery_id} #{self.number}"


class HotlineOrder(models.Model):
    """A 12345 work order received through the bridge: the case it became and a hash of the order
    as first received (a repeat with the same number must carry the same order)."""

    endpoint = models.ForeignKey(WebhookEndpoint, verbose_name=_("12345 hotline bridge"), on_delete=models.PROTECT,
                                 related_name="hotline_orders")
    district_code = models.CharField(max_length=6)
    order_number = models.CharField(_("12345 order number"), max_length=64)
    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                                related_name="hotline_order")
    body_hash = models.CharField(max_length=64)
    hotline_due_at = models.DateTimeField(_("12345 due time"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("12345 order")
        verbose_name_plural = _("12345 orders")
        constraints = [models.UniqueConstraint(fields=["district_code", "order_number"],
                                               name="integrations_hotline_order_once")]

    def __str__(self):
        return self.order_number

"""Webhook event types, endpoint kinds and the delivery state machine."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """What a webhook endpoint may subscribe to (one outbox event per case change of that kind)."""

    CASE_FILED = "case.filed", _("Case filed")
    CASE_DISPATCHED = "case.dispatched", _("Case dispatched")
    CASE_OVERDUE = "case.overdue", _("Case overdue")
    CASE_CLOSED = "case.closed", _("Case closed")
    CASE_RATED = "case.rated", _("Case rated")


# The one event type sent to a 12345 hotline endpoint: the state of one of its orders changed.
HOTLINE_UPDATE = "hotline.update"

# The case actions (cases/workflow.py names) that make each subscribable event.
ACTION_EVENTS = {
    "file": EventType.CASE_FILED,
    "dispatch": EventType.CASE_DISPATCHED,
    "resolve": EventType.CASE_CLOSED,
    "self_resolve": EventType.CASE_CLOSED,
    "verify_pass": EventType.CASE_CLOSED,
    "rate": EventType.CASE_RATED,
}

# The actions on a hotline case that flow back to the 12345 platform besides state changes.
HOTLINE_ACTIONS_WITHOUT_STATE_CHANGE = {"callback", "rate"}


class EndpointKind(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    HOTLINE = "hotline", _("12345 hotline bridge")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    IN_FLIGHT = "in_flight", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


# Delivery states that the worker may still pick up.
OPEN_DELIVERY_STATES = [DeliveryState.PENDING, DeliveryState.IN_FLIGHT]

DELIVERY_COLORS = {"pending": "warn", "in_flight": "warn", "delivered": "ok", "failed": "off"}

# 12345 appeal types (诉求类型) → the catalog's hotline minor categories (cases/catalog.py).
HOTLINE_TYPES = {
    "咨询": "H0101",
    "求助": "H0201",
    "投诉": "H0301",
    "举报": "H0401",
    "建议": "H0501",
}

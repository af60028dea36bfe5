"""Fetch one endpoint, delivery or event within the user's `integration.change` scope, or 404."""

from __future__ import annotations

from django.http import Http404

from integrations.models import Delivery, OutboxEvent, WebhookEndpoint

CAPABILITY = "integration.change"


def access_endpoint(user, pk) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.restrict(user, CAPABILITY).select_related("area", "operator").get(pk=int(pk))
    except (WebhookEndpoint.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_delivery(user, pk) -> Delivery:
    try:
        return (Delivery.objects.restrict(user, CAPABILITY).select_related("event", "endpoint__area")
                .get(pk=int(pk)))
    except (Delivery.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_event(user, pk) -> tuple[OutboxEvent, list[Delivery]]:
    """An event and its deliveries to the endpoints the user manages; none of them: 404."""
    try:
        event = OutboxEvent.objects.get(pk=int(pk))
    except (OutboxEvent.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
    deliveries = list(Delivery.objects.restrict(user, CAPABILITY).filter(event=event).select_related("endpoint")
                      .prefetch_related("attempt_log").order_by("endpoint__name", "id"))
    if not deliveries:
        raise Http404
    return event, deliveries

"""Every change in integrations: endpoints (create, edit, enable/disable), redelivery, and a 12345
order coming in. Each checks the actor, runs in one transaction, locks what it changes and writes
its audit row there (core.audit.record); no secret ever goes into the audit log."""

from __future__ import annotations

import hashlib
import json
import secrets
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from areas.models import Area
from cases.choices import Channel
from core.audit import record
from core.crypto import encrypt
from integrations.choices import DeliveryState, EndpointKind, EventType
from integrations.models import Delivery, HotlineOrder, WebhookEndpoint

CAPABILITY = "integration.change"


class OrderConflict(ValidationError):
    """The order number was received before with a different order (HTTP 409)."""

    http_status = 409


def _require(actor, area: Area) -> None:
    if actor is None:
        return
    if not get_scope(actor).can(CAPABILITY, area):
        raise PermissionDenied(_("You may not manage webhooks of this district."))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _audit_view(endpoint: WebhookEndpoint) -> dict:
    return {"name": endpoint.name, "kind": endpoint.kind, "url": endpoint.url, "event_types": endpoint.event_types,
            "is_active": endpoint.is_active, "operator": endpoint.operator_id}


def _clean(endpoint: WebhookEndpoint) -> None:
    errors: dict[str, str] = {}
    endpoint.name = (endpoint.name or "").strip()[:100]
    if not endpoint.name:
        errors["name"] = _("Give the endpoint a name.")
    parts = urlsplit((endpoint.url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors["url"] = _("Enter an http:// or https:// address.")
    if endpoint.kind not in EndpointKind.values:
        errors["kind"] = _("Unknown endpoint kind.")
    if endpoint.area.level != "district":
        errors["area"] = _("Endpoints belong to a district.")
    types = sorted(set(endpoint.event_types or []))
    if any(t not in EventType.values for t in types):
        errors["event_types"] = _("Unknown event type.")
    elif endpoint.kind == EndpointKind.WEBHOOK and not types:
        errors["event_types"] = _("Choose at least one event type.")
    endpoint.event_types = types if endpoint.kind == EndpointKind.WEBHOOK else []
    if endpoint.kind == EndpointKind.HOTLINE:
        operator = endpoint.operator
        if operator is None or not operator.is_active or not any(
                a.role == "district_command" and a.area_id == endpoint.area_id for a in get_scope(operator).roles):
            errors["operator"] = _("The operator account must hold the district command center role in this district.")
        clash = WebhookEndpoint.objects.filter(kind=EndpointKind.HOTLINE, district_code=endpoint.area.code[:6])
        if endpoint.pk:
            clash = clash.exclude(pk=endpoint.pk)
        if clash.exists():
            errors["kind"] = _("This district already has a 12345 bridge.")
    else:
        endpoint.operator = None
    if errors:
        raise ValidationError(errors)
    endpoint.url = endpoint.url.strip()


def create_endpoint(actor, *, area: Area, name: str, url: str, kind: str = EndpointKind.WEBHOOK,
                    event_types=(), operator=None, secret: str = "", inbound_secret: str = "",
                    ) -> tuple[WebhookEndpoint, dict]:
    """A new endpoint. Returns it and the secrets that were generated (shown once, never again)."""
    _require(actor, area)
    endpoint = WebhookEndpoint(area=area, name=name, url=url, kind=kind, event_types=list(event_types),
                               operator=operator, created_by=actor if actor is not None else None)
    _clean(endpoint)
    generated = {}
    if not secret:
        secret = generated["secret"] = new_secret()
    if kind == EndpointKind.HOTLINE and not inbound_secret:
        inbound_secret = generated["inbound_secret"] = new_secret()
    endpoint.secret = encrypt(secret)
    endpoint.inbound_secret = encrypt(inbound_secret) if kind == EndpointKind.HOTLINE else ""
    endpoint.district_code = area.code[:6]
    with transaction.atomic():
        endpoint.save()
        record(actor, "webhook.create", endpoint, after=_audit_view(endpoint))
    return endpoint, generated


def update_endpoint(actor, endpoint: WebhookEndpoint, *, name: str, url: str, event_types=(), operator=None,
                    secret: str = "", inbound_secret: str = "") -> WebhookEndpoint:
    """Edit name, address, subscriptions, operator; a secret given replaces the old one (blank keeps it)."""
    _require(actor, endpoint.area)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = _audit_view(locked)
        locked.name, locked.url, locked.event_types = name, url, list(event_types)
        locked.operator = operator
        _clean(locked)
        changed = []
        if secret:
            locked.secret = encrypt(secret)
            changed.append("secret")
        if inbound_secret and locked.kind == EndpointKind.HOTLINE:
            locked.inbound_secret = encrypt(inbound_secret)
            changed.append("inbound_secret")
        locked.save()
        record(actor, "webhook.update", locked, before=before, after={**_audit_view(locked), "secrets_changed": changed})
    return locked


def set_endpoint_active(actor, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Disable (nothing is sent or written for it; pending deliveries wait) or enable again."""
    _require(actor, endpoint.area)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active", "updated_at"])
            record(actor, "webhook.enable" if active else "webhook.disable", locked,
                   before={"is_active": not active}, after={"is_active": active})
    return locked


def redeliver(actor, delivery: Delivery) -> Delivery:
    """Send a failed delivery again, with a fresh round of attempts. A delivered one is never re-sent."""
    _require(actor, delivery.endpoint.area)
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.state != DeliveryState.FAILED:
            raise ValidationError(_("Only a failed delivery can be sent again."), code="state")
        locked.state = DeliveryState.PENDING
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.claimed_until = None
        locked.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_until"])
        record(actor, "webhook.redeliver", locked, object_type="integrations.delivery",
               district_code=delivery.endpoint.district_code, after={"event": str(locked.event_id)})
    return locked


# --- the 12345 bridge, inbound ------------------------------------------------------------------


def order_hash(order: dict) -> str:
    """The order as received, canonical: a repeat must hash the same."""
    return hashlib.sha256(json.dumps(order, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def receive_hotline_order(endpoint: WebhookEndpoint, order: dict) -> tuple[HotlineOrder, bool]:
    """A signed 12345 work order becomes a case on channel 12345, entered as the bridge's operator.
    Idempotent by order number within the district: the same order again returns the first one
    (created False); the same number with a different order raises OrderConflict. Concurrent
    duplicates: the order number's unique index lets one insert commit; the other rolls back its
    case and returns the winner's."""
    from cases.actions import report_case

    if endpoint.kind != EndpointKind.HOTLINE or not endpoint.is_active:
        raise PermissionDenied(_("This 12345 bridge is not active."))
    digest = order_hash(order)
    number = order["order_number"]

    def existing() -> tuple[HotlineOrder, bool] | None:
        found = (HotlineOrder.objects.select_related("case")
                 .filter(district_code=endpoint.district_code, order_number=number).first())
        if found is None:
            return None
        if found.body_hash != digest:
            raise OrderConflict(_("Order %(number)s was already received with different content.")
                                % {"number": number}, code="conflict")
        return found, False

    seen = existing()
    if seen is not None:
        return seen
    grid = None
    if order.get("grid_code"):
        grid = Area.objects.filter(code=order["grid_code"], level__in=["grid", "cell"],
                                   district_code=endpoint.district_code).first()
        if grid is None:
            raise ValidationError({"grid_code": _("No grid of this district has this code.")})
    elif order.get("lon") is None or order.get("lat") is None:
        raise ValidationError({"lon": _("Give the location (lon and lat) or the grid code.")})
    try:
        with transaction.atomic():
            case, _created = report_case(
                endpoint.operator, channel=Channel.HOTLINE, category_code=order["category"],
                description=order["description"], lon=order.get("lon"), lat=order.get("lat"), grid=grid,
                address=order.get("address", ""), reporter_name=order.get("caller_name", ""),
                reporter_phone=order.get("caller_phone", ""), external_id=number,
            )
            if case.district_code != endpoint.district_code:
                raise ValidationError({"lon": _("This location is outside the district of this 12345 bridge.")})
            received = HotlineOrder.objects.create(
                endpoint=endpoint, district_code=endpoint.district_code, order_number=number, case=case,
                body_hash=digest, hotline_due_at=order.get("due_at"))
            record(endpoint.operator, "hotline.receive", received, object_type="integrations.hotlineorder",
                   district_code=endpoint.district_code, after={"order_number": number, "case": case.number})
    except IntegrityError:
        seen = existing()
        if seen is None:
            raise
        return seen
    return received, True

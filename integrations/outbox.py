"""Writing outbox events, inside the transaction of the case change that caused them.

Fan-out happens here, at write time: the event is written with one `Delivery` per endpoint that is
active and subscribed at that moment, and nothing at all is written when nobody is subscribed. The
recipients of an event are therefore fixed when it happens (an endpoint added later does not get
old events; one disabled later keeps its pending deliveries until it is enabled again), and the
worker's claim is a plain indexed read of due `Delivery` rows (docs/webhooks.md).

Two callers: `on_case_event()` from cases.actions (one call per case change, through its one
timeline writer `_event()`), and `write_overdue()` from the deadline sweep (set-based: INSERT …
SELECT over the claimed ids, never a Python loop over cases).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, F, Func, Value
from django.db.models.functions import JSONObject
from django.utils import timezone, translation

from cases.choices import Channel
from core.sql import id_set, insert_select, rows
from integrations.choices import (
    ACTION_EVENTS,
    HOTLINE_ACTIONS_WITHOUT_STATE_CHANGE,
    HOTLINE_UPDATE,
    EndpointKind,
    EventType,
)
from integrations.models import Delivery, HotlineOrder, OutboxEvent, WebhookEndpoint

ISO = "%Y-%m-%dT%H:%M:%SZ"


def iso(value: dt.datetime | None) -> str | None:
    """Datetimes in payloads: UTC, to the second, "2026-11-22T03:48:53Z" (the SQL below writes the same)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime(ISO)


class _IsoUtc(Func):
    """The SQL twin of iso(): a timestamp column as UTC text to the second."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""", params
        return f"strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', {column})", params


class _RandomUuid(Func):
    """A new random UUID per row, made by the database (the event id of a set-based insert)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor == "postgresql":
            return "gen_random_uuid()", []
        return "lower(hex(randomblob(16)))", []  # how Django stores a UUIDField on SQLite


def subscribers(district_code: str, event_type: str) -> list[int]:
    """The ids of the active webhook endpoints of the district subscribed to `event_type` (one
    small query; the subscription list is filtered here, as JSON containment differs per database)."""
    found = (WebhookEndpoint.objects.filter(kind=EndpointKind.WEBHOOK, is_active=True, district_code=district_code)
             .values_list("id", "event_types"))
    return [pk for pk, types in found if event_type in (types or [])]


def case_payload(case) -> dict:
    """What webhook subscribers learn about a case. Never the reporter's name or phone; no location
    for sensitive categories (disputes, security), as in the public feeds."""
    sensitive = case.category.sensitive
    return {"case": {
        "number": case.number,
        "state": case.state,
        "category": case.category.code,
        "category_name": case.category.name,
        "channel": case.channel,
        "district_code": case.district_code,
        "grid": case.grid.code,
        "owner_level": case.owner_level,
        "address": "" if sensitive else case.address,
        "lon": None if sensitive else case.lon,
        "lat": None if sensitive else case.lat,
        "created_at": iso(case.created_at),
        "due_at": iso(case.due_at),
        "closed_at": iso(case.closed_at),
        "rating": case.rating,
        "url": case.get_absolute_url(),
    }}


def hotline_payload(order: HotlineOrder, case, name: str, note: str, data: dict | None) -> dict:
    """What the 12345 platform hears about one of its orders."""
    with translation.override("zh-hans"):
        state_label = str(case.get_state_display())
    data = data or {}
    closing = name in ("resolve", "verify_pass")
    return {
        "order_number": order.order_number,
        "case_number": case.number,
        "action": name,
        "state": case.state,
        "state_label": state_label,
        "note": note or "",
        "handled_at": iso(case.handled_at),
        "closed_at": iso(case.closed_at),
        "result": (note or "") if closing else "",
        "satisfied": data.get("satisfied") if name == "callback" else None,
        "rating": case.rating if name == "rate" else None,
    }


def write(event_type: str, case, payload: dict, endpoint_ids: list[int], now=None) -> OutboxEvent | None:
    """One event and one delivery per endpoint; nothing when there is no endpoint."""
    if not endpoint_ids:
        return None
    now = now or timezone.now()
    event = OutboxEvent.objects.create(event_type=event_type, case=case, district_code=case.district_code,
                                       payload=payload, created_at=now)
    Delivery.objects.bulk_create([Delivery(event=event, endpoint_id=pk, next_attempt_at=now, created_at=now)
                                  for pk in sorted(set(endpoint_ids))])
    return event


def on_case_event(case, name: str, from_state: str, note: str = "", *, data: dict | None = None,
                  public: bool = True) -> None:
    """Called by cases.actions for every change of a case, inside its transaction."""
    event_type = ACTION_EVENTS.get(name)
    if event_type:
        endpoints = subscribers(case.district_code, event_type)
        if endpoints:
            write(event_type, case, case_payload(case), endpoints)
    if case.channel == Channel.HOTLINE and (from_state != case.state or name in HOTLINE_ACTIONS_WITHOUT_STATE_CHANGE):
        order = (HotlineOrder.objects.filter(case_id=case.pk, endpoint__is_active=True)
                 .only("id", "order_number", "endpoint_id").first())
        if order is not None:
            shown = note if public or name == "callback" else ""
            write(HOTLINE_UPDATE, case, hotline_payload(order, case, name, shown, data), [order.endpoint_id])


def write_overdue(case_ids, now) -> int:
    """The sweep's overdue events, set-based: one cheap query for the subscribed endpoints (none:
    nothing is written), then per subscribed district one INSERT … SELECT of events over the claimed
    cases and per endpoint one INSERT … SELECT of deliveries. Returns the number of events."""
    from cases.models import Case

    endpoints: dict[str, list[int]] = {}
    for pk, district_code, types in (WebhookEndpoint.objects.filter(kind=EndpointKind.WEBHOOK, is_active=True)
                                     .values_list("id", "district_code", "event_types")):
        if EventType.CASE_OVERDUE in (types or []):
            endpoints.setdefault(district_code, []).append(pk)
    if not endpoints or not case_ids:
        return 0
    when = Value(now, output_field=OutboxEvent._meta.get_field("created_at"))
    claimed = Case.objects.filter(pk__in=id_set(case_ids), district_code__in=sorted(endpoints))
    written = insert_select(OutboxEvent, rows(claimed, {
        "event_id": _RandomUuid(),
        "event_type": Value(str(EventType.CASE_OVERDUE), output_field=CharField()),
        "case": F("id"),
        "district_code": F("district_code"),
        "payload": JSONObject(case=JSONObject(
            number=F("number"), state=F("state"), category=F("category__code"), channel=F("channel"),
            district_code=F("district_code"), grid=F("grid__code"), owner_level=F("owner_level"),
            created_at=_IsoUtc("created_at"), due_at=_IsoUtc("due_at"), overdue_at=_IsoUtc("overdue_at"),
        )),
        "created_at": when,
    }))
    for district_code, endpoint_ids in endpoints.items():
        events = OutboxEvent.objects.filter(event_type=EventType.CASE_OVERDUE, created_at=now,
                                            district_code=district_code, case_id__in=id_set(case_ids))
        for endpoint_id in endpoint_ids:
            insert_select(Delivery, rows(events, {
                "event": F("id"), "endpoint": Value(endpoint_id), "state": Value("pending", output_field=CharField()),
                "attempts": Value(0), "next_attempt_at": when, "claim_token": Value("", output_field=CharField()),
                "last_error": Value("", output_field=CharField()), "created_at": when,
            }))
    return written

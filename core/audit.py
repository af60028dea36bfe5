"""Writing the audit log. Called inside the action's transaction, so the row commits with it."""

from __future__ import annotations

from typing import Any

from django.forms.models import model_to_dict

from core.middleware import current_request
from core.models import AuditLog
from core.sql import insert_row


def snapshot(obj, fields: list[str] | None = None, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON-safe before/after picture of a model instance."""
    data = model_to_dict(obj, fields=fields)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in exclude:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        elif value is not None and not isinstance(value, (str, int, float, bool, dict)):
            value = str(value)
        out[key] = value
    return out


def record(
    actor,
    action: str,
    obj=None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    district_code: str = "",
) -> AuditLog:
    request = current_request()
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
        district_code = district_code or getattr(obj, "district_code", "") or ""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditLog(
        actor=actor if authenticated else None,
        actor_repr=(actor.get_username() if authenticated else (str(actor) if actor else "system"))[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        district_code=district_code,
        before=before,
        after=after,
        note=note[:500],
        ip=ip,
    )
    insert_row(entry)  # append-only: an INSERT, never an UPDATE
    return entry

"""Every change Open311 makes: API clients and their keys, and a submitted request (through
cases.actions.report_case, so intake, photos, notifications and the audit row are the case loop's)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from areas.models import Area
from cases.actions import report_case
from cases.choices import Channel
from cases.models import Case
from core.audit import record
from core.crypto import encrypt
from open311.models import Open311Client, Open311Request

KEY_MIN_LENGTH = 12
KEY_PREFIX_LENGTH = 8
DEMO_CLIENT_NAME = "demo"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(32)


def check_key(key: str) -> str:
    key = key or ""
    if len(key) < KEY_MIN_LENGTH or len(key) > 200 or any(ch.isspace() for ch in key):
        raise ValidationError({"key": gettext("An API key has %(count)d to 200 characters and no spaces.")
                               % {"count": KEY_MIN_LENGTH}})
    return key


def check_district(code: str) -> str:
    code = (code or "").strip()
    if code and not Area.objects.filter(level="district", code=code).exists():
        raise ValidationError({"district_code": gettext("No district has the code %(code)s.") % {"code": code}})
    return code


def _snapshot(client: Open311Client) -> dict:
    return {"name": client.name, "key_prefix": client.key_prefix, "is_active": client.is_active,
            "district_code": client.district_code}


def create_client(actor, *, name: str, key: str | None = None, district_code: str = "") -> tuple[Open311Client, str]:
    """A new client; returns it and its key (the only time the key is seen: it is kept hashed)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("Give the client a name.")})
    key = check_key(key) if key else new_key()
    district_code = check_district(district_code)
    with transaction.atomic():
        if Open311Client.objects.filter(name=name).exists():
            raise ValidationError({"name": gettext("A client with this name exists already.")})
        if Open311Client.objects.filter(key_hash=hash_key(key)).exists():
            raise ValidationError({"key": gettext("This key belongs to another client.")})
        client = Open311Client.objects.create(name=name, key_hash=hash_key(key), key_prefix=key[:KEY_PREFIX_LENGTH],
                                              district_code=district_code)
        record(actor, "open311.client_create", client, after=_snapshot(client), district_code=district_code)
    return client, key


def update_client(actor, client: Open311Client, *, name: str, is_active: bool, district_code: str) -> Open311Client:
    """Rename, switch on or off, or bind to a district (audited)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("Give the client a name.")})
    district_code = check_district(district_code)
    with transaction.atomic():
        locked = Open311Client.objects.select_for_update().get(pk=client.pk)
        if Open311Client.objects.filter(name=name).exclude(pk=locked.pk).exists():
            raise ValidationError({"name": gettext("A client with this name exists already.")})
        before = _snapshot(locked)
        locked.name, locked.is_active, locked.district_code = name, is_active, district_code
        if _snapshot(locked) != before:
            locked.save(update_fields=["name", "is_active", "district_code"])
            record(actor, "open311.client_update", locked, before=before, after=_snapshot(locked),
                   district_code=district_code or before["district_code"])
    return locked


def replace_key(actor, client: Open311Client, key: str | None = None) -> str:
    """Give the client a new key (the old one stops working at once); returns the new key."""
    key = check_key(key) if key else new_key()
    with transaction.atomic():
        locked = Open311Client.objects.select_for_update().get(pk=client.pk)
        if Open311Client.objects.filter(key_hash=hash_key(key)).exclude(pk=locked.pk).exists():
            raise ValidationError({"key": gettext("This key belongs to another client.")})
        before = _snapshot(locked)
        locked.key_hash, locked.key_prefix = hash_key(key), key[:KEY_PREFIX_LENGTH]
        locked.save(update_fields=["key_hash", "key_prefix"])
        record(actor, "open311.client_key", locked, before=before, after=_snapshot(locked),
               district_code=locked.district_code)
    client.key_hash, client.key_prefix = locked.key_hash, locked.key_prefix
    return key


def ensure_demo_client(key: str) -> tuple[Open311Client, str]:
    """The demo loader's client, whose key is `key`: created the first time, left alone while the
    key stays the same, its key replaced when it changes. Returns (client, "created" | "unchanged"
    | "replaced")."""
    key = check_key(key)
    client = Open311Client.objects.filter(name=DEMO_CLIENT_NAME).first()
    if client is None:
        client, _key = create_client(None, name=DEMO_CLIENT_NAME, key=key)
        return client, "created"
    if client.key_hash == hash_key(key) and client.is_active:
        return client, "unchanged"
    if client.key_hash != hash_key(key):
        replace_key(None, client, key)
    if not client.is_active:
        client = update_client(None, client, name=client.name, is_active=True, district_code=client.district_code)
    return client, "replaced"


def authenticate(key: str) -> Open311Client | None:
    """The active client holding this key, or None."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        return None
    return Open311Client.objects.filter(key_hash=hash_key(key), is_active=True).first()


def submit_request(
    client: Open311Client,
    *,
    category_code: str,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    grid: Area | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    email: str = "",
    photos: Iterable = (),
    media_url: str = "",
    attributes: dict | None = None,
    device_id: str = "",
    account_id: str = "",
    idempotency_key: str = "",
) -> tuple[Case, bool]:
    """Report a case on the open311 channel (no user: the audit row's actor is the system) and keep
    what came with it; a repeated idempotency key of the same client returns the first case."""
    if idempotency_key:
        # report_case scopes keys by submitter ("anon" here) and channel; the client's id keeps one
        # client from reaching another client's cases by guessing its keys
        idempotency_key = f"{client.pk}:{idempotency_key.strip()[:48]}"
    with transaction.atomic():
        case, created = report_case(
            None, channel=Channel.OPEN311, category_code=category_code, description=description, lon=lon, lat=lat,
            grid=grid, address=address, reporter_name=reporter_name, reporter_phone=reporter_phone, photos=photos,
            idempotency_key=idempotency_key,
        )
        if created:
            Open311Request.objects.create(
                case=case, client=client, district_code=case.district_code, attributes=attributes or {},
                media_url=media_url, email=encrypt(email), device_id=device_id[:100], account_id=account_id[:100],
            )
    return case, created

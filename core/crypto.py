"""Field encryption for personal data (Fernet, keys from the environment, rotation supported) and
masking for display.

FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys, newest first; data is encrypted with the first
and decrypted with any (MultiFernet), so a key is rotated by putting a new one in front and
re-encrypting. Without it (the demo) a key is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in os.environ.get("FIELD_ENCRYPTION_KEYS", "").split(",") if k.strip()]
    if not keys:
        derived = hashlib.sha256(("gridgov-field-key:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


@lru_cache(maxsize=1)
def _blind_key() -> bytes:
    """BLIND_INDEX_KEY from the environment (it must never change: every index depends on it);
    without it (the demo) a key derived from SECRET_KEY."""
    configured = os.environ.get("BLIND_INDEX_KEY", "")
    return hashlib.sha256(("gridgov-blind-index:" + (configured or settings.SECRET_KEY)).encode()).digest()


def blind_index(value: str) -> str:
    """A keyed hash for exact search without storing the plaintext."""
    key = _blind_key()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:] if len(phone) > 7 else phone[:3] + "****"
    return "*" * len(phone)


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(value: str) -> str:
    """4101**********1234: the first four and the last four characters."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]

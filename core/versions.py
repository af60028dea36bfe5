"""Optimistic checks for edit forms: a short token of the fields a form shows.

The edit page puts `version_of(obj, fields)` in a hidden field; the update action recomputes it
under the row lock and refuses the change when someone else changed those fields in between
(a stale form), instead of silently overwriting their change."""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.audit import snapshot


def token(data: dict) -> str:
    """The token of a JSON-able picture (for fields model_to_dict skips, e.g. encrypted ones)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def version_of(obj, fields: list[str]) -> str:
    return token(snapshot(obj, fields))


def check_version(current: str, version: str | None) -> None:
    """`current`: the token of the locked row. No version (an API client that does not send
    one): no check."""
    if version and version != current:
        raise ValidationError(_("Someone else changed this record after you opened the form: "
                                "reload the page and make your change again."))

"""Small helpers shared by the page views of web, areas and accounts."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page of `queryset` (bad or out-of-range page numbers give the nearest page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def add_action_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Show the messages of a ValidationError raised by an action function on `form`.

    Errors keyed by a field the form has go under that field (after `field_map` renames them),
    the rest above the form. The user's input stays in the bound form.
    """
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            field = field_map.get(key, key)
            target = field if field in form.fields else None
            for message in ValidationError(errors).messages:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def read_json_upload(upload, max_bytes: int) -> str:
    """The text of an uploaded (Geo)JSON file, or a ValidationError."""
    from django.utils.translation import gettext as _

    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (at most %(mb)d MB).") % {"mb": max_bytes // (1024 * 1024)}
        )
    raw = upload.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The file must be UTF-8 text.")) from exc


def pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1) if value is not None else ""

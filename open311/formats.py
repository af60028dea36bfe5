"""XML and JSON as GeoReport v2 writes them: the format comes from the URL's suffix; lists are
arrays in JSON and repeated elements in XML; errors are `<errors><error><code/><description/>`
or `[{"code": 400, "description": "…"}]`."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - writing XML only, never parsing input
from typing import Any

from django.http import HttpResponse

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# the element name of one item of each list, by the list's own name
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# characters XML 1.0 cannot carry at all
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        item_tag = ITEM_TAGS[tag]
        for child in value:
            element.append(_element(item_tag, child))
    else:
        element.text = text(value)
    return element


def to_xml(tag: str, value: Any) -> str:
    return XML_DECLARATION + ET.tostring(_element(tag, value), encoding="unicode")


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_safe(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_json_safe(child) for child in value]
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    return value


def respond(fmt: str, tag: str, value: Any, status: int = 200) -> HttpResponse:
    """`tag` names the root element in XML (and, for a list, its items through ITEM_TAGS)."""
    if fmt == "json":
        body = json.dumps(_json_safe(value), ensure_ascii=False)
    else:
        body = to_xml(tag, value)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))


def errors(fmt: str, status: int, descriptions: list[str], headers: dict | None = None) -> HttpResponse:
    response = respond(fmt, "errors", [{"code": status, "description": str(d)} for d in descriptions], status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response

"""Schema post-processing: every operation declares the errors it can answer with.

drf-spectacular documents the success responses it can infer from the views; the errors come from
DRF's machinery (authentication, permissions, validation, throttling) and from the action functions
(core/api/exceptions.py turns their ValidationErrors into 400 or 409). This hook adds them to every
operation with one documented body, so clients (and schemathesis's status-code and response-schema
checks) know what a 4xx looks like:

    400  the input is wrong: {"field": ["message", ...], ...} or {"detail": ...}
    401  no or bad credentials (token or session)
    403  in scope but not allowed (or a locked account)
    404  not found, or out of the user's scope
    409  (writes) the case is not in a state for this action, or the version sent is stale
    415  (with a body) a content type the operation does not parse
    429  too many requests
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error. `detail` says what went wrong (a message, or a list of messages); a 400 "
                   "names each wrong field with its messages instead (`{\"field\": [\"...\"]}`, nested for "
                   "lists and objects). Messages are in Chinese unless `Accept-Language: en` is sent.",
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    "400": "The input is wrong (a field, a filter or the body).",
    "401": "Authentication is missing or wrong.",
    "403": "The object is in scope but the action is not the user's.",
    "404": "Not found, or outside the user's scope.",
    "409": "Conflict: the object is not in a state for this action, or the version sent is stale.",
    "415": "Unsupported content type.",
    "429": "Too many requests: slow down.",
}

WRITE_METHODS = {"post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in WRITE_METHODS | {"get", "head", "options"}:
                continue
            codes = ["400", "401", "403", "404", "429"]
            if method in WRITE_METHODS:
                codes.append("409")
            if "requestBody" in operation:
                codes.append("415")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {
                    "description": DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ref}},
                })
            _allow_empty_enum_filters(operation)
    return result


def _allow_empty_enum_filters(operation) -> None:
    """A filter sent empty (`?state=`) means no filter, as in the pages' forms: say so in the enum."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.get("schema", {})
        target = schema.get("items", schema) if schema.get("type") == "array" else schema
        if "enum" in target and "" not in target["enum"]:
            target["enum"] = [*target["enum"], ""]

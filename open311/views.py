"""GeoReport v2 at /open311/v2/ (docs/open311.md): discovery, services, service definitions,
requests (list, one, create), tokens, service request updates. XML or JSON by the suffix.

Reading needs no key; creating needs an api_key (query string, form, JSON body, `X-Api-Key` or
`Api-Key` header). Errors are the spec's error bodies: 400 wrong input, 403 missing or bad key,
404 unknown service, request, token or jurisdiction_id, 429 too many requests (with Retry-After).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from cases.models import Case
from cases.public import CODE_RE, normalize_code, public_url, tracking_url
from core.ratelimit import Limited, client_ip, hit, retry_message
from open311 import actions, formats, params, selectors
from open311.params import Open311Error

# where report_case's field names show up in Open311's parameters
PARAMETER_OF_FIELD = {"lon": "lat/long", "lat": "lat/long", "category": "service_code", "photos": "media",
                      "reporter_phone": "phone", "reporter_name": "first_name/last_name", "description": "description"}


def _too_many(limited: Limited) -> Open311Error:
    return Open311Error(429, retry_message(limited), headers={"Retry-After": str(limited.retry_after)})


def endpoint(*methods: str):
    """An Open311 view: the format from the suffix (XML without one), the method, jurisdiction_id
    (404 when unknown) checked, Open311Error turned into the error body. No CSRF: clients
    authenticate with a key, never a cookie."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, fmt=None, **kwargs):
            fmt = (fmt or "xml").lower()
            if fmt not in formats.FORMATS:
                return formats.errors("xml", 400, [gettext("Unknown format .%(format)s: use .xml or .json.")
                                                   % {"format": fmt[:10]}])
            if request.method not in methods:
                response = formats.errors(fmt, 405, [gettext("This address does not accept %(method)s.")
                                                     % {"method": request.method}])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, fmt, params.jurisdiction(request), **kwargs)
            except Open311Error as exc:
                return formats.errors(fmt, exc.status, exc.descriptions, exc.headers)

        return csrf_exempt(wrapped)

    return decorator


def _base_url(request) -> str:
    return public_url(request, reverse("open311:services", kwargs={"fmt": "xml"})).rsplit("/", 1)[0]


@endpoint("GET", "HEAD")
def discovery(request, fmt, district):
    return formats.respond(fmt, "discovery", {
        "changeset": selectors.CHANGESET,
        "contact": gettext("The district's grid management command centre (区网格化服务管理中心)."),
        "key_service": gettext("API keys are issued by the system administrator (manage.py open311_client)."),
        "endpoints": [{
            "specification": selectors.SPECIFICATION,
            "url": _base_url(request),
            "changeset": selectors.CHANGESET,
            "type": "production" if settings.PRODUCTION else "test",
            "formats": ["text/xml", "application/json"],
        }],
    })


@endpoint("GET", "HEAD")
def services(request, fmt, district):
    return formats.respond(fmt, "services", selectors.service_rows())


@endpoint("GET", "HEAD")
def service_definition(request, fmt, district, code):
    definition = selectors.service_definition(code)
    if definition is None:
        raise Open311Error(404, gettext("service_code %(code)s was not found.") % {"code": code[:20]})
    return formats.respond(fmt, "service_definition", definition)


@endpoint("GET", "HEAD", "POST")
def service_requests(request, fmt, district):
    if request.method == "POST":
        return _create(request, fmt, district)
    filters = params.list_filters(request)
    cases = selectors.page(selectors.filter_requests(selectors.requests_queryset(district), filters), filters)
    return formats.respond(fmt, "service_requests", [selectors.request_row(case) for case in cases])


def _create(request, fmt, district):
    limited = hit("open311-post-ip", client_ip(request), settings.RATE_LIMIT_OPEN311)
    if limited is not None:
        raise _too_many(limited)
    key = params.api_key(request)
    if not key:
        raise Open311Error(403, gettext("api_key is required to submit a request."))
    client = actions.authenticate(key)
    if client is None:
        raise Open311Error(403, gettext("The api_key is not valid."))
    limited = hit("open311-post-key", str(client.pk), settings.RATE_LIMIT_OPEN311)
    if limited is not None:
        raise _too_many(limited)
    values = params.new_request(request, client, district)
    try:
        case, created = actions.submit_request(client, **values)
    except ValidationError as exc:
        # report_case names the field of each error but for an unreadable photo
        raise Open311Error(400, *_messages(exc, "media" if values["photos"] else "")) from exc
    except PermissionDenied as exc:
        raise Open311Error(403, str(exc)) from exc
    notice = gettext("Received. Tracking code %(code)s; follow the progress at %(url)s") % {
        "code": case.tracking_code, "url": tracking_url(request, case.tracking_code)}
    row = {"service_request_id": str(case.pk), "token": case.tracking_code, "service_notice": notice,
           "account_id": values["account_id"] or None}
    return formats.respond(fmt, "service_requests", [row], status=201 if created else 200)


def _messages(exc: ValidationError, unnamed: str = "") -> list[str]:
    if not hasattr(exc, "error_dict"):
        return [f"{unnamed}: {message}" if unnamed else message for message in exc.messages]
    out = []
    for field, messages in exc.message_dict.items():
        name = PARAMETER_OF_FIELD.get(field, field)
        out.extend(f"{name}: {message}" for message in messages)
    return out


@endpoint("GET", "HEAD")
def service_request(request, fmt, district, request_id):
    case = None
    if request_id.isdigit() and len(request_id) < 19:
        case = selectors.requests_queryset(district).filter(pk=int(request_id)).first()
    if case is None:
        raise Open311Error(404, gettext("service_request_id %(id)s was not found.") % {"id": request_id[:20]})
    return formats.respond(fmt, "service_requests", [selectors.request_row(case)])


@endpoint("GET", "HEAD")
def token(request, fmt, district, token):
    """The token is the tracking code a POST answered with: it names one request, so it is looked
    up no faster than the tracking page allows."""
    limited = hit("open311-token", client_ip(request), settings.RATE_LIMIT_PUBLIC)
    if limited is not None:
        raise _too_many(limited)
    code = normalize_code(token[:40])
    found = None
    if CODE_RE.match(code):
        qs = Case.objects.filter(tracking_code=code)
        if district:
            qs = qs.filter(district_code=district)
        found = qs.values_list("pk", "tracking_code").first()
    if found is None:
        raise Open311Error(404, gettext("Token %(token)s was not found.") % {"token": token[:20]})
    return formats.respond(fmt, "service_requests", [{"service_request_id": str(found[0]), "token": found[1]}])


@endpoint("GET", "HEAD")
def service_request_updates(request, fmt, district):
    filters = params.list_filters(request)
    events = selectors.page(selectors.filter_updates(selectors.updates_queryset(district), filters), filters)
    return formats.respond(fmt, "service_request_updates", [selectors.update_row(e) for e in events])

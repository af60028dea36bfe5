"""Reading GeoReport v2 input, liberally: api_key and jurisdiction_id from the query string, the
form body or a header; lists comma-separated; W3C date/times with or without an offset. Anything
wrong raises Open311Error with the status and the descriptions the client gets back."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from areas.models import Area
from areas.resolver import get_index
from cases.catalog import active_minor
from open311.choices import Datatype
from open311.models import Open311Client

MAX_DESCRIPTION = 4000
MAX_MEDIA = 3
MAX_PAGE_SIZE = 1000
DEFAULT_SPAN = dt.timedelta(days=90)
GRID_CODE_RE = re.compile(r"\d{15,}")
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
STATUSES = ("open", "closed")


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]
        self.headers = headers or {}


# --- where parameters come from ----------------------------------------------------------------


def _json_body(request) -> dict:
    cached = getattr(request, "_open311_json", None)
    if cached is not None:
        return cached
    body: dict = {}
    if request.method == "POST" and request.content_type == "application/json":
        try:
            loaded = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise Open311Error(400, gettext("The request body is not valid JSON.")) from exc
        if not isinstance(loaded, dict):
            raise Open311Error(400, gettext("The request body must be a JSON object."))
        body = loaded
    request._open311_json = body
    return body


def param(request, name: str, *headers: str) -> str:
    """The first non-empty value of `name` in the query string, the form or JSON body, or one of
    the `headers` (META names)."""
    for source in (request.GET, request.POST if request.method == "POST" else {}, _json_body(request)):
        value = source.get(name)
        if value not in (None, ""):
            return str(value).strip()
    for header in headers:
        value = request.META.get(header)
        if value:
            return value.strip()
    return ""


def api_key(request) -> str:
    return param(request, "api_key", "HTTP_X_API_KEY", "HTTP_API_KEY")


def jurisdiction(request) -> str:
    """The district code named by jurisdiction_id ("" for none); 404 for an unknown one."""
    value = param(request, "jurisdiction_id", "HTTP_X_JURISDICTION_ID", "HTTP_JURISDICTION_ID")
    if not value:
        return ""
    if len(value) > 20 or not Area.objects.filter(level="district", code=value).exists():
        raise Open311Error(404, gettext("jurisdiction_id %(value)s was not found.") % {"value": value[:20]})
    return value


# --- reading lists -----------------------------------------------------------------------------


def comma_list(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def when(name: str, value: str) -> dt.datetime | None:
    """A W3C date/time; a "+" turned into a space by a careless client's query string is fixed, a
    missing offset means Beijing time, a date alone its midnight."""
    value = (value or "").strip()
    if not value:
        return None
    if " " in value and "+" not in value:
        head, _sep, tail = value.rpartition(" ")
        value = f"{head}+{tail}" if re.fullmatch(r"\d{2}(:?\d{2})?", tail) else value
    parsed = None
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, gettext("%(name)s is not a W3C date and time, e.g. 2026-01-31T08:00:00+08:00.")
                           % {"name": name})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def whole_number(name: str, value: str, default: int, maximum: int | None = None) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise Open311Error(400, gettext("%(name)s must be a whole number from 1.") % {"name": name})
    return min(number, maximum) if maximum else number


def list_filters(request) -> dict:
    """The filters of GET requests.{fmt} and servicerequestupdates.{fmt}, checked."""
    errors = []
    statuses = [s.lower() for s in comma_list(param(request, "status"))]
    if any(s not in STATUSES for s in statuses):
        errors.append(gettext("status must be open, closed or both (comma-separated)."))
    filters: dict = {"statuses": statuses}
    for name in ("start_date", "end_date", "updated_after", "updated_before"):
        try:
            filters[name] = when(name, param(request, name))
        except Open311Error as exc:
            errors.extend(exc.descriptions)
    try:
        filters["page"] = whole_number("page", param(request, "page"), 1)
        filters["page_size"] = whole_number("page_size", param(request, "page_size"), MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    except Open311Error as exc:
        errors.extend(exc.descriptions)
    if errors:
        raise Open311Error(400, *errors)
    filters["ids"] = comma_list(param(request, "service_request_id"))
    filters["codes"] = comma_list(param(request, "service_code"))
    return filters


# --- a new request -----------------------------------------------------------------------------


def _given_attributes(request) -> dict[str, list[str]]:
    given: dict[str, list[str]] = {}
    sources = [request.POST] if request.method == "POST" else []
    for source in sources:
        for name in source:
            match = ATTRIBUTE_RE.match(name)
            if match:
                given.setdefault(match[1], []).extend(v for v in source.getlist(name) if v.strip())
    body = _json_body(request)
    nested = body.get("attribute")
    if isinstance(nested, dict):
        for code, value in nested.items():
            values = value if isinstance(value, list) else [value]
            given.setdefault(str(code), []).extend(str(v) for v in values if str(v).strip())
    for name, value in body.items():
        match = ATTRIBUTE_RE.match(str(name))
        if match:
            values = value if isinstance(value, list) else [value]
            given.setdefault(match[1], []).extend(str(v) for v in values if str(v).strip())
    return given


def _attributes(request, category, errors: list) -> tuple[dict, list[str]]:
    """The answers to the service's attributes, checked, and one description line per answer."""
    given = _given_attributes(request)
    answers: dict = {}
    lines: list[str] = []
    for attribute in category.open311_attributes.filter(variable=True):
        values = [v.strip() for v in given.get(attribute.code, [])]
        label = f"attribute[{attribute.code}]"
        if not values:
            if attribute.required:
                errors.append(gettext("%(name)s is required: %(question)s")
                              % {"name": label, "question": attribute.description})
            continue
        names = {str(v.get("key")): str(v.get("name")) for v in attribute.values or [] if isinstance(v, dict)}
        if attribute.datatype in (Datatype.SINGLE, Datatype.MULTI):
            if attribute.datatype == Datatype.SINGLE:
                values = values[:1]
            unknown = [v for v in values if v not in names]
            if unknown:
                errors.append(gettext("%(name)s must be one of: %(keys)s")
                              % {"name": label, "keys": ", ".join(names)})
                continue
            answers[attribute.code] = values if attribute.datatype == Datatype.MULTI else values[0]
            shown = "、".join(names[v] for v in values)
        elif attribute.datatype == Datatype.NUMBER:
            try:
                number = float(values[0])
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                errors.append(gettext("%(name)s must be a number.") % {"name": label})
                continue
            answers[attribute.code] = shown = values[0]
        elif attribute.datatype == Datatype.DATETIME:
            try:
                moment = when(label, values[0])
            except Open311Error as exc:
                errors.extend(exc.descriptions)
                continue
            answers[attribute.code] = shown = moment.isoformat() if moment else ""
        else:
            limit = 2000 if attribute.datatype == Datatype.TEXT else 200
            answers[attribute.code] = shown = values[0][:limit]
        lines.append(f"{attribute.description}: {shown}")
    return answers, lines


def _phone(value: str) -> str:
    value = re.sub(r"[\s()]", "", value or "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix) and len(value) > len(prefix) + 6:
            value = value[len(prefix):].lstrip("-")
    return value[:20]


def _name(first: str, last: str) -> str:
    first, last = (first or "").strip(), (last or "").strip()
    if not (first.isascii() and last.isascii()):
        return f"{last}{first}"[:50]  # Chinese order: family name first, no space
    return " ".join(part for part in (first, last) if part)[:50]


def _grid_by_code(code: str, district: str) -> Area | None:
    qs = Area.objects.defer("boundary").filter(code=code, level__in=["grid", "cell"])
    if district:
        qs = qs.filter(district_code=district)
    return qs.first()


def _grid_for_address(text: str, district: str) -> Area | None:
    match = GRID_CODE_RE.search(text)
    if match:
        return _grid_by_code(match[0], district)
    qs = Area.objects.defer("boundary").filter(name=text.strip(), level__in=["grid", "cell"])
    if district:
        qs = qs.filter(district_code=district)
    found = list(qs[:2])
    return found[0] if len(found) == 1 else None


def _district_of_point(lon: float, lat: float) -> str | None:
    area_id = get_index().resolve(lon, lat)
    if area_id is None:
        return None
    return Area.objects.filter(pk=area_id).values_list("district_code", flat=True).first()


def new_request(request, client: Open311Client, jurisdiction_code: str) -> dict:
    """The keyword arguments of open311.actions.submit_request, or Open311Error (400, or 403 for a
    jurisdiction the client may not report in)."""
    district = client.district_code or jurisdiction_code
    if client.district_code and jurisdiction_code and jurisdiction_code != client.district_code:
        raise Open311Error(403, gettext("This api_key may not submit requests in jurisdiction %(code)s.")
                           % {"code": jurisdiction_code})
    errors: list[str] = []
    code = param(request, "service_code")
    category = active_minor(code) if code else None
    if not code:
        errors.append(gettext("service_code is required."))
    elif category is None:
        errors.append(gettext("service_code %(code)s is not a service of this endpoint.") % {"code": code[:20]})

    values: dict = {"lon": None, "lat": None, "grid": None}
    lat_text, long_text = param(request, "lat"), param(request, "long")
    address = param(request, "address_string")[:200]
    address_id = param(request, "address_id")
    if lat_text or long_text:
        try:
            lat, lon = float(lat_text), float(long_text)
        except ValueError:
            lat = lon = math.nan
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            errors.append(gettext("lat and long must both be given, as decimal degrees (WGS-84)."))
        else:
            values["lon"], values["lat"] = lon, lat
            point_district = _district_of_point(lon, lat)
            if district and point_district and point_district != district:
                errors.append(gettext("The location is outside jurisdiction %(code)s.") % {"code": district})
    elif address_id or address:
        grid = _grid_by_code(address_id, district) if address_id else _grid_for_address(address, district)
        if grid is None:
            errors.append(gettext("The address could not be located: send lat and long, or a grid code as "
                                  "address_id."))
        values["grid"] = grid
    else:
        errors.append(gettext("A location is required: lat and long, or address_string."))

    description = param(request, "description")
    if len(description) > MAX_DESCRIPTION:
        errors.append(gettext("description may be at most %(count)d characters long.") % {"count": MAX_DESCRIPTION})
    answers: dict = {}
    lines: list[str] = []
    if category is not None:
        answers, lines = _attributes(request, category, errors)

    email = param(request, "email")[:254]
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            errors.append(gettext("email is not a valid e-mail address."))
    media_url = param(request, "media_url")
    if media_url:
        try:
            if len(media_url) > 500:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors.append(gettext("media_url must be an http or https address of at most 500 characters."))
    photos = request.FILES.getlist("media") if request.method == "POST" else []
    if len(photos) > MAX_MEDIA:
        errors.append(gettext("Attach at most %(count)d media files.") % {"count": MAX_MEDIA})
    if errors:
        raise Open311Error(400, *errors)

    text = description or category.name
    if lines:
        text += "\n" + "\n".join(lines)
    if media_url:
        text += "\n" + gettext("Photo link: %(url)s") % {"url": media_url}
    return {
        **values,
        "category_code": category.code,
        "description": text,
        "address": address,
        "reporter_name": _name(param(request, "first_name"), param(request, "last_name")),
        "reporter_phone": _phone(param(request, "phone")),
        "email": email,
        "photos": photos,
        "media_url": media_url,
        "attributes": answers,
        "device_id": param(request, "device_id"),
        "account_id": param(request, "account_id"),
        "idempotency_key": request.headers.get("Idempotency-Key", ""),
    }

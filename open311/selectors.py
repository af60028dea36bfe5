"""What the GeoReport v2 endpoints read, already shaped as the rows they answer with.

The public feed is public: it never carries the reporter (name, phone, e-mail, account), staff or
department names, timeline notes or photos. Cases of sensitive categories (disputes, security:
`Category.sensitive` on the minor or the major category) show no position at all — no lat/long,
address, grid (address_id) or owning area — and no description; voided cases no description.
Mobile and identity-card numbers typed into a description are masked.

service_request_id is the case's id (`Case.pk`, as a string), never its tracking code: the tracking
code is the reporter's private key to the tracking page and to rating (cases/public.py).
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from cases.choices import FINAL_STATES, OPEN_STATES, CaseState
from cases.models import Case, CaseEvent, Category
from open311.models import ServiceAttribute
from open311.params import DEFAULT_SPAN

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"  # when this endpoint's behaviour last changed

MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_CARD_RE = re.compile(r"(?<![\dXx])(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")


def iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def status_of(state: str) -> str:
    return "closed" if state in FINAL_STATES else "open"


def mask(text: str) -> str:
    text = ID_CARD_RE.sub(lambda m: f"{m[1]}********{m[2][-1]}", text or "")
    return MOBILE_RE.sub(lambda m: f"{m[1]}****{m[2]}", text)


# --- services ----------------------------------------------------------------------------------


def active_services():
    return (Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
            .select_related("parent", "standard").order_by("parent__sort", "parent__code", "sort", "code"))


def service_rows() -> list[dict]:
    with_fields = set(ServiceAttribute.objects.values_list("category_id", flat=True).distinct())
    rows = []
    for category in active_services():
        standard = getattr(category, "standard", None)
        description = (standard.filing_conditions if standard is not None else "") or category.name
        rows.append({
            "service_code": category.code,
            "service_name": category.name,
            "description": description,
            "metadata": category.pk in with_fields,
            "type": "realtime",
            "keywords": ", ".join([category.parent.name, category.name, str(category.get_kind_display())]),
            "group": category.parent.name,
        })
    return rows


def service_definition(code: str) -> dict | None:
    category = active_services().filter(code=code).first()
    if category is None:
        return None
    attributes = []
    for attribute in category.open311_attributes.all():
        attributes.append({
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description,
            "order": attribute.order,
            "description": attribute.description,
            "values": [{"key": str(v.get("key")), "name": str(v.get("name"))} for v in attribute.values or []
                       if isinstance(v, dict)],
        })
    return {"service_code": category.code, "attributes": attributes}


# --- requests ----------------------------------------------------------------------------------

# only what the feed shows is read: the reporter's columns never leave the database
REQUEST_FIELDS = ["id", "category__code", "category__name", "category__sensitive", "category__parent__sensitive",
                  "description", "address", "lon", "lat", "grid__code", "owner_area__name", "state",
                  "merged_into_id", "created_at", "updated_at", "handle_due_at"]


def requests_queryset(district_code: str = ""):
    qs = Case.objects.select_related("category__parent", "grid", "owner_area").only(*REQUEST_FIELDS)
    if district_code:
        qs = qs.filter(district_code=district_code)
    return qs


def filter_requests(qs, filters: dict):
    """GeoReport v2 filters: service_request_id (then nothing else applies), service_code,
    start_date/end_date (on requested_datetime; with neither, the 90 days up to now), status; and the
    common extensions updated_after/updated_before. Newest first."""
    if filters["ids"]:
        ids = [int(i) for i in filters["ids"] if i.isdigit() and len(i) < 19]
        return qs.filter(pk__in=ids).order_by("-created_at", "-id")
    if filters["codes"]:
        qs = qs.filter(category__code__in=filters["codes"])
    start, end = filters["start_date"], filters["end_date"]
    if start is None and end is None and filters["updated_after"] is None and filters["updated_before"] is None:
        start = timezone.now() - DEFAULT_SPAN
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if filters["updated_after"] is not None:
        qs = qs.filter(updated_at__gte=filters["updated_after"])
    if filters["updated_before"] is not None:
        qs = qs.filter(updated_at__lte=filters["updated_before"])
    statuses = set(filters["statuses"])
    if statuses == {"open"}:
        qs = qs.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=FINAL_STATES)
    return qs.order_by("-created_at", "-id")


def page(qs, filters: dict) -> list:
    size = filters["page_size"]
    offset = (filters["page"] - 1) * size
    return list(qs[offset:offset + size])


def status_notes(case: Case) -> str:
    if case.state == CaseState.MERGED and case.merged_into_id:
        return gettext("Merged into request %(id)s") % {"id": case.merged_into_id}
    return str(case.get_state_display())


def request_row(case: Case) -> dict:
    sensitive = case.category.sensitive or (case.category.parent is not None and case.category.parent.sensitive)
    row = {
        "service_request_id": str(case.pk),
        "status": status_of(case.state),
        "status_notes": status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": "" if sensitive or case.state == CaseState.VOIDED else mask(case.description),
        "agency_responsible": "" if sensitive else case.owner_area.name,
        "service_notice": "",
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.handle_due_at) if case.state in OPEN_STATES else None,
    }
    if not sensitive:
        row.update({"address": case.address, "address_id": case.grid.code, "lat": case.lat, "long": case.lon})
    row["media_url"] = ""
    return row


# --- updates -----------------------------------------------------------------------------------


def updates_queryset(district_code: str = ""):
    qs = CaseEvent.objects.filter(public=True).only("id", "case_id", "action", "to_state", "data", "created_at")
    if district_code:
        qs = qs.filter(case__district_code=district_code)
    return qs


def filter_updates(qs, filters: dict):
    """start_date/end_date on the update's time (with neither, the 90 days up to now), and the
    requests' filters service_request_id, service_code, status (the status after the update).
    Oldest first, so a client can follow along."""
    if filters["ids"]:
        qs = qs.filter(case_id__in=[int(i) for i in filters["ids"] if i.isdigit() and len(i) < 19])
    if filters["codes"]:
        qs = qs.filter(case__category__code__in=filters["codes"])
    start, end = filters["start_date"] or filters["updated_after"], filters["end_date"] or filters["updated_before"]
    if start is None and end is None and not filters["ids"]:
        start = timezone.now() - DEFAULT_SPAN
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    statuses = set(filters["statuses"])
    if statuses == {"open"}:
        qs = qs.filter(~Q(to_state__in=FINAL_STATES))
    elif statuses == {"closed"}:
        qs = qs.filter(to_state__in=FINAL_STATES)
    return qs.order_by("created_at", "id")


def update_row(event: CaseEvent) -> dict:
    from cases.public import _event_text  # the tracking page's words for each step: never a note or a name

    return {
        "update_id": str(event.pk),
        "service_request_id": str(event.case_id),
        "status": status_of(event.to_state),
        "updated_datetime": iso(event.created_at),
        "description": _event_text(event),
        "media_url": "",
    }

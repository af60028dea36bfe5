"""Reads for the pages, the dashboard and the API."""

from __future__ import annotations

from cases.models import Case
from earlywarning.choices import ACTIVE_STATES
from earlywarning.models import EarlyWarning


def visible_warnings(user, area=None, states=ACTIVE_STATES, kind: str = ""):
    qs = EarlyWarning.objects.restrict(user, "case.view").select_related("area", "category")
    if area is not None:
        qs = qs.filter(area_path__startswith=area.path)
    if states:
        qs = qs.filter(state__in=states)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-updated_at", "-id")


def warning_cases(user, warning):
    """The warning's cases that the viewer may see (a grid worker sees those in their grid)."""
    return (Case.objects.restrict(user, "case.view").filter(pk__in=warning.case_ids[:200])
            .select_related("category", "grid").order_by("created_at", "id"))


def as_feature(warning) -> dict:
    return {"id": warning.pk, "kind": warning.kind, "kind_label": str(warning.get_kind_display()),
            "state": warning.state, "category": warning.category.name if warning.category_id else "",
            "area": warning.area.name, "count": warning.count, "lon": warning.center_lon, "lat": warning.center_lat,
            "radius_m": warning.radius_m, "url": warning.get_absolute_url()}

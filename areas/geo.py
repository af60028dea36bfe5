"""GeoJSON boundaries (lon/lat, WGS-84/CGCS2000): parsing, validation and the checks between areas.

Everything raises django ValidationError with a Chinese message (via gettext) on bad input.
"""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

MAX_VERTICES = 200_000


def parse_geometry(value: Any) -> BaseGeometry:
    """Turn a GeoJSON geometry, Feature or JSON string into a valid (Multi)Polygon, or raise."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except (ValueError, TypeError) as exc:
            raise ValidationError(_("The boundary is not valid JSON: %(error)s") % {"error": exc}) from exc
    if not isinstance(value, dict):
        raise ValidationError(_("The boundary must be a GeoJSON object."))
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise ValidationError(_("The GeoJSON feature has no geometry."))
    if value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            _("The boundary must be a Polygon or MultiPolygon, not %(type)s.") % {"type": value.get("type") or "?"}
        )
    try:
        geom = shape(value)
    except Exception as exc:  # shapely raises several kinds for malformed coordinates
        raise ValidationError(_("The boundary's coordinates are malformed.")) from exc
    if geom.is_empty:
        raise ValidationError(_("The boundary is empty."))
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise ValidationError(_("The boundary has too many vertices (at most %(max)d).") % {"max": MAX_VERTICES})
    min_x, min_y, max_x, max_y = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds):
        raise ValidationError(_("The boundary's coordinates must be finite numbers."))
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise ValidationError(_("The boundary's coordinates must be longitude/latitude in degrees."))
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise ValidationError(_("The boundary is not a valid polygon (%(reason)s).") % {"reason": reason})
    if geom.area <= 0:
        raise ValidationError(_("The boundary has no area."))
    return geom


def to_geojson(geom: BaseGeometry) -> dict:
    return json.loads(json.dumps(mapping(geom)))


def bbox_fields(geom: BaseGeometry | None) -> dict[str, float | None]:
    if geom is None:
        return dict(min_lon=None, min_lat=None, max_lon=None, max_lat=None, center_lon=None, center_lat=None)
    min_x, min_y, max_x, max_y = geom.bounds
    point = geom.representative_point()
    return dict(min_lon=min_x, min_lat=min_y, max_lon=max_x, max_lat=max_y, center_lon=point.x, center_lat=point.y)


def check_inside(child: BaseGeometry, parent: BaseGeometry, tolerance: float, parent_name: str) -> None:
    """A child must lie inside its parent, give or take `tolerance` of its own area."""
    outside = child.difference(parent).area
    if outside > tolerance * child.area:
        share = outside / child.area * 100
        raise ValidationError(
            _("The boundary lies %(share).1f%% outside its parent area %(parent)s.")
            % {"share": share, "parent": parent_name}
        )


def check_no_overlap(geom: BaseGeometry, siblings: list[tuple[str, BaseGeometry]], tolerance: float) -> None:
    """Siblings must not overlap by more than `tolerance` of the smaller one's area."""
    if not siblings:
        return
    tree = shapely.STRtree([g for _, g in siblings])
    for index in tree.query(geom, predicate="intersects"):
        name, other = siblings[int(index)]
        overlap = geom.intersection(other).area
        if overlap > tolerance * min(geom.area, other.area):
            raise ValidationError(
                _("The boundary overlaps the neighbouring area %(name)s (%(share).1f%% of the smaller one).")
                % {"name": name, "share": overlap / min(geom.area, other.area) * 100}
            )


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))

"""Every change to the area tree, departments and grid staff goes through these functions.

Each validates, runs in one transaction, locks the rows it changes, writes the audit row with a
before/after snapshot, and bumps the boundary version when a boundary changes (so the point
resolver rebuilds its index).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from areas import geo, resolver
from areas.choices import ALLOWED_PARENT_LEVELS, SPONSORING_LEADER_MAX_GRIDS, Duty, Level
from areas.models import Area, Department, StaffAssignment
from core.audit import record, snapshot
from core.sql import lock_row

UNSET = object()
AREA_FIELDS = ["name", "level", "parent", "code", "official_code", "illustrative", "grid_level_names", "households"]


def _require(actor, capability: str, area: Area | None) -> None:
    if actor is None:  # system jobs (demo loader, migrations) act without a user
        return
    if not get_scope(actor).can(capability, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


def _area_snapshot(area: Area) -> dict:
    data = snapshot(area, fields=AREA_FIELDS)
    data["has_boundary"] = area.boundary is not None
    data["bbox"] = [area.min_lon, area.min_lat, area.max_lon, area.max_lat]
    return data


# --- codes -----------------------------------------------------------------------------------


def expected_code_shape(level: str, parent: Area | None) -> tuple[str, str]:
    """(prefix the code must start with, regex for the whole code) for a new area."""
    if level == Level.DISTRICT:
        return "", r"\d{6}"
    assert parent is not None
    if level == Level.STREET:
        return parent.code, r"\d{9}000"
    if level == Level.COMMUNITY:
        return parent.code[:9], r"\d{12}"
    if parent.level == Level.COMMUNITY:
        return parent.code, r"\d{15}"
    return parent.code, rf"\d{{{len(parent.code) + 3}}}"


def validate_code(code: str, level: str, parent: Area | None) -> None:
    max_length = Area._meta.get_field("code").max_length
    if len(code or "") > max_length:
        raise ValidationError({"code": _("Codes have at most %(n)d digits: the tree is too deep here.") % {"n": max_length}})
    prefix, pattern = expected_code_shape(level, parent)
    if not re.fullmatch(pattern, code or ""):
        raise ValidationError(
            {"code": _("The code %(code)s does not have the form required for this level (%(pattern)s).")
             % {"code": code, "pattern": _describe_pattern(pattern)}}
        )
    if prefix and not code.startswith(prefix):
        raise ValidationError(
            {"code": _("The code %(code)s must start with %(prefix)s, the code of its parent area.")
             % {"code": code, "prefix": prefix}}
        )


def _describe_pattern(pattern: str) -> str:
    match = re.fullmatch(r"\\d\{(\d+)\}(0*)", pattern)
    if match:
        total = int(match.group(1)) + len(match.group(2))
        return _("%(n)d digits") % {"n": total}
    return pattern


def next_child_code(parent: Area, level: str) -> str:
    prefix, pattern = expected_code_shape(level, parent)
    base = prefix if level != Level.STREET else parent.code
    existing = set(Area.objects.filter(parent=parent).values_list("code", flat=True))
    for number in range(1, 1000):
        if level == Level.STREET:
            code = f"{base}{number:03d}000"
        else:
            code = f"{base}{number:03d}"
        if code not in existing and re.fullmatch(pattern, code) and not Area.objects.filter(code=code).exists():
            return code
    raise ValidationError(_("No free code is left under %(parent)s.") % {"parent": parent.name})


# --- tree checks -----------------------------------------------------------------------------


def _check_level(level: str, parent: Area | None) -> None:
    if level not in Level.values:
        raise ValidationError({"level": _("Unknown area level %(level)s.") % {"level": level}})
    allowed = ALLOWED_PARENT_LEVELS[Level(level)]
    if not allowed:
        if parent is not None:
            raise ValidationError({"parent": _("A district cannot have a parent area.")})
        return
    if parent is None:
        raise ValidationError({"parent": _("This area needs a parent area.")})
    if parent.level not in allowed:
        raise ValidationError(
            {"parent": _("A %(level)s cannot be placed under a %(parent)s.")
             % {"level": Level(level).label, "parent": parent.get_level_display()}}
        )
    if level == Level.GRID and parent.level == Level.GRID:
        names = parent.district_grid_level_names()
        rank = parent.grid_rank + 1
        if rank > max(len(names), 1):
            raise ValidationError(
                {"parent": _("This district allows %(n)d grid level(s) below a community.") % {"n": max(len(names), 1)}}
            )


def _check_boundary(geom, parent: Area | None, exclude_pk: int | None, level: str) -> None:
    if parent is not None and parent.boundary is not None:
        geo.check_inside(geom, geo.parse_geometry(parent.boundary), settings.AREA_CONTAINMENT_TOLERANCE, parent.name)
    siblings_qs = Area.objects.filter(boundary__isnull=False, level=level)
    siblings_qs = siblings_qs.filter(parent=parent) if parent is not None else siblings_qs.filter(parent__isnull=True)
    min_x, min_y, max_x, max_y = geom.bounds
    siblings_qs = siblings_qs.filter(min_lon__lte=max_x, max_lon__gte=min_x, min_lat__lte=max_y, max_lat__gte=min_y)
    if exclude_pk is not None:
        siblings_qs = siblings_qs.exclude(pk=exclude_pk)
    siblings = [(name, geo.parse_geometry(boundary)) for name, boundary in siblings_qs.values_list("name", "boundary")]
    geo.check_no_overlap(geom, siblings, settings.AREA_OVERLAP_TOLERANCE)


def _check_children_inside(area: Area, geom) -> None:
    for child in Area.objects.filter(parent=area, boundary__isnull=False).only("name", "boundary"):
        child_geom = geo.parse_geometry(child.boundary)
        outside = child_geom.difference(geom).area
        if outside > settings.AREA_CONTAINMENT_TOLERANCE * child_geom.area:
            raise ValidationError(
                {"boundary": _("The new boundary would leave the child area %(name)s outside.") % {"name": child.name}}
            )


def _set_path(area: Area) -> None:
    if area.parent_id is None:
        area.path = f"/{area.pk}/"
        area.depth = 0
    else:
        area.path = f"{area.parent.path}{area.pk}/"
        area.depth = area.parent.depth + 1


# --- areas -----------------------------------------------------------------------------------


def create_area(
    actor,
    *,
    name: str,
    level: str,
    parent: Area | None = None,
    code: str | None = None,
    boundary=None,
    official_code: bool = False,
    illustrative: bool = False,
    grid_level_names: list[str] | None = None,
    households: int | None = None,
) -> Area:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    _require(actor, "area.change", parent)
    with transaction.atomic():
        if parent is not None:
            parent = Area.objects.select_for_update().get(pk=parent.pk)
        _check_level(level, parent)
        code = (code or "").strip() or next_child_code(parent, level) if parent is not None else (code or "").strip()
        validate_code(code, level, parent)
        if Area.objects.filter(code=code).exists():
            raise ValidationError({"code": _("The code %(code)s is already in use.") % {"code": code}})
        geom = geo.parse_geometry(boundary) if boundary is not None else None
        if geom is not None:
            _check_boundary(geom, parent, None, level)
        area = Area(
            name=name,
            level=level,
            parent=parent,
            code=code,
            official_code=official_code,
            illustrative=illustrative,
            grid_level_names=list(grid_level_names or ([] if level != Level.DISTRICT else ["网格"])),
            households=households,
            district_code=code[:6],
            boundary=geo.to_geojson(geom) if geom is not None else None,
            **geo.bbox_fields(geom),
        )
        try:
            with transaction.atomic():
                area.save()
        except IntegrityError as exc:
            raise ValidationError({"code": _("The code %(code)s is already in use.") % {"code": code}}) from exc
        _set_path(area)
        area.save(update_fields=["path", "depth"])
        record(actor, "area.create", area, after=_area_snapshot(area))
        if geom is not None:
            resolver.invalidate()
    return area


def update_area(actor, area: Area, *, name=UNSET, code=UNSET, boundary=UNSET, official_code=UNSET,
                illustrative=UNSET, grid_level_names=UNSET, households=UNSET) -> Area:
    _require(actor, "area.change", area)
    with transaction.atomic():
        area = lock_row(Area.objects.select_related("parent"), area.pk)
        before = _area_snapshot(area)
        if name is not UNSET:
            name = (name or "").strip()
            if not name:
                raise ValidationError({"name": _("The name is required.")})
            area.name = name
        if code is not UNSET and code != area.code:
            if area.children.exists():
                raise ValidationError({"code": _("The code of an area with child areas cannot change; codes are stable.")})
            validate_code(code, area.level, area.parent)
            if Area.objects.filter(code=code).exclude(pk=area.pk).exists():
                raise ValidationError({"code": _("The code %(code)s is already in use.") % {"code": code}})
            area.code = code
        boundary_changed = False
        if boundary is not UNSET:
            if boundary is None:
                if area.children.filter(boundary__isnull=False).exists():
                    raise ValidationError({"boundary": _("Child areas have boundaries; this boundary cannot be removed.")})
                area.boundary = None
                for key, value in geo.bbox_fields(None).items():
                    setattr(area, key, value)
            else:
                geom = geo.parse_geometry(boundary)
                _check_boundary(geom, area.parent, area.pk, area.level)
                _check_children_inside(area, geom)
                area.boundary = geo.to_geojson(geom)
                for key, value in geo.bbox_fields(geom).items():
                    setattr(area, key, value)
            boundary_changed = True
        for field, value in (("official_code", official_code), ("illustrative", illustrative),
                             ("grid_level_names", grid_level_names), ("households", households)):
            if value is not UNSET:
                setattr(area, field, value)
        area.save()
        after = _area_snapshot(area)
        if before != after or boundary_changed:
            record(actor, "area.update", area, before=before, after=after)
        if boundary_changed:
            resolver.invalidate()
    return area


def delete_area(actor, area: Area) -> None:
    _require(actor, "area.change", area)
    with transaction.atomic():
        area = Area.objects.select_for_update().get(pk=area.pk)
        if area.children.exists():
            raise ValidationError(_("The area %(name)s still has child areas.") % {"name": area.name})
        if area.staff_assignments.exists() or area.role_assignments.exists() or area.departments.exists():
            raise ValidationError(
                _("The area %(name)s still has staff, roles or departments bound to it.") % {"name": area.name}
            )
        before = _area_snapshot(area)
        had_boundary = area.boundary is not None
        record(actor, "area.delete", area, before=before)
        area.delete()
        if had_boundary:
            resolver.invalidate()


# --- GeoJSON import/export -------------------------------------------------------------------


def export_geojson(areas) -> dict:
    features = []
    for area in areas:
        features.append({
            "type": "Feature",
            "geometry": area.boundary,
            "properties": {
                "id": area.pk,
                "code": area.code,
                "name": area.name,
                "level": area.level,
                "parent_code": area.parent.code if area.parent_id else None,
                "illustrative": area.illustrative,
            },
        })
    return {"type": "FeatureCollection", "features": features}


def import_geojson(actor, data, *, root: Area | None = None) -> dict:
    """Create or update areas from a FeatureCollection; all features or none.

    Each feature's properties: `code` (required), `name`, `level` and `parent_code` (needed to
    create a new area). An existing area is matched by code and gets the new boundary (and name).
    Features are applied parents first. Errors name the feature (1-based) and say why.
    """
    if isinstance(data, (str, bytes)):
        import json

        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ValidationError(_("The file is not valid JSON: %(error)s") % {"error": exc}) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ValidationError(_("The file must be a GeoJSON FeatureCollection."))
    if not data["features"]:
        raise ValidationError(_("The FeatureCollection has no features."))
    level_rank = {level: i for i, level in enumerate(Level.values)}
    items = []
    for number, feature in enumerate(data["features"], start=1):
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code") or "").strip()
        if not code:
            raise ValidationError(_("Feature %(n)d has no code property.") % {"n": number})
        items.append((number, feature, props, code))
    items.sort(key=lambda item: (level_rank.get(item[2].get("level"), 99), len(item[3])))
    created = updated = 0
    with transaction.atomic():
        for number, feature, props, code in items:
            try:
                existing = Area.objects.filter(code=code).first()
                if existing is not None:
                    if root is not None and not existing.path.startswith(root.path):
                        raise ValidationError(_("The area %(code)s is not under %(root)s.") % {"code": code, "root": root.name})
                    update_area(actor, existing, boundary=feature.get("geometry"),
                                name=props.get("name") or existing.name)
                    updated += 1
                else:
                    parent_code = str(props.get("parent_code") or "").strip()
                    parent = Area.objects.filter(code=parent_code).first() if parent_code else None
                    if parent is None:
                        raise ValidationError(
                            _("The parent area %(code)s does not exist.") % {"code": parent_code or "—"}
                        )
                    if root is not None and not parent.path.startswith(root.path):
                        raise ValidationError(_("The area %(code)s is not under %(root)s.") % {"code": code, "root": root.name})
                    create_area(actor, name=props.get("name") or "", level=props.get("level") or "", parent=parent,
                                code=code, boundary=feature.get("geometry"), illustrative=bool(props.get("illustrative")))
                    created += 1
            except ValidationError as exc:
                messages = "; ".join(exc.messages)
                raise ValidationError(
                    _("Feature %(n)d (code %(code)s): %(messages)s") % {"n": number, "code": code, "messages": messages}
                ) from exc
            except PermissionDenied as exc:
                raise ValidationError(
                    _("Feature %(n)d (code %(code)s): you may not change this area.") % {"n": number, "code": code}
                ) from exc
    return {"created": created, "updated": updated}


# --- departments -----------------------------------------------------------------------------


def save_department(actor, *, department: Department | None = None, name: str, code: str, kind: str,
                    area: Area, phone: str = "", is_active: bool = True) -> Department:
    if area.level not in (Level.DISTRICT, Level.STREET):
        raise ValidationError({"area": _("A department belongs to a district or a street.")})
    _require(actor, "department.change", area)
    if department is not None:
        _require(actor, "department.change", department.area)
    name, code = (name or "").strip(), (code or "").strip()
    if not name or not code:
        raise ValidationError(_("Name and code are required."))
    with transaction.atomic():
        if Department.objects.filter(code=code).exclude(pk=getattr(department, "pk", None)).exists():
            raise ValidationError({"code": _("The code %(code)s is already in use.") % {"code": code}})
        before = None
        if department is not None:
            department = Department.objects.select_for_update().get(pk=department.pk)
            before = snapshot(department)
        else:
            department = Department()
        department.name, department.code, department.kind = name, code, kind
        department.area, department.phone, department.is_active = area, phone, is_active
        department.district_code = area.district_code
        department.save()
        record(actor, "department.update" if before else "department.create", department,
               before=before, after=snapshot(department))
    return department


# --- grid staff ------------------------------------------------------------------------------


def _overlapping(qs, starts_on: date, ends_on: date | None):
    qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        qs = qs.filter(starts_on__lte=ends_on)
    return qs


def assign_staff(actor, *, user, area: Area, duty: str, starts_on: date | None = None,
                 ends_on: date | None = None, note: str = "") -> StaffAssignment:
    if duty not in Duty.values:
        raise ValidationError({"duty": _("Unknown duty %(duty)s.") % {"duty": duty}})
    if area.level != Level.GRID:
        raise ValidationError({"area": _("Grid staff are assigned to a grid.")})
    _require(actor, "staff.change", area)
    starts_on = starts_on or timezone.localdate()
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date cannot be earlier than the start date.")})
    with transaction.atomic():
        Area.objects.select_for_update().filter(pk=area.pk).first()
        same = _overlapping(StaffAssignment.objects.filter(user=user, area=area, duty=duty), starts_on, ends_on)
        if same.exists():
            raise ValidationError(_("%(user)s already holds this duty on this grid in that period.") % {"user": user})
        chiefs = StaffAssignment.objects.filter(area=area, duty=Duty.GRID_CHIEF)
        if duty == Duty.GRID_CHIEF and _overlapping(chiefs, starts_on, ends_on).exists():
            raise ValidationError(_("The grid %(grid)s already has a grid chief in that period.") % {"grid": area.name})
        if duty == Duty.SPONSORING_LEADER:
            count = _overlapping(StaffAssignment.objects.filter(user=user, duty=duty), starts_on, ends_on).count()
            if count >= SPONSORING_LEADER_MAX_GRIDS:
                raise ValidationError(
                    _("A sponsoring leader is responsible for at most %(n)d grids at a time.")
                    % {"n": SPONSORING_LEADER_MAX_GRIDS}
                )
        assignment = StaffAssignment.objects.create(
            user=user, area=area, duty=duty, starts_on=starts_on, ends_on=ends_on, note=note,
            district_code=area.district_code,
        )
        record(actor, "staff.assign", assignment, after=snapshot(assignment))
    return assignment


def end_staff_assignment(actor, assignment: StaffAssignment, ends_on: date | None = None) -> StaffAssignment:
    _require(actor, "staff.change", assignment.area)
    ends_on = ends_on or timezone.localdate() - timedelta(days=1)
    with transaction.atomic():
        assignment = StaffAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.ends_on is not None and assignment.ends_on <= ends_on:
            raise ValidationError(_("This assignment has already ended."))
        before = snapshot(assignment)
        if ends_on < assignment.starts_on:
            # never took effect: an assignment ended before it began is cancelled
            record(actor, "staff.cancel", assignment, before=before)
            assignment.delete()
            return assignment
        assignment.ends_on = ends_on
        assignment.save(update_fields=["ends_on"])
        record(actor, "staff.end", assignment, before=before, after=snapshot(assignment))
    return assignment

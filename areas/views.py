"""Area pages: map, area page, the edit forms, boundary import/export, force list, departments.

Every object comes through areas.access (fetch-or-404 within scope) or a restricted queryset;
every change goes through one function of areas.actions.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.choices import Role
from accounts.models import RoleAssignment
from accounts.scope import get_scope
from areas import actions
from areas.access import access_area, access_department, access_staff_assignment
from areas.choices import ALLOWED_PARENT_LEVELS, LEVEL_COLORS, DepartmentKind, Duty, Level
from areas.forms import AreaCreateForm, AreaEditForm, AssignStaffForm, EndAssignmentForm, ImportForm
from areas.models import Area, Department, StaffAssignment
from areas.selectors import FORCE_ROLES, child_counts, force_list, visible_roots
from core.views import require_capability
from web.utils import add_action_errors, paginate

LIST_FIELDS = ("id", "name", "code", "level", "path", "depth", "parent_id", "district_code", "illustrative",
               "official_code", "households")


# --- helpers ---------------------------------------------------------------------------------


def _prime_level_names(areas) -> None:
    """Give every grid its district's grid level names with one query (level_label needs them)."""
    codes = {a.district_code for a in areas if a.level == Level.GRID}
    if not codes:
        return
    names = dict(Area.objects.filter(level=Level.DISTRICT, code__in=codes).values_list("code", "grid_level_names"))
    for area in areas:
        if area.level == Level.GRID:
            area._district_grid_level_names = names.get(area.district_code) or []


def _feature(area: Area, child_count: int) -> dict:
    return {
        "type": "Feature",
        "geometry": area.boundary,
        "properties": {
            "id": area.pk,
            "name": area.name,
            "code": area.code,
            "level": area.level,
            "level_label": area.level_label,
            "color": LEVEL_COLORS.get(area.level, "#555"),
            "illustrative": area.illustrative,
            "child_count": child_count,
            "url": area.get_absolute_url(),
            "children_url": reverse("areas:children-geojson", args=[area.pk]),
        },
    }


def _crumb(area: Area) -> dict:
    return {"id": area.pk, "name": area.name, "level_label": area.level_label, "url": area.get_absolute_url(),
            "children_url": reverse("areas:children-geojson", args=[area.pk])}


def _geojson_response(data: dict, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _editable_roots(user) -> list[Area]:
    """The topmost areas where the user may change the area tree."""
    areas = (Area.objects.restrict(user, "area.change")
             .filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID])
             .order_by("depth", "path").only("id", "path", "name", "level", "code", "depth")[:2000])
    roots: list[Area] = []
    for area in areas:
        if not any(area.path.startswith(root.path) for root in roots):
            roots.append(area)
    return roots


def _breadcrumb(user, area: Area) -> list[tuple[Area, bool]]:
    """The area's ancestors, each with whether the user may open it (else shown as plain text)."""
    scope = get_scope(user)
    ancestors = area.ancestors()
    _prime_level_names([area, *ancestors])
    return [(a, scope.can("view", a)) for a in ancestors]


def _child_levels(parent: Area) -> list[tuple[str, str]]:
    levels = []
    for level in Level:
        if parent.level not in ALLOWED_PARENT_LEVELS[level]:
            continue
        nested_grid = level == Level.GRID and parent.level == Level.GRID
        if nested_grid and parent.grid_rank + 1 > max(len(parent.district_grid_level_names()), 1):
            continue
        levels.append((level.value, level.label))
    return levels


# --- map and GeoJSON endpoints ---------------------------------------------------------------


@login_required
def map_page(request):
    roots = visible_roots(request.user)
    start = None
    if request.GET.get("area"):
        start = access_area(request.user, request.GET["area"])
    elif len(roots) == 1:
        start = roots[0]  # one root: open it (a grid worker's grid, a street officer's street)
    config = {
        "rootsUrl": reverse("areas:roots-geojson"),
        "rootCount": len(roots),
        "start": reverse("areas:children-geojson", args=[start.pk]) if start else None,
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "labels": {
            "all": _("All my areas"),
            "details": _("Open area page"),
            "drill": _("Show the areas below"),
            "noBoundary": _("no boundary"),
            "empty": _("No area to show."),
            "noChildren": _("This area has no areas below it."),
            "below": _("Areas below"),
            "loading": _("Loading…"),
            "failed": _("Could not load the map data."),
            "illustrative": _("illustrative"),
        },
    }
    legend = [(level.label, LEVEL_COLORS[level]) for level in Level]
    return render(request, "areas/map.html", {"map_config": config, "legend": legend, "has_roots": bool(roots)})


@login_required
@require_GET
def roots_geojson(request):
    roots = visible_roots(request.user)
    areas = list(Area.objects.restrict(request.user).filter(pk__in=[r.pk for r in roots]).order_by("path"))
    _prime_level_names(areas)
    counts = child_counts([a.pk for a in areas])
    return _geojson_response({
        "type": "FeatureCollection",
        "features": [_feature(a, counts.get(a.pk, 0)) for a in areas],
        "parent": None,
        "breadcrumb": [],
    })


@login_required
@require_GET
def children_geojson(request, pk):
    """The area (as `parent`) and its children, each with its boundary; only what the user may see."""
    area = access_area(request.user, pk)
    children = list(Area.objects.restrict(request.user).filter(parent=area).order_by("code"))
    visible = Area.objects.restrict(request.user)
    ancestors = list(visible.filter(pk__in=area.ancestor_ids()).order_by("depth"))
    _prime_level_names([area, *children, *ancestors])
    counts = child_counts([area.pk, *[c.pk for c in children]])
    return _geojson_response({
        "type": "FeatureCollection",
        "features": [_feature(c, counts.get(c.pk, 0)) for c in children],
        "parent": _feature(area, counts.get(area.pk, 0)),
        "breadcrumb": [_crumb(a) for a in [*ancestors, area]],
    })


@login_required
@require_GET
def export_geojson(request, pk):
    """This area and everything below it that has a boundary, as a GeoJSON download."""
    root = access_area(request.user, pk)
    areas = (Area.objects.restrict(request.user).filter(path__startswith=root.path, boundary__isnull=False)
             .select_related("parent").order_by("path"))
    return _geojson_response(actions.export_geojson(areas), filename=f"areas-{root.code}.geojson")


# --- area page -------------------------------------------------------------------------------


@login_required
def area_detail(request, pk):
    user = request.user
    area = access_area(user, pk)
    scope = get_scope(user)
    breadcrumb = _breadcrumb(user, area)

    children = list(Area.objects.restrict(user).filter(parent=area).order_by("code").only(*LIST_FIELDS))
    _prime_level_names(children)
    grids_below: dict[int, int] = {}
    for path in (Area.objects.filter(path__startswith=area.path, level=Level.GRID).exclude(pk=area.pk)
                 .values_list("path", flat=True)):
        parts = path.strip("/").split("/")
        if len(parts) > area.depth + 1:
            child_id = int(parts[area.depth + 1])
            grids_below[child_id] = grids_below.get(child_id, 0) + 1
    for child in children:
        child.grids_below = grids_below.get(child.pk, 0)

    today = timezone.localdate()
    staff = list(StaffAssignment.objects.restrict(user).filter(area=area).select_related("user")
                 .order_by("duty", "-starts_on"))
    current_staff = [s for s in staff if s.is_active]
    upcoming_staff = [s for s in staff if s.starts_on > today]
    ended_staff = [s for s in staff if s.ends_on is not None and s.ends_on < today]
    officers = (RoleAssignment.objects.restrict(user).active().filter(area=area).select_related("user")
                .order_by("role", "user__username"))
    departments = Department.objects.restrict(user).filter(area=area).order_by("code")
    return render(request, "areas/detail.html", {
        "area": area,
        "breadcrumb": breadcrumb,
        "children": children,
        "child_level_count": sum(c.grids_below for c in children),
        "current_staff": current_staff,
        "upcoming_staff": upcoming_staff,
        "ended_staff": ended_staff,
        "officers": officers,
        "departments": departments,
        "can_change": scope.can("area.change", area),
        "can_staff": scope.can("staff.change", area) and area.level == Level.GRID,
        "is_grid": area.level == Level.GRID,
        "children_url": reverse("areas:children-geojson", args=[area.pk]),
        "level_color": LEVEL_COLORS.get(area.level, "#555"),
    })


@login_required
def area_edit(request, pk):
    area = access_area(request.user, pk)
    require_capability(request.user, "area.change", area)
    if request.method == "POST":
        form = AreaEditForm(request.POST, request.FILES, area=area)
        if form.is_valid():
            try:
                actions.update_area(request.user, area, **form.changes())
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("The area %(name)s was saved.") % {"name": form.cleaned_data["name"]})
                return redirect(area)
    else:
        form = AreaEditForm(area=area)
    return render(request, "areas/edit.html", {"area": area, "form": form,
                                               "breadcrumb": _breadcrumb(request.user, area)})


@login_required
def area_add_child(request, pk):
    parent = access_area(request.user, pk)
    require_capability(request.user, "area.change", parent)
    levels = _child_levels(parent)
    if request.method == "POST":
        form = AreaCreateForm(request.POST, request.FILES, levels=levels)
        if form.is_valid():
            data = form.cleaned_data
            try:
                child = actions.create_area(
                    request.user, name=data["name"], level=data["level"], parent=parent, code=data["code"] or None,
                    boundary=data.get("geometry"), official_code=data["official_code"],
                    illustrative=data["illustrative"], households=data["households"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc, {"parent": "level"})
            else:
                messages.success(request, _("The area %(name)s was created.") % {"name": child.name})
                return redirect(child)
    else:
        form = AreaCreateForm(levels=levels)
    return render(request, "areas/add_child.html", {"parent": parent, "form": form,
                                                    "breadcrumb": _breadcrumb(request.user, parent)})


@login_required
def area_delete(request, pk):
    area = access_area(request.user, pk)
    require_capability(request.user, "area.change", area)
    errors: list[str] = []
    if request.method == "POST":
        parent = area.parent
        try:
            actions.delete_area(request.user, area)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The area %(name)s was deleted.") % {"name": area.name})
            if parent is not None and get_scope(request.user).can("view", parent):
                return redirect(parent)
            return redirect("areas:map")
    blockers = {
        "children": area.children.count(),
        "staff": area.staff_assignments.count(),
        "roles": area.role_assignments.count(),
        "departments": area.departments.count(),
    }
    return render(request, "areas/delete.html", {"area": area, "errors": errors, "blockers": blockers,
                                                 "blocked": any(blockers.values()),
                                                 "breadcrumb": _breadcrumb(request.user, area)})


# --- grid staff ------------------------------------------------------------------------------


@login_required
def staff_assign(request, pk):
    area = access_area(request.user, pk)
    if area.level != Level.GRID:
        raise Http404
    require_capability(request.user, "staff.change", area)
    if request.method == "POST":
        form = AssignStaffForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = actions.assign_staff(
                    request.user, user=data["user"], area=area, duty=data["duty"], starts_on=data["starts_on"],
                    ends_on=data["ends_on"], note=data["note"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("%(person)s is now %(duty)s of %(grid)s.") % {
                    "person": assignment.user, "duty": assignment.get_duty_display(), "grid": area.name})
                return redirect(area)
    else:
        form = AssignStaffForm()
    return render(request, "areas/staff_assign.html", {"area": area, "form": form,
                                                       "breadcrumb": _breadcrumb(request.user, area)})


@login_required
def staff_end(request, pk):
    assignment = access_staff_assignment(request.user, pk)
    require_capability(request.user, "staff.change", assignment.area)
    if request.method == "POST":
        form = EndAssignmentForm(request.POST)
        if form.is_valid():
            try:
                actions.end_staff_assignment(request.user, assignment, form.cleaned_data["ends_on"])
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("The assignment of %(person)s was ended.") % {"person": assignment.user})
                return redirect(assignment.area)
    else:
        form = EndAssignmentForm()
    return render(request, "areas/staff_end.html", {"assignment": assignment, "form": form,
                                                    "breadcrumb": _breadcrumb(request.user, assignment.area)})


# --- import ----------------------------------------------------------------------------------


@login_required
def area_import(request):
    scope = get_scope(request.user)
    if not scope.can("area.change"):
        raise PermissionDenied(_("Only users who may edit the area tree can import boundaries."))
    roots = _editable_roots(request.user)
    root_required = not scope.is_superuser
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, roots=roots, root_required=root_required)
        if form.is_valid():
            try:
                result = actions.import_geojson(request.user, form.cleaned_data["file"], root=form.cleaned_data["root"])
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("Import done: %(created)d created, %(updated)d updated.") % result)
                return redirect("areas:import")
    else:
        form = ImportForm(roots=roots, root_required=root_required)
    return render(request, "areas/import.html", {"form": form})


# --- three-level force list ------------------------------------------------------------------

FORCE_DEPTH_CHOICES = [Level.STREET, Level.COMMUNITY, Level.GRID]


@login_required
def force_list_page(request):
    user = request.user
    roots = visible_roots(user)
    if request.GET.get("area"):
        root = access_area(user, request.GET["area"])
    elif roots:
        root = roots[0]
    else:
        root = None
    down_to = request.GET.get("down_to") or Level.GRID
    if down_to not in FORCE_DEPTH_CHOICES:
        down_to = Level.GRID
    columns = [(f"duty:{d.value}", d.label) for d in Duty] + [(f"role:{r.value}", r.label) for r in FORCE_ROLES]
    page = None
    if root is not None:
        shown_levels = {Level.DISTRICT, *FORCE_DEPTH_CHOICES[:FORCE_DEPTH_CHOICES.index(down_to) + 1]}
        rows = [row for row in force_list(user, root) if row["area"].level in shown_levels]
        _prime_level_names([row["area"] for row in rows])
        for row in rows:
            row["indent"] = row["area"].depth - root.depth
            row["cells"] = [(row["total"][code], row["direct"][code]) for code, _label in columns]
        page = paginate(request, rows, per_page=200)
    return render(request, "areas/force_list.html", {
        "root": root,
        "roots": roots,
        "page_obj": page,
        "columns": columns,
        "down_to": down_to,
        "depth_choices": [(level.value, level.label) for level in FORCE_DEPTH_CHOICES],
    })


# --- departments -----------------------------------------------------------------------------


@login_required
def department_list(request):
    today = timezone.localdate()
    active_handler = Q(role_assignments__role=Role.DEPARTMENT_HANDLER) & (
        Q(role_assignments__ends_on__isnull=True) | Q(role_assignments__ends_on__gte=today)) & (
        Q(role_assignments__starts_on__isnull=True) | Q(role_assignments__starts_on__lte=today))
    departments = (Department.objects.restrict(request.user).select_related("area")
                   .annotate(handler_count=Count("role_assignments", filter=active_handler))
                   .order_by("area__path", "code"))
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if q:
        departments = departments.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if kind:
        departments = departments.filter(kind=kind)
    return render(request, "areas/departments.html", {
        "page_obj": paginate(request, departments),
        "q": q,
        "kind": kind,
        "kinds": DepartmentKind.choices,
    })


@login_required
def department_detail(request, pk):
    department = access_department(request.user, pk)
    # The department itself is in scope; its handlers are listed with it.
    handlers = (RoleAssignment.objects.active().filter(department=department, role=Role.DEPARTMENT_HANDLER)
                .select_related("user").order_by("user__username"))
    return render(request, "areas/department.html", {
        "department": department,
        "handlers": handlers,
        "area_visible": get_scope(request.user).can("view", department.area),
    })

"""Registry pages (人地事物组织): residents with the one search box, a resident's page (masked by
default, audited, unmask with a purpose), households, dwellings, buildings, the dwelling map of a
grid, organizations, and the grid sizing check.

Every object comes through registry.access (fetch-or-404 within scope) or a restricted queryset;
out of scope is a 404. Every change is one call of a registry.actions function; its Chinese
ValidationError messages go back on the form with the input kept. People pages need
registry.view; places (dwellings, organizations, the map) need registry.places, which departments
also have; masked id numbers, phones and special-group tags need registry.sensitive covering the
person's grid; plaintext needs registry.unmask and a stated purpose, and is only ever written into
the response of that one request (never the session or a URL).
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scope import get_scope
from areas.models import Area
from core.crypto import decrypt, mask_name, mask_phone
from core.views import require_capability
from registry import actions
from registry.access import access_dwelling, access_household, access_organization, access_person
from registry.choices import OrganizationKind, ResidenceStatus, SpecialGroup
from registry.forms import (
    GRID_LEVELS,
    DwellingForm,
    EndTagForm,
    MoveOutForm,
    OrganizationForm,
    PersonForm,
    TagForm,
    UnmaskForm,
    grid_queryset,
)
from registry.models import (
    Building,
    Dwelling,
    Household,
    HouseholdAssignment,
    Organization,
    Person,
    SpecialGroupTag,
)
from registry.search import search_people
from web.utils import PAGE_SIZE, add_action_errors, paginate

SEARCH_LIMIT = 200  # matches of one search shown (and audited)
GRID_CHOICE_CAP = 2000
MAP_POINT_CAP = 2000
NAMES_PER_CELL = 4

# Grid sizing: a grid should hold about 300 households or 1,000–1,500 people.
GUIDE_HOUSEHOLDS = 300
GUIDE_PEOPLE = (1000, 1500)
SPLIT_HOUSEHOLDS, SPLIT_PEOPLE = 450, 2000  # split when above either
MERGE_HOUSEHOLDS, MERGE_PEOPLE = 150, 500  # merge when below both
SIZING_SORTS = {
    "name": lambda r: (r["grid"].path,),
    "households": lambda r: (r["households"], r["grid"].path),
    "residents": lambda r: (r["residents"], r["grid"].path),
    "flag": lambda r: (r["flag_order"], r["grid"].path),
}
FLAG_LABELS = {
    "split": gettext_lazy("Split"),
    "merge": gettext_lazy("Merge"),
    "ok": gettext_lazy("Within guideline"),
}


# --- helpers ---------------------------------------------------------------------------------


def _covers(scope, capability: str, area_path: str) -> bool:
    """Does the scope cover a row by its area_path (without loading its grid)?"""
    return scope.can(capability, SimpleNamespace(path=area_path))


def _require_some(user, capability: str) -> None:
    """404 unless some role of the user has the capability (lists of people, places)."""
    if not get_scope(user).can(capability):
        raise Http404


def _active_tags():
    today = timezone.localdate()
    return Q(ends_on__isnull=True) | Q(ends_on__gte=today)


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _masked_people(people, limit=NAMES_PER_CELL) -> dict:
    names = [p.masked_name for p in people[:limit]]
    return {"names": names, "more": max(len(people) - limit, 0)}


def _grid_choice(user, value: str, capability: str, *, with_boundary: bool = False):
    """The grid chosen in a filter, or None; a grid out of scope is a 404."""
    if not value:
        return None
    grids = Area.objects.restrict(user, capability).filter(level__in=GRID_LEVELS)
    try:
        return (grids if with_boundary else grids.defer("boundary")).get(pk=int(value))
    except (Area.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def _action_error(form, exc) -> None:
    if isinstance(exc, ValidationError):
        add_action_errors(form, exc)
    else:  # PermissionDenied from registry.actions.require
        form.add_error(None, str(exc) or _("You are not allowed to do this here."))


# --- residents -------------------------------------------------------------------------------


@login_required
def people(request):
    """Residents in scope: the one search box (audited), filters, masked rows.

    The search form is sent by POST, so that a searched id number or phone never ends up in a URL
    (access logs, browser history, Referer); the filters alone are a GET (bookmarkable, paged).
    A GET with q (a link) works too."""
    user = request.user
    _require_some(user, "registry.view")
    scope = get_scope(user)
    any_sensitive = scope.can("registry.sensitive")
    params = request.POST if request.method == "POST" else request.GET
    q = params.get("q", "").strip()[:100]
    status = params.get("status", "")
    group = params.get("group", "") if any_sensitive else ""
    if request.method == "POST" and not q:
        kept = {k: params.get(k, "") for k in ("grid", "status", "group") if params.get(k)}
        return redirect(reverse("registry:people") + ("?" + urlencode(kept) if kept else ""))
    grid = _grid_choice(user, params.get("grid", ""), "registry.view")

    rows = Person.objects.restrict(user).filter(moved_out_on__isnull=True)
    search_kind, capped = None, False
    if q:
        search_kind, found = search_people(user, q, limit=SEARCH_LIMIT)
        capped = len(found) >= SEARCH_LIMIT
        rows = rows.filter(pk__in=[p.pk for p in found])
    if grid is not None:
        rows = rows.filter(area_path__startswith=grid.path)
    if status in ResidenceStatus.values:
        rows = rows.filter(residence_status=status)
    if group in SpecialGroup.values:
        tagged = (SpecialGroupTag.objects.restrict(user, "registry.sensitive")
                  .filter(_active_tags(), kind_index=SpecialGroupTag.index_of(group)).values("person_id"))
        rows = rows.filter(pk__in=tagged)
    rows = rows.select_related("grid").defer("grid__boundary").order_by("area_path", "name", "id")

    page = paginate(request, rows, per_page=SEARCH_LIMIT if q else PAGE_SIZE)
    page.object_list = list(page.object_list)
    sensitive_ids = [p.pk for p in page.object_list if scope.can("registry.sensitive", p.grid)]
    tags = defaultdict(list)
    if sensitive_ids:
        for tag in SpecialGroupTag.objects.filter(_active_tags(), person_id__in=sensitive_ids).order_by("starts_on"):
            tags[tag.person_id].append(tag.kind_label)
    for person in page.object_list:
        person.show_sensitive = person.pk in sensitive_ids
        person.tag_labels = tags.get(person.pk, [])

    filtered = bool(q or grid or status in ResidenceStatus.values or group in SpecialGroup.values)
    return _no_store(render(request, "registry/people.html", {
        "page_obj": page,
        "q": q,
        "search_kind": search_kind,
        "capped": capped,
        "search_limit": SEARCH_LIMIT,
        "grid": grid,
        "grids": list(grid_queryset(user, "registry.view")[:GRID_CHOICE_CAP]),
        "status": status,
        "statuses": ResidenceStatus.choices,
        "group": group,
        "groups": SpecialGroup.choices if any_sensitive else [],
        "any_sensitive": any_sensitive,
        "filtered": filtered,
        "can_create": scope.can("registry.change"),
    }))


def _person_page(request, person: Person, *, unmask_form=None, unmasked=None):
    """The resident's page; every render is one audited view."""
    user = request.user
    scope = get_scope(user)
    actions.audit_view(user, person)
    grid = person.grid
    sensitive = scope.can("registry.sensitive", grid)
    can_change = scope.can("registry.change", grid)
    household = members = None
    if person.household_id:
        household = (Household.objects.restrict(user).select_related("dwelling", "head")
                     .filter(pk=person.household_id).first())
    if household is not None:
        members = list(Person.objects.restrict(user).filter(household=household, moved_out_on__isnull=True)
                       .order_by("relation", "name"))
    residences = list(person.residences.select_related("dwelling", "household").order_by("-moved_in_on", "-id"))
    for residence in residences:
        residence.dwelling_visible = (residence.dwelling is not None
                                      and _covers(scope, "registry.places", residence.dwelling.area_path))
        residence.household_visible = (residence.household is not None
                                       and _covers(scope, "registry.view", residence.household.area_path))
    tags = []
    if sensitive:
        tags = list(person.tags.select_related("carer").order_by("-starts_on", "-id"))
        today = timezone.localdate()
        for tag in tags:
            tag.active = tag.ends_on is None or tag.ends_on >= today
    response = render(request, "registry/person.html", {
        "person": person,
        "grid": grid,
        "sensitive": sensitive,
        "can_unmask": scope.can("registry.unmask", grid),
        "can_change": can_change,
        "can_tag": can_change and sensitive,
        "unmask_form": unmask_form or UnmaskForm(),
        "unmasked": unmasked,
        "household": household,
        "members": members,
        "residences": residences,
        "tags": tags,
        "tag_form": TagForm(person=person) if can_change and sensitive else None,
    })
    return _no_store(response)


@login_required
def person_detail(request, pk):
    return _person_page(request, access_person(request.user, pk))


@login_required
@require_POST
def person_unmask(request, pk):
    """Show the plain id number and phone in this one response, after a stated purpose (audited)."""
    person = access_person(request.user, pk)
    if not get_scope(request.user).can("registry.unmask", person.grid):
        raise PermissionDenied(_("You may not view the full personal data of this resident."))
    form = UnmaskForm(request.POST)
    unmasked = None
    if form.is_valid():
        try:
            unmasked = actions.unmask(request.user, person, purpose=form.cleaned_data["purpose"])
        except (ValidationError, PermissionDenied) as exc:
            _action_error(form, exc)
    return _person_page(request, person, unmask_form=form, unmasked=unmasked)


def _save_person_from(form, user, person=None) -> Person:
    data = form.cleaned_data
    with transaction.atomic():
        household = data["household"]
        if data["new_household"]:
            household = actions.save_household(user, dwelling=data["dwelling"], number=data["household_number"])
        return actions.save_person(
            user, person=person, name=data["name"], id_type=data["id_type"], id_number=data["id_number"],
            phone=data["phone"], gender=data["gender"], birth_date=data["birth_date"],
            residence_status=data["residence_status"], dwelling=data["dwelling"], household=household,
            relation=data["relation"], grid=data["grid"], address_text=data["address_text"],
        )


def _finding_dwelling(request) -> bool:
    """The form was sent with the "find dwelling" button: show it again with the narrowed list."""
    return request.method == "POST" and "find_dwelling" in request.POST


@login_required
def person_new(request):
    user = request.user
    if not get_scope(user).can("registry.change"):
        raise Http404
    if request.method == "POST":
        form = PersonForm(request.POST, user=user)
        if not _finding_dwelling(request) and form.is_valid():
            try:
                person = _save_person_from(form, user)
            except (ValidationError, PermissionDenied) as exc:
                _action_error(form, exc)
            else:
                messages.success(request, _("The resident %(name)s was registered.") % {"name": person.masked_name})
                return redirect(person)
    else:
        form = PersonForm(user=user, initial={"dwelling": request.GET.get("dwelling", "")})
    return _no_store(render(request, "registry/person_form.html", {"form": form, "person": None}))


@login_required
def person_edit(request, pk):
    user = request.user
    person = access_person(user, pk)
    require_capability(user, "registry.change", person.grid)
    sensitive = get_scope(user).can("registry.sensitive", person.grid)
    if request.method == "POST":
        form = PersonForm(request.POST, user=user, person=person, sensitive=sensitive)
        if not _finding_dwelling(request) and form.is_valid():
            try:
                person = _save_person_from(form, user, person=person)
            except (ValidationError, PermissionDenied) as exc:
                _action_error(form, exc)
            else:
                messages.success(request, _("The resident %(name)s was saved.") % {"name": person.masked_name})
                return redirect(person)
    else:
        form = PersonForm(user=user, person=person, sensitive=sensitive, initial={
            "name": person.name, "id_type": person.id_type, "gender": person.gender,
            "birth_date": person.birth_date, "residence_status": person.residence_status,
            "dwelling": person.dwelling_id, "household": person.household_id, "relation": person.relation,
            "grid": person.grid_id, "address_text": "" if person.dwelling_id else person.address_text,
        })
    return _no_store(render(request, "registry/person_form.html", {"form": form, "person": person}))


@login_required
def person_move_out(request, pk):
    user = request.user
    person = access_person(user, pk)
    require_capability(user, "registry.change", person.grid)
    if request.method == "POST" and person.moved_out_on is None:
        form = MoveOutForm(request.POST)
        if form.is_valid():
            try:
                actions.move_out(user, person, on=form.cleaned_data["on"])
            except (ValidationError, PermissionDenied) as exc:
                _action_error(form, exc)
            else:
                messages.success(request, _("%(name)s has moved out.") % {"name": person.masked_name})
                return redirect(person)
    else:
        form = MoveOutForm()
    return render(request, "registry/move_out.html", {"person": person, "form": form})


@login_required
def tag_add(request, pk):
    user = request.user
    person = access_person(user, pk)
    require_capability(user, "registry.sensitive", person.grid)
    require_capability(user, "registry.change", person.grid)
    if request.method == "POST":
        form = TagForm(request.POST, person=person)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.tag_person(user, person, kind=data["kind"], starts_on=data["starts_on"], carer=data["carer"])
            except (ValidationError, PermissionDenied) as exc:
                _action_error(form, exc)
            else:
                messages.success(request, _("The special-group tag was added."))
                return redirect(reverse("registry:person", args=[person.pk]) + "#tags")
    else:
        form = TagForm(person=person)
    return _no_store(render(request, "registry/tag_add.html", {"person": person, "form": form}))


@login_required
def tag_end(request, pk):
    user = request.user
    try:
        tag = (SpecialGroupTag.objects.restrict(user, "registry.sensitive")
               .select_related("person__grid", "carer").get(pk=int(pk)))
    except (SpecialGroupTag.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    person = access_person(user, tag.person_id)
    require_capability(user, "registry.change", person.grid)
    ended = tag.ends_on is not None and tag.ends_on <= timezone.localdate()
    if request.method == "POST" and not ended:
        form = EndTagForm(request.POST)
        if form.is_valid():
            try:
                actions.end_tag(user, tag, on=form.cleaned_data["on"])
            except (ValidationError, PermissionDenied) as exc:
                _action_error(form, exc)
            else:
                messages.success(request, _("The special-group tag was ended."))
                return redirect(reverse("registry:person", args=[person.pk]) + "#tags")
    else:
        form = EndTagForm()
    return _no_store(render(request, "registry/tag_end.html",
                            {"tag": tag, "person": person, "form": form, "ended": ended}))


# --- households, dwellings, buildings --------------------------------------------------------


@login_required
def household_detail(request, pk):
    user = request.user
    household = access_household(user, pk)
    members = list(Person.objects.restrict(user).filter(household=household, moved_out_on__isnull=True)
                   .order_by("relation", "name"))
    today = timezone.localdate()
    assignments = list(HouseholdAssignment.objects.restrict(user).filter(household=household)
                       .select_related("cadre").order_by("-starts_on"))
    for assignment in assignments:
        assignment.active = assignment.ends_on is None or assignment.ends_on >= today
    head_visible = household.head is not None and _covers(get_scope(user), "registry.view", household.head.area_path)
    return render(request, "registry/household.html", {
        "household": household,
        "members": members,
        "assignments": assignments,
        "head_visible": head_visible,
        "can_change": get_scope(user).can("registry.change", household.grid),
    })


def _count_for(dwellings: list) -> None:
    """Set household_count and resident_count (current) on a page of dwellings: two aggregate
    queries for the page, not a GROUP BY over every dwelling in scope."""
    ids = [d.pk for d in dwellings]
    if not ids:
        return
    households = dict(Household.objects.filter(dwelling_id__in=ids).order_by().values("dwelling_id")
                      .annotate(n=Count("id")).values_list("dwelling_id", "n"))
    residents = dict(Person.objects.filter(dwelling_id__in=ids, moved_out_on__isnull=True).order_by()
                     .values("dwelling_id").annotate(n=Count("id")).values_list("dwelling_id", "n"))
    for dwelling in dwellings:
        dwelling.household_count = households.get(dwelling.pk, 0)
        dwelling.resident_count = residents.get(dwelling.pk, 0)


@login_required
def dwellings(request):
    user = request.user
    _require_some(user, "registry.places")
    scope = get_scope(user)
    q = request.GET.get("q", "").strip()[:100]
    grid = _grid_choice(user, request.GET.get("grid", ""), "registry.places")
    rows = Dwelling.objects.restrict(user)
    if q:
        rows = rows.filter(address__icontains=q)
    if grid is not None:
        rows = rows.filter(area_path__startswith=grid.path)
    rows = rows.select_related("grid", "building__estate").defer("grid__boundary").order_by("area_path", "address", "id")
    page = paginate(request, rows)
    page.object_list = list(page.object_list)
    for dwelling in page.object_list:
        dwelling.show_people = scope.can("registry.view", dwelling.grid)
    _count_for([d for d in page.object_list if d.show_people])
    return render(request, "registry/dwellings.html", {
        "page_obj": page,
        "q": q,
        "grid": grid,
        "grids": list(grid_queryset(user, "registry.places")[:GRID_CHOICE_CAP]),
        "can_create": scope.can("registry.change"),
    })


@login_required
def dwelling_detail(request, pk):
    user = request.user
    dwelling = access_dwelling(user, pk)
    scope = get_scope(user)
    show_people = scope.can("registry.view", dwelling.grid)
    households, residents = [], []
    if show_people:
        households = list(Household.objects.restrict(user).filter(dwelling=dwelling).select_related("head")
                          .annotate(member_count=Count("members", filter=Q(members__moved_out_on__isnull=True)))
                          .order_by("number", "id"))
        residents = list(Person.objects.restrict(user).filter(dwelling=dwelling, moved_out_on__isnull=True)
                         .order_by("household_id", "relation", "name"))
    organizations = list(Organization.objects.restrict(user).filter(dwelling=dwelling).order_by("name"))
    return render(request, "registry/dwelling.html", {
        "dwelling": dwelling,
        "show_people": show_people,
        "households": households,
        "residents": residents,
        "organizations": organizations,
        "building_visible": dwelling.building_id is not None and show_people,
        "can_change": scope.can("registry.change", dwelling.grid),
    })


@login_required
def dwelling_new(request):
    user = request.user
    if not get_scope(user).can("registry.change"):
        raise Http404
    if request.method == "POST":
        form = DwellingForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dwelling = actions.save_dwelling(user, address=data["address"], grid=data["grid"], lon=data["lon"],
                                                 lat=data["lat"], building=data["building"], unit=data["unit"],
                                                 room=data["room"])
            except (ValidationError, PermissionDenied) as exc:
                _action_error(form, exc)
            else:
                messages.success(request, _("The dwelling %(address)s was registered.") % {"address": dwelling.address})
                return redirect(dwelling)
    else:
        form = DwellingForm(user=user, initial={"grid": request.GET.get("grid", "")})
    grids = list(grid_queryset(user, "registry.change").filter(boundary__isnull=False)
                 .only("id", "name", "boundary")[:400])
    pick = {"boundaries": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g.boundary, "properties": {"id": g.pk, "name": g.name}} for g in grids]}}
    return render(request, "registry/dwelling_form.html", {"form": form, "pick_config": pick})


def _natural(value: str):
    """Sort "2" before "10", "101" before "1001"."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return (int(digits) if digits else float("inf"), value)


@login_required
def building_detail(request, pk):
    """Who lives where: rooms × stairwell units, each cell with its households and residents."""
    user = request.user
    try:
        building = Building.objects.restrict(user).select_related("grid", "estate").get(pk=int(pk))
    except (Building.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not get_scope(user).can("registry.view", building.grid):
        raise Http404
    dwellings_ = list(Dwelling.objects.restrict(user).filter(building=building)
                      .annotate(household_count=Count("households", distinct=True)).order_by("unit", "room", "id"))
    people = defaultdict(list)
    for person in (Person.objects.restrict(user).filter(dwelling__building=building, moved_out_on__isnull=True)
                   .only("id", "name", "dwelling_id", "relation").order_by("relation", "name")):
        people[person.dwelling_id].append(person)
    units = sorted({d.unit for d in dwellings_}, key=_natural)
    rooms = sorted({d.room for d in dwellings_}, key=_natural)
    cells = defaultdict(list)
    for dwelling in dwellings_:
        residents = people.get(dwelling.pk, [])
        dwelling.resident_count = len(residents)
        dwelling.names = _masked_people(residents)
        cells[(dwelling.room, dwelling.unit)].append(dwelling)
    table = [{"room": room, "cells": [cells.get((room, unit), []) for unit in units]} for room in rooms]
    return render(request, "registry/building.html", {
        "building": building,
        "units": units,
        "table": table,
        "dwelling_count": len(dwellings_),
        "household_total": sum(d.household_count for d in dwellings_),
        "resident_total": sum(d.resident_count for d in dwellings_),
    })


@login_required
def dwelling_map(request):
    """Dwellings (and buildings) with a point in one grid, on a Leaflet map without tiles."""
    user = request.user
    _require_some(user, "registry.places")
    scope = get_scope(user)
    grids = list(grid_queryset(user, "registry.places")[:GRID_CHOICE_CAP])
    grid = _grid_choice(user, request.GET.get("grid", ""), "registry.places", with_boundary=True)
    if grid is None and len(grids) == 1:
        grid = _grid_choice(user, str(grids[0].pk), "registry.places", with_boundary=True)
    config, capped = None, False
    if grid is not None:
        show_counts = scope.can("registry.view", grid)
        rows = (Dwelling.objects.restrict(user).filter(area_path__startswith=grid.path, lon__isnull=False,
                                                       lat__isnull=False)
                .annotate(household_count=Count("households")).order_by("address", "id")
                .values("id", "address", "lon", "lat", "household_count")[:MAP_POINT_CAP + 1])
        rows = list(rows)
        capped = len(rows) > MAP_POINT_CAP
        points = [{"id": r["id"], "address": r["address"], "lon": r["lon"], "lat": r["lat"],
                   "households": r["household_count"] if show_counts else None,
                   "url": reverse("registry:dwelling", args=[r["id"]])} for r in rows[:MAP_POINT_CAP]]
        buildings = [{"name": str(b), "lon": b.lon, "lat": b.lat,
                      "url": reverse("registry:building", args=[b.pk]) if show_counts else ""}
                     for b in (Building.objects.restrict(user).filter(area_path__startswith=grid.path,
                                                                      lon__isnull=False, lat__isnull=False)
                               .select_related("estate").order_by("name")[:MAP_POINT_CAP])]
        config = {
            "boundary": {"type": "Feature", "geometry": grid.boundary, "properties": {"name": grid.name}}
            if grid.boundary else None,
            "points": points,
            "buildings": buildings,
            "tileUrl": "",
            "labels": {"households": _("households"), "open": _("Open the page"), "building": _("Building")},
        }
    return render(request, "registry/map.html", {"grid": grid, "grids": grids, "map_config": config,
                                                 "capped": capped, "cap": MAP_POINT_CAP})


# --- organizations ---------------------------------------------------------------------------


@login_required
def organizations(request):
    user = request.user
    _require_some(user, "registry.places")
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    grid = _grid_choice(user, request.GET.get("grid", ""), "registry.places")
    rows = Organization.objects.restrict(user)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(credit_code=q.upper()))
    if kind in OrganizationKind.values:
        rows = rows.filter(kind=kind)
    if grid is not None:
        rows = rows.filter(area_path__startswith=grid.path)
    rows = rows.select_related("grid").defer("grid__boundary").order_by("area_path", "name", "id")
    return render(request, "registry/organizations.html", {
        "page_obj": paginate(request, rows),
        "q": q,
        "kind": kind,
        "kinds": OrganizationKind.choices,
        "grid": grid,
        "grids": list(grid_queryset(user, "registry.places")[:GRID_CHOICE_CAP]),
        "can_create": get_scope(user).can("registry.change"),
    })


@login_required
def organization_detail(request, pk):
    user = request.user
    organization = access_organization(user, pk)
    scope = get_scope(user)
    sensitive = scope.can("registry.sensitive", organization.grid)
    contact_phone = mask_phone(decrypt(organization.contact_phone_enc)) if sensitive else ""
    contact_name = organization.contact_name if sensitive else mask_name(organization.contact_name)
    dwelling = None
    if organization.dwelling_id:
        dwelling = Dwelling.objects.restrict(user).filter(pk=organization.dwelling_id).first()
    return render(request, "registry/organization.html", {
        "organization": organization,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "sensitive": sensitive,
        "dwelling": dwelling,
    })


@login_required
def organization_new(request):
    user = request.user
    if not get_scope(user).can("registry.change"):
        raise Http404
    if request.method == "POST":
        form = OrganizationForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                organization = actions.save_organization(
                    user, kind=data["kind"], name=data["name"], grid=data["grid"], credit_code=data["credit_code"],
                    business_type=data["business_type"], address=data["address"], lon=data["lon"], lat=data["lat"],
                    contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _action_error(form, exc)
            else:
                messages.success(request, _("The organization %(name)s was registered.") % {"name": organization.name})
                return redirect(organization)
    else:
        form = OrganizationForm(user=user)
    return _no_store(render(request, "registry/organization_form.html", {"form": form}))


# --- grid sizing -----------------------------------------------------------------------------


def grid_sizing_rows(user) -> list[dict]:
    """Every grid in scope with its current households and residents (the grid and the grids and
    cells below it), from two aggregate queries, flagged against the guideline."""
    grids = list(Area.objects.restrict(user, "registry.view").filter(level__in=GRID_LEVELS)
                 .only("id", "name", "code", "path", "level", "households", "parent_id").order_by("path"))
    # one aggregate: current residents, and the households they live in, per grid
    counted = {row["grid_id"]: (row["households"], row["residents"]) for row in (
        Person.objects.restrict(user).filter(moved_out_on__isnull=True).order_by().values("grid_id")
        .annotate(residents=Count("id"), households=Count("household_id", distinct=True)))}
    by_path = {g.path: g for g in grids}
    totals = {g.pk: [0, 0] for g in grids}
    for grid in grids:
        counts = counted.get(grid.pk)
        if not counts:
            continue
        # add the grid's own counts to itself and to every grid above it
        parts = grid.path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            above = by_path.get("/" + "/".join(parts[:i]) + "/")
            if above is not None:
                totals[above.pk][0] += counts[0]
                totals[above.pk][1] += counts[1]
    rows = []
    for grid in grids:
        if grid.level != "grid":
            continue
        hh, people_ = totals[grid.pk]
        if hh > SPLIT_HOUSEHOLDS or people_ > SPLIT_PEOPLE:
            flag, order = "split", 0
        elif hh < MERGE_HOUSEHOLDS and people_ < MERGE_PEOPLE:
            flag, order = "merge", 1
        else:
            flag, order = "ok", 2
        rows.append({"grid": grid, "households": hh, "residents": people_, "recorded": grid.households,
                     "flag": flag, "flag_order": order, "flag_label": FLAG_LABELS[flag],
                     "household_ratio": round(hh * 100 / GUIDE_HOUSEHOLDS)})
    return rows


@login_required
def grid_sizing(request):
    user = request.user
    _require_some(user, "registry.view")
    rows = grid_sizing_rows(user)
    sort = request.GET.get("sort", "name")
    key = sort.lstrip("-")
    if key not in SIZING_SORTS:
        sort, key = "name", "name"
    rows.sort(key=SIZING_SORTS[key], reverse=sort.startswith("-"))
    summary = {flag: sum(1 for r in rows if r["flag"] == flag) for flag in FLAG_LABELS}
    return render(request, "registry/grid_sizing.html", {
        "page_obj": paginate(request, rows, per_page=200),
        "sort": sort,
        "summary": summary,
        "guide_households": GUIDE_HOUSEHOLDS,
        "guide_people": GUIDE_PEOPLE,
        "split": (SPLIT_HOUSEHOLDS, SPLIT_PEOPLE),
        "merge": (MERGE_HOUSEHOLDS, MERGE_PEOPLE),
        "flag_labels": FLAG_LABELS,
    })

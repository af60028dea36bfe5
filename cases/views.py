"""Case pages: the case page with its actions, the command center desk, the operator's intake, the
department desk, the grid worker's phone pages, the inbox and the category catalog.

Every case comes through cases.access.access_case or Case.objects.restrict(user) (out of scope is
a 404); every change to a case is one call of a cases.actions function. A refused action shows
why: form errors (input kept), 403 for a step the user may not take, and for a stale form or a
case in another state (CaseConflict) the case page again with the message (409).
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.scope import get_scope
from areas.choices import DepartmentKind, Level
from areas.models import Area, Department
from cases import actions
from cases.access import access_case, allowed_actions, standard_of, standing
from cases.actions import CaseConflict
from cases.choices import (
    OPEN_STATES,
    OPEN_TASK_STATES,
    OPERATOR_CHANNELS,
    TIMED_STATES,
    CaseState,
    Channel,
    Light,
    TaskState,
)
from cases.forms import (
    EXTENSION_DECISIONS,
    PHOTO_ACTIONS,
    TASK_ACTIONS,
    ActionForm,
    GridReportForm,
    IntakeForm,
    StandardForm,
    category_choices,
)
from cases.models import Case, CasePhoto, CaseTask, Category
from cases.workflow import GRID_STAFF_ROLES, OWNER_ROLES, TRANSITIONS
from core.crypto import decrypt, mask_phone
from core.models import Notification
from web.utils import add_action_errors, paginate

OWNER_ROLE_CODES = sorted({role for roles in OWNER_ROLES.values() for role in roles})
PHONE_ROLES = ("district_command", "street_officer", "community_officer")
MAP_POINT_CAP = 2000
PICK_MAP_MAX_GRIDS = 400
THUMB_SIDE = 320

# Labels of timeline rows that are not workflow transitions.
EVENT_LABELS = {
    "report": gettext_lazy("Reported"),
    "self_resolve": gettext_lazy("Resolved on the spot"),
    "merged_in": gettext_lazy("A repeated report was merged in"),
}
ROLE_LABELS = {**dict(Role.choices), "reporter": gettext_lazy("Reporter")}


# --- helpers ---------------------------------------------------------------------------------


def _fetch(user, pk) -> Case:
    """The case (scoped, 404 otherwise) with its tasks prefetched for allowed_actions."""
    case = access_case(user, pk)
    prefetch_related_objects([case], Prefetch("tasks", queryset=CaseTask.objects.select_related("department")
                                              .order_by("id")))
    case.tasks_list = list(case.tasks.all())
    return case


def _action_tasks(user, case: Case, name: str) -> list[CaseTask]:
    """The tasks a task action or an extension decision may be taken on by this user."""
    tasks = case.tasks_list
    if name in EXTENSION_DECISIONS:
        return [t for t in tasks if t.state in OPEN_TASK_STATES and t.extension_requested_hours]
    if name in TASK_ACTIONS:
        mine = standing(user, case).departments
        transition = TRANSITIONS[name]
        found = [t for t in tasks if t.department_id in mine and t.state in transition.task_from]
        if name == "request_extension":
            found = [t for t in found if not t.extension_requested_hours]
        return found
    return []


def _dispatch_departments(user, case: Case):
    """Active departments in the user's scope that serve the case's place (area path a prefix)."""
    candidates = Department.objects.restrict(user).filter(is_active=True).select_related("area")
    ids = [d.pk for d in candidates if case.area_path.startswith(d.area.path)]
    return Department.objects.filter(pk__in=ids).select_related("area").order_by("area__path", "code")


def _build_form(user, case: Case, name: str, data=None, files=None, initial=None) -> ActionForm:
    kwargs = {}
    if name in TASK_ACTIONS or name in EXTENSION_DECISIONS:
        kwargs["tasks"] = _action_tasks(user, case, name)
    if name == "dispatch":
        kwargs["departments"] = _dispatch_departments(user, case)
    form = ActionForm(name, data, files, initial={"version": case.version, **(initial or {})}, **kwargs)
    form.fields["version"].widget.attrs["class"] = "version"
    if name == "dispatch":
        kinds = standard_of(case.category).department_kinds
        if kinds:
            names = "、".join(str(DepartmentKind(k).label) if k in DepartmentKind.values else k for k in kinds)
            form.fields["departments"].help_text = _("The handling standard names: %(kinds)s.") % {"kinds": names}
    return form


def _perform(user, case: Case, name: str, data: dict):
    """Call the one action function behind `name` with the form's data."""
    version = data["version"]
    note = data.get("note") or ""
    task = data.get("task")
    department = task.department if task is not None else None
    if name in ("accept", "decline", "file", "escalate", "resume", "void", "reopen"):
        return getattr(actions, name)(user, case, note=note, expected_version=version)
    if name == "resolve":
        return actions.resolve(user, case, note=note, photos=data["photos"], expected_version=version)
    if name == "merge":
        target = Case.objects.restrict(user).filter(number=data["into"].strip()).first()
        if target is None:
            raise ValidationError({"into": _("No case with this number among the cases you can see.")})
        return actions.merge(user, case, into=target, note=note, expected_version=version)
    if name == "dispatch":
        return actions.dispatch(user, case, departments=list(data["departments"]), note=note, expected_version=version)
    if name == "accept_task":
        return actions.accept_task(user, case, department=department, note=note, expected_version=version)
    if name == "return_task":
        return actions.return_task(user, case, note=note, department=department, expected_version=version)
    if name == "report_back":
        return actions.report_back(user, case, note=note, photos=data["photos"], department=department,
                                   expected_version=version)
    if name == "request_extension":
        return actions.request_extension(user, case, hours=data["hours"], note=note, department=department,
                                         expected_version=version)
    if name in EXTENSION_DECISIONS:
        return actions.decide_extension(user, case, task=task, approve=name == "approve_extension", note=note,
                                        expected_version=version)
    if name in ("verify_pass", "verify_fail"):
        return actions.verify(user, case, passed=name == "verify_pass", note=note, photos=data["photos"],
                              expected_version=version)
    if name == "suspend":
        return actions.suspend(user, case, note=note, review_on=data["review_on"], expected_version=version)
    if name in ("supervise", "remind"):
        return actions.supervise(user, case, note=note, remind_only=name == "remind", expected_version=version)
    if name == "callback":
        return actions.callback(user, case, note=note, satisfied=data.get("satisfied"), expected_version=version)
    raise Http404


def _task_light(task: CaseTask, now) -> str:
    if task.state not in OPEN_TASK_STATES or task.due_at is None:
        return Light.NONE
    if now >= task.due_at:
        return Light.RED
    span = (task.due_at - task.created_at).total_seconds()
    if span > 0 and (task.due_at - now).total_seconds() < 0.2 * span:
        return Light.YELLOW
    return Light.GREEN


def _boundaries(areas) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": a.boundary, "properties": {"id": a.pk, "name": a.name}}
        for a in areas if a.boundary
    ]}


def _pick_boundaries(user, grid_paths=None) -> dict:
    """Grid outlines to tap a place on (the user's grids; streets when there are too many)."""
    grids = Area.objects.restrict(user).filter(level=Level.GRID, boundary__isnull=False)
    if grid_paths is not None:
        condition = Q()
        for path in grid_paths:
            condition |= Q(path__startswith=path)
        grids = grids.filter(condition) if grid_paths else grids.none()
    grids = list(grids.order_by("path").only("id", "name", "boundary")[:PICK_MAP_MAX_GRIDS + 1])
    if len(grids) > PICK_MAP_MAX_GRIDS:
        grids = list(Area.objects.restrict(user).filter(level=Level.STREET, boundary__isnull=False)
                     .order_by("path").only("id", "name", "boundary")[:PICK_MAP_MAX_GRIDS])
    return _boundaries(grids)


def _map_settings(request) -> dict:
    from django.conf import settings

    return {"tileUrl": settings.MAP_TILE_URL, "tileAttribution": settings.MAP_TILE_ATTRIBUTION}


def _render_case(request, case: Case, *, status: int = 200, conflict: str = ""):
    user = request.user
    scope = get_scope(user)
    now = timezone.now()
    names = allowed_actions(user, case)
    forms = []
    for name in names:
        form = _build_form(user, case, name)
        # nothing to fill in (an optional note is left out): one button
        one_click = not TRANSITIONS[name].danger and name not in PHOTO_ACTIONS and not any(
            f.field.required for f in form.visible_fields())
        forms.append({"name": name, "label": TRANSITIONS[name].label, "form": form,
                      "danger": TRANSITIONS[name].danger, "one_click": one_click,
                      "url": reverse("cases:act", args=[case.pk, name])})
    events = list(case.events.select_related("actor", "department").prefetch_related("photos").order_by("created_at",
                                                                                                        "id"))
    department_names = {t.department.code: t.department.name for t in case.tasks_list}
    for event in events:
        event.label = TRANSITIONS[event.action].label if event.action in TRANSITIONS else \
            EVENT_LABELS.get(event.action, event.action)
        event.who = " · ".join(str(part) for part in (
            event.actor.display_name if event.actor else "", ROLE_LABELS.get(event.actor_role, event.actor_role),
            event.department.name if event.department else "") if part)
        if event.action == "dispatch":
            event.departments = [department_names.get(code, code) for code in (event.data or {}).get("departments", [])]
        event.to_state_label = CaseState(event.to_state).label if event.to_state in CaseState.values else ""
    for task in case.tasks_list:
        task.light = _task_light(task, now)
    duplicates = []
    if case.state in (CaseState.REPORTED, CaseState.ACCEPTED):
        duplicates = actions.find_duplicates(case.category, case.lon, case.lat, exclude_id=case.pk,
                                             queryset=Case.objects.restrict(user))
    phone = ""
    if case.reporter_phone and scope.has_role(*PHONE_ROLES):
        phone = mask_phone(decrypt(case.reporter_phone))
    map_config = {"point": [case.lon, case.lat], "boundary": case.grid.boundary, "gridName": case.grid.name,
                  **_map_settings(request)}
    context = {
        "case": case,
        "light": case.light(now),
        "tasks": case.tasks_list,
        "events": events,
        "photos": list(case.photos.all()),
        "action_forms": forms,
        "duplicates": duplicates,
        "can_merge": "merge" in names,
        "reporter_phone": phone,
        "entered_by_operator": case.channel in OPERATOR_CHANNELS,
        "standard": standard_of(case.category),
        "merged_reports": list(Case.objects.restrict(user).filter(merged_into=case).only("id", "number")),
        "conflict": conflict,
        "map_config": map_config,
    }
    return render(request, "cases/detail.html", context, status=status)


# --- the case page and its actions -----------------------------------------------------------


@login_required
def case_detail(request, pk):
    case = _fetch(request.user, pk)
    return _render_case(request, case)


@login_required
def case_action(request, pk, name):
    """GET: the action's form on a page of its own (the confirmation step of dangerous actions).
    POST: validate, then call the one action function; on success back to the case page."""
    if name not in TRANSITIONS or TRANSITIONS[name].who == "reporter":
        raise Http404
    user = request.user
    case = _fetch(user, pk)
    allowed = name in allowed_actions(user, case)
    if request.method != "POST":
        if not allowed:
            raise PermissionDenied(_("You may not “%(action)s” this case now.") % {"action": TRANSITIONS[name].label})
        initial = {"into": request.GET.get("into", "")} if name == "merge" else None
        return _action_page(request, case, _build_form(user, case, name, initial=initial))
    form = _build_form(user, case, name, request.POST, request.FILES)
    if not form.is_valid():
        if "version" not in form.errors and form.cleaned_data["version"] != case.version:
            # a stale form whose choices (a task, a department) no longer exist: say so, as the
            # action would
            return _render_case(request, case, status=409, conflict=str(actions.STALE_MESSAGE))
        if not allowed:
            raise PermissionDenied(_("You may not “%(action)s” this case now.") % {"action": TRANSITIONS[name].label})
        return _action_page(request, case, form, status=400)
    try:
        result = _perform(user, case, name, form.cleaned_data)
    except CaseConflict as exc:
        fresh = _fetch(user, pk)
        return _render_case(request, fresh, status=409, conflict=" ".join(exc.messages))
    except ValidationError as exc:
        add_action_errors(form, exc, {"into": "into", "review_on": "review_on"})
        return _action_page(request, case, form, status=400)
    messages.success(request, _("“%(action)s” done for case %(number)s.") % {"action": TRANSITIONS[name].label,
                                                                             "number": case.number})
    if name == "merge" and isinstance(result, Case) and result.merged_into_id:
        return redirect("cases:detail", result.merged_into_id)
    return redirect("cases:detail", case.pk)


def _action_page(request, case: Case, form: ActionForm, status: int = 200):
    return render(request, "cases/action.html", {
        "case": case, "form": form, "label": form.transition.label, "danger": form.transition.danger,
        "light": case.light(),
    }, status=status)


@login_required
def case_photo(request, pk):
    """A case photo, streamed only to users who may see its case (never from a public URL)."""
    photo = CasePhoto.objects.filter(pk=pk).only("id", "case_id", "image").first()
    if photo is None:
        raise Http404
    access_case(request.user, photo.case_id)
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    if request.GET.get("thumb"):
        response = HttpResponse(_thumbnail(handle), content_type="image/jpeg")
    else:
        response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _thumbnail(handle, side: int = THUMB_SIDE) -> bytes:
    """A small JPEG of a stored photo (stored photos are already re-encoded JPEGs)."""
    from PIL import Image

    with handle, Image.open(handle) as image:
        image.draft("RGB", (side, side))
        image.thumbnail((side, side))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()


# --- the command center desk -----------------------------------------------------------------


def _tabs(now):
    extension_cases = CaseTask.objects.filter(state__in=OPEN_TASK_STATES, extension_requested_hours__isnull=False)
    return [
        ("reported", _("To accept"), lambda qs: qs.filter(state=CaseState.REPORTED)),
        ("accepted", _("To file"), lambda qs: qs.filter(state=CaseState.ACCEPTED)),
        ("filed", _("To dispatch"), lambda qs: qs.filter(state=CaseState.FILED)),
        ("overdue", _("Overdue"), lambda qs: qs.filter(state__in=TIMED_STATES, due_at__lt=now)),
        ("returned", _("Returned"), lambda qs: qs.filter(state=CaseState.FILED, return_count__gt=0)),
        ("extension", _("Extension requests"),
         lambda qs: qs.filter(pk__in=extension_cases.values("case_id"))),
        ("suspended", _("Suspended"), lambda qs: qs.filter(state=CaseState.SUSPENDED)),
        ("open", _("All open"), lambda qs: qs.filter(state__in=OPEN_STATES)),
        ("all", _("All"), lambda qs: qs),
    ]


def _desk_filters(request, user):
    """The filter values from the query string, and the queryset of all cases they leave."""
    get = request.GET
    values = {key: get.get(key, "").strip() for key in ("category", "channel", "street", "state", "q")}
    qs = Case.objects.restrict(user)
    if values["category"]:
        qs = qs.filter(Q(category__code=values["category"]) | Q(category__parent__code=values["category"]))
    if values["channel"] in Channel.values:
        qs = qs.filter(channel=values["channel"])
    else:
        values["channel"] = ""
    streets = list(Area.objects.restrict(user).filter(level=Level.STREET).order_by("path").only("id", "name", "path"))
    if values["street"]:
        street = next((s for s in streets if str(s.pk) == values["street"]), None)
        if street is None:
            values["street"] = ""
        else:
            qs = qs.filter(area_path__startswith=street.path)
    if values["state"] in CaseState.values:
        qs = qs.filter(state=values["state"])
    else:
        values["state"] = ""
    if values["q"]:
        qs = qs.filter(Q(description__icontains=values["q"]) | Q(number__icontains=values["q"])
                       | Q(external_id=values["q"]) | Q(address__icontains=values["q"]))
    return values, streets, qs


@login_required
def desk(request):
    user = request.user
    now = timezone.now()
    values, streets, base = _desk_filters(request, user)
    tabs = _tabs(now)
    tab = request.GET.get("tab") or "reported"
    if tab not in {key for key, _label, _f in tabs}:
        tab = "reported"
    tab_list = [{"key": key, "label": label, "count": select(base).count()} for key, label, select in tabs]
    select = next(f for key, _label, f in tabs if key == tab)
    cases = select(base).select_related("category", "grid").order_by(F("due_at").asc(nulls_last=True), "-created_at")
    if tab == "all":
        cases = cases.order_by("-created_at", "-id")
    page = paginate(request, cases)
    for case in page:
        case.light_now = case.light(now)
    points = []
    for case in select(base).filter(state__in=OPEN_STATES).only("id", "number", "lon", "lat", "state", "due_at",
                                                                 "warn_at", "category__name")\
            .select_related("category").order_by("-created_at")[:MAP_POINT_CAP]:
        points.append({"id": case.pk, "n": case.number, "lon": case.lon, "lat": case.lat, "light": case.light(now),
                       "label": case.category.name, "url": case.get_absolute_url()})
    scope = get_scope(user)
    can_bulk = tab in ("filed", "returned") and (scope.has_role("district_command", "street_officer")
                                                or scope.is_superuser)
    departments = Department.objects.restrict(user).filter(is_active=True).select_related("area") \
        .order_by("area__path", "code") if can_bulk else []
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("tab", None)
    return render(request, "cases/desk.html", {
        "tabs": tab_list,
        "tab": tab,
        "page_obj": page,
        "filters": values,
        "filter_query": params.urlencode(),
        "streets": streets,
        "categories": category_choices(blank=False),
        "majors": Category.objects.filter(parent__isnull=True, is_active=True).order_by("kind", "code"),
        "channels": Channel.choices,
        "states": CaseState.choices,
        "map_config": {"points": points, "capped": len(points) >= MAP_POINT_CAP, "boundaries": _pick_boundaries(user),
                       **_map_settings(request)},
        "can_bulk": can_bulk,
        "departments": departments,
        "now": now,
    })


@login_required
@require_POST
def desk_dispatch(request):
    """Bulk dispatch: the same departments for several filed cases, one action call per case."""
    user = request.user
    department_ids = [v for v in request.POST.getlist("departments") if v.isdigit()]
    departments = list(Department.objects.restrict(user).filter(is_active=True, pk__in=department_ids)
                       .select_related("area"))
    note = request.POST.get("note", "").strip()
    results = []
    if not departments:
        messages.error(request, _("Choose at least one department."))
        return redirect(request.POST.get("back") if url_has_allowed_host_and_scheme(
            request.POST.get("back", ""), allowed_hosts={request.get_host()}) else reverse("cases:desk"))
    for item in request.POST.getlist("cases")[:200]:
        pk, _sep, version = item.partition(":")
        row = {"id": pk, "number": pk, "ok": False, "message": "", "url": ""}
        results.append(row)
        try:
            case = _fetch(user, pk)
        except Http404:
            row["message"] = _("Not found among the cases you can see.")
            continue
        row.update(number=case.number, url=case.get_absolute_url())
        try:
            actions.dispatch(user, case, departments=departments, note=note,
                             expected_version=int(version) if version.isdigit() else None)
        except PermissionDenied as exc:
            row["message"] = str(exc) or _("Not allowed.")
        except ValidationError as exc:
            row["message"] = " ".join(exc.messages)
        else:
            row["ok"] = True
    if not results:
        messages.error(request, _("Select the cases to dispatch."))
        return redirect(reverse("cases:desk") + "?tab=filed")
    return render(request, "cases/bulk_result.html", {
        "results": results, "departments": departments,
        "ok_count": sum(1 for r in results if r["ok"]),
        "failed_count": sum(1 for r in results if not r["ok"]),
    })


# --- intake ----------------------------------------------------------------------------------


def _operator_or_403(user):
    if not get_scope(user).has_role(*OWNER_ROLE_CODES):
        raise PermissionDenied(_("Orders are entered by the command center, street and community officers and grid "
                                 "chiefs."))


@login_required
def intake(request):
    user = request.user
    _operator_or_403(user)
    grids = Area.objects.restrict(user).filter(level=Level.GRID).order_by("path")
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, grids=grids)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case, created = actions.report_case(
                    user, channel=data["channel"], category_code=data["category"], description=data["description"],
                    lon=data["lon"], lat=data["lat"], grid=data["grid"] if data["lon"] is None else None,
                    address=data["address"], reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"], photos=data["photos"],
                    idempotency_key=data["idempotency_key"], external_id=data["external_id"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc, {"category_code": "category", "photos": "photos"})
            else:
                if created:
                    messages.success(request, _("Case %(number)s was registered.") % {"number": case.number})
                else:
                    messages.info(request, _("This order was already registered as case %(number)s.")
                                  % {"number": case.number})
                return redirect("cases:detail", case.pk)
    else:
        form = IntakeForm(grids=grids, initial={"channel": Channel.HOTLINE})
    return render(request, "cases/intake.html", {
        "form": form,
        "pick_config": {"boundaries": _pick_boundaries(user), "geolocate": False, **_map_settings(request)},
    })


@login_required
def duplicates(request):
    """Possible duplicates of a report being entered (an htmx partial): open cases of the same
    category nearby, among the cases the user can see."""
    found = []
    code = request.GET.get("category", "").strip()
    category = Category.objects.filter(code=code, parent__isnull=False).first() if code else None
    try:
        lon, lat = float(request.GET.get("lon", "")), float(request.GET.get("lat", ""))
    except ValueError:
        lon = lat = None
    if category is not None and lon is not None and -180 <= lon <= 180 and -90 <= lat <= 90:
        found = actions.find_duplicates(category, lon, lat, queryset=Case.objects.restrict(request.user))
    return render(request, "cases/_duplicates.html", {"duplicates": found, "asked": category is not None
                                                      and lon is not None})


# --- the department desk ---------------------------------------------------------------------

DEPARTMENT_TABS = [
    ("new", gettext_lazy("New"), Q(state=TaskState.DISPATCHED)),
    ("handling", gettext_lazy("In progress"), Q(state=TaskState.HANDLING)),
    ("extension", gettext_lazy("Asked for more time"),
     Q(state__in=OPEN_TASK_STATES, extension_requested_hours__isnull=False)),
    ("done", gettext_lazy("Done"), Q(state__in=[TaskState.HANDLED, TaskState.RETURNED])),
]


@login_required
def department_desk(request):
    user = request.user
    scope = get_scope(user)
    my_departments = sorted({a.department_id for a in scope.roles
                             if a.role == Role.DEPARTMENT_HANDLER and a.department_id})
    base = CaseTask.objects.filter(department_id__in=my_departments,
                                   case__in=Case.objects.restrict(user).values("pk"))
    tab = request.GET.get("tab") or "new"
    if tab not in {key for key, _l, _q in DEPARTMENT_TABS}:
        tab = "new"
    tabs = [{"key": key, "label": label, "count": base.filter(condition).count()}
            for key, label, condition in DEPARTMENT_TABS]
    condition = next(c for key, _l, c in DEPARTMENT_TABS if key == tab)
    tasks = base.filter(condition).select_related("case__category", "case__grid", "department")
    tasks = tasks.order_by("-handled_at", "-id") if tab == "done" else tasks.order_by(
        F("due_at").asc(nulls_last=True), "id")
    page = paginate(request, tasks)
    now = timezone.now()
    for task in page:
        task.light = _task_light(task, now)
    return render(request, "cases/department.html", {
        "tabs": tabs, "tab": tab, "page_obj": page,
        "departments": Department.objects.filter(pk__in=my_departments).order_by("code"),
    })


# --- the grid worker's phone pages -----------------------------------------------------------


def _grid_paths(user) -> list[str]:
    return sorted({a.area.path for a in get_scope(user).roles if a.role in GRID_STAFF_ROLES and a.area_id})


@login_required
def mobile(request):
    user = request.user
    now = timezone.now()
    visible = Case.objects.restrict(user).select_related("category", "grid")
    paths = _grid_paths(user)
    mine_condition = Q()
    for path in paths:
        mine_condition |= Q(area_path__startswith=path)
    to_verify = list(visible.filter(mine_condition, state=CaseState.VERIFYING).order_by("due_at")[:50]) \
        if paths else []
    open_cases = list(visible.filter(state__in=OPEN_STATES).exclude(state=CaseState.VERIFYING)
                      .order_by(F("due_at").asc(nulls_last=True), "-created_at")[:50])
    my_reports = list(visible.filter(reporter=user).order_by("-created_at")[:20])
    for case in [*to_verify, *open_cases, *my_reports]:
        case.light_now = case.light(now)
    return render(request, "cases/mobile.html", {
        "to_verify": to_verify, "open_cases": open_cases, "my_reports": my_reports,
        "is_grid_staff": bool(paths),
    })


@login_required
def mobile_report(request):
    user = request.user
    paths = _grid_paths(user)
    if not paths:
        raise PermissionDenied(_("Only grid staff report through the grid worker channel."))
    if request.method == "POST":
        form = GridReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case, created = actions.report_case(
                    user, channel=Channel.GRID_WORKER, category_code=data["category"],
                    description=data["description"], lon=data["lon"], lat=data["lat"], address=data["address"],
                    photos=data["photos"], after_photos=data["after_photos"] if data["self_resolved"] else (),
                    self_resolved=data["self_resolved"], idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc, {"category_code": "category", "lon": None})
            else:
                if created:
                    messages.success(request, _("Reported: case number %(number)s.") % {"number": case.number})
                else:
                    messages.info(request, _("This report was already received as case %(number)s.")
                                  % {"number": case.number})
                return redirect("cases:detail", case.pk)
    else:
        form = GridReportForm()
    return render(request, "cases/mobile_report.html", {
        "form": form,
        "pick_config": {"boundaries": _pick_boundaries(user, paths), "geolocate": True, **_map_settings(request)},
    })


# --- the inbox -------------------------------------------------------------------------------


@login_required
def inbox(request):
    notes = Notification.objects.filter(user=request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return render(request, "cases/inbox.html", {
        "page_obj": paginate(request, notes),
        "unread_only": unread_only,
        "unread_total": Notification.objects.filter(user=request.user, read_at__isnull=True).count(),
    })


def _my_notification(request, pk) -> Notification:
    note = Notification.objects.filter(user=request.user, pk=pk).first()
    if note is None:
        raise Http404
    return note


@login_required
def inbox_open(request, pk):
    """Follow a message's link, marking it read."""
    note = _my_notification(request, pk)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("cases:inbox")


@login_required
@require_POST
def inbox_read(request, pk):
    note = _my_notification(request, pk)
    Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(_back(request, reverse("cases:inbox")))


@login_required
@require_POST
def inbox_read_all(request):
    count = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("%(n)d messages marked as read.") % {"n": count})
    return redirect(_back(request, reverse("cases:inbox")))


def _back(request, default: str) -> str:
    back = request.POST.get("next", "")
    return back if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) else default


# --- the category catalog --------------------------------------------------------------------


def _is_catalog_admin(user) -> bool:
    scope = get_scope(user)
    return scope.is_superuser or scope.has_role(Role.SYSTEM_ADMIN)


@login_required
def catalog(request):
    majors = list(Category.objects.filter(parent__isnull=True).order_by("kind", "code").prefetch_related(
        Prefetch("children", queryset=Category.objects.select_related("standard").order_by("code"))))
    kind_labels = dict(DepartmentKind.choices)
    for major in majors:
        for minor in major.children.all():
            minor.std = standard_of(minor)
            minor.department_labels = [kind_labels.get(k, k) for k in minor.std.department_kinds]
    return render(request, "cases/catalog.html", {"majors": majors, "can_edit": _is_catalog_admin(request.user)})


@login_required
def standard_edit(request, pk):
    if not _is_catalog_admin(request.user):
        raise PermissionDenied(_("Only system administrators edit the handling standards."))
    category = Category.objects.filter(pk=pk, parent__isnull=False).first()
    if category is None:
        raise Http404
    standard = standard_of(category)
    if request.method == "POST":
        form = StandardForm(request.POST, instance=standard)
        if form.is_valid():
            actions.save_standard(request.user, standard, **{name: form.cleaned_data[name] for name in form.fields})
            messages.success(request, _("The standard of %(category)s was saved.") % {"category": category})
            return redirect(reverse("cases:catalog") + f"#c-{category.code}")
    else:
        form = StandardForm(instance=standard)
    return render(request, "cases/standard_edit.html", {"form": form, "category": category})


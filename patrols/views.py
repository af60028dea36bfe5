"""Patrol pages: the grid worker's phone page (start, live track, report on the way, home visit,
end), the patrol list and detail, the coverage report, and home visits (household masked, note
shown only with registry.sensitive and audited).

Objects come through restricted querysets (out of scope is 404); every change is one call of
patrols.actions.
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scope
from areas.models import Area
from core.audit import record
from core.crypto import mask_name
from core.views import require_capability
from patrols import actions, selectors
from patrols.choices import PatrolState
from patrols.forms import CoverageFilterForm, PatrolReportForm, VisitEditForm, VisitForm
from patrols.models import HomeVisit, Patrol
from registry.models import Household
from web.utils import add_action_errors, paginate

HOUSEHOLD_CHOICES = 500


def _patrol(user, pk, capability="patrol.view") -> Patrol:
    try:
        return Patrol.objects.restrict(user, capability).select_related("grid", "worker").get(pk=int(pk))
    except (Patrol.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def _my_patrol(user, pk) -> Patrol:
    patrol = _patrol(user, pk, "patrol.do")
    if patrol.worker_id != user.pk:
        raise Http404
    return patrol


@login_required
def mine(request):
    """The grid worker's phone page."""
    user = request.user
    if not get_scope(user).can("patrol.do"):
        require_capability(user, "patrol.view")
        return redirect("patrols:list")
    active = (Patrol.objects.filter(worker=user, state=PatrolState.ACTIVE).select_related("grid")
              .defer("grid__boundary").first())
    recent = list(Patrol.objects.filter(worker=user, state=PatrolState.ENDED).select_related("grid")
                  .defer("grid__boundary")[:10])
    grids = list(actions.patrol_grids(user)[:20])
    return render(request, "patrols/mine.html", {"active": active, "recent": recent, "grids": grids})


@login_required
@require_POST
def start(request):
    user = request.user
    require_capability(user, "patrol.do")
    grid = None
    if request.POST.get("grid"):
        grid = actions.patrol_grids(user).filter(pk=request.POST["grid"]).first() \
            if request.POST["grid"].isdigit() else None
        if grid is None:
            raise Http404
    try:
        actions.start_patrol(user, grid=grid)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Patrol started. Keep this page open while you walk the grid."))
    return redirect("patrols:mine")


@login_required
@require_POST
def points(request, pk):
    """A batch of GPS points from the phone page (JSON: {"points": [{lon, lat, accuracy, at}]})."""
    patrol = _my_patrol(request.user, pk)
    try:
        body = json.loads(request.body.decode("utf-8") or "{}")
        batch = body.get("points") if isinstance(body, dict) else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        batch = None
    if not isinstance(batch, list):
        return JsonResponse({"error": _("Send the points as JSON.")}, status=400)
    try:
        result = actions.add_points(request.user, patrol, batch)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse(result)


@login_required
@require_POST
def end(request, pk):
    patrol = _my_patrol(request.user, pk)
    try:
        patrol = actions.end_patrol(request.user, patrol)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("patrols:mine")
    messages.success(request, _("Patrol ended: %(km).2f km, %(share)d%% of the grid covered.")
                     % {"km": patrol.distance_m / 1000, "share": round(patrol.coverage * 100)})
    return redirect("patrols:detail", patrol.pk)


@login_required
def report(request, pk):
    """Report a problem found on the way; the case is linked to the patrol."""
    patrol = _my_patrol(request.user, pk)
    if patrol.state != PatrolState.ACTIVE:
        messages.error(request, _("This patrol has ended."))
        return redirect("patrols:detail", patrol.pk)
    if request.method == "POST":
        form = PatrolReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case, created = actions.report_on_patrol(
                    request.user, patrol, category_code=data["category"], description=data["description"],
                    lon=data["lon"], lat=data["lat"], address=data["address"], photos=data["photos"] or (),
                    idempotency_key=data["idempotency_key"])
            except ValidationError as exc:
                add_action_errors(form, exc, {"category_code": "category", "lon": None})
            else:
                if created:
                    messages.success(request, _("Reported: case number %(number)s.") % {"number": case.number})
                return redirect("patrols:mine")
    else:
        form = PatrolReportForm()
    return render(request, "patrols/report.html", {"form": form, "patrol": patrol})


@login_required
def patrol_list(request):
    user = request.user
    require_capability(user, "patrol.view")
    patrols = Patrol.objects.restrict(user).select_related("grid", "worker").defer("grid__boundary")
    grid = request.GET.get("grid", "")
    if grid.isdigit():
        patrols = patrols.filter(grid_id=int(grid))
    return render(request, "patrols/list.html", {"page_obj": paginate(request, patrols), "grid": grid})


@login_required
def detail(request, pk):
    patrol = _patrol(request.user, pk)
    track = list(patrol.points.order_by("recorded_at", "id").values_list("lon", "lat")[:5000])
    cases = [link.case for link in patrol.case_links.select_related("case__category")]
    visits = list(patrol.visits.select_related("household"))
    return render(request, "patrols/detail.html", {
        "patrol": patrol, "track": bool(track), "cases": cases, "visits": visits,
        "map_config": {"boundary": patrol.grid.boundary, "track": [[lat, lon] for lon, lat in track]},
    })


def _dates(form) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    end_ = data.get("end") or today
    start_ = data.get("start") or end_ - dt.timedelta(days=13)
    return start_, end_


@login_required
def coverage(request):
    """Coverage per grid and per worker over a period (default the last 14 days)."""
    user = request.user
    require_capability(user, "patrol.view")
    form = CoverageFilterForm(request.GET or None)
    start_, end_ = _dates(form)
    grids = Area.objects.restrict(user, "patrol.view").filter(level__in=("grid", "cell")).defer("boundary")
    grid_rows = selectors.grid_coverage(grids[:500], start_, end_)
    worker_rows = selectors.worker_coverage(Patrol.objects.restrict(user), start_, end_)
    return render(request, "patrols/coverage.html", {
        "form": form, "start": start_, "end": end_, "grid_rows": grid_rows, "worker_rows": worker_rows,
    })


# --- home visits -----------------------------------------------------------------------------


def _household_label(household) -> str:
    head = mask_name(household.head.name) if household.head_id else "—"
    return f"{household.number or household.pk} · {head}"


@login_required
def visits(request):
    user = request.user
    require_capability(user, "patrol.view")
    rows = HomeVisit.objects.restrict(user).select_related("household__head", "worker", "grid")
    page = paginate(request, rows)
    for visit in page:
        visit.household_label = _household_label(visit.household)
    if page.object_list:  # households shown (masked): audited like the registry's lists, without the data
        record(user, "patrol.visit.list", object_type="patrols.homevisit", object_repr=f"{len(page.object_list)} rows",
               after={"results": [v.pk for v in page]})
    return render(request, "patrols/visits.html", {"page_obj": page,
                                                   "can_visit": get_scope(user).can("patrol.do")})


@login_required
def visit_new(request):
    user = request.user
    require_capability(user, "patrol.do")
    paths = [g.path for g in actions.patrol_grids(user)]
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(area_path__startswith=path)
    households = list(Household.objects.restrict(user).filter(condition).select_related("head").order_by("number", "id")[:HOUSEHOLD_CHOICES])
    choices = [(h, _household_label(h)) for h in households]
    active = Patrol.objects.filter(worker=user, state=PatrolState.ACTIVE).first()
    if request.method == "POST":
        form = VisitForm(request.POST, households=choices)
        if form.is_valid():
            household = next((h for h in households if h.pk == form.cleaned_data["household"]), None)
            if household is None:
                raise Http404
            patrol = active if active and household.area_path.startswith(active.area_path) else None
            try:
                actions.record_visit(user, household=household, finding=form.cleaned_data["finding"],
                                     note=form.cleaned_data["note"], patrol=patrol)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("Home visit recorded."))
                return redirect("patrols:mine")
    else:
        form = VisitForm(households=choices)
    return render(request, "patrols/visit_form.html", {"form": form, "active": active})


@login_required
def visit_detail(request, pk):
    """One visit: the note is shown to holders of registry.sensitive on its grid; every view is audited."""
    user = request.user
    try:
        visit = (HomeVisit.objects.restrict(user).select_related("household__head", "worker", "grid", "patrol")
                 .get(pk=int(pk)))
    except (HomeVisit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    sensitive = get_scope(user).can("registry.sensitive", visit.grid)
    if sensitive:
        actions.audit_visit_view(user, visit)
    response = render(request, "patrols/visit.html", {
        "visit": visit, "household_label": _household_label(visit.household),
        "note": visit.note if sensitive else None, "can_edit": actions.may_edit_visit(user, visit),
        "edit_days": actions.VISIT_EDIT_DAYS,
    })
    response["Cache-Control"] = "no-store"
    return response




@login_required
def visit_edit(request, pk):
    """The visiting worker corrects the finding or the note within a few days (actions.update_visit).
    Anyone else, or later: 404. The note is shown in the form, so the read is audited."""
    user = request.user
    try:
        visit = (HomeVisit.objects.restrict(user, "patrol.do").select_related("household__head", "grid")
                 .get(pk=int(pk), worker=user))
    except (HomeVisit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not actions.may_edit_visit(user, visit) or not get_scope(user).can("registry.sensitive", visit.grid):
        raise Http404
    if request.method == "POST":
        form = VisitEditForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                actions.update_visit(user, visit, finding=form.cleaned_data["finding"], note=form.cleaned_data["note"],
                                     version=form.cleaned_data["version"])
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("patrols:visit", visit.pk)
    else:
        status = 200
        actions.audit_visit_view(user, visit)
        form = VisitEditForm(initial={"finding": visit.finding, "note": visit.note,
                                      "version": actions.visit_version(visit)})
    response = render(request, "patrols/visit_edit.html", {
        "visit": visit, "household_label": _household_label(visit.household), "form": form,
        "edit_days": actions.VISIT_EDIT_DAYS}, status=status)
    response["Cache-Control"] = "no-store"
    return response

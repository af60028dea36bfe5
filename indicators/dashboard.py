"""The command-center dashboard (指挥中心驾驶舱): a map of the viewer's area coloured by open or
overdue cases with drill-down, case points, charts, the main indicators and a live feed.

Everything is scoped to the viewer: cases through `Case.objects.restrict(user, "case.view")`,
areas through `Area.objects.restrict(user, "case.view")`; an area (`?area=<code>`) outside the
viewer's scope is a 404 (`access_within`)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, F, Min, Q, Sum
from django.db.models.functions import Floor, TruncDate
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from areas.models import Area
from cases.choices import OPEN_STATES, CaseState, Channel
from cases.models import Case, Category
from indicators.assessment import case_paths
from indicators.definitions import Period, ScopeFilter, as_display, compute
from indicators.views import access_within

POINT_CAP = 2000
FEED_SIZE = 10
TOP_OVERDUE = 10
MAIN_INDICATORS = ("on_time_closure_rate", "closure_rate", "satisfaction_rate", "in_grid_resolution_rate")
DEPARTMENT_INDICATORS = ("on_time_handling_rate", "handling_rate", "rework_rate", "return_rate", "extension_rate",
                         "satisfaction_rate")
BUCKET_CAP = 4000
WARNING_CAP = 200
LAST_30 = "30d"


# --- what the request asks for -----------------------------------------------------------------


def chosen_period(text: str) -> Period:
    """"30d" (default): the last 30 days up to today; "month": this month; "2026-10": that month."""
    today = timezone.localdate()
    text = (text or "").strip()
    if text == "month":
        return Period.month(today.year, today.month)
    if text and text != LAST_30:
        try:
            period = Period.parse(text)
        except ValueError:
            period = None
        if period is not None and period.kind == "month":
            return period
    return Period(today - dt.timedelta(days=29), today + dt.timedelta(days=1), LAST_30)


def chosen_category(code: str):
    code = (code or "").strip()
    if not code:
        return None
    return Category.objects.filter(code=code, parent__isnull=True).first()


def top_areas(user) -> list[Area]:
    """The highest areas whose cases the viewer sees (the district for the command center)."""
    areas = Area.objects.restrict(user, "case.view").defer("boundary")
    if get_scope(user).is_superuser:
        return list(areas.filter(parent__isnull=True).order_by("code"))
    paths = set(case_paths(user) or ())
    return [a for a in areas.filter(path__in=paths).order_by("path")
            if not any(a.path != p and a.path.startswith(p) for p in paths)]


class View:
    """The viewer's scope for one request: the area shown (None: all the viewer's top areas), the
    cases (restricted, under the area, of the major category), the period."""

    def __init__(self, request):
        self.user = request.user
        params = request.GET
        self.area = access_within(self.user, params.get("area", ""))
        self.tops = [] if self.area is not None else top_areas(self.user)
        if self.area is None and len(self.tops) == 1:
            self.area = self.tops[0]
        self.category = chosen_category(params.get("category", ""))
        raw = (params.get("month") or params.get("period") or "").strip()
        self.period = chosen_period(raw)
        self.period_param = "month" if raw == "month" else self.period.name
        self.metric = "overdue" if params.get("metric") == "overdue" else "open"
        self.now = timezone.now()
        cases = Case.objects.restrict(self.user, "case.view")
        if self.area is not None:
            cases = cases.filter(area_path__startswith=self.area.path)
        if self.category is not None:
            cases = cases.filter(category__parent=self.category)
        self.cases = cases

    def query(self, **extra) -> str:
        params = {"area": self.area.code if self.area else "", "period": self.period_param,
                  "category": self.category.code if self.category else "", "metric": self.metric}
        params.update(extra)
        return "&".join(f"{k}={v}" for k, v in params.items() if v)

    def open_cases(self):
        return self.cases.filter(state__in=OPEN_STATES)

    def overdue_q(self) -> Q:
        return Q(state__in=OPEN_STATES, due_at__lte=self.now) & ~Q(state=CaseState.SUSPENDED)

    def children(self) -> list[Area]:
        areas = Area.objects.restrict(self.user, "case.view").order_by("code")
        if self.area is None:
            return list(areas.filter(pk__in=[t.pk for t in self.tops]))
        found = list(areas.filter(parent=self.area))
        return found or [areas.get(pk=self.area.pk)]

    def breadcrumb(self) -> list[Area]:
        if self.area is None:
            return []
        ids = [int(p) for p in self.area.path.strip("/").split("/") if p]
        return list(Area.objects.restrict(self.user, "case.view").filter(pk__in=ids).defer("boundary")
                    .order_by("path"))

    def per_child(self, children, cases, **aggregates) -> dict[int, dict]:
        """Aggregates of the cases per child area: one query grouped by grid, summed by path."""
        rows = list(cases.values("grid__path").annotate(**aggregates))
        out = {c.pk: dict.fromkeys(aggregates, 0) for c in children}
        for child in children:
            for row in rows:
                if (row["grid__path"] or "").startswith(child.path):
                    for key in aggregates:
                        out[child.pk][key] += row[key]
        return out


# --- the data ----------------------------------------------------------------------------------


def light_of(state, due_at, warn_at, now) -> str:
    """Case.light() on values."""
    if state not in OPEN_STATES or due_at is None or state == CaseState.SUSPENDED:
        return "none"
    if now >= due_at:
        return "red"
    if warn_at is not None and now >= warn_at:
        return "yellow"
    return "green"


def areas_geojson_data(view: View) -> dict:
    children = view.children()
    counts = view.per_child(children, view.open_cases(), open=Count("id"),
                            overdue=Count("id", filter=view.overdue_q()))
    features = []
    for child in children:
        drill = child.level != "grid" and (view.area is None or child.pk != view.area.pk)
        features.append({
            "type": "Feature",
            "geometry": child.boundary,
            "properties": {"code": child.code, "name": child.name, "level": child.level,
                           "open": counts[child.pk]["open"], "overdue": counts[child.pk]["overdue"],
                           "drill": drill,
                           "url": reverse("indicators:dashboard") + "?" + view.query(area=child.code)},
        })
    parent = None
    if view.area is not None:
        parent = {"code": view.area.code, "name": view.area.name, "level": view.area.level}
    return {"type": "FeatureCollection", "parent": parent, "metric": view.metric, "features": features}


def points_data(view: View) -> dict:
    rows = list(view.open_cases().order_by("-created_at", "-id")
                .values("id", "number", "lon", "lat", "state", "due_at", "warn_at", "category__name")[:POINT_CAP])
    points = [{"id": r["id"], "n": r["number"], "lon": r["lon"], "lat": r["lat"],
               "light": light_of(r["state"], r["due_at"], r["warn_at"], view.now), "label": r["category__name"],
               "url": reverse("cases:detail", args=[r["id"]])} for r in rows]
    return {"points": points, "capped": len(points) >= POINT_CAP, "cap": POINT_CAP}


def _by_day(cases, field: str) -> dict:
    return {row["day"]: row["n"] for row in cases.annotate(day=TruncDate(field)).values("day").annotate(n=Count("id"))}


def stats_data(view: View) -> dict:
    start, end = view.period.bounds()
    reported = view.cases.filter(created_at__gte=start, created_at__lt=end)
    closed = view.cases.filter(state=CaseState.CLOSED, closed_at__gte=start, closed_at__lt=end)
    made, done = _by_day(reported, "created_at"), _by_day(closed, "closed_at")
    days, day = [], view.period.start
    while day < view.period.end:
        days.append(day)
        day += dt.timedelta(days=1)
    trend = {"days": [d.isoformat() for d in days], "reports": [made.get(d, 0) for d in days],
             "closed": [done.get(d, 0) for d in days]}
    categories = [{"code": r["category__parent__code"], "name": r["category__parent__name"], "count": r["n"]}
                  for r in reported.values("category__parent__code", "category__parent__name")
                  .annotate(n=Count("id")).order_by("-n", "category__parent__code")]
    labels = dict(Channel.choices)
    channels = [{"code": r["channel"], "name": str(labels.get(r["channel"], r["channel"])), "count": r["n"]}
                for r in reported.values("channel").annotate(n=Count("id")).order_by("-n", "channel")]
    children = view.children()
    per = view.per_child(children, reported, n=Count("id"))
    by_child = [{"code": c.code, "name": c.name, "count": per[c.pk]["n"]} for c in children]
    open_cases = view.open_cases()
    lights = open_cases.aggregate(
        red=Count("id", filter=view.overdue_q()),
        yellow=Count("id", filter=~Q(state=CaseState.SUSPENDED) & Q(due_at__gt=view.now, warn_at__lte=view.now)),
        green=Count("id", filter=~Q(state=CaseState.SUSPENDED) & Q(due_at__gt=view.now)
                    & (Q(warn_at__isnull=True) | Q(warn_at__gt=view.now))),
        total=Count("id"),
    )
    lights["none"] = lights.pop("total") - lights["red"] - lights["yellow"] - lights["green"]
    overdue = [{"id": c.pk, "number": c.number, "category": c.category.name, "grid": c.grid.name,
                "due_at": timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M"),
                "hours": round((view.now - c.due_at).total_seconds() / 3600, 1), "url": c.get_absolute_url()}
               for c in open_cases.filter(view.overdue_q()).select_related("category", "grid")
               .order_by("due_at", "id")[:TOP_OVERDUE]]
    return {"period": {"start": view.period.start.isoformat(), "end": view.period.end.isoformat(),
                       "label": view.period.label},
            "trend": trend, "categories": categories, "channels": channels, "children": by_child,
            "lights": lights, "overdue": overdue, "indicators": main_indicators(view)}


def main_indicators(view: View) -> list[dict]:
    """The period's main rates from indicators.definitions (the daily rollup), for the area shown or
    every area the viewer covers; none for a viewer who covers no area (a department handler)."""
    paths = case_paths(view.user)
    if view.area is None and paths == ():
        return []
    scope = ScopeFilter(area=view.area, category=view.category,
                        paths=tuple(t.path for t in view.tops) if view.area is None and paths else ())
    values = compute(scope, view.period)
    from indicators.definitions import INDICATORS

    return [{"key": key, "label": str(INDICATORS[key].label), "value": values.get(key),
             "display": as_display(key, values.get(key))} for key in MAIN_INDICATORS]


def feed_data(view: View) -> dict:
    newest = list(view.cases.select_related("category", "grid").order_by("-created_at", "-id")[:FEED_SIZE])
    overdue = list(view.open_cases().filter(view.overdue_q()).select_related("category", "grid")
                   .order_by("-due_at", "-id")[:FEED_SIZE])
    return {"newest": newest, "overdue": overdue}


def bucket_size(zoom: int) -> float:
    """The cell width in degrees at a web-map zoom level: a quarter of a 256-pixel tile (64 px)."""
    zoom = max(0, min(int(zoom), 20))
    return 90.0 / (2 ** zoom)


def parse_bbox(text: str):
    """"west,south,east,north" in degrees, or None when malformed."""
    try:
        west, south, east, north = (float(v) for v in (text or "").split(","))
    except ValueError:
        return None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None
    return west, south, east, north


def buckets_data(view: View, bbox, zoom: int, what: str) -> dict:
    """Case points aggregated in square cells (bucket_size(zoom) degrees) inside the bbox: per cell
    the count, the mean position and, for a cell of one case, that case. `what`: "open" (the open
    cases, the clusters) or "reports" (the period's reports, the hot-spot layer). One GROUP BY in
    the database whatever the number of cases; the biggest BUCKET_CAP cells are returned."""
    size = bucket_size(zoom)
    if what == "reports":
        start, end = view.period.bounds()
        cases = view.cases.filter(created_at__gte=start, created_at__lt=end)
    else:
        cases = view.open_cases()
    west, south, east, north = bbox
    cases = cases.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)
    rows = list(cases.order_by().annotate(cx=Floor(F("lon") / size), cy=Floor(F("lat") / size))
                .values("cx", "cy").annotate(n=Count("id"), lon=Avg("lon"), lat=Avg("lat"), first=Min("id"))
                .order_by("-n", "cx", "cy")[:BUCKET_CAP])
    buckets = []
    for r in rows:
        item = {"lon": round(r["lon"], 6), "lat": round(r["lat"], 6), "n": r["n"]}
        if r["n"] == 1:
            item["url"] = reverse("cases:detail", args=[r["first"]])
        buckets.append(item)
    return {"zoom": int(zoom), "cell": size, "what": what, "buckets": buckets,
            "total": sum(b["n"] for b in buckets), "capped": len(rows) >= BUCKET_CAP}


def warnings_data(view: View) -> list[dict]:
    """The active early warnings in the area shown (scoped like the cases: case.view)."""
    from earlywarning.selectors import as_feature, visible_warnings

    warnings = visible_warnings(view.user, area=view.area)
    if view.category is not None:
        warnings = warnings.filter(Q(category__parent=view.category) | Q(category__isnull=True))
    return [as_feature(w) for w in warnings[:WARNING_CAP]]


def department_data(view: View) -> list[dict]:
    """For a department handler: per department of theirs, the period's task indicators (on-time
    handling, handling, rework, return, extension, satisfaction) and the overdue open tasks. Never
    another department's."""
    from areas.models import Department
    from cases.choices import OPEN_TASK_STATES
    from cases.models import CaseTask
    from indicators.definitions import INDICATORS

    own = get_scope(view.user).departments_for("case.task")
    if not own or get_scope(view.user).is_superuser:
        return []
    out = []
    for department in Department.objects.filter(pk__in=own).order_by("code"):
        values = compute(ScopeFilter(department=department, category=view.category), view.period)
        tasks = CaseTask.objects.filter(department=department, state__in=OPEN_TASK_STATES)
        if view.category is not None:
            tasks = tasks.filter(case__category__parent=view.category)
        overdue = tasks.filter(due_at__lte=view.now)
        out.append({
            "code": department.code, "name": department.name,
            "indicators": [{"key": key, "label": str(INDICATORS[key].label), "value": values.get(key),
                            "display": as_display(key, values.get(key))} for key in DEPARTMENT_INDICATORS],
            "counts": {"tasks_due": values.get("tasks_due", 0), "tasks_on_time": values.get("tasks_on_time", 0),
                       "tasks_reworked": values.get("tasks_reworked", 0), "open": tasks.count(),
                       "overdue": overdue.count()},
            "overdue": [{"number": t.case.number, "category": t.case.category.name,
                         "due_at": timezone.localtime(t.due_at).strftime("%Y-%m-%d %H:%M"),
                         "url": t.case.get_absolute_url()}
                        for t in overdue.select_related("case", "case__category").order_by("due_at", "id")[:TOP_OVERDUE]],
        })
    return out


def community_data(view: View) -> list[dict]:
    """Community work in the area shown and the period, each figure only for a viewer who may see
    its records (scoped by their own `restrict`): disputes mediated, settled and the settlement
    rate (disputes.selectors.figures), patrols made and their distance, home visits, meeting
    decisions overdue, grid-task items not done. Empty when the viewer sees none of these."""
    from disputes.models import Dispute
    from disputes.selectors import figures, local_day_start
    from gridtasks.choices import ItemState
    from gridtasks.models import GridTask, GridTaskItem
    from meetings.models import Decision
    from patrols.choices import PatrolState
    from patrols.models import HomeVisit, Patrol

    scope = get_scope(view.user)
    start, end = local_day_start(view.period.start), local_day_start(view.period.end)

    def under(queryset, field="area_path"):
        return queryset.filter(**{f"{field}__startswith": view.area.path}) if view.area is not None else queryset

    out = []
    if scope.can("dispute.view"):
        found = figures(under(Dispute.objects.restrict(view.user)), view.period.start, view.period.end)
        out += [{"key": "disputes_mediated", "label": _("Disputes mediated"), "display": found.mediated},
                {"key": "disputes_settled", "label": _("Disputes settled"), "display": found.settled},
                {"key": "settlement_rate", "label": _("Settlement rate"),
                 "display": "—" if found.settlement_rate is None else f"{found.settlement_rate * 100:.1f}%"}]
    if scope.can("patrol.view"):
        patrols = under(Patrol.objects.restrict(view.user)).filter(started_at__gte=start, started_at__lt=end,
                                                                   state=PatrolState.ENDED)
        totals = patrols.aggregate(n=Count("id"), metres=Sum("distance_m"))
        visits = under(HomeVisit.objects.restrict(view.user)).filter(visited_at__gte=start, visited_at__lt=end)
        out += [{"key": "patrols", "label": _("Patrols"), "display": totals["n"]},
                {"key": "patrol_km", "label": _("Patrol distance (km)"), "display": f"{(totals['metres'] or 0) / 1000:.1f}"},
                {"key": "home_visits", "label": _("Home visits"), "display": visits.count()}]
    if scope.can("meeting.view") or scope.can("meeting.decide"):
        decisions = under(Decision.objects.restrict(view.user)).overdue(view.now)
        out.append({"key": "decisions_overdue", "label": _("Meeting decisions overdue"), "display": decisions.count()})
    if scope.can("gridtask.send"):
        sent = GridTask.objects.restrict(view.user).values("pk")
        items = under(GridTaskItem.objects.filter(part__task__in=sent, part__task__cancelled_at__isnull=True),
                      "part__area_path").filter(state=ItemState.OPEN)
        out.append({"key": "gridtask_items_open", "label": _("Grid task items not done"), "display": items.count()})
    if scope.can("community.view"):
        # volunteers, party members' service (双报到), co-building needs: the definitions of
        # indicators/community.py, on the records the viewer may see
        from cobuilding.models import ListEntry, Match
        from indicators import community
        from party.models import ServiceLog
        from volunteers.models import Activity, SignUp

        activities = under(Activity.objects.restrict(view.user)).values("pk")
        hours = community.served_signups(SignUp.objects.filter(activity__in=activities), view.period
                                         ).aggregate(h=Sum("hours"))["h"] or 0
        served = community.confirmed_services(under(ServiceLog.objects.restrict(view.user)), view.period
                                              ).aggregate(h=Sum("hours"))["h"] or 0
        raised = community.needs_raised_in(under(ListEntry.objects.restrict(view.user)), view.period).count()
        met = community.needs_met_in(under(Match.objects.restrict(view.user)), view.period).count()
        out += [{"key": "volunteer_hours", "label": _("Volunteer service hours"), "display": f"{float(hours):.1f}"},
                {"key": "party_service_hours", "label": _("Party members' service hours"),
                 "display": f"{float(served):.1f}"},
                {"key": "needs_raised", "label": _("Needs raised"), "display": raised},
                {"key": "needs_met", "label": _("Needs met"), "display": met}]
    return out


# --- the views ---------------------------------------------------------------------------------


@login_required
def dashboard(request):
    view = View(request)
    stats = stats_data(view)
    warnings = warnings_data(view)
    config = {
        "areasUrl": reverse("indicators:dashboard-areas") + "?" + view.query(),
        "pointsUrl": reverse("indicators:dashboard-points") + "?" + view.query(),
        "bucketsUrl": reverse("indicators:dashboard-buckets") + "?" + view.query(),
        "warnings": warnings,
        "metric": view.metric,
        "labels": {"open": _("Open cases"), "overdue": _("Overdue cases"), "reports": _("Reports"),
                   "closed": _("Closed"), "loading": _("Loading…"), "failed": _("The map could not be loaded."),
                   "cases": _("cases"), "clusters": _("Open cases (clustered)"), "heat": _("Hot spots (reports)"),
                   "warnings": _("Early warnings"), "areas": _("Areas")},
    }
    today = timezone.localdate()
    return render(request, "indicators/dashboard.html", {
        "view": view, "stats": stats, "config": config, "breadcrumb": view.breadcrumb(),
        "majors": Category.objects.filter(parent__isnull=True, is_active=True).order_by("kind", "code"),
        "feed": feed_data(view), "feed_url": reverse("indicators:dashboard-feed") + "?" + view.query(),
        "this_month": f"{today.year:04d}-{today.month:02d}", "warnings": warnings[:10],
        "warning_total": len(warnings), "departments": department_data(view), "community": community_data(view),
    })


@login_required
def areas_geojson(request):
    return JsonResponse(areas_geojson_data(View(request)), content_type="application/geo+json")


@login_required
def points(request):
    return JsonResponse(points_data(View(request)))


@login_required
def buckets(request):
    view = View(request)
    bbox = parse_bbox(request.GET.get("bbox", ""))
    try:
        zoom = int(request.GET.get("zoom", "12"))
    except ValueError:
        zoom = -1
    if bbox is None or not 0 <= zoom <= 20:
        return HttpResponseBadRequest(_("bbox must be west,south,east,north in degrees and zoom 0 to 20."))
    what = "reports" if request.GET.get("what") == "reports" else "open"
    return JsonResponse(buckets_data(view, bbox, zoom, what))


@login_required
def warnings_json(request):
    return JsonResponse({"warnings": warnings_data(View(request))})


@login_required
def stats(request):
    return JsonResponse(stats_data(View(request)))


@login_required
def feed(request):
    view = View(request)
    return render(request, "indicators/_dashboard_feed.html", {
        "feed": feed_data(view), "feed_url": reverse("indicators:dashboard-feed") + "?" + view.query(),
        "now": view.now})

"""/api/indicators/ (every indicator of an area or a department for a period, optionally by child
area, by day or by month: what the command center dashboard reads) and /api/assessment/<kind>/
(a ranking). Scoped like the pages: an area or department outside the caller's scope is a 404."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import get_scope
from indicators.assessment import KINDS, available_kinds, case_paths, ranking, visible_departments
from indicators.definitions import AREA_SCOPE, Period, ScopeFilter, compute
from indicators.forms import default_period
from indicators.selectors import by_child, series
from indicators.views import access_within

MAX_DAYS = 3 * 366
MAX_BUCKETS = 400


def _bad(field: str, message: str):
    return ValidationError({field: message})


def parse_period(params) -> Period:
    """?period=2026-10 (month), 2026-Q4 (quarter), 2026 (year), or ?start=&end= (dates, end excluded);
    the current month when none is given."""
    if params.get("period"):
        try:
            return Period.parse(params["period"])
        except ValueError as exc:
            raise _bad("period", _("Give a month (2026-10) or a quarter (2026-Q4).")) from exc
    if params.get("start") or params.get("end"):
        try:
            start = dt.date.fromisoformat(params.get("start", ""))
            end = dt.date.fromisoformat(params.get("end", ""))
            period = Period(start, end)
        except ValueError as exc:
            raise _bad("start", _("Give start and end as dates (YYYY-MM-DD), end after start.")) from exc
        if (end - start).days > MAX_DAYS:
            raise _bad("end", _("A period is at most three years."))
        return period
    today = timezone.localdate()
    return Period.month(today.year, today.month)


def access_department(user, code: str):
    departments, _paths = visible_departments(user)
    department = departments.filter(code=code.strip()).first()
    if department is None:
        raise Http404
    return department


def access_category(code: str):
    from cases.models import Category

    category = Category.objects.filter(code=code.strip(), parent__isnull=True).first()
    if category is None:
        raise _bad("category", _("Give a major category code (e.g. E01)."))
    return category


def scope_of(request) -> ScopeFilter:
    user, params = request.user, request.query_params
    area = access_within(user, params.get("area", ""))
    department = access_department(user, params["department"]) if params.get("department") else None
    category = access_category(params["category"]) if params.get("category") else None
    scope = get_scope(user)
    paths: tuple[str, ...] = ()
    if area is None:
        covered = case_paths(user)
        if department is None and covered == ():
            # no area to show: a department handler names their department
            own = scope.departments_for("case.task")
            if len(own) != 1:
                raise Http404
            department = visible_departments(user)[0].get(pk=own[0])
        elif covered:
            paths = covered
    return ScopeFilter(area=area, department=department, category=category, paths=paths)


def _described(scope: ScopeFilter) -> dict:
    def area(a):
        return None if a is None else {"code": a.code, "name": a.name, "level": a.level}

    return {"kind": scope.kind, "area": area(scope.area),
            "department": None if scope.department is None else {"code": scope.department.code,
                                                                  "name": scope.department.name},
            "category": None if scope.category is None else scope.category.code}


def _period(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


class IndicatorsView(APIView):
    """Every indicator of an area (district, street, community, grid) or a department for a period."""

    @extend_schema(
        parameters=[
            OpenApiParameter("area", OpenApiTypes.STR, description="area code; default: every area you cover"),
            OpenApiParameter("department", OpenApiTypes.STR, description="department code (its tasks)"),
            OpenApiParameter("category", OpenApiTypes.STR, description="major category code, e.g. E01"),
            OpenApiParameter("period", OpenApiTypes.STR, description="2026-10, 2026-Q4 or 2026"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="first day (with end)"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="the day after the last"),
            OpenApiParameter("source", OpenApiTypes.STR, enum=["rollup", "raw"]),
            OpenApiParameter("by", OpenApiTypes.STR, enum=["child", "day", "month"],
                             description="also rows per child area (of `area`), per day or per month"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        params = request.query_params
        period = parse_period(params)
        source = params.get("source", "rollup")
        if source not in ("rollup", "raw"):
            raise _bad("source", _("source is rollup or raw."))
        scope = scope_of(request)
        data = {"scope": _described(scope), "period": _period(period), "source": source,
                "indicators": compute(scope, period, source=source)}
        by = params.get("by", "")
        if by == "child":
            if scope.area is None or scope.kind != AREA_SCOPE:
                raise _bad("by", _("Rows by child area need an area."))
            data["rows"] = [{"area": {"code": a.code, "name": a.name, "level": a.level}, "indicators": values}
                            for a, values in by_child(request.user, scope, period, source)]
        elif by in ("day", "month"):
            if by == "day" and (period.end - period.start).days > MAX_BUCKETS:
                raise _bad("by", _("At most 400 days by day."))
            data["rows"] = [{"period": _period(p), "indicators": values} for p, values in series(scope, period, by, source)]
        elif by:
            raise _bad("by", _("by is child, day or month."))
        return Response(data)


class AssessmentView(APIView):
    """A ranking (streets, communities, grids, departments or grid workers) for a month or a quarter."""

    @extend_schema(
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, description="2026-10 or 2026-Q4; default: last month"),
            OpenApiParameter("area", OpenApiTypes.STR, description="only within this area (code)"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, kind: str):
        if kind not in KINDS or kind not in {k.code for k in available_kinds(request.user)}:
            raise Http404
        params = request.query_params
        period = parse_period(params) if params.get("period") or params.get("start") else default_period()
        within = access_within(request.user, params.get("area", ""))
        result = ranking(request.user, kind, period, within)
        components = [{"key": c.key, "label": str(c.label), "half": c.half, "weight": result.weights.get(c.key, 0)}
                      for c in result.components]
        return Response({
            "kind": kind, "period": _period(period), "within": within.code if within is not None else None,
            "components": components,
            "results": [{"rank": row.rank, "code": row.code, "name": row.name, "parent": row.parent,
                         "score": row.result.score, "grade": row.result.grade, "top_down": row.result.top_down,
                         "bottom_up": row.result.bottom_up, "points": row.result.points,
                         "indicators": {k: row.values.get(k) for k in result.columns}}
                        for row in result.rows],
        })

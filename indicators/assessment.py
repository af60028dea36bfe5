"""Monthly and quarterly assessment: rankings of streets, communities, grids, departments and grid
workers for a period, each with its score, grade and component indicators, scoped to the viewer.

Who sees what (the one scoping mechanism, `restrict`, with the capability "case.view"):
* areas: the streets / communities / grids the viewer's case.view roles cover (a street officer:
  their street, its communities and grids); counted from the daily rollup;
* departments: the departments `Department.objects.restrict(viewer, "case.view")` returns (at or
  above the viewer's areas), their tasks counted on the cases of the viewer's areas only; a
  department handler (case.task, no case.view) sees their own department, all its tasks;
* grid workers: the grid_worker roles on the viewer's grids (active during the period).
`within` (an area the viewer sees) narrows any ranking to one subtree.

The community-work figures (disputes, patrols, grid tasks, meeting decisions: indicators/community.py)
are counted on exactly the same paths, so a street officer's rankings hold their street's figures
only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scope import get_scope
from indicators import community
from indicators.definitions import (
    DEPARTMENT_SCOPE,
    PERSON_SCOPE,
    Period,
    ScopeFilter,
    add_counts,
    counts,
    person_counts,
    rates,
    ratio,
    zero_counts,
)
from indicators.models import ScoreKind
from indicators.scores import COMPONENTS, Score, score, weights_for

AREA_SCOPE = "area"


@dataclass(frozen=True)
class Kind:
    code: str
    label: object
    score_kind: str
    level: str | None = None
    counts: tuple[str, ...] = ()  # volume columns shown before the component indicators
    community: tuple[str, ...] = ()  # community-work volumes (indicators/community.py), shown after those


AREA_COMMUNITY = ("disputes_mediated", "disputes_settled", "patrols_per_grid_day", "volunteer_hours",
                  "party_service_hours", "needs_raised", "needs_met")
KINDS: dict[str, Kind] = {
    "street": Kind("street", _("Streets"), ScoreKind.AREA, "street", ("reports", "due", "closed_on_time"),
                   AREA_COMMUNITY),
    "community": Kind("community", _("Communities"), ScoreKind.AREA, "community", ("reports", "due", "closed_on_time"),
                      AREA_COMMUNITY),
    "grid": Kind("grid", _("Grids"), ScoreKind.AREA, "grid", ("reports", "due", "closed_on_time"), AREA_COMMUNITY),
    "department": Kind("department", _("Departments"), ScoreKind.DEPARTMENT, None,
                       ("tasks", "tasks_due", "tasks_on_time"), ("decisions_due",)),
    "grid_worker": Kind("grid_worker", _("Grid workers"), ScoreKind.GRID_WORKER, None,
                        ("reports_by", "verifications"), ("worker_patrols", "patrols_per_day")),
}


@dataclass
class Row:
    subject: object
    name: str
    code: str
    parent: str
    values: dict
    result: Score
    rank: int | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Ranking:
    kind: Kind
    period: Period
    rows: list[Row]
    weights: dict[str, int]
    within: object = None
    generated_at: dt.datetime | None = None

    @property
    def components(self):
        return COMPONENTS[self.kind.score_kind]

    @property
    def columns(self) -> list[str]:
        return list(self.kind.counts) + list(self.kind.community) + [c.key for c in self.components]


def case_paths(user) -> tuple[str, ...] | None:
    """The viewer's case.view paths; None for a superuser (everything)."""
    scope = get_scope(user)
    if scope.is_superuser:
        return None
    return tuple(scope.paths_for("case.view"))


def _filter_paths(user, within) -> tuple[str, ...] | None:
    if within is not None:
        return (within.path,)
    return case_paths(user)


def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def area_counts(areas, paths: tuple[str, ...] | None, period: Period, source: str = "rollup") -> dict[int, dict]:
    """Counts per area for many areas at once: one grouped query by grid, summed up the tree."""
    from areas.models import Area

    areas = list(areas)
    totals = {a.pk: zero_counts() for a in areas}
    if not areas or paths == ():
        return totals
    by_grid = counts(ScopeFilter(paths=paths or ()), period, source=source, group_by="grid_id")
    grid_paths = dict(Area.objects.filter(pk__in=list(by_grid)).values_list("pk", "path"))
    for grid_id, found in by_grid.items():
        for ancestor in _ancestor_ids(grid_paths.get(grid_id, "")):
            if ancestor in totals:
                add_counts(totals[ancestor], found)
    return totals


def _rank(rows: list[Row]) -> list[Row]:
    rows.sort(key=lambda r: (r.result.score is None, -(r.result.score or 0), r.code))
    previous, rank = object(), 0
    for position, row in enumerate(rows, start=1):
        if row.result.score is None:
            row.rank = None
            continue
        if row.result.score != previous:
            rank, previous = position, row.result.score
        row.rank = rank
    return rows


def _area_rows(user, kind: Kind, period: Period, within, source: str, weights) -> list[Row]:
    from areas.models import Area

    areas = Area.objects.restrict(user, "case.view").filter(level=kind.level).select_related("parent") \
        .defer("boundary", "parent__boundary")
    if within is not None:
        areas = areas.filter(path__startswith=within.path)
    areas = list(areas.order_by("code"))
    paths = _filter_paths(user, within)
    found = area_counts(areas, paths, period, source)
    work = community.area_figures(areas, paths, period)
    rows = []
    for area in areas:
        values = dict(found[area.pk])
        values.update(rates(values, AREA_SCOPE))
        values.update(work[area.pk])
        rows.append(Row(area, area.name, area.code, area.parent.name if area.parent_id else "", values,
                        score(kind.score_kind, values, weights)))
    return rows


def visible_departments(user, within=None):
    """(departments, paths to count their tasks in: None for everywhere)."""
    from areas.models import Department
    from core.querysets import ancestor_paths

    scope = get_scope(user)
    if scope.is_superuser:
        departments, paths = Department.objects.all(), None
    elif scope.paths_for("case.view"):
        departments, paths = Department.objects.restrict(user, "case.view"), case_paths(user)
    else:
        departments, paths = Department.objects.filter(pk__in=scope.departments_for("case.task")), None
    if within is not None:
        serving = [within.path, *ancestor_paths(within.path)]
        departments = departments.filter(Q(area__path__startswith=within.path) | Q(area__path__in=serving))
        paths = (within.path,)
    return departments.select_related("area").defer("area__boundary").order_by("code"), paths


def _department_rows(user, kind: Kind, period: Period, within, source: str, weights) -> list[Row]:
    departments, paths = visible_departments(user, within)
    departments = list(departments)
    if not departments:
        return []
    by_department = counts(ScopeFilter(paths=paths or ()), period, source=source, group_by="department_id")
    work = community.department_figures(departments, paths, period)
    rows = []
    for department in departments:
        values = dict(by_department.get(department.pk) or zero_counts())
        values.update(rates(values, DEPARTMENT_SCOPE))
        values.update(work[department.pk])
        rows.append(Row(department, department.name, department.code, department.area.name, values,
                        score(kind.score_kind, values, weights)))
    return rows


def _worker_rows(user, kind: Kind, period: Period, within, source: str, weights) -> list[Row]:
    from accounts.models import RoleAssignment
    from areas.models import Area

    paths = _filter_paths(user, within)
    if paths == ():
        return []
    during = (Q(starts_on__isnull=True) | Q(starts_on__lt=period.end)) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
    assignments = RoleAssignment.objects.filter(during, role="grid_worker", area__isnull=False)
    if paths is not None:
        where = Q()
        for path in paths:
            where |= Q(area__path__startswith=path)
        assignments = assignments.filter(where)
    grids_of: dict[int, list] = {}
    users = {}
    for assignment in assignments.select_related("user", "area").defer("area__boundary").order_by("user_id", "id"):
        users[assignment.user_id] = assignment.user
        grids_of.setdefault(assignment.user_id, []).append(assignment.area)
    if not users:
        return []
    grids = {g.pk: g for gs in grids_of.values() for g in gs}
    by_grid = area_counts(Area.objects.filter(pk__in=list(grids)).defer("boundary"), tuple(g.path for g in grids.values()),
                          period, source)
    people = person_counts(list(users), period)
    work = community.worker_figures(grids_of, paths, period)
    most = {"report_volume": max((p["reports_by"] for p in people.values()), default=0),
            "visit_volume": max((w["visit_volume"] for w in work.values()), default=0)}
    rows = []
    for user_id, person in users.items():
        values = dict(people[user_id])
        values.update(rates(values, PERSON_SCOPE))
        values["report_volume"] = values["reports_by"]
        values.update(work[user_id])
        grid_totals = zero_counts()
        for grid in grids_of[user_id]:
            add_counts(grid_totals, by_grid.get(grid.pk, {}))
        values["grid_satisfaction_rate"] = ratio(grid_totals["satisfied"], grid_totals["rated"])
        names = "、".join(sorted({g.name for g in grids_of[user_id]}))
        rows.append(Row(person, person.display_name, person.get_username(), names, values,
                        score(kind.score_kind, values, weights, peers=most)))
    return rows


def ranking(user, kind: str, period: Period, within=None, source: str = "rollup") -> Ranking:
    """The ranking of one kind for the period, as the viewer may see it."""
    from django.utils import timezone

    chosen = KINDS[kind]
    weights = weights_for(chosen.score_kind)
    build = {ScoreKind.AREA: _area_rows, ScoreKind.DEPARTMENT: _department_rows,
             ScoreKind.GRID_WORKER: _worker_rows}[chosen.score_kind]
    rows = _rank(build(user, chosen, period, within, source, weights))
    return Ranking(chosen, period, rows, weights, within, timezone.now())


def available_kinds(user) -> list[Kind]:
    """The rankings the viewer can have anything in."""
    scope = get_scope(user)
    kinds = []
    if scope.is_superuser or scope.paths_for("case.view"):
        kinds = list(KINDS.values())
    elif scope.departments_for("case.task"):
        kinds = [KINDS["department"]]
    return kinds

"""Reads for the command center dashboard (and the API): an area's indicators per child area, and
any scope's indicators per day or per month, all from the daily rollup by default."""

from __future__ import annotations

import datetime as dt

from indicators.assessment import area_counts
from indicators.definitions import (
    DEPARTMENT_SCOPE,
    Period,
    ScopeFilter,
    add_counts,
    counts,
    rates,
    zero_counts,
)


def by_child(user, scope: ScopeFilter, period: Period, source: str = "rollup") -> list[tuple]:
    """[(child area, counts and rates)] for the children of scope.area the user sees (one grouped
    query for all of them)."""
    from areas.models import Area

    children = list(Area.objects.restrict(user, "case.view").filter(parent=scope.area).defer("boundary")
                    .order_by("code"))
    if scope.category is not None:
        found = {}
        for child in children:
            found[child.pk] = counts(ScopeFilter(area=child, category=scope.category), period, source=source)
    else:
        found = area_counts(children, (scope.area.path,), period, source)
    out = []
    for child in children:
        values = dict(found[child.pk])
        values.update(rates(values, scope.kind))
        out.append((child, values))
    return out


def buckets(period: Period, step: str) -> list[Period]:
    """The period cut into days or calendar months (the first and last month may be partial)."""
    out = []
    start = period.start
    while start < period.end:
        if step == "day":
            end = start + dt.timedelta(days=1)
        else:
            end = dt.date(start.year + 1, 1, 1) if start.month == 12 else dt.date(start.year, start.month + 1, 1)
        end = min(end, period.end)
        out.append(Period(start, end, start.strftime("%Y-%m") if step == "month" and end.day == 1
                          and start.day == 1 else ""))
        start = end
    return out


def series(scope: ScopeFilter, period: Period, step: str, source: str = "rollup") -> list[tuple]:
    """[(day or month, counts and rates)] for the scope; from the rollup in one grouped query."""
    parts = buckets(period, step)
    if source == "rollup":
        by_day = counts(scope, period, source="rollup", group_by="day")
        out = []
        for part in parts:
            total = zero_counts()
            day = part.start
            while day < part.end:
                add_counts(total, by_day.get(day, {}))
                day += dt.timedelta(days=1)
            if scope.kind == DEPARTMENT_SCOPE:
                total = {k: v for k, v in total.items() if k.startswith("tasks")}
            out.append((part, total))
    else:
        out = [(part, {k: v for k, v in counts(scope, part, source="raw").items() if v is not None}) for part in parts]
    for _part, values in out:
        values.update(rates(values, scope.kind))
    return out

"""Patrol coverage for the community, the street and assessment.

The rule "每日上下午双巡": on every working day (core.workcalendar) each grid expects one patrol
started in the morning (before 12:00 local time) and one in the afternoon. A half-day is missed
when no patrol of the grid started in it. Only half-days already over count: today's morning
after 12:00, today's afternoon from tomorrow on.

`grid_coverage(grids, start, end)` and `worker_coverage(...)` are plain functions so the
indicators app can read them; they are not registered as indicators (indicators/definitions.py
computes case families with set-based SQL, patrols are not cases).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from core.workcalendar import get_calendar
from patrols.models import Patrol

NOON = 12


def half_of(moment: dt.datetime) -> str:
    return "am" if timezone.localtime(moment).hour < NOON else "pm"


def expected_halves(start: dt.date, end: dt.date, now: dt.datetime | None = None) -> list[tuple[dt.date, str]]:
    """The (day, half) pairs of working days in [start, end] that are over by `now`."""
    now = timezone.localtime(now or timezone.now())
    calendar = get_calendar()
    out = []
    day = start
    while day <= end:
        if calendar.is_workday(day):
            if day < now.date():
                out += [(day, "am"), (day, "pm")]
            elif day == now.date() and now.hour >= NOON:
                out.append((day, "am"))
        day += dt.timedelta(days=1)
    return out


def _bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def grid_coverage(grids, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> list[dict]:
    """One row per grid: patrols, patrols per working day, distance (km), mean share covered,
    expected and missed half-days."""
    grids = list(grids)
    lo, hi = _bounds(start, end)
    expected = expected_halves(start, end, now)
    expected_set = set(expected)
    workdays = len({d for d, _ in expected}) or 1
    stats = {g.pk: {"patrols": 0, "distance": 0.0, "coverage": [], "halves": set()} for g in grids}
    rows = (Patrol.objects.filter(grid__in=[g.pk for g in grids], started_at__gte=lo, started_at__lt=hi)
            .values_list("grid_id", "started_at", "distance_m", "coverage", "state"))
    for grid_id, started_at, distance, coverage, state in rows:
        s = stats[grid_id]
        s["patrols"] += 1
        s["distance"] += distance
        if state == "ended":
            s["coverage"].append(coverage)
        s["halves"].add((timezone.localtime(started_at).date(), half_of(started_at)))
    out = []
    for grid in grids:
        s = stats[grid.pk]
        missed = len(expected_set - s["halves"])
        out.append({
            "grid": grid, "patrols": s["patrols"], "per_day": round(s["patrols"] / workdays, 2),
            "distance_km": round(s["distance"] / 1000, 1),
            "coverage": round(sum(s["coverage"]) / len(s["coverage"]), 3) if s["coverage"] else 0.0,
            "expected": len(expected), "missed": missed,
        })
    return out


def worker_coverage(patrols_qs, start: dt.date, end: dt.date) -> list[dict]:
    """One row per grid worker over the patrols of `patrols_qs` (already restricted)."""
    lo, hi = _bounds(start, end)
    stats: dict = defaultdict(lambda: {"patrols": 0, "distance": 0.0, "coverage": [], "days": set(), "name": ""})
    for worker_id, name, username, started_at, distance, coverage, state in (
            patrols_qs.filter(started_at__gte=lo, started_at__lt=hi)
            .values_list("worker_id", "worker__full_name", "worker__username", "started_at", "distance_m",
                         "coverage", "state")):
        s = stats[worker_id]
        s["name"] = name or username
        s["patrols"] += 1
        s["distance"] += distance
        s["days"].add(timezone.localtime(started_at).date())
        if state == "ended":
            s["coverage"].append(coverage)
    return sorted(({
        "worker": s["name"], "patrols": s["patrols"], "days": len(s["days"]),
        "per_day": round(s["patrols"] / len(s["days"]), 2) if s["days"] else 0,
        "distance_km": round(s["distance"] / 1000, 1),
        "coverage": round(sum(s["coverage"]) / len(s["coverage"]), 3) if s["coverage"] else 0.0,
    } for s in stats.values()), key=lambda r: r["worker"])

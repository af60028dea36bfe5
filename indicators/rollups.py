"""The daily rollup: facts per case and per task, and `DailyCount`, kept up to date incrementally.

Design (docs/indicators.md, "Rollups"):

* `CaseFact` / `TaskFact`: one row per case / per department task (not cancelled), holding the
  local day of each moment of indicators/definitions.py (reported on, closed on, due on, …) and
  its flags. Written with INSERT … SELECT from the case tables: the rows never come into Python.
* `DailyCount`: one row per (day, grid, major category, channel, department or none). A day's rows
  are made from the facts whose moments fall on that day (and the escalation rows of the timeline
  written that day), in one INSERT … SELECT … GROUP BY.
* `MonthlyCount`: the days of a calendar month summed per (grid, department or none); periods read
  their whole months from here and only the days at their edges from `DailyCount`.
* `update_rollups()`: finds the cases changed since the stored watermark — cases with a timeline
  row written since (every action and the deadline sweep write one), cases saved since
  (`updated_at`), and cases with an id above the highest seen (bulk loads with old timestamps) —
  replaces their fact rows, and recomputes the days whose counts changed: for each moment, its
  old and its new day when the day moved, its day when a flag counted on it changed (every day of
  a row that appeared or disappeared), plus the days of new escalation rows (and the whole
  timeline of a case new to the rollup). Recomputing is replacing: delete the day's rows, insert
  them again from the facts; then the same for the months of those days. All of it, and the new
  watermark, in one transaction: a run that dies leaves nothing half done, and running again
  recomputes the same days to the same rows (idempotent). The state row is locked first, so two
  runs never interleave.
* The watermark is the run's start; the next run looks back from it by `LAG` (10 minutes by
  default) as well, so a transaction that wrote its rows before the watermark but committed after
  it is still picked up.

`rebuild()` (manage.py update_rollups --full; also the first run) recomputes everything.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    F,
    Max,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from core.sql import id_set, insert_select, rows
from indicators.definitions import (
    CASE_COUNTS,
    CHANNEL_COUNTS,
    ESCALATION_LEVELS,
    EVENT_COUNTS,
    INDICATORS,
    ROLLUP_COUNTS,
    TASK_COUNTS,
    case_flags,
    case_moments,
    counted_tasks,
    escalation_events,
    task_flags,
    task_moments,
)
from indicators.models import AreaMonthlyCount, CaseFact, DailyCount, MonthlyCount, RollupState, TaskFact

STATE = "daily"
LAG = dt.timedelta(seconds=getattr(settings, "INDICATORS_ROLLUP_LAG_SECONDS", 600))
DAY_CHUNK = 200
DIMENSIONS = ["district_code", "area_path", "grid_id", "major_category_id", "channel"]
CASE_DAYS = list(case_moments())
TASK_DAYS = list(task_moments())


def _day(expression):
    return TruncDate(expression, tzinfo=timezone.get_default_timezone())


def _flag(condition: Q):
    return SqlCase(When(condition, then=Value(1)), default=Value(0), output_field=PositiveSmallIntegerField())


# --- facts -----------------------------------------------------------------------------------------


def case_fact_rows(case_ids=None):
    from cases.models import Case

    queryset = Case.objects.all() if case_ids is None else Case.objects.filter(pk__in=id_set(case_ids))
    values = {"case_id": F("id"), "district_code": F("district_code"), "area_path": F("area_path"),
              "grid_id": F("grid_id"), "major_category_id": Coalesce(F("category__parent_id"), F("category_id")),
              "channel": F("channel")}
    values.update({name: _day(moment) for name, moment in case_moments().items()})
    values.update({name: _flag(condition) for name, condition in case_flags().items()})
    return rows(queryset, values)


def task_fact_rows(case_ids=None):
    from cases.models import CaseTask

    queryset = counted_tasks(CaseTask.objects.all() if case_ids is None
                             else CaseTask.objects.filter(case_id__in=id_set(case_ids)))
    values = {"task_id": F("id"), "case_id": F("case_id"), "department_id": F("department_id"),
              "district_code": F("case__district_code"), "area_path": F("case__area_path"),
              "grid_id": F("case__grid_id"),
              "major_category_id": Coalesce(F("case__category__parent_id"), F("case__category_id")),
              "channel": F("case__channel")}
    values.update({name: _day(moment) for name, moment in task_moments().items()})
    values.update({name: _flag(condition) for name, condition in task_flags().items()})
    return rows(queryset, values)


def fact_days(case_ids) -> set[dt.date]:
    """Every day the cases' fact rows count on (one DISTINCT query per day column)."""
    days: set[dt.date] = set()
    for model, columns in ((CaseFact, CASE_DAYS), (TaskFact, TASK_DAYS)):
        facts = model.objects.filter(case_id__in=id_set(case_ids))
        for name in columns:
            days.update(d for d in facts.order_by().values_list(name, flat=True).distinct() if d is not None)
    return days


# Which flags count on which moment: a changed flag touches only its moment's day.
MOMENT_FLAGS = {
    model: {moment: {INDICATORS[k].flag for k in counts if INDICATORS[k].moment == moment and INDICATORS[k].flag}
            for moment in moments}
    for model, moments, counts in ((CaseFact, CASE_DAYS, CASE_COUNTS), (TaskFact, TASK_DAYS, TASK_COUNTS))
}
KEY_COLUMNS = {CaseFact: ["case_id", *DIMENSIONS], TaskFact: ["task_id", "case_id", "department_id", *DIMENSIONS]}
DIFF_LIMIT = 100_000  # more changed cases than this: every day of their rows, from DISTINCT queries


def fact_rows(case_ids) -> dict:
    """The cases' fact rows as dicts, by (model, primary key)."""
    found = {}
    for model in (CaseFact, TaskFact):
        for row in model.objects.filter(case_id__in=id_set(case_ids)).values():
            found[(model, row[model._meta.pk.attname])] = row
    return found


def touched_days(before: dict, after: dict) -> set[dt.date]:
    """The days whose counts change between two versions of the same cases' fact rows: for each
    moment, its old and new day when the day moved, its day when a flag counted on it changed;
    every day of a row that appeared, disappeared or moved to other dimensions."""
    days: set[dt.date] = set()
    for key in before.keys() | after.keys():
        model = key[0]
        old, new = before.get(key), after.get(key)
        moments = MOMENT_FLAGS[model]
        if old is None or new is None or any(old[c] != new[c] for c in KEY_COLUMNS[model]):
            days.update(r[m] for r in (old, new) if r is not None for m in moments)
            continue
        for moment, flags in moments.items():
            if old[moment] != new[moment]:
                days.update((old[moment], new[moment]))
            elif any(old[f] != new[f] for f in flags):
                days.add(new[moment])
    days.discard(None)
    return days


def write_facts(case_ids=None) -> None:
    """Replace the facts of these cases (of every case when None)."""
    for model in (CaseFact, TaskFact):
        facts = model.objects.all() if case_ids is None else model.objects.filter(case_id__in=id_set(case_ids))
        facts._raw_delete(facts.db)
    insert_select(CaseFact, case_fact_rows(case_ids))
    insert_select(TaskFact, task_fact_rows(case_ids))


# --- daily counts ------------------------------------------------------------------------------------


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _day_filter(column: str, days) -> tuple[str, list]:
    if days is None:
        return f"{_quoted(column)} IS NOT NULL", []
    return (f"{_quoted(column)} IN ({', '.join(['%s'] * len(days))})",
            [connection.ops.adapt_datefield_value(d) for d in days])


def _fact_part(model, day_column: str, counts: list[str], department: bool, days) -> tuple[str, list]:
    """SELECT <day>, dimensions, department, one column per count (its flag, 1 or 0) FROM facts,
    the columns named c0, c1, … as the ORM names them in core.sql.rows()."""
    items = [_quoted(day_column), *(_quoted(d) for d in DIMENSIONS), _quoted("department_id") if department else "CAST(NULL AS bigint)"]
    for key in ROLLUP_COUNTS:
        indicator = INDICATORS[key]
        if key in counts and indicator.moment == day_column:
            items.append(_quoted(indicator.flag) if indicator.flag else "1")
        else:
            items.append("0")
    where, params = _day_filter(day_column, days)
    select = ", ".join(f"{item} AS c{n}" for n, item in enumerate(items))
    return f"SELECT {select} FROM {_quoted(model._meta.db_table)} WHERE {where}", params  # noqa: S608


def _ranges(days) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as [start, end) runs of consecutive days."""
    runs: list[list[dt.date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + dt.timedelta(days=1)
        else:
            runs.append([day, day + dt.timedelta(days=1)])
    return [(a, b) for a, b in runs]


def _event_part(days) -> tuple[str, list]:
    """The escalation rows of the timeline written on the days, as rows of the same shape."""
    from cases.models import CaseEvent

    events = CaseEvent.objects.all()
    if days is not None:
        tz = timezone.get_default_timezone()
        when = Q()
        for start, end in _ranges(days):
            when |= Q(created_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time()), tz),
                      created_at__lt=timezone.make_aware(dt.datetime.combine(end, dt.time()), tz))
        events = events.filter(when)
    values = {"day": _day("created_at"), "district_code": F("case__district_code"),
              "area_path": F("case__area_path"), "grid_id": F("case__grid_id"),
              "major_category_id": Coalesce(F("case__category__parent_id"), F("case__category_id")),
              "channel": F("case__channel"), "department_id": Value(None, output_field=BigIntegerField())}
    for key in ROLLUP_COUNTS:
        if key == "escalations":
            values[key] = Value(1)
        elif key in ESCALATION_LEVELS:
            values[key] = SqlCase(When(escalation_level=ESCALATION_LEVELS[key], then=Value(1)), default=Value(0))
        else:
            values[key] = Value(0)
    return rows(escalation_events(events), values).query.sql_with_params()


def _insert_days(days) -> int:
    """INSERT the DailyCount rows of the days (of every day when None) from the facts: the parts
    (one per moment, and the escalations) UNION ALL, summed per key."""
    parts = [_fact_part(CaseFact, day_column, CASE_COUNTS, False, days) for day_column in CASE_DAYS]
    parts += [_fact_part(TaskFact, day_column, TASK_COUNTS, True, days) for day_column in TASK_DAYS]
    if EVENT_COUNTS:
        parts.append(_event_part(days))
    union = " UNION ALL ".join(sql for sql, _params in parts)
    params = [p for _sql, part_params in parts for p in part_params]
    keys = ["day", *DIMENSIONS, "department_id"]
    columns = ", ".join(_quoted(DailyCount._meta.get_field(n).column) for n in keys + ROLLUP_COUNTS)
    group = ", ".join(f"c{n}" for n in range(len(keys)))
    sums = ", ".join(f"SUM(c{n})" for n in range(len(keys), len(keys) + len(ROLLUP_COUNTS)))
    sql = (f"INSERT INTO {_quoted(DailyCount._meta.db_table)} ({columns}) "  # noqa: S608
           f"SELECT {group}, {sums} FROM ({union}) AS u GROUP BY {group}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def recompute_days(days) -> int:
    """Delete and insert again the DailyCount rows of these days (all days when None)."""
    if days is None:
        DailyCount.objects.all()._raw_delete(DailyCount.objects.db)
        return _insert_days(None)
    written = 0
    days = sorted(days)
    for first in range(0, len(days), DAY_CHUNK):
        chunk = days[first:first + DAY_CHUNK]
        stale = DailyCount.objects.filter(day__in=chunk)
        stale._raw_delete(stale.db)
        written += _insert_days(chunk)
    return written


def _month_ranges(months) -> list[tuple[dt.date, dt.date]]:
    runs: list[list[dt.date]] = []
    for month in sorted(months):
        following = dt.date(month.year + 1, 1, 1) if month.month == 12 else dt.date(month.year, month.month + 1, 1)
        if runs and runs[-1][1] == month:
            runs[-1][1] = following
        else:
            runs.append([month, following])
    return [(a, b) for a, b in runs]


SUMMED_AREA_LEVELS_EXCLUDED = ("grid", "cell")  # grids are MonthlyCount's own rows


def fill_area_months(monthly_model, area_monthly_model, area_model, months=None) -> int:
    """Delete and insert again the area rows (AreaMonthlyCount) of these months (all when None),
    summed from the grid rows of MonthlyCount under each area above the grids: one INSERT …
    SELECT … GROUP BY month, department per area (an index range on the path prefix). Takes the
    model classes, so the migration that adds the table fills it with the same code."""
    stale = area_monthly_model.objects.all()
    rows = monthly_model.objects.all()
    if months is not None:
        months = sorted(months)
        if not months:
            return 0
        stale = stale.filter(month__in=months)
        rows = rows.filter(month__in=months)
    stale._raw_delete(stale.db)
    counted = [f.name for f in area_monthly_model._meta.concrete_fields
               if isinstance(f, PositiveIntegerField)]
    columns = ", ".join(_quoted(area_monthly_model._meta.get_field(n).column)
                        for n in ("area_id", "month", "department_id", *counted))
    table = _quoted(area_monthly_model._meta.db_table)
    written = 0
    areas = (area_model.objects.exclude(level__in=SUMMED_AREA_LEVELS_EXCLUDED).order_by("path")
             .values_list("id", "path"))
    with connection.cursor() as cursor:
        for area_id, path in areas:
            grouped = (rows.filter(area_path__startswith=path).values("month", "department_id")
                       .annotate(**{f"s_{n}": Sum(n) for n in counted})
                       .values_list("month", "department_id", *(f"s_{n}" for n in counted)))
            sql, params = grouped.query.sql_with_params()
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT %s, g.* FROM ({sql}) AS g",  # noqa: S608
                           [area_id, *params])
            written += max(cursor.rowcount, 0)
    return written


def recompute_months(months) -> int:
    """Delete and insert again the MonthlyCount rows of these months (first days; all when None),
    summed from their DailyCount rows."""
    days = DailyCount.objects.all()
    stale = MonthlyCount.objects.all()
    if months is not None:
        months = sorted(months)
        if not months:
            return 0
        within = Q()
        for start, end in _month_ranges(months):
            within |= Q(day__gte=start, day__lt=end)
        days = days.filter(within)
        stale = stale.filter(month__in=months)
    stale._raw_delete(stale.db)
    keys = ["district_code", "area_path", "grid_id", "department_id"]
    sums = {f"s_{key}": Sum(key) for key in ROLLUP_COUNTS}
    for key, channels in CHANNEL_COUNTS.items():
        sums[f"s_{key}"] = Sum(SqlCase(When(channel__in=channels, then=F("reports")), default=Value(0)))
    grouped = (days.annotate(first_day=TruncMonth("day")).values("first_day", *keys).annotate(**sums)
               .values_list("first_day", *keys, *sums))
    sql, params = grouped.query.sql_with_params()
    names = ["month", *keys, *ROLLUP_COUNTS, *CHANNEL_COUNTS]
    columns = ", ".join(_quoted(MonthlyCount._meta.get_field(n).column) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_quoted(MonthlyCount._meta.db_table)} ({columns}) {sql}", params)  # noqa: S608
        written = cursor.rowcount
    from areas.models import Area

    fill_area_months(MonthlyCount, AreaMonthlyCount, Area, months)
    return written


# --- the job -----------------------------------------------------------------------------------------


def changed_case_ids(since: dt.datetime, max_case_id: int) -> set[int]:
    from cases.models import Case, CaseEvent

    ids = set(CaseEvent.objects.filter(created_at__gte=since).order_by().values_list("case_id", flat=True)
              .distinct())
    ids.update(Case.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    ids.update(Case.objects.filter(pk__gt=max_case_id).values_list("pk", flat=True))
    return ids


def escalation_days(since: dt.datetime | None = None, case_ids=None) -> set[dt.date]:
    """The days of the escalation rows written since `since`, or of these cases' escalation rows."""
    from cases.models import CaseEvent

    events = CaseEvent.objects.filter(action__in=["escalate", "overdue"])
    events = events.filter(created_at__gte=since) if since is not None else events.filter(case_id__in=id_set(case_ids))
    return {timezone.localdate(m) for m in events.order_by().values_list("created_at", flat=True)}


def refresh_cases(case_ids, since: dt.datetime | None = None) -> int:
    """Replace the facts of these cases and recompute every day they counted or count on.
    Returns the number of days recomputed."""
    case_ids = sorted(case_ids)
    days: set[dt.date] = set()
    if len(case_ids) > DIFF_LIMIT:
        days = fact_days(case_ids) | escalation_days(case_ids=case_ids)
        write_facts(case_ids)
        days |= fact_days(case_ids)
    elif case_ids:
        before = fact_rows(case_ids)
        write_facts(case_ids)
        after = fact_rows(case_ids)
        days = touched_days(before, after)
        # cases new to the rollup bring their whole timeline (a bulk load may date it in the past)
        new = [key[1] for key in before.keys() ^ after.keys() if key[0] is CaseFact]
        if new:
            days |= escalation_days(case_ids=new)
    if since is not None:
        days |= escalation_days(since)
    recompute_days(days)
    recompute_months({d.replace(day=1) for d in days})
    return len(days)


def rebuild() -> dict:
    write_facts(None)
    rows_written = recompute_days(None)
    months_written = recompute_months(None)
    return {"facts": CaseFact.objects.count(), "rows": rows_written, "month_rows": months_written}


def update_rollups(now: dt.datetime | None = None, full: bool = False) -> dict:
    """One run of the job (see the module docstring). Returns what it did."""
    from cases.models import Case

    began = time.monotonic()
    now = now or timezone.now()
    RollupState.objects.get_or_create(name=STATE)
    with transaction.atomic():
        state = RollupState.objects.select_for_update().get(name=STATE)
        max_case_id = Case.objects.aggregate(top=Max("pk"))["top"] or 0
        if full or state.watermark is None:
            result = rebuild()
            result.update(full=True, cases=result["facts"])
            state.last_full_at = now
            state.last_days = 0
        else:
            since = state.watermark - LAG
            changed = changed_case_ids(since, state.max_case_id)
            days = refresh_cases(changed, since)
            result = {"full": False, "cases": len(changed), "days": days}
            state.last_days = days
        state.watermark = now
        state.max_case_id = max(max_case_id, state.max_case_id)
        state.last_run_at = now
        state.last_cases = result["cases"]
        state.save()
    result["seconds"] = round(time.monotonic() - began, 3)
    return result

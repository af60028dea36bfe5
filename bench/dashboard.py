"""bench dashboard: a year of a district's and of one street's indicators from the daily rollup
(indicators/rollups.py), against the same counts computed straight from the case tables, on
PostgreSQL.

A throwaway PostgreSQL cluster (bench/_pg.py), `manage.py migrate`, an area tree (district → 4
streets → 5 communities each → 10 grids each: 200 grids; full: 10 streets, 1,000 grids), five
departments and the catalog; then N cases (full 10,000,000, QUICK=1 200,000) reported over the
two years before this month loaded with COPY into cases_case, their department tasks into
cases_casetask and the timeline rows the indicators read (escalations, overdue while reported,
approved extensions) into cases_caseevent — the bulk load of bench/deadline_sweep.py (fsync off,
secondary indexes and constraints dropped before COPY and made again after, VACUUM ANALYZE,
CHECKPOINT, fsync back on).

Cases: 85 % closed (a fifth of the grid workers' resolved on the spot, 60 % of the rest dispatched
to one department or two, a tenth of those late, 5 % reworked, 3 % with a returned task), the
rest open, suspended, declined, voided or merged; 40 % of the closed rated (85 % 4–5); channels
as the demo's (52 % grid worker, residents the rest).

Measured:
* the rollup's full build (`update_rollups(full=True)`: facts, then the daily counts);
* the count-type indicators of the district and of one street for last year, from the rollup
  (`counts(scope, year, source="rollup")`: one SUM over the area's own monthly rows of its twelve
  months, AreaMonthlyCount) and
  from the case tables (`source="raw"`: the aggregate over cases_case, cases_casetask and
  cases_caseevent that indicators/definitions.py defines), each repeated (rollup 30 times, raw 5;
  full: 30 and 3), p50 and p95 in milliseconds; whether the two agree on every count; the same
  for the district over 365 days starting on the 16th (eleven whole months and two runs of days);
* the medians and 90th percentile (always from the case tables) for the district's year, once;
* an incremental run of the job after the 1,000 most recent cases changed (a timeline row each,
  the closed ones rated now).

Human-readable lines first, then one JSON line: {"bench": "dashboard", ...}.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from django.db.models import Count

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._pg import throwaway_postgres  # noqa: E402
from bench.deadline_sweep import _constraints, dsn_url  # noqa: E402

QUICK = os.environ.get("QUICK", "") not in ("", "0")
CASES = int(os.environ.get("CASES") or (200_000 if QUICK else 10_000_000))
STREETS, COMMUNITIES, GRIDS = (4, 5, 10) if QUICK else (10, 10, 10)
ROLLUP_RUNS = 30
RAW_RUNS = 5 if QUICK else 3
CHANGED = 1_000
# two years of cases ending at the start of this month (so nothing lies in the future), and the
# last calendar year, which lies wholly inside them
_TODAY = dt.date.today()
START = dt.datetime(_TODAY.year - 2, _TODAY.month, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SPAN_S = (dt.datetime(_TODAY.year, _TODAY.month, 1, tzinfo=START.tzinfo) - START).total_seconds()
YEAR = _TODAY.year - 1
CHANNELS = {"grid_worker": 0.52, "resident_qr": 0.14, "hotline_12345": 0.10, "online": 0.07, "walk_in": 0.15,
            "open311": 0.02}
STATES = {"closed": 0.85, "declined": 0.03, "voided": 0.01, "merged": 0.01, "suspended": 0.01, "reported": 0.01,
          "accepted": 0.01, "filed": 0.01, "dispatched": 0.02, "handling": 0.03, "verifying": 0.01}
RATINGS = [0.03, 0.04, 0.08, 0.25, 0.60]


def say(message: str = "") -> None:
    print(message, flush=True)


def make_world() -> dict:
    """Areas, departments and the catalog, through the project's actions (no boundaries: nothing
    here resolves points)."""
    from areas.actions import create_area, save_department
    from cases.catalog import load_default_catalog
    from cases.models import Category

    district = create_area(None, name="测试区", level="district", code="410611", official_code=True)
    streets, communities, grids = [], [], []
    for s in range(1, STREETS + 1):
        street = create_area(None, name=f"第{s}街道", level="street", parent=district, code=f"410611{s:03d}000")
        streets.append(street)
        for c in range(1, COMMUNITIES + 1):
            community = create_area(None, name=f"第{s}-{c}社区", level="community", parent=street,
                                    code=f"410611{s:03d}{c:03d}")
            communities.append(community)
            for g in range(1, GRIDS + 1):
                grids.append(create_area(None, name=f"第{s}-{c}-{g}网格", level="grid", parent=community,
                                         code=f"410611{s:03d}{c:03d}{g:03d}"))
    departments = [save_department(None, name=name, code=f"410611-{code}", kind=kind, area=district)
                   for code, name, kind in [("CG", "区城管局", "urban_management"), ("SZ", "区市政局", "municipal"),
                                            ("HW", "区环卫处", "sanitation"), ("YL", "区园林局", "landscaping"),
                                            ("GA", "区公安分局", "police")]]
    load_default_catalog()
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    return {"district": district, "streets": streets, "communities": communities, "grids": grids,
            "departments": departments, "categories": categories}


# One INSERT … SELECT per million cases from generate_series: every draw is a random() of the
# row (setseed() first, so a run is reproducible), every dependent column an expression of the
# draws, layer by layer (CTEs, inlined by PostgreSQL); no row passes through Python.
CASE_SQL = """
WITH l0 AS (
  SELECT g AS id, floor(random() * %(ngrids)s)::int AS gi,
         (%(cats)s::int[])[1 + floor(random() * %(ncat)s)::int] AS category_id,
         %(start)s + random() * %(span)s AS created_s, -ln(1 - random()) * 3600 AS acc_delay,
         random() AS rch, random() AS rst, random() AS r_self, random() AS r_acc, random() AS r_disp,
         random() AS r_filed, random() AS r_due, random() AS r_handle, random() AS r_close, random() AS r_ontime,
         random() AS r_res, random() AS r_late, random() AS r_rated, random() AS r_rating, random() AS r_rework,
         random() AS r_ret, random() AS r_lon, random() AS r_lat
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g
), l1 AS (
  SELECT l0.*, gg.id AS grid_id, gg.path AS area_path, gg.x0 + l0.r_lon * 0.015 AS lon, gg.y0 + l0.r_lat * 0.015 AS lat,
         CASE WHEN rch < 0.52 THEN 'grid_worker' WHEN rch < 0.66 THEN 'resident_qr'
              WHEN rch < 0.76 THEN 'hotline_12345' WHEN rch < 0.83 THEN 'online'
              WHEN rch < 0.98 THEN 'walk_in' ELSE 'open311' END AS channel,
         CASE WHEN rst < 0.85 THEN 'closed' WHEN rst < 0.88 THEN 'declined' WHEN rst < 0.89 THEN 'voided'
              WHEN rst < 0.90 THEN 'merged' WHEN rst < 0.91 THEN 'suspended' WHEN rst < 0.92 THEN 'reported'
              WHEN rst < 0.93 THEN 'accepted' WHEN rst < 0.94 THEN 'filed' WHEN rst < 0.96 THEN 'dispatched'
              WHEN rst < 0.99 THEN 'handling' ELSE 'verifying' END AS state
  FROM l0 JOIN bench_grid gg ON gg.i = l0.gi
), l2 AS (
  SELECT l1.*, state = 'closed' AS closed, state = 'closed' AND channel = 'grid_worker' AND r_self < 0.2 AS self_resolved
  FROM l1
), l3 AS (
  SELECT l2.*,
         state <> 'reported' AND NOT self_resolved AND NOT (state = 'declined' AND r_acc < 0.5) AS accepted,
         NOT self_resolved AND ((closed AND r_disp < 0.6) OR state IN ('dispatched', 'handling', 'verifying', 'suspended')
                                OR (state = 'voided' AND r_disp < 0.5)) AS dispatched,
         created_s + acc_delay AS accepted_s, r_late < 0.1 AS late
  FROM l2
), l4 AS (
  SELECT l3.*, dispatched OR state = 'filed' OR (closed AND NOT self_resolved AND r_filed < 0.3) AS filed,
         accepted_s + 1800 AS dispatched_s, accepted_s + 1800 + (1 + 4 * r_due) * 86400 AS handle_due,
         dispatched AND (closed OR state = 'verifying') AS handled
  FROM l3
), l5 AS (
  SELECT l4.*, CASE WHEN late THEN handle_due + 3600 + r_handle * 2 * 86400
                    ELSE dispatched_s + (handle_due - dispatched_s) * (0.2 + 0.75 * r_handle) END AS handled_s
  FROM l4
), l6 AS (
  SELECT l5.*, CASE WHEN self_resolved THEN created_s WHEN dispatched THEN handled_s + 4 * 3600
                    ELSE accepted_s + 600 + r_close * 7.8 * 3600 END AS closed_s,
         closed AND r_rated < 0.4 AS rated, dispatched AND r_ret < 0.03 AS returned,
         CASE WHEN dispatched AND r_rework < 0.05 THEN 1 ELSE 0 END AS rework
  FROM l5
)
INSERT INTO cases_case ({columns})
SELECT id, 'D' || lpad(id::text, 10, '0'), '2025' || lpad(id::text, 11, '0'), category_id,
       '路边有一堆生活垃圾无人清运', '', lon, lat, grid_id, area_path, '410611', channel, '', NULL, '', '',
       state, CASE WHEN state = 'suspended' THEN 'dispatched' ELSE '' END, %(district)s, 'district',
       CASE WHEN NOT closed THEN '' WHEN self_resolved THEN 'grid' WHEN dispatched THEN 'district'
            WHEN r_res < 0.7 THEN 'grid' WHEN r_res < 0.9 THEN 'community' ELSE 'street' END,
       self_resolved, NULL, NULL, NULL, NULL,
       CASE WHEN dispatched THEN to_timestamp(handle_due) END, NULL, NULL, NULL,
       CASE WHEN accepted THEN to_timestamp(accepted_s) END, CASE WHEN filed THEN to_timestamp(accepted_s + 600) END,
       CASE WHEN dispatched THEN to_timestamp(dispatched_s) END, CASE WHEN handled THEN to_timestamp(handled_s) END,
       CASE WHEN closed THEN to_timestamp(closed_s) END,
       CASE WHEN closed THEN CASE WHEN dispatched THEN NOT late ELSE r_ontime < 0.95 END END,
       0, rework, returned::int, 0, CASE WHEN NOT dispatched THEN 0 WHEN returned THEN 2 ELSE 1 END, 0,
       CASE WHEN rated THEN CASE WHEN r_rating < 0.03 THEN 1 WHEN r_rating < 0.07 THEN 2 WHEN r_rating < 0.15 THEN 3
                                 WHEN r_rating < 0.40 THEN 4 ELSE 5 END END,
       '', CASE WHEN rated THEN to_timestamp(closed_s + 86400) END, false, 5,
       to_timestamp(created_s), to_timestamp(created_s)
FROM l6
"""
CASE_COLUMNS = [
    "id", "tracking_code", "number", "category_id", "description", "address", "lon", "lat", "grid_id", "area_path",
    "district_code", "channel", "external_id", "reporter_id", "reporter_name", "reporter_phone", "state",
    "state_before_suspension", "owner_area_id", "owner_level", "resolved_level", "self_resolved", "merged_into_id",
    "step_started_at", "warn_at", "due_at", "handle_due_at", "warned_at", "overdue_at", "review_on", "accepted_at",
    "filed_at", "dispatched_at", "handled_at", "closed_at", "closed_on_time", "escalation_count", "rework_count",
    "return_count", "extension_count", "dispatch_count", "reopen_count", "rating", "rating_comment", "rated_at",
    "rating_reopened", "version", "created_at", "updated_at"]

# tasks: one per dispatched case, a second for 15 %, a returned one first for the returned cases;
# then the timeline rows the indicators read (approved extensions of 4 % of the tasks; overdue while
# reported, moving the case to its community, 4 %; escalations by the owner, 2 %, to the community
# or the street) — each one INSERT … SELECT over a range of cases
TASK_SQL = """
INSERT INTO cases_casetask (case_id, department_id, state, due_at, accepted_at, handled_at, result,
                            extension_requested_hours, extension_reason, rework_count, created_at)
SELECT c.id, (%(deps)s::int[])[1 + ((c.id * 7 + k.n * 3 + CASE WHEN k.returned THEN 2 ELSE 0 END) %% %(ndep)s)::int],
       CASE WHEN k.returned THEN 'returned' WHEN c.handled_at IS NOT NULL AND c.state IN ('closed', 'verifying')
            THEN 'handled' WHEN c.state = 'handling' THEN 'handling' ELSE 'dispatched' END,
       c.handle_due_at,
       CASE WHEN NOT k.returned AND c.state NOT IN ('dispatched') THEN c.dispatched_at + interval '30 minutes' END,
       CASE WHEN NOT k.returned AND c.handled_at IS NOT NULL AND c.state IN ('closed', 'verifying') THEN c.handled_at END,
       '', NULL, '', CASE WHEN k.returned THEN 0 ELSE c.rework_count END, c.dispatched_at
FROM cases_case c
CROSS JOIN LATERAL (VALUES (0, false), (1, false), (2, true)) AS k(n, returned)
WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.dispatched_at IS NOT NULL
  AND (k.n = 0 OR (k.n = 1 AND (c.id * 2654435761) %% 100 < 15) OR (k.n = 2 AND c.return_count > 0))
"""
EVENT_SQL = """
INSERT INTO cases_caseevent (case_id, task_id, action, from_state, to_state, actor_id, actor_role, department_id,
                             note, data, public, created_at)
SELECT t.case_id, t.id, 'approve_extension', t.state, t.state, NULL::bigint, 'district_command', NULL::bigint, '',
       '{"hours": 8}'::jsonb, false, t.created_at + interval '30 minutes'
FROM cases_casetask t WHERE t.case_id BETWEEN %(lo)s AND %(hi)s AND t.state <> 'returned' AND random() < 0.04
UNION ALL
SELECT c.id, NULL::bigint, 'overdue', 'reported', 'reported', NULL::bigint, 'system', NULL::bigint, '',
       json_build_object('escalated_to', a.parent_id)::jsonb, false, c.created_at + interval '2 hours'
FROM cases_case c JOIN areas_area a ON a.id = c.grid_id
WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.state <> 'reported' AND random() < 0.04
UNION ALL
SELECT c.id, NULL::bigint, 'escalate', 'accepted', 'accepted', NULL::bigint, 'grid_chief', NULL::bigint, '需上级协调',
       json_build_object('to_level', CASE WHEN random() < 0.3 THEN 'street' ELSE 'community' END, 'to_area', 'x')::jsonb,
       true, c.accepted_at + interval '10 minutes'
FROM cases_case c
WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.accepted_at IS NOT NULL AND random() < 0.02
"""
STEP = 1_000_000


def load(dsn: str, world: dict, count: int) -> dict:
    """The cases, their tasks and timeline rows made by the database (INSERT … SELECT from
    generate_series), the way one bulk-loads: fsync off, the tables' secondary indexes, unique and
    foreign-key constraints dropped first and made again afterwards, VACUUM ANALYZE, CHECKPOINT."""
    import psycopg

    from cases.models import Case, CaseEvent, CaseTask

    assert [f.column for f in Case._meta.concrete_fields] == CASE_COLUMNS, "Case changed: update CASE_SQL"
    assert {f.column for f in CaseTask._meta.concrete_fields} == {
        "id", "case_id", "department_id", "state", "due_at", "accepted_at", "handled_at", "result",
        "extension_requested_hours", "extension_reason", "rework_count", "created_at"}, "CaseTask changed"
    assert {f.column for f in CaseEvent._meta.concrete_fields} == {
        "id", "case_id", "task_id", "action", "from_state", "to_state", "actor_id", "actor_role", "department_id",
        "note", "data", "public", "created_at"}, "CaseEvent changed"
    tables = ("cases_case", "cases_casetask", "cases_caseevent")
    begin = time.perf_counter()
    grids = world["grids"]
    columns = 40  # grids laid out on a lattice of 0.015° cells (about 1.4 km) from 114.0 E 35.5 N
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET work_mem = '64MB'")
        conn.execute("CREATE TABLE bench_grid (i int PRIMARY KEY, id int, path text, x0 float8, y0 float8)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_grid VALUES (%s, %s, %s, %s, %s)",
                            [(i, g.pk, g.path, 114.0 + 0.015 * (i % columns), 35.5 + 0.015 * (i // columns))
                             for i, g in enumerate(grids)])
        saved = {table: _constraints(conn, table) for table in tables}
        with conn.transaction():
            for table, (constraints, indexes) in saved.items():
                for name, _definition in constraints:
                    conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for name, _definition in indexes:
                    conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SELECT setseed(0.2026)")
        params = {"ngrids": len(grids), "cats": world["categories"], "ncat": len(world["categories"]),
                  "start": START.timestamp(), "span": SPAN_S, "district": world["district"].pk,
                  "deps": [d.pk for d in world["departments"]], "ndep": len(world["departments"])}
        case_sql = CASE_SQL.format(columns=", ".join(CASE_COLUMNS))
        timings = {"cases": 0.0, "tasks": 0.0, "events": 0.0}
        for lo in range(1, count + 1, STEP):
            hi = min(count, lo + STEP - 1)
            for name, sql in (("cases", case_sql), ("tasks", TASK_SQL), ("events", EVENT_SQL)):
                t = time.perf_counter()
                conn.execute(sql, {**params, "lo": lo, "hi": hi})
                timings[name] += time.perf_counter() - t
            say(f"  … {hi:,} cases made ({time.perf_counter() - begin:.0f} s)")
        for table in tables:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 1) FROM {table}))")
        insert_s = time.perf_counter() - begin
        t = time.perf_counter()
        with conn.transaction():
            for table, (constraints, indexes) in saved.items():
                for _name, definition in indexes:
                    conn.execute(definition)
                for name, definition in constraints:
                    conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        index_s = time.perf_counter() - t
        conn.execute("DROP TABLE bench_grid")
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("ALTER SYSTEM RESET fsync")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("CHECKPOINT")
        found = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}  # noqa: S608
        size = conn.execute("SELECT pg_total_relation_size('cases_case')").fetchone()[0]
    say(f"load: {found['cases_case']:,} cases, {found['cases_casetask']:,} tasks, {found['cases_caseevent']:,} "
        f"timeline rows made by INSERT … SELECT from generate_series in {insert_s:.1f} s (cases "
        f"{timings['cases']:.1f}, tasks {timings['tasks']:.1f}, timeline {timings['events']:.1f}), indexes and "
        f"constraints made again in {index_s:.1f} s; cases_case with its indexes {size / 1e6:,.0f} MB")
    return {"cases": found["cases_case"], "tasks": found["cases_casetask"], "events": found["cases_caseevent"],
            "load_s": round(insert_s + index_s, 1), "cases_mb": round(size / 1e6)}


def table_mb(dsn: str, table: str) -> float:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return round(conn.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()[0] / 1e6, 1)


def timed(function, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        begin = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - begin) * 1000)
    return times, result


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(name: str, scope, period) -> dict:
    from indicators.definitions import counts

    rolled_ms, rolled = timed(lambda: counts(scope, period, source="rollup"), ROLLUP_RUNS)
    raw_ms, raw = timed(lambda: counts(scope, period, source="raw"), RAW_RUNS)
    agree = rolled == raw
    figures = {"rollup_p50_ms": round(statistics.median(rolled_ms), 1), "rollup_p95_ms": round(p95(rolled_ms), 1),
               "raw_p50_ms": round(statistics.median(raw_ms), 1), "raw_p95_ms": round(p95(raw_ms), 1),
               "speedup_p95": round(p95(raw_ms) / p95(rolled_ms), 1), "agree": agree,
               "reports": rolled["reports"], "due": rolled["due"]}
    say(f"{name}, {period.label}: rollup p50 {figures['rollup_p50_ms']:.1f} ms, p95 {figures['rollup_p95_ms']:.1f} ms "
        f"({ROLLUP_RUNS} runs); case tables p50 {figures['raw_p50_ms']:.0f} ms, p95 {figures['raw_p95_ms']:.0f} ms "
        f"({RAW_RUNS} runs); {figures['speedup_p95']}× at p95; {rolled['reports']:,} reports, {rolled['due']:,} due; "
        f"the two agree on every count: {agree}")
    if not agree:
        say("  differ: " + ", ".join(f"{k} {rolled[k]} ≠ {raw[k]}" for k in rolled if rolled[k] != raw[k]))
    return figures


def measure_layers(world: dict) -> dict:
    """The early-warning detection (indicators' sibling app earlywarning) over the data's last week,
    month and nine weeks, run twice (the first run also writes the reporter keys of the month's
    cases), and the map's cluster / hot-spot buckets for the whole district at zoom 10 and 14."""
    from types import SimpleNamespace

    from cases.choices import OPEN_STATES
    from cases.models import Case
    from earlywarning.detection import detect
    from earlywarning.models import EarlyWarning
    from indicators.dashboard import buckets_data
    from indicators.definitions import Period

    end = dt.datetime(_TODAY.year, _TODAY.month, 1, tzinfo=START.tzinfo)
    week = Case.objects.filter(created_at__gte=end - dt.timedelta(days=7), created_at__lt=end).count()
    runs = []
    for _ in range(2):
        begin = time.perf_counter()
        found = detect(now=end, notify_people=False)
        runs.append(round(time.perf_counter() - begin, 2))
    kinds = dict(EarlyWarning.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    say(f"early warning over the last week ({week:,} reports), month and nine weeks: first run {runs[0]} s "
        f"(writes the month's reporter keys), second {runs[1]} s; {found['findings']} findings, warnings {kinds}")
    view = SimpleNamespace(cases=Case.objects.all(), period=Period(end.date() - dt.timedelta(days=30), end.date()),
                           open_cases=lambda: Case.objects.filter(state__in=OPEN_STATES))
    bbox = (114.0, 35.5, 114.6, 36.0)
    buckets = {}
    for what in ("open", "reports"):
        for zoom in (10, 14):
            times, data = timed(lambda what=what, zoom=zoom: buckets_data(view, bbox, zoom, what), 5)
            buckets[f"{what}_z{zoom}"] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95(times), 1),
                                          "cells": len(data["buckets"]), "cases": data["total"]}
    say(f"map buckets (district bbox, 5 runs each): {buckets}")
    return {"week_reports": week, "detect_first_s": runs[0], "detect_second_s": runs[1], "warnings": kinds,
            "buckets": buckets}


def change_cases(count: int) -> None:
    """The `count` most recently reported cases touched as the loop touches them: one timeline row
    each (a reminder), and a rating now on those that are closed."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM cases_case ORDER BY created_at DESC LIMIT %s", [count])
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("UPDATE cases_case SET rating = 5, rated_at = %s WHERE id = ANY(%s) AND state = 'closed'",
                       [now, ids])
        cursor.executemany(
            "INSERT INTO cases_caseevent (case_id, action, from_state, to_state, actor_role, note, data, public, "
            "created_at) VALUES (%s, 'remind', '', '', 'system', '', '{}', false, %s)",
            [(i, now) for i in ids])


def main() -> int:
    started = time.perf_counter()
    say(f"dashboard{' (QUICK)' if QUICK else ''}: a year of indicators over {CASES:,} cases on PostgreSQL "
        f"({os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f})")
    result: dict = {"bench": "dashboard", "quick": QUICK, "cases": CASES,
                    "grids": STREETS * COMMUNITIES * GRIDS}
    with tempfile.TemporaryDirectory(prefix="dashboard.") as var_dir, throwaway_postgres(
            settings={"max_wal_size": "4GB", "checkpoint_timeout": "30min"}) as server:
        import psycopg

        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute("CREATE DATABASE gridgov")
        dsn = server.replace("dbname=postgres", "dbname=gridgov")
        os.environ.update(DATABASE_URL=dsn_url(dsn), DEBUG="0", GRIDGOV_VAR_DIR=var_dir, LOG_LEVEL="ERROR")
        os.environ.pop("GRIDGOV_PROFILE", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from indicators.definitions import Period, ScopeFilter, durations
        from indicators.models import DailyCount, MonthlyCount
        from indicators.rollups import update_rollups

        call_command("migrate", verbosity=0)
        world = make_world()
        loaded = load(dsn, world, CASES)
        result.update(loaded)

        begin = time.perf_counter()
        built = update_rollups(full=True)
        build_s = time.perf_counter() - begin
        daily_rows = DailyCount.objects.count()
        monthly_rows = MonthlyCount.objects.count()
        sizes = {t: table_mb(dsn, t) for t in ("indicators_casefact", "indicators_taskfact", "indicators_dailycount",
                                                "indicators_monthlycount", "indicators_areamonthlycount")}
        say(f"rollup built in {build_s:.1f} s: {built['facts']:,} case facts, {daily_rows:,} daily rows "
            f"({daily_rows / max(1, loaded['cases']):.2f} per case), {monthly_rows:,} monthly rows; sizes MB {sizes}")
        connection.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE indicators_dailycount")
            conn.execute("VACUUM ANALYZE indicators_monthlycount")

        year = Period.year(YEAR)
        district = measure("district", ScopeFilter(area=world["district"]), year)
        street = measure(f"street {world['streets'][0].name}", ScopeFilter(area=world["streets"][0]), year)
        shifted = Period(dt.date(YEAR, 1, 16), dt.date(YEAR + 1, 1, 16))
        unaligned = measure("district", ScopeFilter(area=world["district"]), shifted)
        begin = time.perf_counter()
        hours = durations(ScopeFilter(area=world["district"]), year)
        durations_ms = (time.perf_counter() - begin) * 1000
        say(f"medians and p90 from the case tables (district, {year.label}): {durations_ms:.0f} ms {hours}")

        warning_figures = measure_layers(world)

        change_cases(CHANGED)
        begin = time.perf_counter()
        incremental = update_rollups()
        incremental_s = time.perf_counter() - begin
        say(f"incremental run after {CHANGED:,} changed cases: {incremental['cases']:,} cases, "
            f"{incremental['days']} days recomputed in {incremental_s:.2f} s")
        after = measure("district after the incremental run", ScopeFilter(area=world["district"]), year)
        connection.close()

    result.update({
        "rollup_build_s": round(build_s, 1), "daily_rows": daily_rows, "monthly_rows": monthly_rows,
        "daily_rows_per_case": round(daily_rows / max(1, loaded["cases"]), 2), "table_mb": sizes,
        "year": YEAR, "district": district, "street": street, "district_365_days_from_16th": unaligned, "durations_ms": round(durations_ms),
        "early_warning_and_map": warning_figures,
        "incremental": {"changed": CHANGED, "cases": incremental["cases"], "days": incremental["days"],
                        "seconds": round(incremental_s, 2)},
        "agree": district["agree"] and street["agree"] and unaligned["agree"] and after["agree"],
        "load_average": round(os.getloadavg()[0], 1),
        "elapsed_s": round(time.perf_counter() - started, 1),
    })
    say(f"rollup and case tables agree: {result['agree']}")
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
  (`counts(scope, year, source="rollup")`: one SUM over the monthly rows of its twelve months) and
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

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._pg import throwaway_postgres  # noqa: E402
from bench.deadline_sweep import _constraints, dsn_url  # noqa: E402

QUICK = os.environ.get("QUICK", "") not in ("", "0")
CASES = 200_000 if QUICK else 10_000_000
STREETS, COMMUNITIES, GRIDS = (4, 5, 10) if QUICK else (10, 10, 10)
ROLLUP_RUNS = 30
RAW_RUNS = 5 if QUICK else 3
CHANGED = 1_000
SEED = 20_261_201
CHUNK = 100_000
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


def _stamps(seconds, valid):
    """COPY text of timestamps START + seconds, \\N where not valid (numpy, no per-row Python)."""
    import numpy as np

    base = np.datetime64(START.astimezone(dt.UTC).replace(tzinfo=None), "s")
    moments = base + np.where(valid, seconds, 0).astype("int64").astype("timedelta64[s]")
    text = np.char.add(np.datetime_as_string(moments, unit="s"), "+00")
    return np.where(valid, text, r"\N")


def _column(values, valid=None):
    import numpy as np

    text = np.asarray(values).astype(str)
    return text if valid is None else np.where(valid, text, r"\N")


def chunks(world: dict, count: int):
    """Yields (cases, tasks, events) COPY text per chunk of cases."""
    import numpy as np

    from cases.models import Case, CaseEvent, CaseTask

    rng = np.random.default_rng(SEED)
    case_columns = [f.column for f in Case._meta.concrete_fields]
    grids = world["grids"]
    grid_ids = np.array([g.pk for g in grids])
    grid_paths = np.array([g.path for g in grids])
    community_of = np.array([g.parent_id for g in grids])
    categories = np.array(world["categories"])
    departments = np.array([d.pk for d in world["departments"]])
    channels, channel_p = list(CHANNELS), np.array(list(CHANNELS.values()))
    states, state_p = list(STATES), np.array(list(STATES.values()))
    task_id = event_id = 0
    for first in range(1, count + 1, CHUNK):
        m = min(CHUNK, count + 1 - first)
        ids = np.arange(first, first + m)
        created = rng.uniform(0, SPAN_S, m)
        g = rng.integers(0, len(grids), m)
        channel = np.array(channels)[rng.choice(len(channels), m, p=channel_p / channel_p.sum())]
        state = np.array(states)[rng.choice(len(states), m, p=state_p / state_p.sum())]
        closed = state == "closed"
        self_resolved = closed & (channel == "grid_worker") & (rng.random(m) < 0.2)
        accepted = (state != "reported") & ~self_resolved & ~((state == "declined") & (rng.random(m) < 0.5))
        accepted_at = created + rng.exponential(3600, m)
        dispatched = (~self_resolved & ((closed & (rng.random(m) < 0.6))
                                        | np.isin(state, ["dispatched", "handling", "verifying", "suspended"])
                                        | ((state == "voided") & (rng.random(m) < 0.5))))
        filed = dispatched | ((state == "filed") | (closed & ~self_resolved & (rng.random(m) < 0.3)))
        filed_at = accepted_at + 600
        dispatched_at = filed_at + 1200
        handle_due = dispatched_at + rng.uniform(1, 5, m) * 86_400
        late = rng.random(m) < 0.1
        handled = dispatched & (closed | (state == "verifying"))
        handled_at = np.where(late, handle_due + rng.uniform(3600, 3 * 86_400, m),
                              dispatched_at + (handle_due - dispatched_at) * rng.uniform(0.2, 0.95, m))
        closed_at = np.where(self_resolved, created, np.where(dispatched, handled_at + 4 * 3600,
                                                              accepted_at + rng.uniform(600, 8 * 3600, m)))
        on_time = np.where(dispatched, ~late, rng.random(m) < 0.95)
        resolved = np.where(self_resolved, "grid", np.where(
            dispatched, "district", np.array(["grid", "community", "street"])[rng.choice(3, m, p=[0.7, 0.2, 0.1])]))
        rated = closed & (rng.random(m) < 0.4)
        rating = rng.choice(5, m, p=RATINGS) + 1
        rework = (dispatched & (rng.random(m) < 0.05)).astype(int)
        returned = dispatched & (rng.random(m) < 0.03)
        values = {
            "id": _column(ids), "tracking_code": np.char.add("D", np.char.zfill(ids.astype(str), 10)),
            "number": np.char.add("2025", np.char.zfill(ids.astype(str), 11)),
            "category_id": _column(categories[rng.integers(0, len(categories), m)]),
            "description": "路边有一堆生活垃圾无人清运", "address": "", "lon": "114.1", "lat": "35.6",
            "grid_id": _column(grid_ids[g]), "area_path": grid_paths[g], "district_code": "410611",
            "channel": channel, "external_id": "", "reporter_id": r"\N", "reporter_name": "", "reporter_phone": "",
            "state": state, "state_before_suspension": np.where(state == "suspended", "dispatched", ""),
            "owner_area_id": _column(np.full(m, world["district"].pk)), "owner_level": "district",
            "resolved_level": np.where(closed, resolved, ""), "self_resolved": np.where(self_resolved, "t", "f"),
            "merged_into_id": r"\N", "step_started_at": r"\N", "warn_at": r"\N", "due_at": r"\N",
            "handle_due_at": _stamps(handle_due, dispatched), "warned_at": r"\N", "overdue_at": r"\N",
            "review_on": r"\N", "accepted_at": _stamps(accepted_at, accepted),
            "filed_at": _stamps(filed_at, filed), "dispatched_at": _stamps(dispatched_at, dispatched),
            "handled_at": _stamps(handled_at, handled), "closed_at": _stamps(closed_at, closed),
            "closed_on_time": np.where(closed, np.where(on_time, "t", "f"), r"\N"),
            "escalation_count": "0", "rework_count": _column(rework), "return_count": _column(returned.astype(int)),
            "extension_count": "0", "dispatch_count": np.where(dispatched, np.where(returned, "2", "1"), "0"),
            "reopen_count": "0", "rating": _column(rating, rated), "rating_comment": "",
            "rated_at": _stamps(closed_at + 86_400, rated), "rating_reopened": "f", "version": "5",
            "created_at": _stamps(created, np.full(m, True)), "updated_at": _stamps(created, np.full(m, True)),
        }
        missing = set(case_columns) - set(values)
        if missing:
            raise RuntimeError(f"bench/dashboard.py does not know the new columns {sorted(missing)}")
        table = [np.broadcast_to(np.asarray(values[c]), (m,)) for c in case_columns]
        case_text = "\n".join("\t".join(row) for row in zip(*table, strict=True)) + "\n"

        # tasks: one per dispatched case, a second for 15 %, a returned one first for the returned
        task_lines, event_lines = [], []
        task_state = np.where(handled, "handled", np.where(state == "handling", "handling", "dispatched"))
        stamps = {name: _stamps(v, np.full(m, True)) for name, v in (("dispatched_at", dispatched_at),
                                                                      ("handle_due", handle_due),
                                                                      ("handled_at", handled_at),
                                                                      ("accepted", dispatched_at + 1800),
                                                                      ("overdue", created + 7200),
                                                                      ("escalated", accepted_at + 600))}
        second = rng.random(m) < 0.15
        department_pick = rng.integers(0, len(departments), (m, 2))
        extended = rng.random(m) < 0.04
        task_columns = [f.column for f in CaseTask._meta.concrete_fields]
        for i in np.flatnonzero(dispatched).tolist():
            case_id = str(ids[i])
            picks = [departments[department_pick[i, 0]]]
            if second[i]:
                picks.append(departments[(department_pick[i, 0] + 1 + department_pick[i, 1] % 4) % len(departments)])
            if returned[i]:
                task_id += 1
                task_lines.append("\t".join([str(task_id), case_id, str(departments[department_pick[i, 1]]),
                                             "returned", stamps["handle_due"][i], r"\N", r"\N", "", r"\N", "", "0",
                                             stamps["dispatched_at"][i]]))
            for department in picks:
                task_id += 1
                done = task_state[i] == "handled"
                task_lines.append("\t".join([
                    str(task_id), case_id, str(department), task_state[i], stamps["handle_due"][i],
                    stamps["accepted"][i] if task_state[i] != "dispatched" else r"\N",
                    stamps["handled_at"][i] if done else r"\N", "", r"\N", "", str(rework[i]),
                    stamps["dispatched_at"][i]]))
                if extended[i]:
                    event_id += 1
                    event_lines.append("\t".join([str(event_id), case_id, str(task_id), "approve_extension",
                                                  task_state[i], task_state[i], r"\N", "district_command", r"\N",
                                                  "", '{"hours": 8}', "f", stamps["accepted"][i]]))
        assert task_columns == ["id", "case_id", "department_id", "state", "due_at", "accepted_at", "handled_at",
                                "result", "extension_requested_hours", "extension_reason", "rework_count",
                                "created_at"], "CaseTask changed"
        assert [f.column for f in CaseEvent._meta.concrete_fields] == [
            "id", "case_id", "task_id", "action", "from_state", "to_state", "actor_id", "actor_role", "department_id",
            "note", "data", "public", "created_at"], "CaseEvent changed"
        # timeline rows the indicators read: overdue while reported (4 %, moving the case to its
        # community), escalations by the owner (2 %, to the community or the street)
        overdue = (rng.random(m) < 0.04) & (state != "reported")
        escalate = (rng.random(m) < 0.02) & accepted
        to_street = rng.random(m) < 0.3
        for i in np.flatnonzero(overdue).tolist():
            event_id += 1
            event_lines.append("\t".join([str(event_id), str(ids[i]), r"\N", "overdue", "reported", "reported", r"\N",
                                          "system", r"\N", "", json.dumps({"escalated_to": int(community_of[g[i]])}),
                                          "f", stamps["overdue"][i]]))
        for i in np.flatnonzero(escalate).tolist():
            event_id += 1
            level = "street" if to_street[i] else "community"
            event_lines.append("\t".join([str(event_id), str(ids[i]), r"\N", "escalate", "accepted", "accepted",
                                          r"\N", "grid_chief", r"\N", "需上级协调",
                                          json.dumps({"to_level": level, "to_area": "x"}), "t",
                                          stamps["escalated"][i]]))
        yield (case_text, "\n".join(task_lines) + ("\n" if task_lines else ""),
               "\n".join(event_lines) + ("\n" if event_lines else ""))


def load(dsn: str, world: dict, count: int) -> dict:
    import psycopg

    from cases.models import Case, CaseEvent, CaseTask

    tables = {"cases_case": [f.column for f in Case._meta.concrete_fields],
              "cases_casetask": [f.column for f in CaseTask._meta.concrete_fields],
              "cases_caseevent": [f.column for f in CaseEvent._meta.concrete_fields]}
    begin = time.perf_counter()
    build_s = 0.0
    with psycopg.connect(dsn, autocommit=True) as conn, tempfile.TemporaryDirectory(prefix="dashboard.") as spool:
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("SET maintenance_work_mem = '512MB'")
        saved = {table: _constraints(conn, table) for table in tables}
        with conn.transaction():
            for table, (constraints, indexes) in saved.items():
                for name, _definition in constraints:
                    conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for name, _definition in indexes:
                    conn.execute(f'DROP INDEX "{name}"')
        files = {t: open(Path(spool) / f"{t}.tsv", "w+", encoding="utf-8") for t in ("cases_casetask",  # noqa: SIM115
                                                                                       "cases_caseevent")}
        try:
            with conn.transaction():
                cur = conn.cursor()
                with cur.copy(f"COPY cases_case ({', '.join(tables['cases_case'])}) FROM STDIN") as copy:
                    produced = chunks(world, count)
                    while True:
                        t = time.perf_counter()
                        try:
                            case_text, task_text, event_text = next(produced)
                        except StopIteration:
                            break
                        build_s += time.perf_counter() - t
                        copy.write(case_text)
                        files["cases_casetask"].write(task_text)
                        files["cases_caseevent"].write(event_text)
                for table in ("cases_casetask", "cases_caseevent"):
                    handle = files[table]
                    handle.seek(0)
                    with cur.copy(f"COPY {table} ({', '.join(tables[table])}) FROM STDIN") as copy:
                        while block := handle.read(1 << 22):
                            copy.write(block)
                for table in tables:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table}))")
        finally:
            for handle in files.values():
                handle.close()
        copy_s = time.perf_counter() - begin
        t = time.perf_counter()
        with conn.transaction():
            for table, (constraints, indexes) in saved.items():
                for _name, definition in indexes:
                    conn.execute(definition)
                for name, definition in constraints:
                    conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        index_s = time.perf_counter() - t
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("ALTER SYSTEM RESET fsync")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("CHECKPOINT")
        found = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}  # noqa: S608
        size = conn.execute("SELECT pg_total_relation_size('cases_case')").fetchone()[0]
    say(f"load: {found['cases_case']:,} cases, {found['cases_casetask']:,} tasks, {found['cases_caseevent']:,} "
        f"timeline rows with COPY in {copy_s:.1f} s (building the rows {build_s:.1f} s), indexes and constraints "
        f"made again in {index_s:.1f} s; cases_case with its indexes {size / 1e6:,.0f} MB")
    return {"cases": found["cases_case"], "tasks": found["cases_casetask"], "events": found["cases_caseevent"],
            "load_s": round(copy_s + index_s, 1), "cases_mb": round(size / 1e6)}


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
                                                "indicators_monthlycount")}
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

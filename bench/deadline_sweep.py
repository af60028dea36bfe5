"""bench deadline_sweep: one deadline sweep (cases.jobs.sweep_deadlines) over 1,000,000 open cases
on PostgreSQL.

A throwaway PostgreSQL cluster (bench/_pg.py), `manage.py migrate`, a small area tree (district →
street → community → 20 grids) with the people who get notified (district command, street and
community officers, a grid chief per grid, one handler per department), one minor category; then
N open cases (full 1,000,000, QUICK=1 100,000) loaded with COPY into cases_case, and a department
task for each dispatched/handling case into cases_casetask. Loading runs as bulk loads do: fsync off
(the cluster is thrown away), secondary indexes and unique/foreign-key constraints dropped before
COPY and made again after it; then fsync is switched back on, the tables VACUUM ANALYZEd and a
CHECKPOINT taken before the sweep. The server runs with the production settings of
docs/deployment.md (bench/_pg.py production_settings: shared_buffers a quarter of the memory; the
tables are not read into it beforehand), fsync and synchronous_commit on.

The open cases, against "now":

* 0.5 % newly overdue: due in the last two hours, overdue_at not yet set (most already warned);
* 1 % newly yellow: past their warning point (80 % of the step), not due, warned_at not set;
* 2 % warned by an earlier sweep, not due yet; 3 % overdue and claimed by an earlier sweep;
* the rest green, due in up to 15 working days.

States are spread over the timed states (reported … verifying); owners are grids, communities,
the street and the district. Measured: one sweep (`sweep_deadlines(now)`: claims with conditional
UPDATE … RETURNING, timeline and audit rows, escalation of the overdue, notifications), then a
second sweep straight after, which should claim nothing. Target: < 2 s. The sweep runs every few
minutes in a long-lived worker, so it is timed in a warm process: the URLconf (which the digest
messages' links need) is loaded first, and what that cost a fresh process is printed beside it.

Human-readable lines first, then one JSON line: {"bench": "deadline_sweep", ...}.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._pg import production_settings, throwaway_postgres  # noqa: E402

QUICK = os.environ.get("QUICK", "") not in ("", "0")
CASES = 100_000 if QUICK else 1_000_000
GRIDS = 20
TARGET_S = 2.0
SEED = 20_261_122
CHUNK = 50_000
NEW_OVERDUE, NEW_YELLOW, OLD_WARNED, OLD_OVERDUE = 0.005, 0.01, 0.02, 0.03
STATES = {"reported": 0.10, "accepted": 0.08, "filed": 0.07, "dispatched": 0.20, "handling": 0.45, "verifying": 0.10}
WAIT_FOR_JOBS_S = 40 * 60


def say(message: str = "") -> None:
    print(message, flush=True)


def dsn_url(dsn: str) -> str:
    parts = dict(item.split("=", 1) for item in dsn.split())
    return f"postgresql://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"


def sweep_function():
    """cases.jobs.sweep_deadlines, waiting (up to 40 minutes) for it to be written if need be."""
    deadline = time.monotonic() + WAIT_FOR_JOBS_S
    while True:
        try:
            from cases.jobs import sweep_deadlines

            return sweep_deadlines
        except ImportError:
            if time.monotonic() > deadline:
                raise
            say("cases.jobs.sweep_deadlines does not exist yet: checking again in 3 minutes")
            time.sleep(180)


# -- set-up ---------------------------------------------------------------------------------------


def make_world() -> dict:
    """Areas, people, a department and a category, through the project's actions."""
    from accounts.actions import create_user, grant_role
    from areas.actions import create_area, save_department
    from cases.catalog import load_default_catalog
    from cases.models import Category

    district = create_area(None, name="测试区", level="district", code="410611", official_code=True)
    street = create_area(None, name="甲街道", level="street", parent=district, code="410611001000")
    community = create_area(None, name="甲一社区", level="community", parent=street, code="410611001001")
    grids = [create_area(None, name=f"第{n}网格", level="grid", parent=community, code=f"410611001001{n:03d}")
             for n in range(1, GRIDS + 1)]
    department = save_department(None, name="区城管局", code="410611-CG", kind="urban_management", area=district)

    def person(username, role, area=None, dept=None):
        user = create_user(None, username=username, password=None, full_name=username)
        grant_role(None, user=user, role=role, area=area, department=dept)
        return user

    person("command", "district_command", district)
    person("officer_street", "street_officer", street)
    person("officer_community", "community_officer", community)
    for grid in grids:
        person(f"chief_{grid.code}", "grid_chief", grid)
    person("handler_cg", "department_handler", dept=department)
    load_default_catalog()
    category = Category.objects.get(code="E0101")
    return {"district": district, "street": street, "community": community, "grids": grids,
            "department": department, "category": category}


class _Stamps:
    """Timestamps as COPY text, from whole seconds relative to `now` (fast: one lookup per minute)."""

    def __init__(self, now: dt.datetime):
        now = now.astimezone(dt.UTC).replace(microsecond=0)
        self.base = now.replace(second=0)
        self.shift = now.second
        self.minutes: dict[int, str] = {}
        self.seconds = [f":{s:02d}+00" for s in range(60)]

    def __call__(self, offset) -> str:
        if offset != offset:  # NaN: no value
            return r"\N"
        minute, second = divmod(math.floor(offset) + self.shift, 60)
        text = self.minutes.get(minute)
        if text is None:
            text = self.minutes[minute] = (self.base + dt.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M")
        return text + self.seconds[second]


def case_rows(world: dict, now: dt.datetime, count: int):
    """Yields (COPY text of cases_case rows, COPY text of cases_casetask rows, expected counts or None)
    in chunks; the random draws are numpy arrays per chunk, only the text is built row by row."""
    import numpy as np

    from cases.models import Case

    rng = np.random.default_rng(SEED)
    stamp = _Stamps(now)
    columns = [f.column for f in Case._meta.concrete_fields]
    grids = world["grids"]
    owners = [str(world["community"].pk), str(world["street"].pk), str(world["district"].pk)]
    levels = ["community", "street", "district"]
    state_names = list(STATES)
    weights = np.array(list(STATES.values()))
    constant = {
        "category_id": str(world["category"].pk), "description": "路边有一堆生活垃圾无人清运", "address": "",
        "district_code": "410611", "channel": "grid_worker", "external_id": "", "reporter_id": r"\N",
        "reporter_name": "", "reporter_phone": "", "state_before_suspension": "", "resolved_level": "",
        "self_resolved": "f", "merged_into_id": r"\N", "review_on": r"\N", "handled_at": r"\N", "closed_at": r"\N",
        "closed_on_time": r"\N", "escalation_count": "0", "rework_count": "0", "return_count": "0",
        "extension_count": "0", "reopen_count": "0", "rating": r"\N", "rating_comment": "", "rated_at": r"\N",
        "rating_reopened": "f", "version": "3",
    }
    varying = ["id", "tracking_code", "number", "lon", "lat", "grid_id", "area_path", "state", "owner_area_id",
               "owner_level", "step_started_at", "warn_at", "due_at", "handle_due_at", "warned_at", "overdue_at",
               "accepted_at", "filed_at", "dispatched_at", "dispatch_count", "created_at", "updated_at"]
    missing = set(columns) - set(constant) - set(varying)
    if missing:
        raise RuntimeError(f"bench/deadline_sweep.py does not know the new columns {sorted(missing)}")
    department_id = str(world["department"].pk)
    expected = {"warned": 0, "overdue": 0}
    nan = float("nan")
    for first in range(1, count + 1, CHUNK):
        m = min(CHUNK, count + 1 - first)
        ids = np.arange(first, first + m)
        state = rng.choice(len(state_names), m, p=weights / weights.sum())
        roll = rng.random(m)
        kind = np.digitize(roll, np.cumsum([NEW_OVERDUE, NEW_YELLOW, OLD_WARNED, OLD_OVERDUE]))
        # 0 newly overdue, 1 newly yellow, 2 warned earlier, 3 overdue earlier, 4 green
        due = np.select(
            [kind == 0, (kind == 1) | (kind == 2), kind == 3],
            [-rng.uniform(1, 7200, m), rng.uniform(600, 36_000, m), -rng.uniform(7200, 30 * 86_400, m)],
            rng.uniform(2 * 3600, 15 * 86_400, m))
        step = rng.uniform(3600, 5 * 86_400, m)
        started = due - step
        warn = started + step * 0.8
        warn = np.where((kind == 4) & (warn <= 0), rng.uniform(60, 3600, m), warn)
        warn = np.where((kind == 1) & (warn > 0), -rng.uniform(1, 3600, m), warn)
        warned = np.select([(kind == 0) & (rng.random(m) < 0.8), kind == 2, kind == 3],
                           [due - 3600, -rng.uniform(60, 3600, m), due - 3600], nan)
        overdue = np.where(kind == 3, due + 300, nan)
        created = started - rng.uniform(600, 86_400, m)
        early = state <= 1  # reported / accepted
        at_grid = early & (rng.random(m) < 0.7)
        up = rng.integers(0, 3, m)
        dispatched = state >= 3
        # what the claims will find, on the whole seconds that are written
        due_s, warn_s = np.floor(due), np.floor(warn)
        expected["overdue"] += int(((due_s <= 0) & np.isnan(overdue)).sum())
        expected["warned"] += int(((warn_s <= 0) & (due_s > 0) & np.isnan(warned) & np.isnan(overdue)).sum())
        lons = 114.0 + rng.random(m) * 0.3
        lats = 35.5 + rng.random(m) * 0.25
        values = {
            "id": [str(i) for i in ids.tolist()],
            "tracking_code": [f"B{i:09d}" for i in ids.tolist()],
            "number": [f"20261122{i:07d}" for i in ids.tolist()],
            "lon": [f"{x:.6f}" for x in lons.tolist()], "lat": [f"{y:.6f}" for y in lats.tolist()],
            "grid_id": [str(grids[i % len(grids)].pk) for i in ids.tolist()],
            "area_path": [grids[i % len(grids)].path for i in ids.tolist()],
            "state": [state_names[s] for s in state.tolist()],
            "owner_area_id": [str(grids[i % len(grids)].pk) if g else owners[u]
                              for i, g, u in zip(ids.tolist(), at_grid.tolist(), up.tolist(), strict=True)],
            "owner_level": ["grid" if g else levels[u] for g, u in zip(at_grid.tolist(), up.tolist(), strict=True)],
            "step_started_at": [stamp(x) for x in started.tolist()],
            "warn_at": [stamp(x) for x in warn.tolist()],
            "due_at": [stamp(x) for x in due.tolist()],
            "handle_due_at": [stamp(x) if d else r"\N" for x, d in zip(due.tolist(), dispatched.tolist(), strict=True)],
            "warned_at": [stamp(x) for x in warned.tolist()],
            "overdue_at": [stamp(x) for x in overdue.tolist()],
            "accepted_at": [stamp(x + 3600) if s >= 1 else r"\N"
                            for x, s in zip(created.tolist(), state.tolist(), strict=True)],
            "filed_at": [stamp(x + 7200) if s >= 2 else r"\N" for x, s in zip(created.tolist(), state.tolist(), strict=True)],
            "dispatched_at": [stamp(x) if d else r"\N" for x, d in zip(started.tolist(), dispatched.tolist(), strict=True)],
            "dispatch_count": ["1" if d else "0" for d in dispatched.tolist()],
            "created_at": [stamp(x) for x in created.tolist()],
            "updated_at": [stamp(x) for x in started.tolist()],
        }
        for name, value in constant.items():
            values[name] = [value] * m
        case_text = "\n".join("\t".join(row) for row in zip(*(values[c] for c in columns), strict=True)) + "\n"
        with_task = (state == 3) | (state == 4)  # dispatched, handling: one open task each
        task_lines = []
        for i, s, d, st in zip(ids[with_task].tolist(), state[with_task].tolist(), due[with_task].tolist(),
                               started[with_task].tolist(), strict=True):
            task_lines.append("\t".join([str(i), department_id, state_names[s], stamp(d),
                                         stamp(st) if s == 4 else r"\N", r"\N", "", r"\N", "", "0", stamp(st)]))
        yield case_text, "\n".join(task_lines) + ("\n" if task_lines else ""), None
    yield "", "", expected


def _constraints(conn, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(unique and foreign-key constraints, other non-primary-key indexes) of a table, as SQL to
    recreate them."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('u', 'f') ORDER BY conname", (table,)).fetchall()
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
        (table, table)).fetchall()
    return constraints, indexes


def load(dsn: str, world: dict, now: dt.datetime, count: int) -> dict:
    """COPY the cases and tasks in, the way one bulk-loads: fsync off, the tables' secondary
    indexes, unique and foreign-key constraints dropped first and made again afterwards."""
    import psycopg

    from cases.models import Case, CaseTask

    case_columns = [f.column for f in Case._meta.concrete_fields]
    task_columns = ["case_id", "department_id", "state", "due_at", "accepted_at", "handled_at", "result",
                    "extension_requested_hours", "extension_reason", "rework_count", "created_at"]
    assert set(task_columns) | {"id"} == {f.column for f in CaseTask._meta.concrete_fields}, "CaseTask changed"
    begin = time.perf_counter()
    build_s = 0.0
    expected = None
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("SET maintenance_work_mem = '512MB'")
        saved = {table: _constraints(conn, table) for table in ("cases_case", "cases_casetask")}
        with conn.transaction():
            for table, (constraints, indexes) in saved.items():
                for name, _definition in constraints:
                    conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for name, _definition in indexes:
                    conn.execute(f'DROP INDEX "{name}"')
        with conn.transaction():
            cur = conn.cursor()
            tasks = io.StringIO()
            with cur.copy(f"COPY cases_case ({', '.join(case_columns)}) FROM STDIN") as case_copy:
                chunks = case_rows(world, now, count)
                while True:
                    t = time.perf_counter()
                    try:
                        case_text, task_text, found = next(chunks)
                    except StopIteration:
                        break
                    build_s += time.perf_counter() - t
                    if case_text:
                        case_copy.write(case_text)
                    tasks.write(task_text)
                    expected = found or expected
            with cur.copy(f"COPY cases_casetask ({', '.join(task_columns)}) FROM STDIN") as task_copy:
                task_copy.write(tasks.getvalue())
            cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", (count,))
        copy_s = time.perf_counter() - begin
        t = time.perf_counter()
        with conn.transaction():
            for table, (constraints, indexes) in saved.items():
                for _name, definition in indexes:
                    conn.execute(definition)
                for name, definition in constraints:
                    conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        index_s = time.perf_counter() - t
        t = time.perf_counter()
        conn.execute("VACUUM ANALYZE cases_case")
        conn.execute("VACUUM ANALYZE cases_casetask")
        conn.execute("ALTER SYSTEM RESET fsync")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("CHECKPOINT")
        vacuum_s = time.perf_counter() - t
        tasks_n = conn.execute("SELECT count(*) FROM cases_casetask").fetchone()[0]
        size = conn.execute("SELECT pg_total_relation_size('cases_case')").fetchone()[0]
        fsync = conn.execute("SHOW fsync").fetchone()[0]
        restored = sum(len(c) + len(i) for c, i in saved.values())
    total = copy_s + index_s
    say(f"load: {count:,} open cases and {tasks_n:,} department tasks with COPY in {copy_s:.1f} s "
        f"(building the rows {build_s:.1f} s), {restored} indexes and constraints made again in {index_s:.1f} s, "
        f"VACUUM ANALYZE + CHECKPOINT {vacuum_s:.1f} s; cases_case with its indexes {size / 1e6:,.0f} MB; "
        f"fsync {fsync} for the sweep")
    return {"copy_s": copy_s, "index_s": index_s, "vacuum_s": vacuum_s, "tasks": tasks_n, "table_mb": size / 1e6,
            "expected": expected, "rows_per_s": count / total, "load_s": total}


def counts(dsn: str) -> dict:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return {
            "events": conn.execute("SELECT action, count(*) FROM cases_caseevent GROUP BY action").fetchall(),
            "audit": conn.execute("SELECT count(*) FROM core_auditlog WHERE action LIKE 'case.%%'").fetchone()[0],
            "notifications": conn.execute("SELECT count(*) FROM core_notification").fetchone()[0],
            "escalated": conn.execute("SELECT count(*) FROM cases_case WHERE escalation_count > 0").fetchone()[0],
        }


def _label(sql: str) -> str:
    """A statement's kind, for the breakdown: verb and table."""
    words = sql.replace('"', "").split()
    verb = words[0].upper() if words else "?"
    table = ""
    if verb == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1]}"
    for keyword in ("INTO", "FROM"):
        if keyword in (w.upper() for w in words[:12]):
            position = [w.upper() for w in words].index(keyword)
            table = words[position + 1]
            break
    return f"{verb} {table}".strip()


class Timer:
    """Times every SQL statement by kind (connection.execute_wrapper: no query log, no limit)."""

    def __init__(self):
        self.groups: dict[str, list] = {}

    def __call__(self, execute, sql, params, many, context):
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            label = _label(sql)
            if label.startswith("UPDATE cases_case"):
                label = ("UPDATE cases_case (claim warnings)" if "SET warned_at" in sql else
                         "UPDATE cases_case (claim overdue)" if "SET overdue_at" in sql else
                         "UPDATE cases_case (escalate)")
            entry = self.groups.setdefault(label, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - begin

    def rows(self, total_s: float) -> list[tuple[str, int, float]]:
        rows = [(label, n, t) for label, (n, t) in self.groups.items()]
        rows.append(("Python and commits (outside the timed statements)", 0, total_s - sum(t for _, _, t in rows)))
        return sorted(rows, key=lambda row: -row[2])

    @property
    def statements(self) -> int:
        return sum(n for n, _t in self.groups.values())


CLAIM_PLANS = {
    "warnings": "SELECT count(*) FROM cases_case WHERE state IN ({states}) AND warn_at <= %s AND warned_at IS NULL "
                "AND overdue_at IS NULL AND due_at > %s",
    "overdue": "SELECT count(*) FROM cases_case WHERE state IN ({states}) AND due_at <= %s AND overdue_at IS NULL",
}


def claim_plans(dsn: str, now) -> dict[str, dict]:
    """How much PostgreSQL reads to find the rows the two claims want (EXPLAIN ANALYZE of the same
    conditions as a count): index entries visited, rows thrown away, milliseconds."""
    import re

    import psycopg

    from cases.choices import TIMED_STATES

    states = ", ".join(f"'{s}'" for s in TIMED_STATES)
    plans = {}
    with psycopg.connect(dsn) as conn:
        for name, sql in CLAIM_PLANS.items():
            params = (now, now) if name == "warnings" else (now,)
            text = "\n".join(row[0] for row in conn.execute(
                "EXPLAIN (ANALYZE, COSTS OFF) " + sql.format(states=states), params))
            index = re.search(r"Index.*? on (\w+) .*?rows=(\d+)", text)
            removed = re.search(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", text)
            plans[name] = {
                "index": index.group(1) if index else None,
                "index_rows": int(index.group(2)) if index else None,
                "rows_removed": int(removed.group(1)) if removed else 0,
                "ms": float(re.search(r"Execution Time: ([\d.]+)", text).group(1)),
            }
    return plans


def main() -> int:
    started = time.perf_counter()
    say(f"deadline_sweep{' (QUICK)' if QUICK else ''}: one sweep over {CASES:,} open cases on PostgreSQL "
        f"({os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f})")
    result = {"bench": "deadline_sweep", "quick": QUICK, "open_cases": CASES, "target_s": TARGET_S}
    settings = production_settings()
    say("PostgreSQL settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()))
    with tempfile.TemporaryDirectory(prefix="sweep.") as var_dir, throwaway_postgres(settings=settings) as server:
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
        from django.db import connection, connections
        from django.utils import timezone

        call_command("migrate", verbosity=0)
        world = make_world()
        now = timezone.now().replace(microsecond=0)
        loaded = load(dsn, world, now, CASES)
        expected = loaded["expected"]
        say(f"expected: {expected['warned']:,} newly yellow, {expected['overdue']:,} newly overdue")

        # a copy of the loaded database, for a second, instrumented sweep (the breakdown)
        connections.close_all()
        t = time.perf_counter()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute("CREATE DATABASE gridgov_copy TEMPLATE gridgov")
            conn.execute("CHECKPOINT")
        say(f"copy of the database for the breakdown in {time.perf_counter() - t:.1f} s")

        sweep_deadlines = sweep_function()
        connection.ensure_connection()
        t = time.perf_counter()
        from django.urls import reverse

        reverse("cases:desk")  # a worker that has run a job before has its URLconf loaded
        warmup_s = time.perf_counter() - t
        say(f"the worker's URLconf loaded in {warmup_s:.2f} s (once per process, not timed below)")
        begin = time.perf_counter()
        first = sweep_deadlines(now=now)
        sweep_s = time.perf_counter() - begin
        say(f"sweep 1: {first} in {sweep_s:.3f} s")
        begin = time.perf_counter()
        second = sweep_deadlines(now=now)
        second_s = time.perf_counter() - begin
        say(f"sweep 2 (straight after): {second} in {second_s:.3f} s")
        connection.close()  # a backend reports its statistics when it ends
        with psycopg.connect(dsn, autocommit=True) as conn:
            time.sleep(1)
            updated, hot = conn.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                                        "WHERE relname = 'cases_case'").fetchone()
        say(f"row updates of cases_case since loading: {updated:,}, of which heap-only (no index written) {hot:,}")
        written = counts(dsn)
        say(f"written: timeline {dict(written['events'])}, audit {written['audit']:,}, notifications "
            f"{written['notifications']:,}, cases escalated {written['escalated']:,}")

        plans = claim_plans(dsn, now)
        for name, plan in plans.items():
            say(f"claim {name} on the swept table (nothing left to claim): {plan['index_rows']:,} entries of "
                f"{plan['index']} visited, {plan['rows_removed']:,} rows read and thrown away, {plan['ms']:.1f} ms")

        connections.close_all()
        connections["default"].settings_dict["NAME"] = "gridgov_copy"
        connection.ensure_connection()
        timer = Timer()
        with connection.execute_wrapper(timer):
            begin = time.perf_counter()
            again = sweep_deadlines(now=now)
            traced_s = time.perf_counter() - begin
        rows = timer.rows(traced_s)
        say(f"where a sweep spends its time (the same sweep again on the copy, every statement timed: "
            f"{traced_s:.2f} s, {timer.statements:,} statements, {again}):")
        for label, n, seconds in rows[:9]:
            say(f"  {seconds:7.3f} s {seconds / traced_s:5.0%}  " + (f"{n:6,} × {label}" if n else f"         {label}"))
        connections.close_all()

    result.update({
        "warned": first.get("warned"),
        "overdue": first.get("overdue"),
        "escalated": first.get("escalated"),
        "expected_warned": expected["warned"],
        "expected_overdue": expected["overdue"],
        "sweep_s": round(sweep_s, 3),
        "process_warmup_s": round(warmup_s, 3),
        "postgresql_settings": settings,
        "second_sweep_s": round(second_s, 3),
        "second_sweep": second,
        "sql_statements": timer.statements,
        "breakdown_s": {label: round(seconds, 3) for label, _n, seconds in rows[:6]},
        "breakdown_statements": {label: n for label, n, _seconds in rows[:6] if n},
        "claim_plans": plans,
        "notifications": written["notifications"],
        "tasks": loaded["tasks"],
        "load_s": round(loaded["load_s"], 1),
        "load_rows_per_s": round(loaded["rows_per_s"]),
        "table_mb": round(loaded["table_mb"]),
        "target_met": sweep_s < TARGET_S and second.get("warned") == 0 and second.get("overdue") == 0,
        "correct": first.get("warned") == expected["warned"] and first.get("overdue") == expected["overdue"],
        "load_average": round(os.getloadavg()[0], 1),
        "elapsed_s": round(time.perf_counter() - started, 1),
    })
    say(f"target: one sweep < {TARGET_S} s ({sweep_s:.2f} s), second finds nothing: "
        f"{'met' if result['target_met'] else 'NOT met'}; counts as expected: {result['correct']}")
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""bench case_intake: cases reported through the HTTP API, on PostgreSQL, behind gunicorn.

A throwaway PostgreSQL cluster (bench/_pg.py, with docs/deployment.md's production settings:
shared_buffers a quarter of the memory; fsync and synchronous commit on),
`manage.py migrate`, the demo district 淇滨区 (load_demo --no-cases) and the catalog; an API token
for the district command center's operator. Then gunicorn serves gridgov.wsgi (DEBUG off, the
demo profile's settings otherwise, persistent database connections) and 50 concurrent clients
(one asyncio loop, keep-alive where the server allows it) each POST /api/cases/ with JSON:

    {"category": "E0101", "lon": …, "lat": …, "description": "…", "channel": "hotline_12345",
     "reporter_name": "…", "reporter_phone": "…"}

with `Authorization: Token <key>` and a unique `Idempotency-Key`, every point inside a grid of the
district. The operator's hotline channel, because a grid worker's report needs a photo (multipart)
and the benchmark measures the JSON path.

Each server configuration (sync workers; threaded workers) gets a warm-up, then N requests (full
5,000, QUICK=1 600) sent back to back by the 50 clients (closed loop): cases/s over the run's wall
time, latency p50/p95/p99 per request (connection set-up included where the server closes the
connection). With 50 requests always in flight, latency there is mostly time in the queue (50 /
throughput), so the best configuration runs once more open loop — N requests at fixed times, 70 %
of the throughput it reached — for the latency of a server that keeps up. The targets are read
that way: cases/s from the closed loop, p95 from the open loop. Baseline in the same run: N single-row
INSERTs of equivalent rows into cases_case over one psycopg connection in autocommit (prepared
statement), rows/s and p95.

The load generator shares the machine's cores with gunicorn and PostgreSQL: the figures are what
this machine does with all three on it.

Human-readable lines first, then one JSON line: {"bench": "case_intake", ...}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._pg import free_port, production_settings, throwaway_postgres  # noqa: E402

QUICK = os.environ.get("QUICK", "") not in ("", "0")
REQUESTS = 600 if QUICK else 5000
WARMUP = 150 if QUICK else 300
CLIENTS = 50
WORKERS = int(os.environ.get("INTAKE_WORKERS", "3"))
TARGET_CASES_PER_S = 300
TARGET_P95_MS = 100
DISTRICT = "410611"
CATEGORY = "E0101"
# gunicorn configurations: the Makefile's (3 sync workers), more sync workers, and threads (which
# keep connections alive and overlap the database waits). Each is measured; the best is the headline.
SERVERS = {
    "sync": ["-w", str(WORKERS)],
    "sync6": ["-w", str(2 * WORKERS)],
    "gthread": ["-w", "2", "--worker-class", "gthread", "--threads", "16"],
}
DESCRIPTIONS = ["路边有一堆生活垃圾无人清运", "垃圾桶满溢，周围散落垃圾袋", "绿化带里被倾倒了生活垃圾", "小区门口堆着装修垃圾袋"]


def say(message: str = "") -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def dsn_url(dsn: str) -> str:
    parts = dict(item.split("=", 1) for item in dsn.split())
    return f"postgresql://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"


# -- set-up (in this process, through Django) -----------------------------------------------------


def prepare(var_dir: str) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connections
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from areas.models import Area
    from areas.resolver import get_index
    from cases.catalog import load_default_catalog

    begin = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - begin
    begin = time.perf_counter()
    call_command("load_demo", "--district", DISTRICT, *_only_areas(), "--accounts-file",
                 os.path.join(var_dir, "accounts.json"), stdout=open(os.devnull, "w"))  # noqa: SIM115
    load_default_catalog()
    load_s = time.perf_counter() - begin
    operator = User.objects.get(username="command")
    token, _ = Token.objects.get_or_create(user=operator)

    # points inside the district's grids (what the resolver places in a grid)
    index = get_index()
    rng = random.Random(7)
    grids = list(Area.objects.filter(district_code=DISTRICT, level="grid").values_list("id", "min_lon", "min_lat",
                                                                                       "max_lon", "max_lat"))
    points = []
    while len(points) < 2000:
        grid_id, x0, y0, x1, y1 = rng.choice(grids)
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if index.resolve(lon, lat) == grid_id:
            points.append((round(lon, 6), round(lat, 6), grid_id))
    sample = dict(category_id=_category_id(), grid_id=points[0][2])
    statements = _statements_per_case(token.key, points[0])
    connections.close_all()
    say(f"setup: migrate {migrate_s:.1f} s, demo district + catalog {load_s:.1f} s; operator token for "
        f"'{operator.username}' (district_command); {len(grids)} grids")
    say(f"one report in-process: {statements['total']} SQL statements ({statements['commits']} commits): "
        f"{statements['kinds']}")
    return {"token": token.key, "points": points, "sample": sample, "statements": statements}


def _only_areas() -> list[str]:
    """load_demo's options that leave out what it loads after the areas (cases, registry...)."""
    from django.core.management import load_command_class

    parser = load_command_class("areas", "load_demo").create_parser("manage.py", "load_demo")
    return [option for option in parser._option_string_actions if option.startswith("--no-") and option != "--no-color"]


def _statements_per_case(token: str, point) -> dict:
    """The SQL one API report runs (one request through Django's test client, queries captured)."""
    from collections import Counter

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    body = json.dumps({"category": CATEGORY, "lon": point[0], "lat": point[1], "description": DESCRIPTIONS[0],
                       "channel": "hotline_12345", "reporter_name": "王女士", "reporter_phone": "13900000000"})
    for _attempt in range(2):  # the first request warms the caches up (resolver index, translations)
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/cases/", data=body, content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Token {token}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/cases/ answered {response.status_code}: {response.content[:300]!r}")
    kinds = Counter()
    for query in queries.captured_queries:
        words = query["sql"].replace('"', "").split()
        verb = words[0].upper()
        table = next((words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in ("FROM", "INTO")), "")
        kinds[f"{verb} {table}".strip() if verb != "UPDATE" else f"UPDATE {words[1]}"] += 1
    return {"total": len(queries.captured_queries), "commits": kinds.get("COMMIT", 0),
            "kinds": dict(kinds.most_common())}


def _category_id() -> int:
    from cases.models import Category

    return Category.objects.get(code=CATEGORY).pk


# -- the server -----------------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(name: str, url: str, var_dir: str):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0", GRIDGOV_VAR_DIR=var_dir, LOG_LEVEL="ERROR")
    env.pop("GRIDGOV_PROFILE", None)
    command = [str(ROOT / ".venv/bin/gunicorn"), "gridgov.wsgi:application", "-b", f"127.0.0.1:{port}",
               *SERVERS[name], "--log-level", "warning"]
    log = open(os.path.join(var_dir, f"gunicorn-{name}.log"), "w")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = asyncio.run(_get(port, "/api/categories/"))
                if status in (200, 401, 403):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"gunicorn did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.2)
        yield port, " ".join(["gunicorn", "gridgov.wsgi:application", *SERVERS[name]])
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# -- the clients ----------------------------------------------------------------------------------


async def _read_response(reader) -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = await reader.read()
    return status, headers, body


async def _get(port: int, path: str):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    status, headers, body = await _read_response(reader)
    writer.close()
    return status, body


class Client:
    """One client: a connection kept open while the server allows it; a request that meets a
    connection the server closed meanwhile is sent again (safe: it carries an idempotency key)."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.reader = self.writer = None
        self.connects = 0

    async def post(self, path: str, payload: dict, key: str) -> tuple[int, bytes]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAuthorization: Token {self.token}\r\n"
                   f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        for attempt in range(3):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.connects += 1
            try:
                self.writer.write(request)
                await self.writer.drain()
                status, headers, data = await _read_response(self.reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if fresh or attempt == 2:
                    raise
                continue
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status, data
        raise RuntimeError("unreachable")

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _fire(port: int, token: str, points, count: int, clients: int, seed: int,
                rate: float | None = None) -> dict:
    """Send `count` reports over `clients` connections: back to back (closed loop), or, with
    `rate`, each at its scheduled time n / rate (open loop); then a request's latency runs from its
    scheduled time, so time spent waiting for a free client counts too."""
    rng = random.Random(seed)
    jobs = asyncio.Queue()
    for n in range(count):
        lon, lat, _grid = points[rng.randrange(len(points))]
        payload = {"category": CATEGORY, "lon": lon, "lat": lat, "description": rng.choice(DESCRIPTIONS),
                   "channel": "hotline_12345", "reporter_name": "王女士",
                   "reporter_phone": f"139{rng.randrange(10**8):08d}"}
        jobs.put_nowait((n, payload, str(uuid.uuid4())))
    latencies, statuses, errors = [], {}, []
    connects = 0

    async def worker():
        nonlocal connects
        client = Client(port, token)
        while True:
            try:
                n, payload, key = jobs.get_nowait()
            except asyncio.QueueEmpty:
                break
            begin = time.perf_counter()
            if rate:
                scheduled = started + n / rate
                if scheduled > begin:
                    await asyncio.sleep(scheduled - begin)
                begin = scheduled
            try:
                status, body = await client.post("/api/cases/", payload, key)
            except Exception as exc:  # counted, not fatal
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - begin)
            statuses[status] = statuses.get(status, 0) + 1
            if status != 201 and len(errors) < 5:
                errors.append(f"HTTP {status}: {body[:300].decode(errors='replace')}")
        connects += client.connects
        client.close()

    started = begin = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - begin
    return {"wall_s": wall, "latencies": latencies, "statuses": statuses, "errors": errors, "connects": connects}


def run_server(name: str, url: str, var_dir: str, setup: dict, rate: float | None = None) -> dict:
    with gunicorn(name, url, var_dir) as (port, label):
        if rate:
            label = f"{label}, open loop at {rate:.0f} reports/s"
        warm = asyncio.run(_fire(port, setup["token"], setup["points"], WARMUP, CLIENTS, seed=1))
        if warm["statuses"].get(201, 0) == 0:
            raise RuntimeError(f"{label}: no case created in the warm-up: {warm['errors'][:3]}")
        pg_port = int(url.rsplit(":", 1)[1].split("/")[0])
        cpu_before = _cpu_seconds(port, pg_port)
        run = asyncio.run(_fire(port, setup["token"], setup["points"], REQUESTS, CLIENTS,
                                seed=(hash(name) + int(rate or 0)) & 0xFFFF, rate=rate))
        cpu = {k: round(v - cpu_before.get(k, 0), 1) for k, v in _cpu_seconds(port, pg_port).items()}
    ms = [x * 1000 for x in run["latencies"]]
    created = run["statuses"].get(201, 0)
    result = {
        "server": label,
        "requests": REQUESTS,
        "created": created,
        "statuses": {str(k): v for k, v in sorted(run["statuses"].items())},
        "errors": len(run["errors"]) and run["errors"][:3],
        "wall_s": round(run["wall_s"], 2),
        "cases_per_s": round(created / run["wall_s"], 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
        "connections": run["connects"],
        "cpu_s": cpu,
        "cpu_ms_per_case": {k: round(v * 1000 / max(created, 1), 1) for k, v in cpu.items()},
    }
    say(f"{label}: {created:,}/{REQUESTS:,} created in {run['wall_s']:.1f} s → {result['cases_per_s']:,.1f} "
        f"cases/s; latency p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; "
        f"{run['connects']} connections; CPU s during the run {cpu}")
    if run["errors"]:
        say(f"  errors: {run['errors'][:3]}")
    return result


def _cpu_seconds(gunicorn_port: int, pg_port: int) -> dict:
    """CPU seconds used so far by this run's gunicorn (by its port), this run's PostgreSQL (its
    postmaster and the postmaster's children) and this process, from /proc: other programs on the
    machine are left out."""
    ticks = os.sysconf("SC_CLK_TCK")
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        own = (int(fields[11]) + int(fields[12])) / ticks
        reaped = (int(fields[13]) + int(fields[14])) / ticks  # children that exited (backends closed)
        procs[int(entry)] = (int(fields[1]), own, cmdline, reaped)
    postmasters = {pid for pid, (_pp, _s, cmd, _r) in procs.items()
                   if "postgres" in cmd and f" -p {pg_port} " in f"{cmd} "}
    totals = {"gunicorn": 0.0, "postgres": 0.0, "client": 0.0}
    for pid, (ppid, seconds, cmdline, reaped) in procs.items():
        if pid == os.getpid():
            totals["client"] += seconds
        elif "gunicorn" in cmdline and f"127.0.0.1:{gunicorn_port}" in cmdline:
            totals["gunicorn"] += seconds + reaped
        elif pid in postmasters:
            totals["postgres"] += seconds + reaped
        elif ppid in postmasters:
            totals["postgres"] += seconds
    return totals


# -- baseline -------------------------------------------------------------------------------------


def raw_inserts(dsn: str, setup: dict, count: int) -> dict:
    """Single-row INSERTs of rows like the API's into cases_case: one connection, autocommit."""
    import psycopg

    sample = setup["sample"]
    with psycopg.connect(dsn, autocommit=True) as conn:
        owner = conn.execute("SELECT id FROM areas_area WHERE code = %s", (DISTRICT,)).fetchone()[0]
        columns, row = _case_row(sample["category_id"], sample["grid_id"], owner)
        sql = (f"INSERT INTO cases_case ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608
               "RETURNING id")
        cur = conn.cursor()
        index = {c: i for i, c in enumerate(columns)}
        latencies = []
        rng = random.Random(3)
        begin = time.perf_counter()
        for n in range(count):
            values = list(row)
            values[index["tracking_code"]] = uuid.uuid4().hex[:10].upper()
            values[index["number"]] = f"R{n:010d}{rng.randrange(10**6):06d}"[:20]
            lon, lat, grid_id = setup["points"][n % len(setup["points"])]
            values[index["lon"]], values[index["lat"]], values[index["grid_id"]] = lon, lat, grid_id
            start = time.perf_counter()
            cur.execute(sql, values, prepare=True)
            cur.fetchone()
            latencies.append(time.perf_counter() - start)
        wall = time.perf_counter() - begin
    ms = [x * 1000 for x in latencies]
    result = {"rows_per_s": round(count / wall, 1), "p50_ms": round(percentile(ms, 50), 3),
              "p95_ms": round(percentile(ms, 95), 3)}
    say(f"baseline: {count:,} single-row INSERTs into cases_case (autocommit, prepared) in {wall:.2f} s → "
        f"{result['rows_per_s']:,.0f} rows/s; p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    return result


def _case_row(category_id: int, grid_id: int, owner_id: int) -> tuple[list[str], list]:
    """Every column of cases_case but id, with the values an API report would have."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    values = {
        "tracking_code": "", "number": "", "category_id": category_id, "description": DESCRIPTIONS[0],
        "address": "", "lon": 0.0, "lat": 0.0, "grid_id": grid_id, "area_path": "/1/", "district_code": DISTRICT,
        "channel": "hotline_12345", "external_id": "", "reporter_id": None, "reporter_name": "王女士",
        "reporter_phone": "gAAAAAB" + "x" * 93, "state": "reported", "state_before_suspension": "",
        "owner_area_id": owner_id, "owner_level": "district", "resolved_level": "", "self_resolved": False,
        "merged_into_id": None, "step_started_at": now, "warn_at": now + dt.timedelta(hours=1),
        "due_at": now + dt.timedelta(hours=1), "handle_due_at": None, "warned_at": None, "overdue_at": None,
        "review_on": None, "accepted_at": None, "filed_at": None, "dispatched_at": None, "handled_at": None,
        "closed_at": None, "closed_on_time": None, "escalation_count": 0, "rework_count": 0, "return_count": 0,
        "extension_count": 0, "dispatch_count": 0, "reopen_count": 0, "rating": None, "rating_comment": "",
        "rated_at": None, "rating_reopened": False, "version": 1, "created_at": now, "updated_at": now,
    }
    from cases.models import Case

    columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    missing = set(columns) - set(values)
    if missing:
        raise RuntimeError(f"bench/case_intake.py does not know the new columns {sorted(missing)}")
    return columns, [values[c] for c in columns]


# -- main -----------------------------------------------------------------------------------------


def main() -> int:
    started = time.perf_counter()
    load_before = round(os.getloadavg()[0], 1)
    say(f"case_intake{' (QUICK)' if QUICK else ''}: {REQUESTS:,} POST /api/cases/ per server configuration, "
        f"{CLIENTS} concurrent clients, {os.cpu_count()} CPU cores shared by clients, gunicorn and PostgreSQL "
        f"(load average {load_before} before starting)")
    results, baseline, error = {}, None, None
    settings = production_settings()
    say("PostgreSQL settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()))
    with tempfile.TemporaryDirectory(prefix="intake.") as var_dir, throwaway_postgres(settings=settings) as dsn:
        url = dsn_url(dsn)
        os.environ.update(DATABASE_URL=url, DEBUG="0", GRIDGOV_VAR_DIR=var_dir, LOG_LEVEL="ERROR")
        os.environ.pop("GRIDGOV_PROFILE", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
        setup = prepare(var_dir)
        for name in SERVERS:
            try:
                results[name] = run_server(name, url, var_dir, setup)
            except Exception as exc:
                error = f"{name}: {type(exc).__name__}: {exc}"
                say(f"FAILED — {error}")
        paced = None
        if results:
            # latency when the server is not saturated: the best configuration, open loop at 70 % of
            # the throughput it reached (with 50 clients back to back, latency is mostly queueing)
            best_name = max(results, key=lambda n: results[n]["cases_per_s"])
            try:
                paced = run_server(best_name, url, var_dir, setup, rate=0.7 * results[best_name]["cases_per_s"])
            except Exception as exc:
                say(f"FAILED — open loop: {type(exc).__name__}: {exc}")
        baseline = raw_inserts(dsn, setup, REQUESTS)
        import psycopg

        with psycopg.connect(dsn) as conn:
            total = conn.execute("SELECT count(*) FROM cases_case WHERE number NOT LIKE 'R%%'").fetchone()[0]
        say(f"cases in the database made through the API: {total:,} (warm-ups included)")

    if not results:
        print(json.dumps({"bench": "case_intake", "quick": QUICK, "error": error}), flush=True)
        return 1
    best = max(results.values(), key=lambda r: r["cases_per_s"])
    # throughput from the closed loop; latency from the open loop, where the server keeps up (with
    # 50 requests always in flight, closed-loop latency is 50 / throughput whatever the server does)
    latency = paced or best
    met = best["cases_per_s"] >= TARGET_CASES_PER_S and latency["p95_ms"] <= TARGET_P95_MS
    say(f"targets: ≥ {TARGET_CASES_PER_S} cases/s ({best['cases_per_s']}, closed loop), p95 ≤ {TARGET_P95_MS} ms "
        f"({latency['p95_ms']}, {'open loop' if paced else 'closed loop'}): {'met' if met else 'NOT met'}")
    result = {
        "bench": "case_intake",
        "quick": QUICK,
        "requests": REQUESTS,
        "cases_per_s": best["cases_per_s"],
        "p50_ms": best["p50_ms"],
        "p95_ms": best["p95_ms"],
        "p99_ms": best["p99_ms"],
        "clients": CLIENTS,
        "server": best["server"],
        "channel": "hotline_12345 (operator token, JSON)",
        "servers": {name: {k: v for k, v in r.items() if k != "server"} | {"server": r["server"]}
                    for name, r in results.items()},
        "open_loop": ({k: paced[k] for k in ("server", "cases_per_s", "p50_ms", "p95_ms", "p99_ms")}
                      if paced else None),
        "baseline": "raw_insert",
        "baseline_rows_per_s": baseline["rows_per_s"] if baseline else None,
        "baseline_p95_ms": baseline["p95_ms"] if baseline else None,
        "baseline_p50_ms": baseline["p50_ms"] if baseline else None,
        "targets": {"cases_per_s": TARGET_CASES_PER_S, "p95_ms": TARGET_P95_MS},
        "targets_met": met,
        "sql_per_case": setup["statements"]["total"],
        "commits_per_case": setup["statements"]["commits"],
        "cpu_cores": os.cpu_count(),
        "load_average_before": load_before,
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    if error:
        result["error"] = error
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

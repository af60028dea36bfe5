"""bench resident_search: the one search box over 1,000,000 residents on PostgreSQL, as a street
officer (scope: one street), p95 < 50 ms per kind of key, side by side with raw SQL.

Set-up: a throwaway PostgreSQL cluster (bench/_pg.py, server defaults), `manage.py migrate`, the
demo district 淇滨区 (load_demo --no-cases --no-registry), then N residents made by the demo
registry's generator (registry/demo.py: households, dwellings, estates; names, pinyin, synthetic
id numbers and phones) and written with COPY, then ANALYZE. The blind indexes (id number, its last
4, phone, phone tail) are the real per-row HMACs the application computes (Person.set_id_number /
set_phone). The encrypted columns hold real Fernet tokens from a pool of 1,000 (encrypting 2
million values would take minutes and the search never decrypts). A user with the street_officer
role on the district's most populous street (created with accounts.actions) searches.

Queries, a few hundred of each kind, drawn from residents of that street:

* name           surname + first given character, e.g. 张晓 (text, two characters: a name prefix)
* full_name      a resident's whole name of three characters or more, e.g. 张晓明 (text: anywhere in
                 the name or the address, trigram indexes)
* pinyin_initials a resident's initials, e.g. zxm
* pinyin         full pinyin of surname + first given character, e.g. zhangxiao
* id_number      a full identity card number (blind index)
* phone_tail     the last 4 digits of a phone (blind index of the tail)

Ours: registry.search.search_people(user, q, audit=True), as in production (scope resolution,
the ORM query with select_related, the audit row). Baseline in the same run: the equivalent raw
SQL (same WHERE, same street prefix on area_path, the same joins, ORDER BY lower(name), id LIMIT 50)
through one psycopg cursor, over the same queries. p50/p95 per kind, EXPLAIN ANALYZE of a
typical query of each kind.

Sizes: 1,000,000 residents, 300 queries per kind; QUICK=1: 100,000 and 100.

Human-readable lines first, then one JSON line: {"bench": "resident_search", ...}.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._pg import throwaway_postgres  # noqa: E402

QUICK = os.environ.get("QUICK", "") not in ("", "0")
RESIDENTS = int(os.environ.get("SEARCH_RESIDENTS", "100000" if QUICK else "1000000"))
QUERIES = 100 if QUICK else 300
WARMUP = 20
TARGET_MS = 50
DISTRICT = "410611"
SEED = 20_261_122
KINDS = ("name", "full_name", "pinyin_initials", "pinyin", "id_number", "phone_tail")
POOL = 1000  # distinct Fernet tokens in the encrypted columns
COMMON_SURNAMES = "王李张刘陈杨黄赵吴周"


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


# -- set-up ---------------------------------------------------------------------------------------


def pooled_encryption():
    """Replace core.crypto.encrypt (used by the model setters) with a pool of real tokens."""
    from core import crypto

    real = crypto.encrypt
    pool = [real(f"bench-{i:06d}") for i in range(POOL)]

    def encrypt(value: str) -> str:
        return pool[hash(value) % POOL] if value else ""

    crypto.encrypt = encrypt
    return real


def load(var_dir: str) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection, transaction

    from areas.models import Area
    from registry import demo
    from registry.models import Building, Dwelling, Estate, Household, Person

    begin = time.perf_counter()
    call_command("migrate", verbosity=0)
    devnull = open(os.devnull, "w")  # noqa: SIM115
    call_command("load_demo", "--district", DISTRICT, "--no-cases", "--no-registry", "--accounts-file",
                 os.path.join(var_dir, "accounts.json"), stdout=devnull)
    setup_s = time.perf_counter() - begin

    begin = time.perf_counter()
    real_encrypt = pooled_encryption()
    district = Area.objects.get(code=DISTRICT)
    generator = demo.build(district, RESIDENTS, seed=SEED, keep_every=7)
    from core import crypto

    crypto.encrypt = real_encrypt
    generate_s = time.perf_counter() - begin
    say(f"setup: migrate + demo district {setup_s:.1f} s; {RESIDENTS:,} residents generated in {generate_s:.1f} s "
        f"({len(generator.households):,} households, {len(generator.dwellings):,} dwellings)")

    begin = time.perf_counter()
    tables = [generator.estates, generator.buildings, generator.dwellings, generator.households, generator.people]
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor:
            for table in tables:
                fields, defaults = demo._columns(table)  # the generator's columns, then any others' defaults
                columns = ", ".join(f'"{f.column}"' for f in fields)
                with cursor.copy(f'COPY "{table.model._meta.db_table}" ({columns}) FROM STDIN') as copy:
                    for row in table.rows:
                        copy.write_row((*row, *defaults) if defaults else row)
        demo._reset_sequences([Estate, Building, Dwelling, Household, Person])
    copy_s = time.perf_counter() - begin
    begin = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    analyze_s = time.perf_counter() - begin
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('registry_person')), "
                       "pg_size_pretty(pg_relation_size('registry_person'))")
        total, heap = cursor.fetchone()
    say(f"load: COPY {sum(len(t) for t in tables):,} rows in {copy_s:.1f} s, ANALYZE {analyze_s:.1f} s; "
        f"registry_person {heap} heap, {total} with its indexes")
    return {"generator": generator, "setup_s": setup_s, "generate_s": generate_s, "copy_s": copy_s}


def street_officer():
    """A street officer of the district's most populous street (accounts.actions)."""
    from accounts.actions import create_user, grant_role
    from accounts.choices import Role
    from areas.models import Area
    from registry.models import Person

    streets = list(Area.objects.filter(district_code=DISTRICT, level="street"))
    counts = {s.pk: Person.objects.filter(area_path__startswith=s.path).count() for s in streets}
    street = max(streets, key=lambda s: counts[s.pk])
    user = create_user(None, username="bench_street_officer", password=None, full_name="街道干部")
    grant_role(None, user=user, role=Role.STREET_OFFICER, area=street)
    return user, street, counts[street.pk]


def make_queries(generator, street, rng: random.Random) -> dict[str, list[str]]:
    from pypinyin import lazy_pinyin

    rows = generator.people.rows
    fields = generator.people.fields
    at = {name: fields.index(name) for name in ("id", "area_path", "name", "name_initials")}
    in_street = [row for row in rows if row[at["area_path"]].startswith(street.path)]
    kept = [(pk, *generator.kept[pk]) for pk in (row[0] for row in in_street) if pk in generator.kept]
    common = [row for row in in_street if row[at["name"]][0] in COMMON_SURNAMES and len(row[at["name"]]) >= 2]
    queries: dict[str, list[str]] = {kind: [] for kind in KINDS}
    total = QUERIES + WARMUP
    for row in rng.sample(common, total):
        name = row[at["name"]]
        queries["name"].append(name[:2])
    long_names = [row for row in in_street if len(row[at["name"]]) >= 3]
    for row in rng.sample(long_names, total):
        queries["full_name"].append(row[at["name"]])
        queries["pinyin"].append("".join(lazy_pinyin(name[:2])).lower())
    for row in rng.sample(in_street, total):
        queries["pinyin_initials"].append(row[at["name_initials"]])
    for _pk, number, _phone in rng.sample(kept, total):
        queries["id_number"].append(number)
    with_phone = [phone for _pk, _number, phone in kept if phone]
    for phone in rng.sample(with_phone, total):
        queries["phone_tail"].append(phone[-4:])
    return queries


# -- the searches ---------------------------------------------------------------------------------

RAW_SQL = (
    "SELECT p.id, p.name, p.gender, p.birth_date, p.relation, p.address_text, p.id_number_enc, p.phone_enc, "
    "g.name, d.address FROM registry_person p JOIN areas_area g ON g.id = p.grid_id "
    "LEFT JOIN registry_dwelling d ON d.id = p.dwelling_id "
    "WHERE p.area_path LIKE %s AND p.moved_out_on IS NULL AND ({condition}) ORDER BY {order} LIMIT 50"
)
ORDER = "lower(p.name), p.id"  # as registry/search.py: matches first, then a sort of the few
# What registry/search.py asks for each kind of key (kept in step with it by hand; the run checks
# that both return as many rows).
CONDITIONS = {
    "name": "p.name LIKE %s",
    "full_name": "p.name LIKE %s OR p.address_text LIKE %s",
    "id_number": "p.id_number_index = %s",
    "phone_tail": "p.phone_tail_index = %s OR p.address_text LIKE %s",
}
def raw_params(kind: str, query: str, prefix: str) -> tuple:
    from core import crypto

    if kind == "name":
        return (prefix, f"{query}%")
    if kind == "full_name":
        return (prefix, f"%{query}%", f"%{query}%")
    if kind in ("pinyin", "pinyin_initials"):
        end = query[:-1] + chr(ord(query[-1]) + 1)
        return (prefix, query, end, prefix, query, end)
    if kind == "id_number":
        return (prefix, crypto.blind_index(f"id:{query.upper()}"))
    return (prefix, crypto.blind_index(f"tail:{query}"), f"%{query}%")


def time_ours(user, queries: list[str], kind: str, audit: bool = True) -> tuple[list[float], list[int]]:
    from registry.search import search_people

    for q in queries[:WARMUP]:
        search_people(user, q, audit=audit)
    times, counts = [], []
    for q in queries[WARMUP:]:
        begin = time.perf_counter()
        found_kind, results = search_people(user, q, audit=audit)
        times.append((time.perf_counter() - begin) * 1000)
        counts.append(len(results))
        expected = "text" if kind in ("name", "full_name") else "pinyin" if kind.startswith("pinyin") else kind
        if found_kind != expected:
            raise RuntimeError(f"{q!r} was searched as {found_kind}, not {expected}")
    return times, counts


# Latin keys (registry/search.py _by_pinyin): the first page of each index walk in pinyin order —
# the pinyin prefix as a range on name_pinyin, the initials as a range on name_initials — merged.
PINYIN_BRANCH = (
    "(SELECT id, name_pinyin FROM registry_person WHERE area_path LIKE %s AND moved_out_on IS NULL "
    "AND {column} >= %s AND {column} < %s ORDER BY {order}, id LIMIT 50)"
)
PINYIN_SQL = (
    "SELECT p.id, p.name, p.gender, p.birth_date, p.relation, p.address_text, p.id_number_enc, p.phone_enc, "
    "g.name, d.address FROM registry_person p JOIN areas_area g ON g.id = p.grid_id "
    "LEFT JOIN registry_dwelling d ON d.id = p.dwelling_id WHERE p.id IN (SELECT id FROM ("
    + PINYIN_BRANCH.format(column="name_pinyin", order="name_pinyin") + " UNION "
    + PINYIN_BRANCH.format(column="name_initials", order="lower(name_pinyin)")
    + ") first ORDER BY name_pinyin, id LIMIT 50) ORDER BY p.name_pinyin, p.id"
)


def raw_sql(kind: str, condition: str | None = None, order: str = ORDER) -> str:
    if kind in ("pinyin", "pinyin_initials") and condition is None:
        return PINYIN_SQL
    return RAW_SQL.format(condition=condition or CONDITIONS[kind], order=order)


def time_raw(cursor, queries: list[str], kind: str, prefix: str, condition: str | None = None,
             params=None, order: str = ORDER) -> tuple[list[float], list[int]]:
    sql = raw_sql(kind, condition, order)
    params = params or (lambda q: raw_params(kind, q, prefix))
    for q in queries[:WARMUP]:
        cursor.execute(sql, params(q), prepare=False)
        cursor.fetchall()
    times, counts = [], []
    for q in queries[WARMUP:]:
        params_q = params(q)
        begin = time.perf_counter()
        cursor.execute(sql, params_q, prepare=False)
        rows = cursor.fetchall()
        times.append((time.perf_counter() - begin) * 1000)
        counts.append(len(rows))
    return times, counts


def explain(cursor, sql: str, params=None) -> list[str]:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params, prepare=False)
    return [row[0] for row in cursor.fetchall()]


def orm_sql(user, query: str) -> str:
    """The SQL search_people runs for this query (captured, parameters inlined)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.search import search_people

    with CaptureQueriesContext(connection) as captured:
        search_people(user, query, audit=False)
    selects = [q["sql"] for q in captured.captured_queries if "registry_person" in q["sql"]
               and q["sql"].lstrip().upper().startswith("SELECT")]
    return selects[-1]


def summarize_plan(lines: list[str]) -> str:
    keep = [line.strip() for line in lines if "->" in line or line.strip().startswith(("Limit", "Sort",
                                                                                           "Execution", "Planning"))]
    return " | ".join(keep[:12])


def main() -> int:
    started = time.perf_counter()
    say(f"resident_search{' (QUICK)' if QUICK else ''}: {RESIDENTS:,} residents, {QUERIES} queries per kind, "
        f"scope: one street, target p95 < {TARGET_MS} ms")
    var_dir = tempfile.mkdtemp(prefix="bench-search.")
    with throwaway_postgres() as dsn:
        os.environ["DATABASE_URL"] = dsn_url(dsn)
        os.environ["GRIDGOV_VAR_DIR"] = var_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
        os.environ.pop("GRIDGOV_PROFILE", None)
        info = load(var_dir)
        generator = info.pop("generator")
        user, street, in_scope = street_officer()
        say(f"scope: {street.name} ({street.code}), {in_scope:,} residents of {RESIDENTS:,}; user "
            f"{user.username} (street_officer)")
        queries = make_queries(generator, street, random.Random(SEED))
        del generator

        import psycopg
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
        prefix = street.path + "%"
        results: dict[str, dict] = {}
        with psycopg.connect(dsn, autocommit=True) as raw:
            cursor = raw.cursor()
            for kind in KINDS:
                ours, ours_n = time_ours(user, queries[kind], kind)
                quiet, _ = time_ours(user, queries[kind], kind, audit=False)
                base, base_n = time_raw(cursor, queries[kind], kind, prefix)
                differ = sum(a != b for a, b in zip(ours_n, base_n, strict=True))
                results[kind] = {
                    "p50": statistics.median(ours), "p95": percentile(ours, 95), "max": max(ours),
                    "quiet_p50": statistics.median(quiet), "quiet_p95": percentile(quiet, 95),
                    "base_p50": statistics.median(base), "base_p95": percentile(base, 95),
                    "hits": statistics.mean(ours_n), "full": sum(n == 50 for n in ours_n) / len(ours_n),
                    "slowest": queries[kind][WARMUP + max(range(len(ours)), key=ours.__getitem__)],
                }
                r = results[kind]
                say(f"{kind:>15}: ours p50 {r['p50']:6.1f} ms, p95 {r['p95']:6.1f} ms (max {r['max']:.0f}; without "
                    f"the audit row p50 {r['quiet_p50']:.1f}, p95 {r['quiet_p95']:.1f}) | raw SQL p50 "
                    f"{r['base_p50']:6.1f} ms, p95 {r['base_p95']:6.1f} ms | {r['hits']:.1f} results on average, "
                    f"{r['full']:.0%} hit the limit of 50 | e.g. {queries[kind][WARMUP]!r}")
                if differ:
                    say(f"{'':>15}  WARNING: {differ} queries returned a different number of rows from the raw "
                        "SQL: registry/search.py changed, update CONDITIONS")
            say("")
            for kind in KINDS:
                q = queries[kind][WARMUP]
                plan = explain(cursor, orm_sql(user, q))
                say(f"EXPLAIN ours {kind} ({q!r}): {summarize_plan(plan)}")
                plan = explain(cursor, raw_sql(kind), raw_params(kind, q, prefix))
                say(f"EXPLAIN raw  {kind}: {summarize_plan(plan)}")
                q = results[kind]["slowest"]
                plan = explain(cursor, orm_sql(user, q))
                say(f"EXPLAIN ours {kind}, the slowest query ({q!r}): {summarize_plan(plan)}")
            if os.environ.get("SEARCH_PLANS"):
                for kind in KINDS:
                    say(f"\n-- full plan, ours, {kind}:\n" + "\n".join(explain(cursor, orm_sql(user,
                                                                                          queries[kind][WARMUP]))))
    met = all(r["p95"] < TARGET_MS for r in results.values())
    say(f"\ntarget p95 < {TARGET_MS} ms for every kind: {'met' if met else 'NOT met'} ({version})")
    result = {
        "bench": "resident_search",
        "quick": QUICK,
        "residents": RESIDENTS,
        "scope": "street",
        "scope_residents": in_scope,
        "queries_per_kind": QUERIES,
        "audit": True,
        "p50_ms": {k: round(r["p50"], 2) for k, r in results.items()},
        "p95_ms": {k: round(r["p95"], 2) for k, r in results.items()},
        "baseline": "raw_sql",
        "baseline_p50_ms": {k: round(r["base_p50"], 2) for k, r in results.items()},
        "baseline_p95_ms": {k: round(r["base_p95"], 2) for k, r in results.items()},
        "p95_ms_without_audit": {k: round(r["quiet_p95"], 2) for k, r in results.items()},
        "target_ms": TARGET_MS,
        "targets_met": met,
        "postgres": version,
        "load_s": round(info["generate_s"] + info["copy_s"], 1),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

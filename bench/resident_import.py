"""bench resident_import: 100,000 residents from one .xlsx file, target < 60 s and < 500 MB peak.

Set-up (a child process): `manage.py migrate` into a temporary GRIDGOV_VAR_DIR, the demo district
(load_demo --no-cases), a system administrator of the district (registry.change everywhere in it),
and the file: written with openpyxl in write-only mode (as openpyxl writes it: inline strings and
no leading <dimension>, the slow case for openpyxl's own reader), synthetic residents in households
of 1-4 (head, spouse, children...) spread over the district's grids, each household in its own
dwelling (address, unit, room), 70 % with a phone. Identity card numbers are synthetic with valid
check digits, their region codes valid in their birth years (python-stdnum checks the birth place
against the year); names drawn from common surnames and given-name characters.

The import (another child process, so that its peak memory is the import's): one ImportJob run to
its end by registry.imports.run_import — the same function the background task calls — reading,
validating every row, encrypting and blind-indexing the documents and phones, creating the
residents with the dwellings and households they name, their residence history and the batch audit
rows. Files of PARALLEL_ROWS rows or more are read in a second process (registry.imports.reader_main)
while the first writes. Measured: wall time, CPU time of both processes, and peak memory: the peak
RSS of the writing process plus that of the reading process (getrusage ru_maxrss of each; their sum
is an upper bound of what the import held at once). Then the same file again (every row must be
skipped: imports are idempotent), timed too.

On SQLite (the embedded default), then on PostgreSQL (a throwaway cluster, bench/_pg.py) when its
server binaries are installed. Sizes: 100,000 rows; QUICK=1: 10,000.

Human-readable lines first, then one JSON line: {"bench": "resident_import", ...}.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUICK = os.environ.get("QUICK", "") not in ("", "0")
ROWS = int(os.environ.get("IMPORT_ROWS", "10000" if QUICK else "100000"))
DISTRICT = "410611"
TARGET_S = 60
TARGET_MB = 500
SEED = 20_261_121
USERNAME = "bench_admin"

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉晓东海燕鹏飞宇浩然子涵欣怡梓萱诺雨泽俊熙"
# region codes with the years python-stdnum accepts for them (checked while generating)
REGIONS = ("110101", "110102", "110105", "110108", "120101", "310104", "320102", "410102", "410105", "410611",
           "430102", "440103")
STATUSES = ("户籍人口",) * 12 + ("常住人口",) * 5 + ("流动人口",) * 3
MEMBERS = (("户主",), ("户主", "配偶"), ("户主", "配偶", "子女"), ("户主", "配偶", "子女", "子女"),
           ("户主", "子女"), ("户主", "配偶", "父母"))


def say(message: str = "") -> None:
    print(message, flush=True)


def dsn_url(dsn: str) -> str:
    parts = dict(item.split("=", 1) for item in dsn.split())
    return f"postgresql://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"


# -- the file -------------------------------------------------------------------------------------


def synthetic_ids(rng: random.Random):
    """Unique synthetic identity card numbers with valid check digits."""
    from stdnum.cn import ric

    valid_years: dict[str, list[int]] = {}
    for region in REGIONS:
        years = []
        for year in range(1935, 2021):
            try:
                ric.get_birth_place(f"{region}{year}01010000")
            except Exception:  # noqa: BLE001
                continue
            years.append(year)
        if years:
            valid_years[region] = years
    regions = sorted(valid_years)
    seen: set[str] = set()
    while True:
        region = rng.choice(regions)
        year = rng.choice(valid_years[region])
        born = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in seen:
            seen.add(number)
            yield number


def write_file(path: Path, rows: int, grids: list[tuple[str, str]]) -> dict:
    from openpyxl import Workbook

    from registry.imports import RESIDENT_COLUMNS

    rng = random.Random(SEED)
    ids = synthetic_ids(rng)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    headers = [c.header for c in RESIDENT_COLUMNS]
    sheet.append(headers)
    written = households = 0
    names: set[str] = set()
    while written < rows:
        code, grid_name = rng.choice(grids)
        households += 1
        building, unit, room = rng.randrange(1, 40), rng.randrange(1, 5), rng.randrange(101, 1802)
        address = f"{grid_name}幸福里{building}号楼"
        number = f"{code[-6:]}-{households:06d}"
        surname = rng.choice(SURNAMES)
        for relation in rng.choice(MEMBERS):
            if written >= rows:
                break
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            name = (surname if relation != "配偶" and relation != "父母" else rng.choice(SURNAMES)) + given
            names.add(name)
            phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.7 else ""
            values = {"姓名": name, "证件类型": "居民身份证", "证件号码": next(ids), "联系电话": phone,
                      "人口类型": rng.choice(STATUSES), "网格编码": code, "地址": address, "单元": str(unit),
                      "房号": str(room), "户号": number, "与户主关系": relation}
            sheet.append([values.get(h, "") for h in headers])
            written += 1
    workbook.save(path)
    return {"rows": written, "households": households, "distinct_names": len(names)}


# -- the child processes --------------------------------------------------------------------------


def child_setup(path: str) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.actions import create_user, grant_role
    from areas.models import Area

    begin = time.perf_counter()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", "--district", DISTRICT, "--no-cases", "--accounts-file",
                     str(Path(path).parent / "accounts.json"), stdout=devnull)
    district = Area.objects.get(code=DISTRICT, level="district")
    user = create_user(None, username=USERNAME, password="Bench-pass-2026!x", full_name="导入测试")
    grant_role(None, user=user, role="system_admin", area=district)
    setup_s = time.perf_counter() - begin
    grids = list(Area.objects.filter(district_code=DISTRICT, level="grid").values_list("code", "name"))
    begin = time.perf_counter()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    made = write_file(Path(path), ROWS, grids)
    return {"setup_s": setup_s, "write_s": time.perf_counter() - begin, "grids": len(grids),
            "bytes": Path(path).stat().st_size, **made}


def child_import(path: str) -> dict:
    import shutil

    import django

    django.setup()
    from accounts.models import User
    from core.models import AuditLog
    from registry.imports import create_job, run_import
    from registry.models import Dwelling, Household, Person

    user = User.objects.get(username=USERNAME)
    # a job's upload is deleted when it ends: each job gets a copy
    upload = Path(path).with_name("upload-1.xlsx")
    shutil.copy(path, upload)
    job = create_job(upload, "residents", user)
    cpu = os.times()
    begin = time.perf_counter()
    first = run_import(job.pk)
    seconds = time.perf_counter() - begin
    after = os.times()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reader_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    counts = {"people": Person.objects.count(), "dwellings": Dwelling.objects.count(),
              "households": Household.objects.count(),
              "audit_rows": AuditLog.objects.filter(action="registry.person.import").count()}
    # the same file again: every row is recognised and skipped
    audits = AuditLog.objects.count()
    upload = Path(path).with_name("upload-2.xlsx")
    shutil.copy(path, upload)
    again_job = create_job(upload, "residents", user)
    begin = time.perf_counter()
    again = run_import(again_job.pk)
    again_s = time.perf_counter() - begin
    return {"first": first, "seconds": seconds, "peak_rss_mb": peak_kb / 1024, "reader_rss_mb": reader_kb / 1024,
            "cpu_s": (after.user - cpu.user) + (after.system - cpu.system)
            + (after.children_user - cpu.children_user) + (after.children_system - cpu.children_system),
            "counts": counts, "again": again, "again_s": again_s,
            "again_new_audit_rows": AuditLog.objects.count() - audits, "again_people": Person.objects.count(),
            "peak_rss_mb_after_again": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(mode: str, path: str, env: dict) -> dict:
    command = [sys.executable, __file__, f"--{mode}", path]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_db(db: str, var_dir: str, url: str | None) -> dict:
    env = dict(os.environ, GRIDGOV_VAR_DIR=var_dir, MEDIA_ROOT=os.path.join(var_dir, "media"), DEBUG="0",
               LOG_LEVEL="ERROR", DJANGO_SETTINGS_MODULE="gridgov.settings")
    env.pop("GRIDGOV_PROFILE", None)
    env.pop("DATABASE_URL", None)
    if url:
        env["DATABASE_URL"] = url
    path = os.path.join(var_dir, "media", "imports", "residents.xlsx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    made = run_child("setup", path, env)
    say(f"{db}: migrate + demo district {made['setup_s']:.1f} s ({made['grids']} grids); file written in "
        f"{made['write_s']:.1f} s: {made['rows']:,} residents in {made['households']:,} households, "
        f"{made['distinct_names']:,} distinct names, {made['bytes'] / 1e6:.1f} MB")
    result = run_child("import", path, env)
    first, again = result["first"], result["again"]
    imported = first["created"] + first["updated"]
    total_mb = result["peak_rss_mb"] + result["reader_rss_mb"]
    say(f"{db}: import {first['status']}: {first['created']:,} created, {first['updated']:,} updated (synthetic "
        f"documents that the demo data happened to hold), {first['skipped']:,} skipped, {first['failed']:,} refused "
        f"in {result['seconds']:.1f} s ({imported / result['seconds']:,.0f} rows/s, {result['cpu_s']:.0f} CPU s over "
        f"both processes); peak RSS {result['peak_rss_mb']:.0f} MB (writer) + {result['reader_rss_mb']:.0f} MB "
        f"(reader) = {total_mb:.0f} MB; registry: {result['counts']}")
    say(f"{db}: the same file again: {again['skipped']:,} skipped, {again['created']} created, {again['updated']} "
        f"updated, {again['failed']} refused in {result['again_s']:.1f} s; {result['again_new_audit_rows']} new "
        f"audit row(s)")
    correct = (first["status"] == "done" and imported == made["rows"] and first["failed"] == 0
               and again["status"] == "done" and again["skipped"] == made["rows"]
               and again["created"] == again["updated"] == again["failed"] == 0
               and result["again_people"] == result["counts"]["people"] and result["again_new_audit_rows"] == 1)
    return {"rows": made["rows"], "seconds": round(result["seconds"], 2),
            "rows_per_s": round(made["rows"] / result["seconds"]), "peak_rss_mb": round(total_mb, 1),
            "writer_rss_mb": round(result["peak_rss_mb"], 1), "reader_rss_mb": round(result["reader_rss_mb"], 1),
            "cpu_s": round(result["cpu_s"], 1), "reimport_seconds": round(result["again_s"], 2),
            "correct": correct, "households": made["households"], "file_mb": round(made["bytes"] / 1e6, 1)}


def main() -> int:
    started = time.perf_counter()
    load_before = round(os.getloadavg()[0], 1)
    say(f"resident_import{' (QUICK)' if QUICK else ''}: {ROWS:,} residents from .xlsx; targets < {TARGET_S} s, "
        f"< {TARGET_MB} MB peak; {os.cpu_count()} CPU cores (load average {load_before} before starting)")
    results: dict[str, dict] = {}
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="import.") as tmp:
        try:
            results["sqlite"] = run_db("sqlite", os.path.join(tmp, "sqlite"), None)
        except Exception as exc:  # report what we have
            errors["sqlite"] = f"{type(exc).__name__}: {exc}"
            say(f"sqlite: FAILED — {errors['sqlite']}")
        if os.environ.get("IMPORT_PG", "1") != "0":
            try:
                from bench._pg import throwaway_postgres

                with throwaway_postgres() as dsn:
                    results["postgresql"] = run_db("postgresql", os.path.join(tmp, "pg"), dsn_url(dsn))
            except Exception as exc:
                errors["postgresql"] = f"{type(exc).__name__}: {exc}"
                say(f"postgresql: FAILED — {errors['postgresql']}")
    main_result = results.get("sqlite")
    if main_result is None:
        print(json.dumps({"bench": "resident_import", "quick": QUICK, "error": errors}), flush=True)
        return 1
    met = main_result["seconds"] < TARGET_S and main_result["peak_rss_mb"] < TARGET_MB and main_result["correct"]
    say(f"targets: < {TARGET_S} s ({main_result['seconds']}), < {TARGET_MB} MB ({main_result['peak_rss_mb']}), "
        f"every row imported once and skipped the second time ({main_result['correct']}): "
        f"{'met' if met else 'NOT met'}")
    result = {"bench": "resident_import", "quick": QUICK, **{k: main_result[k] for k in (
        "rows", "seconds", "rows_per_s", "peak_rss_mb")}, "target_s": TARGET_S, "target_mb": TARGET_MB, "db": "sqlite",
        "targets_met": met, "writer_rss_mb": main_result["writer_rss_mb"],
        "reader_rss_mb": main_result["reader_rss_mb"], "cpu_s": main_result["cpu_s"],
        "reimport_seconds": main_result["reimport_seconds"], "correct": main_result["correct"],
        "households": main_result["households"], "file_mb": main_result["file_mb"], "cpu_cores": os.cpu_count(),
        "load_average_before": load_before}
    if "postgresql" in results:
        pg = results["postgresql"]
        result["postgresql"] = {k: pg[k] for k in ("seconds", "rows_per_s", "peak_rss_mb", "writer_rss_mb",
                                                   "reader_rss_mb", "cpu_s", "reimport_seconds", "correct")}
        result["postgresql"]["targets_met"] = pg["seconds"] < TARGET_S and pg["peak_rss_mb"] < TARGET_MB
    if errors:
        result["errors"] = errors
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if met else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("--setup", "--import"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
        outcome = child_setup(sys.argv[2]) if sys.argv[1] == "--setup" else child_import(sys.argv[2])
        print(json.dumps(outcome, default=str), flush=True)
        sys.exit(0)
    sys.exit(main())

"""Re-measure the dashboard's year queries on a database that already holds the monthly rollup
(DATABASE_URL; not run by `make bench`). Used once on the 10,000,000-case database of
bench/dashboard.py after AreaMonthlyCount was added: areas_area and indicators_monthlycount
copied into a freshly migrated database, the area rows filled from them (fill_area_months, as the
rollup job and migration 0005 do), then for the district and its first street, for last year:
`counts(source="rollup")` (AreaMonthlyCount) against the same counts from the grid rows of
MonthlyCount (what bench/dashboard.py found equal to the raw GROUP BY over the case tables),
30 runs each, p50/p95 in milliseconds, and whether the two agree on every count.

Prints one JSON line {"bench": "dashboard_requery", ...} last.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUNS = 30


def p95(times):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.db import transaction

    from areas.models import Area
    from indicators.definitions import Period, ScopeFilter, counts
    from indicators.models import AreaMonthlyCount, MonthlyCount
    from indicators.rollups import fill_area_months

    begin = time.perf_counter()
    with transaction.atomic():
        written = fill_area_months(MonthlyCount, AreaMonthlyCount, Area)
    fill_s = time.perf_counter() - begin
    print(f"area rows: {written:,} from {MonthlyCount.objects.count():,} monthly grid rows in {fill_s:.1f} s", flush=True)
    year = Period.year(dt.date.today().year - 1)
    district = Area.objects.get(level="district")
    street = Area.objects.filter(level="street", parent=district).order_by("code").first()
    result = {"bench": "dashboard_requery", "area_rows": written, "fill_s": round(fill_s, 1), "year": year.label}
    for name, area in (("district", district), ("street", street)):
        figures = {}
        for source, scope in (("area_rows", ScopeFilter(area=area)), ("grid_rows", ScopeFilter(paths=(area.path,)))):
            times, found = [], None
            for _ in range(RUNS):
                t = time.perf_counter()
                found = counts(scope, year, source="rollup")
                times.append((time.perf_counter() - t) * 1000)
            figures[source] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95(times), 1),
                               "counts": found}
        agree = figures["area_rows"]["counts"] == figures["grid_rows"]["counts"]
        result[name] = {"area": area.name, "area_rows_p50_ms": figures["area_rows"]["p50_ms"],
                        "area_rows_p95_ms": figures["area_rows"]["p95_ms"],
                        "grid_rows_p50_ms": figures["grid_rows"]["p50_ms"],
                        "grid_rows_p95_ms": figures["grid_rows"]["p95_ms"], "agree": agree,
                        "reports": figures["area_rows"]["counts"]["reports"], "due": figures["area_rows"]["counts"]["due"]}
        print(f"{name} {area.name}, {year.label}: area rows p50 {result[name]['area_rows_p50_ms']} ms, "
              f"p95 {result[name]['area_rows_p95_ms']} ms; grid rows p50 {result[name]['grid_rows_p50_ms']} ms, "
              f"p95 {result[name]['grid_rows_p95_ms']} ms ({RUNS} runs each); {result[name]['reports']:,} reports, "
              f"{result[name]['due']:,} due; agree on every count: {agree}", flush=True)
    result["load_average"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""bench point_to_grid: points → grid over a synthetic district of 13,187 grids (娄底's count).

Our resolver (areas.resolver.AreaIndex, in memory) against PostgreSQL + PostGIS `ST_Contains` on
a GiST index, in the same run, over the same polygons and the same points:

* batch: `resolve_many` over N random points in the district's bounding box (best of 3) against
  one PostGIS query joining a table of the same points with the grids (best of up to 3);
* single lookups: `resolve(lon, lat)` against one prepared `SELECT … LIMIT 1` per point over a
  persistent connection, latency median and p99;
* correctness: a sample of our answers against brute force (shapely `intersects` on every grid
  whose box holds the point) and against PostGIS's.

The district: Voronoi cells of random seeds (half spread evenly, half around a few towns, so
urban grids are small and rural ones large) in a 40 km × 40 km square around 娄底 (112.0° E,
27.7° N), every shared edge bent the same way on both sides by 1-3 extra vertices, so the grids
are irregular, non-convex and still tile the district without gaps or overlaps.

Sizes: N = 2,000,000 points and 10,000 single lookups; QUICK=1: 200,000 and 2,000. PostgreSQL
and PostGIS come from apt (installed if missing) and run in a throwaway cluster (bench/_pg.py).

Human-readable lines first, then one JSON line: {"bench": "point_to_grid", ...}.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

import django  # noqa: E402

django.setup()

from areas.resolver import AreaIndex  # noqa: E402
from bench._pg import throwaway_postgres  # noqa: E402

QUICK = os.environ.get("QUICK", "") not in ("", "0")
GRIDS = 13_187  # 娄底市's grid count
GRID_DEPTH = 3  # district 0 → street 1 → community 2 → grid 3
POINTS = 200_000 if QUICK else 2_000_000
SINGLES = 2_000 if QUICK else 10_000
CHECKS = 20_000 if QUICK else 100_000
REPEATS = 3
BASELINE_BUDGET_S = 30 if QUICK else 240  # stop repeating the PostGIS batch past this
SEED = 20_250_601
LON0, LAT0, SIDE_KM = 112.0, 27.7, 40.0
TOWNS, TOWN_SHARE, TOWN_SIGMA_KM = 6, 0.5, 2.5
TARGET_POINTS_PER_S = 1_000_000
TARGET_SINGLE_RATIO = 10


def say(message: str = "") -> None:
    print(message, flush=True)


# -- the district ---------------------------------------------------------------------------------


def synthetic_district(grids: int = GRIDS, seed: int = SEED):
    """(polygons, (min_lon, min_lat, max_lon, max_lat)) of `grids` grids tiling the district."""
    rng = np.random.default_rng(seed)
    squeeze = math.cos(math.radians(LAT0))  # ground length of a degree of longitude / of latitude
    half_w = SIDE_KM / 2 / (111.32 * squeeze)
    half_h = SIDE_KM / 2 / 110.57
    bounds = (LON0 - half_w, LAT0 - half_h, LON0 + half_w, LAT0 + half_h)
    region = shapely.box(*bounds)

    towns = grids * TOWN_SHARE
    seeds = [np.c_[rng.uniform(bounds[0], bounds[2], grids - int(towns)),
                   rng.uniform(bounds[1], bounds[3], grids - int(towns))]]
    centres = np.c_[rng.uniform(LON0 - half_w * 0.7, LON0 + half_w * 0.7, TOWNS),
                    rng.uniform(LAT0 - half_h * 0.7, LAT0 + half_h * 0.7, TOWNS)]
    sigma = np.array([TOWN_SIGMA_KM / (111.32 * squeeze), TOWN_SIGMA_KM / 110.57])
    wanted = int(towns)
    while wanted:
        town = centres[rng.integers(0, TOWNS, wanted)] + rng.normal(size=(wanted, 2)) * sigma
        inside = ((town[:, 0] > bounds[0]) & (town[:, 0] < bounds[2])
                  & (town[:, 1] > bounds[1]) & (town[:, 1] < bounds[3]))
        seeds.append(town[inside])
        wanted -= int(inside.sum())
    seeds = np.concatenate(seeds)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=region))
    cells = shapely.intersection(cells, region)
    assert len(cells) == grids, len(cells)

    # Vertices shared by neighbouring cells are bit-identical: number them, then the edges.
    coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(cells), return_index=True)
    closing = np.r_[ring[1:] != ring[:-1], True]
    coords, ring = coords[~closing], ring[~closing]
    verts, vid = np.unique(coords, axis=0, return_inverse=True)
    vid = vid.ravel()
    first = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    following = np.arange(vid.size) + 1
    ends = np.r_[first[1:], vid.size] - 1
    following[ends] = first
    a, b = vid, vid[following]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    edge_keys, edge = np.unique(lo * len(verts) + hi, return_inverse=True)
    edge = edge.ravel()
    e_lo, e_hi = edge_keys // len(verts), edge_keys % len(verts)

    # 1-3 extra vertices per edge (more on longer edges), pushed sideways, tapering to the ends.
    ground = verts * [squeeze, 1.0]
    d = ground[e_hi] - ground[e_lo]
    length = np.hypot(d[:, 0], d[:, 1])
    extra = np.clip(np.round(length / np.median(length) * 1.5), 1, 3).astype(np.int64)
    start = np.cumsum(extra) - extra
    owner = np.repeat(np.arange(len(edge_keys)), extra)
    k = np.arange(owner.size) - start[owner]
    t = (k + 0.5 + rng.uniform(-0.3, 0.3, owner.size)) / extra[owner]
    push = rng.uniform(-0.16, 0.16, owner.size) * np.sin(np.pi * t)
    normal = np.c_[-d[owner, 1], d[owner, 0]]
    bent = ground[e_lo[owner]] + t[:, None] * d[owner] + push[:, None] * normal
    table = np.concatenate([verts, bent / [squeeze, 1.0]])

    straight = np.zeros(len(edge_keys), dtype=bool)
    forward = a == e_lo[edge]
    for _ in range(10):
        m = np.where(straight[edge], 0, extra[edge])  # extra vertices after each ring vertex
        count = 1 + m
        out_occ = np.repeat(np.arange(vid.size), count)
        q = np.arange(out_occ.size) - (np.cumsum(count) - count)[out_occ]
        mo, so = m[out_occ], start[edge[out_occ]]
        index = np.where(
            q == 0, vid[out_occ], len(verts) + so + np.where(forward[out_occ], q - 1, mo - q)
        )
        polygons = shapely.polygons(shapely.linearrings(table[index], indices=ring[out_occ]))
        invalid = np.flatnonzero(~shapely.is_valid(polygons))
        if not invalid.size:
            return polygons, bounds
        straight[edge[np.isin(ring, invalid)]] = True  # those grids keep straight edges
    raise RuntimeError("could not bend the grid edges into valid polygons")


# -- our resolver ---------------------------------------------------------------------------------


def brute_force(polygons, tree, xs, ys) -> np.ndarray:
    """Index (+1: the grid id) of the first grid intersecting each point, -1 for none."""
    which, grid = tree.query(shapely.points(xs, ys), predicate="intersects")
    result = np.full(len(xs), -1, dtype=np.int64)
    order = np.lexsort((grid, which))
    which, grid = which[order], grid[order]
    first = np.r_[True, which[1:] != which[:-1]]
    result[which[first]] = grid[first] + 1
    return result


def latencies_us(call, xs, ys) -> np.ndarray:
    clock = time.perf_counter_ns
    out = np.empty(len(xs))
    for n, (x, y) in enumerate(zip(xs, ys, strict=True)):
        begin = clock()
        call(x, y)
        out[n] = clock() - begin
    return out / 1000


def bench_ours(rows, polygons, xs, ys) -> dict:
    begin = time.perf_counter()
    index = AreaIndex(rows)
    build_s = time.perf_counter() - begin
    _, _, _, _, nx, ny, lattice = index.lattice
    dirty = float((lattice <= -2).mean())
    say(f"ours: index built in {build_s:.2f} s — lattice {nx}×{ny}, {dirty:.1%} of cells straddle a boundary, "
        f"{index.nbytes / 1e6:.1f} MB")

    index.resolve_many(xs[:10_000], ys[:10_000])  # warm up
    runs = []
    for _ in range(REPEATS):
        begin = time.perf_counter()
        found = index.resolve_many(xs, ys)
        runs.append(time.perf_counter() - begin)
    points_per_s = len(xs) / min(runs)
    say(f"ours: batch {len(xs):,} points: best {min(runs) * 1000:.0f} ms of "
        f"{', '.join(f'{r * 1000:.0f}' for r in runs)} → {points_per_s:,.0f} points/s")

    sx, sy = xs[:SINGLES].tolist(), ys[:SINGLES].tolist()
    latencies_us(index.resolve, sx[:200], sy[:200])  # warm up
    lat = latencies_us(index.resolve, sx, sy)
    singles = [index.resolve(x, y) for x, y in zip(sx, sy, strict=True)]
    single_agree = [-1 if s is None else s for s in singles] == found[:SINGLES].tolist()
    say(f"ours: single lookups ×{SINGLES:,}: p50 {np.median(lat):.2f} µs, p99 {np.percentile(lat, 99):.2f} µs, "
        f"{len(lat) / lat.sum() * 1e6:,.0f} lookups/s; same answers as the batch: {single_agree}")

    tree = shapely.STRtree(polygons)
    expected = brute_force(polygons, tree, xs[:CHECKS], ys[:CHECKS])
    agreement = float((expected == found[:CHECKS]).mean())
    say(f"ours: {agreement:.4%} of {CHECKS:,} points agree with brute force "
        f"({int((expected < 0).sum())} outside every grid)")
    return {
        "found": found,
        "build_s": build_s,
        "points_per_s": points_per_s,
        "single_p50": float(np.median(lat)),
        "single_p99": float(np.percentile(lat, 99)),
        "single_points_per_s": len(lat) / lat.sum() * 1e6,
        "agreement": agreement if single_agree else 0.0,
        "dirty": dirty,
        "index_mb": index.nbytes / 1e6,
    }


# -- PostGIS --------------------------------------------------------------------------------------

SINGLE_SQL = "SELECT id FROM grids WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) LIMIT 1"
BATCH_SQL = (
    "SELECT count(g.id), sum(g.id::bigint) FROM points p"
    " JOIN grids g ON ST_Contains(g.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))"
)
CHECK_SQL = (
    "SELECT p.i, g.id FROM points p"
    " JOIN grids g ON ST_Contains(g.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) WHERE p.i < %s"
)


def bench_postgis(polygons, xs, ys, found) -> dict:
    import psycopg

    # fsync off: the cluster is thrown away; it only speeds up loading.
    with throwaway_postgres(postgis=True, settings={"fsync": "off"}) as dsn, \
            psycopg.connect(dsn, autocommit=True) as conn:
        version = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
        conn.execute("CREATE EXTENSION postgis")
        postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        begin = time.perf_counter()
        conn.execute("CREATE TABLE grids (id integer PRIMARY KEY, geom geometry(Polygon, 4326) NOT NULL)")
        wkb = shapely.to_wkb(shapely.set_srid(polygons, 4326), hex=True, include_srid=True)
        with conn.cursor().copy("COPY grids (id, geom) FROM STDIN") as copy:
            for n, geometry in enumerate(wkb):
                copy.write_row((n + 1, geometry))
        conn.execute("CREATE INDEX grids_geom ON grids USING gist (geom)")
        conn.execute("VACUUM ANALYZE grids")
        load_s = time.perf_counter() - begin
        say(f"postgis: {version}, PostGIS {postgis}: {len(polygons):,} grids loaded and GiST-indexed "
            f"in {load_s:.2f} s")

        cur = conn.cursor()

        def lookup(x, y):
            cur.execute(SINGLE_SQL, (x, y), prepare=True)
            return cur.fetchone()

        sx, sy = xs[:SINGLES].tolist(), ys[:SINGLES].tolist()
        latencies_us(lookup, sx[:200], sy[:200])  # warm up, and the statement gets prepared
        lat = latencies_us(lookup, sx, sy)
        say(f"postgis: single lookups ×{SINGLES:,}: p50 {np.median(lat):.1f} µs, "
            f"p99 {np.percentile(lat, 99):.1f} µs, {len(lat) / lat.sum() * 1e6:,.0f} lookups/s")

        conn.execute("CREATE UNLOGGED TABLE points (i integer PRIMARY KEY, x float8 NOT NULL, y float8 NOT NULL)")
        with cur.copy("COPY points (i, x, y) FROM STDIN") as copy:
            for n, (x, y) in enumerate(zip(xs.tolist(), ys.tolist(), strict=True)):
                copy.write_row((n, x, y))
        conn.execute("VACUUM ANALYZE points")
        plan = [row[0] for row in conn.execute("EXPLAIN " + BATCH_SQL)]
        say("postgis: batch plan: " + " / ".join(line.strip() for line in plan if "->" in line or "Gather" in line))
        runs, spent = [], 0.0
        while len(runs) < REPEATS and (not runs or spent < BASELINE_BUDGET_S):
            begin = time.perf_counter()
            matched, _ = conn.execute(BATCH_SQL).fetchone()
            runs.append(time.perf_counter() - begin)
            spent += runs[-1]
        points_per_s = len(xs) / min(runs)
        ours_matched = int((found >= 0).sum())
        say(f"postgis: batch {len(xs):,} points: best {min(runs):.2f} s of "
            f"{', '.join(f'{r:.2f}' for r in runs)} → {points_per_s:,.0f} points/s "
            f"({matched:,} in a grid; ours {ours_matched:,})")

        theirs = np.full(CHECKS, -1, dtype=np.int64)
        for i, grid in conn.execute(CHECK_SQL, (CHECKS,)):
            theirs[i] = grid
        agreement = float((theirs == found[:CHECKS]).mean())
        say(f"postgis: {agreement:.4%} of {CHECKS:,} points get the same grid as ours")
    return {
        "version": f"{version}, PostGIS {postgis}",
        "load_s": load_s,
        "points_per_s": points_per_s,
        "single_p50": float(np.median(lat)),
        "single_p99": float(np.percentile(lat, 99)),
        "single_points_per_s": len(lat) / lat.sum() * 1e6,
        "agreement": agreement,
        "matched": int(matched),
    }


# -- main -----------------------------------------------------------------------------------------


def main() -> int:
    started = time.perf_counter()
    say(f"point_to_grid{' (QUICK)' if QUICK else ''}: {GRIDS:,} grids, {POINTS:,} points, "
        f"{SINGLES:,} single lookups")
    begin = time.perf_counter()
    polygons, bounds = synthetic_district()
    vertices = shapely.get_num_coordinates(polygons) - 1
    say(f"district: {len(polygons):,} grids built in {time.perf_counter() - begin:.2f} s, "
        f"vertices per grid min {vertices.min()} / median {int(np.median(vertices))} / max {vertices.max()}, "
        f"convex {float(np.mean(shapely.equals(polygons, shapely.convex_hull(polygons)))):.0%}")
    rows = [(n + 1, GRID_DEPTH, mapping(polygon)) for n, polygon in enumerate(polygons)]

    rng = np.random.default_rng(SEED + 1)
    xs = rng.uniform(bounds[0], bounds[2], POINTS)
    ys = rng.uniform(bounds[1], bounds[3], POINTS)

    ours = bench_ours(rows, polygons, xs, ys)
    error = None
    try:
        base = bench_postgis(polygons, xs, ys, ours["found"])
    except Exception as exc:  # report what we have, and fail
        error = f"{type(exc).__name__}: {exc}"
        say(f"postgis: FAILED — {error}")
        base = None

    result = {
        "bench": "point_to_grid",
        "quick": QUICK,
        "grids": len(polygons),
        "points": POINTS,
        "points_per_s": round(ours["points_per_s"]),
        "single_latency_us_p50": round(ours["single_p50"], 2),
        "single_latency_us_p99": round(ours["single_p99"], 2),
        "single_points_per_s": round(ours["single_points_per_s"]),
        "agreement": round(ours["agreement"], 6),
        "build_s": round(ours["build_s"], 3),
        "index_mb": round(ours["index_mb"], 1),
        "baseline": "postgis",
    }
    if base:
        result.update({
            "baseline_version": base["version"],
            "baseline_points_per_s": round(base["points_per_s"]),
            "baseline_single_latency_us_p50": round(base["single_p50"], 1),
            "baseline_single_latency_us_p99": round(base["single_p99"], 1),
            "baseline_single_points_per_s": round(base["single_points_per_s"]),
            "baseline_agreement": round(base["agreement"], 6),
            "baseline_load_s": round(base["load_s"], 3),
            "ratio": round(ours["points_per_s"] / base["points_per_s"], 1),
            "single_ratio": round(base["single_p50"] / ours["single_p50"], 1),
        })
        met = (ours["points_per_s"] >= TARGET_POINTS_PER_S and result["single_ratio"] >= TARGET_SINGLE_RATIO
               and result["ratio"] >= TARGET_SINGLE_RATIO)
        result["targets_met"] = met
        say(f"targets: ≥ {TARGET_POINTS_PER_S:,} points/s in batch ({ours['points_per_s']:,.0f}), "
            f"≥ {TARGET_SINGLE_RATIO}× PostGIS per point (single {result['single_ratio']}×, "
            f"batch {result['ratio']}×): {'met' if met else 'NOT met'}")
    else:
        result.update({"baseline_points_per_s": None, "ratio": None, "single_ratio": None,
                       "baseline_error": error})
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if base else 1


if __name__ == "__main__":
    sys.exit(main())

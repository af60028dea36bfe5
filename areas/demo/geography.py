"""Illustrative (示意) boundaries drawn inside a real district outline.

No offline source has street, community or grid boundaries (data/districts/SOURCES.md), so the
demo generates them: a parent region is cut into n cells by a Voronoi tessellation around seed
points, relaxed a few times (Lloyd) so the cells come out compact and of similar size, then
clipped to the parent. Siblings therefore tile their parent exactly: they do not overlap, leave no
gap, and every child lies inside its parent.

Everything is deterministic: the random numbers come from a generator seeded with a text key (the
district and parent codes), so the same input always gives the same vertices.

Geometry is lon/lat. Distances are isotropic only in a local plane where longitudes are scaled by
cos(latitude); Voronoi cells and the urban zone are computed there and mapped back. Every vertex
written out lies on a 1e-6 degree lattice (about 0.1 m), the precision of the source outlines.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

GRID_SIZE = 1e-6  # degrees; every generated vertex lies on this lattice
LLOYD_ITERATIONS = 6
# A detached piece of a clipped cell smaller than this share of the cell's main piece is handed to
# the neighbouring cell it shares most boundary with.
ORPHAN_SHARE = 0.25
# Detached bits smaller than this (square degrees, ~1 m²) are snapping debris and are dropped.
DEBRIS_AREA = 1e-10


def rng_for(key: str) -> np.random.Generator:
    """A random generator that depends only on `key` (not on PYTHONHASHSEED or the run)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


# --- the local plane -------------------------------------------------------------------------


def plane_factor(geom: BaseGeometry) -> float:
    """cos(latitude) at the middle of `geom`: lon * factor and lat are then comparable lengths."""
    min_y, max_y = geom.bounds[1], geom.bounds[3]
    return math.cos(math.radians((min_y + max_y) / 2))


def to_plane(geom: BaseGeometry, k: float) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy * np.array([k, 1.0]))


def from_plane(geom: BaseGeometry, k: float) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy / np.array([k, 1.0]))


# --- small helpers ---------------------------------------------------------------------------


def polygon_parts(geom: BaseGeometry | None) -> list[Polygon]:
    """The polygons with area in any geometry (drops points and lines from touching clips)."""
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom] if geom.area > 0 else []
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", ()):
        parts.extend(polygon_parts(part))
    return parts


def as_multipolygon_or_polygon(parts: list[Polygon]) -> BaseGeometry:
    if not parts:
        return Polygon()
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(parts)


def tidy(geom: BaseGeometry) -> BaseGeometry:
    """A valid Polygon/MultiPolygon on the lattice, without debris parts or pinhole holes."""
    geom = shapely.make_valid(geom)
    geom = shapely.set_precision(geom, GRID_SIZE)
    kept = []
    for part in polygon_parts(geom):
        if part.area < DEBRIS_AREA:
            continue
        holes = [ring for ring in part.interiors if Polygon(ring).area >= DEBRIS_AREA]
        kept.append(Polygon(part.exterior, holes))
    result = as_multipolygon_or_polygon(kept)
    if not result.is_valid:
        result = as_multipolygon_or_polygon(polygon_parts(shapely.make_valid(result)))
    return result


def union(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    return tidy(shapely.union(a, b, grid_size=GRID_SIZE))


# --- seeds and Voronoi cells -----------------------------------------------------------------


def sample_points(region: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct random points inside `region` (rejection sampling in its bounding box)."""
    min_x, min_y, max_x, max_y = region.bounds
    shapely.prepare(region)
    found = np.empty((0, 2))
    for _attempt in range(200):
        batch = max(64, 4 * n)
        xs = rng.uniform(min_x, max_x, batch)
        ys = rng.uniform(min_y, max_y, batch)
        inside = shapely.contains_xy(region, xs, ys)
        found = np.vstack([found, np.column_stack([xs[inside], ys[inside]])])
        found = np.unique(found, axis=0) if len(found) > n else found
        if len(found) >= n:
            break
    if len(found) < n:
        raise ValueError(f"could not place {n} points inside a region of area {region.area}")
    order = rng.permutation(len(found))[:n]
    return found[order]


def voronoi_cells(seeds: np.ndarray, envelope: BaseGeometry) -> list[BaseGeometry]:
    """One Voronoi cell per seed, in the seeds' order, covering at least `envelope`."""
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=envelope, ordered=True)
    cells = list(diagram.geoms)
    if len(cells) != len(seeds):  # duplicate seeds; sample_points avoids them
        raise ValueError("Voronoi diagram lost seeds")
    return cells


def relax(region: BaseGeometry, seeds: np.ndarray, iterations: int) -> np.ndarray:
    """Lloyd relaxation: move every seed to the centroid of its clipped cell (kept inside region)."""
    if len(seeds) < 2:
        return seeds
    envelope = region.envelope
    shapely.prepare(region)
    for _ in range(iterations):
        cells = np.array(voronoi_cells(seeds, envelope), dtype=object)
        clipped = shapely.intersection(cells, region)
        centroids = shapely.centroid(clipped)
        inside = shapely.contains(region, centroids)
        surface = shapely.point_on_surface(clipped)
        moved = np.where(inside, centroids, surface)
        coords = shapely.get_coordinates(moved)
        if len(coords) != len(seeds) or len(np.unique(coords, axis=0)) != len(seeds):
            break
        seeds = coords
    return seeds


def partition(
    region: BaseGeometry, n: int, key: str, *, iterations: int = LLOYD_ITERATIONS
) -> list[BaseGeometry]:
    """Cut `region` (lon/lat) into n compact cells that tile it exactly; deterministic in `key`.

    A region in several pieces (a town cut in two by the district outline) is cut piece by
    piece, the cells shared out by area, so that no cell straddles two pieces; pieces too small
    for a cell of their own join the nearest cell.
    """
    region = tidy(region)
    if n < 1:
        return []
    if n == 1:
        return [region]
    parts = polygon_parts(region)
    big = [part for part in parts if part.area >= 0.25 * region.area / n]
    if not 1 < len(big) <= n:
        return _partition_connected(region, n, key, iterations)
    cells: list[BaseGeometry] = []
    for number, (part, count) in enumerate(zip(big, allocate(n, [p.area for p in big]), strict=True)):
        cells.extend(_partition_connected(part, count, f"{key}:{number}", iterations))
    for part in parts:
        if any(part is b for b in big):
            continue
        nearest = min(range(len(cells)), key=lambda i: (cells[i].distance(part), i))
        cells[nearest] = union(cells[nearest], part)
    return cells


def allocate(n: int, weights: list[float]) -> list[int]:
    """Share n among len(weights) >= 1 takers in proportion to the weights, at least 1 each."""
    counts = [1] * len(weights)
    total = sum(weights)
    for _ in range(n - len(weights)):
        best = max(range(len(weights)), key=lambda i: (weights[i] / total * n - counts[i], -i))
        counts[best] += 1
    return counts


def _partition_connected(region: BaseGeometry, n: int, key: str, iterations: int) -> list[BaseGeometry]:
    if n == 1:
        return [region]
    k = plane_factor(region)
    plane = to_plane(region, k)
    start = sample_points(plane, n, rng_for(key))
    relaxed = relax(plane, start, iterations)
    envelope = plane.envelope.buffer(
        max(plane.bounds[2] - plane.bounds[0], plane.bounds[3] - plane.bounds[1])
    )
    cells_plane = voronoi_cells(relaxed, envelope)
    # Back to lon/lat and onto the lattice *before* clipping: neighbours then share identical
    # edges, so their clipped pieces meet exactly.
    cells = [shapely.set_precision(from_plane(cell, k), GRID_SIZE) for cell in cells_plane]
    clipped = [shapely.intersection(cell, region, grid_size=GRID_SIZE) for cell in cells]
    seed_points = [Point(x / k, y) for x, y in relaxed]
    return _reassign_orphans(clipped, seed_points)


def _reassign_orphans(clipped: list[BaseGeometry], seed_points: list[Point]) -> list[BaseGeometry]:
    """Give small detached pieces of a cell to the neighbour they share most boundary with."""
    mains: list[list[Polygon]] = []
    orphans: list[tuple[int, Polygon]] = []
    for index, (geom, seed) in enumerate(zip(clipped, seed_points, strict=True)):
        parts = [p for p in polygon_parts(geom) if p.area >= DEBRIS_AREA]
        if not parts:
            mains.append([])
            continue
        main = next((p for p in parts if p.covers(seed)), max(parts, key=lambda p: p.area))
        keep = [main]
        for part in parts:
            if part is main:
                continue
            if part.area < ORPHAN_SHARE * main.area:
                orphans.append((index, part))
            else:
                keep.append(part)
        mains.append(keep)
    result = [tidy(as_multipolygon_or_polygon(parts)) for parts in mains]
    for owner, piece in sorted(orphans, key=lambda item: -item[1].area):
        touch = piece.boundary.buffer(GRID_SIZE * 2)
        best, best_length = owner, 0.0
        for other, geom in enumerate(result):
            if other == owner or geom.is_empty or not geom.intersects(touch):
                continue
            length = geom.boundary.intersection(touch).length
            if length > best_length:
                best, best_length = other, length
        result[best] = union(result[best], piece)
    if any(geom.is_empty for geom in result):
        raise ValueError("a cell came out empty")
    return result


# --- the urban zone --------------------------------------------------------------------------


def _blob(
    center: tuple[float, float], radius: float, rng: np.random.Generator, vertices: int = 96
) -> Polygon:
    """A smooth irregular disc: radius modulated by a few low harmonics (looks like a town, not a circle)."""
    theta = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    wobble = np.ones_like(theta)
    for harmonic in (2, 3, 4):
        wobble += rng.uniform(0.04, 0.12) * np.sin(harmonic * theta + rng.uniform(0, 2 * math.pi))
    xs = center[0] + radius * wobble * np.cos(theta)
    ys = center[1] + radius * wobble * np.sin(theta)
    return Polygon(np.column_stack([xs, ys]))


def split_urban_zone(
    district: BaseGeometry, core: tuple[float, float], share: float, key: str
) -> tuple[BaseGeometry, BaseGeometry]:
    """(urban zone, rural zone): a town-shaped area around `core` holding `share` of the district.

    Detached bits of either zone (the town cut off by a bend of the outline, a small corner of
    countryside left between town and border) go to the other zone, so both stay compact.
    """
    district = tidy(district)
    if share >= 1:
        return district, Polygon()
    if share <= 0:
        return Polygon(), district
    k = plane_factor(district)
    plane = to_plane(district, k)
    shapely.prepare(plane)
    center = (core[0] * k, core[1])
    target = share * plane.area

    def blob(radius: float) -> Polygon:
        return _blob(center, radius, rng_for(key))  # the same shape at every radius

    low, high = 0.0, math.hypot(plane.bounds[2] - plane.bounds[0], plane.bounds[3] - plane.bounds[1])
    for _ in range(40):
        middle = (low + high) / 2
        if shapely.intersection(plane, blob(middle)).area < target:
            low = middle
        else:
            high = middle
    town = shapely.set_precision(from_plane(blob(high), k), GRID_SIZE)
    urban = tidy(shapely.intersection(district, town, grid_size=GRID_SIZE))
    rural = tidy(shapely.difference(district, town, grid_size=GRID_SIZE))
    core_point = Point(core)
    urban_parts = polygon_parts(urban)
    if len(urban_parts) > 1:
        main = next((p for p in urban_parts if p.covers(core_point)), max(urban_parts, key=lambda p: p.area))
        for part in urban_parts:
            if part is not main:
                urban, rural = tidy(shapely.difference(urban, part, grid_size=GRID_SIZE)), union(rural, part)
    rural_parts = polygon_parts(rural)
    if len(rural_parts) > 1:
        total = sum(p.area for p in rural_parts)
        for part in rural_parts:
            if part.area < 0.1 * total:
                rural, urban = tidy(shapely.difference(rural, part, grid_size=GRID_SIZE)), union(urban, part)
    return urban, rural


def distance_key(geom: BaseGeometry, core: tuple[float, float]) -> float:
    """How far a cell lies from the core, in plane units (for ordering cells centre-out)."""
    k = math.cos(math.radians(core[1]))
    point = geom.centroid if geom.centroid.within(geom) else geom.representative_point()
    return math.hypot((point.x - core[0]) * k, point.y - core[1])

"""AreaIndex against brute force: the finest area whose boundary intersects the point.

Pure tests (no database): a small tessellation of grids inside two communities, a cell grid
nested in one grid, a grid with a hole, a two-part grid and a corner no grid covers.
"""

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import mapping

from areas.resolver import AreaIndex

X0, Y0, X1, Y1 = 112.0, 27.7, 112.06, 27.75
MID_X = 112.03
STREET = 1
COMMUNITY_A, COMMUNITY_B = 2, 3
CELL_GRID = 4000


def _tessellation():
    """rows (id, depth, GeoJSON) and the same as shapely geometries for brute force."""
    rng = np.random.default_rng(7)
    street = shapely.box(X0, Y0, X1, Y1)
    communities = {COMMUNITY_A: shapely.box(X0, Y0, MID_X, Y1), COMMUNITY_B: shapely.box(MID_X, Y0, X1, Y1)}
    seeds = shapely.multipoints(np.c_[rng.uniform(X0, X1, 60), rng.uniform(Y0, Y1, 60)])
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=street))
    # Grid polygons with more vertices than Voronoi gives, shared edges staying shared.
    cells = shapely.segmentize(shapely.intersection(cells, street), 0.004)
    areas = [(STREET, 0, street), *[(cid, 1, geom) for cid, geom in communities.items()]]
    grid_id = 100
    # No grid in two corners: the community answers there.
    uncovered = shapely.union(shapely.box(X1 - 0.008, Y1 - 0.008, X1, Y1), shapely.box(X0, Y1 - 0.006, X0 + 0.01, Y1))
    for cell in cells:
        for community in communities.values():
            part = shapely.difference(shapely.intersection(cell, community), uncovered)
            if part.is_empty or part.area < 1e-9:
                continue
            grid_id += 1
            areas.append((grid_id, 2, part))
    # Cell grids: one with a hole (the grid beneath answers there), one in two parts.
    holed = shapely.Polygon([(112.001, 27.701), (112.009, 27.701), (112.009, 27.709), (112.001, 27.709)],
                            [[(112.004, 27.704), (112.006, 27.704), (112.006, 27.706), (112.004, 27.706)]])
    areas.append((5000, 3, holed))
    areas.append((5001, 3, shapely.MultiPolygon([shapely.box(112.05, 27.701, 112.052, 27.703),
                                                  shapely.box(112.055, 27.701, 112.057, 27.703)])))
    # A cell grid inside the grid holding the middle of community A.
    centre = shapely.Point(112.015, 27.725)
    assert communities[COMMUNITY_A].contains(centre)
    areas.append((CELL_GRID, 3, centre.buffer(0.002, quad_segs=5)))
    rows = [(area_id, depth, mapping(geom)) for area_id, depth, geom in areas]
    return rows, areas


def _expected(areas, xs, ys):
    """Brute force: among areas intersecting the point, the deepest, then the first listed."""
    points = shapely.points(xs, ys)
    best = np.full(len(xs), -1, dtype=np.int64)
    best_key = [None] * len(xs)
    for order, (area_id, depth, geom) in enumerate(areas):
        hit = shapely.intersects(geom, points)
        for i in np.flatnonzero(hit):
            key = (-depth, order)
            if best_key[i] is None or key < best_key[i]:
                best_key[i], best[i] = key, area_id
    return best


@pytest.fixture(scope="module")
def district():
    rows, areas = _tessellation()
    return AreaIndex(rows), rows, areas


def _check(index, areas, xs, ys):
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    expected = _expected(areas, xs, ys)
    got = index.resolve_many(xs, ys)
    assert got.tolist() == expected.tolist()
    singles = [index.resolve(x, y) for x, y in zip(xs.tolist(), ys.tolist())]
    assert [-1 if s is None else s for s in singles] == expected.tolist()
    return expected


def test_random_points_match_brute_force(district):
    index, _, areas = district
    rng = np.random.default_rng(1)
    xs = rng.uniform(X0 - 0.005, X1 + 0.005, 4000)
    ys = rng.uniform(Y0 - 0.005, Y1 + 0.005, 4000)
    expected = _check(index, areas, xs, ys)
    assert (expected > 100).sum() > 2000  # most points land in a grid
    assert {-1, COMMUNITY_A, COMMUNITY_B} <= set(expected.tolist())


def test_points_on_boundaries(district):
    """Vertices and edge midpoints: on shared edges, the deepest then first-listed area wins."""
    index, _, areas = district
    coords = np.concatenate([shapely.get_coordinates(geom) for _, _, geom in areas])
    midpoints = (coords[:-1] + coords[1:]) / 2
    points = np.concatenate([coords, midpoints])
    _check(index, areas, points[:, 0], points[:, 1])


def test_points_a_hair_off_boundaries(district):
    """Points pushed off edges by 0 to 1e-10 degrees: decided exactly (like GEOS), not by rounding."""
    index, _, areas = district
    rng = np.random.default_rng(5)
    coords = np.concatenate([shapely.get_coordinates(geom) for _, _, geom in areas[3:]])
    k = rng.integers(0, len(coords) - 1, 3000)
    a, b = coords[k], coords[k + 1]
    d = b - a
    normal = np.c_[-d[:, 1], d[:, 0]] / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-300)[:, None]
    push = rng.choice([0, 1e-16, -1e-16, 1e-15, -1e-15, 1e-13, -1e-13, 1e-10, -1e-10], len(k))
    points = a + rng.uniform(0, 1, len(k))[:, None] * d + push[:, None] * normal
    _check(index, areas, points[:, 0], points[:, 1])


def test_points_in_cells_straddling_boundaries(district):
    """Points spread over every lattice cell that a boundary passes through."""
    index, _, areas = district
    x0, y0, step_x, step_y, nx, ny, lattice = index.lattice
    dirty = np.flatnonzero(lattice <= -2)
    assert dirty.size > 100
    rng = np.random.default_rng(2)
    cell = np.repeat(dirty, 4)
    xs = x0 + (cell // ny + rng.uniform(0, 1, cell.size)) * step_x
    ys = y0 + (cell % ny + rng.uniform(0, 1, cell.size)) * step_y
    _check(index, areas, xs, ys)
    # And the corners of those cells, where a point may sit exactly on a lattice line.
    _check(index, areas, x0 + (dirty // ny) * step_x, y0 + (dirty % ny) * step_y)


def test_finest_area_wins(district):
    index, _, _ = district
    assert index.resolve(112.015, 27.725) == CELL_GRID
    grid = index.resolve(112.015 + 0.0025, 27.725)  # just outside the cell grid
    assert grid is not None and 100 < grid < 5000
    in_hole = index.resolve(112.005, 27.705)
    assert in_hole is not None and 100 < in_hole < 5000
    assert index.resolve(112.002, 27.702) == 5000
    assert index.resolve(112.051, 27.702) == 5001
    assert index.resolve(112.056, 27.702) == 5001
    assert index.resolve(X1 - 0.002, Y1 - 0.002) == COMMUNITY_B  # no grid in those corners
    assert index.resolve(X0 + 0.002, Y1 - 0.002) == COMMUNITY_A


def test_outside_is_none(district):
    index, _, _ = district
    assert index.resolve(113.0, 27.7) is None
    assert index.resolve(X0 - 1e-6, 27.72) is None
    assert index.resolve(math.nan, 27.72) is None
    result = index.resolve_many([113.0, math.nan, math.inf, 112.01], [27.7, 27.72, 27.72, 27.72])
    assert result[:3].tolist() == [-1, -1, -1]
    assert result[3] > 0


def test_shape_and_empty_input(district):
    index, _, _ = district
    xs = np.full((3, 2), 112.01)
    ys = np.full((3, 2), 27.72)
    assert index.resolve_many(xs, ys).shape == (3, 2)
    assert index.resolve_many([], []).shape == (0,)


@pytest.mark.parametrize("cells_per_area_width", [0.5, 3, 40])
def test_lattice_resolution_does_not_change_answers(district, cells_per_area_width):
    _, rows, areas = district
    index = AreaIndex(rows, cells_per_area_width=cells_per_area_width)
    rng = np.random.default_rng(3)
    _check(index, areas, rng.uniform(X0, X1, 1500), rng.uniform(Y0, Y1, 1500))


def test_capped_lattice(district):
    _, rows, areas = district
    index = AreaIndex(rows, max_cells=500)
    _, _, _, _, nx, ny, _ = index.lattice
    assert nx * ny <= 600
    rng = np.random.default_rng(4)
    _check(index, areas, rng.uniform(X0, X1, 1500), rng.uniform(Y0, Y1, 1500))


def test_no_areas():
    index = AreaIndex([])
    assert index.resolve(112.0, 27.7) is None
    assert index.resolve_many([112.0], [27.7]).tolist() == [-1]


def test_single_area():
    square = shapely.box(112.0, 27.7, 112.01, 27.71)
    index = AreaIndex([(9, 3, mapping(square))])
    assert index.resolve(112.005, 27.705) == 9
    assert index.resolve(112.0, 27.7) == 9  # a corner: on the boundary counts
    assert index.resolve(112.02, 27.705) is None

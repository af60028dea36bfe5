"""Point → area: the finest area whose boundary contains a lon/lat point.

One in-memory index per process, built from the boundaries once and rebuilt when the
`area_boundaries` counter (bumped in the same transaction as every boundary change) moves on.

The answer for a point is the area of greatest depth whose boundary intersects it (a point on an
edge belongs to the area it touches), ties within a depth going to the area listed first. Areas
are numbered in that order of preference ("rank": finest first).

The index is a regular lattice over all boundaries, with cells of about a sixteenth of a typical
area's width, so that most cells meet no boundary at all:

* a *clean* cell — no boundary passes through it, even grazing — has one answer for all its
  points, stored in the lattice, so a point there costs one array lookup;
* a *dirty* cell keeps the areas whose boundary passes through it ("candidates", best rank first,
  rarely more than three) and the best area that holds the whole cell ("base"). A point there is
  tested against the candidates with GEOS (prepared geometries), one candidate per round for all
  pending points at once; the first that holds it wins, else the base does.

Which cells each boundary segment crosses is worked out with numpy (a segment/box separation test
on cells slightly enlarged, so rounding can only make a cell dirtier, never cleaner). The bases of
dirty cells come from one STRtree query of their centres; clean cells take the answer of the point
where their row of clean cells begins, which is on the edge of a dirty cell and answered like any
other point there. The build is a second or two for a district of ten thousand grids.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import shapely
from shapely.geometry import shape

from core import counters

COUNTER = "area_boundaries"
_lock = threading.Lock()
_index: AreaIndex | None = None
_index_version: int | None = None

# Lattice cells per typical (median) area width, and the most cells the lattice may have.
CELLS_PER_AREA_WIDTH = 12
MAX_LATTICE_CELLS = 1 << 22
# Segments rasterised per numpy pass (bounds the temporary arrays).
_CHUNK = 1 << 18


class AreaIndex:
    def __init__(
        self,
        rows: list[tuple[int, int, dict]],
        cells_per_area_width: float = CELLS_PER_AREA_WIDTH,
        max_cells: int = MAX_LATTICE_CELLS,
    ):
        """rows: (area id, depth, GeoJSON geometry)."""
        entries = []
        for order, (area_id, depth, geometry) in enumerate(rows):
            geom = shape(geometry)
            if geom.is_empty:
                continue
            entries.append((-depth, order, area_id, geom))
        entries.sort(key=lambda entry: entry[:2])
        self.size = len(rows)
        # rank → area id / geometry; rank `self.none` (one past the last) stands for "no area".
        self.ids = np.array([entry[2] for entry in entries] + [-1], dtype=np.int64)
        self.geoms = np.array([entry[3] for entry in entries], dtype=object)
        shapely.prepare(self.geoms)
        self.none = len(entries)
        self._id_list = [int(i) for i in self.ids[:-1]] + [None]
        self.lattice = None
        if entries:
            self._build(cells_per_area_width, max_cells)

    # -- build --------------------------------------------------------------------------------

    def _build(self, cells_per_area_width: float, max_cells: int) -> None:
        geoms = self.geoms
        min_x, min_y, max_x, max_y = shapely.total_bounds(geoms)
        if not all(map(math.isfinite, (min_x, min_y, max_x, max_y))):
            return
        # Cells square on the ground: a degree of longitude is cos(lat) of a degree of latitude.
        mid_lat = (min_y + max_y) / 2
        squeeze = max(math.cos(math.radians(mid_lat)), 0.1) if abs(mid_lat) <= 90 else 1.0
        areas = shapely.area(geoms)
        typical = float(np.median(areas[areas > 0])) if (areas > 0).any() else 0.0
        width = max(max_x - min_x, 1e-9) * squeeze
        height = max(max_y - min_y, 1e-9)
        side = math.sqrt(typical * squeeze) / cells_per_area_width if typical > 0 else max(width, height) / 64
        # Half a cell of margin all round, so points on the outermost edges land inside.
        cells = ((width + side) / side) * ((height + side) / side)
        if cells > max_cells:
            side *= math.sqrt(cells / max_cells)
        step_y = side
        step_x = side / squeeze
        nx = max(int(math.ceil((max_x - min_x) / step_x + 1)), 1)
        ny = max(int(math.ceil((max_y - min_y) / step_y + 1)), 1)
        x0 = min_x - (nx * step_x - (max_x - min_x)) / 2
        y0 = min_y - (ny * step_y - (max_y - min_y)) / 2

        cand_cell, cand_rank = self._rasterise(x0, y0, step_x, step_y, nx, ny)
        # The lattice: rank (≥ 0) of a clean cell's answer, -1 for none, -2 - k for dirty cell k.
        lattice = np.full(nx * ny, -1, dtype=np.int32)
        cand_start = np.flatnonzero(np.diff(cand_cell, prepend=-1))
        dirty_cells = cand_cell[cand_start]
        n_dirty = dirty_cells.size
        cand_start = np.append(cand_start, cand_cell.size)

        # Base of each dirty cell: the best area holding its centre that is not a candidate.
        centre_x = x0 + (dirty_cells // ny + 0.5) * step_x
        centre_y = y0 + (dirty_cells % ny + 0.5) * step_y
        base = np.full(n_dirty, self.none, dtype=np.int32)
        if n_dirty:
            tree = shapely.STRtree(geoms)
            which, rank = tree.query(shapely.points(centre_x, centre_y), predicate="intersects")
            del tree
            cand_key = np.repeat(np.arange(n_dirty, dtype=np.int64), np.diff(cand_start)) * self.none + cand_rank
            key = which.astype(np.int64) * self.none + rank
            at = np.searchsorted(cand_key, key)
            is_cand = cand_key[np.minimum(at, cand_key.size - 1)] == key
            np.minimum.at(base, which[~is_cand], rank[~is_cand].astype(np.int32))
        # Candidates that rank after the base can never win.
        owner = np.repeat(np.arange(n_dirty), np.diff(cand_start))
        keep = cand_rank < base[owner]
        cand_rank = cand_rank[keep]
        counts = np.bincount(owner[keep], minlength=n_dirty)
        still = counts > 0
        # A cell left without candidates is clean after all.
        settled = dirty_cells[~still]
        lattice[settled] = np.where(base[~still] == self.none, -1, base[~still])
        dirty_cells, base, counts = dirty_cells[still], base[still], counts[still]
        n_dirty = dirty_cells.size
        self.cand_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        self.cand_rank = cand_rank.astype(np.int32)
        self.base = base
        lattice[dirty_cells] = -2 - np.arange(n_dirty, dtype=np.int32)

        # Clean cells: a row (fixed y) of clean cells has one answer, that of the left edge of
        # the row, which is the right edge of the dirty cell before it (or nothing, at x = 0).
        grid = lattice.reshape(nx, ny)
        is_dirty = grid <= -2
        column = np.where(is_dirty, np.arange(nx, dtype=np.int32)[:, None], -1)
        last_dirty = np.maximum.accumulate(column, axis=0)
        clean = ~is_dirty & (last_dirty >= 0)
        clean.reshape(-1)[settled] = False  # already answered
        # Dirty cells followed by a clean one: answer the midpoint of their right edge.
        left_of_clean = is_dirty[:-1] & ~is_dirty[1:]
        ci, cj = np.nonzero(left_of_clean)
        edge_rank = self._dirty_ranks(
            -2 - grid[ci, cj], x0 + (ci + 1) * step_x, y0 + (cj + 0.5) * step_y
        )
        answer = np.full((nx, ny), self.none, dtype=np.int32)
        answer[ci, cj] = edge_rank
        fill = answer[last_dirty[clean], np.nonzero(clean)[1]]
        grid[clean] = np.where(fill == self.none, -1, fill)
        self.lattice = (x0, y0, step_x, step_y, nx, ny, lattice)

    def _rasterise(self, x0, y0, step_x, step_y, nx, ny) -> tuple[np.ndarray, np.ndarray]:
        """(cell, rank) of every area whose boundary meets a cell, sorted, without repeats."""
        parts, part_rank = shapely.get_parts(self.geoms, return_index=True)
        polygonal = shapely.get_type_id(parts) == 3
        parts, part_rank = parts[polygonal], part_rank[polygonal]
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same = np.flatnonzero(coord_ring[1:] == coord_ring[:-1])
        seg_rank = part_rank[ring_part[coord_ring[same]]]
        u = (coords[:, 0] - x0) / step_x
        v = (coords[:, 1] - y0) / step_y
        # Cells are tested enlarged by `slack` (in cell units), far above rounding errors.
        slack = 1e-6
        found = []
        for lo in range(0, same.size, _CHUNK):
            at = same[lo:lo + _CHUNK]
            found.append(
                self._rasterise_chunk(u[at], v[at], u[at + 1], v[at + 1], seg_rank[lo:lo + _CHUNK],
                                      nx, ny, slack)
            )
        keys = _distinct(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
        return keys // self.none, (keys % self.none).astype(np.int32)

    def _rasterise_chunk(self, ua, va, ub, vb, rank, nx, ny, slack) -> np.ndarray:
        # Split segments into pieces at most one cell long, so each piece meets few cells.
        pieces = np.maximum(np.ceil(np.maximum(np.abs(ub - ua), np.abs(vb - va))), 1).astype(np.int64)
        seg = np.repeat(np.arange(ua.size), pieces)
        first = np.cumsum(pieces) - pieces
        k = np.arange(seg.size) - first[seg]
        t0 = k / pieces[seg]
        t1 = (k + 1) / pieces[seg]
        du, dv = (ub - ua)[seg], (vb - va)[seg]
        pu0, pv0 = ua[seg] + du * t0, va[seg] + dv * t0
        pu1, pv1 = ua[seg] + du * t1, va[seg] + dv * t1
        rank = rank[seg]
        i_lo = np.clip(np.floor(np.minimum(pu0, pu1) - slack), 0, nx - 1).astype(np.int64)
        i_hi = np.clip(np.floor(np.maximum(pu0, pu1) + slack), 0, nx - 1).astype(np.int64)
        j_lo = np.clip(np.floor(np.minimum(pv0, pv1) - slack), 0, ny - 1).astype(np.int64)
        j_hi = np.clip(np.floor(np.maximum(pv0, pv1) + slack), 0, ny - 1).astype(np.int64)
        wide = j_hi - j_lo + 1
        count = (i_hi - i_lo + 1) * wide
        piece = np.repeat(np.arange(seg.size), count)
        k = np.arange(piece.size) - (np.cumsum(count) - count)[piece]
        i = i_lo[piece] + k // wide[piece]
        j = j_lo[piece] + k % wide[piece]
        # The piece's line separates the (enlarged) cell's corners unless they straddle it.
        du, dv, pu0, pv0 = pu1[piece] - pu0[piece], pv1[piece] - pv0[piece], pu0[piece], pv0[piece]
        # Side of the line each corner is on: the sign of du·(cy - pv0) - dv·(cx - pu0).
        x_lo, x_hi = dv * (i - slack - pu0), dv * (i + 1 + slack - pu0)
        y_lo, y_hi = du * (j - slack - pv0), du * (j + 1 + slack - pv0)
        s = (y_lo - x_lo, y_lo - x_hi, y_hi - x_lo, y_hi - x_hi)
        lowest = np.minimum(np.minimum(s[0], s[1]), np.minimum(s[2], s[3]))
        highest = np.maximum(np.maximum(s[0], s[1]), np.maximum(s[2], s[3]))
        meets = (lowest <= 0) & (highest >= 0)
        cell = i[meets] * ny + j[meets]
        return cell * self.none + rank[piece[meets]]

    # -- queries ------------------------------------------------------------------------------

    def _dirty_ranks(self, dirty: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Rank of the answer for points (xs, ys) lying in the given dirty cells."""
        result = self.base[dirty].copy()
        start = self.cand_start[dirty]
        count = self.cand_start[dirty + 1] - start
        pending = np.arange(dirty.size)
        round_ = 0
        while pending.size:
            pending = pending[count[pending] > round_]
            if not pending.size:
                break
            rank = self.cand_rank[start[pending] + round_]
            hit = shapely.intersects_xy(self.geoms[rank], xs[pending], ys[pending])
            result[pending[hit]] = rank[hit]
            pending = pending[~hit]
            round_ += 1
        return result

    def resolve_many(self, lons, lats) -> np.ndarray:
        """Area id per point (-1 where no area contains it)."""
        lons = np.asarray(lons, dtype=np.float64)
        lats = np.asarray(lats, dtype=np.float64)
        shape_ = np.broadcast_shapes(lons.shape, lats.shape)
        lons = np.broadcast_to(lons, shape_).ravel()
        lats = np.broadcast_to(lats, shape_).ravel()
        if self.lattice is None or not lons.size:
            return np.full(shape_, -1, dtype=np.int64)
        x0, y0, step_x, step_y, nx, ny, lattice = self.lattice
        u = (lons - x0) / step_x
        v = (lats - y0) / step_y
        inside = (u >= 0) & (u < nx) & (v >= 0) & (v < ny)  # also drops NaN
        if inside.all():
            cell = u.astype(np.int64) * ny + v.astype(np.int64)
            value = lattice[cell]
        else:
            value = np.full(lons.size, -1, dtype=np.int32)
            value[inside] = lattice[u[inside].astype(np.int64) * ny + v[inside].astype(np.int64)]
        rank = np.where(value == -1, self.none, value)
        dirty = np.flatnonzero(value <= -2)
        if dirty.size:
            rank[dirty] = self._dirty_ranks(-2 - value[dirty], lons[dirty], lats[dirty])
        return self.ids[rank].reshape(shape_)

    def resolve(self, lon: float, lat: float) -> int | None:
        if self.lattice is None:
            return None
        x0, y0, step_x, step_y, nx, ny, lattice = self.lattice
        u = (lon - x0) / step_x
        v = (lat - y0) / step_y
        if not (0 <= u < nx and 0 <= v < ny):
            return None
        value = int(lattice[int(u) * ny + int(v)])
        if value >= -1:
            return self._id_list[value]
        dirty = -2 - value
        for at in range(int(self.cand_start[dirty]), int(self.cand_start[dirty + 1])):
            rank = int(self.cand_rank[at])
            if shapely.intersects_xy(self.geoms[rank], lon, lat):
                return self._id_list[rank]
        return self._id_list[int(self.base[dirty])]


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique, without its slower hashing path)."""
    values = np.sort(values)
    return values[np.diff(values, prepend=values[:1] - 1) != 0] if values.size else values


def _load_rows() -> list[tuple[int, int, dict]]:
    from areas.models import Area

    return list(Area.objects.filter(boundary__isnull=False).values_list("id", "depth", "boundary"))


def get_index() -> AreaIndex:
    """The current index; rebuilt when boundaries changed since it was built."""
    global _index, _index_version
    version = counters.read(COUNTER)
    if _index is not None and _index_version == version:
        return _index
    with _lock:
        if _index is None or _index_version != version:
            _index = AreaIndex(_load_rows())
            _index_version = version
    return _index


def invalidate() -> None:
    """Called (in the changing transaction) whenever a boundary is added, changed or removed."""
    counters.bump(COUNTER)


def resolve_point(lon: float, lat: float):
    """The finest Area containing the point, or None."""
    from areas.models import Area

    area_id = get_index().resolve(lon, lat)
    if area_id is None:
        return None
    return Area.objects.filter(pk=area_id).first()

"""Point → area: the finest area whose boundary contains a lon/lat point.

One in-memory index per process, built from the boundaries once and rebuilt when the
`area_boundaries` counter (bumped in the same transaction as every boundary change) moves on.

The answer for a point is the area of greatest depth whose boundary intersects it (a point on an
edge belongs to the area it touches), ties within a depth going to the area listed first. Areas
are numbered in that order of preference ("rank": finest first).

The index is a regular lattice over all boundaries, with cells of about a twelfth of a typical
area's width, so that most cells meet no boundary at all:

* a *clean* cell — no boundary passes through it, even grazing — has one answer for all its
  points, stored in the lattice, so a point there costs one array lookup;
* a *dirty* cell keeps the areas whose boundary passes through it ("candidates", best rank first,
  rarely more than three), which of them hold the cell's centre, the boundary segments that meet
  the cell, and the best area that holds the whole cell ("base"). A point p there is in candidate
  A if the centre is in A and the segment centre → p crosses A's segments in the cell an even
  number of times, or the centre is not and it crosses them an odd number of times (that path
  never leaves the cell). numpy does this for all such points at once; the first candidate
  holding the point wins, else the base does.

Every sign those crossing tests depend on is checked against a bound far above floating-point
error; a point for which one is too close to call (it lies on, or within about 1e-9 of a cell of,
the line of a segment) is decided by GEOS instead (prepared geometries, `intersects`), as are
cells whose centre is that close to a segment line. So the answers are GEOS's, exactly.

Which cells each boundary segment crosses is worked out with numpy (a segment/box separation test
on cells slightly enlarged, so rounding can only make a cell dirtier, never cleaner). Which areas
hold the dirty cells' centres comes from one STRtree query; clean cells take the answer of the
point where their row of clean cells begins, on the edge of a dirty cell. The build takes a
couple of seconds for a district of ten thousand grids; the index about 3 kB per grid.
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
# A dirty cell with more candidates than this is left to GEOS.
MAX_CANDIDATES = 8
# Segments rasterised, and dirty points tested, per numpy pass (bounds the temporary arrays).
_CHUNK = 1 << 16
# Cells are tested for boundaries enlarged by this much (cell units): far above rounding errors.
_SLACK = 1e-6
# An orientation smaller than this times the product of its vectors' sizes is too close to call.
_UNSURE = 1e-9


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
        min_x, min_y, max_x, max_y = shapely.total_bounds(self.geoms)
        if not all(map(math.isfinite, (min_x, min_y, max_x, max_y))):
            return
        # Cells square on the ground: a degree of longitude is cos(lat) of a degree of latitude.
        mid_lat = (min_y + max_y) / 2
        squeeze = max(math.cos(math.radians(mid_lat)), 0.1) if abs(mid_lat) <= 90 else 1.0
        areas = shapely.area(self.geoms)
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
        self.lattice = (x0, y0, step_x, step_y, nx, ny, None)

        # (cell, segment) for every boundary segment meeting a cell, sorted by cell then rank.
        self._segments()
        pair_cell, pair_seg = self._rasterise(x0, y0, step_x, step_y, nx, ny)
        pair_rank = self.seg_rank[pair_seg]
        new_cand = np.r_[True, (pair_cell[1:] != pair_cell[:-1]) | (pair_rank[1:] != pair_rank[:-1])]
        pair_cand = np.cumsum(new_cand) - 1
        cand_cell, cand_rank = pair_cell[new_cand], pair_rank[new_cand]
        new_cell = np.r_[True, cand_cell[1:] != cand_cell[:-1]]
        cand_dirty = np.cumsum(new_cell) - 1
        dirty_cells = cand_cell[new_cell]
        n_dirty = dirty_cells.size

        # Which areas hold each dirty cell's centre: candidates (cand_in) and the rest (base).
        centre_x, centre_y = self._centres(dirty_cells)
        base = np.full(n_dirty, self.none, dtype=np.int32)
        cand_in = np.zeros(cand_rank.size, dtype=bool)
        if n_dirty:
            which, rank = shapely.STRtree(self.geoms).query(
                shapely.points(centre_x, centre_y), predicate="intersects"
            )
            cand_key = cand_dirty * self.none + cand_rank
            key = which * self.none + rank
            at = np.minimum(np.searchsorted(cand_key, key), cand_key.size - 1)
            is_cand = cand_key[at] == key
            cand_in[at[is_cand]] = True
            np.minimum.at(base, which[~is_cand], rank[~is_cand].astype(np.int32))

        # Candidates ranked after the base never win; a cell left with none is clean after all.
        keep = cand_rank < base[cand_dirty]
        lattice = np.full(nx * ny, -1, dtype=np.int32)
        counts = np.bincount(cand_dirty[keep], minlength=n_dirty)
        still = counts > 0
        settled = dirty_cells[~still]
        lattice[settled] = np.where(base[~still] == self.none, -1, base[~still])
        renumber = np.cumsum(still) - 1
        dirty_cells, base, counts = dirty_cells[still], base[still], counts[still]
        n_dirty = dirty_cells.size
        self.base = base
        self.dirty_cell = dirty_cells.astype(np.int32)
        self.cand_start = np.r_[0, np.cumsum(counts)].astype(np.int32)
        self.cand_rank = cand_rank[keep].astype(np.int32)
        self.cand_in = cand_in[keep]
        lattice[dirty_cells] = -2 - np.arange(n_dirty, dtype=np.int32)
        self.lattice = (x0, y0, step_x, step_y, nx, ny, lattice)

        # Segments of the kept candidates, with their slot (place among the cell's candidates).
        pair_keep = keep[pair_cand]
        pair_seg, pair_cand = pair_seg[pair_keep], pair_cand[pair_keep]
        pair_dirty = renumber[cand_dirty[pair_cand]]
        kept_index = np.cumsum(keep) - 1
        slot = kept_index[pair_cand] - self.cand_start[pair_dirty]
        self.pair_slot = np.minimum(slot, MAX_CANDIDATES).astype(np.int8)
        self.pair_seg = pair_seg.astype(np.int32)
        self.pair_start = np.r_[0, np.cumsum(np.bincount(pair_dirty, minlength=n_dirty))].astype(np.int32)
        self.slots = int(min(counts.max(initial=1), MAX_CANDIDATES))
        # Which side of each segment the centre is on, and cells whose centre is too close to call.
        centre_x, centre_y = self._centres(dirty_cells)
        ax, ay, _, _, ex, ey, _, _ = self._relative(pair_seg, centre_x[pair_dirty], centre_y[pair_dirty])
        centre_side = ey * ax - ex * ay  # orientation of (a, b, centre)
        self.pair_side = centre_side > 0
        unsure = np.abs(centre_side) <= 10 * _UNSURE * (np.abs(ex) + np.abs(ey)) * (np.abs(ax) + np.abs(ay))
        self.geos_only = counts > MAX_CANDIDATES
        self.geos_only[pair_dirty[unsure]] = True
        del self.seg_rank

        # Clean cells: a row (fixed y) of clean cells has one answer, that of the left edge of
        # the row, which is the right edge of the dirty cell before it (or nothing, at x = 0).
        grid = lattice.reshape(nx, ny)
        is_dirty = grid <= -2
        column = np.where(is_dirty, np.arange(nx, dtype=np.int32)[:, None], -1)
        last_dirty = np.maximum.accumulate(column, axis=0)
        clean = ~is_dirty & (last_dirty >= 0)
        clean.reshape(-1)[settled] = False  # already answered
        ci, cj = np.nonzero(is_dirty[:-1] & ~is_dirty[1:])
        edge_rank = self._geos_ranks(-2 - grid[ci, cj], x0 + (ci + 1) * step_x, y0 + (cj + 0.5) * step_y)
        answer = np.full((nx, ny), self.none, dtype=np.int32)
        answer[ci, cj] = edge_rank
        fill = answer[last_dirty[clean], np.nonzero(clean)[1]]
        grid[clean] = np.where(fill == self.none, -1, fill)

    @property
    def nbytes(self) -> int:
        """Memory held by the lattice and its tables (not counting the geometries)."""
        arrays = [value for value in vars(self).values() if isinstance(value, np.ndarray) and value.dtype != object]
        lattice = self.lattice[6] if self.lattice is not None and self.lattice[6] is not None else None
        return sum(array.nbytes for array in arrays) + (lattice.nbytes if lattice is not None else 0)

    def _segments(self) -> None:
        """Every boundary segment (exterior and holes, every part) and the rank of its area."""
        parts, part_rank = shapely.get_parts(self.geoms, return_index=True)
        polygonal = shapely.get_type_id(parts) == 3
        parts, part_rank = parts[polygonal], part_rank[polygonal]
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same = np.flatnonzero(coord_ring[1:] == coord_ring[:-1])
        self.seg_rank = part_rank[ring_part[coord_ring[same]]].astype(np.int32)
        # One row per segment (ax, ay, bx, by): a point's test reads one cache line per segment.
        self.seg_xy = np.concatenate([coords[same], coords[same + 1]], axis=1)

    def _centres(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x0, y0, step_x, step_y, _, ny, _ = self.lattice
        return x0 + (cells // ny + 0.5) * step_x, y0 + (cells % ny + 0.5) * step_y

    def _relative(self, seg, cx, cy):
        """Segments as vectors: ends a, b relative to the points c, and b - a; with a itself.

        Each vector is one rounding of a difference of two floats, so its relative error is at
        most 2⁻⁵³, which is what the bounds on the orientations built from them rely on.
        """
        xy = np.take(self.seg_xy, seg, axis=0)  # (much faster than seg_xy[seg])
        a_x, a_y, b_x, b_y = xy[:, 0], xy[:, 1], xy[:, 2], xy[:, 3]
        return a_x - cx, a_y - cy, b_x - cx, b_y - cy, b_x - a_x, b_y - a_y, a_x, a_y

    def _rasterise(self, x0, y0, step_x, step_y, nx, ny) -> tuple[np.ndarray, np.ndarray]:
        """(cell, segment) of every segment meeting a cell, sorted, without repeats."""
        n_seg = self.seg_rank.size
        ua, va = (self.seg_xy[:, 0] - x0) / step_x, (self.seg_xy[:, 1] - y0) / step_y
        ub, vb = (self.seg_xy[:, 2] - x0) / step_x, (self.seg_xy[:, 3] - y0) / step_y
        found = [np.empty(0, dtype=np.int64)]
        for lo in range(0, n_seg, _CHUNK):
            part = slice(lo, lo + _CHUNK)
            cell, seg = _cells_met(ua[part], va[part], ub[part], vb[part], nx, ny)
            found.append(cell * n_seg + seg + lo)
        keys = _distinct(np.concatenate(found))
        return keys // max(n_seg, 1), keys % max(n_seg, 1)

    # -- queries ------------------------------------------------------------------------------

    def _geos_ranks(self, dirty: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Rank of the answer for points (xs, ys) in the given dirty cells, by GEOS."""
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

    def _dirty_ranks(self, dirty: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Rank of the answer for points (xs, ys) in the given dirty cells: crossing parity from
        each cell's centre, GEOS for whatever is too close to call."""
        result = np.empty(dirty.size, dtype=np.int32)
        for lo in range(0, dirty.size, _CHUNK):
            part = slice(lo, lo + _CHUNK)
            result[part] = self._parity_ranks(dirty[part], xs[part], ys[part])
        unsure = np.flatnonzero(result < 0)
        if unsure.size:
            result[unsure] = self._geos_ranks(dirty[unsure], xs[unsure], ys[unsure])
        return result

    def _parity_ranks(self, dirty: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """As _dirty_ranks, with -1 for the points left to GEOS."""
        m, slots = dirty.size, self.slots
        cx, cy = self._centres(self.dirty_cell[dirty])
        first = self.pair_start[dirty]
        count = self.pair_start[dirty + 1] - first
        point = np.repeat(np.arange(m), count)
        pair = np.arange(point.size) + np.repeat(first - (np.cumsum(count) - count), count)
        seg = self.pair_seg[pair]
        # Vectors from the cell's centre c: q = p - c, a, b (the segment's ends); e = b - a, w = p - a.
        px, py = xs[point], ys[point]
        ax, ay, bx, by, ex, ey, a_x, a_y = self._relative(seg, cx[point], cy[point])
        qx, qy = px - cx[point], py - cy[point]
        wx, wy = px - a_x, py - a_y
        side_a = qx * ay - qy * ax  # orientation of (c, p, a)
        side_b = qx * by - qy * bx  # orientation of (c, p, b)
        side_p = ex * wy - ey * wx  # orientation of (a, b, p)
        crosses = ((side_a >= 0) != (side_b >= 0)) & ((side_p > 0) != self.pair_side[pair])
        crosses &= self.pair_slot[pair] < slots  # (cells with more candidates go to GEOS)
        q_size = np.abs(qx) + np.abs(qy)
        unsure = (
            (np.abs(side_a) <= _UNSURE * q_size * (np.abs(ax) + np.abs(ay)))
            | (np.abs(side_b) <= _UNSURE * q_size * (np.abs(bx) + np.abs(by)))
            | (np.abs(side_p) <= _UNSURE * (np.abs(ex) + np.abs(ey)) * (np.abs(wx) + np.abs(wy)))
        )
        # One entry per (point, candidate), grouped by point, candidates best first.
        start = self.cand_start[dirty]
        n_cand = np.minimum(self.cand_start[dirty + 1] - start, slots)
        offset = np.cumsum(n_cand) - n_cand
        owner = np.repeat(np.arange(m), n_cand)
        entry = np.arange(owner.size) + np.repeat(start - offset, n_cand)
        hits = offset[point[crosses]] + self.pair_slot[pair[crosses]]
        odd = (np.bincount(hits, minlength=owner.size) & 1).astype(bool)
        inside = np.flatnonzero(self.cand_in[entry] != odd)
        first = inside[np.r_[True, owner[inside[1:]] != owner[inside[:-1]]]] if inside.size else inside
        result = self.base[dirty].copy()
        result[owner[first]] = self.cand_rank[entry[first]]
        doubtful = self.geos_only[dirty]
        doubtful[point[unsure]] = True
        result[doubtful] = -1
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


def _cells_met(ua, va, ub, vb, nx, ny) -> tuple[np.ndarray, np.ndarray]:
    """(cell, segment) pairs, the segments given in cell units, each cell enlarged by _SLACK."""
    # Split segments into pieces at most one cell long, so each piece meets few cells.
    pieces = np.maximum(np.ceil(np.maximum(np.abs(ub - ua), np.abs(vb - va))), 1).astype(np.int64)
    seg = np.repeat(np.arange(ua.size), pieces)
    k = np.arange(seg.size) - (np.cumsum(pieces) - pieces)[seg]
    t0, t1 = k / pieces[seg], (k + 1) / pieces[seg]
    du, dv = (ub - ua)[seg], (vb - va)[seg]
    pu0, pv0 = ua[seg] + du * t0, va[seg] + dv * t0
    pu1, pv1 = ua[seg] + du * t1, va[seg] + dv * t1
    i_lo = np.clip(np.floor(np.minimum(pu0, pu1) - _SLACK), 0, nx - 1).astype(np.int64)
    i_hi = np.clip(np.floor(np.maximum(pu0, pu1) + _SLACK), 0, nx - 1).astype(np.int64)
    j_lo = np.clip(np.floor(np.minimum(pv0, pv1) - _SLACK), 0, ny - 1).astype(np.int64)
    j_hi = np.clip(np.floor(np.maximum(pv0, pv1) + _SLACK), 0, ny - 1).astype(np.int64)
    wide = j_hi - j_lo + 1
    count = (i_hi - i_lo + 1) * wide
    piece = np.repeat(np.arange(seg.size), count)
    k = np.arange(piece.size) - (np.cumsum(count) - count)[piece]
    i = i_lo[piece] + k // wide[piece]
    j = j_lo[piece] + k % wide[piece]
    # The piece's line separates the (enlarged) cell's corners unless they straddle it.
    du, dv, pu0, pv0 = pu1[piece] - pu0[piece], pv1[piece] - pv0[piece], pu0[piece], pv0[piece]
    # Side of the line each corner is on: the sign of du·(cy - pv0) - dv·(cx - pu0).
    x_lo, x_hi = dv * (i - _SLACK - pu0), dv * (i + 1 + _SLACK - pu0)
    y_lo, y_hi = du * (j - _SLACK - pv0), du * (j + 1 + _SLACK - pv0)
    s = (y_lo - x_lo, y_lo - x_hi, y_hi - x_lo, y_hi - x_hi)
    lowest = np.minimum(np.minimum(s[0], s[1]), np.minimum(s[2], s[3]))
    highest = np.maximum(np.maximum(s[0], s[1]), np.maximum(s[2], s[3]))
    meets = (lowest <= 0) & (highest >= 0)
    return i[meets] * ny + j[meets], seg[piece[meets]]


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

"""Point → area: the finest area whose boundary contains a lon/lat point.

One in-memory index per process, built from the boundaries once and rebuilt when the
`area_boundaries` counter (bumped in the same transaction as every boundary change) moves on.

The index holds every area with a boundary, grouped by depth, finest first. Each depth has a
shapely STRtree; a batch of points is answered depth by depth with the tree's vectorised
`query(points, predicate="intersects")`, so only points no finer area claimed fall back to the
coarser levels. On top of that sits a regular lattice over the district: a lattice cell that lies
wholly inside one finest area answers its points with a single array lookup, and only points in
cells that straddle a boundary go to the trees.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape

from core import counters

COUNTER = "area_boundaries"
_lock = threading.Lock()
_index: AreaIndex | None = None
_index_version: int | None = None


@dataclass
class _Layer:
    ids: np.ndarray
    geoms: np.ndarray
    tree: shapely.STRtree


class AreaIndex:
    def __init__(self, rows: list[tuple[int, int, dict]], lattice_cells: int = 512):
        """rows: (area id, depth, GeoJSON geometry)."""
        by_depth: dict[int, list[tuple[int, object]]] = {}
        for area_id, depth, geometry in rows:
            geom = shape(geometry)
            shapely.prepare(geom)
            by_depth.setdefault(depth, []).append((area_id, geom))
        self.layers: list[_Layer] = []
        for depth in sorted(by_depth, reverse=True):
            ids = np.array([i for i, _ in by_depth[depth]], dtype=np.int64)
            geoms = np.array([g for _, g in by_depth[depth]], dtype=object)
            self.layers.append(_Layer(ids=ids, geoms=geoms, tree=shapely.STRtree(geoms)))
        self.size = len(rows)
        self._build_lattice(lattice_cells)

    def _build_lattice(self, cells: int) -> None:
        self.lattice = None
        if not self.layers:
            return
        finest = self.layers[0]
        min_x, min_y, max_x, max_y = shapely.total_bounds(finest.geoms)
        if not (max_x > min_x and max_y > min_y):
            return
        nx = ny = cells
        step_x = (max_x - min_x) / nx
        step_y = (max_y - min_y) / ny
        xs = min_x + np.arange(nx) * step_x
        ys = min_y + np.arange(ny) * step_y
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + step_x, gy.ravel() + step_y)
        owner = np.full(nx * ny, -1, dtype=np.int64)
        # A lattice cell belongs to an area only if the area contains it entirely.
        box_idx, geom_idx = finest.tree.query(boxes, predicate="within")
        owner[box_idx] = finest.ids[geom_idx]
        self.lattice = (min_x, min_y, step_x, step_y, nx, ny, owner)

    def resolve_many(self, lons, lats) -> np.ndarray:
        """Area id per point (-1 where no area contains it)."""
        lons = np.asarray(lons, dtype=np.float64)
        lats = np.asarray(lats, dtype=np.float64)
        result = np.full(lons.shape, -1, dtype=np.int64)
        pending = np.arange(lons.size)
        if self.lattice is not None and lons.size:
            min_x, min_y, step_x, step_y, nx, ny, owner = self.lattice
            ix = np.floor((lons - min_x) / step_x).astype(np.int64)
            iy = np.floor((lats - min_y) / step_y).astype(np.int64)
            inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
            cell_owner = np.full(lons.shape, -1, dtype=np.int64)
            cell_owner[inside] = owner[ix[inside] * ny + iy[inside]]
            result = cell_owner
            pending = np.flatnonzero(cell_owner < 0)
        for layer in self.layers:
            if pending.size == 0:
                break
            points = shapely.points(lons[pending], lats[pending])
            point_idx, geom_idx = layer.tree.query(points, predicate="intersects")
            if point_idx.size:
                # A point on a shared edge touches two areas: keep the first.
                first, where = np.unique(point_idx, return_index=True)
                result[pending[first]] = layer.ids[geom_idx[where]]
            pending = pending[result[pending] < 0]
        return result

    def resolve(self, lon: float, lat: float) -> int | None:
        if self.lattice is not None:
            min_x, min_y, step_x, step_y, nx, ny, owner = self.lattice
            ix = int((lon - min_x) // step_x)
            iy = int((lat - min_y) // step_y)
            if 0 <= ix < nx and 0 <= iy < ny:
                hit = int(owner[ix * ny + iy])
                if hit >= 0:
                    return hit
        point = shapely.Point(lon, lat)
        for layer in self.layers:
            hits = layer.tree.query(point, predicate="intersects")
            if hits.size:
                return int(layer.ids[int(hits.min())])
        return None


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

"""Track geometry for patrols: distances, point checks and grid coverage.

All geometry is done in a local equirectangular projection around the grid's centre
(x = R·Δλ·cos φ0, y = R·Δφ, in metres), which is accurate to well under 1 % over a grid a few
kilometres across. Distances between consecutive points use the haversine formula.

Coverage of a grid by a track (docs/engagement.md):

    cells   = the centres of a square raster of CELL_M (50 m) over the grid's bounding box that
              lie inside the grid's boundary
    covered = the cells whose centre lies within REACH_M (30 m) of the track (the polyline
              through the accepted points, in time order)
    share   = covered / cells

A grid larger than MAX_CELLS cells is rastered with larger cells (side √(area / MAX_CELLS)) so
that the computation stays bounded; the share is then coarser, never wrong by construction.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString, Point, shape

EARTH_R = 6_371_008.8
CELL_M = 50.0
REACH_M = 30.0
MAX_CELLS = 40_000


def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_R * math.asin(min(1.0, math.sqrt(a)))


def track_length(points) -> float:
    """Metres along consecutive (lon, lat) points."""
    return sum(haversine(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:], strict=False))


class LocalFrame:
    """The grid's boundary in local metres, for the point checks and the coverage raster."""

    def __init__(self, boundary: dict, center: tuple[float, float] | None = None):
        geometry = shape(boundary)
        lon0, lat0 = center or (geometry.centroid.x, geometry.centroid.y)
        self.lon0, self.lat0 = lon0, lat0
        self.kx = EARTH_R * math.cos(math.radians(lat0)) * math.pi / 180
        self.ky = EARTH_R * math.pi / 180
        self.polygon = shapely.transform(geometry, self._project_array)
        shapely.prepare(self.polygon)

    def _project_array(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack([(coords[:, 0] - self.lon0) * self.kx, (coords[:, 1] - self.lat0) * self.ky])

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def distance_outside(self, lon: float, lat: float) -> float:
        """0 inside the grid, else the metres to its boundary."""
        return float(self.polygon.distance(Point(*self.project(lon, lat))))

    def cells(self) -> np.ndarray:
        if getattr(self, "_cells", None) is None:
            self._cells = self._raster()
            self._cell_points = shapely.points(self._cells) if len(self._cells) else None
        return self._cells

    def _raster(self) -> np.ndarray:
        minx, miny, maxx, maxy = self.polygon.bounds
        side = CELL_M
        if (maxx - minx) * (maxy - miny) / (side * side) > MAX_CELLS:
            side = math.sqrt(self.polygon.area / MAX_CELLS)
            while (maxx - minx) * (maxy - miny) / (side * side) > 4 * MAX_CELLS:
                side *= 1.5
        xs = np.arange(minx + side / 2, maxx, side)
        ys = np.arange(miny + side / 2, maxy, side)
        gx, gy = np.meshgrid(xs, ys)
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(self.polygon, gx, gy)
        return np.column_stack([gx[inside], gy[inside]])

    def coverage(self, points) -> float:
        """The share of the grid's cells within REACH_M of the track through `points` (lon, lat)."""
        if not points:
            return 0.0
        cells = self.cells()
        if len(cells) == 0:
            return 0.0
        xy = [self.project(lon, lat) for lon, lat in points]
        track = LineString(xy) if len(xy) > 1 else Point(xy[0])
        near = shapely.dwithin(track, self._cell_points, REACH_M)
        return round(float(np.count_nonzero(near)) / len(cells), 4)

"""Hand-built case logs for the early-warning tests: cases written straight into the table (the
detection job reads only the table), at exact distances north or east of a base point."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SH)
BASE_A = (114.05, 35.60)   # in grid A1-1 (114.00–114.15 E)
BASE_B = (114.40, 35.60)   # in grid B1-1 (114.30–114.45 E)
_serial = itertools.count(1)


def north(base, metres: float) -> tuple[float, float]:
    """The point `metres` due north of `base` (along a meridian the haversine distance is exact)."""
    from earlywarning.detection import METRES_PER_DEGREE

    return base[0], base[1] + metres / METRES_PER_DEGREE


def east(base, metres: float) -> tuple[float, float]:
    from earlywarning.detection import METRES_PER_DEGREE

    return base[0] + metres / (METRES_PER_DEGREE * math.cos(math.radians(base[1]))), base[1]


class Log:
    def __init__(self, cast):
        from cases.models import Category

        self.cast = cast
        major = Category.objects.create(code="T01", name="测试大类", kind="event")
        self.pothole = Category.objects.create(code="T0101", name="道路坑洼", kind="event", parent=major)
        self.litter = Category.objects.create(code="T0102", name="垃圾乱堆", kind="event", parent=major)

    def case(self, point, category=None, *, days_ago: float = 1, grid=None, channel="resident_qr", phone="",
             reporter=None, state="reported"):
        from cases.models import Case
        from core.crypto import encrypt

        grid = grid or (self.cast.grid_a11 if point[0] < 114.15 else
                        self.cast.grid_a12 if point[0] < 114.3 else self.cast.grid_b11)
        n = next(_serial)
        return Case.objects.create(
            number=f"EW{n:08d}", category=category or self.pothole, description="测试", lon=point[0], lat=point[1],
            grid=grid, area_path=grid.path, district_code=grid.district_code, channel=channel, owner_area=grid,
            owner_level="grid", state=state, created_at=NOW - dt.timedelta(days=days_ago),
            reporter_phone=encrypt(phone), reporter=reporter)


@pytest.fixture
def log(cast):
    return Log(cast)

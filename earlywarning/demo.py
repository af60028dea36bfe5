"""The demo's early warnings: three residents report exposed rubbish within 160 m of each other in
one grid over the last three days (a cluster, through the ordinary intake), then one detection
run over the whole demo (which may find more in the generated cases)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from areas.models import Area
from cases.models import Case, Category
from earlywarning.detection import METRES_PER_DEGREE, detect

CATEGORY = "E0101"
PHONES = ("13700000001", "13700000002", "13700000003")


def load_demo_warnings(district: Area) -> dict:
    from cases.actions import report_case

    grid = (Area.objects.filter(path__startswith=district.path, level="grid", center_lat__isnull=False)
            .defer("boundary").order_by("code").first())
    planted = 0
    if grid is not None and Category.objects.filter(code=CATEGORY).exists() and not Case.objects.filter(
            grid=grid, description__startswith="【预警示例】").exists():
        now = timezone.now()
        for i, phone in enumerate(PHONES):
            report_case(None, channel="resident_qr", category_code=CATEGORY, grid=grid,
                        lon=grid.center_lon, lat=grid.center_lat + 80 * i / METRES_PER_DEGREE,
                        description="【预警示例】小区门口垃圾堆放多日无人清运", reporter_phone=phone,
                        created_at=now - dt.timedelta(days=2 - i, hours=3))
            planted += 1
    result = detect()
    return {"planted": planted, **result}

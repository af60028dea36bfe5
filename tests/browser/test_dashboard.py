"""The command-center dashboard in Chromium: the map draws the viewer's areas, the charts draw,
drill-down reaches a street, and nothing on the page errors."""

from __future__ import annotations

import pytest

from tests.browser.test_case_loop import live_loop  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

A11 = (114.07, 35.6)
B11 = (114.4, 35.6)


def test_the_dashboard_draws_its_map_and_charts_and_drills_down(live_loop, session):  # noqa: F811
    from cases import actions

    for lon, lat in (A11, A11, B11):
        actions.report_case(live_loop.worker_a11 if lon == A11[0] else live_loop.worker_b11, channel="grid_worker",
                            category_code="E0101", description="暴露垃圾", lon=lon, lat=lat)
    s = session(viewport={"width": 1280, "height": 900})
    s.login("command", live_loop.password)
    s.goto("/assessment/dashboard/")
    page = s.page
    page.wait_for_selector("#dash-map .leaflet-interactive")  # the streets, drawn
    page.wait_for_selector("#chart-trend canvas")
    page.wait_for_selector("#chart-categories canvas")
    # the open cases drawn as server-side buckets (two cells: grid A1-1's two cases, B1-1's one),
    # the layer switch, the hot-spot layer switched on without errors
    page.wait_for_selector("#dash-map[data-buckets]")
    assert int(page.get_attribute("#dash-map", "data-buckets")) >= 1
    assert page.locator(".bucket-icon").count() + page.locator("#dash-map path.leaflet-interactive").count() >= 2
    page.locator(".leaflet-control-layers-overlays input").nth(1).check()
    page.wait_for_selector("#dash-map canvas.leaflet-heatmap-layer")
    areas = page.inner_text("#dash-areas")
    assert "甲街道" in areas and "乙街道" in areas
    assert "2" in page.inner_text("#dash-lights") or "3" in page.inner_text("#dash-lights")
    page.click("#dash-areas a:has-text('甲街道')")
    page.wait_for_selector("#dash-breadcrumb")
    assert "甲街道" in page.inner_text("#dash-breadcrumb")
    page.wait_for_selector("#dash-map .leaflet-interactive")
    assert "甲一社区" in page.inner_text("#dash-areas") and "乙街道" not in page.inner_text("#dash-areas")
    assert s.problems == []

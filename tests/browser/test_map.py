"""The map and area pages in a real browser: drill-down, scope (404), and a phone-sized screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/gridgov-map.png"


def shape(tree_area) -> str:
    return f"#map path.area-{tree_area.pk}"


def test_street_officer_drills_down_from_community_to_grid_page(live_tree, session):
    s = session(viewport={"width": 1280, "height": 800})
    s.login("street_a")
    page = s.page
    assert "东风街道干部" in page.inner_text("header")

    s.goto("/areas/")
    # The street officer's one root (the street) opens on its communities.
    page.wait_for_selector(shape(live_tree.community_a))
    assert page.get_attribute("#map", "data-area") == str(live_tree.street_a.pk)
    assert page.locator("#map path.area-shape").count() == 1  # 幸福社区 only; street B is not there
    assert "东风街道" in page.inner_text("#map-breadcrumb")
    assert "示范区" not in page.inner_text("#map-breadcrumb")

    page.click(shape(live_tree.community_a))
    page.wait_for_selector(f'#map[data-area="{live_tree.community_a.pk}"]')
    page.wait_for_selector(shape(live_tree.grid_a1))
    page.wait_for_selector(shape(live_tree.grid_a2))
    assert "幸福社区" in page.inner_text("#map-breadcrumb")
    assert "幸福社区第一网格" in page.inner_text("#map-children")

    # A grid has nothing below it: clicking selects it and the panel links to its page.
    page.click(shape(live_tree.grid_a1))
    link = page.locator("#map-open-area")
    assert link.get_attribute("href") == live_tree.grid_a1.get_absolute_url()
    link.click()
    page.wait_for_url(s.base_url + live_tree.grid_a1.get_absolute_url())
    assert "幸福社区第一网格" in page.inner_text("h1")
    assert "张网格" in page.inner_text("#staff")
    page.wait_for_selector('.minimap[data-state="ready"]')

    # The breadcrumb goes back up to the community, and the map remembered where we were.
    page.click(f'.breadcrumb a[href="{live_tree.community_a.get_absolute_url()}"]')
    assert "幸福社区" in page.inner_text("h1")
    s.goto(f"/areas/?area={live_tree.community_a.pk}")
    page.wait_for_selector(shape(live_tree.grid_a2))
    assert not s.problems, s.problems


def test_grid_worker_of_another_street_gets_the_404_page(live_tree, session):
    s = session()
    s.login("worker_b1")
    response = s.goto(live_tree.grid_a1.get_absolute_url())
    assert response.status == 404
    assert "页面不存在" in s.page.inner_text("main")
    assert "幸福社区第一网格" not in s.page.content()
    response = s.goto(f"/areas/{live_tree.street_a.pk}/children.geojson")
    assert response.status == 404


def test_grid_worker_map_on_a_phone(live_tree, session):
    s = session(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    s.login("worker_a1")
    page = s.page
    s.goto("/areas/")
    # A grid worker's root is the grid itself, which has nothing below it: it is shown and selected.
    page.wait_for_selector(shape(live_tree.grid_a1))
    page.wait_for_selector("#map-open-area")
    assert "幸福社区第一网格" in page.inner_text("#map-current")
    assert page.locator("#map path.area-shape").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    box = page.locator("#map").bounding_box()
    assert box["width"] >= 350 and box["height"] >= 300
    page.wait_for_timeout(300)  # let the fitBounds animation settle before the picture
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.locator("#map-open-area").tap()
    page.wait_for_url(s.base_url + live_tree.grid_a1.get_absolute_url())
    assert not s.problems, s.problems

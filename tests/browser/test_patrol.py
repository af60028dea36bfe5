"""A grid worker's patrol on a phone in Chromium: start, walk (the emulated GPS moves), report a
problem on the way (a case is created and linked to the patrol), end; the patrol shows its
distance and points."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "geolocation": {"latitude": 35.6, "longitude": 114.07}, "permissions": ["geolocation"]}


@pytest.fixture
def live_cast(transactional_db, settings, tmp_path):
    from cases.catalog import load_default_catalog
    from conftest import PASSWORD, build_cast

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cast = build_cast()
    load_default_catalog()
    cast.password = PASSWORD
    return cast


def test_a_grid_worker_patrols_on_the_phone(live_cast, session):
    from patrols.models import Patrol, PatrolCase

    cast = live_cast
    worker = session(**PHONE)
    page = worker.page
    page.on("dialog", lambda dialog: dialog.accept())
    worker.login("worker_a11", cast.password)
    worker.goto(reverse("patrols:mine"))
    page.click("#patrol-start")
    page.wait_for_selector("#patrol-live")

    # walk east in steps of ~18 m
    for i in range(1, 5):
        page.wait_for_timeout(1500)
        worker.context.set_geolocation({"latitude": 35.6, "longitude": 114.07 + 0.0002 * i})
    page.wait_for_function("Number(document.getElementById('patrol-points').textContent) >= 3", timeout=20_000)
    assert int(page.inner_text("#patrol-distance")) > 0

    # a problem on the way
    page.click("#patrol-report")
    page.wait_for_selector('#report-gps[data-state="located"]')
    page.select_option("#id_category", "E0101")
    page.fill("#id_description", "路边垃圾堆放")
    page.click("#patrol-report-submit")
    page.wait_for_selector("#patrol-live")
    patrol = Patrol.objects.get(worker=cast.worker_a11)
    link = PatrolCase.objects.select_related("case").get(patrol=patrol)
    assert link.case.channel == "grid_worker" and link.case.description == "路边垃圾堆放"

    # one more step, then end
    worker.context.set_geolocation({"latitude": 35.6001, "longitude": 114.0712})
    page.wait_for_timeout(1500)
    page.click("#patrol-end")
    page.wait_for_selector("#patrol-facts")
    patrol.refresh_from_db()
    assert patrol.state == "ended" and patrol.point_count >= 3 and patrol.distance_m > 30
    assert page.inner_text("#patrol-points").strip() == str(patrol.point_count)
    assert page.inner_text("#patrol-distance").strip().startswith(str(round(patrol.distance_m)))
    assert link.case.number in page.inner_text("#patrol-cases")
    page.wait_for_selector("#patrol-map path.leaflet-interactive")  # the track drawn over the grid
    page.screenshot(path="/tmp/gridgov-patrol.png")
    assert worker.problems == []

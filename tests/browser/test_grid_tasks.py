"""A task sent down to grids, in Chromium: a street officer sends a task to two grids, the grid
worker completes their items on a phone, the sender watches the progress change (htmx polling)
and sees what is not done."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def live_cast(transactional_db):
    from conftest import PASSWORD, build_cast

    cast = build_cast()
    cast.password = PASSWORD
    return cast


def test_a_task_sent_to_two_grids_and_completed(live_cast, session):
    from gridtasks.models import GridTask, GridTaskItem

    cast = live_cast

    # 1. the street officer sends a task to grids A1-1 and A1-2
    officer = session(**DESKTOP)
    officer.login("officer_a", cast.password)
    officer.goto(reverse("gridtasks:list"))
    officer.page.click("#send-task")
    officer.page.select_option("#id_sender_area", str(cast.street_a.pk))
    officer.page.fill("#id_title", "寒潮期间走访独居老人")
    officer.page.fill("#id_instructions", "逐户查看取暖和饮食情况")
    officer.page.select_option("#id_kind", "items")
    officer.page.fill("#id_due_date", (timezone.localdate() + dt.timedelta(days=2)).isoformat())
    officer.page.fill("#id_due_time", "18:00")
    for grid in (cast.grid_a11, cast.grid_a12):
        officer.page.check(f'input[name="grids"][value="{grid.pk}"]')
    officer.page.fill("#id_items", "查看取暖设施\n告知防寒措施")
    officer.page.click('#task-form button[type="submit"]')
    officer.page.wait_for_url(re.compile(r".*/gridtasks/\d+/$"))
    task = GridTask.objects.get()
    assert task.total == 4
    assert officer.page.inner_text("#progress-total").strip() == "0/4"

    # 2. the grid worker of A1-1 completes both items on the phone
    worker = session(**PHONE)
    worker.login("worker_a11", cast.password)
    worker.goto(reverse("cases:mobile"))
    worker.page.click("#tasks-button")
    worker.page.wait_for_url(re.compile(r".*/gridtasks/mine/$"))
    items = worker.page.locator("li.item")
    assert items.count() == 2
    width = worker.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone page scrolls sideways ({width}px)"
    worker.page.locator("li.item").first.locator("button").click()
    worker.page.wait_for_selector(".messages li")
    item = worker.page.locator("li.item").first
    item.locator("select[name=result]").select_option("not_found")
    item.locator("input[name=note]").fill("家中无人，已联系其女儿确认在外地")
    item.locator("button").click()
    worker.page.wait_for_selector("#no-tasks")
    assert GridTaskItem.objects.filter(part__task=task, state="done").count() == 1
    assert GridTaskItem.objects.filter(part__task=task, state="not_found").count() == 1

    # 3. the sender's page updates by itself: A1-1 done, A1-2's two items listed as not done
    officer.page.wait_for_function(
        "document.querySelector('#progress-total').textContent.trim() === '2/4'", timeout=15_000)
    row = officer.page.locator(f'#progress-table tr[data-grid="{cast.grid_a11.code}"]')
    assert row.locator(".done").inner_text().strip() == "2/2"
    not_done = officer.page.locator("#not-done li")
    assert not_done.count() == 2
    assert {not_done.nth(i).get_attribute("data-grid") for i in range(2)} == {cast.grid_a12.code}
    assert not officer.problems, officer.problems
    assert not worker.problems, worker.problems

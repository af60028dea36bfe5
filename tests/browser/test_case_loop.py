"""The whole case loop in Chromium: a grid worker reports from a phone (GPS point, camera photo),
the command center accepts, files and dispatches to two departments, both report back, the grid
worker verifies on site with a photo and the resident rates through the tracking code."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import NoReverseMatch, reverse
from PIL import Image

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/gridgov-case.png"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "geolocation": {"latitude": 35.6, "longitude": 114.07}, "permissions": ["geolocation"]}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def jpeg(color=(200, 80, 40)) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


@pytest.fixture
def live_loop(transactional_db, settings, tmp_path):
    """The test cast, the default catalog and a second district department (like cases/tests'
    `loop`), with photos stored in a folder of the test's own."""
    from accounts.actions import create_user, grant_role
    from areas.actions import save_department
    from cases.catalog import load_default_catalog
    from conftest import PASSWORD, build_cast

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cast = build_cast()
    load_default_catalog()
    sz = save_department(None, name="区市政局", code="410611-SZ", kind="municipal", area=cast.district)
    handler = create_user(None, username="handler_sz", password=PASSWORD, full_name="市政承办")
    grant_role(None, user=handler, role="department_handler", department=sz)
    cast.users["handler_sz"] = handler
    cast.dept_sz = sz
    cast.password = PASSWORD
    return cast


def login(s, cast, username):
    s.login(username, cast.password)


def state_text(page) -> str:
    return page.inner_text("#case-state").strip()


def one_click(page, name):
    page.click(f'#case-actions button[data-action="{name}"]')
    page.wait_for_selector(".messages li")


def open_form(page, name):
    page.click(f'#case-actions summary[data-action="{name}"]')
    return f"#act-{name}"


def test_the_whole_loop_in_the_browser(live_loop, session):
    from cases.models import Case

    cast = live_loop

    # 1. the grid worker reports from the phone: position from GPS, photo from the camera
    worker = session(**PHONE)
    login(worker, cast, "worker_a11")
    worker.goto(reverse("cases:mobile"))
    worker.page.click("#report-button")
    worker.page.wait_for_selector('#pick-map[data-state="picked"]')
    assert worker.page.input_value("#id_lon").startswith("114.07")
    assert worker.page.input_value("#id_lat").startswith("35.6")
    assert worker.page.get_attribute("#id_photos", "capture") == "environment"
    worker.page.set_input_files("#id_photos", [jpeg()])
    worker.page.select_option("#id_category", "E0101")
    worker.page.fill("#id_description", "小区门口暴露垃圾，已堆放两天")
    assert worker.page.is_hidden("#field-after_photos")
    worker.page.click("#report-submit")
    worker.page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    case = Case.objects.get()
    assert case.number in worker.page.inner_text(".messages")
    assert state_text(worker.page) == "已上报"
    assert case.grid_id == cast.grid_a11.pk and case.photos.count() == 1
    worker.page.wait_for_selector('#case-map[data-state="ready"]')
    assert worker.page.locator("#case-photos img").count() == 1

    # 2. the command center: accept, file, dispatch to two departments at once
    command = session(**DESKTOP)
    login(command, cast, "command")
    command.goto(reverse("cases:desk"))
    command.page.wait_for_selector('#desk-map[data-state="ready"]')
    assert command.page.get_attribute("#desk-map", "data-points") == "1"
    command.page.click(f'#desk-table a:text("{case.number}")')
    command.page.wait_for_url(re.compile(rf".*/cases/{case.pk}/$"))
    one_click(command.page, "accept")
    assert state_text(command.page) == "已受理"
    one_click(command.page, "file")
    assert state_text(command.page) == "已立案"
    form = open_form(command.page, "dispatch")
    for department in (cast.dept_cg, cast.dept_sz):
        command.page.check(f'{form} input[name="departments"][value="{department.pk}"]')
    command.page.fill(f"{form} textarea[name=note]", "联合派遣：城管、市政")
    command.page.click(f'{form} button[data-submit="dispatch"]')
    command.page.wait_for_selector(".messages li")
    assert state_text(command.page) == "已派遣"
    assert command.page.locator("#case-tasks tbody tr").count() == 2

    # 3. both departments take the task and report back with a photo
    for username in ("handler_cg", "handler_sz"):
        handler = session(**DESKTOP)
        login(handler, cast, username)
        handler.goto(reverse("cases:department"))
        handler.page.click(f'#task-table a:text("{case.number}")')
        one_click(handler.page, "accept_task")
        form = open_form(handler.page, "report_back")
        handler.page.fill(f"{form} textarea[name=note]", f"{username} 已处理完毕")
        handler.page.set_input_files(f"{form} input[name=photos]", [jpeg((40, 160, 60))])
        handler.page.click(f'{form} button[data-submit="report_back"]')
        handler.page.wait_for_selector(".messages li")
        assert not handler.problems, handler.problems
    case.refresh_from_db()
    assert case.state == "verifying"

    # 4. the grid worker verifies on site, with a photo
    worker.goto(reverse("cases:mobile"))
    worker.page.click(f'#to-verify a[data-case="{case.pk}"]')
    form = open_form(worker.page, "verify_pass")
    assert worker.page.get_attribute(f"{form} input[name=photos]", "accept") == "image/*"
    worker.page.set_input_files(f"{form} input[name=photos]", [jpeg((90, 90, 200))])
    worker.page.fill(f"{form} textarea[name=note]", "现场已清理干净")
    worker.page.click(f'{form} button[data-submit="verify_pass"]')
    worker.page.wait_for_selector(".messages li")
    assert state_text(worker.page) == "已结案"

    # 5. the resident rates through the tracking code
    try:
        tracking = reverse("public:track", args=[case.tracking_code])
    except NoReverseMatch:  # the resident pages are not there: rate through the action
        from cases import actions

        actions.rate(case.tracking_code, rating=5, comment="处理很快")
    else:
        resident = session(viewport={"width": 390, "height": 844}, is_mobile=True)
        resident.goto(tracking)
        resident.page.check('input[name="rating"][value="5"]')
        resident.page.fill('textarea[name="comment"]', "处理很快")
        resident.page.click('form:has(input[name="rating"]) button[type="submit"]')
        resident.page.wait_for_selector(".messages li, .messages")

    # the final state, on the page and in the database
    command.goto(case.get_absolute_url())
    page = command.page
    page.wait_for_selector('#case-map[data-state="ready"]')
    assert state_text(page) == "已结案"
    assert "5/5" in page.inner_text("#case-rating")
    timeline = page.inner_text("#case-timeline")
    for label in ("已上报", "受理", "立案", "派遣", "签收", "反馈办理结果", "核查通过，结案", "评价"):
        assert label in timeline, label
    page.screenshot(path=SCREENSHOT, full_page=True)
    case.refresh_from_db()
    assert (case.state, case.rating, case.closed_on_time, case.resolved_level) == ("closed", 5, True, "district")
    assert list(case.events.values_list("action", flat=True)) == [
        "report", "accept", "file", "dispatch", "accept_task", "report_back", "accept_task", "report_back",
        "verify_pass", "rate"]
    assert sorted(case.photos.values_list("kind", flat=True)) == ["handled", "handled", "report", "verify"]
    for s in (worker, command):
        assert not s.problems, s.problems


def test_a_phone_without_gps_reports_by_tapping_the_map(live_loop, session):
    from cases.models import Case

    s = session(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(s, live_loop, "worker_a11")
    s.goto(reverse("cases:mobile-report"))
    page = s.page
    page.wait_for_selector("#pick-map .leaflet-interactive")
    # the grid outline is drawn; scroll the map into view (the menu above it wraps on a phone) and tap inside it
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector('#pick-map[data-state="picked"]')
    page.set_input_files("#id_photos", [jpeg()])
    page.select_option("#id_category", "E0101")
    page.fill("#id_description", "路灯不亮")
    page.check("#id_self_resolved")
    assert page.is_visible("#field-after_photos")
    page.set_input_files("#id_after_photos", [jpeg((10, 200, 10))])
    page.click("#report-submit")
    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    case = Case.objects.get()
    assert case.state == "closed" and case.self_resolved and case.grid_id == live_loop.grid_a11.pk
    assert "已结案" in page.inner_text("#case-state")
    assert not s.problems, s.problems


def test_an_operator_sees_a_possible_duplicate_before_saving_and_merges_it(live_loop, session):
    from cases import actions
    from cases.models import Case
    from cases.tests.conftest import make_photo

    cast = live_loop
    original, _created = actions.report_case(cast.worker_a11, channel="grid_worker", category_code="E0101",
                                             description="路边垃圾", lon=114.07, lat=35.6, photos=[make_photo()])
    s = session(**DESKTOP)
    login(s, cast, "command")
    s.goto(reverse("cases:new"))
    page = s.page
    page.select_option("#id_channel", "hotline_12345")
    page.select_option("#id_category", "E0101")
    page.fill("#id_description", "市民来电：路边垃圾无人清运")
    # the place: typed in (the map fills the same fields when clicked)
    page.fill("#id_lon", "114.0703")
    page.fill("#id_lat", "35.6")
    page.dispatch_event("#id_lat", "change")
    page.wait_for_selector(f'#duplicates a:text("{original.number}")')
    page.fill("#id_reporter_phone", "13812345678")
    page.click('#intake-form button[type="submit"]')
    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    repeat = Case.objects.exclude(pk=original.pk).get()
    assert repeat.channel == "hotline_12345"
    assert "138****5678" in page.inner_text("#reporter-phone")
    page.click(f'#case-duplicates a[data-merge="{original.number}"]')
    assert page.input_value("#id_into") == original.number
    page.fill("#action-form textarea[name=note]", "同一堆垃圾")
    page.check("#id_confirm")
    page.click('#action-form button[type="submit"]')
    page.wait_for_url(s.base_url + original.get_absolute_url())
    repeat.refresh_from_db()
    assert repeat.state == "merged" and repeat.merged_into_id == original.pk
    assert repeat.number in page.inner_text("main")  # listed among the repeated reports
    assert not s.problems, s.problems

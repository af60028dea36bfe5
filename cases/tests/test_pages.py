"""The case pages: every URL walked as every persona (200 in scope, 404 out of scope, 403 for a
step the role may not take), the write paths through the pages, and the grid worker's report."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cases import actions
from cases.access import allowed_actions
from cases.models import Case, CaseEvent, CaseTask, Category
from cases.workflow import TRANSITIONS
from core.crypto import encrypt
from core.models import AuditLog, Notification

pytestmark = pytest.mark.django_db

A11 = (114.07, 35.6)
B11 = (114.35, 35.6)

PERSONAS = ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
            "worker_b11", "handler_cg", "handler_bcg", "handler_sz", "stranger"]
# Who sees the case in grid A1-1 (dispatched to the district's 城管, CG) and the case in grid B1-1
# (dispatched to street B's squad, BCG): the roles of the area, and a department only through the
# task it was given (handler_sz's department has none).
SEES = {
    "a": {"command", "leader", "admin", "officer_a", "officer_a1", "chief_a11", "worker_a11", "handler_cg"},
    "b": {"command", "leader", "admin", "officer_b", "worker_b11", "handler_bcg"},
}
OPERATORS = {"command", "officer_a", "officer_b", "officer_a1", "chief_a11"}
GRID_STAFF = {"chief_a11", "worker_a11", "worker_b11"}
TASKS_OF = {"handler_cg": "a", "handler_bcg": "b"}  # whose department desk lists which case


def report(loop, photo, user="worker_a11", point=A11, **kwargs):
    values = dict(channel="grid_worker", category_code="E0101", description="路边有一堆生活垃圾",
                  lon=point[0], lat=point[1], photos=[photo()])
    values.update(kwargs)
    case, _created = actions.report_case(loop.users[user], **values)
    return case


def dispatched(loop, photo, user, point, department):
    case = report(loop, photo, user=user, point=point)
    actions.accept(loop.command, case)
    actions.file(loop.command, case)
    actions.dispatch(loop.command, case, departments=[department])
    case.refresh_from_db()
    return case


@pytest.fixture
def world(loop, photo):
    """A case in grid A1-1 dispatched to the district's 城管, one in B1-1 to street B's squad."""
    loop.case_a = dispatched(loop, photo, "worker_a11", A11, loop.dept_cg)
    loop.case_b = dispatched(loop, photo, "worker_b11", B11, loop.dept_bcg)
    for name in ("worker_a11", "worker_b11"):
        Notification.objects.create(user=loop.users[name], kind="case.test", message=f"给{name}的消息",
                                    url=reverse("cases:detail", args=[loop.case_a.pk]))
    return loop


def as_(client, loop, persona):
    client.logout()
    if persona is not None:
        client.force_login(loop.users[persona])
    return client


def state_of(case) -> tuple:
    case = Case.objects.get(pk=case.pk)
    return (case.state, case.version, CaseEvent.objects.filter(case=case).count(),
            sorted(CaseTask.objects.filter(case=case).values_list("state", flat=True)))


# --- every page, every persona ---------------------------------------------------------------


def scoped(which):
    return lambda persona: 200 if persona in SEES[which] else 404


def only(personas, otherwise=403):
    return lambda persona: 200 if persona in personas else otherwise


def everyone(persona):
    return 200


def page_table(w) -> list[tuple[str, object]]:
    a, b = w.case_a, w.case_b
    note_a = Notification.objects.get(user=w.worker_a11)
    minor = Category.objects.get(code="E0101")
    rows = [
        (reverse("cases:detail", args=[a.pk]), scoped("a")),
        (reverse("cases:detail", args=[b.pk]), scoped("b")),
        (reverse("cases:photo", args=[a.photos.first().pk]), scoped("a")),
        (reverse("cases:photo", args=[b.photos.first().pk]), scoped("b")),
        (reverse("cases:new"), only(OPERATORS)),
        (reverse("cases:mobile-report"), only(GRID_STAFF)),
        (reverse("cases:mobile"), everyone),
        (reverse("cases:department"), everyone),
        (reverse("cases:inbox"), everyone),
        (reverse("cases:inbox-open", args=[note_a.pk]), lambda p: 302 if p == "worker_a11" else 404),
        (reverse("cases:catalog"), everyone),
        (reverse("cases:standard-edit", args=[minor.pk]), only({"admin"})),
        (reverse("cases:duplicates") + f"?category=E0101&lon={A11[0]}&lat={A11[1]}", everyone),
    ]
    rows += [(reverse("cases:desk") + f"?tab={tab}", everyone)
             for tab in ("reported", "accepted", "filed", "overdue", "returned", "extension", "suspended", "open",
                         "all")]
    for which, case in (("a", a), ("b", b)):
        for name, transition in TRANSITIONS.items():
            if transition.who == "reporter":
                continue
            rows.append((reverse("cases:act", args=[case.pk, name]), action_page(w, which, case, name)))
    return rows


def action_page(w, which, case, name):
    def expected(persona):
        if persona not in SEES[which]:
            return 404
        return 200 if name in allowed_actions(w.users[persona], Case.objects.get(pk=case.pk)) else 403
    return expected


def test_every_page_as_every_persona(client, world):
    failures = []
    for url, expected in page_table(world):
        for persona in PERSONAS:
            status = as_(client, world, persona).get(url).status_code
            if status != expected(persona):
                failures.append(f"{persona} {url}: {status}, expected {expected(persona)}")
    assert not failures, "\n".join(failures)


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url, _expected in page_table(world):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_action_table_allows_what_the_workflow_says(world):
    """Spot checks that the walk above is not only comparing allowed_actions with itself."""
    a = Case.objects.get(pk=world.case_a.pk)
    assert allowed_actions(world.handler_cg, a) == ["accept_task", "return_task", "request_extension"]
    assert allowed_actions(world.command, a) == ["suspend", "void"]
    assert set(allowed_actions(world.leader, a)) == {"supervise", "remind"}
    for persona in ("worker_a11", "chief_a11", "officer_a", "handler_sz", "handler_bcg", "stranger"):
        assert allowed_actions(world.users[persona], a) == [], persona


@pytest.mark.parametrize("url_name", ["desk-all", "desk-open", "mobile", "department", "duplicates-a",
                                      "duplicates-b"])
def test_lists_show_only_cases_in_scope(client, world, url_name):
    a, b = world.case_a, world.case_b
    url = {
        "desk-all": reverse("cases:desk") + "?tab=all",
        "desk-open": reverse("cases:desk") + "?tab=open",
        "mobile": reverse("cases:mobile"),
        "department": reverse("cases:department") + "?tab=new",
        "duplicates-a": reverse("cases:duplicates") + f"?category=E0101&lon={A11[0]}&lat={A11[1]}",
        "duplicates-b": reverse("cases:duplicates") + f"?category=E0101&lon={B11[0]}&lat={B11[1]}",
    }[url_name]
    for persona in PERSONAS:
        html = as_(client, world, persona).get(url).content.decode()
        for which, case in (("a", a), ("b", b)):
            if url_name == "department":
                listed = TASKS_OF.get(persona) == which
            elif url_name.startswith("duplicates"):
                listed = persona in SEES[which] and url_name.endswith(which)
            else:
                listed = persona in SEES[which]
            assert (case.number in html) == listed, (persona, url_name, which)


def test_the_desk_map_and_counts_follow_the_filters(client, world):
    as_(client, world, "command")
    html = client.get(reverse("cases:desk") + f"?tab=open&street={world.street_a.pk}").content.decode()
    points = re.search(r'<script id="desk-map-config" type="application/json">(.*?)</script>', html).group(1)
    assert world.case_a.number in points and world.case_b.number not in points
    html = client.get(reverse("cases:desk") + "?tab=all&q=" + world.case_b.number).content.decode()
    assert world.case_b.number in html and world.case_a.number not in html
    html = client.get(reverse("cases:desk") + "?tab=all&channel=hotline_12345").content.decode()
    assert world.case_a.number not in html and "暂无" in html


@pytest.mark.parametrize("persona, url, limit", [
    ("command", "desk", 24),
    ("command", "detail", 16),
    ("handler_cg", "department", 15),
    ("worker_a11", "mobile", 11),
])
def test_list_pages_need_a_fixed_number_of_queries(client, world, photo, django_assert_max_num_queries,
                                                  persona, url, limit):
    for _ in range(5):
        dispatched(world, photo, "worker_a11", A11, world.dept_cg)
    url = {"desk": reverse("cases:desk") + "?tab=all", "detail": world.case_a.get_absolute_url(),
           "department": reverse("cases:department"), "mobile": reverse("cases:mobile")}[url]
    as_(client, world, persona)
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200


# --- actions through the pages ---------------------------------------------------------------


@pytest.mark.parametrize("persona, name, status", [
    ("worker_a11", "suspend", 403),  # grid staff do not own a district case
    ("chief_a11", "void", 403),
    ("officer_a", "accept_task", 403),  # not a department
    ("handler_sz", "accept_task", 404),  # a department without a task on it does not see it
    ("handler_cg", "void", 403),
    ("leader", "suspend", 403),
    ("worker_b11", "accept_task", 404),  # another street: not even visible
    ("handler_bcg", "return_task", 404),
])
def test_a_step_the_user_may_not_take_is_refused_and_changes_nothing(client, world, photo, persona, name, status):
    case = world.case_a
    before = state_of(case)
    audit = AuditLog.objects.filter(object_type="cases.case").count()
    data = {"version": case.version, "note": "试一试", "confirm": "on", "hours": 8, "review_on": "2099-01-01"}
    task = CaseTask.objects.filter(case=case).first()
    data["task"] = task.pk
    response = as_(client, world, persona).post(reverse("cases:act", args=[case.pk, name]), data)
    assert response.status_code == status
    assert state_of(case) == before and AuditLog.objects.filter(object_type="cases.case").count() == audit


def test_a_stale_form_is_refused_with_the_chinese_message(client, world):
    case = world.case_a
    as_(client, world, "handler_cg")
    page = client.get(case.get_absolute_url()).content.decode()
    assert f'name="version" value="{case.version}"' in page
    actions.accept_task(world.handler_cg, case)  # someone else at the desk was faster
    before = state_of(case)
    response = client.post(reverse("cases:act", args=[case.pk, "request_extension"]),
                           {"version": case.version, "task": CaseTask.objects.get(case=case).pk, "hours": 8,
                            "note": "需要采购配件"})
    assert response.status_code == 409
    html = response.content.decode()
    with translation.override("zh-hans"):
        message = gettext("Someone else acted on this case first; reload it and try again.")
    assert message != "Someone else acted on this case first; reload it and try again."  # it is translated
    assert message in html  # 其他人已先处理了此案件……
    assert 'id="case-actions"' in html  # still on the case page, with the fresh buttons
    assert state_of(case) == before


def test_a_stale_task_form_is_a_conflict_not_a_form_error(client, world):
    case = world.case_a
    task = CaseTask.objects.get(case=case)
    actions.accept_task(world.handler_cg, case)  # the task is no longer "dispatched"
    before = state_of(case)
    response = as_(client, world, "handler_cg").post(reverse("cases:act", args=[case.pk, "accept_task"]),
                                                     {"version": case.version, "task": task.pk})
    assert response.status_code == 409 and 'id="conflict"' in response.content.decode()
    assert state_of(case) == before


def test_an_action_in_the_wrong_state_shows_the_conflict(client, world):
    case = world.case_a
    as_(client, world, "command")
    current = Case.objects.get(pk=case.pk).version
    response = client.post(reverse("cases:act", args=[case.pk, "accept"]), {"version": current})
    # accept is not offered on a dispatched case: the action itself says why
    assert response.status_code == 409
    assert "不能" in response.content.decode() or "无法" in response.content.decode()


def test_the_whole_loop_through_the_pages(client, loop, photo):
    case = report(loop, photo)
    act = lambda persona, name, **data: as_(client, loop, persona).post(  # noqa: E731
        reverse("cases:act", args=[case.pk, name]), {"version": Case.objects.get(pk=case.pk).version, **data})
    for name in ("accept", "file"):
        assert act("command", name).status_code == 302
    page = as_(client, loop, "command").get(case.get_absolute_url()).content.decode()
    assert 'data-action="dispatch"' in page and loop.dept_sz.name in page
    assert act("command", "dispatch", departments=[loop.dept_cg.pk, loop.dept_sz.pk], note="联合派遣").status_code == 302
    for handler, department in (("handler_cg", loop.dept_cg), ("handler_sz", loop.dept_sz)):
        task = CaseTask.objects.get(case=case, department=department)
        assert act(handler, "accept_task", task=task.pk).status_code == 302
        assert act(handler, "report_back", task=task.pk, note="已处理", photos=[photo()]).status_code == 302
    # verification needs a photo: without one the form says so and nothing changes
    response = act("worker_a11", "verify_pass", note="现场已整改")
    assert response.status_code == 400 and Case.objects.get(pk=case.pk).state == "verifying"
    assert act("worker_a11", "verify_pass", note="现场已整改", photos=[photo()]).status_code == 302
    case.refresh_from_db()
    assert case.state == "closed"
    assert list(case.events.values_list("action", flat=True)) == [
        "report", "accept", "file", "dispatch", "accept_task", "report_back", "accept_task", "report_back",
        "verify_pass"]
    page = as_(client, loop, "worker_a11").get(case.get_absolute_url()).content.decode()
    assert "已结案" in page and "现场已整改" in page


def test_a_dangerous_step_asks_for_confirmation(client, world):
    case = world.case_a
    as_(client, world, "command")
    page = client.get(case.get_absolute_url()).content.decode()
    assert f'href="{reverse("cases:act", args=[case.pk, "void"])}"' in page  # a link to the confirmation page
    confirm_page = client.get(reverse("cases:act", args=[case.pk, "void"])).content.decode()
    assert 'name="confirm"' in confirm_page
    before = state_of(case)
    response = client.post(reverse("cases:act", args=[case.pk, "void"]), {"version": case.version, "note": "重复"})
    assert response.status_code == 400 and state_of(case) == before
    assert "重复" in response.content.decode()  # the input is kept
    response = client.post(reverse("cases:act", args=[case.pk, "void"]),
                           {"version": case.version, "note": "重复", "confirm": "on"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "voided"
    assert CaseTask.objects.get(case=case).state == "cancelled"


def test_validation_errors_keep_the_input(client, world):
    case = world.case_a
    as_(client, world, "handler_cg")
    task = CaseTask.objects.get(case=case)
    response = client.post(reverse("cases:act", args=[case.pk, "request_extension"]),
                           {"version": case.version, "task": task.pk, "hours": 0, "note": "等待配件到货"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "等待配件到货" in html and 'class="errorlist"' in html
    assert CaseTask.objects.get(pk=task.pk).extension_requested_hours is None


def test_extension_request_and_decision(client, world):
    case = world.case_a
    task = CaseTask.objects.get(case=case)
    as_(client, world, "handler_cg").post(reverse("cases:act", args=[case.pk, "request_extension"]),
                                          {"version": case.version, "task": task.pk, "hours": 8, "note": "采购配件"})
    assert CaseTask.objects.get(pk=task.pk).extension_requested_hours == 8
    html = as_(client, world, "command").get(reverse("cases:desk") + "?tab=extension").content.decode()
    assert case.number in html
    version = Case.objects.get(pk=case.pk).version
    response = client.post(reverse("cases:act", args=[case.pk, "approve_extension"]),
                           {"version": version, "task": task.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.extension_requested_hours is None and Case.objects.get(pk=case.pk).extension_count == 1


def test_merge_from_the_possible_duplicates(client, world, photo):
    original = report(world, photo)
    as_(client, world, "command")
    response = client.post(reverse("cases:new"), {
        "channel": "hotline_12345", "category": "E0101", "description": "市民来电：路边垃圾没人清",
        "lon": A11[0] + 0.0003, "lat": A11[1], "reporter_name": "王女士", "reporter_phone": "13812345678",
        "external_id": "12345-0001", "idempotency_key": "intake-1"})
    assert response.status_code == 302
    repeat = Case.objects.get(external_id="12345-0001")
    assert repeat.channel == "hotline_12345" and repeat.grid == world.grid_a11
    page = client.get(repeat.get_absolute_url()).content.decode()
    assert 'id="case-duplicates"' in page and f'data-merge="{original.number}"' in page
    assert "138****5678" in page and "13812345678" not in page
    response = client.post(reverse("cases:act", args=[repeat.pk, "merge"]), {
        "version": repeat.version, "into": original.number, "note": "同一堆垃圾", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == original.get_absolute_url()
    repeat.refresh_from_db()
    assert repeat.state == "merged" and repeat.merged_into == original


def test_merging_into_an_unknown_or_invisible_number_is_a_form_error(client, world, photo):
    repeat = report(world, photo)
    as_(client, world, "chief_a11")
    before = state_of(repeat)
    for number in ("000", world.case_b.number):  # the case in street B is not the chief's to see
        response = client.post(reverse("cases:act", args=[repeat.pk, "merge"]),
                               {"version": repeat.version, "into": number, "confirm": "on"})
        assert response.status_code == 400
        assert state_of(repeat) == before


def test_the_reporter_phone_is_masked_and_never_shown_to_departments(client, world):
    case = world.case_a
    Case.objects.filter(pk=case.pk).update(reporter_name="王女士", reporter_phone=encrypt("13812345678"))
    for persona, shown in (("command", True), ("officer_a", True), ("officer_a1", True), ("chief_a11", False),
                           ("worker_a11", False), ("handler_cg", False), ("leader", False)):
        html = as_(client, world, persona).get(case.get_absolute_url()).content.decode()
        assert "13812345678" not in html
        assert ("138****5678" in html) == shown, persona


def test_bulk_dispatch_reports_each_case(client, world, photo):
    cases = []
    for _ in range(3):
        case = report(world, photo)
        actions.accept(world.command, case)
        actions.file(world.command, case)
        case.refresh_from_db()
        cases.append(case)
    stale = cases[2]
    as_(client, world, "command")
    html = client.get(reverse("cases:desk") + "?tab=filed").content.decode()
    assert f'value="{cases[0].pk}:{cases[0].version}"' in html
    response = client.post(reverse("cases:desk-dispatch"), {
        "cases": [f"{c.pk}:{c.version - (1 if c is stale else 0)}" for c in cases] + [f"{world.case_b.pk}:1", "x:1"],
        "departments": [world.dept_cg.pk, world.dept_sz.pk], "note": "批量派遣"})
    assert response.status_code == 200
    html = response.content.decode()
    assert [Case.objects.get(pk=c.pk).state for c in cases] == ["dispatched", "dispatched", "filed"]
    assert CaseTask.objects.filter(case__in=cases[:2]).count() == 4
    assert html.count('class="ok"') == 2 and html.count('class="failed"') == 3


def test_bulk_dispatch_skips_cases_out_of_scope(client, world, photo):
    case = report(world, photo)
    actions.accept(world.command, case)
    actions.file(world.command, case)
    case.refresh_from_db()
    response = as_(client, world, "officer_b").post(reverse("cases:desk-dispatch"), {
        "cases": [f"{case.pk}:{case.version}"], "departments": [world.dept_bcg.pk]})
    assert response.status_code == 200 and Case.objects.get(pk=case.pk).state == "filed"
    assert case.number not in response.content.decode()  # not even its number


# --- intake ----------------------------------------------------------------------------------


def grid_report(photo, **extra):
    data = {"category": "E0101", "description": "井边堆放建筑垃圾", "lon": A11[0], "lat": A11[1],
            "idempotency_key": "phone-key-1", "photos": [photo()]}
    data.update(extra)
    return data


def test_the_grid_worker_reports_from_the_phone(client, loop, photo):
    as_(client, loop, "worker_a11")
    page = client.get(reverse("cases:mobile-report")).content.decode()
    assert 'accept="image/*"' in page and 'capture="environment"' in page and "multiple" in page
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    response = client.post(reverse("cases:mobile-report"), grid_report(photo, idempotency_key=key))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()
    assert (case.channel, case.grid, case.reporter, case.state) == ("grid_worker", loop.grid_a11, loop.worker_a11,
                                                                     "reported")
    assert case.photos.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and "已上报" in page
    # the double submit (same key): still one case, and the worker lands on it
    again = client.post(reverse("cases:mobile-report"), grid_report(photo, idempotency_key=key))
    assert again.status_code == 302 and again["Location"] == case.get_absolute_url()
    assert Case.objects.count() == 1
    assert case.number in client.get(reverse("cases:mobile")).content.decode()


def test_resolved_on_the_spot_needs_the_after_photo(client, loop, photo):
    as_(client, loop, "worker_a11")
    response = client.post(reverse("cases:mobile-report"), grid_report(photo, self_resolved="on"))
    assert response.status_code == 200 and Case.objects.count() == 0
    response = client.post(reverse("cases:mobile-report"),
                           grid_report(photo, self_resolved="on", after_photos=[photo(color=(10, 200, 10))]))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == "closed" and case.self_resolved
    assert sorted(case.photos.values_list("kind", flat=True)) == ["after", "before"]


@pytest.mark.parametrize("extra, message", [
    ({"lon": "", "lat": ""}, "没有位置"),
    ({"lon": 114.35, "lat": 35.6}, None),  # street B: outside the worker's grid
    ({"photos": []}, None),
    ({"category": "E01"}, None),  # a major category
])
def test_a_bad_phone_report_is_refused_with_the_input_kept(client, loop, photo, extra, message):
    as_(client, loop, "worker_a11")
    response = client.post(reverse("cases:mobile-report"), grid_report(photo, **extra))
    assert response.status_code == 200 and Case.objects.count() == 0
    html = response.content.decode()
    assert "井边堆放建筑垃圾" in html and 'class="errorlist' in html
    if message:
        assert message in html


def test_an_operator_order_without_a_point_goes_to_the_chosen_grid(client, loop):
    as_(client, loop, "officer_a")
    response = client.post(reverse("cases:new"), {
        "channel": "walk_in", "category": "S0101", "description": "邻居漏水", "grid": loop.grid_a12.pk,
        "idempotency_key": "walk-1"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.grid == loop.grid_a12 and case.owner_area == loop.street_a and case.channel == "walk_in"
    # a grid outside the officer's street is not offered
    response = client.post(reverse("cases:new"), {
        "channel": "walk_in", "category": "S0101", "description": "邻居漏水", "grid": loop.grid_b11.pk,
        "idempotency_key": "walk-2"})
    assert response.status_code == 200 and Case.objects.count() == 1


# --- photos ----------------------------------------------------------------------------------


def test_photos_are_streamed_only_within_scope(client, world):
    photo = world.case_a.photos.first()
    response = as_(client, world, "worker_a11").get(reverse("cases:photo", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert "private" in response["Cache-Control"]
    thumb = client.get(reverse("cases:photo", args=[photo.pk]) + "?thumb=1")
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    assert as_(client, world, "worker_b11").get(reverse("cases:photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("cases:photo", args=[photo.pk]) + "?thumb=1").status_code == 404
    # and never from the public media URL
    assert client.get(photo.image.url).status_code == 404
    assert as_(client, world, "worker_a11").get(reverse("cases:photo", args=[999999])).status_code == 404


# --- inbox -----------------------------------------------------------------------------------


def test_the_inbox_lists_marks_read_and_counts_in_the_nav(client, world):
    me = world.worker_a11
    for i in range(3):
        Notification.objects.create(user=me, kind="case.test", message=f"消息{i}", url="/cases/desk/")
    as_(client, world, "worker_a11")
    html = client.get(reverse("cases:inbox")).content.decode()
    assert "消息2" in html and "给worker_b11的消息" not in html
    assert re.search(r'id="nav-inbox"[^>]*>[^<]*<span class="navcount"[^>]*>4</span>', html)
    first = Notification.objects.filter(user=me).order_by("id").first()
    assert client.post(reverse("cases:inbox-read", args=[first.pk])).status_code == 302
    assert Notification.objects.get(pk=first.pk).read_at is not None
    other = Notification.objects.get(user=world.worker_b11)
    assert client.post(reverse("cases:inbox-read", args=[other.pk])).status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None
    opened = Notification.objects.filter(user=me, read_at__isnull=True).order_by("id").first()
    response = client.get(reverse("cases:inbox-open", args=[opened.pk]))
    assert response.status_code == 302 and response["Location"] == opened.url
    assert client.post(reverse("cases:inbox-read-all")).status_code == 302
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert 'class="navcount"' not in client.get(reverse("cases:inbox")).content.decode()


def test_a_message_never_redirects_off_site(client, world):
    note = Notification.objects.create(user=world.worker_a11, kind="x", message="外链", url="https://evil.example/")
    response = as_(client, world, "worker_a11").get(reverse("cases:inbox-open", args=[note.pk]))
    assert response["Location"] == reverse("cases:inbox")


# --- catalog ---------------------------------------------------------------------------------


def test_the_catalog_lists_the_standards_and_admins_edit_them(client, loop):
    as_(client, loop, "worker_a11")
    html = client.get(reverse("cases:catalog")).content.decode()
    assert "E0101" in html and "暴露垃圾" in html and "垃圾清运干净" in html
    assert "standard-edit" not in html and "/edit/" not in html
    minor = Category.objects.get(code="E0101")
    data = {"department_kinds": ["sanitation", "urban_management"], "accept_hours": 1, "dispatch_hours": 2,
            "handle_limit": 6, "handle_unit": "hours", "verify_hours": 8, "close_level": "community",
            "quality_standard": "垃圾清运干净，地面冲洗", "filing_conditions": ""}
    assert as_(client, loop, "command").post(reverse("cases:standard-edit", args=[minor.pk]), data).status_code == 403
    response = as_(client, loop, "admin").post(reverse("cases:standard-edit", args=[minor.pk]), data)
    assert response.status_code == 302
    minor.standard.refresh_from_db()
    assert minor.standard.handle_limit == 6 and minor.standard.close_level == "community"
    assert AuditLog.objects.filter(action="standard.update", object_id=str(minor.standard.pk)).exists()

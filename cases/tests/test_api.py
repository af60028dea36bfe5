"""The cases API: intake, scope for every persona on every endpoint, actions and their errors."""

import pytest

from cases import actions
from cases.models import Case
from tests.test_api_scope import VISIBLE_AREAS, all_pages

pytestmark = pytest.mark.django_db

A11 = (114.07, 35.6)
B11 = (114.4, 35.6)


@pytest.fixture
def two_cases(loop, photo):
    a, _ = actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101",
                               description="甲网格垃圾", lon=A11[0], lat=A11[1])
    b, _ = actions.report_case(loop.worker_b11, channel="grid_worker", category_code="E0101",
                               description="乙网格垃圾", lon=B11[0], lat=B11[1])
    # case a goes to the district 城管 (handler_cg); case b to street B's 城管中队 (handler_bcg)
    for step in (actions.accept, actions.file):
        step(loop.command, a)
        step(loop.command, b)
    actions.dispatch(loop.command, a, departments=[loop.dept_cg])
    actions.dispatch(loop.command, b, departments=[loop.dept_bcg])
    return loop, a, b


def visible_cases(persona, a, b):
    """By area scope, plus the cases a department has a task on."""
    if persona.startswith("handler_"):
        expected = set()  # departments see only the cases they have a task on
    else:
        expected = {c.pk for c in (a, b) if c.grid.code in VISIBLE_AREAS.get(persona, set())}
    if persona == "handler_cg":
        expected |= {a.pk}
    if persona == "handler_bcg":
        expected |= {b.pk}
    return expected


PERSONAS = sorted([*VISIBLE_AREAS, "handler_sz"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_case_endpoint_is_scoped(two_cases, api, persona):
    loop, a, b = two_cases
    client = api(persona)
    expected = visible_cases(persona, a, b)
    assert {row["id"] for row in all_pages(client, "/api/cases/")} == expected
    for case in (a, b):
        code = 200 if case.pk in expected else 404
        assert client.get(f"/api/cases/{case.pk}/").status_code == code, (persona, case.pk)
        # actions on an out-of-scope case are 404 whatever the action
        if code == 404:
            for name in ("accept", "dispatch", "report_back", "verify_pass", "supervise", "void"):
                response = client.post(f"/api/cases/{case.pk}/{name}/", {"note": "x"}, format="json")
                assert response.status_code == 404, (persona, name)


def test_intake_returns_what_clients_need_and_is_idempotent(loop, api):
    client = api("worker_a11")
    body = {"category": "E0101", "lon": A11[0], "lat": A11[1], "description": "暴露垃圾一堆"}
    response = client.post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {"id", "tracking_code", "state", "grid", "due_at"} <= set(data)
    assert data["state"] == "reported" and data["grid"] == "410611001001001" and data["due_at"]
    again = client.post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Case.objects.count() == 1
    # the same key from another user is another submission
    other = api("officer_a").post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 201 and other.json()["id"] != data["id"]


@pytest.mark.parametrize("body, field", [
    ({"lon": A11[0], "lat": A11[1], "description": "x"}, "category"),
    ({"category": "ZZ99", "lon": A11[0], "lat": A11[1], "description": "x"}, "category"),
    ({"category": "E0101", "lon": 100.0, "lat": 20.0, "description": "x"}, "lon"),
    ({"category": "E0101", "lon": B11[0], "lat": B11[1], "description": "x"}, "lon"),  # not my grid
    ({"category": "E0101", "lon": A11[0], "lat": A11[1]}, "description"),
])
def test_bad_intake_is_a_400_with_a_chinese_message(loop, api, body, field):
    response = api("worker_a11").post("/api/cases/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Case.objects.count() == 0


def test_photo_uploads_through_the_api(loop, api, photo):
    client = api("worker_a11")
    response = client.post("/api/cases/", {"category": "E0101", "lon": A11[0], "lat": A11[1], "description": "有图",
                                           "photos": [photo(), photo()]}, format="multipart")
    assert response.status_code == 201, response.content
    assert Case.objects.get().photos.count() == 2
    bad = client.post("/api/cases/", {"category": "E0101", "lon": A11[0], "lat": A11[1], "description": "假图",
                                      "photos": [photo()]}, format="multipart")
    assert bad.status_code == 201
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = client.post("/api/cases/", {"category": "E0101", "lon": A11[0], "lat": A11[1], "description": "假图",
                                          "photos": [SimpleUploadedFile("a.jpg", b"GIF89a-not", "image/jpeg")]},
                          format="multipart")
    assert refused.status_code == 400 and Case.objects.count() == 2


def test_actions_through_the_api_with_403_and_409(loop, api, photo):
    client = api("worker_a11")
    case_id = client.post("/api/cases/", {"category": "E0101", "lon": A11[0], "lat": A11[1],
                                          "description": "垃圾"}, format="json").json()["id"]
    command = api("command")
    detail = command.get(f"/api/cases/{case_id}/").json()
    assert "accept" in detail["allowed_actions"]
    assert client.post(f"/api/cases/{case_id}/accept/", {}, format="json").status_code == 403
    stale = command.post(f"/api/cases/{case_id}/accept/", {"version": detail["version"] + 1}, format="json")
    assert stale.status_code == 409
    ok = command.post(f"/api/cases/{case_id}/accept/", {"version": detail["version"]}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "accepted"
    assert command.post(f"/api/cases/{case_id}/accept/", {}, format="json").status_code == 409
    assert command.post(f"/api/cases/{case_id}/file/", {}, format="json").status_code == 200
    dispatched = command.post(f"/api/cases/{case_id}/dispatch/", {"departments": ["410611-CG", "410611-SZ"]},
                              format="json")
    assert dispatched.status_code == 200 and len(dispatched.json()["tasks"]) == 2
    wrong = command.post(f"/api/cases/{case_id}/dispatch/", {"departments": ["410611002-CG"]}, format="json")
    assert wrong.status_code == 409  # already dispatched
    for handler in ("handler_cg", "handler_sz"):
        h = api(handler)
        assert h.post(f"/api/cases/{case_id}/accept_task/", {}, format="json").status_code == 200
        response = h.post(f"/api/cases/{case_id}/report_back/", {"note": "处理完毕", "photos": [photo()]},
                          format="multipart")
        assert response.status_code == 200, response.content
    assert command.get(f"/api/cases/{case_id}/").json()["state"] == "verifying"
    verified = client.post(f"/api/cases/{case_id}/verify_pass/", {"note": "核查通过", "photos": [photo()]},
                           format="multipart")
    assert verified.status_code == 200 and verified.json()["state"] == "closed"
    tracking = verified.json()["tracking_code"]
    rated = api(None).post("/api/rate/", {"tracking_code": tracking, "rating": 5}, format="json")
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    assert api(None).post("/api/rate/", {"tracking_code": tracking, "rating": 4}, format="json").status_code == 409


def test_the_catalog_lists_major_and_minor_categories_with_standards(loop, api):
    response = api("worker_a11").get("/api/categories/")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert rows["E01"]["parent"] is None and rows["E0101"]["parent"] == "E01"
    assert rows["E0101"]["standard"]["handle_unit"] == "hours"
    assert {"E01", "E02", "E03", "E04", "E05", "C01", "C02", "C03", "C04", "C05", "S01", "H01"} <= set(rows)
    assert api(None).get("/api/categories/").status_code in (401, 403)

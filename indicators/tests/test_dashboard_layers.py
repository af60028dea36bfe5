"""The dashboard's server-side clusters and hot spots (dashboard/buckets.json), its early-warning
panel and layer, and the department handlers' panel — each scoped to the viewer, counts by hand.

Cells at zoom 10 are 90 / 2¹⁰ = 0.087890625° wide: 114.05 / 0.087890625 = 1297.6 and
114.06 / … = 1297.8 (one cell), 114.10 / … = 1298.2 (the next); every latitude here is in row
⌊35.60 / 0.087890625⌋ = ⌊405.05⌋ = 405 (35.61 → 405.2)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import CaseTask
from earlywarning.detection import detect
from earlywarning.tests.conftest import Log, north

pytestmark = pytest.mark.django_db
WHOLE = "113,35,115,37"


@pytest.fixture
def scene(cast):
    log = Log(cast)
    now = timezone.now()
    c = {
        "a1": log.case((114.05, 35.60), days_ago=1),
        "a2": log.case((114.06, 35.61), days_ago=2),
        "a3": log.case((114.10, 35.60), days_ago=3),
        "a_closed": log.case((114.05, 35.60), days_ago=2, state="closed"),
        "b": log.case((114.40, 35.60), category=log.litter, days_ago=1),
    }
    # a task of the district's 城管 on the case in street B: overdue, open
    CaseTask.objects.create(case=c["b"], department=cast.dept_cg, state="dispatched",
                            due_at=now - dt.timedelta(hours=2), created_at=now - dt.timedelta(days=1))
    cast.log, cast.c = log, c
    return cast


def client_for(cast, persona) -> Client:
    client = Client()
    client.force_login(cast.users[persona])
    return client


def buckets(cast, persona, **params):
    query = {"bbox": WHOLE, "zoom": 10, **params}
    response = client_for(cast, persona).get("/assessment/dashboard/buckets.json", query)
    assert response.status_code == 200, response.content
    return sorted((b["n"], round(b["lon"], 3), round(b["lat"], 3)) for b in response.json()["buckets"])


OPEN_A = [(1, 114.1, 35.6), (2, 114.055, 35.605)]
OPEN_B = [(1, 114.4, 35.6)]


EXPECTED = {
    "command": sorted(OPEN_A + OPEN_B), "leader": sorted(OPEN_A + OPEN_B), "officer_a": OPEN_A, "officer_a1": OPEN_A,
    "chief_a11": OPEN_A, "worker_a11": OPEN_A, "officer_b": OPEN_B, "worker_b11": OPEN_B,
    "handler_cg": OPEN_B,  # the case of its department's task, nothing else
    "handler_bcg": [], "stranger": [],
}


def test_open_case_buckets_are_counted_in_scope(scene):
    for persona, expected in EXPECTED.items():
        assert buckets(scene, persona) == expected, persona


def test_a_single_case_cell_links_to_the_case_and_reports_include_closed_ones(scene):
    client = client_for(scene, "command")
    data = client.get("/assessment/dashboard/buckets.json", {"bbox": WHOLE, "zoom": 10}).json()
    single = [b for b in data["buckets"] if b["n"] == 1 and b["lon"] == 114.1]
    assert single[0]["url"] == f"/cases/{scene.c['a3'].pk}/"
    assert data["cell"] == 0.087890625 and data["total"] == 4
    # the hot-spot layer counts the period's reports, the closed one too: 3 in the first cell
    assert buckets(scene, "command", what="reports") == [(1, 114.1, 35.6), (1, 114.4, 35.6), (3, 114.053, 35.603)]
    # zoomed out to 5 (2.8125° cells) everything falls into one cell
    assert [b[0] for b in buckets(scene, "command", zoom=5)] == [4]
    # a bbox of the west only leaves street B's case out; a category filter keeps its major category
    assert buckets(scene, "command", bbox="114,35.5,114.2,35.7") == OPEN_A
    assert buckets(scene, "officer_b", bbox="114,35.5,114.2,35.7") == []


def test_bad_bbox_or_zoom_is_a_400_and_an_area_out_of_scope_a_404(scene):
    client = client_for(scene, "officer_a")
    url = "/assessment/dashboard/buckets.json"
    assert client.get(url, {"bbox": "a,b,c,d", "zoom": 10}).status_code == 400
    assert client.get(url, {"bbox": "115,35,114,36", "zoom": 10}).status_code == 400
    assert client.get(url, {"bbox": WHOLE, "zoom": 30}).status_code == 400
    assert client.get(url, {"bbox": WHOLE, "zoom": 10, "area": "410611002000"}).status_code == 404


def test_warnings_panel_and_layer_are_scoped(scene):
    # with a1 and a_closed at the base: four potholes within 300 m in grid A1-1 (a cluster), and six
    # potholes this week in community A1 against none before (a rise: 6 ≥ 5 and > 0 + 3·1)
    for d in (0, 100):
        scene.log.case(north((114.05, 35.60), 50 + d), days_ago=1)
    detect(notify_people=False)
    command = client_for(scene, "command").get("/assessment/dashboard/")
    assert 'id="dash-warnings"' in command.content.decode()
    assert "同类聚集" in command.content.decode()
    assert sorted((w["kind"], w["count"]) for w in command.context["warnings"]) == [("cluster", 4), ("rise", 6)]
    # the rise belongs to community A1: a grid worker of A1-1 sees only the cluster in their grid
    for persona, n in (("command", 2), ("officer_a", 2), ("worker_a11", 1), ("officer_b", 0), ("worker_b11", 0),
                       ("handler_cg", 0), ("stranger", 0)):
        data = client_for(scene, persona).get("/assessment/dashboard/warnings.json").json()
        assert len(data["warnings"]) == n, persona
    assert client_for(scene, "officer_b").get("/assessment/dashboard/").context["warnings"] == []


def test_department_handlers_see_their_own_departments_tasks(scene):
    page = client_for(scene, "handler_cg").get("/assessment/dashboard/")
    body = page.content.decode()
    assert page.status_code == 200
    [dept] = page.context["departments"]
    assert dept["code"] == "410611-CG"
    assert (dept["counts"]["open"], dept["counts"]["overdue"]) == (1, 1)
    assert dept["overdue"][0]["number"] == scene.c["b"].number
    assert "410611002-CG" not in body and 'id="dash-department-410611-CG"' in body
    assert [i["key"] for i in dept["indicators"]][:3] == ["on_time_handling_rate", "handling_rate", "rework_rate"]
    other = client_for(scene, "handler_bcg").get("/assessment/dashboard/", {"category": "T01"})
    [mine] = other.context["departments"]
    assert mine["code"] == "410611002-CG" and mine["counts"]["open"] == 0 and mine["overdue"] == []
    assert scene.c["b"].number not in other.content.decode()
    assert client_for(scene, "command").get("/assessment/dashboard/").context["departments"] == []

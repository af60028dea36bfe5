"""The command-center dashboard: every persona of the cast sees only the areas and cases of their
scope, on the page and on every JSON endpoint and the live feed; an area outside it is a 404.

Cases: two in grid A1-1 (one of them overdue, category E01), one in grid B1-1 (category E02)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import Case

ALL = {"410611", "410611001000", "410611002000", "410611001001", "410611002001",
       "410611001001001", "410611001001002", "410611002001001"}
STREET_A = {"410611001000", "410611001001", "410611001001001", "410611001001002"}
STREET_B = {"410611002000", "410611002001", "410611002001001"}
AREAS = {
    "command": ALL, "leader": ALL, "admin": ALL,
    "officer_a": STREET_A, "officer_b": STREET_B,
    "officer_a1": {"410611001001", "410611001001001", "410611001001002"},
    "chief_a11": {"410611001001001"}, "worker_a11": {"410611001001001"}, "worker_b11": {"410611002001001"},
    "handler_cg": set(), "handler_bcg": set(), "stranger": set(),
}
# persona → which of the cases ("a1", "a2": grid A1-1, "b": grid B1-1) they see
CASES = {
    "command": {"a1", "a2", "b"}, "leader": {"a1", "a2", "b"}, "admin": {"a1", "a2", "b"},
    "officer_a": {"a1", "a2"}, "officer_a1": {"a1", "a2"}, "chief_a11": {"a1", "a2"}, "worker_a11": {"a1", "a2"},
    "officer_b": {"b"}, "worker_b11": {"b"},
    "handler_cg": set(), "handler_bcg": set(), "stranger": set(),
}
# persona → the areas on their map without ?area=, with (open, overdue) counts
MAP = {
    "command": {"410611001000": (2, 1), "410611002000": (1, 0)},
    "leader": {"410611001000": (2, 1), "410611002000": (1, 0)},
    "admin": {"410611001000": (2, 1), "410611002000": (1, 0)},
    "officer_a": {"410611001001": (2, 1)},
    "officer_b": {"410611002001": (1, 0)},
    "officer_a1": {"410611001001001": (2, 1), "410611001001002": (0, 0)},
    "chief_a11": {"410611001001001": (2, 1)}, "worker_a11": {"410611001001001": (2, 1)},
    "worker_b11": {"410611002001001": (1, 0)},
    "handler_cg": {}, "handler_bcg": {}, "stranger": {},
}
PERSONAS = sorted(AREAS)


@pytest.fixture
def world(loop):
    def report(grid, category, description):
        return actions.report_case(None, channel="resident_qr", category_code=category,
                                   description=description, grid=grid)[0]

    now = timezone.now()
    loop.cases = {
        "a1": report(loop.grid_a11, "E0102", "甲一网格积存垃圾"),
        "a2": report(loop.grid_a11, "E0101", "甲一网格暴露垃圾"),
        "b": report(loop.grid_b11, "E0201", "乙一网格广告"),
    }
    Case.objects.filter(pk=loop.cases["a1"].pk).update(warn_at=now - dt.timedelta(hours=3),
                                                       due_at=now - dt.timedelta(hours=1))
    for key in ("a2", "b"):
        Case.objects.filter(pk=loop.cases[key].pk).update(warn_at=now + dt.timedelta(hours=5),
                                                          due_at=now + dt.timedelta(hours=6))
    return loop


def login(world, persona) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def ids(world, keys) -> set[int]:
    return {world.cases[k].pk for k in keys}


@pytest.mark.parametrize("persona", PERSONAS)
def test_map_areas_are_the_children_of_the_viewers_area_with_their_counts(world, persona):
    response = login(world, persona).get(reverse("indicators:dashboard-areas"))
    assert response.status_code == 200
    found = {f["properties"]["code"]: (f["properties"]["open"], f["properties"]["overdue"])
             for f in response.json()["features"]}
    assert found == MAP[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_endpoint_answers_inside_the_scope_only(world, persona):
    client = login(world, persona)
    for code in sorted(ALL):
        status = client.get(reverse("indicators:dashboard-areas"), {"area": code}).status_code
        assert status == (200 if code in AREAS[persona] else 404), code
    outside = sorted(ALL - AREAS[persona])
    inside = sorted(AREAS[persona])
    for name in ("dashboard", "dashboard-points", "dashboard-stats", "dashboard-feed"):
        url = reverse(f"indicators:{name}")
        assert client.get(url).status_code == 200, name
        if outside:
            assert client.get(url, {"area": outside[0]}).status_code == 404, name
        if inside:
            assert client.get(url, {"area": inside[-1]}).status_code == 200, name


def test_drill_down_goes_from_the_district_to_a_grid(world):
    client = login(world, "command")
    url = reverse("indicators:dashboard-areas")
    street = client.get(url, {"area": "410611001000"}).json()
    assert street["parent"]["code"] == "410611001000"
    assert {f["properties"]["code"] for f in street["features"]} == {"410611001001"}
    community = client.get(url, {"area": "410611001001"}).json()
    assert {f["properties"]["code"]: f["properties"]["open"] for f in community["features"]} == {
        "410611001001001": 2, "410611001001002": 0}
    assert all(f["properties"]["drill"] is False for f in community["features"])
    grid = client.get(url, {"area": "410611002001001"}).json()
    assert [(f["properties"]["code"], f["properties"]["open"]) for f in grid["features"]] == [("410611002001001", 1)]


@pytest.mark.parametrize("persona", PERSONAS)
def test_points_are_the_open_cases_in_scope(world, persona):
    data = login(world, persona).get(reverse("indicators:dashboard-points")).json()
    assert {p["id"] for p in data["points"]} == ids(world, CASES[persona])
    lights = {p["id"]: p["light"] for p in data["points"]}
    if "a1" in CASES[persona]:
        assert lights[world.cases["a1"].pk] == "red"
        assert lights[world.cases["a2"].pk] == "green"


@pytest.mark.parametrize("persona", PERSONAS)
def test_stats_count_only_the_cases_in_scope(world, persona):
    data = login(world, persona).get(reverse("indicators:dashboard-stats")).json()
    seen = CASES[persona]
    assert sum(data["trend"]["reports"]) == len(seen)
    assert sum(c["count"] for c in data["categories"]) == len(seen)
    assert {c["code"] for c in data["categories"]} == {"E01" if k.startswith("a") else "E02" for k in seen}
    assert {c["code"]: c["count"] for c in data["channels"]} == ({"resident_qr": len(seen)} if seen else {})
    assert data["lights"]["red"] == (1 if "a1" in seen else 0)
    assert data["lights"]["green"] == len(seen - {"a1"})
    assert [c["id"] for c in data["overdue"]] == ([world.cases["a1"].pk] if "a1" in seen else [])
    assert {c["code"]: c["count"] for c in data["children"]} == {code: o for code, (o, _od) in MAP[persona].items()}
    if persona in ("handler_cg", "handler_bcg", "stranger"):
        assert data["indicators"] == []
    else:
        assert [i["key"] for i in data["indicators"]] == ["on_time_closure_rate", "closure_rate",
                                                          "satisfaction_rate", "in_grid_resolution_rate"]


def test_category_and_period_filters(world):
    client = login(world, "command")
    url = reverse("indicators:dashboard-stats")
    data = client.get(url, {"category": "E02"}).json()
    assert sum(data["trend"]["reports"]) == 1
    assert data["lights"]["red"] == 0
    points = client.get(reverse("indicators:dashboard-points"), {"category": "E01"}).json()["points"]
    assert {p["id"] for p in points} == ids(world, {"a1", "a2"})
    month = client.get(url, {"period": "month"}).json()
    assert month["period"]["start"].endswith("-01")
    assert sum(month["trend"]["reports"]) == 3
    old = client.get(url, {"month": "2020-01"}).json()
    assert old["period"]["start"] == "2020-01-01" and sum(old["trend"]["reports"]) == 0


@pytest.mark.parametrize("persona", PERSONAS)
def test_page_and_feed_show_only_cases_in_scope(world, persona):
    client = login(world, persona)
    page = client.get(reverse("indicators:dashboard")).content.decode()
    feed = client.get(reverse("indicators:dashboard-feed")).content.decode()
    assert 'hx-trigger="every 30s"' in feed
    for key, case in world.cases.items():
        assert (case.number in feed) == (key in CASES[persona]), key
        assert (case.number in page) == (key in CASES[persona]), key
    overdue = feed.split("feed-overdue", 1)[1]
    assert (world.cases["a1"].number in overdue) == ("a1" in CASES[persona])
    assert world.cases["a2"].number not in overdue


def test_the_page_is_for_logged_in_users_and_speaks_chinese(world):
    assert Client().get(reverse("indicators:dashboard")).status_code == 302
    client = login(world, "command")
    page = client.get(reverse("indicators:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "gridgov/dashboard.js" in page
    assert reverse("indicators:dashboard") in client.get(reverse("home")).content.decode()

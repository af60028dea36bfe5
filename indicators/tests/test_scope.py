"""Scope is security: the indicator API and the assessment pages, every persona × every area.

Expected answers are written out by hand: an area's indicators and its assessment are visible to
whoever sees that area's cases (case.view): the district staff everywhere, an officer in their
street or community, grid staff in their grid; department handlers see their department, never an
area; strangers nothing. Everything else is 404.
"""

import pytest

ALL = {"410611", "410611001000", "410611002000", "410611001001", "410611002001",
       "410611001001001", "410611001001002", "410611002001001"}
STREET_A = {"410611001000", "410611001001", "410611001001001", "410611001001002"}
STREET_B = {"410611002000", "410611002001", "410611002001001"}
CASE_AREAS = {
    "command": ALL, "leader": ALL, "admin": ALL,
    "officer_a": STREET_A, "officer_b": STREET_B,
    "officer_a1": {"410611001001", "410611001001001", "410611001001002"},
    "chief_a11": {"410611001001001"}, "worker_a11": {"410611001001001"}, "worker_b11": {"410611002001001"},
    "handler_cg": set(), "handler_bcg": set(), "stranger": set(),
}
DEPARTMENTS = {"handler_cg": {"410611-CG"}, "handler_bcg": {"410611002-CG"}}


@pytest.mark.parametrize("persona", sorted(CASE_AREAS))
def test_area_indicators_answer_only_inside_the_case_scope(loop, api, persona):
    client = api(persona)
    answers = {code: client.get("/api/indicators/", {"area": code, "period": "2026-11"}).status_code
               for code in sorted(ALL)}
    assert {code for code, status in answers.items() if status == 200} == CASE_AREAS[persona]
    assert {status for code, status in answers.items() if code not in CASE_AREAS[persona]} <= {404}


@pytest.mark.parametrize("persona", sorted(CASE_AREAS))
def test_department_indicators_answer_only_to_the_department_and_the_areas_above(loop, api, persona):
    client = api(persona)
    for code in ("410611-CG", "410611002-CG"):
        status = client.get("/api/indicators/", {"department": code, "period": "2026-11"}).status_code
        mine = code in DEPARTMENTS.get(persona, set())
        # the district staff assess every department; an officer only those with tasks in their scope
        if mine or persona in ("command", "leader", "admin"):
            assert status == 200, (persona, code, status)
        elif persona == "stranger" or persona.startswith("handler"):
            assert status == 404, (persona, code, status)


@pytest.mark.parametrize("persona", sorted(CASE_AREAS))
def test_assessment_pages_and_exports_are_scoped(loop, client, persona):
    client.force_login(loop.users[persona])
    if persona == "stranger":
        assert client.get("/assessment/grid/").status_code in (403, 404)
        return
    for code in sorted(ALL - {"410611"}):
        for url in (f"/assessment/grid/?period=2026-11&area={code}",
                    f"/assessment/grid/export.xlsx?period=2026-11&area={code}"):
            status = client.get(url).status_code
            if code in CASE_AREAS[persona]:
                assert status == 200, (persona, url, status)
            else:
                assert status == 404, (persona, url, status)


DASHBOARD_ENDPOINTS = ("dashboard", "dashboard-areas", "dashboard-points", "dashboard-stats", "dashboard-feed",
                       "dashboard-buckets", "dashboard-warnings")


@pytest.mark.parametrize("persona", ["handler_cg", "handler_bcg"])
def test_department_handlers_on_every_dashboard_endpoint(loop, client, api, persona):
    """A department handler covers no area: every dashboard endpoint answers without an area and
    shows no area, no area rates and no warnings; every area is a 404; the indicator API gives
    their own department by default and refuses the other one."""
    from django.urls import reverse

    client.force_login(loop.users[persona])
    for name in DASHBOARD_ENDPOINTS:
        url = reverse(f"indicators:{name}")
        params = {"bbox": "113,35,115,37", "zoom": "10"} if name == "dashboard-buckets" else {}
        assert client.get(url, params).status_code == 200, name
        for code in sorted(ALL):
            assert client.get(url, {**params, "area": code}).status_code == 404, (name, code)
    assert client.get(reverse("indicators:dashboard-areas")).json()["features"] == []
    assert client.get(reverse("indicators:dashboard-stats")).json()["indicators"] == []
    assert client.get(reverse("indicators:dashboard-warnings")).json()["warnings"] == []
    page = client.get(reverse("indicators:dashboard"))
    assert [d["code"] for d in page.context["departments"]] == sorted(DEPARTMENTS[persona])
    other = ({"410611-CG", "410611002-CG"} - DEPARTMENTS[persona]).pop()
    assert f'id="dash-department-{other}"' not in page.content.decode()
    answer = api(persona).get("/api/indicators/", {"period": "2026-11"})
    assert answer.status_code == 200 and answer.json()["scope"]["department"]["code"] in DEPARTMENTS[persona]
    assert api(persona).get("/api/indicators/", {"department": other, "period": "2026-11"}).status_code == 404

"""Scope is security: every API endpoint, every persona, every object.

For each persona the expected visible set is written out by hand below; every list endpoint must
return exactly that set and every detail-style endpoint must answer 200 for it and 404 for the rest.
"""

import pytest

from areas.actions import assign_staff

ALL_AREAS = {"410611", "410611001000", "410611002000", "410611001001", "410611002001",
             "410611001001001", "410611001001002", "410611002001001"}
STREET_A = {"410611001000", "410611001001", "410611001001001", "410611001001002"}
STREET_B = {"410611002000", "410611002001", "410611002001001"}

VISIBLE_AREAS = {
    "command": ALL_AREAS,
    "leader": ALL_AREAS,
    "admin": ALL_AREAS,
    "officer_a": STREET_A,
    "officer_b": STREET_B,
    "officer_a1": {"410611001001", "410611001001001", "410611001001002"},
    "chief_a11": {"410611001001001"},
    "worker_a11": {"410611001001001"},
    "worker_b11": {"410611002001001"},
    "handler_cg": ALL_AREAS,
    "handler_bcg": STREET_B,
    "stranger": set(),
}

# Departments: the ones at or below the covered areas, and those of their ancestors.
VISIBLE_DEPARTMENTS = {
    "command": {"410611-CG", "410611002-CG"},
    "leader": {"410611-CG", "410611002-CG"},
    "admin": {"410611-CG", "410611002-CG"},
    "officer_a": {"410611-CG"},
    "officer_b": {"410611-CG", "410611002-CG"},
    "officer_a1": {"410611-CG"},
    "chief_a11": {"410611-CG"},
    "worker_a11": {"410611-CG"},
    "worker_b11": {"410611-CG", "410611002-CG"},
    "handler_cg": {"410611-CG", "410611002-CG"},
    "handler_bcg": {"410611-CG", "410611002-CG"},
    "stranger": set(),
}

PERSONAS = sorted(VISIBLE_AREAS)

# A point inside each grid, for the resolver.
GRID_POINTS = {
    "410611001001001": (114.07, 35.6),
    "410611001001002": (114.2, 35.6),
    "410611002001001": (114.4, 35.6),
}


def all_pages(client, url):
    items = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        items.extend(body["results"])
        url = body["next"]
    return items


@pytest.fixture
def staffed(cast):
    assign_staff(None, user=cast.worker_a11, area=cast.grid_a11, duty="full_time_worker")
    assign_staff(None, user=cast.worker_b11, area=cast.grid_b11, duty="full_time_worker")
    assign_staff(None, user=cast.chief_a11, area=cast.grid_a11, duty="grid_chief")
    return cast


def areas_by_code(cast):
    from areas.models import Area

    return {a.code: a for a in Area.objects.all()}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_exactly_the_areas_in_scope(cast, api, persona):
    client = api(persona)
    codes = {row["code"] for row in all_pages(client, "/api/areas/?page_size=3")}
    assert codes == VISIBLE_AREAS[persona]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_answers_404_for_every_area_out_of_scope(cast, api, persona):
    client = api(persona)
    for code, area in areas_by_code(cast).items():
        expected = 200 if code in VISIBLE_AREAS[persona] else 404
        for url in (f"/api/areas/{area.pk}/", f"/api/areas/{area.pk}/export/", f"/api/force-list/?area={area.pk}"):
            response = client.get(url)
            assert response.status_code == expected, (persona, url, code, response.status_code)
        if expected == 200:
            assert client.get(f"/api/areas/{area.pk}/").json()["code"] == code


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_resolves_points_only_inside_scope(cast, api, persona):
    client = api(persona)
    for code, (lon, lat) in GRID_POINTS.items():
        response = client.get(f"/api/areas/resolve/?lon={lon}&lat={lat}")
        if code in VISIBLE_AREAS[persona]:
            assert response.status_code == 200
            assert response.json()["area"]["code"] == code
            assert {a["code"] for a in response.json()["path"]} <= VISIBLE_AREAS[persona]
        else:
            assert response.status_code == 404, (persona, code)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_scopes_departments(cast, api, persona):
    from areas.models import Department

    client = api(persona)
    codes = {row["code"] for row in all_pages(client, "/api/departments/")}
    assert codes == VISIBLE_DEPARTMENTS[persona]
    for department in Department.objects.all():
        response = client.get(f"/api/departments/{department.pk}/")
        assert response.status_code == (200 if department.code in VISIBLE_DEPARTMENTS[persona] else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_scopes_staff_assignments(staffed, api, persona):
    from areas.models import StaffAssignment

    client = api(persona)
    seen = {row["id"] for row in all_pages(client, "/api/staff-assignments/")}
    expected = {s.pk for s in StaffAssignment.objects.all() if s.area.code in VISIBLE_AREAS[persona]}
    assert seen == expected
    for assignment in StaffAssignment.objects.all():
        response = client.get(f"/api/staff-assignments/{assignment.pk}/")
        assert response.status_code == (200 if assignment.pk in expected else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_scopes_role_assignments(cast, api, persona):
    from accounts.models import RoleAssignment

    client = api(persona)
    seen = {row["id"] for row in all_pages(client, "/api/role-assignments/")}
    expected = set()
    for assignment in RoleAssignment.objects.select_related("area", "department__area"):
        area = assignment.department.area if assignment.department_id else assignment.area
        own_department = (assignment.department_id is not None and persona.startswith("handler_")
                          and cast.users[persona].role_assignments.filter(department=assignment.department).exists())
        if area.code in VISIBLE_AREAS[persona] or own_department:
            expected.add(assignment.pk)
    assert seen == expected
    for assignment in RoleAssignment.objects.all():
        response = client.get(f"/api/role-assignments/{assignment.pk}/")
        assert response.status_code == (200 if assignment.pk in expected else 404)


@pytest.mark.django_db
def test_it_refuses_anonymous_requests_everywhere(cast, api):
    client = api(None)
    for url in ["/api/areas/", f"/api/areas/{cast.district.pk}/", "/api/areas/resolve/?lon=114.1&lat=35.6",
                "/api/departments/", "/api/staff-assignments/", "/api/role-assignments/", "/api/force-list/",
                "/api/me/"]:
        assert client.get(url).status_code in (401, 403), url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_refuses_writes_into_areas_out_of_scope(staffed, api, persona):
    """Related ids in writes are checked against the same scope: out of scope is 404, visible but not
    allowed is 403, and nothing changes either way."""
    from accounts.models import RoleAssignment
    from areas.models import Area, StaffAssignment

    client = api(persona)
    by_code = areas_by_code(staffed)
    before = (Area.objects.count(), StaffAssignment.objects.count(), RoleAssignment.objects.count())
    for code, area in by_code.items():
        if code in VISIBLE_AREAS[persona]:
            continue
        assert client.patch(f"/api/areas/{area.pk}/", {"name": "x"}, format="json").status_code == 404
        assert client.delete(f"/api/areas/{area.pk}/").status_code == 404
        if area.level == "community":
            response = client.post("/api/areas/", {"name": "新网格", "level": "grid", "parent": area.pk}, format="json")
            assert response.status_code == 404, (persona, code)
        if area.level == "grid":
            response = client.post("/api/staff-assignments/",
                                   {"user": staffed.stranger.pk, "area": area.pk, "duty": "part_time_worker"},
                                   format="json")
            assert response.status_code == 404, (persona, code)
            response = client.post("/api/role-assignments/",
                                   {"user": staffed.stranger.pk, "role": "grid_worker", "area": area.pk},
                                   format="json")
            assert response.status_code == 404, (persona, code)
    for assignment in StaffAssignment.objects.all():
        if assignment.area.code not in VISIBLE_AREAS[persona]:
            assert client.post(f"/api/staff-assignments/{assignment.pk}/end/").status_code == 404
    assert (Area.objects.count(), StaffAssignment.objects.count(), RoleAssignment.objects.count()) == before

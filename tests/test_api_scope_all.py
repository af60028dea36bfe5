"""Every API endpoint has a scope expectation, and a user of another area gets 404 or a list
without the other area's objects.

The operations are enumerated from /api/schema/ (itself generated from the URLconf), so a new
endpoint without an entry in SCOPE fails test_every_operation_has_a_scope_expectation. Each entry
names an object of the `world` fixture (tests/conftest.py) in street A, grid A1-1 (or street B for
department rows) and says how the endpoint shows it:

    ("detail", obj)          GET: the insider gets 200, the outsider 404
    ("write", obj)           POST/PATCH/DELETE on the object: the outsider gets 404, nothing changes
    ("list", obj)            GET list: the insider's list has the object, the outsider's does not
    ("query", url)           GET with the object in the query (`{pk}`/`{code}`): insider 200, outsider 404
    ("own", obj)             the user's own rows only: the object's owner sees it, anyone else gets 404
    ("public", why)          the same for every user or no login (the catalog, the calendar, a token)
    ("delegated", test, token)  checked persona by persona in the app's own scope test `test`
                             ("module.path::function"), whose source must name the endpoint by
                             `token` (a path or a URL name); see test_delegated_scope_tests_exist

The insider is officer_a (street A) and the outsider officer_b (street B), unless the entry says
otherwise.
"""

from __future__ import annotations

import pytest

from cases.api.views import ACTION_NAMES

INSIDER, OUTSIDER = "officer_a", "officer_b"

# The apps of community work, early warning and integrations test the scope of every endpoint
# themselves, persona by persona, with fixtures of their own objects.
_D, _MEET, _GT = ("disputes.tests.test_scope::test_api_by_persona", "meetings.tests.test_meetings::test_pages_and_api_by_persona",
                  "gridtasks.tests.test_gridtasks::test_pages_and_api_by_persona")
_ENG = "volunteers.tests.test_scope::test_every_endpoint_is_scoped"
_EW = "earlywarning.tests.test_scope_and_actions::test_api_lists_and_retrieves_only_warnings_in_scope"
_EWA = "earlywarning.tests.test_scope_and_actions::test_api_actions"
_INT = "integrations.tests.test_scope::test_every_api_endpoint_is_scoped"
_HOT = "integrations.tests.test_hotline::test_bad_signatures_are_refused_in_chinese_and_nothing_is_stored"
DELEGATED: dict[str, dict[tuple[str, str], str]] = {
    _D: {("get", "/api/disputes/"): "/api/disputes/", ("get", "/api/disputes/{id}/"): "/api/disputes/{",
         ("get", "/api/disputes/figures/"): "/api/disputes/figures/",
         ("post", "/api/disputes/{id}/hand-over/"): "/hand-over/"},
    "disputes.tests.test_scope::test_api_actions_out_of_scope": {
        ("post", "/api/disputes/"): "/api/disputes/",
        **{("post", f"/api/disputes/{{id}}/{name}/"): f"{name}"
           for name in ("conclude", "follow-up", "fulfilment", "sessions", "start-mediation", "turn-into-case")}},
    _MEET: {("get", "/api/meetings/"): "/api/meetings/", ("post", "/api/meetings/"): "/api/meetings/",
            ("get", "/api/meetings/{id}/"): "/api/meetings/{",
            ("post", "/api/meetings/{id}/decisions/"): "/decisions/", ("post", "/api/meetings/{id}/minutes/"): "/minutes/",
            ("get", "/api/meeting-decisions/"): "/api/meeting-decisions/",
            ("get", "/api/meeting-decisions/{id}/"): "/api/meeting-decisions/{",
            ("post", "/api/meeting-decisions/{id}/done/"): "/done/"},
    _GT: {("get", "/api/grid-tasks/"): "/api/grid-tasks/", ("post", "/api/grid-tasks/"): "/api/grid-tasks/",
          ("get", "/api/grid-tasks/{id}/"): "/api/grid-tasks/{", ("get", "/api/grid-tasks/{id}/progress/"): "/progress/",
          ("get", "/api/grid-task-items/"): "/api/grid-task-items/",
          ("get", "/api/grid-task-items/{id}/"): "/api/grid-task-items/{",
          ("post", "/api/grid-task-items/{id}/complete/"): "/complete/"},
    _ENG: {("get", f"/api/{path}/"): f'"{name}-list"' for path, name in (
        ("activities", "activity"), ("cobuilding/entries", "cobuilding-entry"), ("cobuilding/matches", "cobuilding-match"),
        ("cobuilding/projects", "cobuilding-project"), ("home-visits", "homevisit"), ("party-members", "partymember"),
        ("party-organizations", "partyorganization"), ("patrols", "patrol"), ("redemptions", "redemption"),
        ("store-items", "storeitem"), ("volunteers", "volunteer"))}
    | {("get", f"/api/{path}/{{id}}/"): '"-detail"' for path in (
        "activities", "cobuilding/entries", "cobuilding/matches", "cobuilding/projects", "home-visits", "party-members",
        "party-organizations", "patrols", "redemptions", "store-items", "volunteers")},
    "volunteers.tests.test_scope::test_api_redeem_is_scoped_and_idempotent": {("post", "/api/redemptions/"): "redemption-list"},
    "volunteers.tests.test_scope::test_api_patrol_start_points_end": {
        ("post", "/api/patrols/"): "patrol-list", ("post", "/api/patrols/{id}/points/"): "patrol-points",
        ("post", "/api/patrols/{id}/end/"): "patrol-end"},
    _EW: {("get", "/api/warnings/"): "/api/warnings/", ("get", "/api/warnings/{id}/"): "/api/warnings/{"},
    _EWA: {("post", "/api/warnings/{id}/acknowledge/"): "/acknowledge/", ("post", "/api/warnings/{id}/close/"): "/close/"},
    _INT: {("get", "/api/webhooks/"): "/api/webhooks/", ("get", "/api/webhooks/{id}/"): "/api/webhooks/{",
           ("put", "/api/webhooks/{id}/"): "client.put", ("patch", "/api/webhooks/{id}/"): "client.patch",
           ("get", "/api/webhook-deliveries/"): "/api/webhook-deliveries/",
           ("get", "/api/webhook-deliveries/{id}/"): "/api/webhook-deliveries/{",
           ("post", "/api/webhook-deliveries/{id}/redeliver/"): "/redeliver/"},
    "integrations.tests.test_scope::test_the_api_creates_an_endpoint_with_a_generated_secret_shown_once": {
        ("post", "/api/webhooks/"): "/api/webhooks/"},
    _HOT: {("post", "/api/hotline/{district}/orders/"): "/api/hotline/"},
}

# Party, volunteers and co-building writes (and their new read endpoints): each app's persona test
# of its write API (refused out of scope and without community.change, allowed in scope).
_PW, _VW, _CW = ("party.tests.test_api_write::test_party_write_endpoints_by_persona",
                 "volunteers.tests.test_api_write::test_volunteer_write_endpoints_by_persona",
                 "cobuilding.tests.test_api_write::test_cobuilding_write_endpoints_by_persona")
DELEGATED |= {
    _PW: {("post", "/api/party-organizations/"): '"partyorganization-list"',
          ("patch", "/api/party-organizations/{id}/"): '"partyorganization-detail"',
          ("post", "/api/party-members/"): '"partymember-list"', ("patch", "/api/party-members/{id}/"): '"partymember-detail"',
          ("post", "/api/party-members/{id}/check-in/"): '"partymember-check-in"',
          ("get", "/api/party-offices/"): '"partyoffice', ("post", "/api/party-offices/"): '"partyoffice-list"',
          ("get", "/api/party-offices/{id}/"): '"partyoffice', ("get", "/api/party-services/"): '"partyservice',
          ("post", "/api/party-services/"): '"partyservice-list"', ("get", "/api/party-services/{id}/"): '"partyservice',
          ("post", "/api/party-services/{id}/confirm/"): '"partyservice-confirm"'},
    _VW: {("post", "/api/volunteers/"): '"volunteer-list"', ("patch", "/api/volunteers/{id}/"): '"volunteer-detail"',
          ("get", "/api/volunteer-teams/"): '"volunteerteam-list"', ("post", "/api/volunteer-teams/"): '"volunteerteam-list"',
          ("get", "/api/volunteer-teams/{id}/"): '"volunteerteam-detail"',
          ("patch", "/api/volunteer-teams/{id}/"): '"volunteerteam-detail"',
          ("post", "/api/volunteer-teams/{id}/members/"): '"volunteerteam-members"',
          ("post", "/api/activities/"): '"activity-list"', ("patch", "/api/activities/{id}/"): '"activity-detail"',
          **{("post", f"/api/activities/{{id}}/{name}/"): f'"activity-{name}"'
             for name in ("cancel", "check-in", "check-out", "sign-up")},
          ("post", "/api/store-items/"): '"storeitem-list"', ("patch", "/api/store-items/{id}/"): '"storeitem-detail"',
          ("post", "/api/store-items/{id}/withdraw/"): '"storeitem-withdraw"'},
    _CW: {("post", "/api/cobuilding/entries/"): '"cobuilding-entry-list"',
          ("patch", "/api/cobuilding/entries/{id}/"): '"cobuilding-entry-detail"',
          ("post", "/api/cobuilding/entries/{id}/close/"): '"cobuilding-entry-close"',
          ("post", "/api/cobuilding/matches/"): '"cobuilding-match-list"',
          ("post", "/api/cobuilding/matches/{id}/move/"): '"cobuilding-match-move"',
          ("post", "/api/cobuilding/projects/"): '"cobuilding-project-list"',
          ("patch", "/api/cobuilding/projects/{id}/"): '"cobuilding-project-detail"',
          ("post", "/api/cobuilding/projects/{id}/finish/"): '"cobuilding-project-finish"'},
}
# Corrections and cancelling in community work (disputes, meetings, grid tasks, home visits).
DELEGATED.update({
    "disputes.tests.test_edit::test_edit_page_and_patch_by_persona": {
        ("patch", "/api/disputes/{id}/"): 'patch(f"/api/disputes/'},
    "meetings.tests.test_edit::test_edit_and_cancel_pages_and_api_by_persona": {
        ("patch", "/api/meetings/{id}/"): 'patch(f"/api/meetings/', ("post", "/api/meetings/{id}/cancel/"): "/cancel/"},
    "gridtasks.tests.test_edit::test_edit_and_cancel_pages_and_api_by_persona": {
        ("patch", "/api/grid-tasks/{id}/"): 'patch(f"/api/grid-tasks/', ("post", "/api/grid-tasks/{id}/cancel/"): "/cancel/"},
    "patrols.tests.test_visit_edit::test_the_edit_page_and_api_by_persona": {
        ("patch", "/api/home-visits/{id}/"): 'patch(f"/api/home-visits/'},
})

SCOPE: dict[tuple[str, str], tuple] = {
    ("post", "/api/auth/token/"): ("public", "username + password"),
    ("get", "/api/me/"): ("public", "the user's own profile"),
    ("get", "/api/work-calendar/"): ("public", "one calendar for everyone"),
    ("post", "/api/rate/"): ("public", "the tracking code is the credential"),
    ("get", "/api/categories/"): ("public", "one catalog for everyone"),
    ("get", "/api/categories/{code}/"): ("public", "one catalog for everyone"),
    ("get", "/api/areas/"): ("list", "grid_a11"),
    ("post", "/api/areas/"): ("query", "post:/api/areas/", {"name": "新网格", "level": "grid",
                                                           "parent": "{community_a1}"}),
    ("get", "/api/areas/{id}/"): ("detail", "grid_a11"),
    ("patch", "/api/areas/{id}/"): ("write", "grid_a11"),
    ("delete", "/api/areas/{id}/"): ("write", "grid_a12"),
    ("get", "/api/areas/{id}/export/"): ("detail", "grid_a11"),
    ("post", "/api/areas/import/"): ("query", "post:/api/areas/import/", {
        "type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None, "properties": {
            "code": "410611001001001", "name": "改名", "level": "grid", "parent_code": "410611001001"}}]},
        {400, 404}),  # all or nothing: the refused feature is named in a 400, nothing is written
    ("get", "/api/areas/resolve/"): ("query", "/api/areas/resolve/?lon=114.07&lat=35.6"),
    ("get", "/api/force-list/"): ("query", "/api/force-list/?area={grid_a11}"),
    ("get", "/api/departments/"): ("list", "dept_bcg", "officer_b", "officer_a"),
    ("get", "/api/departments/{id}/"): ("detail", "dept_bcg", "officer_b", "officer_a"),
    ("get", "/api/staff-assignments/"): ("list", "staff_a"),
    ("post", "/api/staff-assignments/"): ("query", "post:/api/staff-assignments/", {
        "user": "{stranger}", "area": "{grid_a11}", "duty": "part_time_worker"}),
    ("get", "/api/staff-assignments/{id}/"): ("detail", "staff_a"),
    ("post", "/api/staff-assignments/{id}/end/"): ("write", "staff_a"),
    ("get", "/api/role-assignments/"): ("list", "role_a"),
    ("post", "/api/role-assignments/"): ("query", "post:/api/role-assignments/", {
        "user": "{stranger}", "role": "grid_worker", "area": "{grid_a11}"}),
    ("get", "/api/role-assignments/{id}/"): ("detail", "role_a"),
    ("post", "/api/role-assignments/{id}/revoke/"): ("write", "role_a"),
    ("get", "/api/cases/"): ("list", "case_reported"),
    ("post", "/api/cases/"): ("query", "post:/api/cases/", {"category": "E0101", "lon": 114.07, "lat": 35.6,
                                                           "description": "越界上报"},
                               {400}),  # a point, not an id: "not in your areas", on the lon field
    ("get", "/api/cases/{id}/"): ("detail", "case_reported"),
    ("get", "/api/cases/{id}/photos/{photo_id}/"): ("query", "/api/cases/{case_reported}/photos/{photo_a}/"),
    **{("post", f"/api/cases/{{id}}/{name}/"): ("write", "case_reported") for name in ACTION_NAMES},
    ("get", "/api/residents/"): ("list", "resident"),
    ("post", "/api/residents/"): ("query", "post:/api/residents/", {
        "name": "王越界", "id_number": "11010119900307007X", "dwelling": "{dwelling_a}", "relation": "head"}),
    ("get", "/api/residents/{id}/"): ("detail", "resident"),
    ("post", "/api/residents/{id}/unmask/"): ("write", "resident"),
    ("get", "/api/households/"): ("list", "household_a"),
    ("get", "/api/households/{id}/"): ("detail", "household_a"),
    ("get", "/api/dwellings/"): ("list", "dwelling_a"),
    ("get", "/api/dwellings/{id}/"): ("detail", "dwelling_a"),
    ("get", "/api/estates/"): ("list", "estate_a"),
    ("get", "/api/estates/{id}/"): ("detail", "estate_a"),
    ("get", "/api/buildings/"): ("list", "building_a"),
    ("get", "/api/buildings/{id}/"): ("detail", "building_a"),
    ("get", "/api/organizations/"): ("list", "org_a"),
    ("get", "/api/organizations/{id}/"): ("detail", "org_a"),
    ("get", "/api/notifications/"): ("own", "note_a", "worker_a11"),
    ("get", "/api/notifications/{id}/"): ("own", "note_a", "worker_a11"),
    ("post", "/api/notifications/{id}/read/"): ("own", "note_a", "worker_a11"),
    ("post", "/api/notifications/read-all/"): ("own", "note_a", "worker_a11"),
    ("get", "/api/audit-log/"): ("list", "audit_a", "command", "officer_b"),
    ("get", "/api/audit-log/{id}/"): ("detail", "audit_a", "command", "officer_b"),
    ("get", "/api/indicators/"): ("query", "/api/indicators/?area={street_a.code}"),
    ("get", "/api/assessment/{kind}/"): ("query", "/api/assessment/community/?area={street_a.code}"),
    **{op: ("delegated", test, token) for test, ops in DELEGATED.items() for op, token in ops.items()},
}


@pytest.fixture
def scoped(world):
    from accounts.models import RoleAssignment
    from core.models import AuditLog

    world.role_a = RoleAssignment.objects.get(user=world.worker_a11)
    world.audit_a = AuditLog.objects.filter(district_code="410611").first()
    world.photo_a = world.case_reported.photos.first()
    return world


def operations(client) -> list[tuple[str, str]]:
    paths = client.get("/api/schema/?format=json").json()["paths"]
    return [(method, path) for path, item in paths.items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


def _fill(template, world):
    """`{name}` in a string (or in a dict's values) is the pk of the world's object `name`,
    `{name.attr}` its attribute."""
    if isinstance(template, dict):
        return {k: _fill(v, world) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, world) for v in template]
    if isinstance(template, str) and "{" in template:
        import re

        def pk(match):
            obj = getattr(world, match.group(1))
            return str(getattr(obj, match.group(2) or "pk"))

        filled = re.sub(r"\{(\w+)(?:\.(\w+))?\}", pk, template)
        return int(filled) if filled.isdigit() and template.startswith("{") else filled
    return template


@pytest.mark.django_db
def test_every_operation_has_a_scope_expectation(cast, api):
    found = operations(api("command"))
    missing = [op for op in found if op not in SCOPE]
    assert not missing, f"API operations without a scope expectation in {__name__}.SCOPE: {missing}"
    stale = [op for op in SCOPE if op not in found]
    assert not stale, stale


def _snapshot():
    from accounts.models import RoleAssignment
    from areas.models import Area, StaffAssignment
    from cases.models import Case, CaseEvent
    from core.models import Notification
    from registry.models import Person

    return (Area.objects.count(), StaffAssignment.objects.filter(ends_on__isnull=True).count(),
            RoleAssignment.objects.filter(ends_on__isnull=True).count(), Case.objects.count(),
            CaseEvent.objects.count(), Person.objects.count(),
            Notification.objects.filter(read_at__isnull=True).count(),
            list(Area.objects.order_by("pk").values_list("name", flat=True)))


def _ids(response) -> set:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["id"] for row in rows}


@pytest.mark.django_db
def test_a_user_of_another_area_gets_404_or_a_list_without_it(scoped, api):
    world = scoped
    checked = 0
    for (method, path), spec in SCOPE.items():
        kind = spec[0]
        if kind in ("public", "delegated"):
            continue
        if kind in ("detail", "write", "list"):
            key = spec[1]
            insider, outsider = (spec[2], spec[3]) if len(spec) > 2 else (INSIDER, OUTSIDER)
            obj = getattr(world, key)
            url = path.replace("{id}", str(obj.pk))
            inside, outside = api(insider), api(outsider)
            if kind == "detail":
                assert inside.get(url).status_code == 200, (method, path, insider)
                assert outside.get(url).status_code == 404, (method, path, outsider)
            elif kind == "list":
                assert obj.pk in _ids(inside.get(url + "?page_size=500")), (path, insider)
                assert obj.pk not in _ids(outside.get(url + "?page_size=500")), (path, outsider)
            else:
                before = _snapshot()
                response = getattr(outside, method)(url, {"note": "越界", "purpose": "越界", "name": "越界"},
                                                    format="json")
                assert response.status_code == 404, (method, path, outsider, response.status_code)
                assert _snapshot() == before, (method, path)
        elif kind == "query":
            template = spec[1]
            inside, outside = api(INSIDER), api(OUTSIDER)
            if template.startswith("post:"):
                before = _snapshot()
                body = _fill(spec[2], world)
                response = outside.post(template[5:], body, format="json")
                allowed = spec[3] if len(spec) > 3 else {404}
                assert response.status_code in allowed, (method, path, response.status_code, response.content[:200])
                assert _snapshot() == before, (method, path)
            else:
                url = _fill(template, world)
                assert inside.get(url).status_code == 200, (method, path, url)
                assert outside.get(url).status_code == 404, (method, path, url)
        elif kind == "own":
            note = getattr(world, spec[1])
            owner, other = api(spec[2]), api(OUTSIDER)
            url = path.replace("{id}", str(note.pk))
            if path.endswith("read-all/"):
                type(note).objects.filter(pk=note.pk).update(read_at=None)  # "read" may have run first
                assert other.post(url).status_code == 200
                note.refresh_from_db()
                assert note.read_at is None
                continue
            if method == "post":
                assert other.post(url).status_code == 404
                assert owner.post(url).status_code == 200
            elif "{id}" in path:
                assert owner.get(url).status_code == 200
                assert other.get(url).status_code == 404
            else:
                assert note.pk in _ids(owner.get(url)) and note.pk not in _ids(other.get(url))
        else:  # pragma: no cover - a typo in SCOPE
            raise AssertionError(spec)
        checked += 1
    assert checked > 50


def test_delegated_scope_tests_exist_and_name_their_endpoints():
    """A delegated expectation must point at a real test whose source names the endpoint."""
    import importlib
    import inspect

    for test, ops in DELEGATED.items():
        module_name, function = test.split("::")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function, None)), f"{test} does not exist"
        source = inspect.getsource(module)
        for op, token in ops.items():
            assert token in source, (op, test, token)

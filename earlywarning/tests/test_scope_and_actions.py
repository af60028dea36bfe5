"""Who sees which warning (pages and /api/warnings/, every persona), and the acknowledge / close
actions (validation, audit rows, out of scope is a 404)."""

import pytest

from earlywarning.detection import detect
from earlywarning.models import EarlyWarning
from earlywarning.tests.conftest import BASE_A, BASE_B, NOW, north

pytestmark = pytest.mark.django_db

# a cluster in grid A1-1 and one in grid B1-1: who covers which grid sees that warning
SEES = {
    "command": {"A", "B"}, "leader": {"A", "B"}, "admin": {"A", "B"},
    "officer_a": {"A"}, "officer_b": {"B"}, "officer_a1": {"A"}, "chief_a11": {"A"}, "worker_a11": {"A"},
    "worker_b11": {"B"}, "handler_cg": set(), "handler_bcg": set(), "stranger": set(),
}


@pytest.fixture
def two(log):
    for base in (BASE_A, BASE_B):
        for d in (0, 100, 200):
            log.case(north(base, d))
    detect(now=NOW, notify_people=False)
    a = EarlyWarning.objects.get(area=log.cast.grid_a11)
    b = EarlyWarning.objects.get(area=log.cast.grid_b11)
    return log.cast, {"A": a, "B": b}


def test_api_lists_and_retrieves_only_warnings_in_scope(two, api):
    for persona in sorted(SEES):
        _api_persona(two, api, persona)


def _api_persona(two, api, persona):
    cast, w = two
    client = api(persona)
    response = client.get("/api/warnings/")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {w[k].pk for k in SEES[persona]}
    for key, warning in w.items():
        status = client.get(f"/api/warnings/{warning.pk}/").status_code
        assert status == (200 if key in SEES[persona] else 404), (persona, key, status)


def test_pages_show_only_warnings_in_scope(two, client):
    for persona in sorted(SEES):
        _pages_persona(two, client, persona)


def _pages_persona(two, client, persona):
    cast, w = two
    client.force_login(cast.users[persona])
    listing = client.get("/warnings/")
    if not SEES[persona]:
        # department handlers and strangers cover no area: no list at all
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200
        for key, warning in w.items():
            assert (f'id="warning-{warning.pk}"' in listing.content.decode()) == (key in SEES[persona])
    for key, warning in w.items():
        assert client.get(f"/warnings/{warning.pk}/").status_code == (200 if key in SEES[persona] else 404)
        if key not in SEES[persona]:
            assert client.post(f"/warnings/{warning.pk}/close/", {"note": "x", "confirm": "on"}).status_code == 404
    assert set(EarlyWarning.objects.values_list("state", flat=True)) == {"open"}


def test_anonymous_is_refused(two, client, api):
    assert client.get("/warnings/").status_code == 302
    assert api().get("/api/warnings/").status_code in (401, 403)


def test_acknowledge_then_close_with_a_note_audited(two, client):
    from core.models import AuditLog

    cast, w = two
    client.force_login(cast.officer_a1)
    url = f"/warnings/{w['A'].pk}/"
    assert client.post(url + "acknowledge/", {"note": "已派人查看"}).status_code == 302
    w["A"].refresh_from_db()
    assert (w["A"].state, w["A"].acknowledged_by, w["A"].note) == ("acknowledged", cast.officer_a1, "已派人查看")
    again = client.post(url + "acknowledge/", {"note": ""})
    assert again.status_code == 400 and "只有" in again.content.decode()
    # closing needs a note: the form comes back with the error
    empty = client.post(url + "close/", {"note": "  ", "confirm": "on"})
    assert empty.status_code == 400
    assert client.post(url + "close/", {"note": "路面已修复", "confirm": "on"}).status_code == 302
    w["A"].refresh_from_db()
    assert (w["A"].state, w["A"].closed_by, w["A"].note) == ("closed", cast.officer_a1, "路面已修复")
    actions = list(AuditLog.objects.filter(action__startswith="warning.").order_by("id")
                   .values_list("action", "actor__username"))
    assert actions == [("warning.acknowledge", "officer_a1"), ("warning.close", "officer_a1")]


def test_api_actions(two, api):
    cast, w = two
    client = api("officer_b")
    assert client.post(f"/api/warnings/{w['A'].pk}/acknowledge/", {}).status_code == 404
    assert client.post(f"/api/warnings/{w['B'].pk}/close/", {"note": ""}, format="json").status_code == 400
    response = client.post(f"/api/warnings/{w['B'].pk}/close/", {"note": "已核实"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "closed"
    assert client.get("/api/warnings/", {"state": "open"}).json()["count"] == 0
    assert api("command").get("/api/warnings/", {"area": "410611001000"}).json()["count"] == 1

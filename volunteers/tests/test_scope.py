"""Scope of every engagement page and API endpoint, persona by persona (the cast of conftest.py):
objects of community A1 are seen from street A, the district and A1's grid staff; anything out of
scope is a 404; lists never show the other street's rows; no capability at all is a 403."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from patrols import actions as patrol_actions

SEE_A = ["command", "leader", "admin", "officer_a", "officer_a1", "chief_a11", "worker_a11"]
NOT_A = ["officer_b", "worker_b11", "handler_cg", "stranger"]
NO_CAPABILITY = ["handler_cg", "stranger"]


@pytest.fixture
def scene(world):
    cast = world.cast
    now = timezone.now()
    world.patrol = patrol_actions.start_patrol(cast.worker_a11, at=now - dt.timedelta(minutes=20))
    patrol_actions.add_points(cast.worker_a11, world.patrol, [
        {"lon": 114.07, "lat": 35.6, "at": (now - dt.timedelta(minutes=10)).isoformat()},
        {"lon": 114.071, "lat": 35.6, "at": (now - dt.timedelta(minutes=9)).isoformat()}])
    world.visit = patrol_actions.record_visit(cast.worker_a11, household=world.household_a, finding="needs_help",
                                              note="独居老人需要助餐", patrol=world.patrol)
    world.patrol_b = patrol_actions.start_patrol(cast.worker_b11)
    return world


def client_for(client, cast, name):
    client.logout()
    client.force_login(cast.users[name])
    return client


LIST_PAGES = ["patrols:list", "patrols:coverage", "patrols:visits", "party:organizations", "party:members",
              "party:offices", "party:services", "volunteers:list", "volunteers:teams", "volunteers:activities",
              "volunteers:store", "volunteers:redemptions", "volunteers:rules", "cobuilding:needs",
              "cobuilding:resources", "cobuilding:matches", "cobuilding:projects"]


def test_list_pages_show_only_the_scope(scene, client):
    cast = scene.cast
    for name in SEE_A + ["officer_b", "worker_b11"]:
        c = client_for(client, cast, name)
        # every page for one persona per kind of role (the pages share the scoping code)
        for page in LIST_PAGES if name in ("command", "worker_b11") else ():
            response = c.get(reverse(page))
            assert response.status_code == 200, (name, page, response.status_code)
        body = c.get(reverse("volunteers:activities")).content.decode()
        assert ("敬老院义剪" in body) == (name in SEE_A), name
        assert ("河道清洁" in body) == (name not in ("officer_a", "officer_a1", "chief_a11", "worker_a11")), name
        body = c.get(reverse("cobuilding:needs")).content.decode()
        assert ("老人助餐" in body) == (name in SEE_A), name
        body = c.get(reverse("party:organizations")).content.decode()
        assert ("甲一社区党委" in body) == (name in SEE_A), name
    for name in NO_CAPABILITY:
        c = client_for(client, cast, name)
        for page in LIST_PAGES[::4] if name == "handler_cg" else LIST_PAGES:
            assert c.get(reverse(page)).status_code == 403, (name, page)
    client.logout()
    assert client.get(reverse("volunteers:list")).status_code == 302  # to the login page


def test_detail_pages_are_404_out_of_scope(scene, client):
    cast = scene.cast
    details = [reverse("patrols:detail", args=[scene.patrol.pk]), reverse("patrols:visit", args=[scene.visit.pk]),
               reverse("party:organization", args=[scene.community_org.pk]),
               reverse("volunteers:activity", args=[scene.activity_a.pk]),
               reverse("volunteers:account", args=[scene.volunteer_a.account.pk])]
    for name in SEE_A:
        c = client_for(client, cast, name)
        for url in details:
            assert c.get(url).status_code == 200, (name, url)
    for name in NOT_A:
        c = client_for(client, cast, name)
        for url in details:
            assert c.get(url).status_code == 404, (name, url)


def test_changes_out_of_scope_are_404(scene, client):
    cast = scene.cast
    c = client_for(client, cast, "officer_b")
    posts = [reverse("volunteers:redeem", args=[scene.item_a.pk]),
             reverse("party:member-check-in", args=[scene.member_a.pk]),
             reverse("cobuilding:match-move", args=[scene.match_a.pk])]
    for url in posts:
        assert c.post(url, {"to": "agreed"}).status_code == 404, url
    c = client_for(client, cast, "worker_b11")  # another worker cannot post into A's patrol
    for name in ("patrols:points", "patrols:end", "patrols:report"):
        assert c.post(reverse(name, args=[scene.patrol.pk]), {}, content_type="application/json").status_code == 404
    c = client_for(client, cast, "chief_a11")  # same grid, not their patrol
    assert c.post(reverse("patrols:end", args=[scene.patrol.pk])).status_code == 404
    c = client_for(client, cast, "officer_a1")  # may see the store, cannot redeem in B's
    assert c.get(reverse("volunteers:redeem", args=[scene.item_b.pk])).status_code == 404


def test_the_visit_note_is_shown_only_with_registry_sensitive_and_each_view_is_audited(scene, client):
    cast = scene.cast
    url = reverse("patrols:visit", args=[scene.visit.pk])
    body = client_for(client, cast, "worker_a11").get(url).content.decode()
    assert "独居老人需要助餐" in body and "张晓明" not in body and "张*明" in body
    assert AuditLog.objects.filter(action="patrol.visit.view", object_id=str(scene.visit.pk)).count() == 1
    body = client_for(client, cast, "leader").get(url).content.decode()  # no registry.sensitive
    assert "独居老人需要助餐" not in body
    body = client_for(client, cast, "officer_a1").get(reverse("patrols:visits")).content.decode()
    assert "张*明" in body and "独居老人需要助餐" not in body
    assert AuditLog.objects.filter(action="patrol.visit.list", actor=cast.officer_a1).count() == 1
    body = client_for(client, cast, "officer_a1").get(reverse("volunteers:list")).content.decode()
    assert "张晓明" not in body and "张*明" in body


API = {
    "patrol-list": ("patrol", "patrol_b"),
    "homevisit-list": ("visit", None),
    "partyorganization-list": ("community_org", "street_b"),
    "partymember-list": ("member_a", None),
    "volunteer-list": ("volunteer_a", "volunteer_b"),
    "activity-list": ("activity_a", "activity_b"),
    "storeitem-list": ("item_a", "item_b"),
    "redemption-list": (None, None),
    "cobuilding-entry-list": ("need_a", "need_b"),
    "cobuilding-match-list": ("match_a", None),
    "cobuilding-project-list": ("project_a", "project_b"),
}


API_PERSONAS = ["command", "leader", "officer_a", "officer_a1", "worker_a11", "officer_b", "worker_b11", "handler_cg",
                "stranger"]
DETAIL_PERSONAS = {"officer_a1", "worker_a11", "officer_b", "stranger"}


def test_every_endpoint_is_scoped(scene, api):
    for name in API_PERSONAS:
        client = api(name)
        for route, (in_a, in_b) in API.items():
            response = client.get(reverse(route))
            assert response.status_code == 200, (name, route, response.status_code)
            ids = {row["id"] for row in response.json()["results"]}
            if in_a:
                obj = getattr(scene, in_a)
                assert (obj.pk in ids) == (name in SEE_A), (name, route)
                if name in DETAIL_PERSONAS:
                    detail = client.get(reverse(route.replace("-list", "-detail"), args=[obj.pk]))
                    assert detail.status_code == (200 if name in SEE_A else 404), (name, route)
            if in_b:
                obj = getattr(scene, in_b)
                sees_b = name in ("command", "leader", "admin", "officer_b", "worker_b11")
                assert (obj.pk in ids) == sees_b, (name, route)
    assert api().get(reverse("volunteer-list")).status_code in (401, 403)


def test_api_redeem_is_scoped_and_idempotent(scene, api):
    from django.db import transaction

    from volunteers import points

    with transaction.atomic():
        points.post(scene.volunteer_a.account, 100, reason="adjustment", key="fund")
    body = {"item": scene.item_a.pk, "account": scene.volunteer_a.account.pk, "idempotency_key": "api-1"}
    assert api("officer_b").post(reverse("redemption-list"), body, format="json").status_code == 404
    assert api("worker_a11").post(reverse("redemption-list"), body, format="json").status_code == 403
    first = api("officer_a1").post(reverse("redemption-list"), body, format="json")
    assert first.status_code == 201, first.content
    again = api("officer_a1").post(reverse("redemption-list"), body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    too_much = api("officer_a1").post(reverse("redemption-list"), {**body, "idempotency_key": "api-2",
                                                                   "item": scene.item_a.pk}, format="json")
    assert too_much.status_code == 201  # 100 − 30 − 30 = 40 left
    broke = api("officer_a1").post(reverse("redemption-list"), {**body, "idempotency_key": "api-3"}, format="json")
    assert broke.status_code == 201
    refused = api("officer_a1").post(reverse("redemption-list"), {**body, "idempotency_key": "api-4"}, format="json")
    assert refused.status_code == 400


def test_api_patrol_start_points_end(scene, api):
    client = api("chief_a11")
    started = client.post(reverse("patrol-list"), {}, format="json")
    assert started.status_code == 201, started.content
    pk = started.json()["id"]
    now = timezone.now()
    result = client.post(reverse("patrol-points", args=[pk]), {"points": [
        {"lon": 114.07, "lat": 35.6, "accuracy": 8, "at": now.isoformat()}]}, format="json")
    assert result.status_code == 200 and result.json()["accepted"] == 1
    assert api("worker_a11").post(reverse("patrol-end", args=[pk])).status_code == 404
    assert api("officer_a1").post(reverse("patrol-list"), {}, format="json").status_code == 403
    ended = client.post(reverse("patrol-end", args=[pk]))
    assert ended.status_code == 200 and ended.json()["state"] == "ended"

"""The volunteers write API: every endpoint refused out of scope (404) and without community.change
(403) with nothing changed, allowed for the community officer; bad input is a 400 in Chinese that
changes nothing; two check-outs at once pay the points once."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from core.testing import race
from volunteers import actions
from volunteers.models import Activity, PointsAccount, PointsEntry, SignUp, StoreItem, Team, Volunteer
from volunteers.tests.writes import chinese, refused_then_allowed, snapshot

MODELS = (Volunteer, Team, Team.members.through, Activity, SignUp, StoreItem, PointsAccount, PointsEntry)


def test_volunteer_write_endpoints_by_persona(world, api):
    cast = world.cast
    now = timezone.now()
    created = refused_then_allowed(api, "post", reverse("volunteer-list"), {
        "person": world.resident_a2.pk, "consent": True, "skills": "量血压"}, MODELS, expect=201)
    assert created["name"] == "李*梅" and created["consent_version"]
    refused_then_allowed(api, "patch", reverse("volunteer-detail", args=[world.volunteer_a.pk]),
                         {"skills": "理发、修伞"}, MODELS)
    team = refused_then_allowed(api, "post", reverse("volunteerteam-list"), {
        "area": cast.community_a1.pk, "name": "甲一志愿服务队", "members": [world.volunteer_a.pk]}, MODELS, expect=201)
    assert team["members"] == [world.volunteer_a.pk]
    refused_then_allowed(api, "patch", reverse("volunteerteam-detail", args=[team["id"]]), {"name": "甲一先锋队"},
                         MODELS)
    team = refused_then_allowed(api, "post", reverse("volunteerteam-members", args=[team["id"]]),
                                {"add": [created["id"]], "remove": [world.volunteer_a.pk]}, MODELS)
    assert team["members"] == [created["id"]] and team["name"] == "甲一先锋队"
    new = refused_then_allowed(api, "post", reverse("activity-list"), {
        "area": cast.community_a1.pk, "title": "义诊", "place": "社区卫生站",
        "starts_at": (now + dt.timedelta(days=1)).isoformat(), "ends_at": (now + dt.timedelta(days=1, hours=2)).isoformat(),
        "capacity": 10, "team": team["id"]}, MODELS, expect=201)
    refused_then_allowed(api, "patch", reverse("activity-detail", args=[world.activity_a.pk]), {"capacity": 3},
                         MODELS)
    signup = refused_then_allowed(api, "post", reverse("activity-sign-up", args=[world.activity_a.pk]),
                                  {"volunteer": world.volunteer_a.pk}, MODELS, expect=201)
    assert signup["state"] == "signed_up"
    signup = refused_then_allowed(api, "post", reverse("activity-check-in", args=[world.activity_a.pk]),
                                  {"volunteer": world.volunteer_a.pk}, MODELS)
    assert signup["state"] == "checked_in"
    signup = refused_then_allowed(api, "post", reverse("activity-check-out", args=[world.activity_a.pk]),
                                  {"volunteer": world.volunteer_a.pk}, MODELS)
    assert signup["state"] == "done" and signup["points"] == 5  # checked out before the start: 0 h + 5
    cancelled = refused_then_allowed(api, "post", reverse("activity-cancel", args=[new["id"]]), {"note": "下雨"},
                                     MODELS)
    assert cancelled["state"] == "cancelled"
    item = refused_then_allowed(api, "post", reverse("storeitem-list"), {
        "area": cast.community_a1.pk, "name": "肥皂", "price": 10, "stock": 20}, MODELS, expect=201)
    refused_then_allowed(api, "patch", reverse("storeitem-detail", args=[world.item_a.pk]), {"stock": 9, "price": 25},
                         MODELS)
    withdrawn = refused_then_allowed(api, "post", reverse("storeitem-withdraw", args=[item["id"]]), {}, MODELS)
    assert withdrawn["active"] is False
    for name, sees in (("officer_a1", True), ("worker_a11", True), ("officer_b", False), ("stranger", False)):
        ids = {row["id"] for row in api(name).get(reverse("volunteerteam-list")).json()["results"]}
        assert (team["id"] in ids) == sees, name
        assert api(name).get(reverse("volunteerteam-detail", args=[team["id"]])).status_code == (200 if sees else 404)
    assert api("stranger").post(reverse("storeitem-list"), {"area": cast.community_a1.pk, "name": "x", "price": 1,
                                                            "stock": 1}, format="json").status_code == 403


def test_bad_input_is_a_chinese_400_and_changes_nothing(world, api):
    cast = world.cast
    client = api("officer_a1")
    actions.sign_up(None, world.activity_a, world.volunteer_a)
    from registry.actions import save_person

    newcomer = save_person(None, name="赵六", grid=cast.grid_a11)
    now = timezone.now()
    before = snapshot(*MODELS)
    bad = [
        ("post", reverse("volunteer-list"), {"person": newcomer.pk, "consent": False}),
        ("post", reverse("volunteer-list"), {"person": world.resident_a.pk, "consent": True}),  # already one
        ("post", reverse("volunteerteam-list"), {"area": cast.community_a1.pk, "name": " "}),
        ("post", reverse("volunteerteam-members", args=[Team.objects.create(
            name="t", area=cast.community_a1, area_path=cast.community_a1.path,
            district_code=cast.community_a1.district_code).pk]), {}),
        ("post", reverse("activity-list"), {"area": cast.community_a1.pk, "title": "x", "place": "y",
                                            "starts_at": now.isoformat(),
                                            "ends_at": (now - dt.timedelta(hours=1)).isoformat(), "capacity": 0}),
        ("patch", reverse("activity-detail", args=[world.activity_a.pk]), {"capacity": 0}),
        ("post", reverse("activity-sign-up", args=[world.activity_a.pk]), {"volunteer": world.volunteer_a.pk}),
        ("post", reverse("activity-check-out", args=[world.activity_a.pk]), {"volunteer": world.volunteer_a.pk}),
        ("post", reverse("storeitem-list"), {"area": cast.community_a1.pk, "name": "x", "price": 0, "stock": -1}),
        ("patch", reverse("storeitem-detail", args=[world.item_a.pk]), {"stock": -3}),
    ]
    before = snapshot(*MODELS)  # the team above is part of the scene
    for method, url, body in bad:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 400, (url, body, response.status_code, response.content[:300])
        assert chinese(response), response.content
    assert snapshot(*MODELS) == before


def test_updates_are_audited_with_before_and_after(world, api):
    client = api("officer_a1")
    assert client.patch(reverse("storeitem-detail", args=[world.item_a.pk]), {"price": 40},
                        format="json").status_code == 200
    row = AuditLog.objects.filter(action="store.item.save", object_id=str(world.item_a.pk)).latest("id")
    assert (row.before["price"], row.after["price"]) == (30, 40)
    assert client.patch(reverse("volunteer-detail", args=[world.volunteer_a.pk]), {"active": False},
                        format="json").status_code == 200
    row = AuditLog.objects.filter(action="volunteers.update").latest("id")
    assert (row.before["active"], row.after["active"]) == (True, False)
    assert "张晓明" not in str(row.before) + str(row.after) + row.object_repr


@pytest.mark.django_db(transaction=True)
def test_two_check_outs_at_once_pay_the_points_once(world):
    activity = world.activity_a
    Activity.objects.filter(pk=activity.pk).update(starts_at=timezone.now() - dt.timedelta(hours=2))
    activity.refresh_from_db()
    signup = actions.sign_up(None, activity, world.volunteer_a)
    at = timezone.now() - dt.timedelta(hours=1)
    results = race(lambda: actions.check_in(None, signup, at=at), lambda: actions.check_in(None, signup, at=at))
    assert sum(isinstance(r, SignUp) for r in results) == 1, results
    results = race(lambda: actions.check_out(None, signup), lambda: actions.check_out(None, signup))
    assert sum(isinstance(r, SignUp) for r in results) == 1, results
    entries = PointsEntry.objects.filter(account__volunteer=world.volunteer_a)
    assert entries.count() == 1
    account = PointsAccount.objects.get(volunteer=world.volunteer_a)
    assert account.balance == entries.get().amount == 15  # 1 h × 10 + 5


def test_a_team_does_not_move_away_from_its_members(world, api):
    cast = world.cast
    team = actions.save_team(None, area=cast.community_a1, name="甲一志愿服务队", members=[world.volunteer_a])
    before = snapshot(*MODELS)
    response = api("command").patch(reverse("volunteerteam-detail", args=[team.pk]), {"area": cast.community_b1.pk},
                                    format="json")
    assert response.status_code == 400 and chinese(response), response.content
    assert snapshot(*MODELS) == before

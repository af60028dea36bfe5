"""Edit pages of party, volunteers and co-building: pre-filled GET, POST through the action,
refused out of scope (404) and without community.change (403), bad input re-rendered with what
the user typed and nothing saved, Edit buttons only for those allowed, confirmations on the
destructive buttons."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from cobuilding.models import ListEntry, Project
from core.models import AuditLog
from party.models import PartyMember, PartyOrganization
from volunteers.models import Activity, StoreItem, Team, Volunteer
from volunteers.tests.writes import snapshot

MODELS = (PartyOrganization, PartyMember, Volunteer, Team, Team.members.through, Activity, StoreItem, ListEntry,
          Project)


def _login(client, cast, name):
    client.logout()
    client.force_login(cast.users[name])
    return client


def test_edit_pages_by_persona(world, client):
    cast = world.cast
    local = timezone.localtime(world.activity_a.starts_at)
    today = timezone.localdate().isoformat()
    pages = [  # (url, what the form shows, a valid POST, the row after it)
        (reverse("party:organization-edit", args=[world.branch.pk]), "甲一第一网格党支部",
         {"name": "甲一一网格党支部", "kind": "branch", "parent": world.community_org.pk, "area": cast.grid_a11.pk,
          "secretary": "刘书记"}, lambda: PartyOrganization.objects.get(pk=world.branch.pk).secretary == "刘书记"),
        (reverse("party:member-edit", args=[world.member_a.pk]), "李*梅",
         {"organization": world.branch.pk, "kind": "in_service", "joined_on": "2001-07-01", "workplace": "区财政局"},
         lambda: PartyMember.objects.get(pk=world.member_a.pk).workplace == "区财政局"),
        (reverse("volunteers:edit", args=[world.volunteer_a.pk]), "理发", {"skills": "理发、修伞", "active": "on"},
         lambda: Volunteer.objects.get(pk=world.volunteer_a.pk).skills == "理发、修伞"),
        (reverse("volunteers:activity-edit", args=[world.activity_a.pk]), local.strftime("%Y-%m-%dT%H:%M"),
         {"title": "敬老院义剪", "place": "社区活动室二楼", "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
          "ends_at": (local + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "capacity": 4},
         lambda: Activity.objects.get(pk=world.activity_a.pk).place == "社区活动室二楼"),
        (reverse("volunteers:item-edit", args=[world.item_a.pk]), "洗衣液",
         {"name": "洗衣液", "price": 35, "stock": 8, "active": "on"},
         lambda: StoreItem.objects.get(pk=world.item_a.pk).price == 35),
        (reverse("cobuilding:entry-edit", args=[world.need_a.pk]), "老人助餐",
         {"community": cast.community_a1.pk, "title": "老人助餐", "category": "elderly", "description": "每日午餐"},
         lambda: ListEntry.objects.get(pk=world.need_a.pk).description == "每日午餐"),
        (reverse("cobuilding:project-edit", args=[world.project_a.pk]), "长者食堂",
         {"community": cast.community_a1.pk, "title": "长者食堂", "owner": "甲一社区", "starts_on": today,
          "state": "running", "outcome": ""}, lambda: Project.objects.get(pk=world.project_a.pk).state == "running"),
    ]
    team = Team.objects.create(name="甲一志愿服务队", area=cast.community_a1, area_path=cast.community_a1.path,
                               district_code=cast.community_a1.district_code)
    pages.append((reverse("volunteers:team-edit", args=[team.pk]), "甲一志愿服务队",
                  {"name": "甲一先锋队", "members": [world.volunteer_a.pk]},
                  lambda: list(Team.objects.get(pk=team.pk).members.all()) == [world.volunteer_a]))
    before = snapshot(*MODELS)
    for name, status in (("officer_b", 404), ("worker_a11", 403), ("stranger", 404)):
        c = _login(client, cast, name)
        for url, _shown, body, _done in pages:
            assert c.get(url).status_code == status, (name, url)
            assert c.post(url, body).status_code == status, (name, url)
    assert snapshot(*MODELS) == before
    c = _login(client, cast, "officer_a1")
    for url, shown, body, done in pages:
        response = c.get(url)
        assert response.status_code == 200 and shown in response.content.decode(), url
        response = c.post(url, body)
        assert response.status_code == 302, (url, response.content.decode()[:2000])
        assert done(), url
    assert AuditLog.objects.filter(action="volunteers.team.save", object_id=str(team.pk)).latest("id").before[
        "name"] == "甲一志愿服务队"


def test_bad_input_is_shown_again_and_nothing_is_saved(world, client):
    cast = world.cast
    c = _login(client, cast, "officer_a1")
    before = snapshot(*MODELS)
    response = c.post(reverse("volunteers:item-edit", args=[world.item_a.pk]),
                      {"name": "洗衣液（大瓶）", "price": 30, "stock": -2})
    body = response.content.decode()
    assert response.status_code == 200 and "洗衣液（大瓶）" in body and 'value="-2"' in body
    response = c.post(reverse("party:organization-edit", args=[world.community_org.pk]),
                      {"name": "甲一社区大党委", "kind": "community_committee", "parent": world.street_org.pk,
                       "area": cast.grid_a11.pk})  # a community committee on a grid
    body = response.content.decode()
    assert response.status_code == 200 and "甲一社区大党委" in body and "errorlist" in body
    response = c.post(reverse("cobuilding:project-edit", args=[world.project_a.pk]),
                      {"community": cast.community_a1.pk, "title": "长者食堂", "owner": "甲一社区",
                       "starts_on": timezone.localdate().isoformat(), "state": "finished", "outcome": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert snapshot(*MODELS) == before


def test_edit_buttons_and_confirmed_destructive_actions(world, client):
    cast = world.cast
    pages = [reverse("volunteers:activity", args=[world.activity_a.pk]), reverse("volunteers:store"),
             reverse("cobuilding:needs"), reverse("party:organization", args=[world.branch.pk]),
             reverse("volunteers:list"), reverse("cobuilding:projects")]
    c = _login(client, cast, "worker_a11")
    for url in pages:
        body = c.get(url).content.decode()
        assert "/edit/" not in body and "data-confirm" not in body, url
    c = _login(client, cast, "officer_a1")
    for url in pages:
        assert "/edit/" in c.get(url).content.decode(), url
    for url in pages[:3]:
        assert "data-confirm=" in c.get(url).content.decode(), url
    posts = [(reverse("volunteers:activity-cancel", args=[world.activity_a.pk]),
              lambda: Activity.objects.get(pk=world.activity_a.pk).state == "cancelled"),
             (reverse("volunteers:item-withdraw", args=[world.item_a.pk]),
              lambda: not StoreItem.objects.get(pk=world.item_a.pk).active),
             (reverse("cobuilding:entry-close", args=[world.need_a.pk]),
              lambda: ListEntry.objects.get(pk=world.need_a.pk).state == "closed")]
    before = snapshot(*MODELS)
    for name, status in (("officer_b", 404), ("worker_a11", 403)):
        c = _login(client, cast, name)
        for url, _done in posts:
            assert c.post(url).status_code == status, (name, url)
            assert c.get(url).status_code == 405, url  # never by a link
    assert snapshot(*MODELS) == before
    c = _login(client, cast, "officer_a1")
    for url, done in posts:
        assert c.post(url).status_code == 302 and done(), url
    response = c.post(posts[0][0], follow=True)  # twice: refused with a message, nothing else
    assert response.status_code == 200 and '<li class="error">' in response.content.decode()

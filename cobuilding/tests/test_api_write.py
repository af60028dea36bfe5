"""The co-building write API: every endpoint refused out of scope (404) and without
community.change (403) with nothing changed, allowed for the community officer; bad input is a
400 in Chinese that changes nothing; closing an entry cancels its live matches."""

from django.urls import reverse
from django.utils import timezone

from cobuilding.models import ListEntry, Match, Project
from core.models import AuditLog
from volunteers.tests.writes import chinese, refused_then_allowed, snapshot

MODELS = (ListEntry, Match, Project)


def test_cobuilding_write_endpoints_by_persona(world, api):
    cast = world.cast
    today = timezone.localdate().isoformat()
    need = refused_then_allowed(api, "post", reverse("cobuilding-entry-list"), {
        "area": cast.community_a1.pk, "kind": "need", "title": "楼道照明维修", "category": "safety"},
        MODELS, expect=201)
    resource = refused_then_allowed(api, "post", reverse("cobuilding-entry-list"), {
        "area": cast.community_a1.pk, "kind": "resource", "title": "供电所志愿电工", "category": "safety"},
        MODELS, expect=201)
    refused_then_allowed(api, "patch", reverse("cobuilding-entry-detail", args=[need["id"]]),
                         {"description": "3号楼一至六层"}, MODELS)
    match = refused_then_allowed(api, "post", reverse("cobuilding-match-list"), {
        "need": need["id"], "resource": resource["id"], "note": "周六上门"}, MODELS, expect=201)
    moved = refused_then_allowed(api, "post", reverse("cobuilding-match-move", args=[match["id"]]), {"to": "agreed"},
                                 MODELS)
    assert moved["state"] == "agreed"
    closed = refused_then_allowed(api, "post", reverse("cobuilding-entry-close", args=[resource["id"]]),
                                  {"note": "电工调走"}, MODELS)
    assert closed["state"] == "closed"
    assert Match.objects.get(pk=match["id"]).state == "cancelled"
    assert ListEntry.objects.get(pk=need["id"]).state == "open"
    project = refused_then_allowed(api, "post", reverse("cobuilding-project-list"), {
        "area": cast.community_a1.pk, "title": "楼道亮灯工程", "owner": "甲一社区", "starts_on": today,
        "need": need["id"]}, MODELS, expect=201)
    refused_then_allowed(api, "patch", reverse("cobuilding-project-detail", args=[project["id"]]),
                         {"state": "running"}, MODELS)
    finished = refused_then_allowed(api, "post", reverse("cobuilding-project-finish", args=[project["id"]]),
                                    {"outcome": "更换灯具48盏"}, MODELS)
    assert finished["state"] == "finished" and finished["ends_on"] == today
    assert api("handler_cg").post(reverse("cobuilding-entry-list"), {"area": cast.community_a1.pk, "kind": "need",
                                                                     "title": "x"}, format="json").status_code == 403


def test_bad_input_is_a_chinese_400_and_changes_nothing(world, api):
    cast = world.cast
    client = api("officer_a1")
    today = timezone.localdate()
    before = snapshot(*MODELS)
    bad = [
        ("post", reverse("cobuilding-entry-list"), {"area": cast.community_a1.pk, "kind": "need", "title": " "}),
        ("patch", reverse("cobuilding-entry-detail", args=[world.need_a.pk]), {"kind": "resource"}),
        ("post", reverse("cobuilding-match-list"), {"need": world.need_a.pk, "resource": world.resource_a.pk}),
        ("post", reverse("cobuilding-match-move", args=[world.match_a.pk]), {"to": "done"}),
        ("post", reverse("cobuilding-project-list"), {"area": cast.community_a1.pk, "title": "x", "owner": "y",
                                                      "starts_on": today.isoformat(), "ends_on": "2000-01-01"}),
        ("patch", reverse("cobuilding-project-detail", args=[world.project_a.pk]), {"state": "finished"}),
        ("post", reverse("cobuilding-project-finish", args=[world.project_a.pk]), {"outcome": ""}),
    ]
    for method, url, body in bad:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 400, (url, body, response.status_code, response.content[:300])
        assert chinese(response), response.content
    assert snapshot(*MODELS) == before


def test_updates_are_audited_with_before_and_after(world, api):
    client = api("officer_a1")
    response = client.patch(reverse("cobuilding-entry-detail", args=[world.need_a.pk]), {"title": "老人助餐服务"},
                            format="json")
    assert response.status_code == 200, response.content
    row = AuditLog.objects.filter(action="cobuilding.need.save", object_id=str(world.need_a.pk)).latest("id")
    assert (row.before["title"], row.after["title"]) == ("老人助餐", "老人助餐服务")
    response = client.post(reverse("cobuilding-project-finish", args=[world.project_a.pk]), {"outcome": "供餐3000份"},
                           format="json")
    assert response.status_code == 200, response.content
    row = AuditLog.objects.filter(action="cobuilding.project.finish").latest("id")
    assert (row.before["state"], row.after["state"]) == ("planned", "finished")

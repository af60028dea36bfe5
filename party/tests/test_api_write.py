"""The party write API: every endpoint refused out of scope (404) and without community.change
(403) with nothing changed, allowed for the community officer; bad input is a 400 in Chinese that
changes nothing; updates write before/after audit rows; confirmed service pays points once."""

from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from party.models import OfficeOrganization, PartyMember, PartyOrganization, ServiceLog
from volunteers.models import PointsEntry
from volunteers.tests.writes import chinese, refused_then_allowed, snapshot

MODELS = (PartyOrganization, PartyMember, OfficeOrganization, ServiceLog, PointsEntry)


def test_party_write_endpoints_by_persona(world, api):
    cast = world.cast
    today = timezone.localdate().isoformat()
    org = refused_then_allowed(api, "post", reverse("partyorganization-list"), {
        "name": "甲一第二网格党支部", "kind": "branch", "area": cast.grid_a12.pk, "parent": world.community_org.pk},
        MODELS, expect=201)
    assert PartyOrganization.objects.get(pk=org["id"]).area_path == cast.grid_a12.path
    refused_then_allowed(api, "patch", reverse("partyorganization-detail", args=[world.branch.pk]),
                         {"secretary": "刘书记"}, MODELS)
    member = refused_then_allowed(api, "post", reverse("partymember-list"), {
        "person": world.resident_a.pk, "organization": world.branch.pk, "kind": "retired"}, MODELS, expect=201)
    assert member["name"] == "张*明" and "张晓明" not in str(member)
    refused_then_allowed(api, "patch", reverse("partymember-detail", args=[world.member_a.pk]),
                         {"workplace": "区财政局"}, MODELS)
    checked = refused_then_allowed(api, "post", reverse("partymember-check-in", args=[world.member_a.pk]), {},
                                   MODELS)
    assert checked["checked_in_community"] == cast.community_a1.pk
    office = refused_then_allowed(api, "post", reverse("partyoffice-list"), {
        "name": "区民政局机关党支部", "community": cast.community_a1.pk}, MODELS, expect=201)
    log = refused_then_allowed(api, "post", reverse("partyservice-list"), {
        "community": cast.community_a1.pk, "served_on": today, "hours": "2.5", "description": "清理楼道",
        "member": world.member_a.pk}, MODELS, expect=201)
    confirmed = refused_then_allowed(api, "post", reverse("partyservice-confirm", args=[log["id"]]), {}, MODELS)
    assert confirmed["state"] == "confirmed"
    world.member_a.account.refresh_from_db()
    assert world.member_a.account.balance == 20  # 2.5 h × 8 points
    # reads: the new lists and details are scoped like the others
    for route, pk in (("partyoffice", office["id"]), ("partyservice", log["id"])):
        for name, sees in (("officer_a1", True), ("worker_a11", True), ("officer_b", False), ("stranger", False)):
            ids = {row["id"] for row in api(name).get(reverse(f"{route}-list")).json()["results"]}
            assert (pk in ids) == sees, (name, route)
            assert api(name).get(reverse(f"{route}-detail", args=[pk])).status_code == (200 if sees else 404)
    assert api("handler_cg").post(reverse("partyoffice-list"), {"name": "x", "community": cast.community_a1.pk},
                                  format="json").status_code == 403


def test_bad_input_is_a_chinese_400_and_changes_nothing(world, api):
    cast = world.cast
    client = api("officer_a1")
    before = snapshot(*MODELS)
    bad = [
        ("post", reverse("partyorganization-list"), {"name": "x", "kind": "branch", "area": cast.grid_a12.pk,
                                                     "parent": world.street_org.pk}),  # skips a level
        ("patch", reverse("partyorganization-detail", args=[world.community_org.pk]), {"area": cast.grid_a11.pk}),
        ("patch", reverse("partyorganization-detail", args=[world.community_org.pk]),
         {"kind": "street_committee"}),  # a street committee on a community
        ("post", reverse("partymember-list"), {"person": world.resident_a.pk, "organization": world.branch.pk,
                                               "kind": "nobody"}),
        ("post", reverse("partymember-list"), {"person": world.resident_a2.pk, "organization": world.branch.pk,
                                               "kind": "retired"}),  # already a member
        ("patch", reverse("partymember-detail", args=[world.member_a.pk]), {"joined_on": "2999-01-01"}),
        ("post", reverse("partyservice-list"), {"community": cast.community_a1.pk, "served_on": "2020-01-01",
                                                "hours": "30", "description": "x", "member": world.member_a.pk}),
        ("post", reverse("partyoffice-list"), {"name": "区城管局机关党支部", "community": cast.community_a1.pk}),
    ]
    for method, url, body in bad:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 400, (url, body, response.status_code, response.content[:300])
        assert chinese(response), response.content
    assert snapshot(*MODELS) == before


def test_updates_are_audited_with_before_and_after(world, api):
    client = api("officer_a1")
    response = client.patch(reverse("partyorganization-detail", args=[world.branch.pk]), {"name": "甲一一网格党支部"},
                            format="json")
    assert response.status_code == 200, response.content
    row = AuditLog.objects.filter(action="party.organization.save", object_id=str(world.branch.pk)).latest("id")
    assert row.before["name"] == "甲一第一网格党支部" and row.after["name"] == "甲一一网格党支部"
    response = client.patch(reverse("partymember-detail", args=[world.member_a.pk]), {"kind": "retired"},
                            format="json")
    assert response.status_code == 200 and response.json()["kind"] == "retired"
    row = AuditLog.objects.filter(action="party.member.update").latest("id")
    assert (row.before["kind"], row.after["kind"]) == ("in_service", "retired")
    assert "李红梅" not in str(row.before) + str(row.after) + row.object_repr

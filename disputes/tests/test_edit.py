"""Correcting a dispute's record through the page and PATCH /api/disputes/{id}/: what may change in
which state, parties' names and phones stay encrypted and out of the audit, bad input changes
nothing, timeline and audit rows, stale forms, and scope per persona."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.models import AuditLog
from disputes import actions
from disputes.models import Dispute, DisputeParty

CHANGERS = {"command", "officer_a", "officer_a1", "chief_a11", "worker_a11"}
SEES = CHANGERS | {"leader"}
ALL = ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
       "worker_b11", "handler_cg", "handler_bcg", "stranger"]


@pytest.fixture
def dispute(people):
    cast = people
    return actions.register_dispute(None, grid=cast.grid_a11, title="噪音纠纷", description="深夜噪音",
                                    kind="neighbour", source="patrol",
                                    parties=[{"person": cast.resident_a, "role": "applicant"},
                                             {"name": "陈小红", "phone": "13900001111", "role": "respondent"}])


def current(dispute):
    d = Dispute.objects.get(pk=dispute.pk)
    parties = [(p.role, p.name_enc, p.phone_enc) for p in DisputeParty.objects.filter(dispute=d).order_by("id")]
    return (d.title, d.description, d.kind, d.risk, d.place, d.state, parties)


@pytest.mark.django_db
def test_corrections_by_state_keep_parties_encrypted(people, dispute):
    cast = people
    free = dispute.parties.get(person__isnull=True)
    registry_party = dispute.parties.get(person__isnull=False)
    actions.update_dispute(cast.worker_a11, dispute, description="深夜装修噪音", risk="medium", kind="property",
                           parties=[{"id": free.pk, "name": "陈晓红", "phone": "139-0000-2222"}],
                           version=actions.dispute_version(dispute))
    free.refresh_from_db()
    assert (free.name, free.phone) == ("陈晓红", "13900002222") and "陈" not in free.name_enc
    audit = AuditLog.objects.get(action="dispute.update")
    assert audit.before == {"description": "深夜噪音", "risk": "low", "kind": "neighbour", "parties": [free.pk]}
    assert audit.after["risk"] == "medium" and "陈晓红" not in str(audit.after) and "13900002222" not in str(audit.after)
    event = dispute.events.get(action="update")
    assert event.from_state == event.to_state == "registered" and "陈" not in event.note
    before = current(dispute)
    for kw in ({"title": " "}, {"description": ""}, {"kind": "bogus"}, {"risk": "extreme"},
               {"parties": [{"id": free.pk, "phone": "12a"}]}, {"parties": [{"id": 999999, "role": "applicant"}]},
               {"parties": [{"id": registry_party.pk, "name": "改名"}]}, {"title": "新", "version": "stale"}):
        with pytest.raises(ValidationError):
            actions.update_dispute(cast.worker_a11, dispute, **kw)
    with pytest.raises(PermissionDenied):
        actions.update_dispute(cast.leader, dispute, title="领导改")
    assert current(dispute) == before
    actions.start_mediation(None, dispute, kind="people", mediators="调委会")
    actions.conclude(None, dispute, outcome="settled", agreement_text="夜间十点后停工")
    for kw in ({"kind": "family"}, {"parties": [{"id": free.pk, "role": "applicant"}]},
               {"parties": [{"id": free.pk, "name": "别人"}]}):
        with pytest.raises(ValidationError):
            actions.update_dispute(cast.worker_a11, dispute, **kw)
    actions.update_dispute(cast.worker_a11, dispute, risk="high", title="装修噪音纠纷", kind="property")
    assert current(dispute)[:4] == ("装修噪音纠纷", "深夜装修噪音", "property", "high")
    assert current(dispute)[5] == "settled" and current(dispute)[6] == before[6]


@pytest.mark.django_db
def test_the_edit_page_masks_parties_keeps_input_and_refuses_a_stale_form(client, people, dispute):
    cast = people
    free = dispute.parties.get(person__isnull=True)
    client.force_login(cast.worker_a11)
    assert reverse("disputes:edit", args=[dispute.pk]) in client.get(dispute.get_absolute_url()).content.decode()
    page = client.get(reverse("disputes:edit", args=[dispute.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "深夜噪音" in text and "陈小红" not in text and "13900001111" not in text
    assert page["Cache-Control"] == "no-store"
    form = page.context["form"].initial
    post = {"title": "噪音纠纷", "description": "深夜噪音", "kind": "neighbour", "risk": "high", "place": "",
            "version": form["version"], f"party{free.pk}_role": "respondent", f"party{free.pk}_name": "",
            f"party{free.pk}_phone": "abc", f"party{dispute.parties.get(person__isnull=False).pk}_role": "applicant"}
    bad = client.post(reverse("disputes:edit", args=[dispute.pk]), post)
    assert bad.status_code == 400 and current(dispute)[3] == "low"
    actions.update_dispute(cast.officer_a, dispute, place="先改了地点")
    stale = client.post(reverse("disputes:edit", args=[dispute.pk]), {**post, f"party{free.pk}_phone": ""})
    assert stale.status_code == 400 and stale.context["form"].non_field_errors() and current(dispute)[3] == "low"
    fresh = client.get(reverse("disputes:edit", args=[dispute.pk])).context["form"].initial["version"]
    ok = client.post(reverse("disputes:edit", args=[dispute.pk]), {**post, "place": "先改了地点", "version": fresh,
                                                                   f"party{free.pk}_phone": "13700000000"})
    assert ok.status_code == 302 and current(dispute)[3] == "high"
    free.refresh_from_db()
    assert free.phone == "13700000000" and free.name == "陈小红"


@pytest.mark.django_db
def test_edit_page_and_patch_by_persona(client, api, people, dispute):
    cast = people
    for who in ALL:
        client.force_login(cast.users[who])
        page = client.get(reverse("disputes:edit", args=[dispute.pk]))
        assert page.status_code == (200 if who in CHANGERS else 404), who
        if who in CHANGERS:
            continue
        assert client.post(reverse("disputes:edit", args=[dispute.pk]), {"title": "越权"}).status_code == 404, who
        refused = api(who).patch(f"/api/disputes/{dispute.pk}/", {"title": "越权"}, format="json")
        assert refused.status_code == (403 if who in SEES else 404), who
    assert current(dispute)[0] == "噪音纠纷"
    rest = api("officer_a1")
    got = rest.get(f"/api/disputes/{dispute.pk}/").json()
    free = next(p for p in got["parties"] if p["person"] is None)
    assert rest.patch(f"/api/disputes/{dispute.pk}/", {"risk": "extreme"}, format="json").status_code == 400
    ok = rest.patch(f"/api/disputes/{dispute.pk}/", {"risk": "high", "version": got["version"], "parties": [
        {"id": free["id"], "name": "陈晓红"}]}, format="json")
    assert ok.status_code == 200 and ok.json()["risk"] == "high"
    assert "陈晓红" not in ok.content.decode()  # masked in the reply
    stale = rest.patch(f"/api/disputes/{dispute.pk}/", {"title": "旧表单", "version": got["version"]}, format="json")
    assert stale.status_code == 400 and current(dispute)[0] == "噪音纠纷"

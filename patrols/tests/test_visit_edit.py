"""The visiting worker corrects a home visit's finding or note within a few days, through the page
and PATCH /api/home-visits/{id}/: the note stays encrypted and out of the audit, later or by
anyone else is refused, bad input changes nothing, stale forms are refused, scope per persona."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from patrols import actions
from patrols.models import HomeVisit

SEES = {"command", "leader", "admin", "officer_a", "officer_a1", "chief_a11", "worker_a11"}


@pytest.fixture
def visit(cast):
    from registry import actions as registry

    dwelling = registry.save_dwelling(None, address="甲一小区1号楼101", grid=cast.grid_a11, lon=114.07, lat=35.6)
    household = registry.save_household(None, dwelling=dwelling, number="A-1")
    return actions.record_visit(cast.worker_a11, household=household, finding="needs_help", note="老人独居")


def current(visit):
    v = HomeVisit.objects.get(pk=visit.pk)
    return v.finding, v.note, v.note_enc


@pytest.mark.django_db
def test_the_author_corrects_the_note_within_the_days_allowed(cast, visit):
    actions.update_visit(cast.worker_a11, visit, finding="safety", note="燃气管老化",
                         version=actions.visit_version(visit))
    finding, note, raw = current(visit)
    assert (finding, note) == ("safety", "燃气管老化") and "燃气" not in raw
    audit = AuditLog.objects.get(action="patrol.visit.update")
    assert audit.before == {"finding": "needs_help"} and audit.after == {"finding": "safety", "note_changed": True}
    assert "燃气" not in str(audit.after) + audit.object_repr
    before = current(visit)
    with pytest.raises(PermissionDenied):
        actions.update_visit(cast.chief_a11, visit, note="别人改")
    for kw in ({"finding": "bogus"}, {"note": ""}, {"note": "x" * 2001}, {"note": "新", "version": "stale"}):
        with pytest.raises(ValidationError):
            actions.update_visit(cast.worker_a11, visit, **kw)
    HomeVisit.objects.filter(pk=visit.pk).update(visited_at=timezone.now() - dt.timedelta(days=4))
    with pytest.raises(ValidationError):
        actions.update_visit(cast.worker_a11, visit, note="太晚了")
    assert current(visit) == before and AuditLog.objects.filter(action="patrol.visit.update").count() == 1


@pytest.mark.django_db
def test_the_edit_page_and_api_by_persona(cast, visit, client, api):
    for who in ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
                "worker_b11", "handler_cg", "stranger"]:
        client.force_login(cast.users[who])
        page = client.get(reverse("patrols:visit-edit", args=[visit.pk]))
        assert page.status_code == (200 if who == "worker_a11" else 404), who
        if who == "worker_a11":
            continue
        assert client.post(reverse("patrols:visit-edit", args=[visit.pk]), {"finding": "none"}).status_code == 404
        refused = api(who).patch(f"/api/home-visits/{visit.pk}/", {"finding": "none"}, format="json")
        assert refused.status_code == (403 if who in SEES else 404), who
    assert current(visit)[0] == "needs_help"
    client.force_login(cast.worker_a11)
    assert reverse("patrols:visit-edit", args=[visit.pk]) in client.get(
        reverse("patrols:visit", args=[visit.pk])).content.decode()
    page = client.get(reverse("patrols:visit-edit", args=[visit.pk]))
    assert "老人独居" in page.content.decode() and page["Cache-Control"] == "no-store"
    assert AuditLog.objects.filter(action="patrol.visit.view", actor=cast.worker_a11).exists()
    version = page.context["form"].initial["version"]
    bad = client.post(reverse("patrols:visit-edit", args=[visit.pk]), {"finding": "safety", "note": "",
                                                                       "version": version})
    assert bad.status_code == 400 and current(visit)[0] == "needs_help"
    ok = client.post(reverse("patrols:visit-edit", args=[visit.pk]), {"finding": "safety", "note": "楼道堆物",
                                                                      "version": version})
    assert ok.status_code == 302 and current(visit)[:2] == ("safety", "楼道堆物")
    stale = client.post(reverse("patrols:visit-edit", args=[visit.pk]), {"finding": "none", "note": "",
                                                                         "version": version})
    assert stale.status_code == 400 and stale.context["form"].non_field_errors() and current(visit)[0] == "safety"
    rest = api("worker_a11")
    got = rest.get(f"/api/home-visits/{visit.pk}/").json()
    assert "note" not in got
    patched = rest.patch(f"/api/home-visits/{visit.pk}/", {"note": "已清理", "version": got["version"]}, format="json")
    assert patched.status_code == 200 and "note" not in patched.json() and current(visit)[1] == "已清理"
    assert rest.patch(f"/api/home-visits/{visit.pk}/", {"finding": "nope"}, format="json").status_code == 400
    HomeVisit.objects.filter(pk=visit.pk).update(visited_at=timezone.now() - dt.timedelta(days=4))
    assert client.get(reverse("patrols:visit-edit", args=[visit.pk])).status_code == 404
    assert rest.patch(f"/api/home-visits/{visit.pk}/", {"note": "晚了"}, format="json").status_code == 400
    assert current(visit)[1] == "已清理"

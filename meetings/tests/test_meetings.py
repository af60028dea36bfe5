"""Joint meetings: convening (scope of areas, departments, cases), decisions with working-day
deadlines tracked to done, overdue ones visible to the convener and the owner department, and
scope per persona for every page and endpoint."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog, Notification
from core.workcalendar import get_calendar
from meetings import actions
from meetings.models import Decision, Meeting


def convene(cast, actor=None, **kw):
    values = {"area": cast.street_b, "title": "乙一社区占道经营联席会", "agenda": "1. 占道经营整治\n2. 分工",
              "held_at": timezone.now(), "departments": [cast.dept_cg, cast.dept_bcg]}
    values.update(kw)
    return actions.convene_meeting(actor, **values)


@pytest.mark.django_db
def test_convening_and_deciding(cast, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        convene(cast, cast.officer_a)
    with pytest.raises(PermissionDenied):
        convene(cast, cast.worker_b11, area=cast.community_b1)
    with pytest.raises(ValidationError):
        convene(cast, cast.officer_b, area=cast.grid_b11)
    with pytest.raises(ValidationError):
        convene(cast, cast.officer_b, departments=[])
    with pytest.raises(ValidationError):  # street B's squad does not serve street A
        convene(cast, cast.officer_a, area=cast.street_a, departments=[cast.dept_bcg])
    with django_capture_on_commit_callbacks(execute=True):
        meeting = convene(cast, cast.officer_b, users=[cast.worker_b11])
    assert Notification.objects.filter(kind="meeting.invited", user__in=[cast.handler_cg, cast.handler_bcg,
                                                                          cast.worker_b11]).count() == 3
    now = timezone.now()
    with pytest.raises(ValidationError):
        actions.add_decision(cast.officer_b, meeting, text="x", owner_department=cast.dept_bcg, working_days=0)
    with django_capture_on_commit_callbacks(execute=True):
        decision = actions.add_decision(cast.officer_b, meeting, text="清理占道摊点", owner_department=cast.dept_bcg,
                                        working_days=3, now=now)
    assert decision.due_at == get_calendar().add_days(now, 3)
    assert Notification.objects.filter(kind="meeting.decision", user=cast.handler_bcg).count() == 1
    with pytest.raises(PermissionDenied):  # the district squad does not own it
        actions.complete_decision(cast.handler_cg, decision, note="x")
    with pytest.raises(ValidationError):
        actions.complete_decision(cast.handler_bcg, decision, note="")
    actions.complete_decision(cast.handler_bcg, decision, note="已清理12处")
    decision.refresh_from_db()
    assert decision.state == "done" and decision.done_by == cast.handler_bcg
    with pytest.raises(ValidationError):
        actions.complete_decision(cast.officer_b, decision, note="again")
    actions.record_minutes(cast.officer_b, meeting, minutes="会议决定：城管中队牵头整治")
    assert set(AuditLog.objects.filter(object_type__startswith="meetings.").values_list("action", flat=True)) == {
        "meeting.convene", "meeting.decision", "meeting.decision_done", "meeting.minutes"}


@pytest.mark.django_db
def test_decisions_link_cases_in_the_area_only(loop):
    from cases.actions import report_case

    cast = loop
    case_b, _ = report_case(cast.worker_b11, channel="grid_worker", category_code="S0101", description="纠纷",
                            lon=114.35, lat=35.6)
    case_a, _ = report_case(cast.worker_a11, channel="grid_worker", category_code="S0101", description="纠纷",
                            lon=114.05, lat=35.6)
    meeting = convene(cast, cast.officer_b, cases=[case_b])
    with pytest.raises(ValidationError):
        actions.add_decision(cast.officer_b, meeting, text="x", owner_department=cast.dept_bcg, working_days=2,
                             cases=[case_a])
    decision = actions.add_decision(cast.officer_b, meeting, text="x", owner_department=cast.dept_bcg,
                                    working_days=2, cases=[case_b])
    assert list(decision.cases.all()) == [case_b]


MEETING_B = {"command", "leader", "officer_b", "handler_cg", "handler_bcg"}


@pytest.mark.django_db
def test_pages_and_api_by_persona(client, api, cast):
    meeting = convene(cast, cast.officer_b, departments=[cast.dept_bcg])
    past = timezone.now() - dt.timedelta(days=10)
    overdue = actions.add_decision(None, meeting, text="整治占道", owner_department=cast.dept_bcg, working_days=2,
                                   now=past)
    assert overdue.overdue
    for who in ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
                "worker_b11", "handler_cg", "handler_bcg", "stranger"]:
        sees = who in MEETING_B - {"handler_cg"}  # the district squad neither attends nor owns a decision
        client.force_login(cast.users[who])
        detail = client.get(reverse("meetings:detail", args=[meeting.pk]))
        assert detail.status_code == (200 if sees else 404), who
        listing = client.get(reverse("meetings:list"))
        if who in {"admin", "stranger", "chief_a11", "worker_a11", "worker_b11"}:
            assert listing.status_code in (403, 404), who
        else:
            text = listing.content.decode()
            assert (meeting.title in text) == sees, who
            assert ("整治占道" in text) == sees, who  # the overdue decision, for convener and owner
        rest = api(who)
        assert rest.get(f"/api/meetings/{meeting.pk}/").status_code == (200 if sees else 404), who
        decisions = rest.get("/api/meeting-decisions/?overdue=1")
        assert decisions.status_code == 200
        assert ({d["id"] for d in decisions.json()["results"]} == {overdue.pk}) == sees, who
        if not sees:
            assert rest.post(f"/api/meeting-decisions/{overdue.pk}/done/", {"note": "x"},
                             format="json").status_code == 404, who
    assert api("leader").post(f"/api/meeting-decisions/{overdue.pk}/done/", {"note": "x"},
                              format="json").status_code == 403
    done = api("handler_bcg").post(f"/api/meeting-decisions/{overdue.pk}/done/", {"note": "已整治"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "done"
    created = api("officer_a1").post("/api/meetings/", {
        "area": cast.community_a1.code, "title": "甲一社区联席会", "agenda": "议题", "held_at": timezone.now().isoformat(),
        "departments": [cast.dept_cg.pk]}, format="json")
    assert created.status_code == 201, created.content
    added = api("officer_a1").post(f"/api/meetings/{created.json()['id']}/decisions/", {
        "text": "城管局牵头", "owner_department": cast.dept_cg.pk, "working_days": 5}, format="json")
    assert added.status_code == 201, added.content
    assert api("officer_a1").post(f"/api/meetings/{meeting.pk}/minutes/", {"minutes": "x"},
                                  format="json").status_code == 404
    assert api("officer_a1").post(f"/api/meetings/{meeting.pk}/decisions/", {
        "text": "越界", "owner_department": cast.dept_cg.pk, "working_days": 5}, format="json").status_code == 404
    assert meeting.decisions.count() == 1
    refused = api("officer_a1").post("/api/meetings/", {
        "area": cast.community_b1.code, "title": "越界", "agenda": "议题", "held_at": timezone.now().isoformat(),
        "departments": [cast.dept_cg.pk]}, format="json")
    assert refused.status_code in (400, 404), refused.content


@pytest.mark.django_db
def test_the_pages_convene_and_decide(client, cast):
    client.force_login(cast.officer_b)
    held = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    bad = client.post(reverse("meetings:new"), {"area": cast.street_b.pk, "title": "占道经营", "agenda": "",
                                                "held_at": held, "departments": [cast.dept_bcg.pk]})
    assert bad.status_code == 200 and "占道经营" in bad.content.decode()
    ok = client.post(reverse("meetings:new"), {"area": cast.street_b.pk, "title": "占道经营", "agenda": "整治",
                                               "held_at": held, "departments": [cast.dept_bcg.pk],
                                               "usernames": "worker_b11"})
    assert ok.status_code == 302
    meeting = Meeting.objects.get()
    assert client.post(reverse("meetings:decision-add", args=[meeting.pk]),
                       {"text": "清理", "owner_department": cast.dept_bcg.pk, "working_days": 3}).status_code == 302
    decision = Decision.objects.get()
    client.force_login(cast.handler_bcg)
    assert client.get(reverse("meetings:decisions")).status_code == 200
    assert client.post(reverse("meetings:decision-done", args=[decision.pk]), {"note": "已完成"}).status_code == 302
    assert Decision.objects.get().state == "done"

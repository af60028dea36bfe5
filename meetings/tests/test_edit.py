"""Correcting a joint meeting and calling it off, through the pages and PATCH / POST cancel:
what may change before and after the minutes, bad input changes nothing, audit before/after,
stale forms, notifications, and scope per persona."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog, Notification
from meetings import actions
from meetings.models import Meeting

CHANGERS = {"command", "officer_b"}
SEES = {"command", "leader", "officer_b", "handler_bcg"}


def convene(cast, **kw):
    values = {"area": cast.street_b, "title": "占道经营联席会", "agenda": "1. 占道经营整治",
              "held_at": timezone.now() + dt.timedelta(days=1), "departments": [cast.dept_bcg]}
    values.update(kw)
    return actions.convene_meeting(cast.officer_b, **values)


def state(meeting):
    m = Meeting.objects.get(pk=meeting.pk)
    return (m.title, m.agenda, m.held_at, m.place, m.cancelled_at,
            sorted(m.attendees.values_list("department_id", "user_id"), key=str))


@pytest.mark.django_db
def test_update_before_and_after_the_minutes(cast, django_capture_on_commit_callbacks):
    meeting = convene(cast)
    later = meeting.held_at + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        actions.update_meeting(cast.officer_b, meeting, agenda="1. 占道经营\n2. 分工", held_at=later,
                               departments=[cast.dept_bcg, cast.dept_cg], users=[cast.worker_b11],
                               version=actions.meeting_version(meeting))
    meeting.refresh_from_db()
    assert meeting.held_at == later and meeting.attendees.count() == 3
    audit = AuditLog.objects.get(action="meeting.update")
    assert audit.before["agenda"] == "1. 占道经营整治" and audit.after["departments"] == sorted(
        [cast.dept_bcg.pk, cast.dept_cg.pk])
    moved = set(Notification.objects.filter(kind="meeting.invited", message__contains=later.astimezone(
        timezone.get_current_timezone()).strftime("%m-%d %H:%M")).values_list("user__username", flat=True))
    assert {"handler_bcg", "handler_cg", "worker_b11"} <= moved
    before = state(meeting)
    for kw in ({"title": " "}, {"agenda": ""}, {"departments": []},
               {"title": "新", "version": "stale"}):
        with pytest.raises(ValidationError):
            actions.update_meeting(cast.officer_b, meeting, **kw)
    assert state(meeting) == before
    actions.record_minutes(cast.officer_b, meeting, minutes="已议定分工")
    for kw in ({"agenda": "改议程"}, {"held_at": later + dt.timedelta(days=1)}, {"departments": [cast.dept_cg]},
               {"users": []}):
        with pytest.raises(ValidationError):
            actions.update_meeting(cast.officer_b, meeting, **kw)
    assert state(meeting) == before
    actions.update_meeting(cast.officer_b, meeting, title="占道经营整治联席会", place="乙街道307会议室",
                           agenda=meeting.agenda)  # unchanged agenda is fine
    assert state(meeting)[0] == "占道经营整治联席会" and state(meeting)[3] == "乙街道307会议室"
    with pytest.raises(ValidationError):  # it took place
        actions.cancel_meeting(cast.officer_b, meeting, reason="不开了")


@pytest.mark.django_db
def test_cancel_tells_the_invited_and_stops_minutes_and_decisions(cast, client, django_capture_on_commit_callbacks):
    meeting = convene(cast, users=[cast.worker_b11])
    client.force_login(cast.officer_b)
    page = client.get(reverse("meetings:cancel", args=[meeting.pk]))
    assert page.status_code == 200 and "cancel-form" in page.content.decode()
    assert client.post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": ""}).status_code == 400
    assert Meeting.objects.get(pk=meeting.pk).cancelled_at is None
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "领导另有安排"})
    assert ok.status_code == 302 and Meeting.objects.get(pk=meeting.pk).cancelled
    assert set(Notification.objects.filter(kind="meeting.cancelled").values_list("user__username", flat=True)) == {
        "handler_bcg", "worker_b11"}
    assert AuditLog.objects.get(action="meeting.cancel").after["reason"] == "领导另有安排"
    with pytest.raises(ValidationError):
        actions.record_minutes(cast.officer_b, meeting, minutes="x")
    with pytest.raises(ValidationError):
        actions.add_decision(cast.officer_b, meeting, text="x", owner_department=cast.dept_bcg, working_days=2)
    with pytest.raises(ValidationError):
        actions.update_meeting(cast.officer_b, meeting, title="x")
    detail = client.get(meeting.get_absolute_url()).content.decode()
    assert "领导另有安排" in detail and "meeting-actions" not in detail and "decision-form" not in detail


@pytest.mark.django_db
def test_the_edit_page_prefills_keeps_input_and_refuses_a_stale_form(cast, client):
    meeting = convene(cast, users=[cast.worker_b11])
    client.force_login(cast.officer_b)
    assert reverse("meetings:edit", args=[meeting.pk]) in client.get(meeting.get_absolute_url()).content.decode()
    page = client.get(reverse("meetings:edit", args=[meeting.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "占道经营联席会" in text and "worker_b11" in text
    version = page.context["form"].initial["version"]
    held = timezone.localtime(meeting.held_at).strftime("%Y-%m-%dT%H:%M")
    post = {"title": "新议题", "agenda": "", "held_at": held, "place": "", "departments": [cast.dept_bcg.pk],
            "usernames": "worker_b11", "version": version}
    bad = client.post(reverse("meetings:edit", args=[meeting.pk]), post)
    assert bad.status_code == 400 and "新议题" in bad.content.decode() and state(meeting)[0] == "占道经营联席会"
    actions.update_meeting(cast.command, meeting, place="先改了地点")
    stale = client.post(reverse("meetings:edit", args=[meeting.pk]), {**post, "agenda": "议程"})
    assert stale.status_code == 400 and stale.context["form"].non_field_errors() and state(meeting)[0] == "占道经营联席会"
    fresh = client.get(reverse("meetings:edit", args=[meeting.pk])).context["form"].initial["version"]
    ok = client.post(reverse("meetings:edit", args=[meeting.pk]), {**post, "agenda": "议程", "usernames": "",
                                                                   "version": fresh})
    assert ok.status_code == 302
    assert state(meeting)[:2] == ("新议题", "议程") and state(meeting)[5] == [(cast.dept_bcg.pk, None)]


@pytest.mark.django_db
def test_edit_and_cancel_pages_and_api_by_persona(cast, client, api):
    meeting = convene(cast)
    for who in ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
                "worker_b11", "handler_cg", "handler_bcg", "stranger"]:
        client.force_login(cast.users[who])
        expected = 200 if who in CHANGERS else 404
        assert client.get(reverse("meetings:edit", args=[meeting.pk])).status_code == expected, who
        assert client.get(reverse("meetings:cancel", args=[meeting.pk])).status_code == expected, who
        if who in CHANGERS:
            continue
        assert client.post(reverse("meetings:edit", args=[meeting.pk]), {"title": "越权"}).status_code == 404
        assert client.post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "越权"}).status_code == 404
        rest = api(who)
        refused = 403 if who in SEES else 404  # sees the meeting, may not change it
        assert rest.patch(f"/api/meetings/{meeting.pk}/", {"title": "越权"}, format="json").status_code == refused, who
        assert rest.post(f"/api/meetings/{meeting.pk}/cancel/", {"reason": "越权"},
                         format="json").status_code == refused, who
    assert state(meeting)[0] == "占道经营联席会" and state(meeting)[4] is None
    rest = api("officer_b")
    got = rest.get(f"/api/meetings/{meeting.pk}/").json()
    assert rest.patch(f"/api/meetings/{meeting.pk}/", {"departments": [999999]}, format="json").status_code == 400
    ok = rest.patch(f"/api/meetings/{meeting.pk}/", {"title": "改名", "departments": [cast.dept_bcg.pk, cast.dept_cg.pk],
                                                     "version": got["version"]}, format="json")
    assert ok.status_code == 200 and ok.json()["title"] == "改名" and len(ok.json()["attendees"]) == 2
    stale = rest.patch(f"/api/meetings/{meeting.pk}/", {"title": "旧表单", "version": got["version"]}, format="json")
    assert stale.status_code == 400 and state(meeting)[0] == "改名"
    assert rest.post(f"/api/meetings/{meeting.pk}/cancel/", {}, format="json").status_code == 400
    done = api("command").post(f"/api/meetings/{meeting.pk}/cancel/", {"reason": "改期另开"}, format="json")
    assert done.status_code == 200 and done.json()["cancelled_at"]


@pytest.mark.django_db
def test_after_the_minutes_the_page_corrects_only_topic_and_place(cast, client):
    meeting = convene(cast)
    actions.record_minutes(cast.officer_b, meeting, minutes="已议定分工")
    client.force_login(cast.officer_b)
    page = client.get(reverse("meetings:edit", args=[meeting.pk]))
    assert page.status_code == 200 and "minutes-note" in page.content.decode()
    assert page.context["form"].fields["agenda"].disabled
    before = state(meeting)
    ok = client.post(reverse("meetings:edit", args=[meeting.pk]), {
        "title": "更正议题", "place": "307会议室", "agenda": "想改议程", "held_at": "2030-01-01T09:00",
        "departments": [cast.dept_cg.pk], "usernames": "worker_b11",
        "version": page.context["form"].initial["version"]})
    assert ok.status_code == 302
    after = state(meeting)
    assert after[0] == "更正议题" and after[3] == "307会议室" and after[1:3] == before[1:3] and after[5] == before[5]


@pytest.mark.django_db
def test_the_edit_page_keeps_a_time_with_seconds_when_only_the_topic_changes(cast, client,
                                                                              django_capture_on_commit_callbacks):
    meeting = convene(cast)  # convened through the API or code: the time has seconds, the form has minutes
    client.force_login(cast.officer_b)
    form = client.get(reverse("meetings:edit", args=[meeting.pk])).context["form"]
    post = {key: form.initial[key] for key in ("agenda", "place", "usernames", "version")}
    invited = Notification.objects.filter(kind="meeting.invited").count()
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(reverse("meetings:edit", args=[meeting.pk]), {
            **post, "title": "更正议题", "held_at": form.initial["held_at"].strftime("%Y-%m-%dT%H:%M"),
            "departments": form.initial["departments"]})
    assert ok.status_code == 302 and state(meeting)[0] == "更正议题" and state(meeting)[2] == meeting.held_at
    audit = AuditLog.objects.get(action="meeting.update")
    assert audit.after["held_at"] == audit.before["held_at"]
    assert Notification.objects.filter(kind="meeting.invited").count() == invited  # nobody told of a move

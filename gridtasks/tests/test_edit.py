"""Correcting a task (title, instructions, a longer deadline) and cancelling it, through the
pages and PATCH / POST cancel: refused states, bad input changes nothing, audit before/after,
stale forms, the grids told of a new deadline, and scope per persona."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog, Notification
from gridtasks import actions
from gridtasks.models import GridTask

SENDERS = {"command", "leader", "officer_a"}


def send(cast, **kw):
    values = {"sender_area": cast.street_a, "title": "寒潮走访", "kind": "items",
              "due_at": timezone.now() + dt.timedelta(days=2), "grids": [cast.grid_a11, cast.grid_a12],
              "items": ["检查取暖设施"]}
    values.update(kw)
    return actions.send_task(cast.officer_a, **values)


def fields(task):
    task = GridTask.objects.get(pk=task.pk)
    return (task.title, task.instructions, task.due_at, task.cancelled_at)


@pytest.mark.django_db
def test_update_extends_the_deadline_tells_the_grids_and_keeps_done_items(cast, django_capture_on_commit_callbacks):
    task = send(cast)
    item = task.parts.get(grid=cast.grid_a12).items.get()
    actions.complete_item(None, item, result="done")
    later = task.due_at + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.update_task(cast.officer_a, task, title="寒潮入户走访", due_at=later,
                            version=actions.task_version(task))
    task.refresh_from_db()
    assert (task.title, task.due_at) == ("寒潮入户走访", later)
    parts = {p.grid_id: p for p in task.parts.all()}
    assert parts[cast.grid_a11.pk].due_at == later and parts[cast.grid_a12.pk].due_at != later  # finished part kept
    assert task.parts.get(grid=cast.grid_a12).items.get().state == "done"
    audit = AuditLog.objects.get(action="gridtask.update")
    assert audit.before["title"] == "寒潮走访" and audit.after["title"] == "寒潮入户走访"
    told = set(Notification.objects.filter(kind="gridtask.updated").values_list("user__username", flat=True))
    assert {"worker_a11", "chief_a11"} <= told and "worker_b11" not in told  # the grids not finished
    before = fields(task)
    for kw in ({"due_at": task.due_at - dt.timedelta(hours=1)}, {"title": "  "},
               {"title": "x", "version": "stale"}):
        with pytest.raises(ValidationError):
            actions.update_task(cast.officer_a, task, **kw)
    assert fields(task) == before and AuditLog.objects.filter(action="gridtask.update").count() == 1


@pytest.mark.django_db
def test_cancel_stops_completion_and_hides_the_task_from_the_grids(cast, client):
    task = send(cast)
    item = task.parts.get(grid=cast.grid_a11).items.get()
    with pytest.raises(ValidationError):
        actions.cancel_task(cast.officer_a, task, reason=" ")
    assert GridTask.objects.get(pk=task.pk).cancelled_at is None
    client.force_login(cast.officer_a)
    page = client.get(reverse("gridtasks:cancel", args=[task.pk]))
    assert page.status_code == 200 and "cancel-form" in page.content.decode()
    bad = client.post(reverse("gridtasks:cancel", args=[task.pk]), {"reason": "", "version": ""})
    assert bad.status_code == 400 and GridTask.objects.get(pk=task.pk).cancelled_at is None
    ok = client.post(reverse("gridtasks:cancel", args=[task.pk]), {"reason": "发错了", "version": ""})
    assert ok.status_code == 302
    task.refresh_from_db()
    assert task.cancelled and task.cancel_reason == "发错了"
    assert AuditLog.objects.get(action="gridtask.cancel").after["reason"] == "发错了"
    with pytest.raises(ValidationError):
        actions.complete_item(cast.worker_a11, item, result="done")
    with pytest.raises(ValidationError):
        actions.update_task(cast.officer_a, task, title="再改")
    client.force_login(cast.worker_a11)
    assert "检查取暖设施" not in client.get(reverse("gridtasks:mine")).content.decode()
    client.force_login(cast.officer_a)
    assert client.get(reverse("gridtasks:edit", args=[task.pk])).status_code == 302
    assert "task-actions" not in client.get(task.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_edit_page_prefills_keeps_input_on_error_and_refuses_a_stale_form(cast, client):
    task = send(cast)
    client.force_login(cast.officer_a)
    detail = client.get(task.get_absolute_url()).content.decode()
    assert reverse("gridtasks:edit", args=[task.pk]) in detail
    form = client.get(reverse("gridtasks:edit", args=[task.pk]))
    assert form.status_code == 200 and "寒潮走访" in form.content.decode()
    version = form.context["form"].initial["version"]
    local = timezone.localtime(task.due_at)
    earlier = (local - dt.timedelta(days=1)).date().isoformat()
    bad = client.post(reverse("gridtasks:edit", args=[task.pk]), {
        "title": "新标题", "instructions": "", "due_date": earlier, "due_time": local.strftime("%H:%M"),
        "version": version})
    assert bad.status_code == 400 and "新标题" in bad.content.decode() and GridTask.objects.get(pk=task.pk).title == "寒潮走访"
    actions.update_task(cast.command, task, instructions="别人先改了")
    later = (local + dt.timedelta(days=1)).date().isoformat()
    stale = client.post(reverse("gridtasks:edit", args=[task.pk]), {
        "title": "新标题", "instructions": "", "due_date": later, "due_time": local.strftime("%H:%M"),
        "version": version})
    assert stale.status_code == 400 and stale.context["form"].non_field_errors()
    assert GridTask.objects.get(pk=task.pk).title == "寒潮走访"
    fresh = client.get(reverse("gridtasks:edit", args=[task.pk])).context["form"].initial["version"]
    ok = client.post(reverse("gridtasks:edit", args=[task.pk]), {
        "title": "新标题", "instructions": "别人先改了", "due_date": later, "due_time": local.strftime("%H:%M"),
        "version": fresh})
    assert ok.status_code == 302 and GridTask.objects.get(pk=task.pk).title == "新标题"


@pytest.mark.django_db
def test_edit_and_cancel_pages_and_api_by_persona(cast, client, api):
    task = send(cast)
    for who in ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
                "worker_b11", "handler_cg", "stranger"]:
        client.force_login(cast.users[who])
        expected = 200 if who in SENDERS else 404
        assert client.get(reverse("gridtasks:edit", args=[task.pk])).status_code == expected, who
        assert client.get(reverse("gridtasks:cancel", args=[task.pk])).status_code == expected, who
        if who not in SENDERS:
            assert client.post(reverse("gridtasks:edit", args=[task.pk]), {"title": "越权"}).status_code == 404
            assert client.post(reverse("gridtasks:cancel", args=[task.pk]), {"reason": "越权"}).status_code == 404
            rest = api(who)
            assert rest.patch(f"/api/grid-tasks/{task.pk}/", {"title": "越权"}, format="json").status_code == 404, who
            assert rest.post(f"/api/grid-tasks/{task.pk}/cancel/", {"reason": "越权"},
                             format="json").status_code == 404, who
    assert fields(task)[0] == "寒潮走访" and fields(task)[3] is None
    rest = api("officer_a")
    got = rest.get(f"/api/grid-tasks/{task.pk}/").json()
    later = (task.due_at + dt.timedelta(days=3)).isoformat()
    bad = rest.patch(f"/api/grid-tasks/{task.pk}/", {"due_at": (task.due_at - dt.timedelta(days=1)).isoformat()},
                     format="json")
    assert bad.status_code == 400 and fields(task)[2] == task.due_at
    ok = rest.patch(f"/api/grid-tasks/{task.pk}/", {"title": "寒潮入户", "due_at": later, "version": got["version"]},
                    format="json")
    assert ok.status_code == 200 and ok.json()["title"] == "寒潮入户"
    stale = rest.patch(f"/api/grid-tasks/{task.pk}/", {"title": "旧表单", "version": got["version"]}, format="json")
    assert stale.status_code == 400 and fields(task)[0] == "寒潮入户"
    assert rest.post(f"/api/grid-tasks/{task.pk}/cancel/", {}, format="json").status_code == 400
    cancelled = api("leader").post(f"/api/grid-tasks/{task.pk}/cancel/", {"reason": "不再需要"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["cancelled_at"]
    assert rest.post(f"/api/grid-tasks/{task.pk}/cancel/", {"reason": "再次"}, format="json").status_code == 400


@pytest.mark.django_db
def test_the_edit_page_keeps_a_deadline_with_seconds_when_only_the_title_changes(cast, client):
    task = send(cast)  # sent through the API or code: the deadline has seconds, the form has minutes
    client.force_login(cast.officer_a)
    form = client.get(reverse("gridtasks:edit", args=[task.pk])).context["form"]
    ok = client.post(reverse("gridtasks:edit", args=[task.pk]), {
        "title": "寒潮走访（更正）", "instructions": "", "due_date": form.initial["due_date"].isoformat(),
        "due_time": form.initial["due_time"].strftime("%H:%M"), "version": form.initial["version"]})
    assert ok.status_code == 302
    assert fields(task)[:3] == ("寒潮走访（更正）", "", task.due_at)
    assert AuditLog.objects.get(action="gridtask.update").after["due_at"] == task.due_at.isoformat()


@pytest.mark.django_db(transaction=True)
def test_two_senders_correcting_the_same_form_one_wins(cast):
    from core.testing import race

    task = send(cast)
    version = actions.task_version(task)
    results = race(lambda: actions.update_task(cast.officer_a, task, title="甲改", version=version),
                   lambda: actions.update_task(cast.command, task, title="乙改", version=version))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], ValidationError), results
    winner = next(r for r in results if not isinstance(r, Exception))
    assert fields(task)[0] == winner.title and AuditLog.objects.filter(action="gridtask.update").count() == 1

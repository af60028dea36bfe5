"""Tasks sent down to grids: set-based fan-out (lists, households, special groups, one person),
completing items (one wins), progress, and scope per persona for pages and endpoints."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog, Notification
from gridtasks import actions, selectors
from gridtasks.models import GridTask, GridTaskItem, GridTaskPart


def due():
    return timezone.now() + dt.timedelta(days=2)


def send(cast, actor=None, **kw):
    values = {"sender_area": cast.street_a, "title": "寒潮走访", "kind": "items", "due_at": due(),
              "grids": [cast.grid_a11, cast.grid_a12], "items": ["检查取暖设施", "告知防寒措施"]}
    values.update(kw)
    return actions.send_task(actor, **values)


@pytest.mark.django_db(transaction=True)
def test_it_fans_out_from_the_registry(people):
    cast = people
    listed = send(cast, cast.officer_a)
    assert GridTaskPart.objects.filter(task=listed).count() == 2 and listed.total == 4
    households = send(cast, cast.officer_a, kind="households", items=[])
    assert sorted(GridTaskItem.objects.filter(part__task=households).values_list("label", flat=True)) == [
        "甲一小区1号楼101", "甲一小区1号楼102", "甲一小区5号楼501"]
    assert {p.grid_id: p.total for p in households.parts.all()} == {cast.grid_a11.pk: 2, cast.grid_a12.pk: 1}
    elderly = send(cast, cast.officer_a, kind="special_group", special_group="elderly_alone", items=[])
    items = list(GridTaskItem.objects.filter(part__task=elderly))
    assert [i.person_id for i in items] == [cast.resident_a.pk]
    # the part of grid A1-2 has nothing to do and counts as finished
    assert elderly.parts.get(grid=cast.grid_a12).completed_at is not None
    # one person's whereabouts: sent to the grid where they live, whatever grids were chosen
    whereabouts = send(cast, cast.officer_a, kind="person", person=cast.resident_a2, grids=[], items=[])
    part = whereabouts.parts.get()
    assert part.grid == cast.grid_a11 and part.items.get().person == cast.resident_a2
    assert "李*英" in part.items.get().display_label
    # the grid staff were told (after commit)
    assert Notification.objects.filter(user=cast.worker_a11, kind="gridtask.sent").count() == 4


@pytest.mark.django_db
def test_it_refuses_bad_input_and_out_of_scope(people):
    cast = people
    with pytest.raises(PermissionDenied):
        send(cast, cast.officer_b)  # street A is not theirs
    with pytest.raises(PermissionDenied):
        send(cast, cast.worker_a11, sender_area=cast.community_a1)
    with pytest.raises(ValidationError):  # grid B1-1 is not under street A
        send(cast, cast.officer_a, grids=[cast.grid_b11])
    with pytest.raises(ValidationError) as exc:
        send(cast, cast.officer_a, title="", due_at=timezone.now() - dt.timedelta(hours=1))
    assert {"title", "due_at"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        send(cast, cast.officer_a, items=[" ", ""])
    with pytest.raises(ValidationError):  # person of another street
        send(cast, cast.officer_a, kind="person", person=cast.resident_b, grids=[], items=[])
    with pytest.raises(ValidationError):  # nothing to do: no dwellings registered in B… none matching
        send(cast, cast.officer_a, kind="special_group", special_group="veteran", items=[])
    assert not GridTask.objects.exists()


@pytest.mark.django_db
def test_completing_items_tracks_progress(people, django_capture_on_commit_callbacks):
    cast = people
    task = send(cast, cast.officer_a)
    part = task.parts.get(grid=cast.grid_a11)
    first, second = part.items.order_by("id")
    with pytest.raises(PermissionDenied):
        actions.complete_item(cast.worker_b11, first, result="done")
    with pytest.raises(ValidationError):  # "not found" needs a note
        actions.complete_item(cast.worker_a11, first, result="not_found")
    actions.complete_item(cast.worker_a11, first, result="done", note="已检查")
    with pytest.raises(ValidationError) as exc:
        actions.complete_item(cast.chief_a11, first, result="done")
    assert "worker_a11" in str(exc.value)
    part.refresh_from_db()
    assert (part.done, part.total, part.completed_at) == (1, 2, None)
    with django_capture_on_commit_callbacks(execute=True):
        actions.complete_item(cast.chief_a11, second, result="not_found", note="家中无人，已电话联系")
    part.refresh_from_db()
    assert part.done == 2 and part.completed_at is not None
    progress = selectors.progress(task)
    assert (progress["done"], progress["total"], progress["open"]) == (2, 4, 2)
    assert {i.part.grid_id for i in selectors.open_items(task)} == {cast.grid_a12.pk}
    assert Notification.objects.filter(user=cast.officer_a, kind="gridtask.part_done").count() == 1
    assert AuditLog.objects.filter(action="gridtask.complete_item").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_completing_the_same_item_one_wins(people):
    cast = people
    task = send(cast, cast.officer_a)
    item = task.parts.get(grid=cast.grid_a11).items.order_by("id").first()
    barrier = threading.Barrier(2)
    results = []

    def complete(user):
        try:
            barrier.wait()
            actions.complete_item(user, item, result="done", note=user.username)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(u,)) for u in (cast.worker_a11, cast.chief_a11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    part = task.parts.get(grid=cast.grid_a11)
    assert part.done == 1
    assert GridTaskItem.objects.filter(part__task=task, state="done").count() == 1


SENDERS = {"command", "leader", "officer_a"}  # who sees a task sent from street A


@pytest.mark.django_db
def test_pages_and_api_by_persona(client, api, people):
    cast = people
    task = send(cast, cast.officer_a)
    item_a11 = task.parts.get(grid=cast.grid_a11).items.order_by("id").first()
    for who in ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
                "worker_b11", "handler_cg", "stranger"]:
        client.force_login(cast.users[who])
        detail = client.get(reverse("gridtasks:detail", args=[task.pk]))
        assert detail.status_code == (200 if who in SENDERS else 404), who
        assert client.get(reverse("gridtasks:progress", args=[task.pk])).status_code == detail.status_code
        listing = client.get(reverse("gridtasks:list"))
        if who in {"command", "leader", "officer_a", "officer_b", "officer_a1"}:
            assert listing.status_code == 200 and ((task.title in listing.content.decode()) == (who in SENDERS)), who
        else:
            assert listing.status_code in (403, 404), who
        mine = client.get(reverse("gridtasks:mine"))
        if who in {"chief_a11", "worker_a11", "worker_b11"}:
            assert mine.status_code == 200
            assert ("检查取暖设施" in mine.content.decode()) == (who != "worker_b11"), who
        else:
            assert mine.status_code in (403, 404), who
        rest = api(who)
        assert rest.get(f"/api/grid-tasks/{task.pk}/").status_code == (200 if who in SENDERS else 404), who
        assert rest.get(f"/api/grid-tasks/{task.pk}/progress/").status_code == (200 if who in SENDERS else 404)
        items = rest.get("/api/grid-task-items/?state=open")
        assert items.status_code == 200
        visible = {row["id"] for row in items.json()["results"]}
        assert (item_a11.pk in visible) == (who in {"chief_a11", "worker_a11"}), who
        if who not in {"chief_a11", "worker_a11"}:
            assert rest.post(f"/api/grid-task-items/{item_a11.pk}/complete/", {"result": "done"},
                             format="json").status_code == 404, who
            assert client.post(reverse("gridtasks:complete", args=[item_a11.pk]),
                               {"result": "done"}).status_code == 404, who
    done = api("worker_a11").post(f"/api/grid-task-items/{item_a11.pk}/complete/", {"result": "done"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "done"
    again = api("chief_a11").post(f"/api/grid-task-items/{item_a11.pk}/complete/", {"result": "done"}, format="json")
    assert again.status_code == 400
    created = api("officer_a1").post("/api/grid-tasks/", {
        "sender_area": cast.community_a1.code, "title": "核查人员", "kind": "items", "due_at": due().isoformat(),
        "grids": [cast.grid_a11.code], "items": ["核实返乡人员"]}, format="json")
    assert created.status_code == 201, created.content
    refused = api("officer_a1").post("/api/grid-tasks/", {
        "sender_area": cast.community_a1.code, "title": "越权", "kind": "items", "due_at": due().isoformat(),
        "grids": [cast.grid_b11.code], "items": ["x"]}, format="json")
    assert refused.status_code == 400


@pytest.mark.django_db
def test_the_send_page_keeps_input_on_error(client, people):
    cast = people
    client.force_login(cast.officer_a)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    bad = client.post(reverse("gridtasks:new"), {"sender_area": cast.street_a.pk, "title": "寒潮走访",
                                                 "kind": "items", "due_date": tomorrow, "due_time": "18:00",
                                                 "grids": [cast.grid_a11.pk], "items": ""})
    assert bad.status_code == 200 and "寒潮走访" in bad.content.decode()
    ok = client.post(reverse("gridtasks:new"), {"sender_area": cast.street_a.pk, "title": "寒潮走访",
                                                "kind": "items", "due_date": tomorrow, "due_time": "18:00",
                                                "grids": [cast.grid_a11.pk, cast.grid_a12.pk], "items": "a\nb\n"})
    assert ok.status_code == 302 and GridTask.objects.get().total == 4

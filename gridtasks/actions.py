"""Sending a task down to grids and completing its items: one function each, atomic, locked,
audited in the same transaction; notifications after commit.

The fan-out is set-based: one part per grid (bulk_create), items made by the database from the
registry (INSERT … SELECT through core.sql) or bulk-created from the sender's list."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RoleAssignment
from accounts.scope import get_scope
from areas.models import Area
from core.audit import record
from core.notify import notify
from core.sql import insert_select, rows
from core.versions import check_version, version_of
from gridtasks.choices import DONE_STATES, ItemState, TaskKind
from gridtasks.models import GridTask, GridTaskItem, GridTaskPart

MAX_ITEMS_PER_GRID_LIST = 200  # lines of a sender's own list
SENDER_LEVELS = ("district", "street", "community")


def _require(actor, capability: str, area) -> None:
    if actor is None:
        return
    if not get_scope(actor).can(capability, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


def grid_staff(grid_ids) -> list[int]:
    return list(RoleAssignment.objects.active().filter(area_id__in=list(grid_ids),
                                                       role__in=["grid_worker", "grid_chief"])
                .values_list("user_id", flat=True))


def send_task(actor, *, sender_area: Area, title: str, instructions: str = "", kind: str = TaskKind.ITEMS,
              due_at: dt.datetime, grids=(), items=(), special_group: str = "", person=None) -> GridTask:
    """Send a task from a district, street or community to grids below it.

    kind "items": the same list of `items` (text lines) for every grid; "households": every
    household registered in each grid; "special_group": every resident of each grid with an active
    special-group tag `special_group`; "person": one person (`person`), sent to the grid where
    they live (`grids` is ignored)."""
    if sender_area is None or sender_area.level not in SENDER_LEVELS:
        raise ValidationError({"sender_area": _("A task is sent by a district, street or community.")})
    _require(actor, "gridtask.send", sender_area)
    title, instructions = (title or "").strip(), (instructions or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the task a title.")
    if kind not in TaskKind.values:
        errors["kind"] = _("Choose what the grids are to do.")
    if due_at is None or due_at <= timezone.now():
        errors["due_at"] = _("The deadline must be in the future.")
    if errors:
        raise ValidationError(errors)
    lines = [line.strip()[:200] for line in items if line and line.strip()]
    if kind == TaskKind.PERSON:
        if person is None:
            raise ValidationError({"person": _("Choose the person whose whereabouts are to be verified.")})
        if actor is not None:
            from registry.models import Person

            if not Person.objects.restrict(actor).filter(pk=person.pk).exists():
                raise ValidationError({"person": _("This person is not in your area.")})
        grids = [person.grid]
    grids = sorted({g.pk: g for g in grids}.values(), key=lambda g: g.path)
    if not grids:
        raise ValidationError({"grids": _("Choose at least one grid.")})
    for grid in grids:
        if grid.level not in ("grid", "cell") or not grid.path.startswith(sender_area.path):
            raise ValidationError({"grids": _("%(grid)s is not a grid of %(area)s.")
                                   % {"grid": grid.name, "area": sender_area.name}})
    if kind == TaskKind.ITEMS:
        if not lines:
            raise ValidationError({"items": _("List what each grid is to do, one item per line.")})
        if len(lines) > MAX_ITEMS_PER_GRID_LIST:
            raise ValidationError({"items": _("At most %(n)d items per list.") % {"n": MAX_ITEMS_PER_GRID_LIST}})
    if kind == TaskKind.SPECIAL_GROUP:
        from registry.choices import SpecialGroup

        if special_group not in SpecialGroup.values:
            raise ValidationError({"special_group": _("Choose the special group to check.")})
        _require(actor, "registry.sensitive", sender_area)
    grid_ids = [g.pk for g in grids]
    with transaction.atomic():
        task = GridTask.objects.create(
            title=title[:100], instructions=instructions, kind=kind, sender_area=sender_area,
            area_path=sender_area.path, district_code=sender_area.district_code, due_at=due_at,
            created_by=actor if actor is not None and actor.is_authenticated else None)
        GridTaskPart.objects.bulk_create([
            GridTaskPart(task=task, grid=g, area_path=g.path, district_code=g.district_code, due_at=due_at)
            for g in grids])
        part_of_grid = GridTaskPart.objects.filter(task=task, grid_id=OuterRef("grid_id")).values("pk")[:1]
        common = {"label": Value(""), "state": Value(ItemState.OPEN), "note": Value("")}
        if kind == TaskKind.ITEMS:
            parts = list(GridTaskPart.objects.filter(task=task).values_list("pk", flat=True))
            GridTaskItem.objects.bulk_create([GridTaskItem(part_id=p, label=line) for p in parts for line in lines])
        elif kind == TaskKind.HOUSEHOLDS:
            from registry.models import Household

            selected = rows(Household.objects.filter(grid_id__in=grid_ids), {
                "part": Subquery(part_of_grid), **common,
                "label": Coalesce(F("dwelling__address"), F("number"), Value("")), "household": F("pk")})
            insert_select(GridTaskItem, selected)
        elif kind == TaskKind.SPECIAL_GROUP:
            from registry.models import Person, SpecialGroupTag

            today = timezone.localdate()
            tagged = SpecialGroupTag.objects.filter(kind_index=SpecialGroupTag.index_of(special_group)) \
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)).values("person_id")
            people = Person.objects.filter(grid_id__in=grid_ids, moved_out_on__isnull=True, pk__in=tagged)
            insert_select(GridTaskItem, rows(people, {"part": Subquery(part_of_grid), **common, "person": F("pk")}))
        else:
            part = GridTaskPart.objects.get(task=task)
            GridTaskItem.objects.create(part=part, person=person)
        counts = GridTaskItem.objects.filter(part=OuterRef("pk")).order_by().values("part") \
            .annotate(n=Count("pk")).values("n")
        GridTaskPart.objects.filter(task=task).update(total=Coalesce(Subquery(counts), 0))
        GridTaskPart.objects.filter(task=task, total=0).update(completed_at=timezone.now())
        task.total = GridTaskItem.objects.filter(part__task=task).count()
        if task.total == 0:
            raise ValidationError({"grids": _("There is nothing to do in these grids: no matching records.")})
        task.save(update_fields=["total"])
        record(actor, "gridtask.send", task, after={"kind": kind, "grids": grid_ids, "items": task.total,
                                                    "due_at": due_at.isoformat()})
        notify(grid_staff(grid_ids), "gridtask.sent", _("New task for your grid: %(title)s") % {"title": title},
               "/gridtasks/mine/", task)
    return task


def complete_item(actor, item: GridTaskItem, *, result: str, note: str = "") -> GridTaskItem:
    """A grid worker records the result of one item. Two people completing the same item: the
    first wins, the second is told who did it."""
    if result not in DONE_STATES:
        raise ValidationError({"result": _("Choose the result: done or not found.")})
    note = (note or "").strip()
    if result == ItemState.NOT_FOUND and not note:
        raise ValidationError({"note": _("Say what you found out (where you looked, whom you asked).")})
    with transaction.atomic():
        part = GridTaskPart.objects.select_for_update().select_related("grid").get(pk=item.part_id)
        _require(actor, "gridtask.work", part.grid)
        if GridTask.objects.filter(pk=part.task_id, cancelled_at__isnull=False).exists():
            raise ValidationError(_("This task was cancelled by its sender."))
        item = GridTaskItem.objects.select_for_update().get(pk=item.pk)
        if item.state != ItemState.OPEN:
            who = item.completed_by.display_name if item.completed_by_id else _("someone else")
            raise ValidationError(_("This item was already completed by %(who)s.") % {"who": who})
        now = timezone.now()
        item.state = result
        item.note = note
        item.completed_by = actor if actor is not None and actor.is_authenticated else None
        item.completed_at = now
        item.save(update_fields=["state", "note", "completed_by", "completed_at"])
        part.done += 1
        fields = ["done"]
        if part.done >= part.total:
            part.completed_at = now
            fields.append("completed_at")
        part.save(update_fields=fields)
        record(actor, "gridtask.complete_item", item, object_repr=f"{part.task_id}/{item.pk}",
               district_code=part.district_code, after={"state": result, "part": part.pk})
        if part.completed_at is not None:
            task = GridTask.objects.only("created_by_id", "title").get(pk=part.task_id)
            notify([task.created_by_id], "gridtask.part_done",
                   _("%(grid)s finished the task %(title)s") % {"grid": part.grid.name, "title": task.title},
                   f"/gridtasks/{task.pk}/", task)
    return item


EDIT_FIELDS = ["title", "instructions", "due_at", "cancelled_at"]


def task_version(task: GridTask) -> str:
    return version_of(task, EDIT_FIELDS)


def _unfinished_grid_ids(task: GridTask) -> list[int]:
    return list(GridTaskPart.objects.filter(task=task, completed_at__isnull=True).values_list("grid_id", flat=True))


def update_task(actor, task: GridTask, *, title: str | None = None, instructions: str | None = None,
                due_at: dt.datetime | None = None, version: str | None = None) -> GridTask:
    """Correct a task's title or instructions, or extend its deadline (never shorten it: the grids
    planned for it). Items already done stay done. The staff of the grids not yet finished are
    told of a new deadline. A field left None is unchanged."""
    _require(actor, "gridtask.send", task.sender_area)
    errors = {}
    if title is not None:
        title = title.strip()
        if not title:
            errors["title"] = _("Give the task a title.")
        elif len(title) > 100:
            errors["title"] = _("The title may have at most 100 characters.")
    if instructions is not None:
        instructions = instructions.strip()
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        task = GridTask.objects.select_for_update().get(pk=task.pk)
        check_version(task_version(task), version)
        if task.cancelled:
            raise ValidationError(_("This task was cancelled: it can no longer be changed."))
        before = {"title": task.title, "instructions": task.instructions, "due_at": task.due_at.isoformat()}
        new_due = due_at if due_at is not None else task.due_at
        if new_due != task.due_at:
            if new_due < task.due_at:
                raise ValidationError({"due_at": _("The deadline can only be extended, not brought forward.")})
            if new_due <= timezone.now():
                raise ValidationError({"due_at": _("The deadline must be in the future.")})
        task.title = title if title is not None else task.title
        task.instructions = instructions if instructions is not None else task.instructions
        task.due_at = new_due
        after = {"title": task.title, "instructions": task.instructions, "due_at": task.due_at.isoformat()}
        if after == before:
            return task
        task.save(update_fields=["title", "instructions", "due_at"])
        if after["due_at"] != before["due_at"]:
            GridTaskPart.objects.filter(task=task, completed_at__isnull=True).update(due_at=new_due)
        record(actor, "gridtask.update", task, before=before, after=after)
        if after["due_at"] != before["due_at"]:
            when = timezone.localtime(new_due).strftime("%m-%d %H:%M")
            notify(grid_staff(_unfinished_grid_ids(task)), "gridtask.updated",
                   _("New deadline for the task %(title)s: %(when)s") % {"title": task.title, "when": when},
                   "/gridtasks/mine/", task)
    return task


def cancel_task(actor, task: GridTask, *, reason: str, version: str | None = None) -> GridTask:
    """Withdraw a task sent by mistake or no longer needed. Items already done stay done; the open
    ones can no longer be completed and leave the grids' lists; the grids not finished are told."""
    _require(actor, "gridtask.send", task.sender_area)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the task is cancelled.")})
    with transaction.atomic():
        task = GridTask.objects.select_for_update().get(pk=task.pk)
        check_version(task_version(task), version)
        if task.cancelled:
            raise ValidationError(_("This task was already cancelled."))
        grid_ids = _unfinished_grid_ids(task)
        if not grid_ids:
            raise ValidationError(_("Every grid has finished this task: there is nothing left to cancel."))
        task.cancelled_at = timezone.now()
        task.cancelled_by = actor if actor is not None and actor.is_authenticated else None
        task.cancel_reason = reason
        task.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        record(actor, "gridtask.cancel", task, before={"cancelled_at": None},
               after={"cancelled_at": task.cancelled_at.isoformat(), "reason": reason, "open_grids": grid_ids})
        notify(grid_staff(grid_ids), "gridtask.cancelled",
               _("The task %(title)s was cancelled: %(reason)s") % {"title": task.title, "reason": reason},
               "/gridtasks/mine/", task)
    return task

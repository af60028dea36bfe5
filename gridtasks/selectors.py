from __future__ import annotations

from django.db.models import Q, Sum

from accounts.scope import get_scope
from gridtasks.choices import ItemState
from gridtasks.models import GridTask, GridTaskItem, GridTaskPart

OPEN_ITEMS_SHOWN = 200


def my_grid_paths(user) -> list[str]:
    return sorted({a.area.path for a in get_scope(user).roles
                   if a.role in ("grid_worker", "grid_chief") and a.area_id})


def my_open_parts(user):
    """The open parts of the grids where the user is grid staff, earliest deadline first."""
    paths = my_grid_paths(user)
    if not paths:
        return GridTaskPart.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(area_path__startswith=path)
    return (GridTaskPart.objects.restrict(user, "gridtask.work").filter(condition, completed_at__isnull=True,
                                                                      task__cancelled_at__isnull=True)
            .select_related("task", "grid").order_by("due_at", "id"))


def progress(task: GridTask) -> dict:
    parts = list(task.parts.select_related("grid").order_by("area_path"))
    done = sum(p.done for p in parts)
    total = sum(p.total for p in parts)
    return {"parts": parts, "done": done, "total": total, "open": total - done, "percent": done * 100 // total if total else 100}


def open_items(task: GridTask, limit: int = OPEN_ITEMS_SHOWN):
    return list(GridTaskItem.objects.filter(part__task=task, state=ItemState.OPEN)
                .select_related("part__grid", "person__dwelling").order_by("part__area_path", "id")[:limit])


def task_totals(tasks):
    ids = [t.pk for t in tasks]
    sums = {row["task_id"]: row for row in GridTaskPart.objects.filter(task_id__in=ids).values("task_id")
            .annotate(done=Sum("done"), total=Sum("total"))}
    for task in tasks:
        row = sums.get(task.pk, {"done": 0, "total": 0})
        task.done_count, task.item_count = row["done"] or 0, row["total"] or 0
    return tasks

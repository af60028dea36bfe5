"""Demo grid tasks: ~8 sent by streets and communities, with parts and partly-done items."""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from areas.models import Area
from gridtasks import actions
from gridtasks.models import GridTask, GridTaskItem, GridTaskPart

TASKS = [
    ("寒潮期间走访独居老人", "special_group", "elderly_alone", "逐户查看取暖、饮食和用药情况，发现困难及时上报"),
    ("入户走访核查人口信息", "households", "", "核对户籍人口、流动人口变化，更新基础信息"),
    ("燃气安全入户宣传", "items", "", "发放燃气安全宣传单，检查燃气软管老化情况"),
    ("防汛隐患排查", "items", "", "排查低洼地带、地下车库积水隐患"),
]
ITEMS = ["检查燃气软管", "张贴安全提示", "排查地下车库积水点", "检查楼道消防通道", "走访沿街商户"]


def load_demo_gridtasks(district: Area, count: int = 8, seed: int = 13, history: int = 12) -> int:
    """`count` tasks of the last week (some overdue, some under way) and `history` finished ones of
    the two months before, their items mostly done by the deadline (what the assessment judges)."""
    if GridTask.objects.filter(district_code=district.district_code).exists():
        return 0
    rng = random.Random(seed)
    communities = list(Area.objects.filter(path__startswith=district.path, level="community").order_by("path"))
    if not communities:
        return 0
    now = timezone.now()
    made = 0
    for i in range(count + history):
        past = i >= count
        community = rng.choice(communities)
        sender = community if i % 2 else Area.objects.get(pk=community.parent_id)
        below = list(Area.objects.filter(path__startswith=sender.path, level="grid").order_by("path"))
        grids = rng.sample(below, min(len(below), 4))  # a street sends to grids of several communities
        if not grids:
            continue
        title, kind, group, instructions = TASKS[i % len(TASKS)]
        if past:  # the same tasks came round before: name them by the week they were sent
            title = f"{title}（往期）"
        try:
            task = actions.send_task(None, sender_area=sender, title=title, instructions=instructions, kind=kind,
                                     due_at=now + dt.timedelta(days=rng.choice([1, 3, 5])),
                                     grids=grids, items=rng.sample(ITEMS, 3), special_group=group)
        except ValidationError:  # e.g. no tagged resident in these grids: the next task
            continue
        # backdate it and complete a share of the items in bulk (the demo's history, not an action)
        if past:
            sent = now - dt.timedelta(days=rng.uniform(10, 60))
            due = sent + dt.timedelta(days=rng.choice([1, 3, 5]))
            GridTask.objects.filter(pk=task.pk).update(created_at=sent, due_at=due)
            GridTaskPart.objects.filter(task=task).update(due_at=due)
            for part in task.parts.all():
                ids = list(part.items.values_list("pk", flat=True))
                late = rng.random() < 0.15  # one grid in seven finished after the deadline
                times = sorted(sent + (due - sent) * (rng.uniform(1.02, 1.5) if late else rng.uniform(0.1, 0.95))
                               for _ in range(3))  # the grid's items done in three rounds
                for n, when in enumerate(times):
                    GridTaskItem.objects.filter(pk__in=ids[n::3]).update(state="done", completed_at=when, note="已走访")
                GridTaskPart.objects.filter(pk=part.pk).update(done=len(ids), completed_at=times[-1] if ids else None)
            made += 1
            continue
        sent = now - dt.timedelta(days=rng.uniform(1, 6))
        GridTask.objects.filter(pk=task.pk).update(created_at=sent)
        if i % 3 == 0:  # an overdue one
            GridTask.objects.filter(pk=task.pk).update(due_at=now - dt.timedelta(hours=6))
            GridTaskPart.objects.filter(task=task).update(due_at=now - dt.timedelta(hours=6))
        for part in task.parts.all():
            share = rng.choice([0.2, 0.5, 0.8, 1.0])
            ids = list(part.items.values_list("pk", flat=True))
            done = ids[: int(len(ids) * share)]
            GridTaskItem.objects.filter(pk__in=done).update(state="done", completed_at=now - dt.timedelta(hours=3),
                                                            note="已走访")
            GridTaskPart.objects.filter(pk=part.pk).update(done=len(done))
            if len(done) == len(ids):
                GridTaskPart.objects.filter(pk=part.pk).update(completed_at=now - dt.timedelta(hours=3))
        GridTaskPart.objects.filter(task=task, done__gt=F("total")).update(done=F("total"))
        made += 1
    return made

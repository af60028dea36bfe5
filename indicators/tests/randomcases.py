"""A seeded generator of case logs for the rollup tests: cases, department tasks and timeline rows
written directly (not through the actions), in every state, with timestamps that often sit on a
local midnight or just before it, so that day boundaries are exercised. The rows are not always a
story the workflow could tell; the indicators are defined on the rows, so the rollup must agree
with the case tables whatever they hold."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from cases.choices import CaseState, Channel, TaskState

SH = ZoneInfo("Asia/Shanghai")
START = dt.date(2026, 9, 20)
DAYS = 80
STATES = [CaseState.REPORTED, CaseState.ACCEPTED, CaseState.FILED, CaseState.DISPATCHED, CaseState.HANDLING,
          CaseState.VERIFYING, CaseState.CLOSED, CaseState.CLOSED, CaseState.CLOSED, CaseState.CLOSED,
          CaseState.DECLINED, CaseState.SUSPENDED, CaseState.VOIDED, CaseState.MERGED]
TASK_STATES = [TaskState.DISPATCHED, TaskState.HANDLING, TaskState.HANDLED, TaskState.HANDLED, TaskState.RETURNED,
               TaskState.CANCELLED]


class Generator:
    def __init__(self, world, seed: int):
        from cases.models import Category

        self.rng = random.Random(seed)
        self.world = world
        self.grids = [world.grid_a11, world.grid_a12, world.grid_b11]
        self.departments = [world.dept_cg, world.dept_bcg, world.dept_sz]
        self.categories = list(Category.objects.filter(parent__isnull=False).order_by("code"))
        self.areas = [world.community_a1, world.community_b1, world.street_a, world.street_b, world.district,
                      world.grid_a11]
        self.serial = 0

    def moment(self, day: dt.date | None = None) -> dt.datetime:
        """A local time on a day of the window; a third of them on or next to a midnight."""
        rng = self.rng
        day = day or START + dt.timedelta(days=rng.randrange(DAYS))
        roll = rng.random()
        if roll < 0.12:
            clock = dt.time(0, 0)
        elif roll < 0.24:
            clock = dt.time(23, 59, 59, 999999)
        elif roll < 0.33:
            clock = dt.time(23, 59, 59)
        else:
            clock = dt.time(rng.randrange(24), rng.randrange(60), rng.randrange(60))
        return dt.datetime.combine(day, clock, tzinfo=SH)

    def after(self, moment: dt.datetime, max_hours: float = 96) -> dt.datetime:
        rng = self.rng
        if rng.random() < 0.25:  # to the next midnight, or just before it
            midnight = dt.datetime.combine(moment.astimezone(SH).date() + dt.timedelta(days=rng.randrange(1, 4)),
                                           dt.time(), tzinfo=SH)
            return midnight - dt.timedelta(microseconds=rng.choice([0, 1]))
        return moment + dt.timedelta(seconds=rng.randrange(1, int(max_hours * 3600)))

    def case(self, when: dt.datetime | None = None):
        from cases.models import Case

        rng = self.rng
        self.serial += 1
        grid = rng.choice(self.grids)
        created = when or self.moment()
        state = rng.choice(STATES)
        case = Case(number=f"R{self.serial:08d}{rng.randrange(10**6):06d}", category=rng.choice(self.categories),
                    description="随机", lon=114.1, lat=35.6, grid=grid, area_path=grid.path,
                    district_code=grid.district_code, channel=rng.choice(Channel.values), owner_area=grid,
                    owner_level="grid", state=state, created_at=created)
        t = created
        if state != CaseState.REPORTED and rng.random() < 0.9:
            t = case.accepted_at = self.after(t, 8)
        if state not in (CaseState.REPORTED, CaseState.ACCEPTED, CaseState.DECLINED) and rng.random() < 0.85:
            t = case.filed_at = self.after(t, 8)
        dispatched = state in (CaseState.DISPATCHED, CaseState.HANDLING, CaseState.VERIFYING, CaseState.SUSPENDED,
                               CaseState.VOIDED) or (state in (CaseState.CLOSED, CaseState.FILED) and rng.random() < 0.6)
        if dispatched:
            t = case.dispatched_at = self.after(t, 8)
            case.handle_due_at = self.after(t, 72)
            case.dispatch_count = rng.choice([1, 1, 2])
        if state in (CaseState.VERIFYING, CaseState.CLOSED) and dispatched or rng.random() < 0.05:
            t = case.handled_at = self.after(t, 72)
        if state == CaseState.CLOSED:
            case.closed_at = self.after(t, 48)
            case.self_resolved = not dispatched and rng.random() < 0.3
            case.resolved_level = "grid" if case.self_resolved else rng.choice(["grid", "community", "street", ""])
            case.closed_on_time = rng.choice([True, True, False, None])
        if state == CaseState.FILED and rng.random() < 0.3:
            case.reopen_count = 1  # reopened: closing time cleared, deadline kept
        case.rework_count = rng.choice([0, 0, 0, 1, 2])
        case.escalation_count = rng.choice([0, 0, 1])
        if (state == CaseState.CLOSED or rng.random() < 0.05) and rng.random() < 0.6:
            case.rating = rng.randrange(1, 6)
            case.rated_at = self.after(case.closed_at or t, 30)
        case.save()
        self.tasks_and_events(case, dispatched)
        return case

    def tasks_and_events(self, case, dispatched: bool) -> None:
        from cases.models import CaseEvent, CaseTask

        rng = self.rng
        tasks = []
        if dispatched:
            for department in rng.sample(self.departments, rng.choice([1, 1, 2, 3])):
                created = case.dispatched_at if rng.random() < 0.7 else self.after(case.dispatched_at, 24)
                state = rng.choice(TASK_STATES)
                task = CaseTask(case=case, department=department, state=state, created_at=created,
                                due_at=self.after(created, 72) if rng.random() < 0.95 else None,
                                rework_count=rng.choice([0, 0, 1]))
                if state != TaskState.DISPATCHED and rng.random() < 0.9:
                    task.accepted_at = self.after(created, 8)
                if state == TaskState.HANDLED:
                    task.handled_at = self.after(task.accepted_at or created, 72)
                task.save()
                tasks.append(task)
        events = [CaseEvent(case=case, action="report", to_state=case.state, created_at=case.created_at)]
        if rng.random() < 0.2:
            events.append(CaseEvent(case=case, action="overdue", from_state=rng.choice(["reported", "filed"]),
                                    created_at=self.after(case.created_at, 6),
                                    data={"escalated_to": rng.choice(self.areas).pk if rng.random() < 0.7 else None}))
        if rng.random() < 0.15:
            events.append(CaseEvent(case=case, action="escalate", from_state="accepted",
                                    created_at=self.after(case.created_at, 30),
                                    data={"to_level": rng.choice(["community", "street", "district", "grid"]),
                                          "to_area": "x"}))
        for task in tasks:
            if rng.random() < 0.3:
                events.append(CaseEvent(case=case, task=task, action=rng.choice(["approve_extension",
                                                                                  "request_extension"]),
                                        created_at=self.after(task.created_at, 20), data={"hours": 8}))
        CaseEvent.objects.bulk_create(events)

    def mutate(self, case, now: dt.datetime) -> None:
        """Change a case as the loop might (or not), and leave the trace the job looks for: a new
        timeline row (as every action writes) or, for some, only a newer updated_at."""
        from cases.models import Case, CaseEvent, CaseTask

        rng = self.rng
        roll = rng.random()
        changes: dict = {}
        if roll < 0.25 and case.state == CaseState.CLOSED:  # reopened (by a bad rating, say)
            changes = {"state": CaseState.FILED, "closed_at": None, "closed_on_time": None, "resolved_level": "",
                       "rating": rng.choice([None, 1, 2]), "rated_at": now}
        elif roll < 0.5 and case.state in (CaseState.HANDLING, CaseState.VERIFYING, CaseState.FILED,
                                           CaseState.DISPATCHED):
            changes = {"state": CaseState.CLOSED, "closed_at": now - dt.timedelta(hours=rng.randrange(0, 200)),
                       "closed_on_time": rng.choice([True, False]), "resolved_level": rng.choice(["grid", "street"]),
                       "handled_at": now - dt.timedelta(hours=rng.randrange(200, 400))}
        elif roll < 0.65:  # an extension: a later deadline
            changes = {"handle_due_at": (case.handle_due_at or now) + dt.timedelta(hours=rng.randrange(1, 100))}
        elif roll < 0.75:
            changes = {"state": rng.choice([CaseState.SUSPENDED, CaseState.VOIDED, CaseState.HANDLING])}
        elif roll < 0.85:
            task = CaseTask.objects.filter(case=case).first()
            if task is not None:
                CaseTask.objects.filter(pk=task.pk).update(state=rng.choice(TASK_STATES),
                                                           handled_at=now - dt.timedelta(hours=5),
                                                           due_at=now + dt.timedelta(hours=rng.randrange(-50, 50)))
        else:
            changes = {"rating": rng.randrange(1, 6), "rated_at": now - dt.timedelta(hours=rng.randrange(0, 300))}
        if rng.random() < 0.5:
            changes["updated_at"] = now
            Case.objects.filter(pk=case.pk).update(**changes)
        else:
            if changes:
                Case.objects.filter(pk=case.pk).update(**changes)
            escalated = rng.random() < 0.5
            CaseEvent.objects.create(
                case=case, action="overdue" if escalated else "remind", from_state=case.state, created_at=now,
                data={"escalated_to": rng.choice(self.areas).pk} if escalated else {})

"""The rollup job: first run rebuilds, later runs follow the changes, a failed run changes nothing,
the background task runs and queues the next one."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from cases import actions
from indicators import rollups
from indicators.definitions import Period, ScopeFilter, counts
from indicators.models import CaseFact, DailyCount, RollupState, TaskFact

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
A11 = (114.07, 35.6)
NOVEMBER = Period.month(2026, 11)


def at(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


def report(world, when):
    with time_machine.travel(when, tick=False):
        case, _ = actions.report_case(world.worker_a11, channel="grid_worker", category_code="E0102",
                                      description="渣土", lon=A11[0], lat=A11[1])
    return case


def snapshot():
    return (sorted(CaseFact.objects.values_list(), key=repr), sorted(TaskFact.objects.values_list(), key=repr),
            sorted(DailyCount.objects.values_list(*[f.name for f in DailyCount._meta.fields if f.name != "id"]),
                   key=repr),
            list(RollupState.objects.values_list()))


def agree(world):
    scope = ScopeFilter(area=world.district)
    assert counts(scope, NOVEMBER, source="rollup") == counts(scope, NOVEMBER, source="raw")


def test_the_command_rebuilds_first_then_follows_the_changes(loop, capsys):
    case = report(loop, at(2, 9))
    with time_machine.travel(at(2, 10), tick=False):
        call_command("update_rollups")
    assert "rebuilt: 1 cases" in capsys.readouterr().out
    assert counts(ScopeFilter(area=loop.district), NOVEMBER)["reports"] == 1

    with time_machine.travel(at(3, 9), tick=False):
        actions.accept(loop.command, case)
        actions.file(loop.command, case)
        actions.dispatch(loop.command, case, departments=[loop.dept_cg])
    report(loop, at(3, 11))
    with time_machine.travel(at(3, 12), tick=False):
        call_command("update_rollups")
    assert "2 changed cases" in capsys.readouterr().out
    found = counts(ScopeFilter(area=loop.district), NOVEMBER)
    assert (found["reports"], found["filed"], found["dispatched"], found["tasks"], found["due"]) == (2, 1, 1, 1, 1)
    agree(loop)
    state = RollupState.objects.get()
    assert state.watermark == at(3, 12) and state.last_cases == 2 and state.last_days == 3  # 2, 3, 4 Nov

    with time_machine.travel(at(3, 13), tick=False):
        call_command("update_rollups", "--full")
    assert "rebuilt: 2 cases" in capsys.readouterr().out
    agree(loop)


def test_a_run_that_dies_changes_nothing_and_the_next_run_does_it_all(loop, monkeypatch):
    case = report(loop, at(2, 9))
    rollups.update_rollups(now=at(2, 10))
    with time_machine.travel(at(2, 11), tick=False):
        actions.accept(loop.command, case)
    report(loop, at(2, 12))
    before = snapshot()

    def die(days):
        raise RuntimeError("killed half way")

    monkeypatch.setattr(rollups, "recompute_days", die)
    with pytest.raises(RuntimeError):
        rollups.update_rollups(now=at(2, 13))
    assert snapshot() == before  # facts, days and watermark as they were
    monkeypatch.undo()
    result = rollups.update_rollups(now=at(2, 14))
    assert result["cases"] == 2 and counts(ScopeFilter(area=loop.district), NOVEMBER)["reports"] == 2
    agree(loop)
    again = snapshot()
    rollups.update_rollups(now=at(2, 14))  # the same window again: the same rows
    assert snapshot()[:3] == again[:3]


@pytest.mark.django_db(transaction=True)
def test_the_background_task_rolls_up_and_queues_the_next_run(loop, settings):
    from django_tasks_db.models import DBTaskResult

    from indicators.tasks import update_rollups_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    report(loop, at(2, 9))
    with time_machine.travel(at(2, 10), tick=False):
        update_rollups_task.enqueue(reschedule=True)
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert RollupState.objects.get().watermark == at(2, 10)
    assert DailyCount.objects.filter(day=dt.date(2026, 11, 2), reports=1).exists()
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the next run, queued for later

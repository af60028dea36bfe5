"""Working-time deadlines across a public holiday and a make-up workday, and the sweep that warns
and escalates exactly once."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from cases import actions
from cases.jobs import sweep_deadlines
from cases.models import Case, CaseEvent
from core.models import AuditLog, Notification, WorkdayOverride
from core.workcalendar import WorkCalendar, get_calendar

SH = ZoneInfo("Asia/Shanghai")
A11 = (114.07, 35.6)


def at(*args):
    return dt.datetime(*args, tzinfo=SH)


def test_working_days_skip_national_day_and_count_the_make_up_saturday(settings):
    calendar = WorkCalendar({})
    # Wed 30 Sep 10:00 + 3 working days: Thu 8 Oct, Fri 9 Oct, Sat 10 Oct (make-up workday)
    assert calendar.add_days(at(2026, 9, 30, 10, 0), 3) == at(2026, 10, 10, 10, 0)
    # Mid-autumn Friday 25 Sep is a holiday: 1 working day from Thu 24 Sep 16:00 is Mon 28 Sep 16:00
    assert calendar.add_days(at(2026, 9, 24, 16, 0), 1) == at(2026, 9, 28, 16, 0)
    # a report on a holiday starts counting at the next working morning
    assert calendar.add_days(at(2026, 10, 3, 20, 0), 1) == at(2026, 10, 9, 9, 0)


def test_working_hours_stop_overnight_and_over_holidays():
    calendar = WorkCalendar({})
    # 2 hours left on Wed 30 Sep (15:00–17:00), the other 2 on Thu 8 Oct
    assert calendar.add_hours(at(2026, 9, 30, 15, 0), 4) == at(2026, 10, 8, 11, 0)
    assert calendar.working_seconds(at(2026, 9, 30, 15, 0), at(2026, 10, 8, 11, 0)) == 4 * 3600
    # the yellow point at 80 % of 4 working hours
    assert calendar.fraction_point(at(2026, 9, 30, 15, 0), at(2026, 10, 8, 11, 0), 0.8) == at(2026, 10, 8, 10, 12)


@pytest.mark.django_db
def test_local_overrides_win_over_the_national_calendar():
    WorkdayOverride.objects.create(date=dt.date(2026, 10, 8), is_workday=False, note="本地调休")
    WorkdayOverride.objects.create(date=dt.date(2026, 10, 11), is_workday=True, note="补班")
    calendar = get_calendar()
    # 8 Oct is now a day off and Sunday 11 Oct a workday: 9, 10 and 11 Oct are the three days
    assert calendar.add_days(at(2026, 9, 30, 10, 0), 3) == at(2026, 10, 11, 10, 0)


def test_years_the_library_does_not_know_fall_back_to_weekends():
    calendar = WorkCalendar({})
    assert calendar.is_workday(dt.date(2031, 3, 3)) is True  # a Monday
    assert calendar.is_workday(dt.date(2031, 3, 8)) is False  # a Saturday


@pytest.mark.django_db(transaction=True)
def test_a_case_reported_before_the_holiday_gets_its_deadline_after_it(loop, photo):
    with time_machine.travel(at(2026, 9, 30, 16, 30), tick=False):
        case, _ = actions.report_case(loop.worker_a11, channel="grid_worker", category_code="C0102",
                                      description="路灯不亮", lon=A11[0], lat=A11[1])
        # accepting C0102 (a days category) takes 2 working hours: 30 min today, 90 min on 8 Oct
        assert case.due_at == at(2026, 10, 8, 10, 30)
        actions.accept(loop.command, case)
        actions.file(loop.command, case)
        actions.dispatch(loop.command, case, departments=[loop.dept_sz])
        case.refresh_from_db()
        # 2 working days for street lamps: Thu 8 Oct and Fri 9 Oct → due Fri 9 Oct 16:30
        assert case.handle_due_at == at(2026, 10, 9, 16, 30)


@pytest.mark.django_db(transaction=True)
def test_the_sweep_warns_and_escalates_exactly_once(loop, photo):
    start = at(2026, 11, 16, 9, 0)  # a Monday
    with time_machine.travel(start, tick=False) as traveller:
        case, _ = actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101",
                                      description="垃圾", lon=A11[0], lat=A11[1])
        assert case.due_at == at(2026, 11, 16, 10, 0)  # 1 working hour to accept
        assert case.warn_at == at(2026, 11, 16, 9, 48)
        assert sweep_deadlines() == {"warned": 0, "overdue": 0, "escalated": 0}
        traveller.move_to(at(2026, 11, 16, 9, 50))
        assert case.__class__.objects.get(pk=case.pk).light() == "yellow"
        assert sweep_deadlines()["warned"] == 1
        assert sweep_deadlines()["warned"] == 0  # the second run finds nothing
        traveller.move_to(at(2026, 11, 16, 10, 1))
        assert Case.objects.get(pk=case.pk).light() == "red"
        result = sweep_deadlines()
        assert result == {"warned": 0, "overdue": 1, "escalated": 1}
        call_command("sweep_deadlines")  # a restart, another run: nothing more
        assert sweep_deadlines() == {"warned": 0, "overdue": 0, "escalated": 0}
    case = Case.objects.get(pk=case.pk)
    assert case.owner_level == "community" and case.owner_area == loop.community_a1 and case.escalation_count == 1
    assert list(CaseEvent.objects.filter(case=case, actor_role="system").values_list("action", flat=True)) == [
        "warn", "overdue"]
    assert AuditLog.objects.filter(object_id=str(case.pk), action="case.overdue").count() == 1
    # the grid chief was warned; the community officer (the level above) was told it is overdue
    assert Notification.objects.filter(user=loop.chief_a11, kind="case.warn").count() == 1
    assert Notification.objects.filter(user=loop.officer_a1, kind="case.overdue").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_new_step_gets_a_new_warning(loop, photo):
    with time_machine.travel(at(2026, 11, 16, 9, 0), tick=False) as traveller:
        case, _ = actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101",
                                      description="垃圾", lon=A11[0], lat=A11[1])
        traveller.move_to(at(2026, 11, 16, 9, 55))
        assert sweep_deadlines()["warned"] == 1
        actions.accept(loop.chief_a11, case)  # a new step: 2 working hours to file and dispatch
        case.refresh_from_db()
        assert case.warned_at is None and case.due_at == at(2026, 11, 16, 11, 55)
        traveller.move_to(at(2026, 11, 16, 11, 40))
        assert sweep_deadlines()["warned"] == 1


@pytest.mark.django_db(transaction=True)
def test_the_background_task_sweeps_and_requeues(loop, photo, settings):
    from django_tasks_db.models import DBTaskResult

    from cases.tasks import sweep_deadlines_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with time_machine.travel(at(2026, 11, 16, 9, 0), tick=False) as traveller:
        actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101", description="垃圾",
                            lon=A11[0], lat=A11[1])
        traveller.move_to(at(2026, 11, 16, 10, 30))
        sweep_deadlines_task.enqueue(reschedule=True)
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Case.objects.get().overdue_at is not None
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the next sweep, queued for later

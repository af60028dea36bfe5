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


def test_the_sweep_tells_each_level_and_moves_each_case_up_once(loop):
    """Four overdue cases owned at four levels, one with a department task, one warned case, and
    cases the sweep must leave alone; who is told, where each case goes and what is written are
    worked out by hand."""
    from cases.models import CaseTask

    now = at(2026, 11, 18, 15, 0)
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        made = [actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101",
                                    description=f"垃圾{i}", lon=A11[0], lat=A11[1])[0] for i in range(7)]
    grid_case, community_case, street_case, district_case, yellow, suspended, closed = made
    late = {"due_at": now - dt.timedelta(minutes=5), "warn_at": now - dt.timedelta(hours=1)}
    Case.objects.filter(pk=grid_case.pk).update(**late)
    Case.objects.filter(pk=community_case.pk).update(owner_area=loop.community_a1, owner_level="community", **late)
    Case.objects.filter(pk=street_case.pk).update(owner_area=loop.street_a, owner_level="street", state="handling",
                                                  **late)
    Case.objects.filter(pk=district_case.pk).update(owner_area=loop.district, owner_level="district", **late)
    Case.objects.filter(pk=yellow.pk).update(due_at=now + dt.timedelta(hours=1), warn_at=now - dt.timedelta(minutes=1))
    Case.objects.filter(pk=suspended.pk).update(state="suspended", **late)
    Case.objects.filter(pk=closed.pk).update(state="closed", **late)
    CaseTask.objects.create(case=street_case, department=loop.dept_cg, state="handling")
    CaseTask.objects.create(case=district_case, department=loop.dept_bcg, state="done")  # finished: not told
    Notification.objects.all().delete()

    assert sweep_deadlines(now) == {"warned": 1, "overdue": 4, "escalated": 3}
    assert sweep_deadlines(now) == {"warned": 0, "overdue": 0, "escalated": 0}

    def owner(case):
        case = Case.objects.get(pk=case.pk)
        return case.owner_area, case.owner_level, case.escalation_count, case.version

    version = grid_case.version
    assert owner(grid_case) == (loop.community_a1, "community", 1, version + 1)
    assert owner(community_case) == (loop.street_a, "street", 1, version + 1)
    assert owner(street_case) == (loop.district, "district", 1, version + 1)
    assert owner(district_case) == (loop.district, "district", 0, version)  # the top stays
    assert owner(suspended)[2] == owner(closed)[2] == 0
    # one message per person per kind: about one case, that case; about several, their numbers
    told = {(n.user.username, n.kind): n for n in Notification.objects.select_related("user")}
    assert Notification.objects.count() == len(told)
    cases_in = {key: {c.number for c in made if c.number in n.message} for key, n in told.items()}
    assert cases_in == {
        ("chief_a11", "case.warn"): {yellow.number},
        ("chief_a11", "case.overdue"): {grid_case.number},
        ("officer_a1", "case.overdue"): {grid_case.number, community_case.number},  # its own, and one moved up
        ("officer_a", "case.overdue"): {community_case.number, street_case.number},
        ("command", "case.overdue"): {street_case.number, district_case.number},
        ("handler_cg", "case.overdue"): {street_case.number},  # its open task
    }
    single = told[("chief_a11", "case.warn")]
    assert (single.object_id, single.url) == (str(yellow.pk), f"/cases/{yellow.pk}/")
    assert single.message == f"案件 {yellow.number} 即将到期。"
    digest = told[("command", "case.overdue")]
    assert digest.message.startswith("2 件案件已超期") and digest.url == "/cases/desk/?tab=overdue"
    assert told[("handler_cg", "case.overdue")].url == f"/cases/{street_case.pk}/"
    events = {e.case_id: e for e in CaseEvent.objects.filter(actor_role="system")}
    assert set(events) == {yellow.pk, grid_case.pk, community_case.pk, street_case.pk, district_case.pk}
    assert [events[c.pk].data["escalated_to"] for c in (grid_case, community_case, street_case, district_case)] == [
        loop.community_a1.pk, loop.street_a.pk, loop.district.pk, None]
    assert events[yellow.pk].action == "warn" and events[yellow.pk].data["due_at"]
    assert events[street_case.pk].from_state == events[street_case.pk].to_state == "handling"
    audits = AuditLog.objects.filter(action__in=["case.warn", "case.overdue"])
    assert sorted((a.action, a.object_id, a.object_repr, a.district_code, a.after["state"]) for a in audits) == sorted(
        [("case.warn", str(yellow.pk), yellow.number, "410611", "reported")]
        + [("case.overdue", str(c.pk), c.number, "410611", "handling" if c == street_case else "reported")
           for c in (grid_case, community_case, street_case, district_case)])


def test_enqueueing_the_recurring_sweep_twice_queues_it_once(loop, settings):
    """Every `serve` enqueues the sweep; a chain already waiting is not doubled."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("sweep_deadlines", "--enqueue")
    call_command("sweep_deadlines", "--enqueue")
    call_command("update_rollups", "--enqueue")
    call_command("update_rollups", "--enqueue")
    waiting = sorted(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))
    assert waiting == ["cases.tasks.sweep_deadlines_task", "indicators.tasks.update_rollups_task"]

"""Demo cases (manage.py load_demo_cases): every state and channel, consistent timelines, points in
their grids, tasks for departments that serve the place, loaded once.

淇滨区 is loaded once for the module (load_demo --no-cases, then 300 demo cases, through the
commands as a user would) and rolled back at the end; each test runs in its own savepoint on top.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from areas import resolver
from cases.choices import OPEN_STATES, CaseState, Channel, Light, TaskState
from cases.demo import MARKER
from cases.models import Case, CaseEvent, CaseTask

QIBIN = "410611"
COUNT = 300


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    accounts_file = tmp_path_factory.mktemp("demo") / "demo-accounts.json"
    out = StringIO()
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", *only(), "--password", "Demo-pass-2026", "--accounts-file", str(accounts_file),
                     stdout=out)
        call_command("load_demo_cases", "--count", str(COUNT), stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def only(*wanted):
    """load_demo's --no-... options (what it loads after the areas) except the ones wanted."""
    from django.core.management import load_command_class

    parser = load_command_class("areas", "load_demo").create_parser("manage.py", "load_demo")
    return [o for o in parser._option_string_actions if o.startswith("--no-") and o not in (*wanted, "--no-color")]


def cases():
    return Case.objects.filter(district_code=QIBIN, external_id__startswith=MARKER)


@pytest.mark.django_db
def test_it_makes_the_cases_in_every_state_and_channel(loaded):
    assert f"Demo cases: {COUNT}" in loaded
    assert cases().count() == COUNT
    assert set(cases().values_list("state", flat=True)) == set(CaseState.values)
    assert set(cases().values_list("channel", flat=True)) == set(Channel.values)
    assert cases().filter(state=CaseState.CLOSED).count() > COUNT / 2
    assert cases().filter(channel=Channel.GRID_WORKER).count() > cases().filter(channel=Channel.OPEN311).count()


@pytest.mark.django_db
def test_every_point_lies_in_its_grid(loaded):
    index = resolver.get_index()
    for lon, lat, grid_id in cases().values_list("lon", "lat", "grid_id"):
        assert index.resolve(lon, lat) == grid_id
    assert all(path.startswith("/") for path in cases().values_list("area_path", flat=True))
    assert not cases().exclude(address="").filter(description="").exists()


@pytest.mark.django_db
def test_open_dispatched_cases_have_tasks_for_departments_that_serve_the_place(loaded):
    dispatched = cases().filter(state__in=[CaseState.DISPATCHED, CaseState.HANDLING]).prefetch_related(
        "tasks__department__area")
    assert dispatched
    for case in dispatched:
        open_tasks = [t for t in case.tasks.all() if t.state in (TaskState.DISPATCHED, TaskState.HANDLING)]
        assert open_tasks, case.number
        for task in open_tasks:
            assert case.area_path.startswith(task.department.area.path)
            assert task.due_at is not None
    # every task, open or not, went to a department serving the place
    for task in CaseTask.objects.filter(case__in=cases()).select_related("case", "department__area"):
        assert task.case.area_path.startswith(task.department.area.path)
    assert not CaseTask.objects.filter(case__state=CaseState.CLOSED, case__in=cases(),
                                       state__in=[TaskState.DISPATCHED, TaskState.HANDLING]).exists()


@pytest.mark.django_db
def test_closed_cases_are_closed_after_their_report_at_a_level(loaded):
    closed = cases().filter(state=CaseState.CLOSED)
    for case in closed:
        assert case.closed_at >= case.created_at
        assert case.resolved_level in ("grid", "community", "street", "district")
        assert case.closed_on_time is not None
        assert case.due_at is None
    in_grid = closed.filter(resolved_level__in=["grid", "community"]).count() / closed.count()
    assert 0.45 <= in_grid <= 0.85  # ~60-70 % solved in the grid or the community
    assert closed.filter(closed_on_time=True).count() > closed.count() * 0.7
    rated = closed.exclude(rating=None)
    assert rated.count() > closed.count() / 2
    assert rated.filter(rating__gte=4).count() > rated.count() * 0.6
    assert rated.filter(rating__lte=3).exists()
    assert not cases().exclude(state=CaseState.CLOSED).exclude(closed_at=None).exclude(state=CaseState.MERGED).exists()


@pytest.mark.django_db
def test_timelines_run_in_time_order_to_the_case_state(loaded):
    events = {}
    for event in CaseEvent.objects.filter(case__in=cases()).order_by("case_id", "id"):
        events.setdefault(event.case_id, []).append(event)
    now = timezone.now()
    for case in cases():
        timeline = events[case.pk]
        times = [e.created_at for e in timeline]
        assert times == sorted(times), case.number
        assert timeline[0].action in ("report", "self_resolve") and timeline[0].created_at == case.created_at
        assert times[-1] <= now
        last = [e for e in timeline if e.to_state][-1]
        assert last.to_state == case.state, (case.number, last.action)
        for before, after in zip(timeline, timeline[1:], strict=False):
            if after.from_state and before.to_state and after.action != "merged_in":
                assert after.from_state == before.to_state, (case.number, before.action, after.action)
        assert case.version == 1 + sum(e.action not in ("report", "self_resolve", "merged_in") for e in timeline)


@pytest.mark.django_db
def test_the_states_and_fields_agree(loaded):
    today = timezone.localdate()
    for case in cases().filter(state=CaseState.MERGED).select_related("merged_into"):
        assert case.merged_into is not None and case.merged_into.category_id == case.category_id
        assert case.merged_into.created_at < case.created_at
    for case in cases().filter(state=CaseState.SUSPENDED):
        assert case.review_on > today and case.state_before_suspension
    for case in cases().filter(state__in=[CaseState.DECLINED, CaseState.VOIDED]):
        assert case.due_at is None and case.closed_at is None
    lights = {case.light() for case in cases().filter(state__in=OPEN_STATES)}
    assert {Light.GREEN, Light.YELLOW, Light.RED} <= lights
    assert cases().filter(state__in=OPEN_STATES, due_at__lt=timezone.now()).exists()  # some are overdue
    for field in ("escalation_count", "rework_count", "return_count", "extension_count"):
        assert cases().filter(**{f"{field}__gt": 0}).exists(), field
    for case in cases().filter(state=CaseState.VERIFYING):
        assert case.handled_at is not None and case.due_at is not None
    numbers = list(cases().values_list("number", "created_at"))
    assert all(len(n) == 15 and n[:8] == f"{timezone.localtime(t):%Y%m%d}" for n, t in numbers)
    assert len({n for n, _ in numbers}) == COUNT


@pytest.mark.django_db
def test_actors_are_the_people_who_hold_those_roles(loaded):
    from accounts.models import User

    command = User.objects.get(username="command")
    task_events = CaseEvent.objects.filter(case__in=cases(), action__in=["accept_task", "report_back", "return_task"])
    assert task_events.exists()
    assert not task_events.filter(department=None).exists()
    assert not task_events.exclude(actor_role="department_handler").exists()
    dept_cg = User.objects.get(username="dept_cg")
    assert task_events.filter(actor=dept_cg).exists()
    assert CaseEvent.objects.filter(case__in=cases(), action="dispatch", actor=command).exists()
    grid_reports = CaseEvent.objects.filter(case__in=cases(), action="report", case__channel=Channel.GRID_WORKER)
    assert not grid_reports.filter(actor=None).exists()
    for event in grid_reports.select_related("actor", "case")[:50]:
        duties = event.actor.staff_assignments.filter(area_id=event.case.grid_id).exists()
        roles = event.actor.role_assignments.filter(area_id=event.case.grid_id).exists()
        assert duties or roles
    assert CaseEvent.objects.filter(case__in=cases(), action="rate", actor=None, actor_role="reporter").exists()


@pytest.mark.django_db
def test_loading_again_adds_nothing_and_reset_makes_the_same_cases(loaded):
    before = list(cases().order_by("external_id").values_list("external_id", "category__code", "state", "description"))
    out = StringIO()
    call_command("load_demo_cases", "--count", str(COUNT), stdout=out)
    assert "already has 300" in out.getvalue()
    # load_demo asks for the cases too (and finds them there)
    call_command("load_demo", *only("--no-cases"), "--password", "Demo-pass-2026", stdout=out)
    assert cases().count() == COUNT
    call_command("load_demo_cases", "--count", str(COUNT), "--reset", stdout=out)
    after = list(cases().order_by("external_id").values_list("external_id", "category__code", "state", "description"))
    assert after == before
    # nothing but the demo cases and load_demo's early-warning examples (earlywarning/demo.py)
    assert Case.objects.filter(district_code=QIBIN).exclude(description__startswith="【预警示例】").count() == COUNT

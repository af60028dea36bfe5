"""Two departments acting on the same case at the same moment: exactly one wins."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from cases import actions
from cases.actions import CaseConflict
from cases.models import Case, CaseEvent
from core.testing import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_departments_reporting_back_on_the_same_version_one_wins(loop, photo):
    case, _ = actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101",
                                  description="垃圾", lon=114.07, lat=35.6)
    actions.accept(loop.command, case)
    actions.file(loop.command, case)
    actions.dispatch(loop.command, case, departments=[loop.dept_cg, loop.dept_sz])
    actions.accept_task(loop.handler_cg, case)
    actions.accept_task(loop.handler_sz, case)
    seen = Case.objects.get(pk=case.pk)
    events = CaseEvent.objects.filter(case=case).count()
    results = race(
        lambda: actions.report_back(loop.handler_cg, seen, note="城管处理完毕", expected_version=seen.version),
        lambda: actions.report_back(loop.handler_sz, seen, note="市政处理完毕", expected_version=seen.version),
    )
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], CaseConflict)
    after = Case.objects.get(pk=case.pk)
    assert after.version == seen.version + 1
    assert CaseEvent.objects.filter(case=case).count() == events + 1
    assert after.tasks.filter(state="handled").count() == 1


def test_two_operators_dispatching_the_same_case_one_wins(loop, photo):
    case, _ = actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101",
                                  description="垃圾", lon=114.07, lat=35.6)
    actions.accept(loop.officer_a, case)  # the street owns it; the district may act on it too
    actions.file(loop.officer_a, case)
    seen = Case.objects.get(pk=case.pk)
    results = race(
        lambda: actions.dispatch(loop.command, seen, departments=[loop.dept_cg]),
        lambda: actions.dispatch(loop.officer_a, seen, departments=[loop.dept_sz]),
    )
    wins = [r for r in results if not isinstance(r, Exception)]
    assert len(wins) == 1, results
    loser = [r for r in results if isinstance(r, Exception)][0]
    if wins[0].owner_level == "district":
        # the district won and took the case over: the street no longer owns it at all
        assert isinstance(loser, PermissionDenied), results
    else:
        assert isinstance(loser, CaseConflict), results  # the street won; the district finds it dispatched
    assert Case.objects.get(pk=case.pk).tasks.count() == 1


def test_a_case_taken_over_while_waiting_for_its_lock_is_still_found(loop):
    """The district takes a street's case over (owner_area changes) while another action waits for
    the row lock: the waiting action must get the case as it now is, not lose it."""
    from django.db import transaction

    from cases.actions import _lock

    case, _ = actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101",
                                  description="垃圾", lon=114.07, lat=35.6)
    actions.accept(loop.officer_a, case)
    street = Case.objects.get(pk=case.pk).owner_area
    district = street.parent
    assert district is not None and district.pk != street.pk
    updated = threading.Event()

    def take_over():
        try:
            with transaction.atomic():
                Case.objects.filter(pk=case.pk).update(owner_area=district, owner_level="district")
                updated.set()
                if connection.vendor == "postgresql":  # hold the lock until the reader waits on it
                    with connection.cursor() as cursor:
                        for _ in range(200):
                            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                           " AND datname = current_database()")
                            if cursor.fetchone()[0]:
                                break
                            threading.Event().wait(0.02)
        finally:
            connection.close()

    writer = threading.Thread(target=take_over)
    writer.start()
    assert updated.wait(10)
    with transaction.atomic():
        locked = _lock(case.pk)
    writer.join(10)
    assert locked.owner_area_id == district.pk
    assert locked.owner_area.pk == district.pk

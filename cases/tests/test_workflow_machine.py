"""A hypothesis state machine: random actions by random people on a case. Whatever happens, an
action succeeds exactly when the transition table (through allowed_actions) allows it, a success
moves the case to the table's target state and appends exactly one timeline row, a refusal changes
nothing, and an open case always has exactly one owning area at a level that matches it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from cases import actions
from cases.access import allowed_actions, owner_level_of
from cases.choices import OPEN_STATES, OPEN_TASK_STATES
from cases.models import Case, CaseEvent, CaseTask
from cases.tests.conftest import make_photo
from cases.workflow import TRANSITIONS

PERSONAS = ["command", "leader", "officer_a", "officer_a1", "chief_a11", "worker_a11", "worker_b11",
            "handler_cg", "handler_sz", "handler_bcg", "stranger", "reporter"]
ACTIONS = sorted(TRANSITIONS)


def perform(name, user, case, cast, other):
    note = "理由说明"
    if name in ("accept", "file"):
        return getattr(actions, name)(user, case, note=note)
    if name in ("decline", "escalate", "void", "reopen"):
        return getattr(actions, name)(user, case, note=note)
    if name == "resolve":
        return actions.resolve(user, case, note=note, photos=[make_photo()])
    if name == "merge":
        return actions.merge(user, case, into=other, note=note)
    if name == "dispatch":
        return actions.dispatch(user, case, departments=[cast.dept_cg, cast.dept_sz], note=note)
    if name == "accept_task":
        return actions.accept_task(user, case, note=note)
    if name == "return_task":
        return actions.return_task(user, case, note=note)
    if name == "report_back":
        return actions.report_back(user, case, note=note, photos=[make_photo()])
    if name == "request_extension":
        return actions.request_extension(user, case, hours=4, note=note)
    if name in ("approve_extension", "refuse_extension"):
        task = CaseTask.objects.filter(case=case, extension_requested_hours__isnull=False).first() \
            or CaseTask.objects.filter(case=case).first()
        if task is None:
            raise ValidationError("no task")
        return actions.decide_extension(user, case, task=task, approve=name == "approve_extension", note=note)
    if name in ("verify_pass", "verify_fail"):
        return actions.verify(user, case, passed=name == "verify_pass", note=note, photos=[make_photo()])
    if name == "suspend":
        return actions.suspend(user, case, note=note, review_on=timezone.localdate() + dt.timedelta(days=7))
    if name == "resume":
        return actions.resume(user, case, note=note)
    if name in ("supervise", "remind"):
        return actions.supervise(user, case, note=note, remind_only=name == "remind")
    if name == "callback":
        return actions.callback(user, case, note=note, satisfied=True)
    if name == "rate":
        return actions.rate(case.tracking_code, rating=3)
    raise AssertionError(name)


def rate_allowed(case) -> bool:
    if case.state != "closed":
        return False
    if case.rating is None:
        return True
    return bool(case.rating_reopened and case.rated_at and case.closed_at and case.rated_at < case.closed_at)


@pytest.mark.django_db(transaction=False)
def test_random_actions_by_random_people_follow_the_table(loop):
    cast = loop

    class Workflow(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            self.case, _ = actions.report_case(cast.worker_a11, channel="grid_worker", category_code="E0101",
                                               description="随机测试", lon=114.07, lat=35.6)
            self.other, _ = actions.report_case(cast.worker_a11, channel="grid_worker", category_code="E0101",
                                                description="合并目标", lon=114.071, lat=35.601)
            self.successes = 0

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        @rule(persona=st.sampled_from(PERSONAS), name=st.sampled_from(ACTIONS))
        def act(self, persona, name):
            case = Case.objects.get(pk=self.case.pk)
            if name == "rate":
                # rating takes the tracking code, not a login: whoever holds the code may rate
                expected_ok = rate_allowed(case)
                user = None
            elif persona == "reporter":
                expected_ok = False
                user = None
            else:
                user = cast.users[persona]
                if hasattr(user, "_gridgov_scope"):
                    del user._gridgov_scope
                expected_ok = name != "rate" and name in allowed_actions(user, case)
            events_before = CaseEvent.objects.filter(case=case).count()
            version_before = case.version
            try:
                perform(name, user, case, cast, self.other)
                ok = True
            except (PermissionDenied, ValidationError):
                ok = False
            after = Case.objects.get(pk=case.pk)
            assert ok == expected_ok, (persona, name, case.state, ok, expected_ok)
            if ok:
                self.successes += 1
                assert CaseEvent.objects.filter(case=case).count() == events_before + 1, name
                assert after.version > version_before
                target = TRANSITIONS[name].to_state
                if target is not None and name != "rate":
                    assert after.state == target, (name, after.state)
                if name == "rate" and case.rating is None and after.state == "filed":
                    assert after.rating <= 2
            else:
                assert CaseEvent.objects.filter(case=case).count() == events_before
                assert after.version == version_before and after.state == case.state

        @invariant()
        def one_owner_per_open_case(self):
            case = Case.objects.select_related("owner_area").get(pk=self.case.pk)
            if case.state in OPEN_STATES:
                assert case.owner_area_id is not None
                assert owner_level_of(case.owner_area) == case.owner_level
                assert case.area_path.startswith(case.owner_area.path)
            open_tasks = CaseTask.objects.filter(case=case, state__in=OPEN_TASK_STATES).count()
            if case.state in ("dispatched", "handling"):
                assert open_tasks >= 1 or case.state == "handling"
            if case.state not in ("dispatched", "handling", "suspended"):
                assert open_tasks == 0, (case.state, open_tasks)

    Workflow.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None,
                                          suppress_health_check=list(HealthCheck))
    Workflow.TestCase().runTest()

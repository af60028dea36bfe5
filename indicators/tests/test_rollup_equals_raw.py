"""The daily rollup agrees with the case tables: every count-type indicator, for every area level,
department, department-within-area and major category, over months and arbitrary periods, on
seeded random case logs — after a full build, and after incremental runs that follow changes
(reopened, closed, extended, suspended, re-rated cases, new cases, changed tasks, new escalations)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from indicators.definitions import ROLLUP_COUNTS, Period, ScopeFilter, counts
from indicators.models import DailyCount, RollupState
from indicators.rollups import update_rollups
from indicators.tests.randomcases import DAYS, SH, START, Generator

pytestmark = pytest.mark.django_db


def scopes(world):
    from cases.models import Category

    major = Category.objects.get(code="E01")
    return [
        ScopeFilter(),
        ScopeFilter(area=world.district),
        ScopeFilter(area=world.street_a),
        ScopeFilter(area=world.street_b),
        ScopeFilter(area=world.community_a1),
        ScopeFilter(area=world.grid_a11),
        ScopeFilter(area=world.grid_a12),
        ScopeFilter(area=world.grid_b11),
        ScopeFilter(paths=(world.grid_a12.path, world.street_b.path)),
        ScopeFilter(department=world.dept_cg),
        ScopeFilter(department=world.dept_sz),
        ScopeFilter(department=world.dept_bcg),
        ScopeFilter(department=world.dept_cg, area=world.street_b),
        ScopeFilter(area=world.district, category=major),
    ]


def periods(rng: random.Random):
    found = [Period.month(2026, m) for m in (9, 10, 11, 12)] + [Period.quarter(2026, 4),
                                                                 Period(START, START + dt.timedelta(days=DAYS + 10))]
    for _ in range(6):
        start = START + dt.timedelta(days=rng.randrange(-3, DAYS))
        found.append(Period(start, start + dt.timedelta(days=rng.choice([1, 1, 2, 7, 30]))))
    return found


def assert_agree(world, rng):
    compared = 0
    for scope in scopes(world):
        for period in periods(rng):
            rolled = counts(scope, period, source="rollup")
            raw = counts(scope, period, source="raw")
            assert rolled == raw, (scope, period, {k: (rolled[k], raw[k]) for k in rolled if rolled[k] != raw[k]})
            compared += 1
    # the group-by forms used by the rankings agree too
    period = Period.month(2026, 10)
    for group_by in ("grid_id", "department_id"):
        scope = ScopeFilter(area=world.district)
        rolled = counts(scope, period, source="rollup", group_by=group_by)
        raw = counts(scope, period, source="raw", group_by=group_by)
        keys = set(rolled) | set(raw)
        for key in keys:
            a, b = rolled.get(key), raw.get(key)
            if a is None or b is None:  # a group with nothing in the period on one side
                present = a or b
                assert all(not v for v in present.values()), (group_by, key, present)
            else:
                assert a == b, (group_by, key)
    return compared


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_equals_raw_for_every_count_on_random_cases(loop, seed):
    rng = random.Random(seed * 7919)
    generator = Generator(loop, seed)
    for _ in range(140):
        generator.case()
    first = dt.datetime(2026, 12, 20, 9, 0, tzinfo=SH)
    result = update_rollups(now=first)
    assert result["full"] is True and DailyCount.objects.exists()
    totals = counts(ScopeFilter(), Period(START, START + dt.timedelta(days=DAYS + 10)))
    assert totals["reports"] == 140 and totals["due"] > 0 and totals["tasks"] > 0 and totals["escalations"] > 0
    assert assert_agree(loop, rng) > 100

    # changes after the run: the next run picks them up through timeline rows, updated_at and new ids
    from cases.models import Case

    changed_at = first + dt.timedelta(hours=3)
    for case in rng.sample(list(Case.objects.all()), 45):
        generator.mutate(case, changed_at)
    for _ in range(15):
        generator.case()
    # a case loaded in bulk with its timeline dated in the past: an escalation on a day of its own
    from cases.models import CaseEvent

    loaded = generator.case(dt.datetime(2026, 10, 2, 10, 0, tzinfo=SH))
    CaseEvent.objects.create(case=loaded, action="escalate", created_at=dt.datetime(2026, 10, 7, 10, 0, tzinfo=SH),
                             data={"to_level": "district", "to_area": "410611"})
    second = update_rollups(now=first + dt.timedelta(hours=6))
    assert second["full"] is False and second["cases"] >= 15 and second["days"] > 0
    assert assert_agree(loop, rng) > 100

    # the deadline sweep alone: overdue rows that move cases up, on a day nothing else counts on
    swept_at = first + dt.timedelta(days=2, hours=1)
    for case in rng.sample(list(Case.objects.all()), 5):
        CaseEvent.objects.create(case=case, action="overdue", from_state=case.state, created_at=swept_at,
                                 data={"escalated_to": loop.street_a.pk})
    third = update_rollups(now=swept_at + dt.timedelta(minutes=1))
    assert third["cases"] == 5
    assert counts(ScopeFilter(), Period(swept_at.date(), swept_at.date() + dt.timedelta(days=1)))[
        "escalations_to_street"] == 5
    assert assert_agree(loop, rng) > 100

    # a run with nothing new changes nothing (and a repeat over the same lag window is idempotent)
    before = sorted(DailyCount.objects.values_list(*["day", "grid_id", "channel", "department_id", *ROLLUP_COUNTS]),
                    key=repr)
    update_rollups(now=swept_at + dt.timedelta(minutes=2))
    after = sorted(DailyCount.objects.values_list(*["day", "grid_id", "channel", "department_id", *ROLLUP_COUNTS]),
                   key=repr)
    assert before == after
    assert RollupState.objects.get().max_case_id == Case.objects.order_by("-pk").first().pk

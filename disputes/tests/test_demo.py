"""The demo loaders of disputes, meetings and grid tasks: plausible, varied, fast, run once."""

import time

import pytest

from disputes.demo import load_demo_disputes
from disputes.models import Dispute
from gridtasks.demo import load_demo_gridtasks
from gridtasks.models import GridTask, GridTaskPart
from meetings.demo import load_demo_meetings
from meetings.models import Decision, Meeting


@pytest.mark.django_db
def test_the_demo_community_work(people):
    cast = people
    started = time.monotonic()
    assert load_demo_disputes(cast.district, count=40) == 40  # the demo makes 150
    assert load_demo_meetings(cast.district, count=8) == 8  # the demo makes 20
    made = load_demo_gridtasks(cast.district)
    elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed
    states = set(Dispute.objects.values_list("state", flat=True))
    assert {"registered", "mediating", "settled"} <= states
    assert Dispute.objects.filter(stages__kind="judicial").exists() or \
        Dispute.objects.filter(stages__kind="administrative").exists()
    assert Decision.objects.overdue().exists() and Decision.objects.filter(state="done").exists()
    assert Meeting.objects.count() == 8
    assert made >= 4 and GridTaskPart.objects.filter(done__gt=0, completed_at__isnull=True).exists()
    # a second run adds nothing
    assert (load_demo_disputes(cast.district), load_demo_meetings(cast.district),
            load_demo_gridtasks(cast.district)) == (0, 0, 0)
    assert GridTask.objects.count() == made


@pytest.mark.django_db
def test_the_registry_demo_reset_releases_parties_and_task_items(people):
    """load_demo_registry --reset raw-deletes demo residents: disputes and grid tasks pointing at
    them let go (SET_NULL) instead of blocking it."""
    from disputes import actions as dispute_actions
    from disputes.models import DisputeParty
    from gridtasks.models import GridTaskItem
    from registry.demo import MARKER, delete_demo_registry
    from registry.models import Dwelling

    cast = people
    Dwelling.objects.filter(grid=cast.grid_a11).update(external_key=MARKER + "x")
    dispute_actions.register_dispute(None, grid=cast.grid_a11, title="t", description="d", kind="family",
                                     source="visit", parties=[{"person": cast.resident_a, "role": "applicant"}])
    load_demo_gridtasks(cast.district, count=4)
    assert GridTaskItem.objects.filter(household__grid=cast.grid_a11).exists()
    delete_demo_registry(cast.district.district_code)
    assert DisputeParty.objects.get().person_id is None
    assert not GridTaskItem.objects.filter(household__grid=cast.grid_a11).exists()


@pytest.mark.django_db
def test_the_demo_history_is_mostly_on_time(people):
    """The finished demo decisions and grid-task items the assessment judges were mostly done by
    their deadlines (neither all late nor all missing), and nothing is done in the future."""
    from django.db.models import F
    from django.utils import timezone

    from gridtasks.models import GridTaskItem

    cast = people
    load_demo_meetings(cast.district, count=8)
    load_demo_gridtasks(cast.district, count=2, history=6)
    now = timezone.now()
    done = Decision.objects.filter(state="done")
    assert done.exists() and not done.filter(done_at__gt=now).exists()
    on_time = done.filter(done_at__lte=F("due_at")).count()
    assert on_time / done.count() >= 0.6, (on_time, done.count())
    items = GridTaskItem.objects.filter(state="done", part__due_at__lt=now)
    assert items.exists() and not items.filter(completed_at__gt=now).exists()
    assert items.filter(completed_at__lte=F("part__due_at")).count() / items.count() >= 0.6

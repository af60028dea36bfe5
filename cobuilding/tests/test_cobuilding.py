"""Co-building: needs matched to resources through the match states; projects with dates and outcome."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cobuilding import actions
from cobuilding.models import ListEntry


def test_a_match_moves_through_its_states_and_closes_the_need(world):
    match = world.match_a
    assert ListEntry.objects.get(pk=world.need_a.pk).state == "matched"
    with pytest.raises(ValidationError):
        actions.propose_match(None, need=world.need_a, resource=world.resource_a)  # already matched
    with pytest.raises(ValidationError):
        actions.move_match(None, match, to="done")  # proposed → done is not allowed
    actions.move_match(world.cast.officer_a1, match, to="agreed")
    actions.move_match(world.cast.officer_a1, match, to="done")
    assert ListEntry.objects.get(pk=world.need_a.pk).state == "closed"
    with pytest.raises(ValidationError):
        actions.propose_match(None, need=world.resource_a, resource=world.need_a)
    with pytest.raises(PermissionDenied):
        actions.move_match(world.cast.officer_b, match, to="cancelled")


def test_cancelling_the_only_match_reopens_the_need(world):
    actions.move_match(None, world.match_a, to="cancelled")
    assert ListEntry.objects.get(pk=world.need_a.pk).state == "open"
    again = actions.propose_match(None, need=world.need_a, resource=world.resource_a)
    assert again.state == "proposed"


def test_projects_validate_dates_and_outcome(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as info:
        actions.save_project(None, area=world.cast.community_a1, title="", owner="", starts_on=today,
                             ends_on=today - dt.timedelta(days=1), state="finished")
    assert {"title", "owner", "ends_on"} <= set(info.value.error_dict)
    project = actions.save_project(None, area=world.cast.community_a1, title="t", owner="o", starts_on=today,
                                   state="finished", outcome="服务120人次", project=world.project_a)
    assert project.outcome == "服务120人次" and project.pk == world.project_a.pk

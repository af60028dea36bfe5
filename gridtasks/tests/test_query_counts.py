"""The list pages of disputes, meetings and grid tasks need a bounded number of queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import actions as dispute_actions
from gridtasks import actions as task_actions
from meetings import actions as meeting_actions


@pytest.mark.django_db
def test_list_pages_have_bounded_query_counts(client, people, django_assert_max_num_queries):
    cast = people
    for i in range(6):
        d = dispute_actions.register_dispute(None, grid=cast.grid_a11, title=f"纠纷{i}", description="x",
                                             kind="neighbour", source="visit",
                                             parties=[{"name": "刘大海", "role": "applicant"}])
        dispute_actions.start_mediation(None, d, kind="people", mediators="调委会")
        task_actions.send_task(None, sender_area=cast.street_a, title=f"任务{i}", due_at=timezone.now()
                               + dt.timedelta(days=1), grids=[cast.grid_a11, cast.grid_a12], items=["a", "b"])
        m = meeting_actions.convene_meeting(None, area=cast.street_a, title=f"会议{i}", agenda="议程",
                                            held_at=timezone.now(), departments=[cast.dept_cg])
        meeting_actions.add_decision(None, m, text="事项", owner_department=cast.dept_cg, working_days=1,
                                     now=timezone.now() - dt.timedelta(days=5))
    task = task_actions.send_task(None, sender_area=cast.street_a, title="走访", due_at=timezone.now()
                                  + dt.timedelta(days=1), kind="households", grids=[cast.grid_a11, cast.grid_a12])
    pages = [("officer_a", reverse("disputes:list")), ("officer_a", reverse("meetings:list")),
             ("officer_a", reverse("meetings:decisions")), ("officer_a", reverse("gridtasks:list")),
             ("officer_a", reverse("gridtasks:detail", args=[task.pk])),
             ("officer_a", reverse("gridtasks:progress", args=[task.pk])),
             ("worker_a11", reverse("gridtasks:mine")), ("handler_cg", reverse("meetings:list"))]
    for who, url in pages:
        client.force_login(cast.users[who])
        client.get(url)  # warm the per-process caches (scope, calendar)
        with django_assert_max_num_queries(20):
            response = client.get(url)
        assert response.status_code == 200, url

"""Volunteer and party members' service hours and co-building needs in the assessment
(indicators/community.py), worked out by hand on November 2026 (local time, Asia/Shanghai):

Volunteer sign-ups, checked out (hours):
  activity of community A1: 2.5 h on 3 Nov (done), 1.5 h on 30 Nov 23:30 (done), 4 h on 1 Dec 00:30
    (December locally, still 30 Nov in UTC: not counted), one checked in but never out (not counted)
  activity of community B1: 2 h on 10 Nov (done)
  → community A1 4.0 h, community B1 2.0 h; street A 4.0, street B 2.0
Party service logs (served on, hours, state), office organizations of A1 and B1:
  A1: 5 Nov 3.0 confirmed, 6 Nov 2.0 logged (not yet confirmed: not counted), 31 Oct 4.0 confirmed
      (outside); B1: 20 Nov 1.5 confirmed, 21 Nov 2.5 rejected (not counted)
  → A1 3.0, B1 1.5
Needs list (created in November): A1 two needs, one resource (not a need); B1 one need
Matches done in November: A1 one; B1 none (one proposed)
  → A1 raised 2, met 1; B1 raised 1, met 0
Grid tasks of a cancelled task are never due (the cancelled part's item is not counted).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from disputes.tests.conftest import people  # noqa: F401 - the fixture: the cast with residents
from indicators import community
from indicators.definitions import Period

SH = ZoneInfo("Asia/Shanghai")
NOV = Period.month(2026, 11)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def engaged(people):  # noqa: F811 - the imported fixture
    from cobuilding.models import ListEntry, Match
    from party.models import OfficeOrganization, ServiceLog
    from volunteers.models import Activity, SignUp, Volunteer

    cast = people

    def placed(model, area, **fields):
        row = model(**fields)
        row.place_in(area)
        row.save()
        return row

    def volunteer(person, grid):
        return placed(Volunteer, grid, person=person, consent_at=at(1), consent_version="v1")

    a1 = placed(Activity, cast.community_a1, title="清理楼道", place="甲一小区", starts_at=at(3, 8),
                ends_at=at(3, 12), capacity=10)
    b1 = placed(Activity, cast.community_b1, title="敬老", place="乙一小区", starts_at=at(10, 8),
                ends_at=at(10, 12), capacity=10)
    va, va2, va12, vb = (volunteer(cast.resident_a, cast.grid_a11), volunteer(cast.resident_a2, cast.grid_a11),
                         volunteer(cast.resident_a12, cast.grid_a12), volunteer(cast.resident_b, cast.grid_b11))
    a1_late = placed(Activity, cast.community_a1, title="夜间巡逻", place="甲一小区", starts_at=at(30, 19),
                     ends_at=at(30, 23, 59), capacity=10)
    SignUp.objects.create(activity=a1, volunteer=va, state="done", checked_in_at=at(3, 8),
                          checked_out_at=at(3, 10, 30), hours=Decimal("2.5"))
    SignUp.objects.create(activity=a1_late, volunteer=va, state="done", checked_in_at=at(30, 22),
                          checked_out_at=at(30, 23, 30), hours=Decimal("1.5"))
    SignUp.objects.create(activity=a1_late, volunteer=va2, state="done", checked_in_at=at(30, 20, 30),
                          checked_out_at=at(1, 0, 30, month=12), hours=Decimal("4"))
    SignUp.objects.create(activity=a1, volunteer=va12, state="checked_in", checked_in_at=at(3, 8))
    SignUp.objects.create(activity=b1, volunteer=vb, state="done", checked_in_at=at(10, 8),
                          checked_out_at=at(10, 10), hours=Decimal("2"))

    office_a = placed(OfficeOrganization, cast.community_a1, name="区城管局党支部")
    office_b = placed(OfficeOrganization, cast.community_b1, name="区城管局党支部")
    for office, area, day, hours, state in [
            (office_a, cast.community_a1, dt.date(2026, 11, 5), "3.0", "confirmed"),
            (office_a, cast.community_a1, dt.date(2026, 11, 6), "2.0", "logged"),
            (office_a, cast.community_a1, dt.date(2026, 10, 31), "4.0", "confirmed"),
            (office_b, cast.community_b1, dt.date(2026, 11, 20), "1.5", "confirmed"),
            (office_b, cast.community_b1, dt.date(2026, 11, 21), "2.5", "rejected")]:
        placed(ServiceLog, area, office=office, served_on=day, hours=Decimal(hours), description="服务", state=state)

    need_a = placed(ListEntry, cast.community_a1, kind="need", title="老人助餐")
    placed(ListEntry, cast.community_a1, kind="need", title="楼道照明")
    resource_a = placed(ListEntry, cast.community_a1, kind="resource", title="物业维修队")
    need_b = placed(ListEntry, cast.community_b1, kind="need", title="儿童托管")
    resource_b = placed(ListEntry, cast.community_b1, kind="resource", title="志愿教师")
    placed(Match, cast.community_a1, need=need_a, resource=resource_a, state="done")
    placed(Match, cast.community_b1, need=need_b, resource=resource_b, state="proposed")
    # created and changed "now" by auto_now(_add): set their November moments
    ListEntry.objects.update(created_at=at(12))
    Match.objects.update(updated_at=at(15))
    return cast


@pytest.mark.django_db
def test_service_hours_and_needs_by_hand(engaged):
    cast = engaged
    areas = [cast.street_a, cast.street_b, cast.community_a1, cast.community_b1, cast.grid_a11]
    got = community.area_figures(areas, None, NOV, now=at(2, 10, month=12))
    keys = ("volunteer_hours", "party_service_hours", "needs_raised", "needs_met")
    assert {a.pk: tuple(got[a.pk][k] for k in keys) for a in areas} == {
        cast.street_a.pk: (4.0, 3.0, 2, 1), cast.community_a1.pk: (4.0, 3.0, 2, 1),
        cast.street_b.pk: (2.0, 1.5, 1, 0), cast.community_b1.pk: (2.0, 1.5, 1, 0),
        cast.grid_a11.pk: (0.0, 0.0, 0, 0),  # recorded at the community, not the grid
    }
    # on a street officer's paths only: street B's figures are not counted
    only_a = community.area_figures([cast.street_b], (cast.street_a.path,), NOV, now=at(2, 10, month=12))
    assert tuple(only_a[cast.street_b.pk][k] for k in keys) == (0.0, 0.0, 0, 0)


@pytest.mark.django_db
def test_the_items_of_a_cancelled_grid_task_are_never_due(people):  # noqa: F811
    from gridtasks import actions
    from gridtasks.models import GridTask, GridTaskPart

    cast = people
    with time_machine.travel(at(18), tick=False):
        task = actions.send_task(None, sender_area=cast.community_a1, title="核查独居老人", instructions="逐户核查",
                                 kind="special_group", due_at=at(20, 18), grids=[cast.grid_a11],
                                 special_group="elderly_alone")
    figures = lambda: community.area_figures([cast.community_a1], None, NOV, now=at(2, 10, month=12))  # noqa: E731
    assert figures()[cast.community_a1.pk]["gridtask_items_due"] >= 1
    GridTask.objects.filter(pk=task.pk).update(cancelled_at=at(19))
    assert GridTaskPart.objects.filter(task=task).exists()
    assert figures()[cast.community_a1.pk]["gridtask_items_due"] == 0

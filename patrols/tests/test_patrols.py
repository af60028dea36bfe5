"""Patrols: start/points/end with the track checks, distance and coverage, a case reported on the
way linked to its patrol, home visits (note encrypted, masked, audited), and missed patrols."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditLog
from patrols import actions, selectors
from patrols.geo import LocalFrame, haversine
from patrols.models import HomeVisit, Patrol, PatrolCase


def pts(start, *coords, step=60):
    return [{"lon": lon, "lat": lat, "accuracy": 10, "at": (start + dt.timedelta(seconds=step * (i + 1))).isoformat()}
            for i, (lon, lat) in enumerate(coords)]


def test_a_patrol_records_its_track_refuses_bad_points_and_measures_distance_and_coverage(cast):
    worker = cast.worker_a11
    start = timezone.now() - dt.timedelta(minutes=30)
    patrol = actions.start_patrol(worker, at=start)
    assert patrol.grid == cast.grid_a11
    with pytest.raises(ValidationError):
        actions.start_patrol(worker)  # one active patrol per worker
    good = pts(start, (114.07, 35.60), (114.071, 35.60), (114.072, 35.60))
    result = actions.add_points(worker, patrol, good)
    assert result["accepted"] == 3 and result["rejected"] == 0
    expected = haversine(114.07, 35.6, 114.071, 35.6) + haversine(114.071, 35.6, 114.072, 35.6)
    assert result["distance_m"] == pytest.approx(expected, abs=0.5)
    bad = [
        {"lon": "x", "lat": 35.6, "at": (start + dt.timedelta(minutes=5)).isoformat()},  # malformed
        {"lon": 114.073, "lat": 35.6, "at": (start + dt.timedelta(minutes=1)).isoformat()},  # earlier than the last
        {"lon": 114.9, "lat": 35.6, "at": (start + dt.timedelta(minutes=6)).isoformat()},  # far outside the grid
        {"lon": 114.12, "lat": 35.6, "at": (start + dt.timedelta(minutes=3, seconds=5)).isoformat()},  # 4 km in 5 s
        {"lon": 114.073, "lat": 35.6, "accuracy": 900, "at": (start + dt.timedelta(minutes=7)).isoformat()},
        {"lon": 114.073, "lat": 35.6, "at": (timezone.now() + dt.timedelta(hours=1)).isoformat()},  # future
    ]
    result = actions.add_points(worker, patrol, bad)
    assert result["accepted"] == 0 and result["rejected"] == 6
    assert set(result["reasons"]) == {"malformed", "order", "outside", "speed", "imprecise", "time"}
    with pytest.raises(PermissionDenied):
        actions.add_points(cast.chief_a11, patrol, good)
    ended = actions.end_patrol(worker, patrol)
    assert ended.state == "ended" and ended.point_count == 3
    assert 0 <= ended.coverage < 0.001  # a 180 m walk in a grid of 13 × 28 km
    with pytest.raises(ValidationError):
        actions.add_points(worker, patrol, pts(start, (114.073, 35.6), step=600))
    assert AuditLog.objects.filter(action__in=["patrol.start", "patrol.end"]).count() == 2


def test_coverage_is_the_share_of_50m_cells_near_the_track():
    square = {"type": "Polygon", "coordinates": [[[114.0, 35.5], [114.01, 35.5], [114.01, 35.51], [114.0, 35.51],
                                                   [114.0, 35.5]]]}
    frame = LocalFrame(square)
    cells = len(frame.cells())
    assert 350 < cells < 450  # about 900 m × 1100 m in 50 m cells
    across = frame.coverage([(114.0, 35.505), (114.01, 35.505)])
    # a line across covers one or two rows of cells out of ~22
    assert 1 / 25 < across < 3 / 20
    zigzag = [(114.0 + 0.01 * (i % 2), 35.5 + 0.0005 * i) for i in range(21)]
    assert frame.coverage(zigzag) > 0.5
    assert frame.coverage([]) == 0.0


def test_a_problem_reported_on_the_way_becomes_a_case_linked_to_the_patrol(cast, settings, tmp_path):
    from cases.catalog import load_default_catalog

    settings.MEDIA_ROOT = str(tmp_path)
    load_default_catalog()
    patrol = actions.start_patrol(cast.worker_a11)
    case, created = actions.report_on_patrol(cast.worker_a11, patrol, category_code="E0101", description="垃圾堆放",
                                             lon=114.07, lat=35.6, idempotency_key="k1")
    assert created and case.channel == "grid_worker"
    again, created_again = actions.report_on_patrol(cast.worker_a11, patrol, category_code="E0101",
                                                    description="垃圾堆放", lon=114.07, lat=35.6, idempotency_key="k1")
    assert not created_again and again.pk == case.pk
    assert PatrolCase.objects.filter(patrol=patrol).count() == 1
    with pytest.raises(ValidationError):
        actions.report_on_patrol(cast.worker_a11, patrol, category_code="E0101", description="",
                                 lon=114.07, lat=35.6)
    assert PatrolCase.objects.count() == 1


def test_home_visits_keep_the_note_encrypted_and_are_scoped(world):
    cast = world.cast
    visit = actions.record_visit(cast.worker_a11, household=world.household_a, finding="needs_help",
                                 note="老人独居，行动不便")
    raw = HomeVisit.objects.filter(pk=visit.pk).values_list("note_enc", flat=True).get()
    assert "独居" not in raw and visit.note == "老人独居，行动不便"
    log = AuditLog.objects.get(action="patrol.visit")
    assert "独居" not in str(log.after) + log.object_repr
    with pytest.raises(PermissionDenied):
        actions.record_visit(cast.worker_b11, household=world.household_a)
    with pytest.raises(ValidationError):
        actions.record_visit(cast.worker_a11, household=world.household_a, finding="safety", note="")


def test_missed_patrols_count_working_half_days_without_a_patrol(cast):
    from core.workcalendar import get_calendar

    calendar = get_calendar()
    day = timezone.localdate() - dt.timedelta(days=7)
    while not calendar.is_workday(day):
        day -= dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    morning = dt.datetime.combine(day, dt.time(9), tzinfo=tz)
    Patrol.objects.create(worker=cast.worker_a11, grid=cast.grid_a11, area_path=cast.grid_a11.path,
                          district_code="410611", state="ended", started_at=morning,
                          ended_at=morning + dt.timedelta(hours=1), distance_m=2500, coverage=0.2)
    rows = {r["grid"].pk: r for r in selectors.grid_coverage([cast.grid_a11, cast.grid_a12], day, day)}
    assert rows[cast.grid_a11.pk]["expected"] == 2
    assert rows[cast.grid_a11.pk]["missed"] == 1  # the afternoon
    assert rows[cast.grid_a12.pk]["missed"] == 2
    assert rows[cast.grid_a11.pk]["distance_km"] == 2.5
    workers = selectors.worker_coverage(Patrol.objects.all(), day, day)
    assert workers[0]["patrols"] == 1 and workers[0]["coverage"] == 0.2

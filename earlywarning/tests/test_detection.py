"""The detection rules on hand-built case logs; every expected warning is worked out by hand in the
comments (defaults: cluster N = 3 within R = 300 m in 7 days; rise: this week ≥ 5 and above
μ + 3·max(σ, √μ, 1) of the previous 8 weeks; repeat reporter: ≥ 3 in 30 days or ≥ 2 of one minor
category within 300 m)."""

import datetime as dt

import pytest

from earlywarning.detection import common_path, detect, distance_m
from earlywarning.models import EarlyWarning, ReporterKey
from earlywarning.tests.conftest import BASE_A, BASE_B, NOW, east, north

pytestmark = pytest.mark.django_db


def warnings(kind):
    return list(EarlyWarning.objects.filter(kind=kind).order_by("id"))


# --- geometry helpers ---------------------------------------------------------------------------


def test_distances_are_great_circle_metres():
    assert distance_m(*BASE_A, *north(BASE_A, 300)) == pytest.approx(300, abs=0.01)
    assert distance_m(*BASE_A, *east(BASE_A, 250)) == pytest.approx(250, abs=0.5)
    assert common_path(["/1/2/3/4/", "/1/2/3/5/"]) == "/1/2/3/"
    assert common_path(["/1/2/3/4/", "/1/2/3/4/"]) == "/1/2/3/4/"


# --- cluster ------------------------------------------------------------------------------------


def test_three_reports_within_300_m_make_one_cluster(log):
    # 0 m, 150 m, 290 m north: the middle report has both others within 300 m (150 and 140 m)
    cases = [log.case(north(BASE_A, d), days_ago=a) for d, a in ((0, 1), (150, 2), (290, 3))]
    result = detect(now=NOW)
    [w] = warnings("cluster")
    assert (w.count, w.category_id, w.area_id, w.state) == (3, log.pothole.pk, log.cast.grid_a11.pk, "open")
    assert sorted(w.case_ids) == sorted(c.pk for c in cases)
    assert (w.first_case_id, w.last_case_id) == (cases[2].pk, cases[0].pk)  # oldest first
    # centre: the mean of the three points, 146.7 m north of the base; radius: the farthest, 146.7 m
    assert w.center_lat == pytest.approx(north(BASE_A, 440 / 3)[1], abs=1e-9)
    assert w.radius_m == 147
    assert result["raised"] >= 1


def test_two_reports_do_not_make_a_cluster(log):
    log.case(north(BASE_A, 0))
    log.case(north(BASE_A, 100))
    detect(now=NOW)
    assert warnings("cluster") == []


def test_301_m_apart_do_not_make_a_cluster(log):
    # 0, 301, 602 m: every pair is 301 m or more apart, nobody has a neighbour within 300 m
    for d in (0, 301, 602):
        log.case(north(BASE_A, d))
    detect(now=NOW)
    assert warnings("cluster") == []


def test_another_category_does_not_count(log):
    log.case(north(BASE_A, 0))
    log.case(north(BASE_A, 50))
    log.case(north(BASE_A, 100), category=log.litter)
    detect(now=NOW)
    assert warnings("cluster") == []


def test_a_report_older_than_seven_days_and_a_voided_one_do_not_count(log):
    log.case(north(BASE_A, 0), days_ago=1)
    log.case(north(BASE_A, 50), days_ago=6.9)
    log.case(north(BASE_A, 100), days_ago=7.1)
    log.case(north(BASE_A, 120), days_ago=1, state="voided")
    detect(now=NOW)
    assert warnings("cluster") == []


def test_a_cluster_across_two_grids_belongs_to_their_community(log):
    edge = (114.15, 35.6)  # the border of grids A1-1 and A1-2
    log.case(east(edge, -100))
    log.case(east(edge, 20))
    log.case(east(edge, 120))
    detect(now=NOW)
    [w] = warnings("cluster")
    assert w.area_id == log.cast.community_a1.pk


def test_two_separate_clusters_of_one_category(log):
    # one group at the base, one 1 km north: far apart, two warnings
    for d in (0, 50, 100, 1000, 1050, 1100):
        log.case(north(BASE_A, d))
    detect(now=NOW)
    assert sorted(w.count for w in warnings("cluster")) == [3, 3]


def test_a_running_cluster_updates_its_warning_and_a_closed_one_stays_closed(log):
    from earlywarning.actions import close_warning

    for d in (0, 100, 200):
        log.case(north(BASE_A, d))
    detect(now=NOW)
    detect(now=NOW)
    [w] = warnings("cluster")
    assert w.count == 3
    fourth = log.case(north(BASE_A, 250), days_ago=0.5)
    detect(now=NOW)
    [w] = warnings("cluster")  # the same row, grown
    assert w.count == 4 and fourth.pk in w.case_ids
    close_warning(None, w.pk, "已安排修补")
    detect(now=NOW)
    assert [x.state for x in warnings("cluster")] == ["closed"]  # nothing new since the closure
    log.case(north(BASE_A, 120), days_ago=0.1)
    detect(now=NOW)
    states = [x.state for x in warnings("cluster")]
    assert states == ["closed", "open"]  # a new report at the closed place raises a new warning
    assert warnings("cluster")[1].count == 5


# --- rise ---------------------------------------------------------------------------------------


def _weekly(log, counts, category=None, base=BASE_A, spacing=400):
    """counts[0] reports this week, counts[i] in week i before; every report 400 m from the next,
    so no cluster forms."""
    n = 0
    for week, count in enumerate(counts):
        for k in range(count):
            log.case(north(base, spacing * n), category=category, days_ago=7 * week + 0.5 + k * 0.1)
            n += 1


def test_a_clear_rise_over_the_previous_weeks(log):
    # previous 8 weeks 1,0,1,2,1,0,1,2: μ = 1, σ = √(4/8) = 0.71, spread max(0.71, √1, 1) = 1;
    # threshold 1 + 3·1 = 4; this week 5 ≥ MIN 5 and > 4: a rise, score (5 − 1)/1 = 4
    _weekly(log, [5, 1, 0, 1, 2, 1, 0, 1, 2])
    detect(now=NOW)
    [w] = warnings("rise")
    assert (w.count, w.baseline, w.score, w.area_id) == (5, 1.0, 4.0, log.cast.community_a1.pk)
    assert len(w.case_ids) == 5


def test_below_the_minimum_is_no_rise(log):
    _weekly(log, [4, 0, 0, 0, 0, 0, 0, 0, 0])  # 4 < MIN 5
    detect(now=NOW)
    assert warnings("rise") == []


def test_within_the_usual_spread_is_no_rise(log):
    # previous weeks all 4: μ = 4, σ = 0, spread √4 = 2, threshold 4 + 6 = 10; this week 9 is not above
    _weekly(log, [9, 4, 4, 4, 4, 4, 4, 4, 4], spacing=150)
    detect(now=NOW)
    assert warnings("rise") == []


def test_a_rise_is_counted_per_community_over_its_grids(log):
    # 3 reports in grid A1-1 and 3 in grid A1-2, none before: community A1 has 6 > 0 + 3·1
    for i in range(3):
        log.case(north(BASE_A, 400 * i))
        log.case(north((114.2, 35.6), 400 * i))
    detect(now=NOW)
    [w] = warnings("rise")
    assert (w.count, w.baseline, w.area_id) == (6, 0.0, log.cast.community_a1.pk)


# --- repeat reporter ----------------------------------------------------------------------------


def test_three_reports_by_one_phone_in_30_days(log):
    from core.crypto import blind_index

    phone = "13800138000"
    cases = [log.case(north(BASE_A, 2000 * i), category=cat, days_ago=days, phone=phone)
             for i, (cat, days) in enumerate([(log.pothole, 2), (log.litter, 12), (log.pothole, 29)])]
    log.case(north(BASE_A, 9000), days_ago=31, phone=phone)  # outside the 30 days
    log.case(north(BASE_A, 9500), days_ago=1, phone="13900139000")  # someone else
    detect(now=NOW)
    [w] = warnings("repeat_reporter")
    assert w.count == 3 and sorted(w.case_ids) == sorted(c.pk for c in cases)
    assert w.reporter_key == blind_index(f"tel:{phone}") and phone not in w.reporter_key
    assert w.category_id is None  # two categories
    assert ReporterKey.objects.filter(key="").count() == 0


def test_two_reports_of_one_category_at_one_place_by_one_phone(log):
    phone = "13800138001"
    log.case(north(BASE_B, 0), category=log.litter, phone=phone, days_ago=3)
    log.case(north(BASE_B, 200), category=log.litter, phone=phone, days_ago=20)
    detect(now=NOW)
    [w] = warnings("repeat_reporter")
    assert (w.count, w.category_id, w.area_id) == (2, log.litter.pk, log.cast.grid_b11.pk)


def test_two_reports_in_two_categories_or_far_apart_are_not_repeats(log):
    log.case(north(BASE_B, 0), category=log.litter, phone="13800138002")
    log.case(north(BASE_B, 100), category=log.pothole, phone="13800138002")
    log.case(north(BASE_B, 0), category=log.litter, phone="13800138003")
    log.case(north(BASE_B, 301), category=log.litter, phone="13800138003")
    detect(now=NOW)
    assert warnings("repeat_reporter") == []


def test_grid_workers_patrol_reports_have_no_reporter_identity(log):
    worker = log.cast.worker_a11
    for i in range(4):
        log.case(north(BASE_A, 2000 * i), channel="grid_worker", reporter=worker)
    detect(now=NOW)
    assert warnings("repeat_reporter") == []
    assert set(ReporterKey.objects.values_list("key", flat=True)) == {""}


# --- notifications ------------------------------------------------------------------------------


def test_the_owning_level_hears_once_per_run(log, django_capture_on_commit_callbacks):
    from core.models import Notification

    for d in (0, 100, 200):
        log.case(north(BASE_A, d))
    for d in (0, 100, 200):
        log.case(north(BASE_A, d), category=log.litter)
    with django_capture_on_commit_callbacks(execute=True):
        detect(now=NOW)
    assert len(warnings("cluster")) == 2
    # a grid's warnings reach its grid chief and its community's officers, one message each
    got = sorted(Notification.objects.values_list("user__username", flat=True))
    assert got == ["chief_a11", "officer_a1"]
    with django_capture_on_commit_callbacks(execute=True):
        detect(now=NOW + dt.timedelta(minutes=15))  # nothing new: nobody hears again
    assert Notification.objects.count() == 2

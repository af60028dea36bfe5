"""Scores, grades and rankings of the hand-checked November (test_hand_checked.py), worked out by
hand; who sees which rows (scope); the assessment page, its .xlsx download and print version; the
API; the weights and their audit."""

from __future__ import annotations

import importlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from conftest import PASSWORD
from core.models import AuditLog
from indicators.assessment import ranking
from indicators.definitions import Period, ScopeFilter, counts
from indicators.models import ScoreWeight
from indicators.rollups import update_rollups
from indicators.scores import DEFAULT_WEIGHTS, grade, save_weight, score, weights_for
from indicators.tests.test_hand_checked import NOVEMBER, at, play

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(loop, photo):
    play(loop, photo)
    update_rollups(now=at(12, 2, 8), full=True)
    return loop


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def rows(result):
    return [(r.code, r.rank, r.result.score, r.result.grade) for r in result.rows]


# Scores by hand (weights: areas 20 on-time closure, 15 closure, 5 response, 5 in-grid, 5 rework (100 − rate),
# 50 satisfaction; departments 25 on-time handling, 10 handling, 5 return, 5 extension, 5 rework, 50
# satisfaction; grid workers 25 reports against the most, 25 on-time verification, 10 on the spot, 40
# satisfaction of their grids).
#
# Street A = community A1 = grid A1-1 (A1-2 has no case): on-time closure 4/6 → 66.67, closure 5/6 →
# 83.33, response 8/8 → 100, in-grid 2/5 → 40, rework 0/2 → 100, satisfaction 1/1 → 100.
#   top-down (20·66.67 + 15·83.33 + 5·100 + 5·40 + 5·100) / 50 = 3783.33 / 50 = 75.7
#   score (3783.33 + 50·100) / 100 = 87.8 → B
# Street B = community B1 = grid B1-1: on-time closure 3/4 → 75, closure 3/4 → 75, response 3/4 → 75,
# in-grid 0/3 → 0, rework 1/4 → 75, satisfaction 1/2 → 50.
#   top-down (1500 + 1125 + 375 + 0 + 375) / 50 = 67.5; score (3375 + 2500) / 100 = 58.75 → 58.8 → D
STREET_A = {"score": 87.8, "grade": "B", "top_down": 75.7, "bottom_up": 100.0}
STREET_B = {"score": 58.8, "grade": "D", "top_down": 67.5, "bottom_up": 50.0}
# CG: on-time handling 4/6 → 66.67, handling 5/6 → 83.33, return 0/7 → 100, extension 1/7 → 85.71,
# rework 1/5 → 80, satisfaction 1/1 → 100:
#   top-down (1666.67 + 833.33 + 500 + 428.57 + 400) / 50 = 76.6; score (3828.57 + 5000) / 100 = 88.3 → B
# SZ: on-time handling 1/2 → 50, handling 2/2 → 100, return 1/3 → 66.67, extension 0/3 → 100, rework
# 1/2 → 50, satisfaction 1/2 → 50:
#   top-down (1250 + 1000 + 333.33 + 500 + 250) / 50 = 66.7; score (3333.33 + 2500) / 100 = 58.3 → D
# BCG (street B's squad) had no task: no score, no rank.
# worker_a11: 7 reports (the most) → 100, verifications 2/2 on time → 100, on the spot 1/7 → 14.29, grid
# A1-1 satisfaction 1/1 → 100: (2500 + 2500 + 142.86 + 4000) / 100 = 91.4 → A
# worker_b11: 1 report → 1/7 → 14.29, on time 4/5 → 80, on the spot 0/1 → 0, grid B1-1 1/2 → 50:
#   (357.14 + 2000 + 0 + 2000) / 100 = 43.6 → D


def test_grades():
    assert [grade(s) for s in (100, 90, 89.9, 75, 60, 59.9, 40, 39.9, 0, None)] == [
        "A", "A", "B", "B", "C", "D", "D", "E", "E", ""]


def test_the_default_weights_are_the_migrations():
    migration = importlib.import_module("indicators.migrations.0004_community_weights")
    assert {str(k): v for k, v in DEFAULT_WEIGHTS.items()} == migration.DEFAULTS
    assert all(sum(w.values()) == 100 for w in DEFAULT_WEIGHTS.values())


def test_a_component_without_data_leaves_the_others_in_charge():
    # nothing rated: the top-down half alone decides; nothing at all: no score
    only_top = score("area", {"on_time_closure_rate": 1.0, "closure_rate": 0.5, "satisfaction_rate": None}, weights={
        "on_time_closure_rate": 20, "closure_rate": 20, "satisfaction_rate": 60})
    assert (only_top.score, only_top.top_down, only_top.bottom_up, only_top.grade) == (75.0, 75.0, None, "B")
    assert score("area", {}, weights=DEFAULT_WEIGHTS["area"]).score is None


def test_the_november_rankings_worked_out_by_hand(month):
    w = month
    streets = ranking(w.command, "street", NOVEMBER)
    assert rows(streets) == [(w.street_a.code, 1, 87.8, "B"), (w.street_b.code, 2, 58.8, "D")]
    first = streets.rows[0].result
    assert {"score": first.score, "grade": first.grade, "top_down": first.top_down,
            "bottom_up": first.bottom_up} == STREET_A
    second = streets.rows[1].result
    assert {"score": second.score, "grade": second.grade, "top_down": second.top_down,
            "bottom_up": second.bottom_up} == STREET_B
    assert rows(ranking(w.command, "community", NOVEMBER)) == [(w.community_a1.code, 1, 87.8, "B"),
                                                               (w.community_b1.code, 2, 58.8, "D")]
    assert rows(ranking(w.command, "grid", NOVEMBER)) == [(w.grid_a11.code, 1, 87.8, "B"),
                                                          (w.grid_b11.code, 2, 58.8, "D"),
                                                          (w.grid_a12.code, None, None, "")]
    departments = ranking(w.command, "department", NOVEMBER)
    assert rows(departments) == [(w.dept_cg.code, 1, 88.3, "B"), (w.dept_sz.code, 2, 58.3, "D"),
                                 (w.dept_bcg.code, None, None, "")]
    assert departments.rows[0].result.top_down == 76.6 and departments.rows[1].result.top_down == 66.7
    workers = ranking(w.command, "grid_worker", NOVEMBER)
    assert rows(workers) == [("worker_a11", 1, 91.4, "A"), ("worker_b11", 2, 43.6, "D")]
    assert workers.rows[0].values["grid_satisfaction_rate"] == 1.0 and workers.rows[1].values["reports_by"] == 1
    # the same from the case tables
    assert rows(ranking(w.command, "street", NOVEMBER, source="raw")) == rows(streets)
    # a quarter holding only November's cases (and K0's October) ranks the same streets the same way
    quarter = ranking(w.command, "street", Period.quarter(2026, 4))
    assert [r.code for r in quarter.rows] == [w.street_a.code, w.street_b.code]


def test_each_viewer_ranks_only_what_they_cover(month):
    w = month
    # a street officer: their street, its community and grids, the departments serving it (counted on
    # the street's cases only), the grid workers of its grids
    assert [r.code for r in ranking(w.officer_a, "street", NOVEMBER).rows] == [w.street_a.code]
    assert [r.code for r in ranking(w.officer_a, "community", NOVEMBER).rows] == [w.community_a1.code]
    assert {r.code for r in ranking(w.officer_a, "grid", NOVEMBER).rows} == {w.grid_a11.code, w.grid_a12.code}
    departments = ranking(w.officer_a, "department", NOVEMBER)
    assert {r.code for r in departments.rows} == {w.dept_cg.code, w.dept_sz.code}
    cg = next(r for r in departments.rows if r.code == w.dept_cg.code)
    expected = counts(ScopeFilter(department=w.dept_cg, area=w.street_a), NOVEMBER)
    assert cg.values["tasks"] == expected["tasks"] == 5  # K1, K6, K9, K10, K12 (not K5, K8: street B)
    assert [r.code for r in ranking(w.officer_a, "grid_worker", NOVEMBER).rows] == ["worker_a11"]
    # a department handler: their own department, all its tasks
    handler = ranking(w.handler_sz, "department", NOVEMBER)
    assert rows(handler) == [(w.dept_sz.code, 1, 58.3, "D")]
    # a grid worker: their grid and themselves
    assert [r.code for r in ranking(w.worker_b11, "grid", NOVEMBER).rows] == [w.grid_b11.code]
    assert ranking(w.worker_b11, "street", NOVEMBER).rows == []
    # within an area: street B's grids only
    assert [r.code for r in ranking(w.command, "grid", NOVEMBER, within=w.street_b).rows] == [w.grid_b11.code]


def test_the_page_the_print_version_and_the_scope(month, django_assert_max_num_queries):
    w = month
    command = login(w, "command")
    with django_assert_max_num_queries(24):
        page = command.get("/assessment/street/?period=2026-11")
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲街道" in html and "乙街道" in html and "87.8" in html and "grade-B" in html and "58.8" in html
    assert "考核" in html  # the Chinese page
    assert command.get("/assessment/").status_code == 200
    assert command.get("/assessment/department/?period=2026-11").status_code == 200
    assert command.get("/assessment/grid_worker/?period=2026-Q4").status_code == 200
    printed = command.get("/assessment/grid/?period=2026-11&print=1")
    assert printed.status_code == 200 and "printing" in printed.content.decode() and "@media print" in \
        printed.content.decode()
    assert command.get("/assessment/street/?period=2026-13").status_code == 400
    assert command.get("/assessment/nothing/").status_code == 404

    officer = login(w, "officer_a")
    assert officer.get(f"/assessment/grid/?period=2026-11&area={w.street_a.code}").status_code == 200
    assert officer.get(f"/assessment/grid/?period=2026-11&area={w.street_b.code}").status_code == 404
    assert "乙街道" not in officer.get("/assessment/street/?period=2026-11").content.decode()
    handler = login(w, "handler_cg")
    assert handler.get("/assessment/").status_code == 200
    assert handler.get("/assessment/street/").status_code == 404
    assert login(w, "stranger").get("/assessment/").status_code == 403
    assert Client().get("/assessment/").status_code == 302  # to the login page


def test_the_xlsx_download_names_who_and_when_and_is_audited(month):
    from openpyxl import load_workbook

    w = month
    response = login(w, "officer_a").get("/assessment/grid/export.xlsx?period=2026-11")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = sheet.cell(row=1, column=1).value
    assert "officer_a" in header and "2026-11" in header
    table = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [(r[0], r[2], r[4], r[5]) for r in table] == [(1, w.grid_a11.code, 87.8, "B"),
                                                         (None, w.grid_a12.code, None, None)]
    audit = AuditLog.objects.get(action="assessment.export")
    assert audit.actor == w.officer_a and audit.after["rows"] == 2 and audit.district_code == "410611"
    assert login(w, "officer_a").get(f"/assessment/grid/export.xlsx?area={w.street_b.code}").status_code == 404


def test_the_api_gives_indicators_and_rankings_within_scope(month, api):
    w = month
    command = api("command")
    found = command.get("/api/indicators/", {"area": "410611", "period": "2026-11"})
    assert found.status_code == 200
    body = found.json()
    assert body["scope"]["area"]["code"] == "410611" and body["period"]["start"] == "2026-11-01"
    assert (body["indicators"]["reports"], body["indicators"]["due"], body["indicators"]["closed_on_time"]) == (
        12, 10, 7)
    assert body["indicators"]["on_time_closure_rate"] == 0.7
    raw = command.get("/api/indicators/", {"area": "410611", "start": "2026-11-01", "end": "2026-12-01",
                                           "source": "raw"}).json()
    assert raw["indicators"] == body["indicators"]
    children = command.get("/api/indicators/", {"area": "410611", "period": "2026-11", "by": "child"}).json()
    assert [(r["area"]["code"], r["indicators"]["reports"]) for r in children["rows"]] == [
        (w.street_a.code, 8), (w.street_b.code, 4)]
    days = command.get("/api/indicators/", {"area": w.grid_b11.code, "period": "2026-11", "by": "day"}).json()
    assert len(days["rows"]) == 30 and sum(r["indicators"]["reports"] for r in days["rows"]) == 4
    assert days["rows"][11]["indicators"]["escalations"] == 1  # K8 on 12 November
    months = command.get("/api/indicators/", {"area": "410611", "period": "2026-Q4", "by": "month"}).json()
    assert [r["indicators"]["reports"] for r in months["rows"]] == [1, 12, 0]
    cg = command.get("/api/indicators/", {"department": w.dept_cg.code, "period": "2026-11"}).json()
    assert cg["scope"]["kind"] == "department" and cg["indicators"]["tasks_due"] == 6
    assert "reports" not in cg["indicators"]

    # out of scope: 404; a department handler sees their department only
    officer = api("officer_a")
    assert officer.get("/api/indicators/", {"area": w.street_b.code, "period": "2026-11"}).status_code == 404
    assert officer.get("/api/indicators/", {"area": "410611"}).status_code == 404
    own = officer.get("/api/indicators/", {"period": "2026-11"}).json()
    assert own["indicators"]["reports"] == 8  # every area officer_a covers: street A
    handler = api("handler_cg")
    assert handler.get("/api/indicators/", {"period": "2026-11"}).json()["indicators"]["tasks"] == 7
    assert handler.get("/api/indicators/", {"area": "410611"}).status_code == 404
    assert handler.get("/api/indicators/", {"department": w.dept_sz.code}).status_code == 404
    assert api("stranger").get("/api/indicators/").status_code == 404
    assert api(None).get("/api/indicators/").status_code in (401, 403)
    assert command.get("/api/indicators/", {"period": "2026-13"}).status_code == 400
    assert command.get("/api/indicators/", {"by": "week"}).status_code == 400

    streets = command.get("/api/assessment/street/", {"period": "2026-11"}).json()
    assert [(r["code"], r["rank"], r["score"], r["grade"]) for r in streets["results"]] == [
        (w.street_a.code, 1, 87.8, "B"), (w.street_b.code, 2, 58.8, "D")]
    assert streets["results"][0]["indicators"]["closure_rate"] == 5 / 6
    assert sum(c["weight"] for c in streets["components"]) == 100
    assert officer.get("/api/assessment/street/", {"period": "2026-11", "area": w.street_b.code}).status_code == 404
    assert handler.get("/api/assessment/street/").status_code == 404
    assert handler.get("/api/assessment/department/", {"period": "2026-11"}).json()["results"][0]["code"] == \
        w.dept_cg.code
    assert command.get("/api/assessment/nothing/").status_code == 404


def test_weights_are_changed_by_administrators_only_and_audited(month):
    w = month
    weight = ScoreWeight.objects.filter(kind="area", indicator="satisfaction_rate").first() or ScoreWeight(
        kind="area", indicator="satisfaction_rate", weight=50)
    with pytest.raises(PermissionDenied):
        save_weight(w.officer_a, weight, weight=10)
    save_weight(w.admin, weight, weight=0)
    audit = AuditLog.objects.filter(action__startswith="score_weight.").latest("id")
    assert audit.actor == w.admin and audit.after["weight"] == 0
    # all areas' weights were written (rows now exist): satisfaction 0 leaves the top-down half alone
    for indicator, value in DEFAULT_WEIGHTS["area"].items():
        if indicator != "satisfaction_rate":
            ScoreWeight.objects.get_or_create(kind="area", indicator=indicator, defaults={"weight": value})
    assert weights_for("area")["satisfaction_rate"] == 0
    streets = ranking(w.command, "street", NOVEMBER)
    assert [r.result.score for r in streets.rows] == [75.7, 67.5]


def test_the_admin_saves_weights_through_the_audited_action(month):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password=PASSWORD))
    weight = ScoreWeight.objects.filter(kind="department").first()
    if weight is None:  # the migration's rows were flushed by an earlier transactional test
        weight = ScoreWeight.objects.create(kind="department", indicator="return_rate", weight=5)
    response = client.post(f"/admin/indicators/scoreweight/{weight.pk}/change/",
                           {"kind": weight.kind, "indicator": weight.indicator, "weight": 7})
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="score_weight.update", object_id=str(weight.pk)).exists()
    refused = client.post("/admin/indicators/scoreweight/add/",
                          {"kind": "department", "indicator": "response_rate", "weight": 7})
    assert refused.status_code == 200
    assert not ScoreWeight.objects.filter(kind="department", indicator="response_rate").exists()

"""The community-work indicators in the assessment (indicators/community.py): every figure of a tiny
November 2026 worked out by hand below, the scores and ranks they make, a ranking that turns when a
community's disputes are no longer settled, the weight migration that leaves edited weights alone,
and the scope of the rankings and the .xlsx (an out-of-scope street's figures never appear).

The data (the cast's areas: street A → community A1 → grids A11, A12; street B → community B1 →
grid B11; departments CG (district) and BCG (street B's squad)); no cases, so every case component
drops out and only the community components score. "Now" is 2 December 2026 10:00 local time.
November 2026 has no public holiday: 21 working days (2–6, 9–13, 16–20, 23–27, 30), 42 half-days.

Disputes (concluded_at, local time):
  A11: settled 3 Nov, settled 30 Nov 23:30, not settled 12 Nov; settled 1 Dec 00:30 (December
       locally, still 30 Nov in UTC: not counted); one still mediating (no outcome: not counted)
  A12: referred 5 Nov
  B11: settled 6 Nov, settled 7 Nov
  follow-ups: A11 satisfied 10 Nov, dissatisfied 20 Nov, satisfied 1 Dec (outside); B11 basically 15 Nov
  → A11 mediated 3, settled 2, 2/3; A12 1, 0, 0/1; B11 2, 2, 2/2; community A1 4, 2, 2/4 = 50 %;
    satisfaction A11 1/2, A12 none, B11 1/1
Patrols (started_at, local time):
  A11: first ever 26 Nov 09:00 (worker_a11), then 26 Nov 15:00, 27 Nov 07:30 (26 Nov 23:30 UTC: the
       morning of the 27th locally), 30 Nov 23:30 (afternoon) by worker_a11, Sat 28 Nov 10:00 by
       chief_a11, 1 Dec 08:00 (outside)
       → 5 patrols; grid-days from the 26th: 26, 27, 30 = 3; expected 6 half-days; covered 26 am,
         26 pm, 27 am, 30 pm (the Saturday is no working day) → missed 27 pm, 30 am = 2: 2/6
         per grid-day 5/3 = 1.67
  B11: first ever 20 Oct 09:00, in November only 2 Nov 09:00 (worker_b11)
       → 1 patrol; 21 grid-days, 42 half-days, 41 missed; per grid-day 1/21 = 0.05
  A12: never patrolled → no patrol figures (no data); community A1 = A11's figures
Home visits: worker_a11 5 Nov, 26 Nov, 30 Oct (outside) → 2; worker_b11 9 Nov → 1 (most: 2)
Grid tasks (one task from the district, parts due 20 Nov 18:00):
  A11: done 19 Nov, not found 20 Nov 17:00, done 21 Nov (late) → due 3, on time 2
  B11: open, done 20 Nov 18:00 (at the deadline: on time) → due 2, on time 1
  A12: part due 10 Dec (outside) → none
Meeting decisions (due_at, done_at):
  street A's meeting: CG due 10 Nov done 9 Nov (on time); CG due 12 Nov done 14 Nov (late)
  community A1's meeting: CG due 25 Nov, still open (late)
  street B's meeting: BCG due 18 Nov done 18 Nov (on time); CG due 3 Dec (outside)
  → street A 3 due, 1 on time; community A1 1, 0; street B 1, 1; community B1 and grids none;
    CG 1/3, BCG 1/1 (officer_b's CG: on street B's meetings, none)

Scores (weights: areas dispute settlement 4, missed patrols 5 (100 − share), grid-task items 4,
decisions 3, parties' satisfaction 4 (bottom-up); workers missed patrols 8, visits against the most 6,
grid-task items 6; departments decisions 20):
  community A1: 4·50 + 4·50 + 5·66.67 + 4·66.67 + 3·0 = 1000 / 20 = 50.0 D (top-down 800/16 = 50.0)
  community B1: 4·100 + 4·100 + 5·2.38 + 4·50 = 1011.90 / 17 = 59.5 D (top-down 611.90/13 = 47.1)
  street A: 1000 + 3·33.33 = 1100 / 20 = 55.0 D; street B: 1011.90 + 3·100 = 1311.90 / 20 = 65.6 C
  grid A11: 4·66.67 + 4·50 + 5·66.67 + 4·66.67 = 1066.67 / 17 = 62.7 C; A12: 4·0 / 4 = 0.0 E; B11 = B1 59.5
  worker_a11: 8·66.67 + 6·100 + 6·66.67 = 1533.33 / 20 = 76.7 B
  worker_b11: 8·2.38 + 6·50 + 6·50 = 619.05 / 20 = 31.0 E
  CG 33.3 E, BCG 100.0 A
  B11's disputes not settled: B1 = (0 + 400 + 11.90 + 200) / 17 = 36.0 E, below A1.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators import community
from indicators.assessment import ranking
from indicators.definitions import Period
from indicators.models import ScoreWeight

pytestmark = pytest.mark.django_db

NOVEMBER = Period.month(2026, 11)
NOW = dt.datetime(2026, 12, 2, 10, 0)


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


def at(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return local(11, day, hour, minute)


def placed(grid) -> dict:
    return {"area_path": grid.path, "district_code": grid.district_code}


def build(cast):
    from disputes.models import Dispute, FollowUp
    from gridtasks.models import GridTask, GridTaskItem, GridTaskPart
    from meetings.models import Decision, Meeting
    from patrols.models import HomeVisit, Patrol
    from registry.models import Household

    a11, a12, b11 = cast.grid_a11, cast.grid_a12, cast.grid_b11

    def dispute(grid, state, concluded):
        return Dispute.objects.create(title="纠纷", description="邻里噪音", kind="neighbour", source="patrol", grid=grid,
                                      state=state, concluded_at=concluded, registered_at=local(10, 1), **placed(grid))

    settled_a = dispute(a11, "settled", at(3))
    dispute(a11, "settled", at(30, 23, 30))
    dispute(a11, "not_settled", at(12, 9))
    dispute(a11, "settled", local(12, 1, 0, 30))
    dispute(a11, "mediating", None)
    dispute(a12, "referred", at(5))
    settled_b = [dispute(b11, "settled", at(6)), dispute(b11, "settled", at(7))]
    FollowUp.objects.bulk_create([
        FollowUp(dispute=settled_a, visited_at=at(10), satisfaction="satisfied"),
        FollowUp(dispute=settled_a, visited_at=at(20), satisfaction="dissatisfied"),
        FollowUp(dispute=settled_a, visited_at=local(12, 1, 9), satisfaction="satisfied"),
        FollowUp(dispute=settled_b[0], visited_at=at(15), satisfaction="basically")])

    def patrol(worker, grid, started):
        return Patrol(worker=worker, grid=grid, state="ended", started_at=started,
                      ended_at=started + dt.timedelta(hours=1), **placed(grid))

    Patrol.objects.bulk_create([
        patrol(cast.worker_a11, a11, at(26, 9)), patrol(cast.worker_a11, a11, at(26, 15)),
        patrol(cast.worker_a11, a11, at(27, 7, 30)), patrol(cast.worker_a11, a11, at(30, 23, 30)),
        patrol(cast.chief_a11, a11, at(28, 10)), patrol(cast.worker_a11, a11, local(12, 1, 8)),
        patrol(cast.worker_b11, b11, local(10, 20, 9)), patrol(cast.worker_b11, b11, at(2, 9))])
    home_a = Household.objects.create(grid=a11, number="A-1", **placed(a11))
    home_b = Household.objects.create(grid=b11, number="B-1", **placed(b11))
    HomeVisit.objects.bulk_create([
        HomeVisit(household=home_a, worker=cast.worker_a11, grid=a11, visited_at=at(5), **placed(a11)),
        HomeVisit(household=home_a, worker=cast.worker_a11, grid=a11, visited_at=at(26), **placed(a11)),
        HomeVisit(household=home_a, worker=cast.worker_a11, grid=a11, visited_at=local(10, 30), **placed(a11)),
        HomeVisit(household=home_b, worker=cast.worker_b11, grid=b11, visited_at=at(9), **placed(b11))])

    task = GridTask.objects.create(title="冬季安全排查", sender_area=cast.district, due_at=at(20, 18),
                                   **placed(cast.district))
    part_a = GridTaskPart.objects.create(task=task, grid=a11, due_at=at(20, 18), total=3, **placed(a11))
    part_b = GridTaskPart.objects.create(task=task, grid=b11, due_at=at(20, 18), total=2, **placed(b11))
    part_later = GridTaskPart.objects.create(task=task, grid=a12, due_at=local(12, 10), total=1, **placed(a12))
    GridTaskItem.objects.bulk_create([
        GridTaskItem(part=part_a, label="1号楼", state="done", completed_at=at(19)),
        GridTaskItem(part=part_a, label="2号楼", state="not_found", completed_at=at(20, 17)),
        GridTaskItem(part=part_a, label="3号楼", state="done", completed_at=at(21, 9)),
        GridTaskItem(part=part_b, label="1号楼", state="open"),
        GridTaskItem(part=part_b, label="2号楼", state="done", completed_at=at(20, 18)),
        GridTaskItem(part=part_later, label="1号楼", state="open")])

    def meeting(area):
        return Meeting.objects.create(convener_area=area, title="联席会议", agenda="难点问题", held_at=at(2),
                                      **placed(area))

    def decision(held, department, due, done=None):
        return Decision(meeting=held, text="限期整改", owner_department=department, due_at=due,
                        state="done" if done else "open", done_at=done, area_path=held.area_path,
                        district_code=held.district_code)

    street_a, community_a1, street_b = meeting(cast.street_a), meeting(cast.community_a1), meeting(cast.street_b)
    Decision.objects.bulk_create([
        decision(street_a, cast.dept_cg, at(10, 17), at(9)), decision(street_a, cast.dept_cg, at(12, 17), at(14)),
        decision(community_a1, cast.dept_cg, at(25, 17)),
        decision(street_b, cast.dept_bcg, at(18, 17), at(18, 10)), decision(street_b, cast.dept_cg, local(12, 3, 17))])
    return settled_b


@pytest.fixture
def world(cast):
    build(cast)
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        yield cast


def figures(cast, *areas):
    now = timezone.make_aware(NOW)
    found = community.area_figures(areas, None, NOVEMBER, now)
    return [found[a.pk] for a in areas]


def pick(values: dict, *keys):
    return tuple(values[k] for k in keys)


DISPUTES = ("disputes_mediated", "disputes_settled", "dispute_settlement_rate", "dispute_follow_ups",
            "dispute_follow_ups_satisfied", "dispute_satisfaction_rate")
PATROLS = ("patrols", "patrol_grid_days", "patrols_per_grid_day", "patrol_halves_expected", "patrol_halves_missed",
           "missed_patrol_share")
DUTIES = ("gridtask_items_due", "gridtask_items_on_time", "gridtask_on_time_rate", "decisions_due",
          "decisions_on_time", "decision_on_time_rate")


def test_november_has_21_working_days():
    halves = community.expected_halves(NOVEMBER, timezone.make_aware(NOW))
    assert len(halves) == 42 and len({d for d, _h in halves}) == 21
    # today: the morning is over at noon, the afternoon only tomorrow
    assert community.expected_halves(NOVEMBER, at(30, 13))[-1] == (dt.date(2026, 11, 30), "am")


def test_every_area_indicator_by_hand(world):
    w = world
    a11, a12, b11, c_a1, c_b1, s_a, s_b = figures(w, w.grid_a11, w.grid_a12, w.grid_b11, w.community_a1,
                                                  w.community_b1, w.street_a, w.street_b)
    assert pick(a11, *DISPUTES) == (3, 2, 2 / 3, 2, 1, 0.5)
    assert pick(a12, *DISPUTES) == (1, 0, 0.0, 0, 0, None)
    assert pick(b11, *DISPUTES) == (2, 2, 1.0, 1, 1, 1.0)
    assert pick(c_a1, *DISPUTES) == pick(s_a, *DISPUTES) == (4, 2, 0.5, 2, 1, 0.5)
    assert pick(c_b1, *DISPUTES) == pick(s_b, *DISPUTES) == pick(b11, *DISPUTES)

    assert pick(a11, *PATROLS) == (5, 3, 1.67, 6, 2, 2 / 6)
    assert pick(a12, *PATROLS) == (0, 0, None, 0, 0, None)  # never patrolled: no data
    assert pick(b11, *PATROLS) == (1, 21, 0.05, 42, 41, 41 / 42)
    assert pick(c_a1, *PATROLS) == pick(s_a, *PATROLS) == pick(a11, *PATROLS)

    assert pick(a11, *DUTIES) == (3, 2, 2 / 3, 0, 0, None)
    assert pick(a12, *DUTIES) == (0, 0, None, 0, 0, None)
    assert pick(b11, *DUTIES) == (2, 1, 0.5, 0, 0, None)
    assert pick(c_a1, *DUTIES) == (3, 2, 2 / 3, 1, 0, 0.0)
    assert pick(s_a, *DUTIES) == (3, 2, 2 / 3, 3, 1, 1 / 3)
    assert pick(c_b1, *DUTIES) == (2, 1, 0.5, 0, 0, None)
    assert pick(s_b, *DUTIES) == (2, 1, 0.5, 1, 1, 1.0)


def test_deadlines_still_ahead_are_not_judged_yet(world):
    w = world
    # on 20 November at noon the grid-task parts (due 18:00) and the decisions due from the 25th on
    # are not judged yet; street A's decisions of the 10th and 12th are
    found = community.area_figures([w.street_a], None, NOVEMBER, at(20, 12))[w.street_a.pk]
    assert pick(found, "gridtask_items_due", "decisions_due", "decisions_on_time") == (0, 2, 1)


def test_the_figures_cost_the_same_few_queries_for_one_area_or_many(world):
    w = world
    figures(w, w.grid_a11)  # the working calendar's cache warmed up (whatever ran before)
    with CaptureQueriesContext(connection) as one:
        figures(w, w.grid_a11)
    with CaptureQueriesContext(connection) as many:
        figures(w, w.grid_a11, w.grid_a12, w.grid_b11, w.community_a1, w.community_b1, w.street_a, w.street_b)
    assert len(many) == len(one) <= 12


def test_department_and_worker_indicators_by_hand(world):
    w = world
    now = timezone.make_aware(NOW)
    departments = community.department_figures([w.dept_cg, w.dept_bcg], None, NOVEMBER, now)
    assert pick(departments[w.dept_cg.pk], *DUTIES[3:]) == (3, 1, 1 / 3)
    assert pick(departments[w.dept_bcg.pk], *DUTIES[3:]) == (1, 1, 1.0)
    on_b = community.department_figures([w.dept_cg], (w.street_b.path,), NOVEMBER, now)
    assert pick(on_b[w.dept_cg.pk], *DUTIES[3:]) == (0, 0, None)

    workers = community.worker_figures({w.worker_a11.pk: [w.grid_a11], w.worker_b11.pk: [w.grid_b11]}, None,
                                       NOVEMBER, now)
    keys = ("worker_patrols", "patrols_per_day", "home_visits", "patrol_halves_expected", "missed_patrol_share",
            "gridtask_items_due", "gridtask_on_time_rate")
    assert pick(workers[w.worker_a11.pk], *keys) == (4, 1.33, 2, 6, 2 / 6, 3, 2 / 3)
    assert pick(workers[w.worker_b11.pk], *keys) == (1, 0.05, 1, 42, 41 / 42, 2, 0.5)


def scores(user, kind, within=None):
    return [(r.code[-3:], r.rank, r.result.score, r.result.grade) for r in ranking(user, kind, NOVEMBER, within).rows]


def test_the_scores_and_ranks_by_hand_and_a_ranking_that_turns(world):
    w = world
    assert scores(w.command, "community") == [("001", 1, 59.5, "D"), ("001", 2, 50.0, "D")]
    communities = ranking(w.command, "community", NOVEMBER).rows
    assert [r.name for r in communities] == ["乙一社区", "甲一社区"]
    assert (communities[0].result.top_down, communities[0].result.bottom_up) == (47.1, 100.0)
    assert (communities[1].result.top_down, communities[1].result.bottom_up) == (50.0, 50.0)
    # no case data: the case components are left out, not zero
    assert communities[1].result.points["on_time_closure_rate"] is None
    assert communities[1].result.points["decision_on_time_rate"] == 0.0
    assert communities[0].result.points["decision_on_time_rate"] is None
    assert [(r.name, r.rank, r.result.score, r.result.grade) for r in ranking(w.command, "street", NOVEMBER).rows] == [
        ("乙街道", 1, 65.6, "C"), ("甲街道", 2, 55.0, "D")]
    assert [(r.name, r.result.score, r.result.grade) for r in ranking(w.command, "grid", NOVEMBER).rows] == [
        ("甲一第一网格", 62.7, "C"), ("乙一第一网格", 59.5, "D"), ("甲一第二网格", 0.0, "E")]
    workers = ranking(w.command, "grid_worker", NOVEMBER).rows
    assert [(r.code, r.result.score, r.result.grade) for r in workers] == [
        ("worker_a11", 76.7, "B"), ("worker_b11", 31.0, "E")]
    assert [(r.code, r.result.score, r.result.grade) for r in ranking(w.command, "department", NOVEMBER).rows] == [
        ("410611002-CG", 100.0, "A"), ("410611-CG", 33.3, "E")]

    # community B1's two disputes turn out not settled: it falls below A1
    from disputes.models import Dispute

    Dispute.objects.filter(area_path=w.grid_b11.path).update(state="not_settled")
    assert [(r.name, r.rank, r.result.score) for r in ranking(w.command, "community", NOVEMBER).rows] == [
        ("甲一社区", 1, 50.0), ("乙一社区", 2, 36.0)]


def test_the_weight_migration_leaves_edited_weights_alone(world):
    migration = importlib.import_module("indicators.migrations.0004_community_weights")
    ScoreWeight.objects.all().delete()
    ScoreWeight.objects.bulk_create([ScoreWeight(kind="area", indicator=k, weight=v)
                                     for k, v in migration.OLD["area"].items()])
    edited = dict(migration.OLD["department"], return_rate=7)
    ScoreWeight.objects.bulk_create([ScoreWeight(kind="department", indicator=k, weight=v) for k, v in edited.items()])
    # grid workers: no rows at all (the code's defaults apply)

    migration.add_community_weights(django_apps, None)

    def saved(kind):
        return dict(ScoreWeight.objects.filter(kind=kind).values_list("indicator", "weight"))

    assert saved("area") == migration.DEFAULTS["area"]
    assert saved("department") == edited
    assert saved("grid_worker") == {}
    migration.add_community_weights(django_apps, None)  # running again changes nothing
    assert saved("area") == migration.DEFAULTS["area"] and saved("department") == edited
    migration.remove_community_weights(django_apps, None)
    assert saved("area") == migration.OLD["area"] and saved("department") == edited


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet_rows(response) -> list[tuple]:
    from openpyxl import load_workbook

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


def test_an_out_of_scope_streets_figures_never_appear(world, api):
    w = world
    # street A's officer: only street A's communities and grids, with exactly the figures the
    # district sees for them (none of street B's disputes, patrols, tasks or decisions)
    mine = ranking(w.officer_a, "community", NOVEMBER).rows
    assert [r.name for r in mine] == ["甲一社区"]
    district = {r.code: r for r in ranking(w.command, "community", NOVEMBER).rows}
    assert mine[0].values == district[w.community_a1.code].values and mine[0].result.score == 50.0
    assert [r.name for r in ranking(w.officer_a, "grid", NOVEMBER).rows] == ["甲一第一网格", "甲一第二网格"]
    assert [r.code for r in ranking(w.officer_a, "grid_worker", NOVEMBER).rows] == ["worker_a11"]
    departments = ranking(w.officer_a, "department", NOVEMBER).rows
    assert [(r.code, r.values["decisions_due"], r.result.score) for r in departments] == [("410611-CG", 3, 33.3)]
    # street B's officer sees CG only on street B's meetings: no decision due there, no score
    assert [(r.code, r.values["decisions_due"], r.result.score) for r in ranking(w.officer_b, "department", NOVEMBER).rows] \
        == [("410611002-CG", 1, 100.0), ("410611-CG", 0, None)]

    client = login(w.officer_a)
    rows = sheet_rows(client.get("/assessment/community/export.xlsx?period=2026-11"))
    header, body = rows[1], rows[2:]
    assert [r[1] for r in body] == ["甲一社区"]
    column = {name: i for i, name in enumerate(header)}
    settled = column[str(community.COMMUNITY_INDICATORS["disputes_settled"].label)]
    mediated = column[str(community.COMMUNITY_INDICATORS["disputes_mediated"].label)]
    rate = column[str(community.COMMUNITY_INDICATORS["dispute_settlement_rate"].label)]
    missed = column[str(community.COMMUNITY_INDICATORS["missed_patrol_share"].label)]
    assert (body[0][mediated], body[0][settled], body[0][rate], body[0][4]) == (4, 2, 0.5, 50.0)
    assert body[0][missed] == pytest.approx(1 / 3)
    assert client.get(f"/assessment/community/export.xlsx?period=2026-11&area={w.street_b.code}").status_code == 404
    page = client.get("/assessment/street/?period=2026-11").content.decode()
    assert "甲街道" in page and "乙街道" not in page
    data = api("officer_a").get("/api/assessment/community/?period=2026-11").json()
    assert [(r["name"], r["indicators"]["disputes_mediated"], r["points"]["dispute_settlement_rate"])
            for r in data["results"]] == [("甲一社区", 4, 50.0)]
    assert "dispute_settlement_rate" in {c["key"] for c in data["components"]}
    # the district's sheet holds both, with B1's figures
    rows = sheet_rows(login(w.command).get("/assessment/community/export.xlsx?period=2026-11"))
    assert [(r[1], r[mediated], r[settled]) for r in rows[2:]] == [("乙一社区", 2, 2), ("甲一社区", 4, 2)]


def test_the_page_and_the_pdf_show_the_community_columns(world):
    from django.utils import translation

    w = world
    client = login(w.command)
    page = client.get("/assessment/community/?period=2026-11").content.decode()
    with translation.override("zh-hans"):
        labels = [str(community.COMMUNITY_INDICATORS[k].label) for k in
                  ("disputes_mediated", "dispute_settlement_rate", "patrols_per_grid_day", "missed_patrol_share",
                   "gridtask_on_time_rate", "decision_on_time_rate", "dispute_satisfaction_rate")]
    for label in labels:
        assert label in page
    assert "33.3%" in page and "1.67" in page  # A1's missed patrol share, A11's patrols per grid-day
    assert "漏巡率按 100 减去该比率计分" in page  # how community work is scored

    from pypdf import PdfReader

    response = client.get("/assessment/grid/report.pdf?period=2026-11")
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)
    flat = text.replace(" ", "").replace("\n", "")
    assert "甲一第一网格" in flat and "62.7" in flat and "1.67" in flat and "97.6%" in flat  # B11: 41/42 missed


def test_every_community_indicator_is_documented_and_labelled():
    from pathlib import Path

    from indicators.scores import COMPONENTS, label_of

    text = (Path(__file__).resolve().parents[2] / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert [k for k in community.COMMUNITY_INDICATORS if f"`{k}`" not in text] == []
    assert [k for k, i in community.COMMUNITY_INDICATORS.items() if len(i.doc) < 20] == []
    assert all(str(label_of(c.key)) for components in COMPONENTS.values() for c in components)

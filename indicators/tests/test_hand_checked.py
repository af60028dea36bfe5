"""A small case log worked out by hand: thirteen cases in grids A1-1 and B1-1 with the departments
CG (区城管局) and SZ (区市政局), every step taken through the action functions of cases/actions.py
under time_machine, the deadline sweep run where a case is late. The indicators of November 2026
are computed by hand below (the arithmetic in the comments) and must come out the same from the
daily rollup and from the case tables, on SQLite and on PostgreSQL.

Working time: 09:00–17:00 on working days; November 2026 has no public holiday. Mon 2, 9, 16, 23
and 30 November are Mondays. Categories (cases/catalog.py):
  E0102 积存垃圾渣土: handle 1 working day, accept 2 working hours, dispatch 4, close level grid;
  E0101 暴露垃圾:     handle 4 working hours, accept 1, dispatch 2, close level grid;
  S0101 邻里纠纷:     handle 10 working days, accept 2, dispatch 4, close level community.
Verification has 8 working hours.

The log (times are local; "→ due" is the handling deadline, handle_due_at):
  K0  B1-1 grid worker, E0102. Fri 30 Oct 14:00 reported, 14:10 accepted, 14:20 filed, 14:30
      dispatched to CG → due Mon 2 Nov 14:30; CG takes it 15:00, reports back Mon 2 Nov 11:00;
      verified Mon 2 Nov 14:00: closed before the deadline, on time.
  K1  A1-1 grid worker, E0102. Mon 2 Nov 09:30 reported, 09:45 accepted, 09:50 filed, 10:00 → CG,
      due Tue 3 Nov 10:00; taken 10:30; reported back Tue 09:00; verified Tue 11:00: on time.
  K2  A1-1 resident QR, E0101. Mon 2 Nov 10:00 reported, 10:20 accepted by the grid chief
      (dispatch step due 12:20), 11:00 resolved by him (grid level, on time); rated 5 at 12:00.
  K3  A1-1 grid worker, E0101, resolved on the spot, Wed 4 Nov 14:00.
  K4  B1-1 12345 hotline (entered by the district command), E0102. Thu 5 Nov 09:00 reported,
      09:10 accepted, 09:20 filed, 10:00 → SZ, due Fri 6 Nov 10:00; taken 10:30; reported back
      Fri 15:00 (late); verified Fri 16:00 (closed, late); rated 2 at 16:30, which reopens it:
      filed again, open at the end, its deadline still Fri 6 Nov 10:00.
  K5  B1-1 grid worker, E0102. Mon 9 Nov 09:00 reported, 09:30 accepted, 09:40 filed, 10:00 → CG
      and SZ (parallel), due Tue 10 Nov 10:00; CG takes it 10:10 and reports back 16:00; SZ takes
      it 10:20 and reports back Tue 09:00; verification fails Tue 11:00 (rework: both tasks and the
      case due Wed 11 Nov 11:00); CG reports back Wed 09:00, SZ Wed 10:00; verified Wed 14:00
      (on time); rated 4 at 15:00.
  K6  A1-1 grid worker, E0102. Tue 10 Nov 09:00 reported, 09:10 accepted, 09:20 filed, 09:30 →
      SZ (due Wed 09:30); SZ returns it 10:00 (misrouted); 10:30 → CG, due Wed 11 Nov 10:30;
      taken 11:00; reported back Wed 11:00 (late); verified Wed 15:00 (closed late).
  K7  A1-1 grid worker, S0101. Wed 11 Nov 09:00 reported, 09:30 accepted by the grid chief
      (dispatch step due 13:30), 10:00 escalated to community A1, 10:15 escalated by the community
      officer to street A, 10:30 resolved by the street officer (street level, on time).
  K8  B1-1 resident QR, E0102. Thu 12 Nov 09:00 reported (accept due 11:00); the sweep at 12:00
      finds it overdue while reported and moves it up to community B1; 13:00 accepted (district),
      13:10 filed, 13:30 → CG, due Fri 13 Nov 13:30; taken 14:00; Fri 09:00 CG asks 4 more
      working hours, approved 09:30 → due Mon 16 Nov 09:30 (13:30 + 3.5 h to 17:00, 0.5 h on
      Monday); reported back Mon 09:00 (verify step due Mon 17:00); the sweep at Tue 17 Nov 10:00
      finds the verification overdue (the district owns it: no level above, no escalation);
      verified Tue 11:00 (closed on time: reported back before the deadline).
  K9  A1-1 grid worker, E0102. Mon 23 Nov 09:00 reported, 09:10 accepted, 09:20 filed, 10:00 → CG,
      due Tue 24 Nov 10:00; taken 10:30; still being handled at the end.
  K10 A1-1 grid worker, E0102. Mon 30 Nov 09:00 reported, 09:10 accepted, 09:20 filed, 10:00 → CG,
      due Tue 1 Dec 10:00 (December); not taken.
  K11 B1-1 walk-in (entered by the district command), E0101. Mon 16 Nov 14:00 reported, 14:10
      declined.
  K12 A1-1 grid worker, E0102. Tue 17 Nov 09:00 reported, 09:10 accepted, 09:20 filed, 10:00 →
      CG, due Wed 18 Nov 10:00; suspended 14:00 (挂账, review 15 Dec).
K8 is played first, so that its two sweeps see no other case.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import actions
from cases.jobs import sweep_deadlines
from cases.models import Case, CaseTask
from indicators.definitions import Period, ScopeFilter, compute, counts
from indicators.rollups import update_rollups

pytestmark = pytest.mark.django_db(transaction=True)

SH = ZoneInfo("Asia/Shanghai")
A11 = (114.07, 35.6)
B11 = (114.35, 35.6)
NOVEMBER = Period.month(2026, 11)


def at(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


class Log:
    """Plays a case's steps, each at its own time."""

    def __init__(self, world, photo):
        self.w = world
        self.photo = photo

    def step(self, when, function, *args, **kwargs):
        with time_machine.travel(when, tick=False):
            return function(*args, **kwargs)

    def report(self, when, who, point=A11, category="E0102", channel="grid_worker", **kwargs):
        return self.step(when, actions.report_case, who, channel=channel, category_code=category,
                         description="测试", lon=point[0], lat=point[1], **kwargs)[0]

    def qr(self, when, grid, category="E0102"):
        return self.step(when, actions.report_case, None, channel="resident_qr", category_code=category,
                         description="居民扫码反映", grid=grid)[0]

    def dispatch(self, times, case, departments):
        accepted, filed, dispatched = times
        self.step(accepted, actions.accept, self.w.command, case)
        self.step(filed, actions.file, self.w.command, case)
        self.step(dispatched, actions.dispatch, self.w.command, case, departments=departments)

    def take(self, when, handler, case, department=None):
        self.step(when, actions.accept_task, handler, case, department=department)

    def back(self, when, handler, case, department=None):
        self.step(when, actions.report_back, handler, case, note="已处置", department=department)

    def verify(self, when, worker, case, passed=True):
        self.step(when, actions.verify, worker, case, passed=passed, note="现场核查", photos=[self.photo()])

    def rate(self, when, case, rating):
        case.refresh_from_db()
        self.step(when, actions.rate, case.tracking_code, rating=rating)


def play(w, photo) -> dict:
    log = Log(w, photo)
    cg, sz = w.dept_cg, w.dept_sz
    cases = {}

    # K8 first: its sweeps must see no other case
    k8 = cases["K8"] = log.qr(at(11, 12, 9), w.grid_b11)
    assert k8.due_at == at(11, 12, 11)
    assert log.step(at(11, 12, 12), sweep_deadlines) == {"warned": 0, "overdue": 1, "escalated": 1}
    log.dispatch((at(11, 12, 13), at(11, 12, 13, 10), at(11, 12, 13, 30)), k8, [cg])
    log.take(at(11, 12, 14), w.handler_cg, k8)
    log.step(at(11, 13, 9), actions.request_extension, w.handler_cg, k8, hours=4, note="材料未到")
    task = CaseTask.objects.get(case=k8)
    log.step(at(11, 13, 9, 30), actions.decide_extension, w.command, k8, task=task, approve=True)
    task.refresh_from_db()
    assert task.due_at == at(11, 16, 9, 30)
    log.back(at(11, 16, 9), w.handler_cg, k8)
    k8.refresh_from_db()
    assert k8.due_at == at(11, 16, 17)  # the verification step: 8 working hours
    assert log.step(at(11, 17, 10), sweep_deadlines) == {"warned": 0, "overdue": 1, "escalated": 0}
    log.verify(at(11, 17, 11), w.worker_b11, k8)

    k0 = cases["K0"] = log.report(at(10, 30, 14), w.worker_b11, B11)
    log.dispatch((at(10, 30, 14, 10), at(10, 30, 14, 20), at(10, 30, 14, 30)), k0, [cg])
    log.take(at(10, 30, 15), w.handler_cg, k0)
    log.back(at(11, 2, 11), w.handler_cg, k0)
    log.verify(at(11, 2, 14), w.worker_b11, k0)

    k1 = cases["K1"] = log.report(at(11, 2, 9, 30), w.worker_a11)
    log.dispatch((at(11, 2, 9, 45), at(11, 2, 9, 50), at(11, 2, 10)), k1, [cg])
    log.take(at(11, 2, 10, 30), w.handler_cg, k1)
    log.back(at(11, 3, 9), w.handler_cg, k1)
    log.verify(at(11, 3, 11), w.worker_a11, k1)

    k2 = cases["K2"] = log.qr(at(11, 2, 10), w.grid_a11, "E0101")
    log.step(at(11, 2, 10, 20), actions.accept, w.chief_a11, k2)
    log.step(at(11, 2, 11), actions.resolve, w.chief_a11, k2, note="网格长现场处理")
    log.rate(at(11, 2, 12), k2, 5)

    cases["K3"] = log.report(at(11, 4, 14), w.worker_a11, category="E0101", self_resolved=True,
                             photos=[photo()], after_photos=[photo()])

    k4 = cases["K4"] = log.report(at(11, 5, 9), w.command, B11, channel="hotline_12345")
    log.dispatch((at(11, 5, 9, 10), at(11, 5, 9, 20), at(11, 5, 10)), k4, [sz])
    log.take(at(11, 5, 10, 30), w.handler_sz, k4)
    log.back(at(11, 6, 15), w.handler_sz, k4)
    log.verify(at(11, 6, 16), w.worker_b11, k4)
    log.rate(at(11, 6, 16, 30), k4, 2)

    k5 = cases["K5"] = log.report(at(11, 9, 9), w.worker_b11, B11)
    log.dispatch((at(11, 9, 9, 30), at(11, 9, 9, 40), at(11, 9, 10)), k5, [cg, sz])
    log.take(at(11, 9, 10, 10), w.handler_cg, k5)
    log.take(at(11, 9, 10, 20), w.handler_sz, k5)
    log.back(at(11, 9, 16), w.handler_cg, k5)
    log.back(at(11, 10, 9), w.handler_sz, k5)
    log.verify(at(11, 10, 11), w.worker_b11, k5, passed=False)
    assert set(CaseTask.objects.filter(case=k5).values_list("due_at", flat=True)) == {at(11, 11, 11)}
    log.back(at(11, 11, 9), w.handler_cg, k5)
    log.back(at(11, 11, 10), w.handler_sz, k5)
    log.verify(at(11, 11, 14), w.worker_b11, k5)
    log.rate(at(11, 11, 15), k5, 4)

    k6 = cases["K6"] = log.report(at(11, 10, 9), w.worker_a11)
    log.dispatch((at(11, 10, 9, 10), at(11, 10, 9, 20), at(11, 10, 9, 30)), k6, [sz])
    log.step(at(11, 10, 10), actions.return_task, w.handler_sz, k6, note="不属于本部门")
    log.step(at(11, 10, 10, 30), actions.dispatch, w.command, k6, departments=[cg])
    log.take(at(11, 10, 11), w.handler_cg, k6)
    log.back(at(11, 11, 11), w.handler_cg, k6)
    log.verify(at(11, 11, 15), w.worker_a11, k6)

    k7 = cases["K7"] = log.report(at(11, 11, 9), w.worker_a11, category="S0101")
    log.step(at(11, 11, 9, 30), actions.accept, w.chief_a11, k7)
    log.step(at(11, 11, 10), actions.escalate, w.chief_a11, k7, note="需社区调解")
    log.step(at(11, 11, 10, 15), actions.escalate, w.officer_a1, k7, note="需街道协调")
    log.step(at(11, 11, 10, 30), actions.resolve, w.officer_a, k7, note="街道调解成功")

    k9 = cases["K9"] = log.report(at(11, 23, 9), w.worker_a11)
    log.dispatch((at(11, 23, 9, 10), at(11, 23, 9, 20), at(11, 23, 10)), k9, [cg])
    log.take(at(11, 23, 10, 30), w.handler_cg, k9)

    k10 = cases["K10"] = log.report(at(11, 30, 9), w.worker_a11)
    log.dispatch((at(11, 30, 9, 10), at(11, 30, 9, 20), at(11, 30, 10)), k10, [cg])

    k11 = cases["K11"] = log.report(at(11, 16, 14), w.command, B11, category="E0101", channel="walk_in")
    log.step(at(11, 16, 14, 10), actions.decline, w.command, k11, note="不属于受理范围")

    k12 = cases["K12"] = log.report(at(11, 17, 9), w.worker_a11)
    log.dispatch((at(11, 17, 9, 10), at(11, 17, 9, 20), at(11, 17, 10)), k12, [cg])
    log.step(at(11, 17, 14), actions.suspend, w.command, k12, note="待拆迁", review_on=dt.date(2026, 12, 15))
    return {name: Case.objects.get(pk=c.pk) for name, c in cases.items()}


def check_the_story(k) -> None:
    """The log came out as told (so the arithmetic below starts from the right rows)."""
    assert {n: c.state for n, c in k.items()} == {
        "K0": "closed", "K1": "closed", "K2": "closed", "K3": "closed", "K4": "filed", "K5": "closed",
        "K6": "closed", "K7": "closed", "K8": "closed", "K9": "handling", "K10": "dispatched", "K11": "declined",
        "K12": "suspended"}
    assert [n for n, c in k.items() if c.closed_on_time is True] == ["K8", "K0", "K1", "K2", "K3", "K5", "K7"]
    assert k["K6"].closed_on_time is False and k["K4"].reopen_count == 1 and k["K4"].rating == 2
    assert k["K4"].handle_due_at == at(11, 6, 10) and k["K8"].handle_due_at == at(11, 16, 9, 30)
    assert k["K5"].handle_due_at == at(11, 11, 11) and k["K6"].handle_due_at == at(11, 11, 10, 30)
    assert k["K7"].resolved_level == "street" and k["K2"].resolved_level == "grid" and k["K3"].self_resolved
    assert k["K0"].resolved_level == "district" and k["K8"].escalation_count == 1 and k["K7"].escalation_count == 2


# --- November 2026, worked out by hand -------------------------------------------------------------

DISTRICT = {
    # reported in November: K1–K12 (K0 was reported on 30 Oct) = 12
    "reports": 12,
    # grid worker channel: K1 K3 K5 K6 K7 K9 K10 K12 = 8; residents: K2 (QR) K4 (12345) K8 (QR) K11 (walk-in) = 4
    "patrol_reports": 8, "resident_reports": 4,
    # every November report left `reported`; K8 went overdue while reported → 12 − 1 = 11
    "responded_on_time": 11,
    # filed in November: K1 K4 K5 K6 K8 K9 K10 K12 = 8 (K2 and K7 were resolved from accepted, K3
    # closed at once, K11 declined, K0 filed in October); the same eight were first dispatched in November
    "filed": 8, "dispatched": 8,
    # of the eight, K6 had a task returned → 7
    "accurate_dispatches": 7,
    # closed in November and still closed: K0 K1 K2 K3 K5 K6 K7 K8 = 8 (K4 was reopened)
    "closed": 8,
    # of those, grid level: K2 (grid chief) and K3 (on the spot) = 2; K3 alone on the spot
    "closed_in_grid": 2, "self_resolved": 1,
    # every department reported back in November: K0 (2 Nov) K1 (3) K4 (6) K5 (11) K6 (11) K8 (16) = 6;
    # K5 failed verification once → 1
    "handled": 6, "reworked": 1,
    # due in November: K0 (closed 2 Nov 14:00 before its deadline 14:30 → 2 Nov), K1 (deadline 3 Nov),
    # K2 and K3 and K7 (closed without a handling deadline: on their closing day), K4 (open, deadline
    # 6 Nov), K5 (11 Nov), K6 (11 Nov), K8 (16 Nov), K9 (open, 24 Nov) = 10; not due: K10 (1 Dec),
    # K11 (declined), K12 (suspended)
    "due": 10,
    # of the ten, closed now: all but K4 and K9 = 8; closed on time: those 8 but K6 = 7
    "due_closed": 8, "closed_on_time": 7,
    # rated in November: K2 (5), K4 (2), K5 (4) = 3; 4–5: K2, K5 = 2
    "rated": 3, "satisfied": 2,
    # moves up: K7 grid→community and community→street (escalate), K8 grid→community (sweep, 12 Nov);
    # K8's second overdue (17 Nov) moved nothing (the district owned it) → 3: community 2, street 1
    "escalations": 3, "escalations_to_community": 2, "escalations_to_street": 1, "escalations_to_district": 0,
    # tasks dispatched in November: K1 CG, K4 SZ, K5 CG+SZ, K6 SZ (returned) and CG, K8 CG, K9 CG,
    # K10 CG, K12 CG = 10 (K0's CG task is from 30 Oct); returned: K6 SZ = 1; extended: K8 CG = 1
    "tasks": 10, "tasks_returned": 1, "tasks_extended": 1,
    # tasks due in November: K0 CG (reported back 2 Nov 11:00 before 14:30 → 2 Nov), K1 CG (back 3 Nov
    # 09:00 before 10:00), K4 SZ (back late: its deadline 6 Nov), K5 CG (back Wed 09:00 before 11:00),
    # K5 SZ (Wed 10:00 before 11:00), K6 CG (back late: deadline 11 Nov 10:30), K8 CG (back Mon 09:00
    # before 09:30), K9 CG (open, 24 Nov) = 8; not: K6 SZ (returned), K10 CG (1 Dec), K12 CG (suspended case)
    "tasks_due": 8,
    # reported back: all but K9's = 7; on time: K0 K1 K5 CG K5 SZ K8 = 5 (K4 SZ and K6 CG late)
    "tasks_handled": 7, "tasks_on_time": 5,
    # reported back (the last time) in November: K0 K1 K4 K5×2 K6 K8 = 7; reworked: K5's two = 2
    "tasks_finished": 7, "tasks_reworked": 2,
    # tasks reported back whose case was rated in November: K4 SZ (2), K5 CG and SZ (4) = 3; 4–5: 2
    "tasks_rated": 3, "tasks_satisfied": 2,
}
DISTRICT_RATES = {
    "response_rate": 11 / 12, "closure_rate": 8 / 10, "resolution_rate": 8 / 10, "on_time_closure_rate": 7 / 10,
    "on_time_handling_rate": 5 / 8, "handling_rate": 7 / 8, "rework_rate": 1 / 6, "return_rate": 1 / 10,
    "extension_rate": 1 / 10, "satisfaction_rate": 2 / 3, "in_grid_resolution_rate": 2 / 8,
    "accurate_dispatch_rate": 7 / 8, "patrol_share": 8 / 12, "resident_share": 4 / 12,
}
DISTRICT_HOURS = {
    # accepted − reported, November reports (K3 self-resolved and K11 declined were never accepted):
    # K1 0.25, K2 0.333, K4 0.167, K5 0.5, K6 0.167, K7 0.5, K8 4.0, K9 0.167, K10 0.167, K12 0.167;
    # sorted 0.167×5, 0.25, 0.333, 0.5, 0.5, 4.0: median between the 5th and 6th = (1/6 + 1/4)/2
    # = 0.2083 → 0.21; p90 at rank 0.9 × 9 = 8.1: 0.5 + 0.1 × (4.0 − 0.5) = 0.85
    "response_hours_median": 0.21, "response_hours_p90": 0.85,
    # closed − reported, closed in November: K0 72 (30 Oct 14:00 → 2 Nov 14:00), K1 25.5, K2 1, K3 0,
    # K5 53, K6 30, K7 1.5, K8 122 (12 Nov 09:00 → 17 Nov 11:00); sorted 0 1 1.5 25.5 30 53 72 122:
    # median (25.5 + 30) / 2 = 27.75
    "close_hours_median": 27.75,
    # task taken − dispatched, tasks dispatched in November and taken: K1 0.5, K4 0.5, K5 CG 1/6,
    # K5 SZ 1/3, K6 CG 0.5, K8 0.5, K9 0.5 (K6 SZ returned untaken, K10 and K12 untaken): median 0.5
    "task_accept_hours_median": 0.5,
    # reported back − dispatched, tasks reported back in November: K0 68.5 (30 Oct 14:30 → 2 Nov
    # 11:00), K1 23, K4 29, K5 CG 47, K5 SZ 48, K6 CG 24.5, K8 91.5 (12 Nov 13:30 → 16 Nov 09:00):
    # sorted 23 24.5 29 47 48 68.5 91.5 → median 47
    "task_handle_hours_median": 47.0,
}

GRID_A11 = {
    # K1 K2 K3 K6 K7 K9 K10 K12
    "reports": 8, "patrol_reports": 7, "resident_reports": 1, "responded_on_time": 8,
    "filed": 5, "dispatched": 5, "accurate_dispatches": 4,  # K1 K6 K9 K10 K12; K6 misrouted
    "closed": 5, "closed_in_grid": 2, "self_resolved": 1,  # K1 K2 K3 K6 K7; K2 K3
    "handled": 2, "reworked": 0,  # K1, K6
    "due": 6, "due_closed": 5, "closed_on_time": 4,  # K1 K2 K3 K6 K7 K9; K9 open; K6 late
    "rated": 1, "satisfied": 1,  # K2
    "escalations": 2, "escalations_to_community": 1, "escalations_to_street": 1, "escalations_to_district": 0,
    "tasks": 6, "tasks_returned": 1, "tasks_extended": 0,  # K1 CG, K6 SZ+CG, K9, K10, K12
    "tasks_due": 3, "tasks_handled": 2, "tasks_on_time": 1,  # K1 CG, K6 CG (late), K9 CG (open)
    "tasks_finished": 2, "tasks_reworked": 0, "tasks_rated": 0, "tasks_satisfied": 0,
}
GRID_B11 = {
    # K4 K5 K8 K11 (K0 reported in October)
    "reports": 4, "patrol_reports": 1, "resident_reports": 3, "responded_on_time": 3,  # K8 late
    "filed": 3, "dispatched": 3, "accurate_dispatches": 3,  # K4 K5 K8
    "closed": 3, "closed_in_grid": 0, "self_resolved": 0,  # K0 K5 K8
    "handled": 4, "reworked": 1,  # K0 K4 K5 K8; K5
    "due": 4, "due_closed": 3, "closed_on_time": 3,  # K0 K4 K5 K8; K4 reopened
    "rated": 2, "satisfied": 1,  # K4 (2), K5 (4)
    "escalations": 1, "escalations_to_community": 1, "escalations_to_street": 0, "escalations_to_district": 0,
    "tasks": 4, "tasks_returned": 0, "tasks_extended": 1,  # K4 SZ, K5 CG+SZ, K8 CG
    "tasks_due": 5, "tasks_handled": 5, "tasks_on_time": 4,  # K0 K4 K5×2 K8; K4 late
    "tasks_finished": 5, "tasks_reworked": 2, "tasks_rated": 3, "tasks_satisfied": 2,
}
CG = {
    # tasks dispatched in November: K1 K5 K6 K8 K9 K10 K12 = 7; extended: K8
    "tasks": 7, "tasks_returned": 0, "tasks_extended": 1,
    # due: K0 K1 K5 K6 K8 K9 = 6; reported back: all but K9 = 5; on time: K0 K1 K5 K8 = 4
    "tasks_due": 6, "tasks_handled": 5, "tasks_on_time": 4,
    # reported back in November: K0 K1 K5 K6 K8 = 5; reworked: K5; rated: K5 (4)
    "tasks_finished": 5, "tasks_reworked": 1, "tasks_rated": 1, "tasks_satisfied": 1,
}
CG_RATES = {"on_time_handling_rate": 4 / 6, "handling_rate": 5 / 6, "return_rate": 0.0, "extension_rate": 1 / 7,
            "rework_rate": 1 / 5, "satisfaction_rate": 1.0}
SZ = {
    # K4, K5, K6 (returned); due: K4 (late), K5 (on time)
    "tasks": 3, "tasks_returned": 1, "tasks_extended": 0, "tasks_due": 2, "tasks_handled": 2, "tasks_on_time": 1,
    "tasks_finished": 2, "tasks_reworked": 1, "tasks_rated": 2, "tasks_satisfied": 1,  # K4 (2), K5 (4)
}
SZ_RATES = {"on_time_handling_rate": 1 / 2, "handling_rate": 1.0, "return_rate": 1 / 3, "extension_rate": 0.0,
            "rework_rate": 1 / 2, "satisfaction_rate": 1 / 2}
PEOPLE = {
    # K1 K3 K6 K7 K9 K10 K12 reported, K3 on the spot; verified K1 (3 Nov) and K6 (11 Nov)
    "worker_a11": {"reports_by": 7, "self_resolved_by": 1, "verifications": 2, "verifications_failed": 0,
                   "verifications_on_time": 2},
    # K5 (K0 is October's); verified K0, K4, K5 (failed), K5, K8 — K8 after its verification went overdue
    "worker_b11": {"reports_by": 1, "self_resolved_by": 0, "verifications": 5, "verifications_failed": 1,
                   "verifications_on_time": 4},
    # took K1 K5 K6 K8 K9 (K0 on 30 Oct); reported back K0 K1 K5 K5 K6 K8, late only K6 (11:00 > 10:30;
    # K5's first report-back, 9 Nov, is measured against the task's deadline now, 11 Nov 11:00)
    "handler_cg": {"tasks_accepted_by": 5, "report_backs_by": 6, "report_backs_on_time_by": 5, "returns_by": 0},
    # took K4 K5; reported back K4 (late) K5 K5; returned K6
    "handler_sz": {"tasks_accepted_by": 2, "report_backs_by": 3, "report_backs_on_time_by": 2, "returns_by": 1},
}


def subset(values: dict, expected: dict) -> dict:
    return {k: values.get(k) for k in expected}


def approx(values: dict) -> dict:
    return {k: None if v is None else round(v, 6) for k, v in values.items()}


def test_the_indicators_of_a_hand_checked_month(loop, photo):
    k = play(loop, photo)
    check_the_story(k)
    update_rollups(now=at(12, 2, 8), full=True)
    w = loop
    for source in ("rollup", "raw"):
        district = compute(ScopeFilter(area=w.district), NOVEMBER, source=source)
        assert subset(district, DISTRICT) == DISTRICT, source
        assert approx(subset(district, DISTRICT_RATES)) == approx(DISTRICT_RATES), source
        assert subset(district, DISTRICT_HOURS) == DISTRICT_HOURS, source
        assert subset(compute(ScopeFilter(area=w.grid_a11), NOVEMBER, source=source), GRID_A11) == GRID_A11
        assert subset(compute(ScopeFilter(area=w.grid_b11), NOVEMBER, source=source), GRID_B11) == GRID_B11
        # street A holds grid A1-1 (A1-2 has no case); community B1 is grid B1-1
        assert subset(compute(ScopeFilter(area=w.street_a), NOVEMBER, source=source), GRID_A11) == GRID_A11
        assert subset(compute(ScopeFilter(area=w.community_b1), NOVEMBER, source=source), GRID_B11) == GRID_B11
        cg = compute(ScopeFilter(department=w.dept_cg), NOVEMBER, source=source)
        assert subset(cg, CG) == CG and approx(subset(cg, CG_RATES)) == approx(CG_RATES)
        assert "reports" not in cg and "closure_rate" not in cg  # case indicators are the areas'
        sz = compute(ScopeFilter(department=w.dept_sz), NOVEMBER, source=source)
        assert subset(sz, SZ) == SZ and approx(subset(sz, SZ_RATES)) == approx(SZ_RATES)
        # CG's tasks on street B's cases: K0, K5, K8 → dispatched in November K5, K8; due K0 K5 K8, all on time
        cg_b = counts(ScopeFilter(department=w.dept_cg, area=w.street_b), NOVEMBER, source=source)
        assert (cg_b["tasks"], cg_b["tasks_due"], cg_b["tasks_on_time"], cg_b["tasks_extended"]) == (2, 3, 3, 1)
    for username, expected in PEOPLE.items():
        found = compute(ScopeFilter(person=w.users[username]), NOVEMBER)
        assert subset(found, expected) == expected, username
    assert compute(ScopeFilter(person=w.worker_b11), NOVEMBER)["verification_on_time_rate"] == 4 / 5
    assert compute(ScopeFilter(person=w.handler_sz), NOVEMBER)["report_back_on_time_rate"] == 2 / 3

    # other periods: October holds K0's report, filing, dispatch and task, nothing due (K0 fell due on
    # 2 Nov); the first half of November loses K8 (due 16 Nov) and K9 (24 Nov) from the ten due
    for source in ("rollup", "raw"):
        october = counts(ScopeFilter(area=w.district), Period.month(2026, 10), source=source)
        assert (october["reports"], october["filed"], october["tasks"], october["due"]) == (1, 1, 1, 0)
        half = counts(ScopeFilter(area=w.district), Period(dt.date(2026, 11, 1), dt.date(2026, 11, 16)), source)
        assert (half["due"], half["due_closed"], half["closed_on_time"]) == (8, 7, 6)
        december = counts(ScopeFilter(area=w.district), Period.month(2026, 12), source=source)
        assert (december["due"], december["tasks_due"]) == (1, 1)  # K10 and its task


def test_the_job_run_after_every_case_gives_the_same_month(loop, photo):
    """update_rollups after each step of the log, incrementally (the cases are played out of
    order in time, so new ones are found by their ids), ends with the same counts."""
    original = actions.verify
    runs = []

    def verify_then_roll_up(*args, **kwargs):
        result = original(*args, **kwargs)
        runs.append(update_rollups(now=dt.datetime.now(tz=SH)))
        return result

    actions.verify = verify_then_roll_up
    try:
        play(loop, photo)
    finally:
        actions.verify = original
    update_rollups(now=at(12, 2, 8))
    assert runs[0]["full"] is True and not any(r["full"] for r in runs[1:])
    district = counts(ScopeFilter(area=loop.district), NOVEMBER)
    assert subset(district, DISTRICT) == DISTRICT

"""Community-work indicators for the assessment (issue 7: "each feeds the dashboard and assessment"):
dispute mediation, patrols, grid tasks, joint-meeting decisions, and the volumes of volunteer
service, party members' service (双报到) and co-building needs, each defined ONCE here (the
function's docstring is its definition, as in indicators/definitions.py) and computed set-based for
many subjects at once: a handful of GROUP BY queries per ranking, never one query per row.

The records live in their own apps (disputes/, patrols/, gridtasks/, meetings/); this module only
reads them. They are not case tables, so they are not in the daily rollup: every figure is counted
from the live tables when the ranking is made.

Subjects and scope:
* areas (street, community, grid): the records whose `area_path` lies under the area's path (a
  dispute, patrol, home visit or grid-task part carries its grid's path, a meeting decision its
  convener's path), restricted to the viewer's case.view paths exactly like the case figures;
* grid workers: their own patrols and home visits, and the figures of the grids they hold;
* departments: the meeting decisions they own, on the viewer's areas' meetings.

Period: local days [start, end) in Asia/Shanghai, as everywhere (`Period.bounds()`). Working days
come from `core.workcalendar` (chinese-calendar and local overrides), the calendar the case
deadlines use. A deadline is judged once it has passed: items and decisions whose deadline is
still ahead when the ranking is made are not counted yet.

Rates are numerator / denominator; None when the denominator is 0, and then the score component
drops out (its weight goes to the others).
"""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass

from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.definitions import HIGHER, LOWER, Period, ratio

AREAS, WORKERS, DEPARTMENTS = "areas", "grid_workers", "departments"
COUNT, RATE, NUMBER = "count", "rate", "number"
NOON = 12  # a patrol started before 12:00 local time is the morning patrol


@dataclass(frozen=True)
class CommunityIndicator:
    key: str
    label: object
    kind: str  # count, rate (a share, shown in percent), number (a mean, e.g. per working day)
    subjects: tuple[str, ...]
    doc: str
    better: str = HIGHER
    ratio: tuple[str, str] | None = None  # rates and numbers: (numerator, denominator)


COMMUNITY_INDICATORS: dict[str, CommunityIndicator] = {}


def _define(label, kind: str, subjects: tuple[str, ...], better: str = HIGHER, of: tuple[str, str] | None = None):
    def register(fn):
        COMMUNITY_INDICATORS[fn.__name__] = CommunityIndicator(fn.__name__, label, kind, subjects,
                                                               inspect.getdoc(fn) or "", better, of)
        return fn
    return register


# --- disputes (矛盾纠纷调处) -----------------------------------------------------------------------


@_define(_("Disputes mediated"), COUNT, (AREAS,))
def disputes_mediated():
    """调处数: disputes under the area whose mediation ended in the period (`concluded_at` ∈ P):
    settled, not settled or referred to court or petition — mediated with an outcome. A dispute still
    registered or in mediation is not counted."""


@_define(_("Disputes settled"), COUNT, (AREAS,))
def disputes_settled():
    """调解成功数: of the disputes mediated in the period, those settled with an agreement."""


@_define(_("Dispute settlement rate"), RATE, (AREAS,), of=("disputes_settled", "disputes_mediated"))
def dispute_settlement_rate():
    """调解成功率 = disputes settled / disputes mediated (same period; 湛河: 415 / 432 = 96 %)."""


@_define(_("Dispute follow-ups"), COUNT, (AREAS,))
def dispute_follow_ups():
    """回访数: follow-up visits (`FollowUp.visited_at` ∈ P) to disputes under the area."""


@_define(_("Dispute follow-ups satisfied"), COUNT, (AREAS,))
def dispute_follow_ups_satisfied():
    """回访满意数: of those visits, the parties satisfied or basically satisfied."""


@_define(_("Parties' satisfaction with mediation"), RATE, (AREAS,),
         of=("dispute_follow_ups_satisfied", "dispute_follow_ups"))
def dispute_satisfaction_rate():
    """当事人满意率 = follow-ups satisfied / follow-ups (the parties' own word: a bottom-up figure)."""


# --- patrols (巡查, 每日上下午双巡) -------------------------------------------------------------------


@_define(_("Patrols made"), COUNT, (AREAS,))
def patrols():
    """巡查次数: patrols started in the period (`started_at` ∈ P) in the area's grids, by anyone."""


@_define(_("Patrol grid-days"), COUNT, (AREAS, WORKERS))
def patrol_grid_days():
    """巡查应巡网格日: Σ over the area's patrolling grids of the working days of P that are over (a
    day counts once its morning is over) from the grid's first recorded patrol on. A grid takes part
    from its first patrol ever (the day patrolling started there); a grid that never recorded one
    has no patrol figures (no data, not zero). For a grid worker: over the grids they hold."""


@_define(_("Patrols per grid per working day"), NUMBER, (AREAS,), of=("patrols", "patrol_grid_days"))
def patrols_per_grid_day():
    """巡查频次 = patrols / patrol grid-days (the standard expects 2: morning and afternoon)."""


@_define(_("Patrol half-days expected"), COUNT, (AREAS, WORKERS))
def patrol_halves_expected():
    """应巡半日数: on every working day each patrolling grid expects a patrol started in the morning
    (before 12:00 local time) and one in the afternoon ("每日上下午双巡"): 2 per grid-day, counting only
    half-days already over (a morning after 12:00, an afternoon from the next day on)."""


@_define(_("Patrol half-days missed"), COUNT, (AREAS, WORKERS))
def patrol_halves_missed():
    """漏巡半日数: expected half-days in which no patrol of that grid started (by anyone)."""


@_define(_("Missed patrol share"), RATE, (AREAS, WORKERS), LOWER, of=("patrol_halves_missed", "patrol_halves_expected"))
def missed_patrol_share():
    """漏巡率 = half-days missed / half-days expected (lower is better; a grid worker: of their grids)."""


@_define(_("Patrols by the worker"), COUNT, (WORKERS,))
def worker_patrols():
    """个人巡查次数: patrols the grid worker started in the period (in the viewer's areas)."""


@_define(_("Patrols per working day"), NUMBER, (WORKERS,), of=("worker_patrols", "patrol_grid_days"))
def patrols_per_day():
    """人均日巡查次数 = the worker's patrols / the patrol grid-days of their grids (one grid: per working
    day since patrolling started there; the standard expects 2)."""


@_define(_("Home visits"), COUNT, (WORKERS,))
def home_visits():
    """入户走访数: home visits the grid worker recorded in the period (`visited_at` ∈ P)."""


@_define(_("Home visits (against the most in the ranking)"), COUNT, (WORKERS,))
def visit_volume():
    """走访量得分的依据: the worker's home visits, scored against the most of anyone in the same ranking
    (100 · visits / most; no data when nobody visited)."""


# --- grid tasks (任务下派) ------------------------------------------------------------------------


@_define(_("Grid-task items due"), COUNT, (AREAS, WORKERS))
def gridtask_items_due():
    """应完成任务项: items of the grid-task parts sent to the area's grids whose deadline (the part's
    `due_at`) falls in the period and has passed."""


@_define(_("Grid-task items done on time"), COUNT, (AREAS, WORKERS))
def gridtask_items_on_time():
    """按时完成任务项: of those, completed (done, or not found with a note) by the deadline."""


@_define(_("Grid-task items on-time rate"), RATE, (AREAS, WORKERS), of=("gridtask_items_on_time", "gridtask_items_due"))
def gridtask_on_time_rate():
    """任务按时完成率 = items done on time / items due (a grid worker: the items of their grids)."""


# --- joint-meeting decisions (联席会议议定事项) ---------------------------------------------------


@_define(_("Meeting decisions due"), COUNT, (AREAS, DEPARTMENTS))
def decisions_due():
    """应办结议定事项: decisions whose deadline (`due_at`) falls in the period and has passed — of the
    meetings convened by the area or an area below it (a street: its own and its communities'); for
    a department: the decisions it owns, on the meetings of the viewer's areas."""


@_define(_("Meeting decisions done on time"), COUNT, (AREAS, DEPARTMENTS))
def decisions_on_time():
    """按时办结议定事项: of those, marked done by the deadline (`done_at ≤ due_at`)."""


@_define(_("Meeting decisions on-time rate"), RATE, (AREAS, DEPARTMENTS), of=("decisions_on_time", "decisions_due"))
def decision_on_time_rate():
    """议定事项按时办结率 = decisions done on time / decisions due."""


# --- volunteers, party members and co-building (志愿服务、党员双报到、共驻共建) ---------------------


@_define(_("Volunteer service hours"), NUMBER, (AREAS,))
def volunteer_hours():
    """志愿服务时长: Σ service hours of the sign-ups recorded as served (checked out) in the period
    (`checked_out_at` ∈ P), at the activities published under the area."""


@_define(_("Party members' service hours"), NUMBER, (AREAS,))
def party_service_hours():
    """党员服务时长 (双报到): Σ hours of the service logs confirmed by the community, served in the
    period (`served_on` ∈ P), logged under the area."""


@_define(_("Needs raised"), COUNT, (AREAS,))
def needs_raised():
    """需求数: entries of the needs list (需求清单) added under the area in the period."""


@_define(_("Needs met"), COUNT, (AREAS,))
def needs_met():
    """需求满足数: matches of a need with a resource carried out (state done) in the period (by the
    match's last change), under the area."""


# --- computing --------------------------------------------------------------------------------

AREA_COUNTS = ("disputes_mediated", "disputes_settled", "dispute_follow_ups", "dispute_follow_ups_satisfied",
               "patrols", "patrol_grid_days", "patrol_halves_expected", "patrol_halves_missed",
               "gridtask_items_due", "gridtask_items_on_time", "decisions_due", "decisions_on_time",
               "volunteer_hours", "party_service_hours", "needs_raised", "needs_met")
GRID_DUTIES = ("patrol_grid_days", "patrol_halves_expected", "patrol_halves_missed", "gridtask_items_due",
               "gridtask_items_on_time")


def _finish(values: dict, subject: str) -> dict:
    """Adds the rates and means of `subject` to its counts (rates exact, as the scores use them;
    means per day rounded to 2 places, as they are only shown)."""
    for indicator in COMMUNITY_INDICATORS.values():
        if indicator.ratio and subject in indicator.subjects:
            numerator, denominator = indicator.ratio
            value = ratio(values.get(numerator), values.get(denominator))
            if value is not None and indicator.kind == NUMBER:
                value = round(value, 2)
            values[indicator.key] = value
    return values


def _under(paths: tuple[str, ...] | None, lookup: str = "area_path") -> Q:
    """Records under any of the paths (None: everywhere; (): nothing)."""
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in (path or "").strip("/").split("/") if part]


def _add(totals: dict[int, dict], path: str, found: dict) -> None:
    """Adds a group's counts to every subject area on its path (the area itself and those above)."""
    for ancestor in _ancestor_ids(path):
        if ancestor in totals:
            for key, value in found.items():
                totals[ancestor][key] += value


def expected_halves(period: Period, now: dt.datetime) -> list[tuple[dt.date, str]]:
    """The working half-days of the period that are over by `now`: (day, "am"/"pm")."""
    from core.workcalendar import get_calendar

    local = timezone.localtime(now)
    calendar = get_calendar()
    out = []
    day = period.start
    while day < period.end:
        if calendar.is_workday(day):
            if day < local.date():
                out += [(day, "am"), (day, "pm")]
            elif day == local.date() and local.hour >= NOON:
                out.append((day, "am"))
        day += dt.timedelta(days=1)
    return out


def grid_patrol_figures(paths: tuple[str, ...] | None, period: Period, now: dt.datetime) -> dict[str, dict]:
    """Per patrolling grid (by its path): patrols, grid-days, half-days expected and missed. Two
    grouped queries: the first patrol of each grid, the patrols of P by grid, local day and hour."""
    from patrols.models import Patrol

    lo, hi = period.bounds()
    tz = timezone.get_default_timezone()
    started = dict(Patrol.objects.filter(_under(paths), started_at__lt=hi).values("area_path")
                   .annotate(first=Min("started_at")).values_list("area_path", "first"))
    if not started:
        return {}
    covered: dict[str, set] = {path: set() for path in started}
    made = dict.fromkeys(started, 0)
    rows = (Patrol.objects.filter(_under(paths), started_at__gte=lo, started_at__lt=hi)
            .annotate(day=TruncDate("started_at", tzinfo=tz), hour=ExtractHour("started_at", tzinfo=tz))
            .values("area_path", "day", "hour").annotate(n=Count("id")).values_list("area_path", "day", "hour", "n"))
    for path, day, hour, n in rows:
        made[path] = made.get(path, 0) + n
        covered.setdefault(path, set()).add((day, "pm" if hour >= NOON else "am"))
    halves = expected_halves(period, now)
    out = {}
    for path, first in started.items():
        since = timezone.localtime(first, tz).date()
        expected = [h for h in halves if h[0] >= since]
        out[path] = {"patrols": made.get(path, 0), "patrol_grid_days": len({d for d, _h in expected}),
                     "patrol_halves_expected": len(expected),
                     "patrol_halves_missed": len(set(expected) - covered.get(path, set()))}
    return out


def area_figures(areas, paths: tuple[str, ...] | None, period: Period, now: dt.datetime | None = None) -> dict[int, dict]:
    """The community-work indicators of many areas at once ({area pk: values}), counted from the
    records under `paths` (the viewer's case.view paths or the area filter; None: everywhere).
    Six grouped queries in all, whatever the number of areas."""
    from disputes.choices import CONCLUDED_STATES, SATISFIED, DisputeState
    from disputes.models import Dispute, FollowUp
    from gridtasks.choices import DONE_STATES
    from gridtasks.models import GridTaskItem
    from meetings.choices import DecisionState
    from meetings.models import Decision

    now = now or timezone.now()
    totals = {a.pk: dict.fromkeys(AREA_COUNTS, 0) for a in areas}
    if not totals or paths == ():
        return {pk: _finish(values, AREAS) for pk, values in totals.items()}
    lo, hi = period.bounds()
    judged = min(hi, now)  # deadlines still ahead are not judged yet

    for path, mediated, settled in (
            Dispute.objects.filter(_under(paths), state__in=CONCLUDED_STATES, concluded_at__gte=lo, concluded_at__lt=hi)
            .values("area_path").annotate(m=Count("id"), s=Count("id", filter=Q(state=DisputeState.SETTLED)))
            .values_list("area_path", "m", "s")):
        _add(totals, path, {"disputes_mediated": mediated, "disputes_settled": settled})
    for path, visits, satisfied in (
            FollowUp.objects.filter(_under(paths, "dispute__area_path"), visited_at__gte=lo, visited_at__lt=hi)
            .values("dispute__area_path").annotate(v=Count("id"), s=Count("id", filter=Q(satisfaction__in=SATISFIED)))
            .values_list("dispute__area_path", "v", "s")):
        _add(totals, path, {"dispute_follow_ups": visits, "dispute_follow_ups_satisfied": satisfied})
    for path, found in grid_patrol_figures(paths, period, now).items():
        _add(totals, path, found)
    if judged > lo:
        for path, due, on_time in (
                GridTaskItem.objects.filter(_under(paths, "part__area_path"), part__due_at__gte=lo,
                                            part__due_at__lt=judged, part__task__cancelled_at__isnull=True)
                .values("part__area_path")
                .annotate(d=Count("id"), t=Count("id", filter=Q(state__in=DONE_STATES,
                                                                completed_at__lte=F("part__due_at"))))
                .values_list("part__area_path", "d", "t")):
            _add(totals, path, {"gridtask_items_due": due, "gridtask_items_on_time": on_time})
        for path, due, on_time in (
                Decision.objects.filter(_under(paths), due_at__gte=lo, due_at__lt=judged).values("area_path")
                .annotate(d=Count("id"), t=Count("id", filter=Q(state=DecisionState.DONE, done_at__lte=F("due_at"))))
                .values_list("area_path", "d", "t")):
            _add(totals, path, {"decisions_due": due, "decisions_on_time": on_time})
    _add_engagement(totals, paths, period)
    for values in totals.values():  # hours: shown with one decimal
        for key in ("volunteer_hours", "party_service_hours"):
            values[key] = round(float(values[key]), 1)
    return {pk: _finish(values, AREAS) for pk, values in totals.items()}


def served_signups(signups, period: Period):
    """The sign-ups `volunteer_hours` sums: served (checked out) in the period."""
    from volunteers.choices import SignUpState

    lo, hi = period.bounds()
    return signups.filter(state=SignUpState.DONE, checked_out_at__gte=lo, checked_out_at__lt=hi)


def confirmed_services(services, period: Period):
    """The service logs `party_service_hours` sums: confirmed, served in the period."""
    from party.choices import ServiceState

    return services.filter(state=ServiceState.CONFIRMED, served_on__gte=period.start, served_on__lt=period.end)


def needs_raised_in(entries, period: Period):
    """The entries `needs_raised` counts: needs added in the period."""
    from cobuilding.choices import EntryKind

    lo, hi = period.bounds()
    return entries.filter(kind=EntryKind.NEED, created_at__gte=lo, created_at__lt=hi)


def needs_met_in(matches, period: Period):
    """The matches `needs_met` counts: carried out (done) in the period."""
    from cobuilding.choices import MatchState

    lo, hi = period.bounds()
    return matches.filter(state=MatchState.DONE, updated_at__gte=lo, updated_at__lt=hi)


def _add_engagement(totals: dict[int, dict], paths: tuple[str, ...] | None, period: Period) -> None:
    """Volunteer hours, party members' confirmed service hours, needs raised and met: four grouped
    queries."""
    from cobuilding.models import ListEntry, Match
    from party.models import ServiceLog
    from volunteers.models import SignUp

    for path, hours in (served_signups(SignUp.objects.filter(_under(paths, "activity__area_path")), period)
                        .values("activity__area_path").annotate(h=Sum("hours")).values_list("activity__area_path", "h")):
        _add(totals, path, {"volunteer_hours": hours or 0})
    for path, hours in (confirmed_services(ServiceLog.objects.filter(_under(paths)), period)
                        .values("area_path").annotate(h=Sum("hours")).values_list("area_path", "h")):
        _add(totals, path, {"party_service_hours": hours or 0})
    for path, n in (needs_raised_in(ListEntry.objects.filter(_under(paths)), period)
                    .values("area_path").annotate(n=Count("id")).values_list("area_path", "n")):
        _add(totals, path, {"needs_raised": n})
    for path, n in (needs_met_in(Match.objects.filter(_under(paths)), period)
                    .values("area_path").annotate(n=Count("id")).values_list("area_path", "n")):
        _add(totals, path, {"needs_met": n})


def department_figures(departments, paths: tuple[str, ...] | None, period: Period,
                       now: dt.datetime | None = None) -> dict[int, dict]:
    """The meeting decisions each department owns, due in the period, on the meetings under `paths`
    (None: everywhere): one grouped query."""
    from meetings.choices import DecisionState
    from meetings.models import Decision

    now = now or timezone.now()
    totals = {d.pk: {"decisions_due": 0, "decisions_on_time": 0} for d in departments}
    lo, hi = period.bounds()
    judged = min(hi, now)
    if totals and paths != () and judged > lo:
        for department_id, due, on_time in (
                Decision.objects.filter(_under(paths), owner_department_id__in=list(totals), due_at__gte=lo,
                                        due_at__lt=judged).values("owner_department_id")
                .annotate(d=Count("id"), t=Count("id", filter=Q(state=DecisionState.DONE, done_at__lte=F("due_at"))))
                .values_list("owner_department_id", "d", "t")):
            totals[department_id] = {"decisions_due": due, "decisions_on_time": on_time}
    return {pk: _finish(values, DEPARTMENTS) for pk, values in totals.items()}


def worker_figures(grids_of: dict[int, list], paths: tuple[str, ...] | None, period: Period,
                   now: dt.datetime | None = None) -> dict[int, dict]:
    """Per grid worker ({user id: values}): their own patrols and home visits in the period (within
    `paths`), and the patrol and grid-task figures of the grids they hold (`grids_of`: user id →
    grids). Two grouped queries plus those of `area_figures` for the grids."""
    from patrols.models import HomeVisit, Patrol

    now = now or timezone.now()
    lo, hi = period.bounds()
    grids = {g.pk: g for gs in grids_of.values() for g in gs}
    by_grid = area_figures(grids.values(), tuple(g.path for g in grids.values()), period, now) if grids else {}
    users = list(grids_of)
    own_patrols = dict(Patrol.objects.filter(_under(paths), worker_id__in=users, started_at__gte=lo, started_at__lt=hi)
                       .values("worker_id").annotate(n=Count("id")).values_list("worker_id", "n"))
    visits = dict(HomeVisit.objects.filter(_under(paths), worker_id__in=users, visited_at__gte=lo, visited_at__lt=hi)
                  .values("worker_id").annotate(n=Count("id")).values_list("worker_id", "n"))
    out = {}
    for user_id, held in grids_of.items():
        values = dict.fromkeys(GRID_DUTIES, 0)
        for grid in {g.pk: g for g in held}.values():
            for key in GRID_DUTIES:
                values[key] += by_grid.get(grid.pk, {}).get(key, 0)
        values["worker_patrols"] = own_patrols.get(user_id, 0)
        values["home_visits"] = values["visit_volume"] = visits.get(user_id, 0)
        out[user_id] = _finish(values, WORKERS)
    return out

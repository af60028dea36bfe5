"""Every indicator, defined once: what it counts, on which day, and how the rates are formed.

An indicator is asked for a *scope* and a *period*:

* scope (`ScopeFilter`): an area (district, street, community or grid: every case whose grid lies
  under the area's materialized path), a department (its tasks, `CaseTask`), optionally both (a
  department's tasks on one area's cases), optionally a major category; or a person (a grid worker
  as reporter and verifier, a department handler as the one who reports back);
* period (`Period`): local days [start, end), Asia/Shanghai (settings.TIME_ZONE). Timestamps t
  count in P when start 00:00 ≤ t < end 00:00, local time.

Counts (kind "count") each name the *moment* a case or task counts on and, for some, a *flag* it
must have. The moments and flags are below (`CASE_MOMENTS`, `CASE_FLAGS`, `TASK_MOMENTS`,
`TASK_FLAGS`, `escalation_level`), each with its definition; every count is
    #{ case (or task) in the scope : moment ∈ P and flag }.
The same moments and flags, truncated to local days, are the columns of the fact tables, and the
counts of `DailyCount` are built from them (indicators/rollups.py): summing the daily rows of a
scope and period gives exactly the count computed here from the case tables (`source="raw"`), which
indicators/tests/test_rollup_equals_raw.py checks on random data.

Rates (kind "rate") are numerator / denominator of two counts, None when the denominator is 0.
Durations (kind "duration") are medians or 90th percentiles in hours, always from the case tables.
Person indicators are computed from the case tables only (the rollups have no person dimension).

docs/indicators.md lists them all with their Chinese names; the docstrings below are the
definitions.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Aggregate,
    BigIntegerField,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import CaseState, Channel, TaskState

CASE, TASK, EVENT, PERSON = "case", "task", "event", "person"
AREA_SCOPE, DEPARTMENT_SCOPE, PERSON_SCOPE = "area", "department", "person"
HIGHER, LOWER = "higher", "lower"

PATROL_CHANNELS = (Channel.GRID_WORKER,)
RESIDENT_CHANNELS = (Channel.RESIDENT_QR, Channel.HOTLINE, Channel.ONLINE, Channel.WALK_IN, Channel.OPEN311)
NOT_DUE_STATES = (CaseState.DECLINED, CaseState.VOIDED, CaseState.MERGED, CaseState.SUSPENDED)


# --- period and scope ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local days [start, end)."""

    start: dt.date
    end: dt.date
    name: str = ""

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        return cls(dt.date(year, month, 1), end, f"{year:04d}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("quarters are 1 to 4")
        first = 3 * quarter - 2
        end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, first + 3, 1)
        return cls(dt.date(year, first, 1), end, f"{year:04d}-Q{quarter}")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), f"{year:04d}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """"2026-10" (a month), "2026-Q4" (a quarter), "2026" (a year). ValueError otherwise."""
        text = (text or "").strip().upper()
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise ValueError("months are 1 to 12")
            return cls.month(year, month)
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text):
            return cls.quarter(int(m[1]), int(m[2]))
        if re.fullmatch(r"\d{4}", text):
            return cls.year(int(text))
        raise ValueError("a period is a month (2026-10), a quarter (2026-Q4) or a year (2026)")

    @property
    def label(self) -> str:
        last = self.end - dt.timedelta(days=1)
        return self.name or f"{self.start.isoformat()} – {last.isoformat()}"

    @property
    def kind(self) -> str:
        if re.fullmatch(r"\d{4}-\d{2}", self.name):
            return "month"
        if "Q" in self.name:
            return "quarter"
        return "year" if re.fullmatch(r"\d{4}", self.name) else "days"

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes: local midnight of start and of end."""
        tz = timezone.get_default_timezone()
        return (timezone.make_aware(dt.datetime.combine(self.start, dt.time()), tz),
                timezone.make_aware(dt.datetime.combine(self.end, dt.time()), tz))

    def previous(self) -> Period:
        if self.kind == "month":
            return Period.month(self.start.year - (self.start.month == 1), (self.start.month - 2) % 12 + 1)
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return Period.quarter(self.start.year - (q == 1), (q - 2) % 4 + 1)
        length = self.end - self.start
        return Period(self.start - length, self.start)


@dataclass(frozen=True)
class ScopeFilter:
    """What the indicators are about. `area`: the cases under the area (materialized-path prefix);
    `paths`: several such prefixes (a viewer's covered areas) when there is no single area; neither:
    every case. `department`: that department's tasks (on the cases above). `category`: a major
    category. `person`: a grid worker or department handler (the other fields are then ignored)."""

    area: object = None
    department: object = None
    person: object = None
    category: object = None
    paths: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        if self.person is not None:
            return PERSON_SCOPE
        return DEPARTMENT_SCOPE if self.department is not None else AREA_SCOPE

    @property
    def area_paths(self) -> tuple[str, ...]:
        return (self.area.path,) if self.area is not None else tuple(self.paths)

    def paths_q(self, lookup: str) -> Q:
        q = Q()
        for path in self.area_paths:
            q |= Q(**{f"{lookup}__startswith": path})
        return q


# --- the registry ----------------------------------------------------------------------------


@dataclass
class Indicator:
    key: str
    label: object
    kind: str  # count, rate, duration
    family: str  # case, task, event, person (counts); for rates and durations: the scope kinds
    doc: str
    moment: str | None = None
    flag: str | None = None
    ratio: dict = field(default_factory=dict)  # rates: scope kind → (numerator, denominator)
    better: str = HIGHER
    scopes: tuple = ()


INDICATORS: dict[str, Indicator] = {}


def _count(label, family: str, moment: str | None, flag: str | None = None):
    def register(fn):
        scopes = {CASE: (AREA_SCOPE,), EVENT: (AREA_SCOPE,), TASK: (AREA_SCOPE, DEPARTMENT_SCOPE),
                  PERSON: (PERSON_SCOPE,)}[family]
        INDICATORS[fn.__name__] = Indicator(fn.__name__, label, "count", family, inspect.getdoc(fn) or "",
                                            moment=moment, flag=flag, scopes=scopes)
        return fn
    return register


def _rate(label, better: str = HIGHER, **ratio):
    def register(fn):
        INDICATORS[fn.__name__] = Indicator(fn.__name__, label, "rate", "", inspect.getdoc(fn) or "", ratio=ratio,
                                            better=better, scopes=tuple(ratio))
        return fn
    return register


def _duration(label, *scopes):
    def register(fn):
        INDICATORS[fn.__name__] = Indicator(fn.__name__, label, "duration", "", inspect.getdoc(fn) or "",
                                            better=LOWER, scopes=scopes)
        return fn
    return register


# --- moments and flags: cases ------------------------------------------------------------------


def closed_moment():
    """closed_at, for a case whose state is now `closed` (a reopened case has none)."""
    return SqlCase(When(state=CaseState.CLOSED, then=F("closed_at")), default=None, output_field=DateTimeField())


def due_moment():
    """When a case falls due to be closed (应结案): the handling deadline `handle_due_at`, or the
    closing time for a case closed before its deadline (提前结案) or closed without one (resolved by
    the owning level, self-resolved on the spot). Open cases without a handling deadline (not yet
    dispatched), and declined, voided, merged and suspended (挂账, the clock stopped) cases, are not
    due at all. A case closed after its deadline is due at the deadline; a reopened case is open
    again and due at its deadline. So every case is due at most once, and a period's 应结案 =
    cases whose deadline falls in it + cases closed in it before their deadline."""
    return SqlCase(
        When(state__in=NOT_DUE_STATES, then=None),
        When(Q(state=CaseState.CLOSED) & (Q(handle_due_at__isnull=True) | Q(closed_at__lt=F("handle_due_at"))),
             then=F("closed_at")),
        default=F("handle_due_at"), output_field=DateTimeField(),
    )


def rated_moment():
    """rated_at, for a case that has a rating (the latest, when a reopened case was rated twice)."""
    return SqlCase(When(rating__isnull=False, then=F("rated_at")), default=None, output_field=DateTimeField())


def case_moments() -> dict:
    """Case moments by the fact column that holds their local day."""
    return {
        "created_on": F("created_at"),
        "filed_on": F("filed_at"),
        "dispatched_on": F("dispatched_at"),  # the first dispatch
        "closed_on": closed_moment(),
        "handled_on": F("handled_at"),  # the last time every department had reported back
        "due_on": due_moment(),
        "rated_on": rated_moment(),
    }


def responded_on_time_q() -> Q:
    """响应: the case has left `reported` (accepted, declined, merged, voided or closed) and never
    went overdue while still `reported` (no `overdue` timeline row of the deadline sweep with
    from_state reported): it was taken up within the standard's accept time."""
    from cases.models import CaseEvent

    late = CaseEvent.objects.filter(case=OuterRef("pk"), action="overdue", from_state=CaseState.REPORTED)
    return ~Q(state=CaseState.REPORTED) & ~Q(Exists(late))


def accurate_q() -> Q:
    """精准派遣: no department task of the case was ever returned as misrouted (no `return_task`;
    a returned task stays `returned`), so it was never dispatched again because of a misroute."""
    from cases.models import CaseTask

    return ~Q(Exists(CaseTask.objects.filter(case=OuterRef("pk"), state=TaskState.RETURNED)))


def case_flags() -> dict[str, Q]:
    return {
        "responded_on_time": responded_on_time_q(),
        "accurate": accurate_q(),
        # 网格内化解: solved at grid level (resolved_level grid) or on the spot by the grid worker
        "in_grid": Q(resolved_level="grid") | Q(self_resolved=True),
        "self_resolved": Q(self_resolved=True),
        # 返工: failed on-site verification at least once (rework_count counts verify_fail)
        "reworked": Q(rework_count__gt=0),
        "closed": Q(state=CaseState.CLOSED),
        # 按期: closed_on_time as the loop set it (handled, or resolved, by the deadline)
        "closed_on_time": Q(state=CaseState.CLOSED, closed_on_time=True),
        # 满意: rated 4 or 5 of 5
        "satisfied": Q(rating__gte=4),
    }


# --- moments and flags: department tasks (cancelled tasks never count) ------------------------


def task_due_moment():
    """When a department task falls due (the department's 应处置): its deadline `due_at` (moved by
    approved extensions and by rework), or the time it was reported back if that was before the
    deadline. Returned tasks and the tasks of suspended cases are not due."""
    return SqlCase(
        When(Q(state__in=[TaskState.RETURNED, TaskState.CANCELLED]) | Q(case__state=CaseState.SUSPENDED), then=None),
        When(Q(state=TaskState.HANDLED, handled_at__isnull=False)
             & (Q(due_at__isnull=True) | Q(handled_at__lt=F("due_at"))), then=F("handled_at")),
        default=F("due_at"), output_field=DateTimeField(),
    )


def task_moments() -> dict:
    return {
        "dispatched_on": F("created_at"),
        "due_on": task_due_moment(),
        "finished_on": SqlCase(When(state=TaskState.HANDLED, then=F("handled_at")), default=None,
                               output_field=DateTimeField()),
        # the case's rating, for a task the department reported back
        "rated_on": SqlCase(When(state=TaskState.HANDLED, case__rating__isnull=False, then=F("case__rated_at")),
                            default=None, output_field=DateTimeField()),
    }


def task_flags() -> dict[str, Q]:
    from cases.models import CaseEvent

    extended = CaseEvent.objects.filter(task=OuterRef("pk"), action="approve_extension")
    return {
        "returned": Q(state=TaskState.RETURNED),
        "extended": Q(Exists(extended)),
        "handled": Q(state=TaskState.HANDLED),
        "on_time": Q(state=TaskState.HANDLED) & (Q(due_at__isnull=True) | Q(handled_at__lte=F("due_at"))),
        "reworked": Q(rework_count__gt=0),
        "satisfied": Q(case__rating__gte=4),
    }


def counted_tasks(queryset):
    return queryset.exclude(state=TaskState.CANCELLED)


# --- escalations (timeline rows) ----------------------------------------------------------------


def escalation_events(queryset):
    """The timeline rows that moved a case up a level, with `escalation_level` = the level it went
    to: `escalate` rows (data.to_level) and the deadline sweep's `overdue` rows that moved the case
    (data.escalated_to, an area id, is empty when the owner was already the district)."""
    from areas.models import Area

    return (queryset.filter(action__in=["escalate", "overdue"])
            .annotate(escalated_to_id=Cast(KT("data__escalated_to"), BigIntegerField()))
            .annotate(escalation_level=SqlCase(
                When(action="escalate", then=Cast(KT("data__to_level"), CharField())),
                default=Subquery(Area.objects.filter(pk=OuterRef("escalated_to_id")).values("level")[:1]),
                output_field=CharField()))
            .filter(escalation_level__isnull=False))


ESCALATION_LEVELS = {"escalations_to_community": "community", "escalations_to_street": "street",
                     "escalations_to_district": "district"}


# --- the indicators ------------------------------------------------------------------------------
# Counts. `_count(label, family, moment, flag)`: #{case/task of the scope : moment ∈ P and flag}.


@_count(_("Reports"), CASE, "created_on")
def reports():
    """上报数: cases reported (created) in the period, from every channel.
    reports = #{c : created_at ∈ P}"""


@_count(_("Responded on time"), CASE, "created_on", "responded_on_time")
def responded_on_time():
    """按时响应数: reports of the period that were taken up without going overdue while reported.
    = #{c : created_at ∈ P, state ≠ reported, no overdue row from `reported`}"""


@_count(_("Cases filed"), CASE, "filed_on")
def filed():
    """立案数: cases filed in the period. = #{c : filed_at ∈ P}"""


@_count(_("Cases dispatched"), CASE, "dispatched_on")
def dispatched():
    """派遣数: cases first dispatched to departments in the period. = #{c : dispatched_at ∈ P}"""


@_count(_("Accurately dispatched"), CASE, "dispatched_on", "accurate")
def accurate_dispatches():
    """精准派遣数: of those, the cases none of whose tasks was returned.
    = #{c : dispatched_at ∈ P, no task returned}"""


@_count(_("Cases closed"), CASE, "closed_on")
def closed():
    """结案数 (in the period): cases closed in the period and still closed.
    = #{c : state = closed, closed_at ∈ P}"""


@_count(_("Closed in the grid"), CASE, "closed_on", "in_grid")
def closed_in_grid():
    """网格内化解数: of those, resolved at grid level or on the spot.
    = #{c : closed in P, resolved_level = grid or self_resolved}"""


@_count(_("Cases resolved on the spot"), CASE, "closed_on", "self_resolved")
def self_resolved():
    """自行处置数: cases closed in the period that the grid worker resolved on the spot."""


@_count(_("Handled by departments"), CASE, "handled_on")
def handled():
    """处置数: cases whose departments all reported back in the period (the last time they did).
    = #{c : handled_at ∈ P}"""


@_count(_("Reworked"), CASE, "handled_on", "reworked")
def reworked():
    """返工数: of those, cases that failed verification at least once (a verify_fail row).
    = #{c : handled_at ∈ P, rework_count > 0}"""


@_count(_("Due to close"), CASE, "due_on")
def due():
    """应结案数: cases due to be closed in the period (see due_moment: deadline in P, or closed in
    P before the deadline or without one). = #{c : due_moment ∈ P}"""


@_count(_("Due and closed"), CASE, "due_on", "closed")
def due_closed():
    """结案数 (of the cases due): cases due in the period that are closed now.
    = #{c : due_moment ∈ P, state = closed}"""


@_count(_("Closed on time"), CASE, "due_on", "closed_on_time")
def closed_on_time():
    """按期结案数: cases due in the period, closed, and closed on time (closed_on_time).
    = #{c : due_moment ∈ P, state = closed, closed_on_time}"""


@_count(_("Rated"), CASE, "rated_on")
def rated():
    """评价数: cases rated by their reporter in the period (谁呼谁评). = #{c : rated_at ∈ P}"""


@_count(_("Rated 4 or 5"), CASE, "rated_on", "satisfied")
def satisfied():
    """满意数: of those, rated 4 or 5. = #{c : rated_at ∈ P, rating ≥ 4}"""


@_count(_("Escalations"), EVENT, None)
def escalations():
    """上报层级 (all): timeline rows in the period that moved a case up one level (escalate, or
    overdue with a level above). = #{e : created_at ∈ P, escalation_level set}"""


@_count(_("Escalations to a community"), EVENT, None)
def escalations_to_community():
    """Of those, the ones to community level."""


@_count(_("Escalations to a street"), EVENT, None)
def escalations_to_street():
    """Of those, the ones to street level."""


@_count(_("Escalations to the district"), EVENT, None)
def escalations_to_district():
    """Of those, the ones to the district."""


@_count(_("Tasks dispatched"), TASK, "dispatched_on")
def tasks():
    """派遣任务数: department tasks created (dispatched) in the period, cancelled ones excepted
    (a re-dispatch or a void cancels the open tasks). = #{t : created_at ∈ P, state ≠ cancelled}"""


@_count(_("Tasks returned"), TASK, "dispatched_on", "returned")
def tasks_returned():
    """退单数: of those, tasks the department returned as misrouted. = #{t : created in P, state = returned}"""


@_count(_("Tasks extended"), TASK, "dispatched_on", "extended")
def tasks_extended():
    """延期数: of those, tasks with an approved extension (an approve_extension row on the task)."""


@_count(_("Tasks due"), TASK, "due_on")
def tasks_due():
    """应处置数: tasks due in the period (task_due_moment: the deadline, or the report-back if earlier)."""


@_count(_("Tasks handled"), TASK, "due_on", "handled")
def tasks_handled():
    """已处置数: tasks due in the period that the department has reported back (state handled)."""


@_count(_("Tasks handled on time"), TASK, "due_on", "on_time")
def tasks_on_time():
    """按时处置数: tasks due in the period reported back by their deadline (handled_at ≤ due_at)."""


@_count(_("Tasks reported back"), TASK, "finished_on")
def tasks_finished():
    """处置完成数: tasks reported back (the last time) in the period. = #{t : state = handled, handled_at ∈ P}"""


@_count(_("Tasks reworked"), TASK, "finished_on", "reworked")
def tasks_reworked():
    """返工任务数: of those, tasks sent back for rework at least once (task rework_count > 0)."""


@_count(_("Tasks rated"), TASK, "rated_on")
def tasks_rated():
    """Tasks reported back whose case was rated in the period (the department's share of 谁呼谁评)."""


@_count(_("Tasks rated satisfied"), TASK, "rated_on", "satisfied")
def tasks_satisfied():
    """Of those, the cases rated 4 or 5."""


# Reports by channel: two more counts, summed over the channel dimension of the reports.


@_count(_("Found by patrol"), CASE, "created_on")
def patrol_reports():
    """巡查发现数: reports of the period through the grid worker channel (patrol)."""


@_count(_("Reported by residents"), CASE, "created_on")
def resident_reports():
    """群众上报数: reports of the period from residents: QR code, 12345 hotline, online, walk-in, Open311."""


CHANNEL_COUNTS = {"patrol_reports": PATROL_CHANNELS, "resident_reports": RESIDENT_CHANNELS}

# Person counts (always from the case tables).


@_count(_("Reports by the person"), PERSON, None)
def reports_by():
    """Cases the person reported in the period (reporter = the person)."""


@_count(_("Resolved on the spot by the person"), PERSON, None)
def self_resolved_by():
    """Of those, resolved on the spot."""


@_count(_("Verifications"), PERSON, None)
def verifications():
    """核查数: verify_pass and verify_fail rows of the person in the period."""


@_count(_("Verifications failed"), PERSON, None)
def verifications_failed():
    """Of those, verify_fail (the result was sent back for rework)."""


@_count(_("Verifications on time"), PERSON, None)
def verifications_on_time():
    """按时核查数: verifications with no `overdue` row from `verifying` on that case since the
    report-back that started the verification."""


@_count(_("Tasks taken by the person"), PERSON, None)
def tasks_accepted_by():
    """accept_task rows of the person (a department handler) in the period."""


@_count(_("Reports back by the person"), PERSON, None)
def report_backs_by():
    """report_back rows of the person in the period."""


@_count(_("Reports back on time by the person"), PERSON, None)
def report_backs_on_time_by():
    """Of those, rows written by the task's deadline (its due_at now)."""


@_count(_("Tasks returned by the person"), PERSON, None)
def returns_by():
    """return_task rows of the person in the period."""


# Rates: numerator / denominator per scope kind.


@_rate(_("Response rate"), area=("responded_on_time", "reports"))
def response_rate():
    """响应率 (12345 三率): responded on time / reports."""


@_rate(_("Closure rate"), area=("due_closed", "due"))
def closure_rate():
    """结案率 = 结案数 / 应结案数: cases due in the period that are closed / cases due in the period."""


@_rate(_("Resolution rate"), area=("due_closed", "due"))
def resolution_rate():
    """解决率 (12345 三率): in gridgov a case is solved when it is closed after on-site verification
    (a bad rating reopens it), so the resolution rate is the closure rate: due and closed / due."""


@_rate(_("On-time closure rate"), area=("closed_on_time", "due"))
def on_time_closure_rate():
    """按期结案率 = 按期结案数 / 应结案数: due, closed and on time / due."""


@_rate(_("On-time handling rate"), area=("tasks_on_time", "tasks_due"), department=("tasks_on_time", "tasks_due"))
def on_time_handling_rate():
    """按时处置率: tasks due in the period reported back on time / tasks due in the period."""


@_rate(_("Handling rate"), area=("tasks_handled", "tasks_due"), department=("tasks_handled", "tasks_due"))
def handling_rate():
    """处置率: tasks due in the period that were reported back / tasks due in the period."""


@_rate(_("Rework rate"), LOWER, area=("reworked", "handled"), department=("tasks_reworked", "tasks_finished"))
def rework_rate():
    """返工率: cases handled in the period that failed verification at least once / cases handled
    (area); for a department, its tasks reported back in the period that were reworked / those tasks."""


@_rate(_("Return rate"), LOWER, area=("tasks_returned", "tasks"), department=("tasks_returned", "tasks"))
def return_rate():
    """退单率: tasks dispatched in the period that were returned / tasks dispatched in the period."""


@_rate(_("Extension rate"), LOWER, area=("tasks_extended", "tasks"), department=("tasks_extended", "tasks"))
def extension_rate():
    """延期率: tasks dispatched in the period with an approved extension / tasks dispatched."""


@_rate(_("Satisfaction rate"), area=("satisfied", "rated"), department=("tasks_satisfied", "tasks_rated"))
def satisfaction_rate():
    """满意率 (12345 三率): ratings of 4–5 / ratings given in the period (for a department: of the
    cases it reported back on)."""


@_rate(_("In-grid resolution rate"), area=("closed_in_grid", "closed"))
def in_grid_resolution_rate():
    """网格内化解率: cases closed in the period at grid level or on the spot / cases closed in the period."""


@_rate(_("Accurate dispatch rate"), area=("accurate_dispatches", "dispatched"))
def accurate_dispatch_rate():
    """派遣准确率: cases first dispatched in the period with no task returned / cases dispatched."""


@_rate(_("Share found by patrol"), area=("patrol_reports", "reports"))
def patrol_share():
    """巡查发现占比: reports through the grid worker channel / reports."""


@_rate(_("Share reported by residents"), area=("resident_reports", "reports"))
def resident_share():
    """群众上报占比: reports from residents' channels (QR, 12345, online, walk-in, Open311) / reports."""


@_rate(_("On-time verification rate"), person=("verifications_on_time", "verifications"))
def verification_on_time_rate():
    """按时核查率 (grid worker): verifications on time / verifications."""


@_rate(_("Share resolved on the spot"), person=("self_resolved_by", "reports_by"))
def self_resolution_share():
    """自行处置占比 (grid worker): own reports resolved on the spot / own reports."""


@_rate(_("On-time report-back rate"), person=("report_backs_on_time_by", "report_backs_by"))
def report_back_on_time_rate():
    """按时反馈率 (department handler): report-backs by the task deadline / report-backs."""


# Durations (hours, wall clock), from the case tables.


@_duration(_("Response time, median (h)"), AREA_SCOPE)
def response_hours_median():
    """Median of accepted_at − created_at over the cases reported in the period and accepted."""


@_duration(_("Response time, 90th percentile (h)"), AREA_SCOPE)
def response_hours_p90():
    """90th percentile (linear interpolation, as PostgreSQL's percentile_cont) of the same."""


@_duration(_("Time to close, median (h)"), AREA_SCOPE)
def close_hours_median():
    """Median of closed_at − created_at over the cases closed in the period (and still closed)."""


@_duration(_("Time to take a task, median (h)"), AREA_SCOPE, DEPARTMENT_SCOPE)
def task_accept_hours_median():
    """Median of accepted_at − created_at over the tasks dispatched in the period and taken."""


@_duration(_("Time to report back, median (h)"), AREA_SCOPE, DEPARTMENT_SCOPE)
def task_handle_hours_median():
    """Median of handled_at − created_at over the tasks reported back in the period."""


def counts_of(family: str) -> list[str]:
    return [k for k, i in INDICATORS.items() if i.kind == "count" and i.family == family]


CASE_COUNTS = [k for k in counts_of(CASE) if k not in CHANNEL_COUNTS]
EVENT_COUNTS = counts_of(EVENT)
TASK_COUNTS = counts_of(TASK)
PERSON_COUNTS = counts_of(PERSON)
# the count columns of DailyCount
ROLLUP_COUNTS = CASE_COUNTS + EVENT_COUNTS + TASK_COUNTS


# --- computing -----------------------------------------------------------------------------------


def _case_scope(queryset, scope: ScopeFilter, prefix: str = ""):
    if scope.area_paths:
        queryset = queryset.filter(scope.paths_q(f"{prefix}area_path"))
    if scope.category is not None:
        queryset = queryset.filter(Q(**{f"{prefix}category__parent_id": scope.category.pk})
                                   | Q(**{f"{prefix}category_id": scope.category.pk}))
    return queryset


def _in(moment: str, start, end) -> Q:
    return Q(**{f"{moment}__gte": start, f"{moment}__lt": end})


def raw_case_counts(scope: ScopeFilter, period: Period, group_by: str | None = None):
    """The case counts from cases_case (one aggregate query)."""
    from cases.models import Case

    start, end = period.bounds()
    queryset = _case_scope(Case.objects.all(), scope).alias(**{f"m_{k}": v for k, v in case_moments().items()})
    flags = case_flags()
    aggregates = {}
    for key in CASE_COUNTS:
        indicator = INDICATORS[key]
        condition = _in(f"m_{indicator.moment}", start, end)
        if indicator.flag:
            condition &= flags[indicator.flag]
        aggregates[key] = Count("pk", filter=condition)
    for key, channels in CHANNEL_COUNTS.items():
        aggregates[key] = Count("pk", filter=_in("m_created_on", start, end) & Q(channel__in=channels))
    return _aggregate(queryset, aggregates, group_by)


def raw_event_counts(scope: ScopeFilter, period: Period, group_by: str | None = None):
    from cases.models import CaseEvent

    start, end = period.bounds()
    queryset = escalation_events(_case_scope(CaseEvent.objects.filter(_in("created_at", start, end)), scope,
                                             "case__"))
    aggregates = {"escalations": Count("pk")}
    for key, level in ESCALATION_LEVELS.items():
        aggregates[key] = Count("pk", filter=Q(escalation_level=level))
    return _aggregate(queryset, aggregates, group_by and f"case__{group_by}")


def raw_task_counts(scope: ScopeFilter, period: Period, group_by: str | None = None):
    from cases.models import CaseTask

    start, end = period.bounds()
    queryset = counted_tasks(_case_scope(CaseTask.objects.all(), scope, "case__"))
    if scope.department is not None:
        queryset = queryset.filter(department_id=scope.department.pk)
    queryset = queryset.alias(**{f"m_{k}": v for k, v in task_moments().items()})
    flags = task_flags()
    aggregates = {}
    for key in TASK_COUNTS:
        indicator = INDICATORS[key]
        condition = _in(f"m_{indicator.moment}", start, end)
        if indicator.flag:
            condition &= flags[indicator.flag]
        aggregates[key] = Count("pk", filter=condition)
    if group_by and group_by != "department_id":
        group_by = f"case__{group_by}"
    return _aggregate(queryset, aggregates, group_by)


def _aggregate(queryset, aggregates: dict, group_by: str | None):
    """queryset.aggregate(), or one row per group_by value; the aggregates are named v_<key> in the
    query (a daily column and its sum share a name) and <key> in the result."""
    named = {f"v_{key}": aggregate for key, aggregate in aggregates.items()}
    if group_by is None:
        return {key[2:]: value for key, value in queryset.aggregate(**named).items()}
    out = {}
    for row in queryset.order_by().values(group_by).annotate(**named):
        group = row.pop(group_by)
        out[group] = {key[2:]: value for key, value in row.items()}
    return out


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def whole_months(period: Period) -> tuple[dt.date, dt.date] | None:
    """[first, end) of the calendar months lying wholly inside the period, if any."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    end = period.end.replace(day=1)
    return (first, end) if first < end else None


def _rollup_scope(queryset, scope: ScopeFilter):
    if scope.area_paths:
        queryset = queryset.filter(scope.paths_q("area_path"))
    if scope.department is not None:
        queryset = queryset.filter(department_id=scope.department.pk)
    return queryset


def rollup_counts(scope: ScopeFilter, period: Period, group_by: str | None = None):
    """Every count from the rollups: the whole months of the period from AreaMonthlyCount (one
    area above the grids: a handful of rows a month) or MonthlyCount (grids, several areas, grouped
    by grid or department), the days before and after them from DailyCount (one aggregate query
    each). A category filter, or grouping by day, reads the days only."""
    from indicators.models import AreaMonthlyCount, DailyCount, MonthlyCount
    from indicators.rollups import SUMMED_AREA_LEVELS_EXCLUDED

    daily_sums = {key: Coalesce(Sum(key), 0) for key in ROLLUP_COUNTS}
    for key, channels in CHANNEL_COUNTS.items():
        daily_sums[key] = Coalesce(Sum("reports", filter=Q(channel__in=channels)), 0)
    months = whole_months(period)
    if scope.category is not None or group_by not in (None, "grid_id", "department_id"):
        months = None
    days = DailyCount.objects.all()
    if scope.category is not None:
        days = days.filter(major_category_id=scope.category.pk)
    if months is None:
        return _aggregate(_rollup_scope(days.filter(day__gte=period.start, day__lt=period.end), scope),
                          daily_sums, group_by)
    monthly_sums = {key: Coalesce(Sum(key), 0) for key in ROLLUP_COUNTS + list(CHANNEL_COUNTS)}
    if group_by is None and scope.area is not None and scope.area.level not in SUMMED_AREA_LEVELS_EXCLUDED:
        # one area above the grids (a district, a street, a community): its own monthly rows
        whole = AreaMonthlyCount.objects.filter(area_id=scope.area.pk, month__gte=months[0], month__lt=months[1])
        if scope.department is not None:
            whole = whole.filter(department_id=scope.department.pk)
    else:
        whole = _rollup_scope(MonthlyCount.objects.filter(month__gte=months[0], month__lt=months[1]), scope)
    parts = [_aggregate(whole, monthly_sums, group_by)]
    edges = Q()
    if period.start < months[0]:
        edges |= Q(day__gte=period.start, day__lt=months[0])
    if months[1] < period.end:
        edges |= Q(day__gte=months[1], day__lt=period.end)
    if edges:
        parts.append(_aggregate(_rollup_scope(days.filter(edges), scope), daily_sums, group_by))
    if group_by is None:
        total: dict = {}
        for part in parts:
            add_counts(total, part)
        return total
    merged: dict = {}
    for part in parts:
        for key, row in part.items():
            add_counts(merged.setdefault(key, {}), row)
    return merged


def counts(scope: ScopeFilter, period: Period, source: str = "rollup", group_by: str | None = None) -> dict:
    """Every count of an area or department scope. group_by ("grid_id", "department_id"): a dict
    of such dicts by that id. Department scopes have task counts only (case counts are None)."""
    if source not in ("rollup", "raw"):
        raise ValueError("source is 'rollup' or 'raw'")
    if scope.kind == PERSON_SCOPE:
        raise ValueError("person indicators: use person_counts()")
    case_keys = CASE_COUNTS + EVENT_COUNTS + list(CHANNEL_COUNTS)
    if source == "rollup":
        result = rollup_counts(scope, period, group_by)
    else:
        parts = [raw_task_counts(scope, period, group_by)]
        if scope.kind == AREA_SCOPE and group_by != "department_id":
            parts += [raw_case_counts(scope, period, group_by), raw_event_counts(scope, period, group_by)]
        result = _merge(parts, group_by)
    if scope.kind == DEPARTMENT_SCOPE or group_by == "department_id":
        rows = result.values() if group_by else [result]
        for row in rows:
            row.update(dict.fromkeys(case_keys))
    return result


def _merge(parts, group_by):
    if group_by is None:
        merged: dict = {}
        for part in parts:
            merged.update(part)
        return _complete(merged)
    merged_by: dict = defaultdict(dict)
    for part in parts:
        for key, row in part.items():
            merged_by[key].update(row)
    return {key: _complete(row) for key, row in merged_by.items()}


def _complete(row: dict) -> dict:
    for key in ROLLUP_COUNTS + list(CHANNEL_COUNTS):
        row.setdefault(key, 0)
    return row


def zero_counts() -> dict:
    return _complete({})


def add_counts(total: dict, more: dict) -> dict:
    for key, value in more.items():
        if value is not None:
            total[key] = (total.get(key) or 0) + value
    return total


def ratio(numerator, denominator) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def rates(values: dict, scope_kind: str) -> dict:
    """Every rate that applies to the scope kind, from its counts (None without a denominator)."""
    out = {}
    for key, indicator in INDICATORS.items():
        if indicator.kind == "rate" and scope_kind in indicator.ratio:
            numerator, denominator = indicator.ratio[scope_kind]
            out[key] = ratio(values.get(numerator), values.get(denominator))
    return out


# --- durations -------------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont: linear interpolation between the closest ranks of the sorted values."""
    if not values:
        return None
    values = sorted(values)
    position = fraction * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _hours(queryset, start_field: str, end_field: str, fractions: dict[str, float]) -> dict:
    """Percentiles of (end − start) in hours over the queryset, rounded to 0.01 h."""
    queryset = queryset.filter(**{f"{start_field}__isnull": False, f"{end_field}__isnull": False})
    if connection.vendor == "postgresql":
        seconds = Func(F(end_field), F(start_field), template="EXTRACT(EPOCH FROM (%(expressions)s))",
                       arg_joiner=" - ", output_field=FloatField())
        found = queryset.aggregate(**{k: PercentileCont(seconds, f) for k, f in fractions.items()})
    else:
        spans = [(e - s).total_seconds() for s, e in queryset.values_list(start_field, end_field)]
        found = {k: percentile(spans, f) for k, f in fractions.items()}
    return {k: None if v is None else round(v / 3600, 2) for k, v in found.items()}


def durations(scope: ScopeFilter, period: Period) -> dict:
    """Median / p90 response and closing times (hours), from the case tables."""
    from cases.models import Case, CaseTask

    start, end = period.bounds()
    out: dict = {}
    tasks = counted_tasks(_case_scope(CaseTask.objects.all(), scope, "case__"))
    if scope.department is not None:
        tasks = tasks.filter(department_id=scope.department.pk)
    if scope.kind == AREA_SCOPE:
        cases = _case_scope(Case.objects.all(), scope)
        out.update(_hours(cases.filter(_in("created_at", start, end)), "created_at", "accepted_at",
                          {"response_hours_median": 0.5, "response_hours_p90": 0.9}))
        out.update(_hours(cases.filter(_in("closed_at", start, end), state=CaseState.CLOSED), "created_at",
                          "closed_at", {"close_hours_median": 0.5}))
    out.update(_hours(tasks.filter(_in("created_at", start, end)), "created_at", "accepted_at",
                      {"task_accept_hours_median": 0.5}))
    out.update(_hours(tasks.filter(_in("handled_at", start, end), state=TaskState.HANDLED), "created_at",
                      "handled_at", {"task_handle_hours_median": 0.5}))
    return out


# --- persons -------------------------------------------------------------------------------------


def person_counts(user_ids, period: Period) -> dict[int, dict]:
    """The person counts of several people at once (three grouped queries), by user id."""
    from cases.models import Case, CaseEvent

    user_ids = [int(u) for u in user_ids]
    start, end = period.bounds()
    out = {uid: dict.fromkeys(PERSON_COUNTS, 0) for uid in user_ids}
    if not user_ids:
        return out
    for row in (Case.objects.filter(reporter_id__in=user_ids).filter(_in("created_at", start, end))
                .order_by().values("reporter_id")
                .annotate(reports_by=Count("pk"), self_resolved_by=Count("pk", filter=Q(self_resolved=True)))):
        out[row["reporter_id"]].update(reports_by=row["reports_by"], self_resolved_by=row["self_resolved_by"])

    entered = (CaseEvent.objects.filter(case=OuterRef("case"), action="report_back", to_state=CaseState.VERIFYING,
                                        created_at__lte=OuterRef("created_at"))
               .order_by("-created_at", "-id").values("created_at")[:1])
    late = CaseEvent.objects.filter(case=OuterRef("case"), action="overdue", from_state=CaseState.VERIFYING,
                                    created_at__lte=OuterRef("created_at"), created_at__gte=OuterRef("entered_at"))
    verifications_q = (CaseEvent.objects.filter(actor_id__in=user_ids, action__in=["verify_pass", "verify_fail"])
                       .filter(_in("created_at", start, end)).annotate(entered_at=Subquery(entered))
                       .annotate(late=Exists(late)))
    for row in (verifications_q.order_by().values("actor_id").annotate(
            verifications=Count("pk"), verifications_failed=Count("pk", filter=Q(action="verify_fail")),
            verifications_on_time=Count("pk", filter=Q(late=False)))):
        out[row.pop("actor_id")].update(row)

    on_time = Q(action="report_back") & (Q(task__due_at__isnull=True) | Q(created_at__lte=F("task__due_at")))
    for row in (CaseEvent.objects.filter(actor_id__in=user_ids, action__in=["accept_task", "report_back", "return_task"])
                .filter(_in("created_at", start, end)).order_by().values("actor_id").annotate(
                    tasks_accepted_by=Count("pk", filter=Q(action="accept_task")),
                    report_backs_by=Count("pk", filter=Q(action="report_back")),
                    report_backs_on_time_by=Count("pk", filter=on_time),
                    returns_by=Count("pk", filter=Q(action="return_task")))):
        out[row.pop("actor_id")].update(row)
    return out


# --- the one entry point ---------------------------------------------------------------------------


def compute(scope_filter: ScopeFilter, period: Period, source: str = "rollup") -> dict:
    """Every indicator of the scope for the period: counts (from the daily rollup, or from the case
    tables with source="raw"), rates and durations (always from the case tables). Indicators that do
    not apply to the scope's kind are left out (department scopes have no case counts)."""
    if scope_filter.kind == PERSON_SCOPE:
        values: dict = dict(person_counts([scope_filter.person.pk], period)[scope_filter.person.pk])
        values.update(rates(values, PERSON_SCOPE))
        return values
    found = counts(scope_filter, period, source=source)
    values = {k: v for k, v in found.items() if v is not None}
    values.update(rates(values, scope_filter.kind))
    values.update(durations(scope_filter, period))
    return values


def as_display(key: str, value) -> str:
    """A value as a page shows it: rates in percent with one decimal, hours with one, counts whole."""
    if value is None:
        return "—"
    kind = INDICATORS[key].kind if key in INDICATORS else "count"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "duration":
        return f"{value:.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


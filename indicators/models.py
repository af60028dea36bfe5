"""The indicators' tables: per-case and per-task facts, the daily counts summed from them, the
rollup job's watermark, and the score weights.

The facts hold, for every case and every department task, the local day on which it counts for
each indicator (reported on, closed on, due on, …) and the yes/no flags the indicators need. They
are the rollup job's memory: when a case changes, the days it counted on before (its old fact row)
and the days it counts on now (its new row) are the days whose counts are recomputed. Nothing else
reads them. `DailyCount` is one row per (day, grid, major category, channel, department or none)
with every count-type indicator of indicators/definitions.py; any area, department and period is a
SUM over its rows. `MonthlyCount` holds the same per calendar month, grid and department, for the
whole months of long periods. See docs/indicators.md.

The ids (grid, category, department, case) are plain integers, not foreign keys: these are derived
tables, rebuilt from the case tables, and must never stop a case, an area or a department from
being deleted (the demo loader deletes its cases with plain DELETEs).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def _day(**kwargs):
    return models.DateField(null=True, blank=True, **kwargs)


def _flag():
    return models.PositiveSmallIntegerField(default=0)


class CaseFact(models.Model):
    """One case: where it counts (its grid and dimensions) and on which local day for each count."""

    case_id = models.BigIntegerField(primary_key=True)
    district_code = models.CharField(max_length=6)
    area_path = models.CharField(max_length=255)
    grid_id = models.BigIntegerField()
    major_category_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=16)
    created_on = models.DateField(db_index=True)
    filed_on = _day(db_index=True)
    dispatched_on = _day(db_index=True)
    closed_on = _day(db_index=True)
    handled_on = _day(db_index=True)
    due_on = _day(db_index=True)
    rated_on = _day(db_index=True)
    responded_on_time = _flag()
    accurate = _flag()
    in_grid = _flag()
    self_resolved = _flag()
    reworked = _flag()
    closed = _flag()
    closed_on_time = _flag()
    satisfied = _flag()

    def __str__(self):
        return f"case {self.case_id}"


class TaskFact(models.Model):
    """One department task (cancelled ones are left out): its department and its days."""

    task_id = models.BigIntegerField(primary_key=True)
    case_id = models.BigIntegerField(db_index=True)
    department_id = models.BigIntegerField()
    district_code = models.CharField(max_length=6)
    area_path = models.CharField(max_length=255)
    grid_id = models.BigIntegerField()
    major_category_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=16)
    dispatched_on = models.DateField(db_index=True)
    due_on = _day(db_index=True)
    finished_on = _day(db_index=True)
    rated_on = _day(db_index=True)
    returned = _flag()
    extended = _flag()
    handled = _flag()
    on_time = _flag()
    reworked = _flag()
    satisfied = _flag()

    def __str__(self):
        return f"task {self.task_id}"


def _count():
    return models.PositiveIntegerField(default=0)


class Counts(models.Model):
    """Every count-type indicator of indicators/definitions.py, one column each."""

    reports = _count()
    responded_on_time = _count()
    filed = _count()
    dispatched = _count()
    accurate_dispatches = _count()
    closed = _count()
    closed_in_grid = _count()
    self_resolved = _count()
    handled = _count()
    reworked = _count()
    due = _count()
    due_closed = _count()
    closed_on_time = _count()
    rated = _count()
    satisfied = _count()
    escalations = _count()
    escalations_to_community = _count()
    escalations_to_street = _count()
    escalations_to_district = _count()
    tasks = _count()
    tasks_returned = _count()
    tasks_extended = _count()
    tasks_due = _count()
    tasks_handled = _count()
    tasks_on_time = _count()
    tasks_finished = _count()
    tasks_reworked = _count()
    tasks_rated = _count()
    tasks_satisfied = _count()

    class Meta:
        abstract = True


class DailyCount(Counts):
    """Every count-type indicator for one local day, grid, major category, channel and department.

    Rows with `department_id` empty carry the case counts (every case once); rows with a department
    carry that department's task counts. So an area's case and task counts are the SUM over its
    rows, a department's the SUM over its own rows (docs/indicators.md, "Rollups")."""

    day = models.DateField()
    district_code = models.CharField(max_length=6)
    area_path = models.CharField(max_length=255)
    grid_id = models.BigIntegerField()
    major_category_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=16)
    department_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="daily_day"),
            models.Index(fields=["department_id", "day"], name="daily_department_day"),
        ]

    def __str__(self):
        return f"{self.day} grid {self.grid_id}"


class MonthlyCount(Counts):
    """The daily counts of a calendar month summed per grid and department (category and channel
    summed away; the reports by channel kept as two columns): whole months of a period are read
    from here, a few dozen times fewer rows than the days."""

    month = models.DateField()  # its first day
    district_code = models.CharField(max_length=6)
    area_path = models.CharField(max_length=255)
    grid_id = models.BigIntegerField()
    department_id = models.BigIntegerField(null=True)
    patrol_reports = _count()
    resident_reports = _count()

    class Meta:
        indexes = [
            models.Index(fields=["month"], name="monthly_month"),
            models.Index(fields=["department_id", "month"], name="monthly_department_month"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} grid {self.grid_id}"


class AreaMonthlyCount(Counts):
    """The monthly counts summed once more, to every area above the grids (the district, its
    streets, communities and any level between): a district's or a street's year is twelve months
    times (departments + 1) rows here, instead of twelve times its grids times that in
    MonthlyCount. Written with MonthlyCount, in the same transaction (indicators/rollups.py)."""

    month = models.DateField()  # its first day
    area_id = models.BigIntegerField()
    department_id = models.BigIntegerField(null=True)
    patrol_reports = _count()
    resident_reports = _count()

    class Meta:
        indexes = [models.Index(fields=["area_id", "month"], name="areamonthly_area_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} area {self.area_id}"


class RollupState(models.Model):
    """The rollup job's watermark: changes since `watermark` (less a safety lag) are picked up on
    the next run; `max_case_id` catches cases loaded in bulk with old timestamps."""

    name = models.CharField(max_length=32, primary_key=True)
    watermark = models.DateTimeField(null=True, blank=True)
    max_case_id = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_full_at = models.DateTimeField(null=True, blank=True)
    last_cases = models.PositiveIntegerField(default=0)
    last_days = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name


class ScoreKind(models.TextChoices):
    AREA = "area", _("Areas (streets, communities, grids)")
    DEPARTMENT = "department", _("Departments")
    GRID_WORKER = "grid_worker", _("Grid workers")


class ScoreWeight(models.Model):
    """The weight of one indicator in one kind of composite score (indicators/scores.py). Edited by
    administrators in /admin/; every change is audited. Kinds with no rows use the defaults."""

    kind = models.CharField(_("scored"), max_length=16, choices=ScoreKind.choices)
    indicator = models.CharField(_("indicator"), max_length=40)
    weight = models.PositiveSmallIntegerField(_("weight"), help_text=_("Relative weight, 0–100."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("score weight")
        verbose_name_plural = _("score weights")
        constraints = [
            models.UniqueConstraint(fields=["kind", "indicator"], name="score_weight_unique"),
            models.CheckConstraint(condition=models.Q(weight__lte=100), name="score_weight_at_most_100"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.indicator} {self.weight}"

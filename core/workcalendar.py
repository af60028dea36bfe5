"""Working time: Chinese public holidays and make-up workdays (chinese-calendar), local overrides
(core.WorkdayOverride), and office hours (settings WORKDAY_START/WORKDAY_END).

Time limits are counted in working time:
- N working days from t: the same clock time on the N-th working day after t (t first moved to
  the next working moment if it falls outside office hours or on a day off);
- N working hours from t: N hours of office time, skipping nights and days off.
For years the library does not cover yet, weekends are the days off until a district enters the
State Council's holiday list as overrides.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone


def _parse(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


class WorkCalendar:
    def __init__(self, overrides: dict[dt.date, bool] | None = None, start: str | None = None, end: str | None = None):
        self.overrides = overrides or {}
        self.start = _parse(start or settings.WORKDAY_START)
        self.end = _parse(end or settings.WORKDAY_END)
        self.tz = timezone.get_default_timezone()

    @property
    def day_seconds(self) -> float:
        return (dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)).total_seconds()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _national_is_workday(day)

    def next_workday(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def _local(self, moment: dt.datetime) -> dt.datetime:
        return timezone.localtime(moment, self.tz)

    def _at(self, day: dt.date, clock: dt.time) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, clock), self.tz)

    def normalize(self, moment: dt.datetime) -> dt.datetime:
        """The first working moment at or after `moment`."""
        local = self._local(moment)
        day = local.date()
        if self.is_workday(day):
            if local.time() < self.start:
                return self._at(day, self.start)
            if local.time() < self.end:
                return local
        return self._at(self.next_workday(day), self.start)

    def add_days(self, moment: dt.datetime, days: int) -> dt.datetime:
        start = self.normalize(moment)
        day = start.date()
        for _ in range(days):
            day = self.next_workday(day)
        return self._at(day, start.time())

    def add_hours(self, moment: dt.datetime, hours: float) -> dt.datetime:
        remaining = hours * 3600
        current = self.normalize(moment)
        while True:
            end_of_day = self._at(current.date(), self.end)
            available = (end_of_day - current).total_seconds()
            if remaining <= available:
                return current + dt.timedelta(seconds=remaining)
            remaining -= available
            current = self._at(self.next_workday(current.date()), self.start)

    def add(self, moment: dt.datetime, amount: float, unit: str) -> dt.datetime:
        return self.add_days(moment, int(amount)) if unit == "days" else self.add_hours(moment, amount)

    def working_seconds(self, a: dt.datetime, b: dt.datetime) -> float:
        """Office time between a and b (0 if b <= a)."""
        if b <= a:
            return 0.0
        total = 0.0
        current = self.normalize(a)
        while current < b:
            end_of_day = self._at(current.date(), self.end)
            total += (min(end_of_day, b) - current).total_seconds()
            if b <= end_of_day:
                break
            current = self._at(self.next_workday(current.date()), self.start)
        return max(total, 0.0)

    def fraction_point(self, start: dt.datetime, due: dt.datetime, fraction: float) -> dt.datetime:
        """The moment when `fraction` of the working time from start to due has passed."""
        return self.add_hours(start, self.working_seconds(start, due) * fraction / 3600)


@lru_cache(maxsize=4096)
def _national_is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


CALENDAR_COUNTER = "workday_overrides"
_calendars = None  # a core.counters.StampedCache, made on first use (it needs the app registry)


def get_calendar() -> WorkCalendar:
    """The calendar with the local overrides, kept per process until an override changes (a
    core.Counter stamp, bumped by the signal handlers in core/apps.py)."""
    global _calendars
    from core.counters import StampedCache
    from core.models import WorkdayOverride

    if _calendars is None:
        _calendars = StampedCache(CALENDAR_COUNTER, size=1)
    return _calendars.get(None, lambda: WorkCalendar(dict(WorkdayOverride.objects.values_list("date", "is_workday"))))

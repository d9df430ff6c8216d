"""Business time: working hours on working days of a team's calendar, in the team's time zone.

Chinese statutory holidays and make-up working days (调休) come from ``chinese-calendar``; other
countries' public holidays from ``holidays``; per-team overrides (dates the packages do not know
yet) win over both. Pure: the calendar is data, arithmetic takes and returns aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=4096)
def _package_workday(country: str, day: date) -> bool:
    if country == "CN":
        import chinese_calendar

        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the package does not know yet: weekends only
            return day.weekday() < 5
    import holidays

    return day.weekday() < 5 and day not in holidays.country_holidays(country, years=day.year)


@dataclass(frozen=True)
class WorkCalendar:
    timezone: str
    country: str = "CN"
    start: time = time(9, 0)
    end: time = time(18, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)   # extra days off
    workdays: frozenset[date] = field(default_factory=frozenset)   # extra working days (调休)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hours_per_day(self) -> float:
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)).seconds / 3600

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return _package_workday(self.country, day)


def _day_window(cal: WorkCalendar, day: date) -> tuple[datetime, datetime]:
    return (datetime.combine(day, cal.start, cal.tz), datetime.combine(day, cal.end, cal.tz))


def add_business_hours(start: datetime, hours: float, cal: WorkCalendar) -> datetime:
    """The moment ``hours`` of working time after ``start`` (an A lead at Fri 18:30 + 2 h = Mon 11:00)."""
    remaining = timedelta(hours=hours)
    local = start.astimezone(cal.tz)
    day = local.date()
    for _ in range(3660):  # ten years of days is plenty; guards against a calendar with no workdays
        if cal.is_workday(day):
            open_at, close_at = _day_window(cal, day)
            begin = max(local, open_at)
            if begin < close_at:
                available = close_at - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
        day += timedelta(days=1)
        local = datetime.combine(day, time(0, 0), cal.tz)
    raise ValueError("the calendar has no working time in the next ten years")


def business_hours_between(a: datetime, b: datetime, cal: WorkCalendar) -> float:
    """Working hours from ``a`` to ``b`` (0 when b is not after a)."""
    if b <= a:
        return 0.0
    total = timedelta()
    local_a, local_b = a.astimezone(cal.tz), b.astimezone(cal.tz)
    day = local_a.date()
    while day <= local_b.date():
        if cal.is_workday(day):
            open_at, close_at = _day_window(cal, day)
            begin, finish = max(local_a, open_at), min(local_b, close_at)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600



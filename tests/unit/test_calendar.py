"""Business hours across weekends, the National Day week with its 调休 Saturday, and time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.rules.calendar import WorkCalendar, add_business_hours, business_hours_between

SH = ZoneInfo("Asia/Shanghai")
CN = WorkCalendar("Asia/Shanghai", "CN")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class TestAddBusinessHours:
    @pytest.mark.parametrize("start, hours, expected", [
        (sh(2026, 11, 20, 18, 30), 2, sh(2026, 11, 23, 11, 0)),    # Friday evening A lead → Monday 11:00
        (sh(2026, 11, 23, 10, 0), 2, sh(2026, 11, 23, 12, 0)),     # inside the day
        (sh(2026, 11, 23, 17, 0), 2, sh(2026, 11, 24, 10, 0)),     # across the evening
        (sh(2026, 11, 23, 7, 0), 1, sh(2026, 11, 23, 10, 0)),      # before opening
        (sh(2026, 11, 23, 10, 0), 12, sh(2026, 11, 24, 13, 0)),    # a B lead: 12 h = 1 day + 3 h
        (sh(2026, 11, 20, 10, 0), 72, sh(2026, 12, 2, 10, 0)),     # a C lead: 72 h = 8 working days of 9 h
        (sh(2026, 9, 30, 17, 0), 2, sh(2026, 10, 8, 10, 0)),       # National Day: Oct 1–7 off
        (sh(2026, 10, 9, 17, 0), 2, sh(2026, 10, 10, 10, 0)),      # 调休: Saturday Oct 10 is a working day
        (sh(2026, 10, 10, 17, 0), 2, sh(2026, 10, 12, 10, 0)),     # but Sunday Oct 11 is not
    ])
    def test_counts_only_working_time(self, start, hours, expected):
        assert add_business_hours(start, hours, CN) == expected

    def test_the_result_keeps_the_callers_zone(self):
        start = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)  # Friday 18:30 in Shanghai
        assert add_business_hours(start, 2, CN) == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)

    def test_another_country_and_zone(self):
        berlin = WorkCalendar("Europe/Berlin", "DE")
        start = datetime(2026, 12, 24, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # Christmas Eve is a workday
        assert add_business_hours(start, 2, berlin) == datetime(2026, 12, 28, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    def test_team_overrides_win(self):
        cal = WorkCalendar("Asia/Shanghai", "CN", holidays=frozenset({date(2026, 11, 23)}),
                           workdays=frozenset({date(2026, 11, 21)}))
        assert add_business_hours(sh(2026, 11, 20, 17, 0), 2, cal) == sh(2026, 11, 21, 10, 0)
        assert add_business_hours(sh(2026, 11, 21, 17, 0), 2, cal) == sh(2026, 11, 24, 10, 0)

    def test_years_the_package_does_not_know_fall_back_to_weekends(self):
        assert add_business_hours(sh(2027, 3, 5, 17, 0), 2, CN) == sh(2027, 3, 8, 10, 0)


class TestBusinessHoursBetween:
    def test_a_weekend_counts_nothing(self):
        assert business_hours_between(sh(2026, 11, 20, 18, 30), sh(2026, 11, 22, 23, 0), CN) == 0
        assert business_hours_between(sh(2026, 11, 20, 17, 0), sh(2026, 11, 23, 10, 0), CN) == 2

    def test_inverse_of_adding(self):
        start = sh(2026, 9, 29, 11, 15)
        for hours in (1, 9, 24, 48, 71.5):
            assert business_hours_between(start, add_business_hours(start, hours, CN), CN) == pytest.approx(hours)

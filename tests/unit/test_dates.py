"""Dates as reps type them, resolved against the team's local today."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.dates import parse_day

MONDAY = date(2026, 11, 23)
FRIDAY = date(2026, 11, 27)


class TestParseDay:
    @pytest.mark.parametrize("text, today, expected", [
        ("2026-12-01", MONDAY, date(2026, 12, 1)),
        ("2026/12/1", MONDAY, date(2026, 12, 1)),
        ("12-01", MONDAY, date(2026, 12, 1)),
        ("01-05", MONDAY, date(2027, 1, 5)),            # a month-day already past means next year
        ("12月3日", MONDAY, date(2026, 12, 3)),
        ("今天", MONDAY, MONDAY),
        ("明天", MONDAY, date(2026, 11, 24)),
        ("tomorrow", FRIDAY, date(2026, 11, 28)),
        ("后天", MONDAY, date(2026, 11, 25)),
        ("下周一", MONDAY, date(2026, 11, 30)),
        ("下周一", FRIDAY, date(2026, 11, 30)),
        ("下周五", MONDAY, date(2026, 12, 4)),
        ("周五", MONDAY, date(2026, 11, 27)),
        ("周一", MONDAY, date(2026, 11, 30)),            # the coming Monday, not today
        ("星期天", MONDAY, date(2026, 11, 29)),
        ("next monday", FRIDAY, date(2026, 11, 30)),
        ("Next Friday", MONDAY, date(2026, 12, 4)),
        ("friday", MONDAY, date(2026, 11, 27)),
        ("in 3 days", MONDAY, date(2026, 11, 26)),
        ("3天后", MONDAY, date(2026, 11, 26)),
    ])
    def test_reads_the_forms_reps_use(self, text, today, expected):
        assert parse_day(text, today) == expected

    @pytest.mark.parametrize("text", ["someday", "2026-13-01", "02-30", "下周八", "", "soon"])
    def test_unreadable_dates_are_none(self, text):
        assert parse_day(text, MONDAY) is None

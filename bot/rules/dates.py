"""Dates as reps type them: 2026-12-01, 12-01, 明天, 下周一, tomorrow, next monday …

Pure: resolved against ``today`` (the team's local date, computed by the caller from the clock).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_ZH = "一二三四五六日"
RELATIVE = {"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2, "大后天": 3}

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})$")
_ZH_MONTH_DAY = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?$")
_IN_DAYS = re.compile(r"^(?:in\s+)?(\d{1,3})\s*(?:days?|天后|天)$")
_ZH_WEEKDAY = re.compile(r"^(下下|下|这|本)?(?:周|星期|礼拜)([一二三四五六日天])$")
_EN_WEEKDAY = re.compile(r"^(next\s+|this\s+)?([a-z]+)$")


def _weekday_on_or_after(today: date, weekday: int, *, next_week: bool) -> date:
    """``周五`` is the coming Friday (today excluded); ``下周五`` is Friday of next week."""
    if next_week:
        monday_next = today + timedelta(days=7 - today.weekday())
        return monday_next + timedelta(days=weekday)
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def parse_day(text: str, today: date) -> date | None:
    """The date a rep meant, or None when the text is not a date we can read."""
    raw = text.strip().lower()
    raw = re.sub(r"\s+", " ", raw)
    if raw in RELATIVE:
        return today + timedelta(days=RELATIVE[raw])
    try:
        if m := _ISO.match(raw):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _ZH_MONTH_DAY.match(raw):
            year = int(m[1]) if m[1] else None
            return _month_day(today, int(m[2]), int(m[3]), year)
        if m := _MONTH_DAY.match(raw):
            return _month_day(today, int(m[1]), int(m[2]), None)
    except ValueError:
        return None
    if m := _IN_DAYS.match(raw):
        return today + timedelta(days=int(m[1]))
    if m := _ZH_WEEKDAY.match(raw):
        day = WEEKDAYS_ZH.index("日" if m[2] == "天" else m[2])
        if m[1] == "下下":
            return _weekday_on_or_after(today, day, next_week=True) + timedelta(days=7)
        return _weekday_on_or_after(today, day, next_week=m[1] == "下")
    if m := _EN_WEEKDAY.match(raw):
        name = m[2]
        for names in (WEEKDAYS_EN, WEEKDAYS_SHORT):
            if name in names:
                return _weekday_on_or_after(today, names.index(name), next_week=bool(m[1] and m[1].startswith("next")))
    return None


def _month_day(today: date, month: int, day: int, year: int | None) -> date:
    if year is not None:
        return date(year, month, day)
    candidate = date(today.year, month, day)
    return candidate if candidate >= today else date(today.year + 1, month, day)

"""SLA clocks and the ladder, with a fixed clock across weekends and holidays."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.policy import SlaPolicy
from bot.rules.calendar import WorkCalendar
from bot.rules.sla import AlertItem, LeadClock, level_at, next_check, next_due, urgency

SH = ZoneInfo("Asia/Shanghai")
CN = WorkCalendar("Asia/Shanghai", "CN")
SLA = SlaPolicy()


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def clock(**kw) -> LeadClock:
    base = dict(grade="A", assigned_at=sh(2026, 11, 20, 18, 30), first_touch_at=None,
                last_activity_at=sh(2026, 11, 20, 18, 30), next_contact_at=None, closed=False)
    return LeadClock(**{**base, **kw})


class TestNextDue:
    def test_an_a_lead_registered_friday_evening_is_due_monday_morning(self):
        due = next_due(clock(), SLA, CN)
        assert (due.kind, due.at) == ("first_touch", sh(2026, 11, 23, 11, 0))
        assert level_at(due.at, sh(2026, 11, 21, 12, 0), SLA, CN) == 0  # not overdue on Saturday

    @pytest.mark.parametrize("grade, due_at", [("B", sh(2026, 11, 24, 12, 0)), ("C", sh(2026, 12, 2, 18, 0))])
    def test_grades_have_their_own_first_touch_clock(self, grade, due_at):
        assert next_due(clock(grade=grade), SLA, CN).at == due_at

    def test_a_touched_lead_is_due_at_its_booked_day_or_its_stall(self):
        touched = clock(first_touch_at=sh(2026, 11, 23, 10, 0), last_activity_at=sh(2026, 11, 23, 10, 0),
                        next_contact_at=sh(2026, 11, 25, 9, 0))
        assert next_due(touched, SLA, CN) == next_due(touched, SLA, CN)
        due = next_due(touched, SLA, CN)
        assert (due.kind, due.at) == ("next_contact", sh(2026, 11, 25, 18, 0))
        unbooked = clock(first_touch_at=sh(2026, 11, 23, 10, 0), last_activity_at=sh(2026, 11, 23, 10, 0))
        stall = next_due(unbooked, SLA, CN)
        assert (stall.kind, stall.at) == ("stall", sh(2026, 11, 30, 10, 0))  # 5 working days later

    def test_stall_skips_the_national_day_week(self):
        lead = clock(first_touch_at=sh(2026, 9, 29, 10, 0), last_activity_at=sh(2026, 9, 29, 10, 0))
        # Sep 29, 30 (2), Oct 8, 9, 10 (the 调休 Saturday) → 5 working days end on Oct 12 10:00.
        assert next_due(lead, SLA, CN).at == sh(2026, 10, 12, 10, 0)

    def test_a_closed_lead_has_nothing_due(self):
        assert next_due(clock(closed=True), SLA, CN) is None


class TestLadder:
    DUE = sh(2026, 11, 23, 11, 0)

    @pytest.mark.parametrize("now, level", [
        (sh(2026, 11, 23, 10, 59), 0),
        (sh(2026, 11, 23, 11, 0), 1),
        (sh(2026, 11, 25, 16, 0), 1),     # 23 business hours overdue
        (sh(2026, 11, 25, 17, 0), 2),     # 24 business hours: owner + manager
        (sh(2026, 11, 28, 12, 0), 2),     # Saturday adds nothing
        (sh(2026, 11, 30, 14, 0), 3),     # 48 business hours: + the team channel
        (sh(2026, 12, 30, 12, 0), 3),     # the ladder stops at 3
    ])
    def test_one_step_per_24_business_hours(self, now, level):
        assert level_at(self.DUE, now, SLA, CN) == level

    def test_the_next_check_is_the_start_of_the_next_level(self):
        assert next_check(self.DUE, 0, SLA, CN) == self.DUE
        assert next_check(self.DUE, 1, SLA, CN) == sh(2026, 11, 25, 17, 0)
        assert next_check(self.DUE, 2, SLA, CN) == sh(2026, 11, 30, 14, 0)
        assert next_check(self.DUE, 3, SLA, CN) is None


class TestUrgency:
    def test_level_then_grade_then_time_overdue(self):
        items = [AlertItem(1, "c", "stall", 1, "C", 30, 1), AlertItem(2, "b", "stall", 1, "A", 2, 1),
                 AlertItem(3, "a", "stall", 2, "C", 1, 1), AlertItem(4, "d", "stall", 1, "A", 9, 1)]
        assert [i.lead_id for i in sorted(items, key=urgency)] == [3, 4, 2, 1]

"""SLA clocks and the escalation ladder: what is due on a lead, how overdue it is, who hears of it.

Pure: lead facts, the SLA policy, the team's calendar and ``now`` in; small decision values out.
The sweep is level-triggered: a lead's current level is computed from its due time, so a missed
sweep heals at the next one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.policy import SlaPolicy
from bot.rules.calendar import WorkCalendar, add_business_hours, business_hours_between

MAX_LEVEL = 3
RECIPIENTS = {1: ("owner",), 2: ("owner", "manager"), 3: ("owner", "manager", "channel")}
GRADE_ORDER = {"A": 0, "B": 1, "C": 2}


@dataclass(frozen=True)
class LeadClock:
    """What the SLA rules need to know about a lead."""

    grade: str | None
    assigned_at: datetime            # registration, assignment or claim: the first-touch clock starts here
    first_touch_at: datetime | None
    last_activity_at: datetime
    next_contact_at: datetime | None
    closed: bool


@dataclass(frozen=True)
class Due:
    kind: str          # first_touch | next_contact | stall
    at: datetime


def next_due(lead: LeadClock, sla: SlaPolicy, cal: WorkCalendar) -> Due | None:
    """The earliest SLA the lead can break next; None for a closed lead."""
    if lead.closed:
        return None
    dues: list[Due] = []
    if lead.first_touch_at is None:
        hours = sla.first_touch_hours[lead.grade or sla.default_grade]  # type: ignore[index]
        dues.append(Due("first_touch", add_business_hours(lead.assigned_at, hours, cal)))
    if lead.next_contact_at is not None:
        # The booked day is missed at the end of that day's working hours.
        local_day = lead.next_contact_at.astimezone(cal.tz).date()
        end = datetime.combine(local_day, cal.end, cal.tz).astimezone(lead.next_contact_at.tzinfo)
        dues.append(Due("next_contact", end))
    if lead.first_touch_at is not None:  # before the first touch, the first-touch clock is the one that runs
        stall_hours = sla.stall_days * cal.hours_per_day
        dues.append(Due("stall", add_business_hours(lead.last_activity_at, stall_hours, cal)))
    return min(dues, key=lambda d: (d.at, d.kind))


def level_at(due: datetime, now: datetime, sla: SlaPolicy, cal: WorkCalendar) -> int:
    """0 before the due time; then one ladder step per ``escalation_step_hours`` business hours, up to 3."""
    if now < due:
        return 0
    overdue = business_hours_between(due, now, cal)
    return min(MAX_LEVEL, 1 + math.floor(overdue / sla.escalation_step_hours))


def next_check(due: datetime, level: int, sla: SlaPolicy, cal: WorkCalendar) -> datetime | None:
    """When the sweep must look at this lead again: the start of the next level (None at the top)."""
    if level == 0:
        return due
    if level >= MAX_LEVEL:
        return None
    return add_business_hours(due, sla.escalation_step_hours * level, cal)


def overdue_hours(due: datetime, now: datetime, cal: WorkCalendar) -> float:
    return round(business_hours_between(due, now, cal), 1)


@dataclass(frozen=True)
class AlertItem:
    lead_id: int
    client_name: str
    kind: str
    level: int
    grade: str | None
    overdue_hours: float
    owner_id: int | None


def urgency(item: AlertItem) -> tuple:
    """Most urgent first: higher ladder level, better grade, longer overdue."""
    return (-item.level, GRADE_ORDER.get(item.grade or "", 3), -item.overdue_hours, item.lead_id)


def snooze_until(now: datetime, until: datetime) -> datetime:
    """A snooze always moves forward: at least one minute from now."""
    return max(until, now + timedelta(minutes=1))

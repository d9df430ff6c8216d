"""Keeps each lead's SLA clock current as the lead changes, so the sweep reads only what is due.

Every change to a lead (registration, any logged activity, closing) passes through here in the
same unit of work: open alerts are resolved or cancelled, and the lead's next due time and the
time the sweep must look at it again are recomputed with the pure rules in ``bot.rules.sla``.
"""

from __future__ import annotations

from datetime import datetime

from bot.policy import Policy
from bot.rules.calendar import WorkCalendar
from bot.rules.sla import LeadClock, next_due
from store.models import Lead
from store.repos import Repos


class SlaClocks:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._calendars: dict[str, WorkCalendar] = {}
        self._team_keys: dict[int, str] = {}

    def calendar(self, team_key: str) -> WorkCalendar:
        cal = self._calendars.get(team_key)
        if cal is None:
            team = self.policy.team(team_key)
            start, end = team.calendar.hours()
            cal = WorkCalendar(team.timezone, team.calendar.country, start, end,
                               frozenset(team.calendar.holidays), frozenset(team.calendar.workdays))
            self._calendars[team_key] = cal
        return cal

    def team_key(self, repos: Repos, team_id: int) -> str:
        key = self._team_keys.get(team_id)
        if key is None:
            key = repos.teams.key_of(team_id) or self.policy.default_team
            self._team_keys[team_id] = key
        return key

    def calendar_of(self, repos: Repos, lead: Lead) -> WorkCalendar:
        return self.calendar(self.team_key(repos, lead.team_id))

    def refresh(self, repos: Repos, lead: Lead) -> None:
        """Recompute the lead's next due time; a new due time starts the ladder again."""
        assigned = lead.assigned_at or lead.registered_at
        touched = lead.first_touch_at if lead.first_touch_at and lead.first_touch_at >= assigned else None
        due = next_due(LeadClock(
            grade=lead.grade, assigned_at=assigned, first_touch_at=touched,
            last_activity_at=lead.last_activity_at, next_contact_at=lead.next_contact_at,
            closed=lead.closed_at is not None or lead.pooled_at is not None), self.policy.sla,
            self.calendar_of(repos, lead))
        if due is None:
            lead.sla_kind = lead.sla_due_at = lead.sla_check_at = None
            lead.sla_level = 0
            return
        if (lead.sla_kind, lead.sla_due_at) != (due.kind, due.at):
            lead.sla_kind, lead.sla_due_at, lead.sla_level = due.kind, due.at, 0
            lead.sla_check_at = due.at
        if lead.snoozed_until is not None and lead.sla_check_at is not None and lead.sla_check_at < lead.snoozed_until:
            lead.sla_check_at = lead.snoozed_until

    def on_touch(self, repos: Repos, lead: Lead, now: datetime) -> None:
        """Any logged activity is a touch: it answers the open alerts and restarts the clocks."""
        assigned = lead.assigned_at or lead.registered_at
        if lead.first_touch_at is None or lead.first_touch_at < assigned:
            lead.first_touch_at = now
        lead.snoozed_until = None
        repos.alerts.close_open(lead.id, "resolved", "touched", now)
        self.refresh(repos, lead)

    def on_close(self, repos: Repos, lead: Lead, now: datetime, reason: str) -> None:
        """A won, lost, held, transferred or pooled lead stops its pending alerts at once."""
        repos.alerts.close_open(lead.id, "cancelled", reason, now)
        self.refresh(repos, lead)

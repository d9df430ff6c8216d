"""Scheduled jobs are commands run by the clock. Each run of a job for a team and a period is
claimed by a unique job_run row written in the same transaction as the run's alerts and outbox
rows, so a second scheduler, a manual ``jobs run`` or a restart never runs a period twice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.i18n import t
from bot.messages import Action, Item, Reply
from bot.policy import Policy
from bot.rules.sla import RECIPIENTS, AlertItem, level_at, next_check, overdue_hours, urgency
from bot.sla import SlaClocks
from store.db import Database
from store.models import Lead, Team
from store.repos import Repos
from store.uow import UnitOfWork

SLA_SWEEP = "sla-sweep"


def platform_of(tenant: str) -> str:
    """slack:T123 → slack; the local console tenant → console."""
    return tenant.split(":", 1)[0] if ":" in tenant else "console"


def sweep_period(at: datetime, minutes: int) -> str:
    """The sweep period an instant falls in, e.g. 2026-12-01T02:05Z for 5-minute sweeps."""
    at = at.astimezone(UTC)
    floored = at - timedelta(minutes=at.minute % minutes, seconds=at.second, microseconds=at.microsecond)
    return floored.strftime("%Y-%m-%dT%H:%MZ")


@dataclass
class SweepReport:
    period: str
    teams_run: int = 0
    teams_skipped: int = 0          # already claimed by another run of the same period
    leads_checked: int = 0
    alerts: int = 0
    digests: int = 0
    per_recipient: dict[str, int] = field(default_factory=dict)


class Jobs:
    def __init__(self, db: Database, policy: Policy, clock: Clock, clocks: SlaClocks) -> None:
        self.db = db
        self.policy = policy
        self.clock = clock
        self.clocks = clocks

    def names(self) -> tuple[str, ...]:
        return (SLA_SWEEP,)

    def run(self, job: str, at: datetime | None = None) -> SweepReport:
        if job != SLA_SWEEP:
            raise KeyError(job)
        return self.sla_sweep(at or self.clock.now())

    # -- the SLA sweep ---------------------------------------------------------------------------

    def sla_sweep(self, at: datetime) -> SweepReport:
        report = SweepReport(sweep_period(at, self.policy.sla.sweep_minutes))
        with UnitOfWork(self.db) as uow:
            teams = [(team.tenant, team.id, team.key) for team in uow.repos.jobs.teams()]
        for tenant, team_id, team_key in teams:
            if team_key not in {team.id for team in self.policy.teams}:
                continue
            with UnitOfWork(self.db, write=True) as uow:
                repos = uow.repos
                if not repos.jobs.claim(tenant=tenant, job=SLA_SWEEP, team_id=team_id, period=report.period, now=at):
                    report.teams_skipped += 1
                    continue
                team = repos.teams.get(tenant, team_key)
                assert team is not None
                self._sweep_team(repos, team, at, report)
                uow.commit()
            report.teams_run += 1
        return report

    def _sweep_team(self, repos: Repos, team: Team, at: datetime, report: SweepReport) -> None:
        """Decide per lead in Python, write set-based: one INSERT for the new rungs, one UPDATE for the
        leads' next looks, one INSERT for the digests (a round trip per due lead would not scale)."""
        cal = self.clocks.calendar(team.key)
        sla = self.policy.sla
        leads = repos.alerts.due_leads(team.tenant, team.id, at)
        report.leads_checked += len(leads)
        names = repos.alerts.client_names([lead.client_id for lead in leads])
        clocks: list[dict] = []
        rungs: list[dict] = []
        items: dict[tuple[int, int], AlertItem] = {}
        for lead in leads:
            if lead.sla_due_at is None or lead.closed_at is not None:
                clocks.append({"lead_id": lead.id, "level": lead.sla_level, "check_at": None})
                continue
            level = level_at(lead.sla_due_at, at, sla, cal)
            if level > lead.sla_level:
                rungs.append({"tenant": team.tenant, "lead_id": lead.id, "kind": lead.sla_kind or "",
                              "due_at": lead.sla_due_at, "level": level, "status": "open",
                              "period": report.period, "created_at": at})
                items[(lead.id, level)] = AlertItem(lead.id, names.get(lead.client_id, ""), lead.sla_kind or "",
                                                    level, lead.grade, overdue_hours(lead.sla_due_at, at, cal),
                                                    lead.owner_id)
            clocks.append({"lead_id": lead.id, "level": max(level, lead.sla_level),
                           "check_at": next_check(lead.sla_due_at, level, sla, cal)})
        new_ids = repos.alerts.add_many_if_absent(rungs)
        raised = [(item, new_ids[key]) for key, item in items.items() if key in new_ids]
        repos.alerts.set_clocks(clocks)
        report.alerts += len(raised)
        if raised:
            self._send_digests(repos, team, raised, leads, at, report)

    def _send_digests(self, repos: Repos, team: Team, raised: list[tuple[AlertItem, int]], leads: list[Lead],
                      at: datetime, report: SweepReport) -> None:
        """At most one message per person (and one for the team channel) per sweep, most urgent first."""
        owners = repos.alerts.people([item.owner_id for item, _ in raised if item.owner_id])
        managers = repos.alerts.people([m.manager_id for m in owners.values() if m.manager_id])
        manager_users = {m.user_id for m in managers.values()}
        channel = self.policy.team(team.key).alert_channel or team.sync_channel
        client_of = {lead.id: lead.client_id for lead in leads}
        boxes: dict[tuple[str, str], list[tuple[AlertItem, int, str | None]]] = defaultdict(list)
        for item, alert_id in raised:
            owner = owners.get(item.owner_id or -1)
            who = RECIPIENTS[item.level]
            if owner is not None and "owner" in who:
                boxes[("member", owner.user_id)].append((item, alert_id, None))
            manager = managers.get(owner.manager_id) if owner is not None and owner.manager_id else None
            if manager is not None and "manager" in who:
                boxes[("member", manager.user_id)].append((item, alert_id, owner.display_name if owner else None))
            if channel and "channel" in who:
                boxes[("channel", channel)].append((item, alert_id, owner.display_name if owner else None))
        messages = []
        for (kind, target), entries in sorted(boxes.items()):
            entries.sort(key=lambda e: urgency(e[0]))
            reply = self._digest(team.locale, entries, client_of, for_channel=kind == "channel",
                                 recipient_is_manager=target in manager_users)
            messages.append({"tenant": team.tenant, "dedupe_key": f"sla:{team.tenant}:{team.key}:{report.period}:{target}",
                             "platform": platform_of(team.tenant), "target": target, "payload": reply.to_dict()})
            report.digests += 1
            report.per_recipient[target] = len(entries)
        repos.outbox.enqueue_many(messages, now=at)

    def _digest(self, locale: str, entries: list[tuple[AlertItem, int, str | None]], client_of: dict[int, int], *,
                for_channel: bool, recipient_is_manager: bool) -> Reply:
        limit = self.policy.sla.digest_max_items
        items = []
        for item, alert_id, owner_name in entries[:limit]:
            text = t(locale, f"sla.item.{item.kind}", name=item.client_name, grade=item.grade or "-",
                     hours=item.overdue_hours, level=item.level)
            if owner_name:
                text += t(locale, "sla.item.owner", owner=owner_name)
            cid = client_of.get(item.lead_id)
            actions = (Action("crm_alert_done", t(locale, "sla.action.done"), str(alert_id)),
                       Action("crm_alert_snooze", t(locale, "sla.action.snooze"), str(alert_id)),
                       Action("crm_alert_wrong", t(locale, "sla.action.wrong"), str(alert_id)))
            if recipient_is_manager or for_channel:
                actions += (Action("crm_alert_transfer", t(locale, "sla.action.transfer"), str(alert_id)),)
            items.append(Item(text, actions, t(locale, "sla.item.hint", alert_id=alert_id, client_id=cid)))
        more = len(entries) - limit
        return Reply(t(locale, "sla.digest.text", count=len(entries)), title=t(locale, "sla.digest.title"),
                     items=tuple(items), context=t(locale, "sla.digest.more", count=more) if more > 0 else None)


"""The pipeline commands: follow-ups, stage changes, the pre-close checklist, closing, battle
reports, the rep's day and a lead's history. Each runs in one unit of work against the pure rules
in ``bot.rules.stages`` / ``bot.rules.dates`` and writes its audit row in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import Advance, FollowUp, History, Mine
from bot.i18n import t
from bot.messages import Result
from bot.pipeline_base import CONTACT_HOUR, LINK
from bot.pipeline_closing import ClosingCommands
from bot.rules.dates import parse_day
from bot.rules.registration import protection_until
from bot.rules.stages import ValueProblem, decide_advance, parse_value
from store.models import Activity, Lead, StageChange
from store.repos import MemberView
from store.uow import UnitOfWork


class PipelineService(ClosingCommands):
    """followup, advance, mine and history here; checklist, close and report in ClosingCommands."""

    # -- followup ------------------------------------------------------------------------------

    def followup(self, me: MemberView, cmd: FollowUp) -> Result:
        now = self.clock.now()
        today = self._today(me, now)
        day = parse_day(cmd.next, today)
        if day is None:
            return self._refuse(me, "followup.bad_date", "followup", value=cmd.next)
        if day < today:
            return self._refuse(me, "followup.date_in_past", "followup", value=cmd.next, today=today.isoformat())
        with UnitOfWork(self.db, write=True) as uow:
            found = self._lead_for_change(uow, me, cmd.client, "followup", now)
            if isinstance(found, Result):
                return found
            client, lead = found
            repos = uow.repos
            if lead.closed_at is not None:
                return self._refuse(me, "lead.closed", name=client.name, stage=lead.stage)
            lead.next_contact_at = datetime.combine(day, CONTACT_HOUR, ZoneInfo(me.timezone)).astimezone(UTC)
            extended = protection_until(now, self.policy.protection)
            if lead.protected_until is None or lead.protected_until < extended:
                lead.protected_until = extended
            self._touch(repos, lead, now)
            repos.leads.add_activity(Activity(
                tenant=me.tenant, lead_id=lead.id, actor_id=me.id, kind="followup", channel=cmd.channel,
                outcome=cmd.outcome, next_at=lead.next_contact_at,
                payload={"plan": cmd.plan, "goal_met": cmd.goal_met}, at=now))
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="followup", subject_type="lead",
                               subject_id=lead.id, rule="followup.logged", decision="done",
                               facts={"channel": cmd.channel, "next": day.isoformat(),
                                      "protected_until": lead.protected_until.isoformat()}, at=now)
            uow.commit()
        return self._result(me, True, "followup.logged", "followup.logged", name=client.name, client_id=client.id,
                            channel=cmd.channel, outcome=cmd.outcome, next=day, until=lead.protected_until)

    # -- advance -------------------------------------------------------------------------------

    def advance(self, me: MemberView, cmd: Advance) -> Result:
        target = self._stage_id(cmd.stage)
        parsed: dict[str, Any] = {}
        for key, raw in cmd.values:
            if key not in self.pipeline.fields:
                return self._refuse(me, "advance.unknown_field", "advance", detail=key,
                                    fields=", ".join(self.pipeline.fields))
            try:
                parsed[key] = parse_value(key, self.pipeline.fields[key], raw)
            except ValueProblem as problem:
                return self._refuse(me, f"value.{problem.code}", "advance", label=self._label(me, key),
                                    value=problem.value, need=problem.need,
                                    example=self.pipeline.fields[key].example, data={"field": key})
        if cmd.evidence:
            try:
                parse_value("evidence", LINK, cmd.evidence)
            except ValueProblem:
                return self._refuse(me, "value.not_a_link", "advance", label=t(me.locale, "evidence"),
                                    value=cmd.evidence, example=LINK.example, data={"field": "evidence"})
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            found = self._lead_for_change(uow, me, cmd.client, "advance", now)
            if isinstance(found, Result):
                return found
            client, lead = found
            repos = uow.repos
            merged = {**(lead.criteria or {}), **parsed}
            decision = decide_advance(lead.stage, target, merged, self.pipeline, cmd.reason)
            if parsed:
                lead.criteria = merged  # valid evidence is kept even when the move is refused
            facts = {"from": lead.stage, "to": target, "checked": list(decision.checked),
                     "missing": list(decision.missing), "saved": sorted(parsed)}
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="advance", subject_type="lead",
                               subject_id=lead.id, rule=decision.rule,
                               decision="done" if decision.allowed else "refused", facts=facts, at=now)
            if decision.allowed:
                repos.pipeline.add(StageChange(tenant=me.tenant, lead_id=lead.id, actor_id=me.id,
                                               from_stage=lead.stage, to_stage=target, rule=decision.rule,
                                               checked=list(decision.checked), reason=cmd.reason, at=now))
                repos.leads.add_activity(Activity(tenant=me.tenant, lead_id=lead.id, actor_id=me.id, kind="stage",
                                                  payload={"from": lead.stage, "to": target,
                                                           "evidence": cmd.evidence}, at=now))
                lead.stage = target
                self._touch(repos, lead, now)
            uow.commit()
        params = {"name": client.name, "client_id": client.id, "from_stage": decision.from_stage,
                  "to_stage": target, "stage": lead.stage}
        if decision.allowed:
            return self._result(me, True, "advanced", "advance.done", **params)
        missing = [{"field": n, "label": self._label(me, n), "example": self.pipeline.fields[n].example}
                   for n in decision.missing]
        return self._refuse(me, decision.rule, "advance", **params, saved=", ".join(sorted(parsed)),
                            data={"missing": missing, "stages": list(self.pipeline.stages)})

    # -- the rep's day and a lead's story -----------------------------------------------------

    def mine(self, me: MemberView, cmd: Mine) -> Result:
        now = self.clock.now()
        today = self._today(me, now)
        tz = ZoneInfo(me.timezone)
        with UnitOfWork(self.db) as uow:
            repos = uow.repos
            leads = repos.pipeline.open_leads_of(me.tenant, [me.id])
            waiting_ids = repos.pipeline.awaiting_approval(me.tenant, [lead.id for lead in leads],
                                                           len(self.pipeline.checklist))
            to_approve: list[Lead] = []
            if me.role in ("manager", "director"):
                team = repos.pipeline.open_leads_of(me.tenant, repos.pipeline.reps_of(me.tenant, me.id))
                ids = set(repos.pipeline.awaiting_approval(me.tenant, [lead.id for lead in team],
                                                           len(self.pipeline.checklist)))
                to_approve = [lead for lead in team if lead.id in ids]
            names = {c.id: c.name for c in repos.clients.by_ids(
                me.tenant, [lead.client_id for lead in [*leads, *to_approve]]).values()}
        stall = now - timedelta(days=self.pipeline.stall_days)

        def line(lead: Lead) -> dict[str, Any]:
            nxt = lead.next_contact_at.astimezone(tz).date().isoformat() if lead.next_contact_at else ""
            return {"client_id": lead.client_id, "name": names.get(lead.client_id, ""), "stage": lead.stage,
                    "next": nxt, "grade": lead.grade}

        sections = {
            "today": [line(x) for x in leads if x.next_contact_at and x.next_contact_at.astimezone(tz).date() == today],
            "overdue": [line(x) for x in leads if x.next_contact_at and x.next_contact_at.astimezone(tz).date() < today],
            "stalled": [line(x) for x in leads if x.grade in ("A", "B") and x.last_activity_at <= stall],
            "no_next": [line(x) for x in leads if x.next_contact_at is None],
            "waiting": [line(x) for x in leads if x.id in waiting_ids],
            "to_approve": [line(x) for x in to_approve],
        }
        return self._result(me, True, "mine", "mine", count=len(leads), data={"sections": sections})

    def stage_of(self, me: MemberView, client_text: str) -> str | None:
        """The stage of the client's latest lead, or None when the text names no single client (read-only)."""
        with UnitOfWork(self.db) as uow:
            found = self._resolve(uow.repos, me, client_text, "advance")
        return None if isinstance(found, Result) else found[1].stage

    def history(self, me: MemberView, cmd: History) -> Result:
        with UnitOfWork(self.db) as uow:
            repos = uow.repos
            found = self._resolve(repos, me, cmd.client, "history")
            if isinstance(found, Result):
                return found
            client, _lead = found
            events = repos.pipeline.history(me.tenant, client.id, repos.pipeline.lead_ids(me.tenant, client.id))
            actors = repos.members.names(e.actor_id for e in events if e.actor_id)
        rows = [{"at": e.at.isoformat(), "actor": actors.get(e.actor_id, ""), "action": e.action, "rule": e.rule,
                 "decision": e.decision, "from": e.facts.get("from"), "to": e.facts.get("to"),
                 "item": e.facts.get("item"), "outcome": e.facts.get("outcome"),
                 "missing": e.facts.get("missing") or []} for e in events]
        return self._result(me, True, "history", "history", name=client.name, client_id=client.id,
                            data={"events": rows})


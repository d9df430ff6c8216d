"""The pipeline commands: follow-ups, stage changes, the pre-close checklist, closing, battle
reports, the rep's day and a lead's history. Each runs in one unit of work against the pure rules
in ``bot.rules.stages`` / ``bot.rules.dates`` and writes its audit row in the same transaction."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.commands import REPORT_FIELDS, Advance, ChecklistCmd, Close, FollowUp, History, Mine, Report
from bot.i18n import CATALOGS, t
from bot.messages import Result
from bot.policy import CriterionField, Policy
from bot.present import present
from bot.rules.dates import parse_day
from bot.rules.identity import IdentityProblem, query_for
from bot.rules.registration import match_clients, protection_until
from bot.rules.stages import CLOSED, ValueProblem, decide_advance, decide_close, may_change, parse_amount, parse_value
from store.db import Database
from store.models import Activity, BattleReport, ChecklistItem, Client, Lead, StageChange
from store.repos import MemberView, Repos
from store.uow import UnitOfWork

LINK = CriterionField(type="link", label_zh="证据链接", label_en="evidence link",
                      example="evidence=https://docs.example.com/x")
APPROVE_WORDS = {"approve", "批准", "审批", "通过"}
CONTACT_HOUR = time(9, 0)


class PipelineService:
    def __init__(self, db: Database, policy: Policy, clock: Clock) -> None:
        self.db = db
        self.policy = policy
        self.clock = clock
        self.pipeline = policy.pipeline

    # -- shared --------------------------------------------------------------------------------

    def _result(self, me: MemberView, ok: bool, kind: str, msg: str, **params: Any) -> Result:
        data = params.pop("data", {})
        return Result(ok, kind, msg, params, locale=me.locale, timezone=me.timezone, data=data)

    def _refuse(self, me: MemberView, msg: str, verb: str | None = None, **params: Any) -> Result:
        data = params.pop("data", {})
        return Result(False, "refused", msg, params, locale=me.locale, timezone=me.timezone,
                      data={"usage": verb, **data})

    def _resolve(self, repos: Repos, me: MemberView, text: str, verb: str) -> tuple[Client, Lead] | Result:
        """A client named by id (#12), name, phone, e-mail or credit code, with its latest lead."""
        text = text.strip()
        if m := re.fullmatch(r"#(\d+)", text):
            client = repos.clients.by_ids(me.tenant, [int(m[1])]).get(int(m[1]))
            candidates = [client] if client else []
        else:
            try:
                query = query_for(text, self.policy.identity)
            except IdentityProblem as problem:
                return self._refuse(me, f"problem.{problem.code}", verb, value=problem.value, detail=problem.detail)
            matches = match_clients(query.keys, repos.clients.key_hits(me.tenant, query.keys))
            candidates = sorted(repos.clients.by_ids(me.tenant, matches).values(), key=lambda c: c.id)
        if not candidates:
            return self._refuse(me, "lead.not_found", verb, query=text)
        if len(candidates) > 1:
            return self._refuse(me, "lead.ambiguous", verb, query=text,
                                data={"choices": [f"#{c.id} {c.name}" for c in candidates]})
        client = candidates[0]
        lead = repos.pipeline.latest_lead(me.tenant, client.id)
        if lead is None:
            return self._refuse(me, "lead.not_found", verb, query=text)
        return client, lead

    def _allowed(self, repos: Repos, me: MemberView, lead: Lead) -> bool:
        owner = repos.pipeline.member(lead.owner_id)
        return may_change(me.id, me.role, lead.owner_id, owner.manager_id if owner else None)

    def _not_allowed(self, repos: Repos, me: MemberView, client: Client, lead: Lead, action: str,
                     now: datetime) -> Result:
        owner = repos.pipeline.member(lead.owner_id)
        repos.audit.record(tenant=me.tenant, actor_id=me.id, action=action, subject_type="lead", subject_id=lead.id,
                           rule="lead.not_owner_or_manager", decision="refused", facts={}, at=now)
        return self._refuse(me, "lead.not_yours", name=client.name, owner=owner.display_name if owner else "")

    def _today(self, me: MemberView, now: datetime):
        return now.astimezone(ZoneInfo(me.timezone)).date()

    def _label(self, me: MemberView, name: str) -> str:
        field = self.pipeline.fields[name]
        return field.label_zh if me.locale == "zh-CN" else field.label_en

    def _stage_id(self, text: str) -> str:
        wanted = text.strip().lower()
        for stage in (*self.pipeline.stages, *CLOSED):
            names = {stage} | {CATALOGS[loc].get(f"stage.{stage}", "").lower() for loc in CATALOGS}
            if wanted in names:
                return stage
        return wanted

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
            repos = uow.repos
            found = self._resolve(repos, me, cmd.client, "followup")
            if isinstance(found, Result):
                return found
            client, lead = found
            if not self._allowed(repos, me, lead):
                result = self._not_allowed(repos, me, client, lead, "followup", now)
                uow.commit()
                return result
            if lead.closed_at is not None:
                return self._refuse(me, "lead.closed", name=client.name, stage=lead.stage)
            lead.next_contact_at = datetime.combine(day, CONTACT_HOUR, ZoneInfo(me.timezone)).astimezone(UTC)
            lead.first_touch_at = lead.first_touch_at or now
            extended = protection_until(now, self.policy.protection)
            if lead.protected_until is None or lead.protected_until < extended:
                lead.protected_until = extended
            repos.pipeline.touch(lead, now)
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
                                    example=self.pipeline.fields[key].example)
        if cmd.evidence:
            try:
                parse_value("evidence", LINK, cmd.evidence)
            except ValueProblem:
                return self._refuse(me, "value.not_a_link", "advance", label=t(me.locale, "evidence"),
                                    value=cmd.evidence, example=LINK.example)
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            repos = uow.repos
            found = self._resolve(repos, me, cmd.client, "advance")
            if isinstance(found, Result):
                return found
            client, lead = found
            if not self._allowed(repos, me, lead):
                result = self._not_allowed(repos, me, client, lead, "advance", now)
                uow.commit()
                return result
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
                repos.pipeline.touch(lead, now)
            uow.commit()
        params = {"name": client.name, "client_id": client.id, "from_stage": decision.from_stage,
                  "to_stage": target, "stage": lead.stage}
        if decision.allowed:
            return self._result(me, True, "advanced", "advance.done", **params)
        missing = [{"field": n, "label": self._label(me, n), "example": self.pipeline.fields[n].example}
                   for n in decision.missing]
        return self._refuse(me, decision.rule, "advance", **params, saved=", ".join(sorted(parsed)),
                            data={"missing": missing, "stages": list(self.pipeline.stages)})

    # -- checklist -----------------------------------------------------------------------------

    def checklist(self, me: MemberView, cmd: ChecklistCmd) -> Result:
        items = {item.id: item for item in self.pipeline.checklist}
        head, _, last = cmd.text.strip().rpartition(" ")
        action, client_text = ("show", cmd.text)
        if head and last.lower() in items:
            action, client_text = "tick", head
        elif head and last.lower() in APPROVE_WORDS:
            action, client_text = "approve", head
        if action == "tick":
            if not cmd.evidence:
                return self._refuse(me, "checklist.evidence_required", "checklist", item=last.lower())
            try:
                parse_value("evidence", LINK, cmd.evidence)
            except ValueProblem:
                return self._refuse(me, "value.not_a_link", "checklist", label=t(me.locale, "evidence"),
                                    value=cmd.evidence, example=LINK.example)
        elif cmd.evidence:
            return self._refuse(me, "checklist.which_item", "checklist", items=", ".join(items))
        now = self.clock.now()
        with UnitOfWork(self.db, write=action != "show") as uow:
            repos = uow.repos
            found = self._resolve(repos, me, client_text, "checklist")
            if isinstance(found, Result):
                return found
            client, lead = found
            if action != "show" and not self._allowed(repos, me, lead):
                result = self._not_allowed(repos, me, client, lead, f"checklist.{action}", now)
                uow.commit()
                return result
            ticked = repos.pipeline.checklist(lead.id)
            msg = "checklist.show"
            if action == "tick":
                msg = self._tick(repos, me, client, lead, ticked, last.lower(), cmd.evidence or "", now)
                ticked = repos.pipeline.checklist(lead.id)
            elif action == "approve":
                refusal = self._approve(repos, me, client, lead, ticked, now)
                if refusal is not None:
                    uow.commit()
                    return refusal
                msg = "checklist.approved"
            uow.commit()
        rows = [{"id": i, "label": it.label_zh if me.locale == "zh-CN" else it.label_en, "done": i in ticked,
                 "evidence": ticked[i].evidence if i in ticked else None} for i, it in items.items()]
        done = sum(r["done"] for r in rows)
        return self._result(me, True, "checklist", msg, name=client.name, client_id=client.id, done=done,
                            total=len(rows), approved=lead.checklist_approved_at is not None,
                            data={"items": rows})

    def _tick(self, repos: Repos, me: MemberView, client: Client, lead: Lead, ticked: dict[str, ChecklistItem],
              item: str, evidence: str, now: datetime) -> str:
        row = ticked.get(item)
        if row is None:
            repos.pipeline.add(ChecklistItem(tenant=me.tenant, lead_id=lead.id, item=item, evidence=evidence,
                                             ticked_by=me.id, ticked_at=now))
        else:
            row.evidence, row.ticked_by, row.ticked_at = evidence, me.id, now
        rule = "checklist.ticked"
        if lead.checklist_approved_at is not None:  # changed evidence needs a fresh approval
            lead.checklist_approved_at, lead.checklist_approved_by = None, None
            rule = "checklist.ticked_approval_reset"
        repos.pipeline.touch(lead, now)
        repos.leads.add_activity(Activity(tenant=me.tenant, lead_id=lead.id, actor_id=me.id, kind="checklist",
                                          payload={"item": item, "evidence": evidence}, at=now))
        repos.audit.record(tenant=me.tenant, actor_id=me.id, action="checklist", subject_type="lead",
                           subject_id=lead.id, rule=rule, decision="done", facts={"item": item, "evidence": evidence},
                           at=now)
        complete = len(set(ticked) | {item}) >= len(self.pipeline.checklist)
        if not complete:
            return "checklist.ticked"
        owner = repos.pipeline.member(lead.owner_id)
        manager = repos.pipeline.member(owner.manager_id) if owner else None
        if manager is not None:
            notice = present(Result(True, "checklist.ready.notice", "checklist.ready.notice",
                                    {"name": client.name, "owner": owner.display_name, "client_id": client.id},
                                    locale=me.locale, timezone=me.timezone))
            repos.outbox.enqueue(tenant=me.tenant, dedupe_key=f"checklist-ready:{me.tenant}:{lead.id}:{lead.version}",
                                 platform=me.platform, target=manager.user_id, payload=notice.to_dict(), now=now)
        return "checklist.complete"

    def _approve(self, repos: Repos, me: MemberView, client: Client, lead: Lead,
                 ticked: dict[str, ChecklistItem], now: datetime) -> Result | None:
        owner = repos.pipeline.member(lead.owner_id)
        if me.id == lead.owner_id and me.role != "director":
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="checklist.approve", subject_type="lead",
                               subject_id=lead.id, rule="checklist.owner_cannot_approve", decision="refused",
                               facts={}, at=now)
            return self._refuse(me, "checklist.owner_cannot_approve", name=client.name)
        missing = [i.id for i in self.pipeline.checklist if i.id not in ticked]
        if missing:
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="checklist.approve", subject_type="lead",
                               subject_id=lead.id, rule="checklist.incomplete", decision="refused",
                               facts={"missing": missing}, at=now)
            return self._refuse(me, "checklist.incomplete", "checklist", name=client.name,
                                data={"missing": [{"field": i, "label": i, "example": ""} for i in missing]})
        lead.checklist_approved_at, lead.checklist_approved_by = now, me.id
        repos.pipeline.touch(lead, now)
        repos.audit.record(tenant=me.tenant, actor_id=me.id, action="checklist.approve", subject_type="lead",
                           subject_id=lead.id, rule="checklist.approved_by_manager", decision="done", facts={}, at=now)
        if owner is not None:
            notice = present(Result(True, "checklist.approved.notice", "checklist.approved.notice",
                                    {"name": client.name, "manager": me.display_name},
                                    locale=me.locale, timezone=me.timezone))
            repos.outbox.enqueue(tenant=me.tenant, dedupe_key=f"checklist-approved:{me.tenant}:{lead.id}:{lead.version}",
                                 platform=me.platform, target=owner.user_id, payload=notice.to_dict(), now=now)
        return None

    # -- close and report ----------------------------------------------------------------------

    def close(self, me: MemberView, cmd: Close) -> Result:
        amount = None
        if cmd.outcome == "won":
            amount = parse_amount(cmd.amount) if cmd.amount else None
            if amount is None or amount <= 0:
                return self._refuse(me, "close.amount_required", "close", value=cmd.amount or "")
        reason = cmd.reason.strip().lower() if cmd.reason else None
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            repos = uow.repos
            found = self._resolve(repos, me, cmd.client, "close")
            if isinstance(found, Result):
                return found
            client, lead = found
            if not self._allowed(repos, me, lead):
                result = self._not_allowed(repos, me, client, lead, "close", now)
                uow.commit()
                return result
            ticked = set(repos.pipeline.checklist(lead.id))
            decision = decide_close(lead.stage, cmd.outcome, reason, ticked, lead.checklist_approved_at is not None,
                                    self.pipeline)
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="close", subject_type="lead",
                               subject_id=lead.id, rule=decision.rule,
                               decision="done" if decision.allowed else "refused",
                               facts={"outcome": cmd.outcome, "reason": reason, "amount": str(amount or ""),
                                      "missing": list(decision.missing_items)}, at=now)
            if decision.allowed:
                repos.pipeline.add(StageChange(tenant=me.tenant, lead_id=lead.id, actor_id=me.id,
                                               from_stage=lead.stage, to_stage=cmd.outcome, rule=decision.rule,
                                               checked=[], reason=reason, at=now))
                lead.stage, lead.closed_at, lead.close_reason = cmd.outcome, now, reason
                lead.amount = amount
                repos.pipeline.touch(lead, now)
                if me.sync_channel and cmd.outcome in ("won", "lost"):
                    notice = present(Result(True, f"closed.{cmd.outcome}.notice", f"closed.{cmd.outcome}.notice",
                                            {"name": client.name, "owner": me.display_name, "amount": str(amount or ""),
                                             "reason": t(me.locale, f"reason.close.{reason}") if reason else ""},
                                            locale=me.locale, timezone=me.timezone))
                    repos.outbox.enqueue(tenant=me.tenant, dedupe_key=f"closed:{me.tenant}:{lead.id}",
                                         platform=me.platform, target=me.sync_channel, payload=notice.to_dict(),
                                         now=now)
            uow.commit()
        if not decision.allowed:
            labels = {i.id: (i.label_zh if me.locale == "zh-CN" else i.label_en) for i in self.pipeline.checklist}
            return self._refuse(me, decision.rule, "close", name=client.name, client_id=client.id,
                                reasons=", ".join(self.pipeline.close_reasons),
                                data={"missing": [{"field": i, "label": labels[i], "example":
                                                   f"checklist {client.name} {i} evidence=https://…"}
                                                  for i in decision.missing_items]})
        return self._result(me, True, "closed", f"close.done.{cmd.outcome}", name=client.name, client_id=client.id,
                            amount=str(amount or ""), outcome=cmd.outcome)

    def report(self, me: MemberView, cmd: Report) -> Result:
        fields = dict(cmd.fields)
        missing = [f for f in REPORT_FIELDS if not fields.get(f, "").strip()]
        if missing:
            return self._refuse(me, "report.missing_fields", "report", fields=", ".join(missing))
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            repos = uow.repos
            found = self._resolve(repos, me, cmd.client, "report")
            if isinstance(found, Result):
                return found
            client, lead = found
            if not self._allowed(repos, me, lead):
                result = self._not_allowed(repos, me, client, lead, "report", now)
                uow.commit()
                return result
            if lead.stage not in ("won", "lost"):
                return self._refuse(me, "report.not_closed", name=client.name, stage=lead.stage)
            repos.pipeline.add(BattleReport(tenant=me.tenant, lead_id=lead.id, author_id=me.id, outcome=lead.stage,
                                            fields=fields, at=now))
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="report", subject_type="lead",
                               subject_id=lead.id, rule="report.saved", decision="done",
                               facts={"outcome": lead.stage}, at=now)
            uow.commit()
        return self._result(me, True, "report.saved", "report.saved", name=client.name, client_id=client.id)

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

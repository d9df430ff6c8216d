"""The end of a deal: the pre-close checklist, closing as won / lost / hold, and the battle report."""

from __future__ import annotations

from datetime import datetime

from bot.commands import ChecklistCmd, Close, Report
from bot.commands_pipeline import REPORT_FIELDS
from bot.i18n import t
from bot.messages import Result
from bot.pipeline_base import APPROVE_WORDS, LINK, PipelineBase
from bot.present import present
from bot.rules.stages import ValueProblem, decide_close, parse_amount, parse_value
from store.models import Activity, BattleReport, ChecklistItem, Client, Lead, StageChange
from store.repos import MemberView, Repos
from store.uow import UnitOfWork


class ClosingCommands(PipelineBase):
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
        self._touch(repos, lead, now)
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
            labels = {i.id: (i.label_zh if me.locale == "zh-CN" else i.label_en) for i in self.pipeline.checklist}
            return self._refuse(me, "checklist.incomplete", "checklist", name=client.name,
                                data={"missing": [{"field": i, "label": labels[i], "example": ""} for i in missing]})
        lead.checklist_approved_at, lead.checklist_approved_by = now, me.id
        self._touch(repos, lead, now)
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
            found = self._lead_for_change(uow, me, cmd.client, "close", now)
            if isinstance(found, Result):
                return found
            client, lead = found
            repos = uow.repos
            ticked = set(repos.pipeline.checklist(lead.id))
            decision = decide_close(lead.stage, cmd.outcome, reason, ticked, lead.checklist_approved_at is not None,
                                    self.pipeline)
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="close", subject_type="lead",
                               subject_id=lead.id, rule=decision.rule,
                               decision="done" if decision.allowed else "refused",
                               facts={"from": lead.stage, "to": cmd.outcome, "outcome": cmd.outcome, "reason": reason,
                                      "amount": str(amount or ""),
                                      "missing": list(decision.missing_items)}, at=now)
            if decision.allowed:
                repos.pipeline.add(StageChange(tenant=me.tenant, lead_id=lead.id, actor_id=me.id,
                                               from_stage=lead.stage, to_stage=cmd.outcome, rule=decision.rule,
                                               checked=[], reason=reason, at=now))
                lead.stage, lead.closed_at, lead.close_reason = cmd.outcome, now, reason
                lead.amount = amount
                repos.pipeline.touch(lead, now)
                self.clocks.on_close(repos, lead, now, f"closed_{cmd.outcome}")
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
            found = self._lead_for_change(uow, me, cmd.client, "report", now)
            if isinstance(found, Result):
                return found
            client, lead = found
            repos = uow.repos
            if lead.stage not in ("won", "lost"):
                return self._refuse(me, "report.not_closed", name=client.name, stage=lead.stage)
            repos.pipeline.add(BattleReport(tenant=me.tenant, lead_id=lead.id, author_id=me.id, outcome=lead.stage,
                                            fields=fields, at=now))
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="report", subject_type="lead",
                               subject_id=lead.id, rule="report.saved", decision="done",
                               facts={"outcome": lead.stage}, at=now)
            uow.commit()
        return self._result(me, True, "report.saved", "report.saved", name=client.name, client_id=client.id)


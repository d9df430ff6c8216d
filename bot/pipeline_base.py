"""Shared parts of the pipeline commands: follow-ups, stage changes, the pre-close checklist, closing, battle
reports, the rep's day and a lead's history. Each runs in one unit of work against the pure rules
in ``bot.rules.stages`` / ``bot.rules.dates`` and writes its audit row in the same transaction."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import CATALOGS
from bot.messages import Result
from bot.policy import CriterionField, Policy
from bot.rules.identity import IdentityProblem, query_for
from bot.rules.registration import match_clients
from bot.rules.stages import CLOSED, may_change
from bot.sla import SlaClocks
from store.db import Database
from store.models import Client, Lead
from store.repos import MemberView, Repos
from store.uow import UnitOfWork

LINK = CriterionField(type="link", label_zh="证据链接", label_en="evidence link",
                      example="evidence=https://docs.example.com/x")
APPROVE_WORDS = {"approve", "批准", "审批", "通过"}
CONTACT_HOUR = time(9, 0)


class PipelineBase:
    """What every pipeline command needs: finding the lead, the permission check, the wording helpers."""

    def __init__(self, db: Database, policy: Policy, clock: Clock) -> None:
        self.db = db
        self.policy = policy
        self.clock = clock
        self.pipeline = policy.pipeline
        self.clocks = SlaClocks(policy)

    def _touch(self, repos: Repos, lead: Lead, now: datetime) -> None:
        """A logged activity: the lead's version and last activity move, its SLA clocks restart."""
        repos.pipeline.touch(lead, now)
        self.clocks.on_touch(repos, lead, now)

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

    def _lead_for_change(self, uow: UnitOfWork, me: MemberView, client_text: str, verb: str,
                         now: datetime) -> tuple[Client, Lead] | Result:
        """The client and lead a changing command names, if the caller may change it; otherwise the
        refusal (a permission refusal is audited and committed here)."""
        found = self._resolve(uow.repos, me, client_text, verb)
        if isinstance(found, Result):
            return found
        client, lead = found
        if not self._allowed(uow.repos, me, lead):
            result = self._not_allowed(uow.repos, me, client, lead, verb, now)
            uow.commit()
            return result
        return client, lead

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


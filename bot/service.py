"""The service layer: each command runs in a unit of work against the pure rules and the store.

Handlers (Slack, console, later Feishu and jobs) build a command and an ``Actor`` and call
``Service.execute``; they never touch the database or decide anything themselves.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot.alerts import AlertCommands
from bot.clock import Clock
from bot.commands import (
    Advance,
    AlertCmd,
    Check,
    ChecklistCmd,
    Close,
    Command,
    FollowUp,
    Help,
    History,
    Mine,
    OpenForm,
    Register,
    Report,
    Transfer,
    UsageError,
)
from bot.i18n import t
from bot.known_names import load_known
from bot.messages import MatchView, Result
from bot.near_misses import find_near_misses, near_lookup, remember_variants, score_near_misses
from bot.pipeline import PipelineService
from bot.policy import Policy
from bot.present import HELP_TOPICS, present
from bot.rules.identity import Identity, IdentityProblem, KeyKind, build_identity, query_for
from bot.rules.registration import (
    Evidence,
    Outcome,
    decide_registration,
    known_matches,
    match_clients,
    near_misses,
    other_bodies,
)
from store.db import Database
from store.models import Activity, Client, Lead
from store.repos import Leads, MatchRow, MemberView, Repos
from store.uow import UnitOfWork

log = logging.getLogger(__name__)

SCORES = {KeyKind.CREDIT_CODE: 100, KeyKind.PHONE: 100, KeyKind.DOMAIN: 95, KeyKind.NAME: 100, KeyKind.CORE: 90,
          KeyKind.KNOWN: 85, KeyKind.TYPO: 80, KeyKind.PINYIN: 75, KeyKind.PREFIX: 70}
FIRST_STAGE = "lead"
MAX_REMEMBERED_MEMBERS = 100_000  # a view is a few hundred bytes; a tenant has hundreds of members, not millions
# Matches listed in a reply, the strongest first; the reply counts the rest. A bare short name (海康) can
# start hundreds of registered names: listing them all would bury the reply and read every one's owner.
MAX_SHOWN_MATCHES = 10


@dataclass(frozen=True)
class Actor:
    """Who is asking: the tenant (workspace), the platform and the platform's user id."""

    tenant: str
    platform: str
    user_id: str
    display_name: str | None = None


class Service:
    def __init__(self, db: Database, policy: Policy, clock: Clock) -> None:
        self.db = db
        self.policy = policy
        self.clock = clock
        self.known = load_known(policy.identity.known_names)
        self.shown_matches = MAX_SHOWN_MATCHES
        self.pipeline = PipelineService(db, policy, clock)
        self.alerts = AlertCommands(db, policy, clock)
        self._synced: set[tuple[str, str]] = set()
        self._sync_lock = threading.Lock()
        # Members as read once by this process: a member row is written once, and what its view shows beyond
        # that (team, role, manager) comes from the policy this process synced, so it cannot change under it.
        self._members: dict[tuple[str, str, str], MemberView] = {}

    # -- entry point -------------------------------------------------------------------------

    def execute(self, actor: Actor, command: Command | UsageError) -> Result:
        if isinstance(command, Check):
            return self.check(actor, command)  # reads its caller in its own unit of work
        me = self.member(actor)
        if isinstance(command, UsageError):
            return self._usage(me, command)
        if isinstance(command, Register):
            return self.register(actor, command, me)
        if isinstance(command, OpenForm):
            return self._usage(me, UsageError("form_unavailable", command.verb))
        if isinstance(command, Help):
            return self.help(me, command)
        handler = {FollowUp: self.pipeline.followup, Advance: self.pipeline.advance,
                   ChecklistCmd: self.pipeline.checklist, Close: self.pipeline.close, Report: self.pipeline.report,
                   Mine: self.pipeline.mine, History: self.pipeline.history, AlertCmd: self.alerts.alert,
                   Transfer: self.alerts.transfer}[type(command)]
        return handler(me, command)

    def stage_of(self, actor: Actor, client_text: str) -> str | None:
        """For forms: the current stage of the lead a client text names (None when unknown)."""
        return self.pipeline.stage_of(self.member(actor), client_text)

    # -- members -----------------------------------------------------------------------------

    def member(self, actor: Actor) -> MemberView:
        """The caller as a member, created on first use (unknown users become reps of the default team)."""
        with UnitOfWork(self.db) as uow:
            found = self._known_member(uow.repos, actor)
        if found is not None:
            return found
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            self._sync_policy(uow.repos, actor, now)
            configured = self.policy.member(actor.user_id)
            team_key = configured[0].id if configured else self.policy.default_team
            team = uow.repos.teams.get(actor.tenant, team_key)
            assert team is not None
            uow.repos.members.ensure(actor.tenant, actor.platform, actor.user_id,
                                     display_name=actor.display_name or actor.user_id, role="rep",
                                     team_id=team.id, now=now)
            uow.commit()
        with self._sync_lock:
            self._synced.add((actor.tenant, actor.platform))
        with UnitOfWork(self.db) as uow:
            found = self._known_member(uow.repos, actor)
        assert found is not None
        return found

    def _known_member(self, repos: Repos, actor: Actor) -> MemberView | None:
        """The caller, when it exists and this process has synced the policy for its tenant; read from the
        database once per process (every command reads its caller: check is typed before every call)."""
        if (actor.tenant, actor.platform) not in self._synced:
            return None
        key = (actor.tenant, actor.platform, actor.user_id)
        found = self._members.get(key)
        if found is None:
            found = repos.members.view(*key)
            if found is not None and len(self._members) < MAX_REMEMBERED_MEMBERS:
                self._members[key] = found
        return found

    def _sync_policy(self, repos: Repos, actor: Actor, now) -> None:
        """Teams and configured members of app.yaml, for this tenant (idempotent)."""
        for team in self.policy.teams:
            row = repos.teams.ensure(actor.tenant, team.id, name=team.name, timezone=team.timezone,
                                     locale=team.locale, sync_channel=team.sync_channel)
            for m in team.members:
                repos.members.ensure(actor.tenant, actor.platform, m.user, display_name=m.name or m.user,
                                     role=m.role, team_id=row.id, now=now)
        for team in self.policy.teams:
            for m in team.members:
                if m.manager:
                    repos.members.set_manager(actor.tenant, actor.platform, m.user, m.manager)

    # -- register ----------------------------------------------------------------------------

    def register(self, actor: Actor, cmd: Register, me: MemberView | None = None) -> Result:
        me = me or self.member(actor)
        try:
            identity = build_identity(cmd.name, self.policy.identity, known=self.known, phone=cmd.phone, email=cmd.email,
                                      credit_code=cmd.credit_code, aliases=cmd.aliases)
        except IdentityProblem as problem:
            return self._problem(me, problem, "register")
        names = (identity.name, *identity.aliases)
        with UnitOfWork(self.db) as uow:  # candidate retrieval stays outside the registration lock
            seen_up_to = uow.repos.clients.max_id(actor.tenant)
            near = find_near_misses(uow.repos, actor.tenant, names, self.known)
        for attempt in (1, 2):
            try:
                return self._register_locked(actor, me, cmd, identity, near, seen_up_to)
            except IntegrityError:
                # Another worker inserted the same key between our lookup and insert (only possible
                # without the registration lock); the second pass sees its row and refuses.
                if attempt == 2:
                    raise
                log.info("registration race on %s; retrying the decision", identity.name.body)
        raise AssertionError("unreachable")

    def _register_locked(self, actor: Actor, me: MemberView, cmd: Register, identity: Identity,
                         near: dict[int, tuple[str, int]], seen_up_to: int) -> Result:
        now = self.clock.now()
        tenant = actor.tenant
        names = (identity.name, *identity.aliases)
        with UnitOfWork(self.db, write=True) as uow:
            uow.lock_registration(tenant)
            repos = uow.repos
            hits = repos.clients.key_hits(tenant, (*identity.keys, *identity.related))
            matches = match_clients(identity.keys, hits)
            # Clients registered since the retrieval above are checked here, under the lock.
            late = find_near_misses(repos, tenant, names, self.known, after_client_id=seen_up_to)
            possible = {**near_misses({**near, **late}, matches), **known_matches(identity.related, hits, matches)}
            if identity.credit_code and (matches or possible):
                found = repos.clients.by_ids(tenant, [*matches, *possible]).values()
                stored = {c.id: (c.credit_code, c.name) for c in found}
                apart = other_bodies(identity.credit_code, identity.name.branch, stored)
                matches = {cid: e for cid, e in matches.items() if cid not in apart}
                possible = {cid: e for cid, e in possible.items() if cid not in apart}
            leads = repos.leads.open_for_clients(tenant, [*matches, *possible])
            justified = bool(cmd.justification and cmd.justification.strip())
            decision = decide_registration(me.id, matches, Leads.holdings(leads), self.policy.protection, now,
                                           possible=possible, justified=justified)
            facts = {"name": identity.display_name, "keys": [[k.kind.value, k.value, k.qualifier]
                                                             for k in identity.keys]}
            if decision.outcome is not Outcome.NEW:
                shown = possible if decision.outcome is Outcome.POSSIBLE else {decision.client_id: decision.evidence}
                views = self._match_views(repos, self.shown_matches, tenant, shown)
                facts.update(client_id=decision.client_id, evidence=[decision.evidence.kind.value,
                                                                     decision.evidence.value],
                             candidates=sorted(shown))
                repos.audit.record(tenant=tenant, actor_id=me.id, action="register", subject_type="client",
                                   subject_id=decision.client_id, rule=decision.rule,
                                   decision=decision.outcome.value, facts=facts, at=now)
                uow.commit()
                kind = decision.outcome.value
                return Result(False, kind, kind, {"name": views[0].name, "query": cmd.name, "count": len(shown)},
                              tuple(views),
                              me.locale, me.timezone, {"rule": decision.rule})
            client = repos.clients.add(Client(
                tenant=tenant, name=identity.display_name, name_body=identity.name.body, core=identity.name.core,
                region=identity.name.region or cmd.region, aliases=list(cmd.aliases),
                credit_code=identity.credit_code, phone=identity.phone, domain=identity.domain,
                industry=cmd.industry, contact=cmd.contact, created_by=me.id, created_at=now), identity.keys)
            remember_variants(repos, tenant, client.id, identity)
            lead = repos.leads.add(Lead(
                tenant=tenant, client_id=client.id, team_id=me.team_id, owner_id=me.id, stage=FIRST_STAGE,
                source="self", registered_at=now, assigned_at=now, last_activity_at=now,
                protected_until=decision.protected_until, locked=False, version=1, grade_reasons=[],
                grade=cmd.grade or self.policy.sla.default_grade, sla_level=0))
            self.pipeline.clocks.refresh(repos, lead)
            repos.leads.add_activity(Activity(tenant=tenant, lead_id=lead.id, actor_id=me.id, kind="register",
                                              payload={"rule": decision.rule}, at=now))
            facts.update(client_id=client.id, lead_id=lead.id)
            if decision.outcome is Outcome.NEW and decision.evidence is not None:
                facts.update(justification=cmd.justification, over_client_id=decision.client_id,
                             evidence=[decision.evidence.kind.value, decision.evidence.value])
            repos.audit.record(tenant=tenant, actor_id=me.id, action="register", subject_type="client",
                               subject_id=client.id, rule=decision.rule, decision=decision.outcome.value,
                               facts=facts, at=now)
            params = {"name": client.name, "client_id": client.id, "owner": me.display_name,
                      "until": decision.protected_until, "industry": cmd.industry, "region": client.region}
            if me.sync_channel:
                notice = present(Result(True, "registered.notice", "registered.notice", params,
                                        locale=me.locale, timezone=me.timezone))
                repos.outbox.enqueue(tenant=tenant, dedupe_key=f"registered:{tenant}:{lead.id}",
                                     platform=actor.platform, target=me.sync_channel, payload=notice.to_dict(),
                                     now=now)
            if decision.evidence is not None and me.manager_user_id:
                self._tell_manager_of_justification(repos, actor, me, cmd, params, decision, now, lead.id)
            uow.commit()
        view = MatchView(client.id, client.name, me.display_name, me.user_id, FIRST_STAGE,
                         decision.protected_until, 100, "new", "")
        return Result(True, "registered", "registered", params, (view,), me.locale, me.timezone,
                      {"rule": decision.rule, "lead_id": lead.id})

    def _tell_manager_of_justification(self, repos: Repos, actor: Actor, me: MemberView, cmd: Register,
                                       params: dict, decision, now, lead_id: int) -> None:
        """A registration over a possible duplicate goes to the rep's manager with its one-line reason."""
        [other] = self._match_views(repos, self.shown_matches, actor.tenant, {decision.client_id: decision.evidence})
        notice = present(Result(True, "justified.notice", "justified.notice",
                                {**params, "other": other.name, "other_owner": other.owner,
                                 "justification": cmd.justification}, locale=me.locale, timezone=me.timezone))
        repos.outbox.enqueue(tenant=actor.tenant, dedupe_key=f"justified:{actor.tenant}:{lead_id}",
                             platform=actor.platform, target=me.manager_user_id, payload=notice.to_dict(), now=now)

    # -- check -------------------------------------------------------------------------------

    def check(self, actor: Actor, cmd: Check, me: MemberView | None = None) -> Result:
        try:
            query = query_for(cmd.query, self.policy.identity, self.known)
        except IdentityProblem as problem:
            return self._problem(me or self.member(actor), problem, "check")
        # One unit of work (one connection, no BEGIN on PostgreSQL) for the caller and the lookup:
        # check is the command reps type most, before every call.
        with UnitOfWork(self.db) as uow:
            me = me or self._known_member(uow.repos, actor)
            if me is not None:
                return self._check(uow.repos, me, query, cmd)
        me = self.member(actor)
        with UnitOfWork(self.db) as uow:
            return self._check(uow.repos, me, query, cmd)

    def _check(self, repos: Repos, me: MemberView, query, cmd: Check) -> Result:
        names = (query.name,) if query.name is not None else ()
        hits, candidates, rows = repos.clients.lookup(me.tenant, (*query.keys, *query.related), near_lookup(names),
                                                      self.shown_matches)
        matches = match_clients(query.keys, hits)
        matches = {**matches, **near_misses(score_near_misses(names, candidates, self.known), matches),
                   **known_matches(query.related, hits, matches)}
        views = self._match_views(repos, self.shown_matches, me.tenant, matches, rows)
        kind = "found" if views else "not_found"
        return Result(True, kind, f"check.{'found' if views else 'none'}",
                      {"query": cmd.query.strip(), "count": len(matches)}, tuple(views), me.locale, me.timezone)

    @staticmethod
    def _match_views(repos: Repos, limit: int, tenant: str, matches: dict[int, Evidence],
                     rows: dict[int, MatchRow] | None = None) -> list[MatchView]:
        """The ``limit`` strongest matches, with their owners; only theirs are read, and only those not in
        ``rows`` already (check's lookup brings the key hits' rows)."""
        shown = sorted(matches.items(), key=lambda item: (-SCORES[item[1].kind], item[0]))[:limit]
        rows = dict(rows or {})
        rows.update(repos.clients.match_rows(tenant, [cid for cid, _ in shown if cid not in rows]))
        return [MatchView(client_id=cid, name=rows[cid].name, owner=rows[cid].owner,
                          owner_user_id=rows[cid].owner_user_id, stage=rows[cid].stage,
                          protected_until=rows[cid].protected_until, score=SCORES[evidence.kind],
                          reason=evidence.kind.value, reason_value=evidence.value)
                for cid, evidence in shown]

    # -- help and errors ---------------------------------------------------------------------

    def help(self, me: MemberView, cmd: Help) -> Result:
        topic = cmd.topic if cmd.topic in HELP_TOPICS else None
        return Result(True, "help", "help", {"topic": topic, "days": self.policy.protection.days,
                                             "reasons": ", ".join(self.policy.pipeline.close_reasons)},
                      locale=me.locale, timezone=me.timezone)

    def _usage(self, me: MemberView, err: UsageError) -> Result:
        return Result(False, "usage", f"usage.{err.code}", {"detail": err.detail}, locale=me.locale,
                      timezone=me.timezone, data={"usage": err.verb})

    def _problem(self, me: MemberView, problem: IdentityProblem, verb: str) -> Result:
        detail_text = t(me.locale, f"problem.credit_code.{problem.detail}") if problem.code == "credit_code_invalid" \
            else ""
        return Result(False, "invalid", f"problem.{problem.code}",
                      {"value": problem.value, "detail": problem.detail, "detail_text": detail_text},
                      locale=me.locale, timezone=me.timezone, data={"usage": verb, "field": problem.field})

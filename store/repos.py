"""Repositories: small data functions over one session. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.rules.fuzzy import CoreCandidate
from bot.rules.identity import IdentityKey, KeyKind, split_core_qualifier, split_places
from bot.rules.registration import Holding, KeyHit
from store import statements as q
from store.models import Activity, AuditEvent, Client, ClientKey, ClientVariant, Lead, Member, Outbox, Team
from store.repos_alerts import Alerts, Jobs
from store.repos_pipeline import Pipeline
from store.repos_rekey import Rekeying, Settings


def insert_ignore(session: Session, model: type, values: dict[str, Any], conflict: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when this call inserted the row."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
            .returning(model.id))
    return session.execute(stmt).first() is not None


@dataclass(frozen=True)
class MemberView:
    id: int
    tenant: str
    platform: str
    user_id: str
    display_name: str
    role: str
    team_id: int
    team_key: str
    team_name: str
    timezone: str
    locale: str
    sync_channel: str | None
    manager_user_id: str | None = None


class Teams:
    def __init__(self, session: Session) -> None:
        self.s = session

    def key_of(self, team_id: int) -> str | None:
        return self.s.scalar(select(Team.key).where(Team.id == team_id))

    def get(self, tenant: str, key: str) -> Team | None:
        return self.s.scalar(select(Team).where(Team.tenant == tenant, Team.key == key))

    def ensure(self, tenant: str, key: str, *, name: str, timezone: str, locale: str,
               sync_channel: str | None) -> Team:
        insert_ignore(self.s, Team, {"tenant": tenant, "key": key, "name": name, "timezone": timezone,
                                     "locale": locale, "sync_channel": sync_channel}, ["tenant", "key"])
        team = self.get(tenant, key)
        assert team is not None
        if (team.name, team.timezone, team.locale, team.sync_channel) != (name, timezone, locale, sync_channel):
            team.name, team.timezone, team.locale, team.sync_channel = name, timezone, locale, sync_channel
        return team


class Members:
    def __init__(self, session: Session) -> None:
        self.s = session

    def view(self, tenant: str, platform: str, user_id: str) -> MemberView | None:
        # Columns through the Core connection: every command reads its caller, and ORM loading of two
        # entities cost more than the query.
        row = self.s.connection().execute(
            q.MEMBER_VIEW, {"tenant": tenant, "platform": platform, "user_id": user_id}).first()
        return None if row is None else MemberView(*row)

    def ensure(self, tenant: str, platform: str, user_id: str, *, display_name: str, role: str,
               team_id: int, now: datetime) -> None:
        insert_ignore(self.s, Member, {"tenant": tenant, "platform": platform, "user_id": user_id,
                                       "display_name": display_name, "role": role, "team_id": team_id,
                                       "created_at": now}, ["tenant", "platform", "user_id"])

    def set_manager(self, tenant: str, platform: str, user_id: str, manager_user_id: str) -> None:
        manager = self.s.scalar(select(Member.id).where(
            Member.tenant == tenant, Member.platform == platform, Member.user_id == manager_user_id))
        if manager is not None:
            self.s.execute(update(Member).where(
                Member.tenant == tenant, Member.platform == platform, Member.user_id == user_id,
            ).values(manager_id=manager))

    def user_ids(self, ids: Iterable[int]) -> dict[int, str]:
        ids = set(ids)
        if not ids:
            return {}
        return {mid: uid for mid, uid in self.s.execute(select(Member.id, Member.user_id).where(Member.id.in_(ids)))}

    def names(self, ids: Iterable[int]) -> dict[int, str]:
        ids = set(ids)
        if not ids:
            return {}
        return {mid: name for mid, name in self.s.execute(
            select(Member.id, Member.display_name).where(Member.id.in_(ids)))}


@dataclass(frozen=True)
class VariantLookup:
    """What a query looks up in client_variant: deletion variants and marked ones, each with its own cap."""

    variants: frozenset[str]
    marked: frozenset[str]
    limit: int
    marked_limit: int

    def __bool__(self) -> bool:
        return bool(self.variants or self.marked)

    def params(self, tenant: str, after_client_id: int | None) -> dict[str, Any]:
        return {"tenant": tenant, "variants": sorted(self.variants), "limit": self.limit,
                "marked": sorted(self.marked), "marked_limit": self.marked_limit, "after": after_client_id or 0}


FIRST_HIT_ROW = 3  # the ``near`` column of statements.LOOKUP: 0 a key hit, 1 and 2 near-miss candidates
NEAR_ROWS = (1, 2)


def _key_hits(rows: Iterable[tuple], wanted: set[tuple[str, str]]) -> list[KeyHit]:
    return [KeyHit(cid, KeyKind(kind), value, qualifier) for cid, kind, value, qualifier in rows
            if (kind, value) in wanted]


@lru_cache(maxsize=4096)  # a qualifier is a few places and sectors: the same few recur in every lookup
def _region_and_sectors(qualifier: str) -> tuple[str, frozenset[str]]:
    places, sectors = split_core_qualifier(qualifier)
    region, _ = split_places(places)  # a branch's place does not count for near misses
    return region, sectors


def _core_candidates(rows: Iterable[tuple], tenant: str) -> list[CoreCandidate]:
    out, seen, core_kind = [], set(), KeyKind.CORE.value
    for cid, key_tenant, kind, core, qualifier in rows:
        if key_tenant != tenant or kind != core_kind or (cid, core) in seen:
            continue  # a client found by a deletion variant and by a mark is scored once
        seen.add((cid, core))
        out.append(CoreCandidate(cid, core, *_region_and_sectors(qualifier)))
    return out


@dataclass(frozen=True)
class MatchRow:
    client_id: int
    name: str
    owner_id: int | None
    owner: str | None
    owner_user_id: str | None
    stage: str | None
    protected_until: datetime | None


class Clients:
    def __init__(self, session: Session) -> None:
        self.s = session

    def key_hits(self, tenant: str, keys: Iterable[IdentityKey]) -> list[KeyHit]:
        wanted = {(k.kind.value, k.value) for k in keys}
        if not wanted:
            return []
        # value IN (…) searches ix_client_key_lookup (tenant, value); the kind is checked here, which keeps
        # the statement one cached shape whatever the number of keys.
        rows = self.s.connection().execute(q.KEY_HITS, {"tenant": tenant, "values": sorted({v for _, v in wanted})})
        return _key_hits(rows, wanted)

    def lookup(self, tenant: str, keys: Iterable[IdentityKey], near: VariantLookup,
               shown: int) -> tuple[list[KeyHit], list[CoreCandidate], dict[int, MatchRow]]:
        """``key_hits`` with the ``match_rows`` of the first ``shown`` clients hit, and ``near_candidates``, in
        one statement (check's one round trip for clients when nothing but those key hits is shown)."""
        wanted = {(k.kind.value, k.value) for k in keys}
        rows = self.s.connection().execute(q.LOOKUP, {**near.params(tenant, None), "shown": shown,
                                                     "values": sorted({v for _, v in wanted})}).all()
        hits = _key_hits(((row[1], *row[3:6]) for row in rows if row[0] == 0), wanted)
        matched = {row[1]: MatchRow(row[1], *row[6:]) for row in rows if row[0] == FIRST_HIT_ROW}
        return hits, _core_candidates((row[1:6] for row in rows if row[0] in NEAR_ROWS), tenant), matched

    def add(self, client: Client, keys: Iterable[IdentityKey]) -> Client:
        self.s.add(client)
        self.s.flush()
        for key in keys:
            self.s.add(ClientKey(tenant=client.tenant, client_id=client.id, kind=key.kind.value,
                                 value=key.value, qualifier=key.qualifier))
        self.s.flush()
        return client

    def by_ids(self, tenant: str, ids: Iterable[int]) -> dict[int, Client]:
        ids = set(ids)
        if not ids:
            return {}
        rows = self.s.scalars(select(Client).where(Client.tenant == tenant, Client.id.in_(ids)))
        return {c.id: c for c in rows}

    def count(self, tenant: str) -> int:
        return self.s.scalar(select(func.count()).select_from(Client).where(Client.tenant == tenant)) or 0

    # -- near-miss candidates (the deletion-variant table) ------------------------------------

    def add_variants(self, tenant: str, client_id: int, variants: dict[str, tuple[str, str]]) -> None:
        """``variants``: variant → (the core it is a variant of, that core key's qualifier)."""
        rows = [{"tenant": tenant, "variant": v, "client_id": client_id, "core": core, "qualifier": qualifier}
                for v, (core, qualifier) in sorted(variants.items())]
        if rows:
            self.s.execute(ClientVariant.__table__.insert(), rows)

    def near_candidates(self, tenant: str, near: VariantLookup, *,
                        after_client_id: int | None = None) -> list[CoreCandidate]:
        """The core keys of the clients sharing a variant with the query, in one statement (one round trip)."""
        if not near:
            return []
        rows = self.s.connection().execute(q.NEAR_CANDIDATES, near.params(tenant, after_client_id))
        return _core_candidates((row[1:] for row in rows), tenant)

    def match_rows(self, tenant: str, ids: Iterable[int]) -> dict[int, MatchRow]:
        """Each client with its open lead's owner, stage and protection, in one statement."""
        ids = sorted(set(ids))
        if not ids:
            return {}
        rows = self.s.connection().execute(q.MATCH_ROWS, {"tenant": tenant, "ids": ids})
        return {row.client_id: MatchRow(*row) for row in rows}

    def max_id(self, tenant: str) -> int:
        return self.s.scalar(select(func.max(Client.id)).where(Client.tenant == tenant)) or 0


class Leads:
    def __init__(self, session: Session) -> None:
        self.s = session

    def open_for_clients(self, tenant: str, client_ids: Iterable[int]) -> dict[int, Lead]:
        ids = set(client_ids)
        if not ids:
            return {}
        rows = self.s.scalars(select(Lead).where(
            Lead.tenant == tenant, Lead.client_id.in_(ids), Lead.closed_at.is_(None), Lead.pooled_at.is_(None)))
        return {lead.client_id: lead for lead in rows}

    @staticmethod
    def holdings(leads: dict[int, Lead]) -> dict[int, Holding]:
        return {cid: Holding(cid, lead.owner_id, lead.protected_until) for cid, lead in leads.items()}

    def add(self, lead: Lead) -> Lead:
        self.s.add(lead)
        self.s.flush()
        return lead

    def add_activity(self, activity: Activity) -> None:
        self.s.add(activity)


class Audit:
    def __init__(self, session: Session) -> None:
        self.s = session

    def record(self, *, tenant: str, actor_id: int | None, action: str, subject_type: str,
               subject_id: int | None, rule: str, decision: str, facts: dict[str, Any], at: datetime) -> None:
        self.s.add(AuditEvent(tenant=tenant, actor_id=actor_id, action=action, subject_type=subject_type,
                              subject_id=subject_id, rule=rule, decision=decision, facts=facts, at=at))

    def for_subject(self, tenant: str, subject_type: str, subject_id: int) -> list[AuditEvent]:
        return list(self.s.scalars(select(AuditEvent).where(
            AuditEvent.tenant == tenant, AuditEvent.subject_type == subject_type,
            AuditEvent.subject_id == subject_id).order_by(AuditEvent.id)))


class OutboxRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def enqueue(self, *, tenant: str, dedupe_key: str, platform: str, target: str, payload: dict[str, Any],
                now: datetime) -> bool:
        return insert_ignore(self.s, Outbox, {
            "tenant": tenant, "dedupe_key": dedupe_key, "platform": platform, "target": target,
            "payload": payload, "status": "pending", "attempts": 0, "next_attempt_at": now,
            "in_doubt": False, "created_at": now}, ["dedupe_key"])

    @dataclass(frozen=True)
    class Claimed:
        """A leased row and, when an earlier attempt's outcome is still unknown, when that attempt began."""

        row: Outbox
        in_doubt_since: datetime | None  # set: reconcile (look for the message) before any resend

    def enqueue_many(self, rows: Sequence[dict[str, Any]], *, now: datetime) -> None:
        """Many messages in one executemany INSERT … ON CONFLICT (dedupe_key) DO NOTHING.
        Each row: tenant, dedupe_key, platform, target, payload."""
        if not rows:
            return
        dialect = self.s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(Outbox.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
        self.s.connection().execute(stmt, [{**row, "status": "pending", "attempts": 0, "next_attempt_at": now,
                                            "in_doubt": False, "created_at": now} for row in rows])

    def claim(self, *, me: str, now: datetime, lease: timedelta, limit: int,
              platforms: Sequence[str]) -> list[OutboxRepo.Claimed]:
        """Lease due rows to ``me`` in id order; the caller commits before any network call.

        Every claimed row is marked ``in_doubt`` for the attempt. A row that already was in doubt keeps
        its ``attempt_started_at`` (the start of the first attempt whose outcome is still unknown), so the
        reconcile window covers every post that may have happened since."""
        from sqlalchemy import case

        due = (select(Outbox.id, Outbox.in_doubt)
               .where(Outbox.status == "pending", Outbox.next_attempt_at <= now,
                      Outbox.platform.in_(list(platforms)),
                      or_(Outbox.lease_until.is_(None), Outbox.lease_until < now))
               .order_by(Outbox.id).limit(limit))
        if self.s.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        was_in_doubt = {row_id: bool(doubt) for row_id, doubt in self.s.execute(due)}
        if not was_in_doubt:
            return []
        keep = and_(Outbox.in_doubt.is_(True), Outbox.attempt_started_at.is_not(None))
        self.s.execute(update(Outbox).where(Outbox.id.in_(list(was_in_doubt))).values(
            claimed_by=me, lease_until=now + lease, attempts=Outbox.attempts + 1, in_doubt=True,
            attempt_started_at=case((keep, Outbox.attempt_started_at),
                                    else_=bindparam("claim_now", now, type_=Outbox.attempt_started_at.type))))
        rows = self.s.scalars(select(Outbox).where(Outbox.id.in_(list(was_in_doubt))).order_by(Outbox.id)
                              .execution_options(populate_existing=True))
        return [OutboxRepo.Claimed(r, r.attempt_started_at if was_in_doubt[r.id] else None) for r in rows]

    def release(self, outbox_id: int, *, me: str, was_in_doubt: bool, next_attempt_at: datetime | None = None
                ) -> bool:
        """Give back a claimed row that was not tried (its channel's turn had not come): no attempt is
        spent, its doubt is as before the claim, and it is due as before unless ``next_attempt_at`` is
        given. False when the lease is no longer ``me``'s."""
        from sqlalchemy import case

        values: dict[str, Any] = {
            "claimed_by": None, "lease_until": None, "in_doubt": was_in_doubt,
            "attempts": case((Outbox.attempts > 0, Outbox.attempts - 1), else_=0)}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        done = self.s.execute(update(Outbox).where(Outbox.id == outbox_id, Outbox.claimed_by == me,
                                                   Outbox.status == "pending").values(**values))
        return bool(done.rowcount)

    def get(self, outbox_id: int) -> Outbox | None:
        return self.s.get(Outbox, outbox_id)

    def listing(self, status: str | None, limit: int) -> list[Outbox]:
        stmt = select(Outbox).order_by(Outbox.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(Outbox.status == status)
        return list(self.s.scalars(stmt))

    def requeue(self, outbox_id: int, now: datetime) -> Outbox | None:
        """A parked or pending row goes back to pending, due now, with a fresh attempt budget. Its doubt is
        kept, so a row that died with an unknown outcome is reconciled before it is sent again."""
        row = self.s.get(Outbox, outbox_id)
        if row is not None and row.status != "sent":
            # A dead row holds no lease; a pending one in flight keeps its lease (no second claim).
            row.status, row.attempts, row.next_attempt_at = "pending", 0, now
        return row

    def pending(self, tenant: str | None = None) -> list[Outbox]:
        stmt = select(Outbox).where(Outbox.status == "pending").order_by(Outbox.id)
        if tenant:
            stmt = stmt.where(Outbox.tenant == tenant)
        return list(self.s.scalars(stmt))


class Repos:
    def __init__(self, session: Session) -> None:
        self.settings = Settings(session)
        self.rekeying = Rekeying(session)
        self.teams = Teams(session)
        self.members = Members(session)
        self.clients = Clients(session)
        self.leads = Leads(session)
        self.audit = Audit(session)
        self.outbox = OutboxRepo(session)
        self.pipeline = Pipeline(session)
        self.alerts = Alerts(session)
        self.jobs = Jobs(session)

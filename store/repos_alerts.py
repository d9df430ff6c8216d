"""Repositories for SLA alerts and scheduled job runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.models import Alert, AlertFeedback, Client, JobRun, Lead, Member, Team


class Alerts:
    def __init__(self, session: Session) -> None:
        self.s = session

    def due_leads(self, tenant: str, team_id: int, now: datetime, limit: int | None = None) -> list[Lead]:
        """Open leads whose SLA needs a look now, through ix_lead_sla_check."""
        stmt = (select(Lead).where(Lead.tenant == tenant, Lead.team_id == team_id, Lead.sla_check_at <= now)
                .order_by(Lead.sla_check_at, Lead.id))
        if limit:
            stmt = stmt.limit(limit)
        return list(self.s.scalars(stmt))

    def add_if_absent(self, *, tenant: str, lead_id: int, kind: str, due_at: datetime, level: int, period: str,
                      now: datetime) -> int | None:
        """The new alert's id, or None when this rung of the ladder was already raised."""
        from store.repos import insert_ignore

        inserted = insert_ignore(self.s, Alert, {
            "tenant": tenant, "lead_id": lead_id, "kind": kind, "due_at": due_at, "level": level,
            "status": "open", "period": period, "created_at": now}, ["lead_id", "kind", "due_at", "level"])
        if not inserted:
            return None
        return self.s.scalar(select(Alert.id).where(Alert.lead_id == lead_id, Alert.kind == kind,
                                                    Alert.due_at == due_at, Alert.level == level))

    def add_many_if_absent(self, rows: Sequence[dict]) -> dict[tuple[int, int], int]:
        """One INSERT … ON CONFLICT DO NOTHING RETURNING for many rungs (executemany, batched by the dialect's
        insertmanyvalues): {(lead_id, level): new alert id}; rungs already raised are absent."""
        if not rows:
            return {}
        table = Alert.__table__
        dialect = self.s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (insert(table).on_conflict_do_nothing(index_elements=["lead_id", "kind", "due_at", "level"])
                .returning(table.c.id, table.c.lead_id, table.c.level))
        return {(lead_id, level): alert_id for alert_id, lead_id, level in self.s.connection().execute(stmt, rows)}

    def set_clocks(self, clocks: Sequence[dict]) -> None:
        """Each swept lead's next look: one executemany UPDATE of (sla_level, sla_check_at) by id."""
        if not clocks:
            return
        table = Lead.__table__
        self.s.connection().execute(
            update(table).where(table.c.id == bindparam("lead_id"))
            .values(sla_level=bindparam("level"), sla_check_at=bindparam("check_at")), list(clocks))

    def close_open(self, lead_id: int, status: str, reason: str, now: datetime) -> int:
        """Resolve or cancel every open alert of a lead, in the caller's transaction."""
        result = self.s.execute(update(Alert).where(Alert.lead_id == lead_id, Alert.status == "open")
                                .values(status=status, closed_at=now, close_reason=reason))
        return result.rowcount or 0

    def get(self, tenant: str, alert_id: int) -> Alert | None:
        return self.s.scalar(select(Alert).where(Alert.tenant == tenant, Alert.id == alert_id))

    def open_for_lead(self, lead_id: int) -> list[Alert]:
        return list(self.s.scalars(select(Alert).where(Alert.lead_id == lead_id, Alert.status == "open")))

    def add_feedback(self, feedback: AlertFeedback) -> None:
        self.s.add(feedback)

    def wrong_count(self, tenant: str) -> int:
        return self.s.scalar(select(func.count()).select_from(AlertFeedback).where(
            AlertFeedback.tenant == tenant, AlertFeedback.verdict == "wrong")) or 0

    def people(self, ids: Sequence[int]) -> dict[int, Member]:
        if not ids:
            return {}
        return {m.id: m for m in self.s.scalars(select(Member).where(Member.id.in_(set(ids))))}

    def client_names(self, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        return {cid: name for cid, name in self.s.execute(select(Client.id, Client.name).where(Client.id.in_(set(ids))))}


class Jobs:
    def __init__(self, session: Session) -> None:
        self.s = session

    def claim(self, *, tenant: str, job: str, team_id: int | None, period: str, now: datetime) -> bool:
        """Claim one run of a job for a period; False when another scheduler, a restart or a manual run
        already did (the row is written in the same transaction as the run's outbox rows)."""
        from store.repos import insert_ignore

        return insert_ignore(self.s, JobRun, {"tenant": tenant, "job": job, "team_id": team_id, "period": period,
                                              "status": "done", "started_at": now, "finished_at": now},
                             ["tenant", "job", "team_id", "period"])

    def runs(self, job: str, limit: int = 20) -> list[JobRun]:
        return list(self.s.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(limit)))

    def teams(self) -> list[Team]:
        return list(self.s.scalars(select(Team).order_by(Team.tenant, Team.id)))

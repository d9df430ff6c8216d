"""Repositories for the pipeline: leads by client, stage changes, checklist items, battle reports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.models import AuditEvent, BattleReport, ChecklistItem, Lead, Member, StageChange


class Pipeline:
    def __init__(self, session: Session) -> None:
        self.s = session

    def latest_lead(self, tenant: str, client_id: int) -> Lead | None:
        """The open lead of a client, or its most recent one once closed."""
        return self.s.scalar(select(Lead).where(Lead.tenant == tenant, Lead.client_id == client_id)
                             .order_by(Lead.closed_at.is_not(None), Lead.id.desc()).limit(1))

    def lead_for_update(self, tenant: str, lead_id: int) -> Lead | None:
        stmt = select(Lead).where(Lead.tenant == tenant, Lead.id == lead_id)
        if self.s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return self.s.scalar(stmt)

    def member(self, member_id: int | None) -> Member | None:
        return self.s.get(Member, member_id) if member_id is not None else None

    def add(self, row: StageChange | ChecklistItem | BattleReport) -> None:
        self.s.add(row)

    def checklist(self, lead_id: int) -> dict[str, ChecklistItem]:
        rows = self.s.scalars(select(ChecklistItem).where(ChecklistItem.lead_id == lead_id))
        return {row.item: row for row in rows}

    def reports(self, lead_id: int) -> list[BattleReport]:
        return list(self.s.scalars(select(BattleReport).where(BattleReport.lead_id == lead_id)
                                   .order_by(BattleReport.id)))

    def open_leads_of(self, tenant: str, owner_ids: Iterable[int]) -> list[Lead]:
        ids = list(set(owner_ids))
        if not ids:
            return []
        return list(self.s.scalars(select(Lead).where(
            Lead.tenant == tenant, Lead.owner_id.in_(ids), Lead.closed_at.is_(None), Lead.pooled_at.is_(None))
            .order_by(Lead.next_contact_at, Lead.id)))

    def reps_of(self, tenant: str, manager_id: int) -> list[int]:
        return list(self.s.scalars(select(Member.id).where(Member.tenant == tenant, Member.manager_id == manager_id)))

    def history(self, tenant: str, client_id: int, lead_ids: Iterable[int]) -> list[AuditEvent]:
        ids = list(lead_ids)
        subject = (AuditEvent.subject_type == "client") & (AuditEvent.subject_id == client_id)
        if ids:
            subject = or_(subject, (AuditEvent.subject_type == "lead") & AuditEvent.subject_id.in_(ids))
        return list(self.s.scalars(select(AuditEvent).where(AuditEvent.tenant == tenant, subject)
                                   .order_by(AuditEvent.at, AuditEvent.id)))

    def lead_ids(self, tenant: str, client_id: int) -> list[int]:
        return list(self.s.scalars(select(Lead.id).where(Lead.tenant == tenant, Lead.client_id == client_id)))

    def awaiting_approval(self, tenant: str, lead_ids: Iterable[int], items: int) -> list[int]:
        """Leads among ``lead_ids`` whose checklist has every item ticked but no approval yet."""
        ids = list(lead_ids)
        if not ids:
            return []
        done = {}
        for lead_id, _item in self.s.execute(select(ChecklistItem.lead_id, ChecklistItem.item)
                                             .where(ChecklistItem.lead_id.in_(ids))):
            done[lead_id] = done.get(lead_id, 0) + 1
        approved = set(self.s.scalars(select(Lead.id).where(Lead.id.in_(ids),
                                                            Lead.checklist_approved_at.is_not(None))))
        return [i for i in ids if done.get(i, 0) >= items and i not in approved]

    def touch(self, lead: Lead, now: datetime) -> None:
        lead.last_activity_at = now
        lead.version = (lead.version or 0) + 1

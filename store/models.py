"""Tables. Every row carries its tenant (a Slack workspace, a Feishu tenant or the local console),
and every unique key is scoped by it. Times are stored as UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = BigInteger().with_variant(Integer, "sqlite")  # INTEGER PRIMARY KEY autoincrements on SQLite


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("tenant", "key", name="uq_team_tenant_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(10))
    sync_channel: Mapped[str | None] = mapped_column(String(80))


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("tenant", "platform", "user_id", name="uq_member_tenant_user"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime]


class Client(Base):
    __tablename__ = "client"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(500))
    name_body: Mapped[str] = mapped_column(String(500))
    core: Mapped[str] = mapped_column(String(500))
    region: Mapped[str | None] = mapped_column(String(40))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    credit_code: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(32))
    domain: Mapped[str | None] = mapped_column(String(255))
    industry: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime]


class ClientKey(Base):
    """One identity key of a client. Two legal bodies (two credit codes) may share a name, phone or domain
    key; a credit code is one client's alone, the last line of defence against a race."""

    __tablename__ = "client_key"
    __table_args__ = (
        Index("uq_client_key_credit_code", "tenant", "value", unique=True,
              sqlite_where=text("kind = 'credit_code'"), postgresql_where=text("kind = 'credit_code'")),
        # Covering: check's key hits and near-miss candidates read these indexes, not the table.
        Index("ix_client_key_lookup", "tenant", "value", "kind", "qualifier", "client_id"),
        Index("ix_client_key_client_id", "client_id", "kind", "tenant", "value", "qualifier"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(500))
    qualifier: Mapped[str] = mapped_column(String(200), default="")


class Lead(Base):
    __tablename__ = "lead"
    __table_args__ = (
        # One open lead per client per tenant.
        Index("uq_lead_open_client", "tenant", "client_id", unique=True,
              sqlite_where=text("closed_at IS NULL AND pooled_at IS NULL"),
              postgresql_where=text("closed_at IS NULL AND pooled_at IS NULL")),
        Index("ix_lead_owner", "tenant", "owner_id"),
        # The sweep reads only leads whose SLA needs a look now.
        Index("ix_lead_sla_check", "tenant", "team_id", "sla_check_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    stage: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str | None] = mapped_column(String(2))
    grade_reasons: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(40))
    registered_at: Mapped[datetime]
    first_touch_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime]
    next_contact_at: Mapped[datetime | None]
    protected_until: Mapped[datetime | None]
    pooled_at: Mapped[datetime | None]
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[float | None] = mapped_column(Numeric(14, 2))
    version: Mapped[int] = mapped_column(Integer, default=1)
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    checklist_approved_at: Mapped[datetime | None]
    checklist_approved_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    assigned_at: Mapped[datetime | None]        # registration, assignment or claim: the first-touch clock
    sla_kind: Mapped[str | None] = mapped_column(String(20))
    sla_due_at: Mapped[datetime | None]
    sla_check_at: Mapped[datetime | None]       # when the sweep must look again (NULL: nothing to do)
    sla_level: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    snoozed_until: Mapped[datetime | None]


class Activity(Base):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text)
    next_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only: who did what, when, and the rule that allowed or refused it."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_subject", "tenant", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None] = mapped_column(Id)
    rule: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(20))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class AppSetting(Base):
    """Small facts the application keeps about its database (the name rules' fingerprint)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Outbox(Base):
    """A message to deliver after commit; ``dedupe_key`` makes a second enqueue a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    attempt_started_at: Mapped[datetime | None]
    platform_msg_id: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class JobRun(Base):
    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("tenant", "job", "team_id", "period", name="uq_job_run_period"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    job: Mapped[str] = mapped_column(String(40))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    period: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class InboundEvent(Base):
    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "event_id", name="uq_inbound_event_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    platform: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime]


class ClientVariant(Base):
    """Near-miss candidates: each client under the variants of its cores (``bot.rules.fuzzy.variants``),
    with the core and its key's qualifier, so that a lookup reads its candidates from these rows alone
    (one index range per variant; not one seek per candidate into client_key). On PostgreSQL the primary
    key's index includes core and qualifier (migration 0011); SQLite keeps the rows in the key's order."""

    __tablename__ = "client_variant"
    __table_args__ = ({"sqlite_with_rowid": False},)

    tenant: Mapped[str] = mapped_column(String(80), primary_key=True)
    variant: Mapped[str] = mapped_column(String(200), primary_key=True)
    client_id: Mapped[int] = mapped_column(Id, ForeignKey("client.id"), primary_key=True)
    core: Mapped[str] = mapped_column(String(500), default="", server_default="")
    qualifier: Mapped[str] = mapped_column(String(200), default="", server_default="")


class StageChange(Base):
    __tablename__ = "stage_change"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    from_stage: Mapped[str] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(80))
    checked: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class ChecklistItem(Base):
    __tablename__ = "checklist_item"
    __table_args__ = (UniqueConstraint("lead_id", "item", name="uq_checklist_item_lead_item"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"))
    item: Mapped[str] = mapped_column(String(40))
    evidence: Mapped[str] = mapped_column(Text)
    ticked_by: Mapped[int] = mapped_column(ForeignKey("member.id"))
    ticked_at: Mapped[datetime]


class BattleReport(Base):
    """战报: what happened on a won or lost deal, for the team to reuse."""

    __tablename__ = "battle_report"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    outcome: Mapped[str] = mapped_column(String(10))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class Alert(Base):
    """One rung of the ladder for one due time of one lead: (lead, kind, due, level) is unique."""

    __tablename__ = "alert"
    __table_args__ = (
        UniqueConstraint("lead_id", "kind", "due_at", "level", name="uq_alert_rung"),
        Index("ix_alert_open", "tenant", "lead_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80))
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"))
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # open | resolved | cancelled
    period: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(40))


class AlertFeedback(Base):
    """“This alert is wrong”: kept, shown to the manager, counted."""

    __tablename__ = "alert_feedback"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(80), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    verdict: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]

"""sla clocks, alerts and alert feedback

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models  # noqa: F401  (custom column types)


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant', sa.String(length=80), nullable=False),
    sa.Column('lead_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_alert_lead_id_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert')),
    sa.UniqueConstraint('lead_id', 'kind', 'due_at', 'level', name='uq_alert_rung')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_open', ['tenant', 'lead_id', 'status'], unique=False)

    op.create_table('alert_feedback',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant', sa.String(length=80), nullable=False),
    sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_alert_feedback_alert_id_alert')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_alert_feedback_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_feedback'))
    )
    with op.batch_alter_table('alert_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_feedback_tenant'), ['tenant'], unique=False)

    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sla_kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('sla_due_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sla_check_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sla_level', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('snoozed_until', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_lead_sla_check', ['tenant', 'team_id', 'sla_check_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_sla_check')
        batch_op.drop_column('snoozed_until')
        batch_op.drop_column('sla_level')
        batch_op.drop_column('sla_check_at')
        batch_op.drop_column('sla_due_at')
        batch_op.drop_column('sla_kind')
        batch_op.drop_column('assigned_at')

    with op.batch_alter_table('alert_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_feedback_tenant'))

    op.drop_table('alert_feedback')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_open')

    op.drop_table('alert')

"""pipeline: criteria, stage changes, checklist, battle reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models  # noqa: F401  (custom column types)


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('battle_report',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant', sa.String(length=80), nullable=False),
    sa.Column('lead_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_battle_report_author_id_member')),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_battle_report_lead_id_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_battle_report'))
    )
    with op.batch_alter_table('battle_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_battle_report_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_battle_report_tenant'), ['tenant'], unique=False)

    op.create_table('checklist_item',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant', sa.String(length=80), nullable=False),
    sa.Column('lead_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('ticked_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticked_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_checklist_item_lead_id_lead')),
    sa.ForeignKeyConstraint(['ticked_by'], ['member.id'], name=op.f('fk_checklist_item_ticked_by_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_item')),
    sa.UniqueConstraint('lead_id', 'item', name='uq_checklist_item_lead_item')
    )
    op.create_table('stage_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant', sa.String(length=80), nullable=False),
    sa.Column('lead_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_stage', sa.String(length=40), nullable=False),
    sa.Column('to_stage', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.String(length=80), nullable=False),
    sa.Column('checked', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['member.id'], name=op.f('fk_stage_change_actor_id_member')),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_stage_change_lead_id_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_change'))
    )
    with op.batch_alter_table('stage_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_change_lead_id'), ['lead_id'], unique=False)

    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('checklist_approved_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checklist_approved_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_lead_checklist_approved_by_member'), 'member', ['checklist_approved_by'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_lead_checklist_approved_by_member'), type_='foreignkey')
        batch_op.drop_column('checklist_approved_by')
        batch_op.drop_column('checklist_approved_at')
        batch_op.drop_column('criteria')

    with op.batch_alter_table('stage_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_change_lead_id'))

    op.drop_table('stage_change')
    op.drop_table('checklist_item')
    with op.batch_alter_table('battle_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_battle_report_tenant'))
        batch_op.drop_index(batch_op.f('ix_battle_report_lead_id'))

    op.drop_table('battle_report')

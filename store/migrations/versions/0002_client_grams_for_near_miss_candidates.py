"""client grams for near-miss candidates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models  # noqa: F401  (custom column types)


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gram_df',
    sa.Column('tenant', sa.String(length=80), nullable=False),
    sa.Column('gram', sa.String(length=8), nullable=False),
    sa.Column('df', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'gram', name=op.f('pk_gram_df')),
    sqlite_with_rowid=False,
    )
    op.create_table('client_gram',
    sa.Column('tenant', sa.String(length=80), nullable=False),
    sa.Column('gram', sa.String(length=8), nullable=False),
    sa.Column('client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_client_gram_client_id_client')),
    sa.PrimaryKeyConstraint('tenant', 'gram', 'client_id', name=op.f('pk_client_gram')),
    sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table('client_gram')
    op.drop_table('gram_df')

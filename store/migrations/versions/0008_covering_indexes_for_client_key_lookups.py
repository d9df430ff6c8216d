"""covering indexes for check's two client_key reads: a lookup reads the index alone, not the table

``ix_client_key_lookup`` (tenant, value) and ``ix_client_key_client_id`` (client_id) sent every row they
found to the table for its kind, qualifier and client id: at a million clients a short name's key hits
and a query's hundred near-miss candidates were that many scattered table pages. The indexes now hold
those columns (and the candidates' index leads with the kind, so only core keys are read).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('client_key') as batch:
        batch.drop_index('ix_client_key_lookup')
        batch.drop_index('ix_client_key_client_id')
        batch.create_index('ix_client_key_lookup', ['tenant', 'value', 'kind', 'qualifier', 'client_id'])
        batch.create_index('ix_client_key_client_id', ['client_id', 'kind', 'tenant', 'value', 'qualifier'])


def downgrade() -> None:
    with op.batch_alter_table('client_key') as batch:
        batch.drop_index('ix_client_key_client_id')
        batch.drop_index('ix_client_key_lookup')
        batch.create_index('ix_client_key_client_id', ['client_id'])
        batch.create_index('ix_client_key_lookup', ['tenant', 'value'])

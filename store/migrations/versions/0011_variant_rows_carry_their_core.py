"""client_variant rows carry the core they are a variant of and its key's qualifier

A near-miss lookup read each candidate's core keys from client_key: at a million clients, a hundred
candidates were a hundred index seeks to scattered pages, most of a slow check's time when the pages are
not in memory. The variant rows now hold the core and qualifier, so the candidates come from the variant
index ranges alone. On PostgreSQL the primary key's index includes the two columns (an index-only scan).
Existing rows are written again from the clients' core keys (``store.migrate.rebuild_variants``); ``db
upgrade`` then re-keys every client with the rules of its version (``bot.rekey``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.migrate import rebuild_variants

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('client_variant') as batch:
        batch.add_column(sa.Column('core', sa.String(500), nullable=False, server_default=''))
        batch.add_column(sa.Column('qualifier', sa.String(200), nullable=False, server_default=''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE client_variant DROP CONSTRAINT pk_client_variant")
        op.execute("ALTER TABLE client_variant ADD CONSTRAINT pk_client_variant "
                   "PRIMARY KEY (tenant, variant, client_id) INCLUDE (core, qualifier)")
    rebuild_variants()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE client_variant DROP CONSTRAINT pk_client_variant")
        op.execute("ALTER TABLE client_variant ADD CONSTRAINT pk_client_variant "
                   "PRIMARY KEY (tenant, variant, client_id)")
    with op.batch_alter_table('client_variant') as batch:
        batch.drop_column('qualifier')
        batch.drop_column('core')

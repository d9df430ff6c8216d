"""only a credit code is one client's alone: other identity keys may be shared by two legal bodies

A unified social credit code names one legal body, so two clients registered with two codes are two
bodies whatever their names, phones and domains say (美的集团 / 美的置业集团 share the core 美的 and the
same keys). Their keys were unique per tenant, the last line of defence against a registration race; the
registration lock is that defence (``UnitOfWork.lock_registration``), and a credit code stays unique.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CREDIT_CODE = sa.text("kind = 'credit_code'")


def upgrade() -> None:
    with op.batch_alter_table('client_key') as batch:
        batch.drop_constraint('uq_client_key_identity', type_='unique')
    op.create_index('uq_client_key_credit_code', 'client_key', ['tenant', 'value'], unique=True,
                    sqlite_where=CREDIT_CODE, postgresql_where=CREDIT_CODE)


def downgrade() -> None:
    # Fails while two clients share a key: a manager must merge them first.
    op.drop_index('uq_client_key_credit_code', 'client_key')
    with op.batch_alter_table('client_key') as batch:
        batch.create_unique_constraint('uq_client_key_identity', ['tenant', 'kind', 'value', 'qualifier'])

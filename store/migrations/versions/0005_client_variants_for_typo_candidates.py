"""client variants for typo candidates (replaces the gram tables)

The gram lookup (4 rarest grams, 200 candidates) missed typos at 1M clients when the typo itself
made the rarest grams; a deletion-variant table finds every candidate within one edit by primary key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models  # noqa: F401  (custom column types)

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('client_variant',
    sa.Column('tenant', sa.String(length=80), nullable=False),
    sa.Column('variant', sa.String(length=200), nullable=False),
    sa.Column('client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_client_variant_client_id_client')),
    sa.PrimaryKeyConstraint('tenant', 'variant', 'client_id', name=op.f('pk_client_variant')),
    sqlite_with_rowid=False,
    )
    # Existing clients get their variants from their core keys (the same rule as bot.rules.fuzzy.variants).
    from bot.rules.fuzzy import variants

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT tenant, client_id, value FROM client_key WHERE kind = 'core'")).fetchall()
    table = sa.table('client_variant', sa.column('tenant'), sa.column('variant'), sa.column('client_id'))
    batch = []
    seen = set()
    for tenant, client_id, core in rows:
        for v in variants(core):
            # Deletion variants only: the marked keys (~ ^ = % @ &) are written by the later revisions
            # that brought them, which would otherwise find them here already.
            if v[0] not in "~^=%@&" and (tenant, v, client_id) not in seen:
                seen.add((tenant, v, client_id))
                batch.append({"tenant": tenant, "variant": v, "client_id": client_id})
        if len(batch) >= 10_000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)
    op.drop_table('client_gram')
    op.drop_table('gram_df')


def downgrade() -> None:
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
    op.drop_table('client_variant')

"""sound keys one per kept character (腾讯: ~腾 xun, ~teng 讯) instead of one reading of the whole core

A single reading key (~teng xun) held every client whose core reads the same: at a million clients a
common two-character reading gathered hundreds of candidates. A homophone slip keeps at least one
character, so one key per kept character finds the same pairs from far fewer candidates.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLE = sa.table('client_variant', sa.column('tenant'), sa.column('variant'), sa.column('client_id'))


def _rekey(keys_of) -> None:
    """Replace every client's sound keys (variants marked ~) by ``keys_of(core)``."""
    from bot.rules.fuzzy import sound_eligible

    conn = op.get_bind()
    op.execute(sa.text("DELETE FROM client_variant WHERE variant LIKE '~%'"))
    rows = conn.execute(sa.text("SELECT DISTINCT tenant, client_id, value FROM client_key WHERE kind = 'core'"
                                " ORDER BY tenant, client_id"))
    batch, client, seen = [], None, set()  # a client's aliases may share a key: each once
    for tenant, client_id, core in rows.fetchall():
        if (tenant, client_id) != client:
            client, seen = (tenant, client_id), set()
        if not sound_eligible(core):
            continue
        for key in set(keys_of(core)) - seen:
            seen.add(key)
            batch.append({"tenant": tenant, "variant": key, "client_id": client_id})
        if len(batch) >= 10_000:
            op.bulk_insert(TABLE, batch)
            batch = []
    if batch:
        op.bulk_insert(TABLE, batch)


def upgrade() -> None:
    from bot.rules.fuzzy import sound_keys

    _rekey(sound_keys)


def downgrade() -> None:
    from bot.rules.fuzzy import reading

    _rekey(lambda core: ["~" + " ".join(reading(ch) for ch in core)])

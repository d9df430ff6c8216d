"""sound keys one per kept character (腾讯: ~腾 xun, ~teng 讯) and pinyin spellings (恒安: %hengan, Hengan: @hengan)

A single reading key (~teng xun) held every client whose core reads the same: at a million clients a
common two-character reading gathered hundreds of candidates. A homophone slip keeps at least one
character, so one key per kept character finds the same pairs from far fewer candidates. Chinese cores
are stored by their pinyin spelling and Latin cores by their letters, so that Hengan finds 恒安.

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
SPELLING_MARKS = ("%", "@")  # bot.rules.fuzzy PINYIN_MARK, LATIN_MARK


def _rekey(keys_of) -> None:
    """Replace every client's sound keys and spellings (variants marked ~, %, @) by ``keys_of(core)``."""
    conn = op.get_bind()
    for mark in ("~", *SPELLING_MARKS):
        # substr, not LIKE: % is a mark here, and a wildcard there.
        op.execute(sa.text("DELETE FROM client_variant WHERE substr(variant, 1, 1) = :mark").bindparams(mark=mark))
    rows = conn.execute(sa.text("SELECT DISTINCT tenant, client_id, value FROM client_key WHERE kind = 'core'"
                                " ORDER BY tenant, client_id"))
    batch, client, seen = [], None, set()  # a client's aliases may share a key: each once
    for tenant, client_id, core in rows.fetchall():
        if (tenant, client_id) != client:
            client, seen = (tenant, client_id), set()
        for key in set(keys_of(core)) - seen:
            seen.add(key)
            batch.append({"tenant": tenant, "variant": key, "client_id": client_id})
        if len(batch) >= 10_000:
            op.bulk_insert(TABLE, batch)
            batch = []
    if batch:
        op.bulk_insert(TABLE, batch)


def upgrade() -> None:
    from bot.rules.fuzzy import LATIN_MARK, PINYIN_MARK, SOUND_MARK, variants

    # variants(core) gives the new keys; bare short forms and starts (= ^) stay as 0006 wrote them.
    _rekey(lambda core: {v for v in variants(core) if v[0] in (SOUND_MARK, PINYIN_MARK, LATIN_MARK)})


def downgrade() -> None:
    from bot.rules.fuzzy import reading, sound_eligible

    _rekey(lambda core: ["~" + " ".join(reading(ch) for ch in core)] if sound_eligible(core) else [])

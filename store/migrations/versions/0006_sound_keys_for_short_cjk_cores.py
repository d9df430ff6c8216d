"""sound keys and short starts of Chinese cores (腾讯 vs 腾迅, 字节 vs 字节跳动)

Existing clients get in client_variant what ``bot.rules.fuzzy.variants`` now stores for new ones
besides the deletions: the sound key of a 2–3 character Chinese core (and its short-name form when the
name was typed bare), the short starts (^字节, ^字节跳) of a long Chinese core.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


MARKS = ("~", "^", "=")  # bot.rules.fuzzy SOUND_MARK, START_MARK, SHORT_MARK


def upgrade() -> None:
    from bot.rules.fuzzy import variants

    conn = op.get_bind()
    # A core key's name key with the same value and no region means the name was typed bare (字节).
    rows = conn.execute(sa.text(
        "SELECT c.tenant, c.client_id, c.value, EXISTS (SELECT 1 FROM client_key n WHERE n.client_id = c.client_id"
        " AND n.kind = 'name' AND n.value = c.value AND n.qualifier = '') AND cl.region IS NULL"
        " AND (cl.name = c.value OR lower(cl.name) = c.value) FROM client_key c JOIN client cl ON cl.id = c.client_id"
        " WHERE c.kind = 'core'"))
    table = sa.table('client_variant', sa.column('tenant'), sa.column('variant'), sa.column('client_id'))
    batch, seen = [], set()
    for tenant, client_id, core, bare in rows.fetchall():
        for variant in variants(core, bool(bare)):
            if variant[0] in MARKS and (tenant, variant, client_id) not in seen:
                seen.add((tenant, variant, client_id))
                batch.append({"tenant": tenant, "variant": variant, "client_id": client_id})
        if len(batch) >= 10_000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


def downgrade() -> None:
    for mark in MARKS:
        op.execute(sa.text("DELETE FROM client_variant WHERE variant LIKE :mark").bindparams(mark=mark + "%"))

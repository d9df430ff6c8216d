"""sound keys for short Chinese cores (homophone slips: 腾讯 vs 腾迅)

Existing clients whose core is 2–3 Chinese characters get its sound key in client_variant, as
``bot.rules.fuzzy.variants`` now stores for new ones.

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


def upgrade() -> None:
    from bot.rules.fuzzy import sound_eligible, sound_key

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT DISTINCT tenant, client_id, value FROM client_key WHERE kind = 'core'"))
    table = sa.table('client_variant', sa.column('tenant'), sa.column('variant'), sa.column('client_id'))
    batch = []
    for tenant, client_id, core in rows.fetchall():
        if sound_eligible(core):
            batch.append({"tenant": tenant, "variant": sound_key(core), "client_id": client_id})
        if len(batch) >= 10_000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


def downgrade() -> None:
    from bot.rules.fuzzy import SOUND_MARK

    op.execute(sa.text("DELETE FROM client_variant WHERE variant LIKE :mark").bindparams(mark=SOUND_MARK + "%"))

"""sorted characters of middle-length cores (同仁堂: &仁同堂), so that a swapped pair (仁同堂) finds them

A three-character Chinese core or a five-letter Latin one is too short for the deletion variants of the
typo rule, but a rep still types two neighbouring characters the wrong way round. Existing clients get
the key ``bot.rules.fuzzy.variants`` now stores for new ones.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLE = sa.table('client_variant', sa.column('tenant'), sa.column('variant'), sa.column('client_id'))
MARK = "&"  # bot.rules.fuzzy SWAP_MARK


def _delete_keys() -> None:
    # substr, not LIKE: the marks of this table include %, a LIKE wildcard.
    op.execute(sa.text("DELETE FROM client_variant WHERE substr(variant, 1, 1) = :mark").bindparams(mark=MARK))


def upgrade() -> None:
    from bot.rules.fuzzy import swap_eligible, swap_key

    _delete_keys()  # written already where 0005 ran on clients with today's variants
    rows = op.get_bind().execute(sa.text("SELECT DISTINCT tenant, client_id, value FROM client_key"
                                         " WHERE kind = 'core'"))
    keys = {(tenant, swap_key(core), client_id) for tenant, client_id, core in rows.fetchall() if swap_eligible(core)}
    batch = [{"tenant": t, "variant": v, "client_id": c} for t, v, c in sorted(keys)]
    for start in range(0, len(batch), 10_000):
        op.bulk_insert(TABLE, batch[start:start + 10_000])


def downgrade() -> None:
    _delete_keys()

"""sorted characters of middle-length cores (同仁堂: &仁同堂), so that a swapped pair (仁同堂) finds them

A three-character Chinese core or a five-letter Latin one is too short for the deletion variants of the
typo rule, but a rep still types two neighbouring characters the wrong way round. Existing clients get
the key ``bot.rules.fuzzy.variants`` now stores for new ones.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""
from __future__ import annotations

from store.migrate import rekey_variants

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

MARK = "&"  # bot.rules.fuzzy SWAP_MARK


def upgrade() -> None:
    from bot.rules.fuzzy import swap_eligible, swap_key

    # Written already where 0005 ran on clients with today's variants: replaced, not added.
    rekey_variants((MARK,), lambda core: [swap_key(core)] if swap_eligible(core) else [])


def downgrade() -> None:
    rekey_variants((MARK,), lambda core: [])

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

from store.migrate import rekey_variants

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SPELLING_MARKS = ("%", "@")  # bot.rules.fuzzy PINYIN_MARK, LATIN_MARK
MARKS = ("~", *SPELLING_MARKS)


def upgrade() -> None:
    from bot.rules.fuzzy import LATIN_MARK, PINYIN_MARK, SOUND_MARK, variants

    # variants(core) gives the new keys; bare short forms and starts (= ^) stay as 0006 wrote them.
    rekey_variants(MARKS, lambda core: {v for v in variants(core) if v[0] in (SOUND_MARK, PINYIN_MARK, LATIN_MARK)})


def downgrade() -> None:
    from bot.rules.fuzzy import reading, sound_eligible

    rekey_variants(MARKS, lambda core: ["~" + " ".join(reading(ch) for ch in core)] if sound_eligible(core) else [])

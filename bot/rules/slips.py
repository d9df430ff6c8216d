"""Legal forms and industry words typed with a slip of the pinyin keyboard (有线公司 for 有限公司, 设被 for
设备, 用平 for 用品, 有限限公司): the words ``bot.rules.names`` strips still count when so typed."""

from __future__ import annotations

from bot.rules.sounds import loose_reading

MIN_LEFT_BEFORE_SLIP = 2  # a slipped word is one only when a core of two characters or more is before it


def slipped(tail: str, word: str) -> bool:
    """``tail`` is the legal form or industry word ``word`` typed with a slip: what the pinyin keyboard
    gives for the same or a nearly same sound, with at least one character as written (有线公司 for 有限公司,
    设被 for 设备, 用平 for 用品), or one character typed twice (有限限公司)."""
    if len(word) < 2 or tail == word:
        return False
    if len(tail) == len(word):
        pairs = list(zip(tail, word, strict=True))
        return any(a == b for a, b in pairs) and all(a == b or loose_reading(a) == loose_reading(b) for a, b in pairs)
    return len(tail) == len(word) + 1 and any(tail == word[:i + 1] + word[i:] for i in range(len(word)))


def slipped_tail(text: str, word: str) -> int | None:
    """How many characters ``word`` typed with a slip takes at the end of the text, leaving a core."""
    return next((n for n in (len(word), len(word) + 1)
                 if len(text) - n >= MIN_LEFT_BEFORE_SLIP and slipped(text[-n:], word)), None)

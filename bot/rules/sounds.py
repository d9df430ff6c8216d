"""How Chinese characters sound, as a pinyin keyboard slips between them."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import OSA

# The sounds a pinyin keyboard's fuzzy mode (模糊音) lets slip: zh/z, ch/c, sh/s, l/n, -ng/-n (用平 for 用品).
_FUZZY_SOUNDS = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^n"), "l"), (re.compile(r"ng$"), "n"))


@lru_cache(maxsize=1)
def pinyin_reader():
    from pypinyin import lazy_pinyin

    return lazy_pinyin


@lru_cache(maxsize=8192)
def reading(ch: str) -> str:
    """The most common toneless reading of one character (讯 → xun); each character on its own, so that
    both sides of a comparison read it the same way whatever the word around it."""
    return pinyin_reader()(ch)[0]


def _loosen(syllable: str) -> str:
    for pattern, repl in _FUZZY_SOUNDS:
        syllable = pattern.sub(repl, syllable)
    return syllable


@lru_cache(maxsize=8192)
def loose_reading(ch: str) -> str:
    """A character's reading as the pinyin keyboard's fuzzy mode hears it (zhi → zi, neng → len)."""
    return _loosen(reading(ch))


@lru_cache(maxsize=65536)
def sounds_near(a: str, b: str) -> bool:
    """Two Chinese characters a pinyin keyboard slips between: their readings are the same as fuzzy mode
    hears them (深 / 森) or one letter apart (川 / 泉: cuan / quan). 明 / 珍 and 安 / 兴 sound apart: a short
    core with one changed that way is another name (滇池明珠 / 滇池珍珠, 永兴冷链 / 永安冷链)."""
    return OSA.distance(loose_reading(a), loose_reading(b), score_cutoff=1) <= 1

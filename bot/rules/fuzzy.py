"""Near-miss names: the variants that find candidates, and the typo rule that scores them.

Candidates for "possible duplicate" come from an indexed table of *deletion variants* (the
SymSpell idea): each long core is stored with every string made by deleting one character from it.
Two strings within one edit of each other (a substitution, an insertion or deletion, a swapped
pair) always share a variant, so one primary-key lookup of the query's few variants finds every
candidate the typo rule can accept, however many clients there are. The decision is by evidence:
a plausible one-character typo of a long core is a *possible* duplicate, never a conflict.

Short Chinese cores (2–3 characters: 腾讯, 娃哈哈) differ by meaning after most one-character changes,
but not after the slip a pinyin keyboard makes: the same syllable, the wrong character (腾迅, 哇哈哈).
They are stored with a *sound key* (the reading of each character) instead, and a query that reads
the same with exactly one character different is a possible duplicate too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.rules.regions import regions_compatible

_CJK = re.compile(r"[\u3400-\u9fff]")
# A different number is a different body, not a slip: 中建三局 / 中建八局, 一汽 / 二汽, Studio 7 / Studio 8.
_NUMERALS = frozenset("0123456789零一二三四五六七八九十百千万两")

MIN_CJK_TYPO_CORE = 4     # 字节跳动 vs 字节跳东; shorter cores differ by meaning, not by typos
MIN_LATIN_TYPO_CORE = 6   # bytedance vs bytedanse
MIN_CJK_SOUND_CORE = 2    # 腾讯 vs 腾迅: a homophone slip of the pinyin keyboard
MAX_CANDIDATES = 200
SOUND_MARK = "~"          # sound keys cannot collide with cores: a core has letters and digits only


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def typo_eligible(core: str) -> bool:
    """Long enough for a one-character difference to be a typo rather than another name."""
    return len(core) >= (MIN_CJK_TYPO_CORE if is_cjk(core) else MIN_LATIN_TYPO_CORE)


def variants(core: str) -> frozenset[str]:
    """The strings a core is found by: a long core and every one-character deletion of it, or the sound
    key of a short Chinese core; empty when the core is too short for either.

    A query of length n-1 .. n+1 within one edit of a stored long core shares at least one variant with
    it; a short core read the same way shares its sound key.
    """
    if not core:
        return frozenset()
    if typo_eligible(core):
        return frozenset({core, *(core[:i] + core[i + 1:] for i in range(len(core)))})
    if sound_eligible(core):
        return frozenset({sound_key(core)})
    return frozenset()


def sound_eligible(core: str) -> bool:
    return MIN_CJK_SOUND_CORE <= len(core) < MIN_CJK_TYPO_CORE and all(_CJK.fullmatch(ch) for ch in core)


@lru_cache(maxsize=1)
def _lazy_pinyin():
    from pypinyin import lazy_pinyin

    return lazy_pinyin


@lru_cache(maxsize=8192)
def reading(ch: str) -> str:
    """The most common toneless reading of one character (讯 → xun); each character on its own, so that
    both sides of a comparison read it the same way whatever the word around it."""
    return _lazy_pinyin()(ch)[0]


def sound_key(core: str) -> str:
    return SOUND_MARK + " ".join(reading(ch) for ch in core)


def homophone_slip(query_core: str, candidate_core: str) -> bool:
    """A short Chinese core with one character swapped for another of the same reading (腾讯 → 腾迅)."""
    if len(query_core) != len(candidate_core) or not (sound_eligible(query_core) and sound_eligible(candidate_core)):
        return False
    differ = [(a, b) for a, b in zip(query_core, candidate_core, strict=True) if a != b]
    return len(differ) == 1 and reading(differ[0][0]) == reading(differ[0][1])


@dataclass(frozen=True)
class CoreCandidate:
    client_id: int
    core: str
    region: str
    sectors: frozenset[str]


def typo_distance(query_core: str, candidate_core: str) -> int | None:
    """The edit distance when it is a plausible one-character typo of a long core (or a homophone slip
    of a short Chinese one), else None."""
    if not query_core or not candidate_core or query_core == candidate_core:
        return None
    if homophone_slip(query_core, candidate_core):
        return 1
    if not (typo_eligible(query_core) and typo_eligible(candidate_core)):
        return None
    # Optimal string alignment: a swapped pair of letters (Mircosoft) is one edit, as people make it.
    distance = OSA.distance(query_core, candidate_core, score_cutoff=1)
    if distance != 1 or _numbers_differ(query_core, candidate_core):
        return None
    return distance


def _numbers_differ(a: str, b: str) -> bool:
    return sorted(ch for ch in a if ch in _NUMERALS) != sorted(ch for ch in b if ch in _NUMERALS)


def possible_duplicates(query_core: str, query_region: str | None, query_sectors: frozenset[str],
                        candidates: list[CoreCandidate]) -> dict[int, tuple[str, int]]:
    """Client id → (its core, distance) for candidates that look like a typo of the query."""
    found: dict[int, tuple[str, int]] = {}
    for cand in candidates:
        if not regions_compatible(query_region, cand.region or None):
            continue
        if query_sectors and cand.sectors and query_sectors.isdisjoint(cand.sectors):
            continue
        distance = typo_distance(query_core, cand.core)
        if distance is not None:
            found[cand.client_id] = (cand.core, distance)
    return found

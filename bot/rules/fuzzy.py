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

Reps also shorten long Chinese names to their first two or three characters (字节 for 字节跳动, 海康 for
海康威视). A long core is stored under its short starts (``^字节``, ``^字节跳``) and a short core under
itself (``=字节``); each side looks up the other's form, so a short name and a long core that starts
with it find each other in either order. That is a *possible* duplicate by a shared start, but only
for a short name typed bare (no region, industry word or legal form): 招商 of 招商银行 is the bank's
core, not a short name (招商蛇口 is another company), and so is 完美 of 完美（中国）有限公司 (完美日记 is
another).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import OSA

from bot.rules.regions import regions_compatible

_CJK = re.compile(r"[\u3400-\u9fff]")
# A different number is a different body, not a slip: 中建三局 / 中建八局, 一汽 / 二汽, Studio 7 / Studio 8.
_NUMERALS = frozenset("0123456789零一二三四五六七八九十百千万两")

MIN_CJK_TYPO_CORE = 4     # 字节跳动 vs 字节跳东; shorter cores differ by meaning, not by typos
MIN_LATIN_TYPO_CORE = 6   # bytedance vs bytedanse
MIN_CJK_SOUND_CORE = 2    # 腾讯 vs 腾迅: a homophone slip of the pinyin keyboard
MAX_CANDIDATES = 200
SOUND_MARK = "~"          # marks cannot collide with cores: a core has letters and digits only
START_MARK = "^"          # a long core's short start: ^字节 for 字节跳动
SHORT_MARK = "="          # a short core, as a start of long ones: =字节
SHORT_STARTS = (2, 3)     # the lengths of short names reps make of long Chinese cores


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def typo_eligible(core: str) -> bool:
    """Long enough for a one-character difference to be a typo rather than another name."""
    return len(core) >= (MIN_CJK_TYPO_CORE if is_cjk(core) else MIN_LATIN_TYPO_CORE)


def variants(core: str, bare: bool = False) -> frozenset[str]:
    """The strings a core is stored under: a long core and every one-character deletion of it (and, when
    Chinese, its short starts), or the sound key and short form of a short Chinese core.

    A query of length n-1 .. n+1 within one edit of a stored long core shares at least one variant with
    it; a short core read the same way shares its sound key. ``lookups`` gives what a query searches.
    """
    if not core:
        return frozenset()
    if typo_eligible(core):
        starts = {START_MARK + core[:n] for n in SHORT_STARTS} if all_cjk(core) else set()
        return frozenset({core, *(core[:i] + core[i + 1:] for i in range(len(core))), *starts})
    if sound_eligible(core):
        return frozenset({sound_key(core), *([SHORT_MARK + core] if bare else [])})
    return frozenset()


def lookups(core: str, bare: bool = False) -> frozenset[str]:
    """What a query core searches the stored variants for: its own deletions and sound key, and the
    other side of the short-start pair (a long core its short starts as short cores; a short core
    typed bare, ``bare``, the long cores starting with it)."""
    stored = variants(core, bare)
    if typo_eligible(core) and all_cjk(core):
        return frozenset({v for v in stored if not v.startswith(START_MARK)}
                         | {SHORT_MARK + core[:n] for n in SHORT_STARTS})
    if sound_eligible(core):
        return frozenset({sound_key(core), *([START_MARK + core] if bare else [])})
    return stored


def all_cjk(core: str) -> bool:
    return all(_CJK.fullmatch(ch) for ch in core)


def sound_eligible(core: str) -> bool:
    return MIN_CJK_SOUND_CORE <= len(core) < MIN_CJK_TYPO_CORE and all_cjk(core)


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


def short_start(query: tuple[str, frozenset[str]], candidate: tuple[str, frozenset[str]]) -> bool:
    """One Chinese core, of a name with no industry word, is the first two or three characters of the
    other, a long one (字节 / 字节跳动). Each side is (core, sectors); that the short name was typed bare
    is what finds the pair (``variants``, ``lookups``)."""
    (short, short_sectors), (long, _) = sorted((query, candidate), key=lambda side: len(side[0]))
    return (len(short) in SHORT_STARTS and not short_sectors and typo_eligible(long) and all_cjk(short)
            and all_cjk(long) and long.startswith(short))


class NearMiss(NamedTuple):
    core: str       # the candidate's core
    distance: int   # 1 for a typo; a shared start counts as 2 (a typo is the stronger sign)
    kind: str       # "typo" or "prefix"


def possible_duplicates(query_core: str, query_region: str | None, query_sectors: frozenset[str],
                        candidates: list[CoreCandidate]) -> dict[int, NearMiss]:
    """Client id → how its core nearly matches the query's, for candidates that look like a typo of the
    query or share its start."""
    found: dict[int, NearMiss] = {}
    for cand in candidates:
        if not regions_compatible(query_region, cand.region or None):
            continue
        if query_sectors and cand.sectors and query_sectors.isdisjoint(cand.sectors):
            continue
        distance = typo_distance(query_core, cand.core)
        if distance is not None:
            found[cand.client_id] = NearMiss(cand.core, distance, "typo")
        elif short_start((query_core, query_sectors), (cand.core, cand.sectors)):
            found[cand.client_id] = NearMiss(cand.core, 2, "prefix")
    return found

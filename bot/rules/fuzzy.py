"""Near-miss names: the grams that find candidates, and the typo rule that scores them.

Candidates come from an indexed gram table (character bigrams of a CJK core, trigrams of a Latin
core); only the rarest few grams of a query are looked up, so grams as common as 科技 never flood the
candidate set. The decision is by evidence: a plausible one-character typo of a long core is a
*possible* duplicate, never a conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.rules.regions import regions_compatible

_CJK = re.compile(r"[\u3400-\u9fff]")

MIN_CJK_TYPO_CORE = 4     # 字节跳动 vs 字节跳东; shorter cores differ by meaning, not by typos
MIN_LATIN_TYPO_CORE = 6   # bytedance vs bytedanse
RAREST_GRAMS = 4
MAX_CANDIDATES = 200


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def grams(core: str) -> frozenset[str]:
    """Bigrams of a CJK core, trigrams of a Latin one; short cores are their own gram."""
    if not core:
        return frozenset()
    n = 2 if is_cjk(core) else 3
    if len(core) <= n:
        return frozenset({core})
    return frozenset(core[i: i + n] for i in range(len(core) - n + 1))


def rarest(query_grams: frozenset[str], df: dict[str, int], k: int = RAREST_GRAMS) -> list[str]:
    """The k grams of the query that the fewest clients share (grams nobody has are useless)."""
    known = [g for g in query_grams if df.get(g, 0) > 0]
    return sorted(known, key=lambda g: (df[g], g))[:k]


@dataclass(frozen=True)
class CoreCandidate:
    client_id: int
    core: str
    region: str
    sectors: frozenset[str]


def typo_distance(query_core: str, candidate_core: str) -> int | None:
    """The edit distance when it is a plausible one-character typo of a long core, else None."""
    if not query_core or not candidate_core or query_core == candidate_core:
        return None
    cjk = is_cjk(query_core) or is_cjk(candidate_core)
    minimum = MIN_CJK_TYPO_CORE if cjk else MIN_LATIN_TYPO_CORE
    if min(len(query_core), len(candidate_core)) < minimum:
        return None
    # Optimal string alignment: a swapped pair of letters (Mircosoft) is one edit, as people make it.
    distance = OSA.distance(query_core, candidate_core, score_cutoff=1)
    return distance if distance == 1 else None


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

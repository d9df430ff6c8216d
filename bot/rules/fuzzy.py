"""Near-miss names: the variants that find candidates, and the typo rule that scores them.

Candidates for "possible duplicate" come from an indexed table of *deletion variants* (the
SymSpell idea): each long core is stored with every string made by deleting one character from it.
Two strings within one edit of each other (a substitution, an insertion or deletion, a swapped
pair) always share a variant, so one primary-key lookup of the query's few variants finds every
candidate the typo rule can accept, however many clients there are. The decision is by evidence:
a plausible one-character typo of a long core is a *possible* duplicate, never a conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.rules.regions import regions_compatible

_CJK = re.compile(r"[\u3400-\u9fff]")

MIN_CJK_TYPO_CORE = 4     # 字节跳动 vs 字节跳东; shorter cores differ by meaning, not by typos
MIN_LATIN_TYPO_CORE = 6   # bytedance vs bytedanse
MAX_CANDIDATES = 200


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def typo_eligible(core: str) -> bool:
    """Long enough for a one-character difference to be a typo rather than another name."""
    return len(core) >= (MIN_CJK_TYPO_CORE if is_cjk(core) else MIN_LATIN_TYPO_CORE)


def variants(core: str) -> frozenset[str]:
    """The core and every one-character deletion of it; empty when the core is too short for typos.

    A query of length n-1 .. n+1 within one edit of a stored core shares at least one variant with it.
    """
    if not core or not typo_eligible(core):
        return frozenset()
    return frozenset({core, *(core[:i] + core[i + 1:] for i in range(len(core)))})


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
    if not (typo_eligible(query_core) and typo_eligible(candidate_core)):
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

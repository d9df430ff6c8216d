"""Possible duplicates: candidates from the deletion-variant table, scored with the typo rule.

Used by ``register`` (before the registration lock for everything seen so far, and under it only
for clients registered since) and by ``check``.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.rules.fuzzy import MAX_CANDIDATES, possible_duplicates, variants
from bot.rules.names import NormalizedName
from store.repos import Repos


def name_variants(names: Iterable[NormalizedName]) -> frozenset[str]:
    return frozenset().union(*(variants(n.core) for n in names))


def find_near_misses(repos: Repos, tenant: str, names: tuple[NormalizedName, ...], *,
                     after_client_id: int | None = None) -> dict[int, tuple[str, int]]:
    """Client id → (its core, edit distance) for clients whose core looks like a typo of a name's core."""
    wanted = name_variants(names)
    if not wanted:  # cores too short for the typo rule: nothing to look up
        return {}
    candidates = repos.clients.near_candidates(tenant, wanted, limit=MAX_CANDIDATES, after_client_id=after_client_id)
    found: dict[int, tuple[str, int]] = {}
    for name in names:
        for client_id, hit in possible_duplicates(name.core, name.region, name.sectors, candidates).items():
            if client_id not in found or hit[1] < found[client_id][1]:
                found[client_id] = hit
    return found


def remember_variants(repos: Repos, tenant: str, client_id: int, names: tuple[NormalizedName, ...]) -> None:
    repos.clients.add_variants(tenant, client_id, name_variants(names))

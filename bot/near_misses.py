"""Possible duplicates: candidates from the deletion-variant table, scored with the typo rule.

Used by ``register`` (before the registration lock for everything seen so far, and under it only
for clients registered since) and by ``check``.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.rules.fuzzy import (
    MAX_CANDIDATES,
    MAX_MARKED_CANDIDATES,
    CoreCandidate,
    NearMiss,
    lookups,
    marked,
    possible_duplicates,
    variants,
)
from bot.rules.identity import Identity, KeyKind
from bot.rules.known import KnownNames
from bot.rules.names import NormalizedName
from store.repos import Repos, VariantLookup


def name_variants(names: Iterable[NormalizedName]) -> frozenset[str]:
    """What the names are stored under in client_variant."""
    return frozenset().union(*(variants(n.core, n.bare) for n in names))


def name_lookups(names: Iterable[NormalizedName]) -> frozenset[str]:
    """What a query with these names searches client_variant for."""
    return frozenset().union(*(lookups(n.core, n.bare) for n in names))


def near_lookup(names: Iterable[NormalizedName]) -> VariantLookup:
    """``name_lookups`` split into deletion variants and marked ones, each with its cap."""
    wanted = name_lookups(names)
    return VariantLookup(frozenset(v for v in wanted if not marked(v)), frozenset(v for v in wanted if marked(v)),
                         MAX_CANDIDATES, MAX_MARKED_CANDIDATES)


def find_near_misses(repos: Repos, tenant: str, names: tuple[NormalizedName, ...], known: KnownNames, *,
                     after_client_id: int | None = None) -> dict[int, NearMiss]:
    """Client id → its near miss, for clients whose core looks like a typo of a name's core or shares
    its short start."""
    near = near_lookup(names)
    if not near:  # cores too short for any near-miss rule: nothing to look up
        return {}
    return score_near_misses(names, repos.clients.near_candidates(tenant, near, after_client_id=after_client_id),
                             known)


def score_near_misses(names: tuple[NormalizedName, ...], candidates: list[CoreCandidate],
                      known: KnownNames) -> dict[int, NearMiss]:
    """Client id → its nearest miss over the names; none between the known names of two companies."""
    found: dict[int, NearMiss] = {}
    for name in names:
        company = known.company_of_core(name.core, name.sectors, name.region)  # by core: a bare brand names none
        others = candidates if company is None else [
            c for c in candidates if not known.other_company(company, c.core, c.sectors, c.region or None)]
        for client_id, hit in possible_duplicates(name.core, name.region, name.sectors, others).items():
            if client_id not in found or hit.distance < found[client_id].distance:
                found[client_id] = hit
    return found


def variant_rows(identity: Identity) -> dict[str, tuple[str, str]]:
    """What a client is stored under in client_variant: each variant of its names' cores (``name_variants``),
    with the core it is a variant of and that core key's qualifier (a variant two names share: the first's)."""
    qualifiers: dict[str, str] = {}
    for key in identity.keys:
        if key.kind is KeyKind.CORE:
            qualifiers.setdefault(key.value, key.qualifier)
    rows: dict[str, tuple[str, str]] = {}
    for name in (identity.name, *identity.aliases):
        if name.core in qualifiers:
            for variant in sorted(variants(name.core, name.bare)):
                rows.setdefault(variant, (name.core, qualifiers[name.core]))
    return rows


def remember_variants(repos: Repos, tenant: str, client_id: int, identity: Identity) -> None:
    repos.clients.add_variants(tenant, client_id, variant_rows(identity))

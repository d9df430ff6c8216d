"""Who owns a client, and may this rep register it? Pure decisions with their reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from bot.policy import ProtectionPolicy
from bot.rules.fuzzy import NearMiss
from bot.rules.identity import (
    IdentityKey,
    KeyKind,
    qualifier_company,
    split_core_qualifier,
    split_domain_qualifier,
    split_places,
)
from bot.rules.name_types import sectors_overlap
from bot.rules.names import normalize_name
from bot.rules.regions import regions_compatible

# The strongest evidence first: it is the reason a match reports.
EVIDENCE_ORDER = (KeyKind.CREDIT_CODE, KeyKind.PHONE, KeyKind.DOMAIN, KeyKind.NAME, KeyKind.CORE, KeyKind.KNOWN,
                  KeyKind.TYPO, KeyKind.PINYIN, KeyKind.PREFIX)


@dataclass(frozen=True)
class KeyHit:
    """A stored identity key that shares kind and value with one of the query's keys."""

    client_id: int
    kind: KeyKind
    value: str
    qualifier: str


@dataclass(frozen=True)
class Evidence:
    kind: KeyKind
    value: str
    distance: int = 0  # edit distance, for typo evidence


def places_compatible(a: str, b: str) -> bool:
    """Two names' places (region@branch place) can be one legal body: the regions are compatible and, when
    both name a branch, so are the branches' places (浦发银行北京分行 / 广州分行 are two clients; either
    and the bank's head office are one)."""
    (a_region, a_branch), (b_region, b_branch) = split_places(a), split_places(b)
    return regions_compatible(a_region or None, b_region or None) and regions_compatible(a_branch or None,
                                                                                          b_branch or None)


def domain_matches(query: str, stored: str) -> bool:
    """One corporate domain (``identity.domain_key``) is one client, unless the names it came with have the
    same core in places that prove two bodies: 中国移动浙江 / 中国移动江苏 (chinamobile.com), 工商银行北京分行 /
    上海分行. A domain typed alone, or names with two cores (字节跳动 / 抖音), is one client."""
    (q_places, q_core), (s_places, s_core) = split_domain_qualifier(query), split_domain_qualifier(stored)
    return not (q_core and q_core == s_core and not places_compatible(q_places, s_places))


def key_matches(query: IdentityKey, stored: KeyHit) -> bool:
    """Same kind and value, and nothing proves them different legal bodies."""
    if query.kind != stored.kind or query.value != stored.value:
        return False
    return qualifiers_match(query.kind, query.qualifier, stored.qualifier)


@lru_cache(maxsize=65536)  # a crowded core's hits share a few qualifiers: each pair is read once
def qualifiers_match(kind: KeyKind, query: str, stored: str) -> bool:
    """Whether two keys of one kind and value name one legal body, by their qualifiers."""
    if kind in (KeyKind.CREDIT_CODE, KeyKind.PHONE):
        return True
    if kind == KeyKind.DOMAIN:
        return domain_matches(query, stored)
    if kind == KeyKind.NAME:
        return places_compatible(query, stored)
    q_places, q_sectors = split_core_qualifier(query)
    s_places, s_sectors = split_core_qualifier(stored)
    if not places_compatible(q_places, s_places):
        return False  # 杭州星辰网络科技 vs 苏州星辰网络科技
    q_company, s_company = qualifier_company(query), qualifier_company(stored)
    if q_company and s_company and q_company != s_company:
        return False  # 万达信息 vs 大连万达集团: the list of known names has them as two companies
    return sectors_overlap(q_sectors, s_sectors)  # 招商银行 vs 招商证券


def match_clients(keys: tuple[IdentityKey, ...], hits: list[KeyHit]) -> dict[int, Evidence]:
    """Client id → the strongest evidence that the query names that client."""
    rank = {kind: i for i, kind in enumerate(EVIDENCE_ORDER)}
    found: dict[int, Evidence] = {}
    for hit in hits:
        for key in keys:
            if key_matches(key, hit):
                current = found.get(hit.client_id)
                if current is None or rank[key.kind] < rank[current.kind]:
                    found[hit.client_id] = Evidence(key.kind, key.value)
    return found


@dataclass(frozen=True)
class Holding:
    """The open lead on a matched client, as the decision needs it."""

    client_id: int
    owner_member_id: int | None
    protected_until: datetime | None


class Outcome(StrEnum):
    NEW = "new"
    CONFLICT = "conflict"
    ALREADY_YOURS = "already_yours"
    POSSIBLE = "possible"


@dataclass(frozen=True)
class RegistrationDecision:
    outcome: Outcome
    rule: str
    client_id: int | None = None
    evidence: Evidence | None = None
    protected_until: datetime | None = None


def protection_until(now: datetime, policy: ProtectionPolicy) -> datetime:
    return now + timedelta(days=policy.days)


def known_matches(related: tuple[IdentityKey, ...], hits: list[KeyHit],
                  matches: dict[int, Evidence]) -> dict[int, Evidence]:
    """Clients registered under another known name of the query's company (美团 / 北京三快在线科技), as
    possible duplicates, leaving out clients that already match. A known name's place and sectors still
    count (平安健康医疗 does not find 平安保险 through their shared 平安). The list can be out of date and a
    group's names can be shared, so this is never a conflict."""
    found: dict[int, Evidence] = {}
    for hit in hits:
        if hit.client_id not in matches and any(key_matches(key, hit) for key in related):
            found.setdefault(hit.client_id, Evidence(KeyKind.KNOWN, hit.value))
    return found


def other_bodies(query_code: str | None, query_branch: bool, stored: dict[int, tuple[str | None, str]]) -> set[int]:
    """The stored clients (id → their credit code and name) that a registration's credit code proves to be
    other legal bodies, whatever their names say: a unified social credit code names one body (美的集团 /
    美的置业集团, 北京同仁堂 / 北京同仁堂科技发展). Not when either side is a branch: a branch has a code of
    its own and is one client with its company."""
    if not query_code or query_branch:
        return set()
    out = set()
    for client_id, (code, name) in stored.items():
        normalized = normalize_name(name) if code and code != query_code else None
        if normalized is not None and not normalized.branch:
            out.add(client_id)
    return out


def near_misses(possible: dict[int, NearMiss], matches: dict[int, Evidence]) -> dict[int, Evidence]:
    """Near misses (typos, shared starts) as evidence, leaving out clients that already match exactly."""
    return {cid: Evidence(KeyKind(miss.kind), miss.core, miss.distance)
            for cid, miss in possible.items() if cid not in matches}


def decide_registration(
    caller_member_id: int,
    matches: dict[int, Evidence],
    holdings: dict[int, Holding],
    policy: ProtectionPolicy,
    now: datetime,
    *,
    possible: dict[int, Evidence] | None = None,
    justified: bool = False,
) -> RegistrationDecision:
    """New client; refused because someone holds it (or the caller already does); or held back as a
    possible duplicate until the rep gives a justification."""
    if not matches:
        until = protection_until(now, policy)
        if possible:
            client_id, evidence = min(possible.items(), key=lambda item: (item[1].distance, item[0]))
            if not justified:
                return RegistrationDecision(Outcome.POSSIBLE, f"registration.possible_duplicate.{evidence.kind}",
                                            client_id, evidence, until)
            return RegistrationDecision(Outcome.NEW, "registration.justified_over_possible", client_id, evidence,
                                        until)
        return RegistrationDecision(Outcome.NEW, "registration.no_match", protected_until=until)
    rank = {kind: i for i, kind in enumerate(EVIDENCE_ORDER)}
    client_id, evidence = min(matches.items(), key=lambda item: (rank[item[1].kind], item[0]))
    holding = holdings.get(client_id)
    if holding is not None and holding.owner_member_id == caller_member_id:
        return RegistrationDecision(Outcome.ALREADY_YOURS, "registration.already_owner", client_id, evidence,
                                    holding.protected_until)
    if holding is not None and holding.protected_until is not None and holding.protected_until > now:
        rule = "registration.protected"
    elif holding is not None:
        rule = "registration.owned"
    else:
        rule = "registration.known_client"
    return RegistrationDecision(Outcome.CONFLICT, f"{rule}.{evidence.kind}", client_id, evidence,
                                holding.protected_until if holding else None)

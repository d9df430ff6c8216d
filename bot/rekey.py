"""Re-derive every client's name keys and near-miss variants with the name rules of this version.

A client's keys are written when it is registered, by the rules of that day. When a later version reads
names differently (第8工程局 as 第八工程局, a firm's 分所 as its branch, two companies the list of known names
tells apart), clients registered before would keep keys that today's queries no longer meet. ``python -m bot
db upgrade`` runs this when the rules' fingerprint differs from the one the database last saw, batch by
batch under the registration lock; ``python -m bot dedupe rekey`` runs it on demand.

A key another client already holds is left with that client and reported: the two were registered apart
before the rules could tell they are one (a manager should look at them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.near_misses import remember_variants
from bot.policy import Policy
from bot.rules.fuzzy import variants
from bot.rules.identity import Identity, IdentityProblem, KeyKind, build_identity, domain_key
from bot.rules.known import KnownNames
from store.db import Database
from store.models import Client
from store.repos import Repos
from store.uow import UnitOfWork

RULES = Path(__file__).with_name("rules")
# The modules the stored keys and variants are written by (not the pipeline's or the SLA's rules).
NAME_RULES = ("names.py", "names_latin.py", "name_types.py", "numerals.py", "regions.py", "slips.py", "wordlists.py",
              "fuzzy.py", "sounds.py", "identity.py", "known.py")
FINGERPRINT_KEY = "name_rules"
BATCH = 2000


def fingerprint(known_names_path: str) -> str:
    """What the stored keys depend on: the rules' source and the list of known names."""
    digest = hashlib.sha256()
    for path in sorted(RULES / name for name in NAME_RULES):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    if known_names_path:
        from bot.known_names import ROOT

        file = Path(known_names_path) if Path(known_names_path).is_absolute() else ROOT / known_names_path
        digest.update(file.read_bytes())
    return digest.hexdigest()[:32]


@dataclass
class RekeyReport:
    clients: int = 0
    changed: int = 0                       # clients whose keys changed
    shared: list[tuple[int, int, str]] = field(default_factory=list)  # (client, holder, key value)
    unreadable: list[tuple[int, str]] = field(default_factory=list)   # (client, problem): keys kept


def client_identity(client: Client, policy: Policy, known: KnownNames) -> tuple[Identity, set[tuple[str, str, str]]]:
    """What registering this client would write today: its identity and its keys as (kind, value, qualifier).
    Its stored credit code, phone and domain are already normalized; the domain key takes the name's
    places and core today (``identity.domain_key``)."""
    identity = build_identity(client.name, policy.identity, known=known, aliases=tuple(client.aliases or ()))
    keys = {(kind.value, value, "") for kind, value in ((KeyKind.CREDIT_CODE, client.credit_code),
                                                        (KeyKind.PHONE, client.phone)) if value}
    if client.domain:
        domain = domain_key(client.domain, identity.name)
        keys.add((domain.kind.value, domain.value, domain.qualifier))
    return identity, keys | {(k.kind.value, k.value, k.qualifier) for k in identity.keys}


def rekey(db: Database, policy: Policy, known: KnownNames, *, batch: int = BATCH,
          progress: Callable[[str], None] = lambda _: None) -> RekeyReport:
    """Every tenant's clients, ``batch`` at a time, each batch one transaction under the registration lock."""
    report = RekeyReport()
    with UnitOfWork(db) as uow:
        tenants = uow.repos.rekeying.tenants()
    for tenant in tenants:
        with UnitOfWork(db, write=True) as uow:
            uow.lock_registration(tenant)
            uow.repos.rekeying.drop_variants(tenant)
            uow.commit()
        after = 0
        while True:
            with UnitOfWork(db, write=True) as uow:
                uow.lock_registration(tenant)
                clients = uow.repos.rekeying.page(tenant, after, batch)
                if not clients:
                    break
                _rekey_page(uow.repos, tenant, clients, policy, known, report)
                uow.commit()
            after = clients[-1].id
            progress(f"{tenant}: {report.clients:,} clients re-keyed, {report.changed:,} changed")
    return report


def _rekey_page(repos: Repos, tenant: str, clients: list[Client], policy: Policy, known: KnownNames,
                report: RekeyReport) -> None:
    stored = repos.rekeying.stored_keys(tenant, [c.id for c in clients])
    for client in clients:
        report.clients += 1
        try:
            identity, wanted = client_identity(client, policy, known)
        except IdentityProblem as problem:  # today's rules cannot read the name: it keeps the keys it had
            report.unreadable.append((client.id, problem.code))
            repos.clients.add_variants(tenant, client.id, {
                v: (value, qualifier) for kind, value, qualifier in sorted(stored[client.id])
                if kind == KeyKind.CORE.value for v in variants(value)})
            continue
        old = stored[client.id]
        if wanted != old:
            report.changed += 1
            repos.rekeying.drop_keys(tenant, client.id, old - wanted)
            holders = set()
            for key in sorted(wanted - old):
                holder = repos.rekeying.add_key(tenant, client.id, key)
                if holder is not None and holder not in holders:  # one line per pair of clients
                    holders.add(holder)
                    report.shared.append((client.id, holder, key[1]))
        client.name_body, client.core = identity.name.body, identity.name.core
        remember_variants(repos, tenant, client.id, identity)


def rekey_if_rules_changed(db: Database, policy: Policy, known: KnownNames, *,
                           progress: Callable[[str], None] = lambda _: None) -> RekeyReport | None:
    """Re-key when the name rules or the list of known names changed since the database last saw them
    (a database that never saw them is re-keyed once); None when nothing changed."""
    current = fingerprint(policy.identity.known_names)
    with UnitOfWork(db) as uow:
        seen = uow.repos.settings.get(FINGERPRINT_KEY)
    if seen == current:
        return None
    report = rekey(db, policy, known, progress=progress)
    with UnitOfWork(db, write=True) as uow:
        uow.repos.settings.put(FINGERPRINT_KEY, current)
        uow.commit()
    return report

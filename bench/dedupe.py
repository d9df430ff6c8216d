"""De-duplication benchmark: ``check`` at growing sizes against the LIKE scan and a rapidfuzz full scan.

    .venv/bin/python bench/dedupe.py --url sqlite:///var/dedupe.db --sizes 10000,1000000 [--queries 1000]
    .venv/bin/python bench/dedupe.py --url postgresql://postgres@127.0.0.1:5432/crm_bench --sizes 10000,1000000

1. Drops and recreates the database (the SQLite file is deleted; on PostgreSQL ``DROP SCHEMA public
   CASCADE; CREATE SCHEMA public``) and migrates it.
2. Seeds synthetic clients with Core bulk inserts (one transaction per ``--chunk`` clients): client, its
   identity keys from ``build_identity``, its deletion variants (``bot.rules.fuzzy.variants`` of the core,
   through ``bot.near_misses.name_variants``) and an open lead, as ``Service.register`` writes them. A name
   the service would refuse for an exact-key match is drawn again.
3. At each size (the database grows from one size to the next), times ``check`` through
   ``Service.execute`` for a query mix (exact full names, short core names, one-character typos of long
   cores, misses), the ``near_candidates`` stage alone, and two baselines on the same data and queries:
   ``name LIKE '%core%'`` and ``rapidfuzz.process.extractOne(core, all_cores, scorer=fuzz.WRatio)``.
4. At the last size: 20 threads register new names through ``Service.execute`` (registration throughput
   under the lock) and the query plans of the two statements of a check's lookup are printed.
"""

from __future__ import annotations

import argparse
import functools
import gc
import itertools
import platform
import random
import re
import sqlite3
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402
from sqlalchemy import bindparam, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.common import backend, recreate, seeding_database, warm_cache  # noqa: E402
from bench.register import (  # noqa: E402
    CORE_CHARS,
    LATIN_FORMS,
    LATIN_INDUSTRIES,
    ROMAN_CITIES,
    Names,
    p99,
)
from bot.clock import SystemClock  # noqa: E402
from bot.commands import Check, Register  # noqa: E402
from bot.near_misses import near_lookup, variant_rows  # noqa: E402
from bot.policy import parse_policy  # noqa: E402
from bot.rules.fuzzy import MAX_CANDIDATES, MAX_MARKED_CANDIDATES, is_cjk  # noqa: E402
from bot.rules.identity import Identity, IdentityKey, IdentityProblem, query_for  # noqa: E402
from bot.rules.name_types import NormalizedName  # noqa: E402
from bot.rules.names import normalize_name  # noqa: E402
from bot.rules.registration import KeyHit, key_matches  # noqa: E402
from bot.rules.sounds import sounds_near  # noqa: E402
from bot.service import FIRST_STAGE, Actor, Service  # noqa: E402
from store.db import Database, create_database, normalize_url  # noqa: E402
from store.models import Client, ClientKey, ClientVariant, Lead  # noqa: E402
from store.uow import UnitOfWork  # noqa: E402

TENANT = "local"
PLATFORM = "console"
CHECKER = "U1"
REPS = [f"R{i}" for i in range(1, 21)]
POLICY = {
    "default_team": "sales",
    "teams": [{"id": "sales", "name": "Sales", "timezone": "Asia/Shanghai", "locale": "zh-CN",
               "sync_channel": "CSALES",
               "members": [{"user": "MGR", "name": "经理", "role": "manager"},
                           {"user": CHECKER, "name": "查询员", "role": "rep", "manager": "MGR"},
                           *({"user": u, "name": f"销售{u}", "role": "rep", "manager": "MGR"} for u in REPS)]}],
}

# The 字号 pool: register.py's characters and about two hundred more, drawn with a mild Zipf skew (the
# commonest character is about ten times as likely as the rarest), so some cores (and variants) are far commoner
# than others.
MORE_CORE_CHARS = ("嘉禾丰硕景泓瀚澜沣浩淼灏沛洋溢涌泉溪涛渊澄清皓晴旻暄曜炜烁焕煜熠燊炫灿煊焱耀辉亿万千百俊杰豪"
                   "英雄伟岳崇峻岩磊石坤乾元亨贞福禄寿喜庆欣怡畅迅驰骏骐骥翼展鹤鸣凰虎豹狮象熊鹿桦桐楠榕樟槐"
                   "柳杉枫棠桂荣茂蔚紫橙彤丹朱翠碧琪琳瑶瑾璟瑜珑珈琦璐玮珂琨铭锦钰铂锋钧镭铠盈泽沃拓普威斯"
                   "特尔康德微芯讯捷迈科奥尚品牌格兰伦艾迪索菲雅图腾龙虎啸宸逸轩阁舟帆航港湾岸峡谷原野")
POOL = "".join(dict.fromkeys(CORE_CHARS + MORE_CORE_CHARS))
_POOL_WEIGHTS = list(itertools.accumulate(1 / (rank + 30) for rank in range(len(POOL))))

# English names: one to three words of a vocabulary (words that normalization would strip are dropped).
_VOCABULARY_TEXT = """apex arbor aspen atlas aurora azure beacon birch blaze bloom blue bold bright brook canyon cedar
cipher citadel clear cliff coast cobalt comet copper coral crest crimson crown crystal delta diamond dune eagle
echo eclipse edge ember emerald ever falcon fern field flint forest fox frontier galaxy garnet gate gem glacier
glen gold golden granite green grove harbor haven hawk heron highland horizon hudson indigo iris iron ivory jade
jasper juniper keystone kite lake lantern laurel legacy liberty light lime linden lion lotus lumen lunar magnolia
maple marble meadow meridian mesa mint mist monarch moon mosaic mountain nebula noble nova oak oasis ocean olive
omega onyx orbit orchid osprey palm panda peak pearl pebble phoenix pine pioneer pixel planet polar prairie prime
prism pulse quartz quest radiant rain raven redwood reef ridge river rock rose ruby sage sail sapphire scarlet
sequoia shadow shore sierra silver sky slate snow solar spark spring spruce star steel stone storm summit sun
swift tango terra thunder tide tiger timber topaz torch tower trail true tundra twin unity valley vector velvet
venture verde vertex vista vivid wave willow wind wolf zenith zephyr amber anchor arrow bay bear bell bison
boulder bridge canopy castle cherry clover cosmos cypress dawn dragon drift elm fable feather fjord forge garden
giant gravity hazel helix hill honey hunter icon island jet kestrel kingdom lark leaf lily lynx mango maroon
mercury mill nimbus north oracle otter paragon pilot plum quill rapid reed robin sable saffron salmon sand
sentinel sparrow sterling stream sunrise thistle titan tulip union vale vanguard violet walnut wren yarrow"""
VOCABULARY = _VOCABULARY_TEXT.split()
LATIN_WORD_COUNTS = ([1, 2, 3], [10, 75, 15])

WARMUP = 20
LEAD_COLUMNS = frozenset(Lead.__table__.c.keys())  # lead columns the model has (others keep their defaults)
_WORDS = re.compile(r"[^\W_]+")


def _keeps_core(word: str) -> bool:
    norm = normalize_name(f"{word.capitalize()} Ltd.")
    return norm is not None and not norm.generic and norm.core == word


WORDS = [w for w in dict.fromkeys(VOCABULARY) if _keeps_core(w)]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class DedupeNames(Names):
    """register.py's generator with a bigger, skewed 字号 pool, English names from a vocabulary, and a
    compact index of the stored keys (a million clients' ``KeyHit`` lists would not fit comfortably)."""

    def __init__(self, rng: random.Random, policy) -> None:
        super().__init__(rng, policy)
        self.stored: dict[str, str | tuple[str, ...]] = {}  # "kind\x1fvalue" → qualifier(s)
        self.draws = 0

    def _core(self) -> str:
        n = self.rng.choices([2, 3, 4], weights=[50, 35, 15])[0]
        return "".join(self.rng.choices(POOL, cum_weights=_POOL_WEIGHTS, k=n))

    def _english(self) -> str:
        r = self.rng
        words = [w.capitalize() for w in r.sample(WORDS, r.choices(*LATIN_WORD_COUNTS)[0])]
        core = " ".join(words) if r.random() < 0.6 else "".join(words)
        city = f" ({r.choice(ROMAN_CITIES)})" if r.random() < 0.2 else ""
        return f"{core} {r.choice(LATIN_INDUSTRIES)}{city} {r.choice(LATIN_FORMS)}"

    def name(self) -> str:
        self.draws += 1
        return super().name()

    def matches(self, keys: tuple[IdentityKey, ...], name: NormalizedName | None = None) -> bool:
        """Would ``match_clients`` (the service's exact-key decision) match an already stored client?
        (Possible duplicates are allowed: at a million names many short cores sound alike.)"""
        for key in keys:
            stored = self.stored.get(f"{key.kind.value}\x1f{key.value}")
            if stored is None:
                continue
            for qualifier in (stored,) if isinstance(stored, str) else stored:
                if key_matches(key, KeyHit(0, key.kind, key.value, qualifier)):
                    return True
        return False

    def remember(self, identity: Identity, phone: str | None) -> None:
        for key in identity.keys:
            slot = f"{key.kind.value}\x1f{key.value}"
            qualifier = sys.intern(key.qualifier)
            stored = self.stored.get(slot)
            if stored is None:
                self.stored[slot] = qualifier
            else:
                self.stored[slot] = (stored, qualifier) if isinstance(stored, str) else (*stored, qualifier)
        if phone:
            self.phones.add(phone)


# -- the database ------------------------------------------------------------------------------------


@dataclass
class SeedStats:
    size: int
    clients: int = 0
    draws: int = 0
    generate_s: float = 0.0
    insert_s: float = 0.0
    maintenance_s: float = 0.0
    rows: Counter = field(default_factory=Counter)

    @property
    def total_s(self) -> float:
        return self.generate_s + self.insert_s + self.maintenance_s


class Seeder:
    def __init__(self, url: str, service: Service, names: DedupeNames, rng: random.Random, chunk: int) -> None:
        self.url = url
        self.service = service
        self.names = names
        self.rng = rng
        self.chunk = chunk
        self.count = 0
        self.members = [service.member(Actor(TENANT, PLATFORM, u)) for u in REPS]
        self.now = service.clock.now()
        self.days = service.policy.protection.days

    def _rows(self, n: int) -> dict[str, list[dict]]:
        rows: dict[str, list[dict]] = {"client": [], "client_key": [], "client_variant": [], "lead": []}
        for _ in range(n):
            _name, _phone, identity = self.names.fresh(with_phone=0.3)
            self.count += 1
            cid = self.count
            me = self.rng.choice(self.members)
            at = self.now - timedelta(days=self.rng.uniform(0, 90), seconds=self.rng.uniform(0, 86400))
            rows["client"].append({
                "id": cid, "tenant": TENANT, "name": identity.display_name, "name_body": identity.name.body,
                "core": identity.name.core, "region": identity.name.region, "aliases": [],
                "credit_code": identity.credit_code, "phone": identity.phone, "domain": identity.domain,
                "industry": None, "contact": None, "created_by": me.id, "created_at": at})
            rows["client_key"].extend({"tenant": TENANT, "client_id": cid, "kind": k.kind.value, "value": k.value,
                                       "qualifier": k.qualifier} for k in identity.keys)
            # As Service.register (remember_variants): the deletion variants of the name's core and of its
            # aliases' cores (seeded clients have none); none for a core too short for the typo rule.
            rows["client_variant"].extend({"tenant": TENANT, "variant": v, "client_id": cid, "core": core,
                                           "qualifier": qualifier}
                                          for v, (core, qualifier) in sorted(variant_rows(identity).items()))
            lead = {
                "tenant": TENANT, "client_id": cid, "team_id": me.team_id, "owner_id": me.id, "stage": FIRST_STAGE,
                "source": "self", "registered_at": at, "assigned_at": at, "last_activity_at": at,
                "protected_until": at + timedelta(days=self.days), "locked": False, "version": 1,
                "grade_reasons": []}
            rows["lead"].append({k: v for k, v in lead.items() if k in LEAD_COLUMNS})
        return rows

    def grow(self, size: int) -> SeedStats:
        stats = SeedStats(size)
        draws_before = self.names.draws
        db = seeding_database(self.url)
        tables = {"client": Client.__table__, "client_key": ClientKey.__table__,
                  "client_variant": ClientVariant.__table__, "lead": Lead.__table__}
        try:
            while self.count < size:
                n = min(self.chunk, size - self.count)
                start = time.perf_counter()
                rows = self._rows(n)
                generated = time.perf_counter()
                with db.write_engine.begin() as conn:
                    for table, values in rows.items():
                        conn.execute(insert(tables[table]), values)
                        stats.rows[table] += len(values)
                done = time.perf_counter()
                stats.generate_s += generated - start
                stats.insert_s += done - generated
                stats.clients += n
                log(f"  seeded {self.count:,} clients (chunk: generate {generated - start:.1f} s, "
                    f"insert {done - generated:.1f} s)")
            start = time.perf_counter()
            if db.is_sqlite:
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:  # the steady state autovacuum reaches on its own: statistics and the visibility map
                with db.write_engine.begin() as conn:  # ids were given explicitly: move the sequence past them
                    conn.execute(text("SELECT setval(pg_get_serial_sequence('client', 'id'), "
                                      "(SELECT max(id) FROM client))"))
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    for table in ("client", "client_key", "client_variant", "lead"):
                        conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
            stats.maintenance_s = time.perf_counter() - start
        finally:
            db.dispose()
        stats.draws = self.names.draws - draws_before
        return stats


# -- the query mix -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    category: str     # exact | short | typo | miss
    text: str
    target: int | None  # the seeded client a hit must find
    target_core: str | None


CATEGORIES = ("exact", "short", "typo", "miss")


def fetch_clients(db: Database, ids: list[int]) -> list[tuple[int, str, str]]:
    stmt = text("SELECT id, name, core FROM client WHERE tenant = :t AND id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    with db.engine.connect() as conn:
        rows = conn.execute(stmt, {"t": TENANT, "ids": sorted(ids)}).all()
    order = {cid: i for i, cid in enumerate(ids)}
    return sorted(((cid, name, core) for cid, name, core in rows), key=lambda row: order[row[0]])


def core_exists(db: Database, core: str) -> bool:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM client_key WHERE tenant = :t AND value = :v AND kind = 'core'"),
                            {"t": TENANT, "v": core}).first() is not None


@functools.cache
def _sounding_near(ch: str) -> tuple[str, ...]:
    return tuple(other for other in POOL if other != ch and sounds_near(ch, other))


def typo_of(core: str, rng: random.Random) -> str:
    """One character typed wrong: a Latin core any letter; a Chinese core as a pinyin keyboard slips, a
    character that sounds the same or nearly (the typo rule takes no other in a core under six characters;
    earlier sessions drew any character of the pool)."""
    while True:
        i = rng.randrange(len(core))
        alphabet = (_sounding_near(core[i]) if is_cjk(core) else "abcdefghijklmnopqrstuvwxyz".replace(core[i], ""))
        if alphabet:
            return core[:i] + rng.choice(alphabet) + core[i + 1:]


def spelled(core: str, text: str) -> str:
    """The core as ``text`` spells it: ``Silver Peak`` for the core ``silverpeak`` of ``Silver Peak Media Ltd.``
    (what a rep types as a short name, and the fairest pattern for the LIKE scan)."""
    if core in text.casefold():
        return core
    words = _WORDS.findall(text)
    for i in range(len(words)):
        joined = ""
        for j in range(i, len(words)):
            joined += words[j].casefold()
            if joined == core:
                return " ".join(words[i: j + 1])
            if not core.startswith(joined):
                break
    return core


def long_core(core: str) -> bool:
    return len(core) >= (4 if is_cjk(core) else 6)  # the typo rule's minimum lengths (bot.rules.fuzzy)


def make_queries(db: Database, service: Service, names: DedupeNames, size: int, per: int,
                 rng: random.Random) -> list[Query]:
    policy = service.policy.identity
    queries: list[Query] = []
    sample = fetch_clients(db, rng.sample(range(1, size + 1), 2 * per))
    for cid, name, _core in sample[:per]:
        queries.append(Query("exact", name, cid, _core))
    for cid, name, core in sample[per:]:
        queries.append(Query("short", spelled(core, name), cid, core))
    typos: list[Query] = []
    while len(typos) < per:
        for cid, name, core in fetch_clients(db, rng.sample(range(1, size + 1), 20 * per)):
            if len(typos) == per or not long_core(core):
                continue
            wrong = typo_of(core, rng)
            # A rep types the full name with the typo when the name spells the core out, else the core.
            q = name.replace(core, wrong, 1) if core in name else wrong
            try:
                parsed = query_for(q, policy).name
            except IdentityProblem:
                continue
            if parsed is None or Levenshtein.distance(parsed.core, core) != 1 or core_exists(db, parsed.core):
                continue
            typos.append(Query("typo", q, cid, core))
    queries.extend(typos)
    while sum(q.category == "miss" for q in queries) < per:
        name = names.name()
        try:
            identity = query_for(name, policy)
        except IdentityProblem:
            continue
        if names.matches(identity.keys):
            continue
        queries.append(Query("miss", name, None, None))
    rng.shuffle(queries)
    return queries


# -- measuring ---------------------------------------------------------------------------------------


@dataclass
class MethodResult:
    times: list[float] = field(default_factory=list)
    caught: Counter = field(default_factory=Counter)   # category → queries whose target was found
    flagged: int = 0                                    # misses that reported something
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p99(self) -> float:
        return p99(self.times)


@dataclass
class SizeResult:
    size: int
    queries: list[Query]
    ours: MethodResult
    variant_stage: MethodResult
    like: MethodResult
    fuzzy: MethodResult
    looked_up: list[int]     # variants looked up per timed query
    rows_matched: list[int]  # client_variant rows they match (before DISTINCT and LIMIT)
    candidates: list[int]    # client ids near_candidates returns (at most MAX_CANDIDATES + MAX_MARKED_CANDIDATES)


def query_core(q: Query, service: Service) -> str | None:
    try:
        parsed = query_for(q.text, service.policy.identity).name
    except IdentityProblem:
        return None
    return parsed.core if parsed is not None else None


def score(result: MethodResult, q: Query, found_ids: set[int] | None = None, found_core: str | None = None,
          flagged: bool = False) -> None:
    if q.category == "miss":
        result.flagged += flagged
    elif (q.target in found_ids) if found_ids is not None else found_core == q.target_core:
        result.caught[q.category] += 1


def measure_ours(service: Service, queries: list[Query]) -> MethodResult:
    """Timed as a rep gets it (the reply lists the ten strongest matches); scored on every match check
    found, in a second, untimed pass that lists them all (a common short core at a million clients has
    more same-core clients than a reply lists)."""
    out = MethodResult()
    checker = Actor(TENANT, PLATFORM, CHECKER)
    for q in queries:
        start = time.perf_counter()
        service.execute(checker, Check(q.text))
        out.times.append((time.perf_counter() - start) * 1000)
    shown, service.shown_matches = service.shown_matches, 10**9
    try:
        for q in queries:
            result = service.execute(checker, Check(q.text))
            score(out, q, found_ids={m.client_id for m in result.matches}, flagged=result.kind == "found")
    finally:
        service.shown_matches = shown
    return out


def measure_variant_stage(service: Service, queries: list[Query]
                          ) -> tuple[MethodResult, list[int], list[int], list[int]]:
    """The near-miss candidate stage alone (``near_candidates`` on what ``check`` looks up: deletion variants
    and marked ones, each capped); a query with nothing to look up skips it, as ``check`` does."""
    out, looked_up, rows_matched, candidates = MethodResult(), [], [], []
    matched = text("SELECT count(*) FROM client_variant WHERE tenant = :t AND variant IN :v").bindparams(
        bindparam("v", expanding=True))
    with UnitOfWork(service.db) as uow:
        clients = uow.repos.clients
        for q in queries:
            try:
                name = query_for(q.text, service.policy.identity).name
            except IdentityProblem:
                continue
            near = near_lookup((name,)) if name is not None else None
            if not near:
                continue
            start = time.perf_counter()
            found = clients.near_candidates(TENANT, near)
            out.times.append((time.perf_counter() - start) * 1000)
            wanted = sorted(near.variants | near.marked)
            looked_up.append(len(wanted))
            rows_matched.append(uow.session.execute(matched, {"t": TENANT, "v": wanted}).scalar_one())
            candidates.append(len({c.client_id for c in found}))
    return out, looked_up, rows_matched, candidates


def measure_like(service: Service, queries: list[Query]) -> MethodResult:
    """The substring scan of common CRMs. PostgreSQL gets ILIKE: SQLite's LIKE already ignores ASCII case."""
    op = "LIKE" if service.db.is_sqlite else "ILIKE"
    out = MethodResult(note=f"name {op} '%' \\|\\| core \\|\\| '%'")
    stmt = text(f"SELECT id, name FROM client WHERE tenant = :t AND name {op} '%' || :core || '%'")
    with service.db.engine.connect() as conn:
        for q in queries:
            core = query_core(q, service)
            if not core:
                continue
            start = time.perf_counter()
            rows = conn.execute(stmt, {"t": TENANT, "core": spelled(core, q.text)}).all()
            out.times.append((time.perf_counter() - start) * 1000)
            score(out, q, found_ids={cid for cid, _ in rows}, flagged=bool(rows))
    return out


def measure_rapidfuzz(service: Service, queries: list[Query]) -> MethodResult:
    start = time.perf_counter()
    with service.db.engine.connect() as conn:
        cores = list(conn.execute(text("SELECT core FROM client WHERE tenant = :t ORDER BY id"),
                                  {"t": TENANT}).scalars())
    load = time.perf_counter() - start
    out = MethodResult(note=f"{len(cores):,} cores loaded in {load * 1000:.0f} ms (not counted)")
    for q in queries:
        core = query_core(q, service)
        if not core:
            continue
        start = time.perf_counter()
        best, best_score, _index = process.extractOne(core, cores, scorer=fuzz.WRatio)
        out.times.append((time.perf_counter() - start) * 1000)
        score(out, q, found_core=best, flagged=best_score >= 90)
    return out


def measure(service: Service, names: DedupeNames, size: int, per: int, rng: random.Random) -> SizeResult:
    queries = make_queries(service.db, service, names, size, per, rng)
    log(f"  {warm_cache(service.db)}")
    checker = Actor(TENANT, PLATFORM, CHECKER)
    for q in rng.sample(queries, min(WARMUP, len(queries))):
        service.execute(checker, Check(q.text))
    log(f"  timing check over {len(queries)} queries")
    ours = measure_ours(service, queries)
    variant_stage, looked_up, rows_matched, candidates = measure_variant_stage(service, queries)
    log("  timing the LIKE scan")
    like = measure_like(service, queries)
    log("  timing the rapidfuzz scan")
    fuzzy = measure_rapidfuzz(service, queries)
    return SizeResult(size, queries, ours, variant_stage, like, fuzzy, looked_up, rows_matched, candidates)


# -- registration under contention -------------------------------------------------------------------


@dataclass
class Contention:
    threads: int
    elapsed_s: float
    times: list[float]
    kinds: Counter
    errors: list[str]


def contention(service: Service, names: DedupeNames, threads: int, limit: int, seconds: float) -> Contention:
    """``threads`` reps registering distinct new names at once, until ``limit`` calls or ``seconds``."""
    work = [names.fresh(with_phone=0.3)[:2] for _ in range(limit)]
    actors = [Actor(TENANT, PLATFORM, REPS[i % len(REPS)]) for i in range(threads)]
    for actor in actors:
        service.member(actor)
    feed: Iterator[tuple[str, str | None]] = iter(work)
    feed_lock = threading.Lock()
    times: list[float] = []
    kinds: Counter = Counter()
    errors: list[str] = []
    barrier = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker(actor: Actor) -> None:
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            with feed_lock:
                item = next(feed, None)
            if item is None:
                return
            start = time.perf_counter()
            try:
                result = service.execute(actor, Register(item[0], phone=item[1]))
            except Exception as exc:  # reported, not hidden
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            elapsed = (time.perf_counter() - start) * 1000
            with feed_lock:
                times.append(elapsed)
                kinds[result.kind] += 1

    pool = [threading.Thread(target=worker, args=(a,)) for a in actors]
    for t in pool:
        t.start()
    start = time.perf_counter()
    deadline[0] = start + seconds
    barrier.wait()
    for t in pool:
        t.join()
    return Contention(threads, time.perf_counter() - start, times, kinds, errors)


# -- query plans -------------------------------------------------------------------------------------


def captured(db: Database, call: Callable[[], object]) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def plans(service: Service, q: Query) -> list[str]:
    statements = captured(service.db, lambda: service.execute(Actor(TENANT, PLATFORM, CHECKER), Check(q.text)))
    wanted = {
        "lookup (key hits UNION ALL the near-miss candidates' core keys)": lambda s: "UNION ALL" in s,
        "match rows (client, open lead, owner)": lambda s: "LEFT OUTER JOIN lead" in s,
    }
    lines = [f"Query: `{q.text}` ({q.category})", ""]
    with service.db.engine.connect() as conn:
        for label, match in wanted.items():
            found = [(s, p) for s, p in statements if match(s)]
            if not found:
                lines += [f"{label}: statement not seen", ""]
                continue
            statement, params = found[0]
            lines += [f"**{label}**", "", "```sql", " ".join(statement.split()), f"-- parameters: {params}"]
            if service.db.is_sqlite:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
                depth = {0: -1}
                for node, parent, _unused, detail in rows:
                    depth[node] = depth.get(parent, -1) + 1
                    lines.append(f"{'  ' * depth[node]}{detail}")
            else:
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
                lines += [r[0] for r in rows]
            lines += ["```", ""]
    return lines


# -- the report --------------------------------------------------------------------------------------


def caught_cell(m: MethodResult, per: dict[str, int], category: str) -> str:
    return f"{m.caught.get(category, 0)}/{per[category]}"


def size_table(r: SizeResult) -> list[str]:
    per = Counter(q.category for q in r.queries)
    lines = [f"### {r.size:,} clients", "",
             "| method | timed | median ms | p99 ms | max ms | exact caught | short caught | typo caught "
             "| misses flagged |",
             "|---|---|---|---|---|---|---|---|---|"]
    methods = [("**ours**: `check` via Service.execute", r.ours, "found"),
               ("baseline (a): " + r.like.note, r.like, "any row"),
               ("baseline (b): rapidfuzz extractOne WRatio", r.fuzzy, "score ≥ 90")]
    for label, m, flag_rule in methods:
        lines.append(f"| {label} | {len(m.times)} | {m.median:.2f} | {m.p99:.2f} | {max(m.times):.2f} "
                     f"| {caught_cell(m, per, 'exact')} | {caught_cell(m, per, 'short')} "
                     f"| {caught_cell(m, per, 'typo')} | {m.flagged}/{per['miss']} ({flag_rule}) |")
    v = r.variant_stage
    capped = sum(n >= MAX_CANDIDATES for n in r.candidates)
    lines += ["", f"- near-miss candidates alone (`near_candidates`): median {v.median:.2f} ms, p99 {v.p99:.2f} ms, "
                  f"max {max(v.times):.2f} ms over the {len(v.times)} queries with variants to look up "
                  f"(the other {len(r.queries) - len(v.times)} skip the lookup); variants looked up per query "
                  f"mean {statistics.mean(r.looked_up):.1f}, max {max(r.looked_up)}; `client_variant` rows they match "
                  f"mean {statistics.mean(r.rows_matched):.1f}, max {max(r.rows_matched)}; candidates returned "
                  f"(and scored) per query mean {statistics.mean(r.candidates):.1f}, max {max(r.candidates)} "
                  f"(caps {MAX_CANDIDATES} by deletion variants + {MAX_MARKED_CANDIDATES} by marks; "
                  f"{capped} queries at {MAX_CANDIDATES} or more).",
              f"- rapidfuzz: {r.fuzzy.note}.", ""]
    return lines


def summary_table(results: list[SizeResult]) -> list[str]:
    first, last = results[0], results[-1]
    head = (f"| method | median ms at {first.size:,} | p99 ms at {first.size:,} | median ms at {last.size:,} "
            f"| p99 ms at {last.size:,} | growth (p99 {last.size:,} / p99 {first.size:,}) "
            f"| median ratio at {last.size:,} (baseline / ours) |")
    lines = [head, "|---|---|---|---|---|---|---|"]
    for label, pick in (("ours (check)", lambda r: r.ours), ("LIKE scan", lambda r: r.like),
                        ("rapidfuzz scan", lambda r: r.fuzzy)):
        a, b = pick(first), pick(last)
        ratio = "—" if label.startswith("ours") else f"{b.median / last.ours.median:,.1f}×"
        lines.append(f"| {label} | {a.median:.2f} | {a.p99:.2f} | {b.median:.2f} | {b.p99:.2f} "
                     f"| {b.p99 / a.p99:.2f} | {ratio} |")
    return lines


def targets(results: list[SizeResult]) -> list[str]:
    first, last = results[0], results[-1]
    ours = last.ours
    checks = [
        (f"p99 of check at {last.size:,} < 50 ms", f"{ours.p99:.2f} ms", ours.p99 < 50),
        ("growth ratio < 3", f"{ours.p99 / first.ours.p99:.2f}", ours.p99 / first.ours.p99 < 3),
        (f"≥ 10× faster than the LIKE scan at {last.size:,} (median)", f"{last.like.median / ours.median:,.1f}×",
         last.like.median / ours.median >= 10),
        (f"≥ 100× faster than the rapidfuzz scan at {last.size:,} (median)",
         f"{last.fuzzy.median / ours.median:,.1f}×", last.fuzzy.median / ours.median >= 100),
    ]
    per = Counter(q.category for q in last.queries)
    for cat in ("short", "typo"):
        counts = {name: m.caught.get(cat, 0) for name, m in (("ours", ours), ("LIKE", last.like),
                                                             ("rapidfuzz", last.fuzzy))}
        best_baseline = max(counts["LIKE"], counts["rapidfuzz"])
        checks.append((f"{cat} queries caught at {last.size:,}: ours ≥ each baseline",
                       ", ".join(f"{k} {v}/{per[cat]}" for k, v in counts.items()), counts["ours"] >= best_baseline))
    return ["| target | measured | met |", "|---|---|---|",
            *(f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in checks)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="sqlite:///var/dedupe.db",
                        help="database URL (default sqlite:///var/dedupe.db); it is DROPPED and recreated")
    parser.add_argument("--sizes", default="10000,1000000", help="client counts to measure at, growing (default "
                                                                 "10000,1000000)")
    parser.add_argument("--queries", type=int, default=1000,
                        help="check queries per size, a quarter per category (p99 of 1000 is the 10th slowest)")
    parser.add_argument("--chunk", type=int, default=50_000, help="clients per seeding transaction (default 50000)")
    parser.add_argument("--threads", type=int, default=20, help="concurrent registering reps (default 20)")
    parser.add_argument("--registrations", type=int, default=400, help="registrations under contention, at most")
    parser.add_argument("--seconds", type=float, default=5.0, help="contention run time, at most (default 5)")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if sizes != sorted(set(sizes)) or sizes[0] < 1:
        raise SystemExit("--sizes must grow: 10000,1000000")
    per = max(1, args.queries // len(CATEGORIES))
    rng = random.Random(args.seed)

    log(f"recreating {args.url}")
    recreate(args.url)
    policy = parse_policy(POLICY, "bench policy")
    db = create_database(args.url)
    service = Service(db, policy, SystemClock())
    names = DedupeNames(rng, policy)
    seeder = Seeder(args.url, service, names, rng, args.chunk)

    seeds: list[SeedStats] = []
    results: list[SizeResult] = []
    for size in sizes:
        log(f"seeding up to {size:,} clients")
        seeds.append(seeder.grow(size))
        gc.collect()
        gc.freeze()  # the generator's key index is not the service's heap: keep it out of timed collections
        log(f"measuring at {size:,} clients")
        results.append(measure(service, names, size, per, rng))
    plan_query = next((q for q in results[-1].queries if q.category == "exact" and long_core(q.target_core or "")),
                      next(q for q in results[-1].queries if q.category == "exact"))
    plan_lines = plans(service, plan_query)
    log(f"registering under {args.threads}-way contention")
    race = contention(service, names, args.threads, args.registrations, args.seconds)

    is_sqlite = backend(args.url) == "sqlite"
    if is_sqlite:
        engine_name = f"SQLite {sqlite3.sqlite_version}"
        size_note = f", file {Path(make_url(normalize_url(args.url)).database).stat().st_size / 1e6:,.0f} MB"
    else:
        with db.engine.connect() as conn:
            engine_name = conn.exec_driver_sql("SHOW server_version").scalar_one()
            engine_name = f"PostgreSQL {engine_name}"
            size_note = ", database " + conn.exec_driver_sql(
                "SELECT pg_size_pretty(pg_database_size(current_database()))").scalar_one()
    out = [f"## Dedupe benchmark: {engine_name}{size_note}", "",
           f"Python {platform.python_version()} on {platform.platform()}; {db.engine.url.render_as_string()}; "
           f"{len(POOL)} 字号 characters, {len(WORDS)} English words; seed {args.seed}.", "",
           "| seeding up to | clients added | names drawn | generate s | insert s | "
           "vacuum/checkpoint s | total s | clients/s | rows (client, client_key, client_variant, lead) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for s in seeds:
        out.append(f"| {s.size:,} | {s.clients:,} | {s.draws:,} | {s.generate_s:.1f} | {s.insert_s:.1f} "
                   f"| {s.maintenance_s:.1f} | {s.total_s:.1f} | {s.clients / s.total_s:,.0f} "
                   f"| {s.rows['client']:,}, {s.rows['client_key']:,}, {s.rows['client_variant']:,}, "
                   f"{s.rows['lead']:,} |")
    out.append("")
    for r in results:
        out += size_table(r)
    out += ["### Growth and baselines", "", *summary_table(results), "", *targets(results), ""]
    registered = race.kinds.get("registered", 0)
    out += [f"### Registration under {race.threads}-way contention at {results[-1].size:,} clients", "",
            "| threads | calls | seconds | calls/s | registered/s | median ms | p99 ms | max ms | outcomes |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {race.threads} | {len(race.times)} | {race.elapsed_s:.2f} | {len(race.times) / race.elapsed_s:.1f} "
            f"| {registered / race.elapsed_s:.1f} | {statistics.median(race.times):.1f} | {p99(race.times):.1f} "
            f"| {max(race.times):.1f} | {', '.join(f'{k} {v}' for k, v in sorted(race.kinds.items()))} |", ""]
    if race.errors:
        out += [f"{len(race.errors)} registrations failed; first: {race.errors[0]}", ""]
    out += [f"### Query plans at {results[-1].size:,} clients", "", *plan_lines]
    print("\n".join(out))
    db.dispose()
    return 1 if race.errors else 0


if __name__ == "__main__":
    sys.exit(main())

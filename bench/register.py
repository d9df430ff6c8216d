"""Registration benchmark: check and register latency through the service, over N synthetic clients.

    .venv/bin/python bench/register.py [--clients 10000] [--url sqlite:///var/bench.db]

1. Migrates a fresh database (a SQLite file is deleted first; a PostgreSQL database must be empty).
2. Seeds N synthetic clients (Chinese names: city + 2–4 character core + industry word + legal form, in a
   few spellings; about 20% English names; about 30% with a mobile number). Seeding goes through the
   repositories the service uses, in a few big transactions, with keys from ``build_identity``, so the
   stored rows are what registration writes; a name the service would refuse (it matches a client
   already seeded) is drawn again.
3. Times 500 ``check`` calls (half hits, half misses, shuffled) and 500 ``register`` calls of new names,
   each through ``Service.execute`` exactly as a chat handler calls it, and prints median and p99.
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.commands import Check, Register  # noqa: E402
from bot.near_misses import name_variants, remember_variants  # noqa: E402
from bot.policy import parse_policy  # noqa: E402
from bot.rules.fuzzy import CoreCandidate, possible_duplicates  # noqa: E402
from bot.rules.identity import Identity, IdentityKey, IdentityProblem, build_identity  # noqa: E402
from bot.rules.name_types import NormalizedName  # noqa: E402
from bot.rules.registration import KeyHit, match_clients  # noqa: E402
from bot.service import FIRST_STAGE, Actor, Service  # noqa: E402
from store.db import create_database, normalize_url  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import Activity, Client, Lead  # noqa: E402
from store.uow import UnitOfWork  # noqa: E402

TENANT = "bench"
PLATFORM = "console"
REPS = [f"B{i}" for i in range(1, 11)]
POLICY = {
    "default_team": "bench",
    "teams": [{"id": "bench", "name": "Bench team", "timezone": "Asia/Shanghai", "locale": "zh-CN",
               "sync_channel": "CBENCH",
               "members": [{"user": "BMGR", "name": "经理", "role": "manager"},
                           *({"user": u, "name": f"销售{u}", "role": "rep", "manager": "BMGR"} for u in REPS)]}],
}

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "重庆", "天津", "长沙",
          "郑州", "青岛", "厦门", "宁波", "合肥", "济南", "福州", "无锡", "佛山", "东莞", "昆明", "沈阳", "大连"]
CORE_CHARS = ("华创新达信恒瑞泰安康盛宏远博通联智云星辰鑫源润丰和嘉德美优捷腾飞凯力鼎峰锐航蓝天海山川明亮光"
              "启晨曦宇宙金银玉龙凤麒麟卓越顺祥吉利佳禾青松柏竹梅兰菊晶晟昊昕旭晖朗睿哲思维诺贝森林"
              "汇聚众合同心协力致远精诚立方圆点线面乐享悦途驰骋翔鹏鸿雁雀燕")
INDUSTRIES = ["科技", "网络科技", "信息技术", "软件", "电子", "贸易", "商贸", "实业", "机械", "新能源", "咨询",
              "企业管理", "文化传媒", "广告", "教育", "医药", "生物", "食品", "餐饮", "物流", "供应链", "建筑",
              "装饰", "置业", "汽车", "旅游", "服饰", "家居", "电器", "农业"]
LEGAL_FORMS = ["有限公司"] * 6 + ["股份有限公司"] * 2 + ["有限责任公司", "集团有限公司"]
SYLLABLES = ["ka", "lo", "vi", "ren", "tor", "mi", "sa", "no", "bel", "dra", "quin", "zen", "tal", "mar", "cor",
             "vex", "lu", "ra", "sol", "ni", "ver", "den", "ox", "al", "tri", "um", "pen", "gar", "is", "fen",
             "cas", "mo", "rel", "ta", "bri", "kon", "ly", "sen", "dor", "ai"]
LATIN_INDUSTRIES = ["Technologies", "Software", "Systems", "Digital", "Logistics", "Trading", "Consulting",
                    "Media", "Foods", "Pharma", "Capital", "Electronics", "Solutions", "Industries"]
LATIN_FORMS = ["Co., Ltd.", "Ltd.", "Inc.", "GmbH", "LLC", "Limited", "Corp."]
ROMAN_CITIES = ["Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Suzhou", "Guangzhou"]
MOBILE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "176", "180",
                   "181", "186", "187", "188", "189"]

WARMUP = 20
CALLS = 500


class Names:
    """Synthetic company names with the identity keys registration would store for them."""

    def __init__(self, rng: random.Random, policy) -> None:
        self.rng = rng
        self.policy = policy
        self.index: dict[tuple[str, str], list[KeyHit]] = {}
        self.near: dict[str, list[CoreCandidate]] = {}  # deletion variant or sound key → cores stored under it
        self.phones: set[str] = set()
        self._next_id = 1

    def _core(self) -> str:
        n = self.rng.choices([2, 3, 4], weights=[50, 35, 15])[0]
        return "".join(self.rng.choice(CORE_CHARS) for _ in range(n))

    def _english(self) -> str:
        r = self.rng
        core = "".join(r.choice(SYLLABLES) for _ in range(r.choice([2, 3]))).capitalize()
        city = f" ({r.choice(ROMAN_CITIES)})" if r.random() < 0.2 else ""
        return f"{core} {r.choice(LATIN_INDUSTRIES)}{city} {r.choice(LATIN_FORMS)}"

    def name(self) -> str:
        """One name in five is English; the rest city + 字号 + industry + legal form in the usual orders."""
        r = self.rng
        if r.random() < 0.2:
            return self._english()
        city, core, industry, form = r.choice(CITIES), self._core(), r.choice(INDUSTRIES), r.choice(LEGAL_FORMS)
        style = r.random()
        if style < 0.65:
            return f"{city}{core}{industry}{form}"
        if style < 0.75:
            return f"{city}市{core}{industry}{form}"
        if style < 0.85:
            return f"{core}（{city}）{industry}{form}"
        return f"{core}{industry}{form}"

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + "".join(self.rng.choice("0123456789") for _ in range(8))
            if number not in self.phones:
                return number

    def matches(self, keys: tuple[IdentityKey, ...], name: NormalizedName | None = None) -> bool:
        """Would the service match a stored client: by an exact key, or as a possible duplicate (typo rule)?"""
        hits = [hit for key in keys for hit in self.index.get((key.kind.value, key.value), ())]
        if match_clients(keys, hits):
            return True
        if name is None:
            return False
        candidates = [c for v in name_variants((name,)) for c in self.near.get(v, ())]
        return bool(possible_duplicates(name.core, name.region, name.sectors, candidates))

    def fresh(self, with_phone: float) -> tuple[str, str | None, Identity]:
        """A name (and maybe a phone) that the service would register as new; remembered from now on."""
        while True:
            name = self.name()
            phone = self.phone() if self.rng.random() < with_phone else None
            try:
                identity = build_identity(name, self.policy.identity, phone=phone)
            except IdentityProblem:
                continue
            if self.matches(identity.keys, identity.name):
                continue
            self.remember(identity, phone)
            return name, phone, identity

    def remember(self, identity: Identity, phone: str | None) -> None:
        cid, self._next_id = self._next_id, self._next_id + 1
        for key in identity.keys:
            self.index.setdefault((key.kind.value, key.value), []).append(
                KeyHit(cid, key.kind, key.value, key.qualifier))
        name = identity.name
        for v in name_variants((name,)):
            self.near.setdefault(v, []).append(CoreCandidate(cid, name.core, name.region or "", name.sectors))
        if phone:
            self.phones.add(phone)


@dataclass
class Seeded:
    name: str
    phone: str | None
    core: str


def fresh_database(url: str) -> None:
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise SystemExit("bench needs a SQLite file (sqlite:///var/bench.db), not an in-memory database")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
    upgrade(url)
    db = create_database(url)
    try:
        with UnitOfWork(db) as uow:
            if uow.repos.clients.count(TENANT):
                raise SystemExit(f"{url} already holds {TENANT!r} clients: give the bench an empty database")
    finally:
        db.dispose()


def seed(service: Service, names: Names, n: int, batch: int, rng: random.Random) -> list[Seeded]:
    members = [service.member(Actor(TENANT, PLATFORM, u)) for u in REPS]
    now = service.clock.now()
    seeded: list[Seeded] = []
    while len(seeded) < n:
        with UnitOfWork(service.db, write=True) as uow:
            repos = uow.repos
            for _ in range(min(batch, n - len(seeded))):
                name, phone, identity = names.fresh(with_phone=0.3)
                me = rng.choice(members)
                registered = now - timedelta(days=rng.uniform(0, 90), seconds=rng.uniform(0, 86400))
                client = repos.clients.add(Client(
                    tenant=TENANT, name=identity.display_name, name_body=identity.name.body,
                    core=identity.name.core, region=identity.name.region, aliases=[],
                    credit_code=identity.credit_code, phone=identity.phone, domain=identity.domain,
                    industry=None, contact=None, created_by=me.id, created_at=registered), identity.keys)
                remember_variants(repos, TENANT, client.id, identity)  # as Service.register
                lead = repos.leads.add(Lead(
                    tenant=TENANT, client_id=client.id, team_id=me.team_id, owner_id=me.id, stage=FIRST_STAGE,
                    source="self", registered_at=registered, last_activity_at=registered,
                    protected_until=registered + timedelta(days=service.policy.protection.days),
                    locked=False, version=1, grade_reasons=[]))
                repos.leads.add_activity(Activity(tenant=TENANT, lead_id=lead.id, actor_id=me.id, kind="register",
                                                  payload={"rule": "bench.seed"}, at=registered))
                seeded.append(Seeded(name, phone, identity.name.core))
            uow.commit()
    return seeded


def timed(calls: list[Callable[[], object]]) -> tuple[list[float], list[object]]:
    times, results = [], []
    for call in calls:
        start = time.perf_counter()
        results.append(call())
        times.append((time.perf_counter() - start) * 1000)
    return times, results


def p99(values: list[float]) -> float:
    """Nearest-rank 99th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 99 // 100) - 1)]


def row(label: str, times: list[float], kinds: Counter) -> str:
    outcome = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    return (f"| {label} | {len(times)} | {statistics.median(times):.2f} | {p99(times):.2f} | {max(times):.2f} "
            f"| {outcome} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000, help="synthetic clients to seed (default 10000)")
    parser.add_argument("--url", default="sqlite:///var/bench.db", help="database URL (default sqlite:///var/bench.db)")
    parser.add_argument("--batch", type=int, default=1_000, help="clients per seeding transaction (default 1000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    fresh_database(args.url)
    db = create_database(args.url)
    policy = parse_policy(POLICY, "bench policy")
    service = Service(db, policy, SystemClock())
    names = Names(rng, policy)

    start = time.perf_counter()
    seeded = seed(service, names, args.clients, args.batch, rng)
    seeding = time.perf_counter() - start

    # Checks: half hits (the full name, a short name, or the phone of a seeded client), half misses.
    hits: list[str] = []
    for client in rng.sample(seeded, CALLS // 2):
        way = rng.random()
        if client.phone and way < 0.2:
            hits.append(client.phone)
        elif client.core and way < 0.45:
            hits.append(client.core)
        else:
            hits.append(client.name)
    actors = [Actor(TENANT, PLATFORM, u) for u in REPS]

    def unknown(with_phone: float) -> tuple[str, str | None, Identity]:
        """A fresh name that the service's own check does not find (not even as a possible typo)."""
        while True:
            drawn = names.fresh(with_phone)
            if service.execute(actors[0], Check(drawn[0])).kind == "not_found":
                return drawn

    # Misses stay remembered, so the names registered below differ from them and from every client.
    misses = [unknown(with_phone=0)[0] for _ in range(CALLS - CALLS // 2)]
    queries = [(q, True) for q in hits] + [(q, False) for q in misses]
    rng.shuffle(queries)
    new = [unknown(with_phone=0.3) for _ in range(CALLS)]

    for i in range(WARMUP):  # first-call costs (OpenCC dictionaries, statement caches) are not measured
        service.execute(actors[i % len(actors)], Check(rng.choice(seeded).name))

    check_times, check_results = timed([lambda q=q, i=i: service.execute(actors[i % len(actors)], Check(q))
                                        for i, (q, _) in enumerate(queries)])
    register_times, register_results = timed([
        lambda name=name, phone=phone, i=i: service.execute(actors[i % len(actors)], Register(name, phone=phone))
        for i, (name, phone, _) in enumerate(new)])

    hit_times = [t for t, (_, hit) in zip(check_times, queries, strict=True) if hit]
    miss_times = [t for t, (_, hit) in zip(check_times, queries, strict=True) if not hit]
    hit_kinds = Counter(r.kind for r, (_, hit) in zip(check_results, queries, strict=True) if hit)
    miss_kinds = Counter(r.kind for r, (_, hit) in zip(check_results, queries, strict=True) if not hit)

    parsed = make_url(normalize_url(args.url))
    backend = f"SQLite {sqlite3.sqlite_version}" if parsed.get_backend_name() == "sqlite" else parsed.get_backend_name()
    size = ""
    if parsed.get_backend_name() == "sqlite":
        size = f", file {Path(parsed.database).stat().st_size / 1e6:.1f} MB"
    print(f"# Registration benchmark ({args.clients:,} clients, {backend}{size})")
    print(f"Python {platform.python_version()} on {platform.platform()}, {service.db.engine.url.render_as_string()}")
    print(f"Seeded {len(seeded):,} clients in {seeding:.2f} s ({len(seeded) / seeding:,.0f} clients/s, "
          f"batches of {args.batch:,} per transaction, through the service's repositories).")
    print()
    print("| operation (Service.execute) | calls | median ms | p99 ms | max ms | results |")
    print("|---|---|---|---|---|---|")
    print(row("check, hits", hit_times, hit_kinds))
    print(row("check, misses", miss_times, miss_kinds))
    print(row("check, all", check_times, hit_kinds + miss_kinds))
    print(row("register, new names", register_times, Counter(r.kind for r in register_results)))
    wrong = hit_kinds.get("not_found", 0) + miss_kinds.get("found", 0) + sum(
        1 for r in register_results if r.kind != "registered")
    db.dispose()
    if wrong:
        print(f"\nWARNING: {wrong} calls did not give the expected result (see the results column).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

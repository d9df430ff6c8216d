"""Check-then-register under real concurrency: 20 reps register one company at the same instant.

Every thread shares the container's service (each call opens its own unit of work), a barrier releases
them together, and the database must end up with exactly one client, one lead and one owner. Runs on the
fixture's backend: a SQLite file (BEGIN IMMEDIATE) or PostgreSQL (the advisory registration lock).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, select

from bot.commands import Register
from bot.messages import Result
from store.models import Client, ClientKey, Lead, Member, Outbox, Team
from tests.conftest import actor

THREADS = 20
USERS = ["U1", "U2", *(f"R{i}" for i in range(3, THREADS + 1))]  # R3..R20 are unknown: reps of the default team
COMPANY = "北京字节跳动科技有限公司"
SPELLINGS = ["北京字节跳动科技有限公司", "字节跳动科技有限公司", "字节跳动（北京）科技有限公司", "字节跳动",
             "北京市字节跳动科技有限公司"]
WAIT = 60  # seconds; generous for slow CI, never reached when things work


def run_together(calls: list[Callable[[], Result]]) -> tuple[list[Result | None], list[BaseException]]:
    """Start one thread per call, release them at once, and collect results and exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Result | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def work(i: int, call: Callable[[], Result]) -> None:
        try:
            barrier.wait(timeout=WAIT)
            results[i] = call()
        except BaseException as exc:  # every failure is reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, call), name=f"rep-{i}") for i, call in enumerate(calls)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(WAIT)
    assert not any(th.is_alive() for th in threads), "a registration thread hung"
    return results, errors


def count(db, model) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def owners(db) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(Member.user_id).join(Lead, Lead.owner_id == Member.id)).scalars())


def register_calls(container, names: list[str]) -> list[Callable[[], Result]]:
    service = container.service
    return [lambda uid=uid, name=name: service.execute(actor(uid), Register(name))
            for uid, name in zip(USERS, names, strict=True)]


def assert_one_owner(db, results: list[Result | None], errors: list[BaseException]) -> str:
    assert errors == [], errors
    assert all(r is not None for r in results)
    kinds = Counter(r.kind for r in results if r is not None)
    assert kinds == {"registered": 1, "conflict": THREADS - 1}, kinds
    winner = next(i for i, r in enumerate(results) if r is not None and r.kind == "registered")
    assert count(db, Client) == 1 and count(db, Lead) == 1 and count(db, Outbox) == 1
    assert owners(db) == [USERS[winner]]
    # Every refusal names the winner and the one stored client.
    client_id = results[winner].matches[0].client_id
    for r in results:
        if r is not None and r.kind == "conflict":
            assert (r.matches[0].client_id, r.matches[0].owner_user_id) == (client_id, USERS[winner])
    return USERS[winner]


class TestConcurrentRegistration:
    def _members_first(self, container) -> None:
        for uid in USERS:
            container.service.member(actor(uid))

    def test_twenty_reps_registering_one_company_at_once_get_one_owner(self, container, db):
        self._members_first(container)
        results, errors = run_together(register_calls(container, [COMPANY] * THREADS))
        assert_one_owner(db, results, errors)
        assert count(db, ClientKey) == 2  # name + core

    def test_different_spellings_of_one_company_at_once_get_one_owner(self, container, db):
        # The spellings share no unique key (name 字节跳动科技|北京 vs 字节跳动|"" …): only the registration
        # lock keeps two of them from both being "new".
        self._members_first(container)
        names = [SPELLINGS[i % len(SPELLINGS)] for i in range(THREADS)]
        results, errors = run_together(register_calls(container, names))
        assert_one_owner(db, results, errors)

    def test_first_use_creates_members_concurrently_without_duplicates(self, container, db):
        # Nobody exists yet: each thread's first call also syncs the teams and creates its member.
        results, errors = run_together(register_calls(container, [COMPANY] * THREADS))
        assert_one_owner(db, results, errors)
        assert count(db, Team) == 2
        configured = {"UMGR", "U1", "U2", "UEN"}
        with db.engine.connect() as conn:
            users = list(conn.execute(select(Member.user_id)).scalars())
        assert len(users) == len(set(users)) == len(configured | set(USERS))
        assert set(users) == configured | set(USERS)
        for uid in USERS[2:]:
            assert container.service.member(actor(uid)).team_key == "east"

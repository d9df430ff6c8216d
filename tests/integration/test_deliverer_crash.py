"""The outbox deliverer killed at the worst moments, in real processes (RELIABILITY.md §8 T5, T7, T8).

Each deliverer is ``python -m tests.integration.deliverer_proc``: a Container built from environment
variables (the test's database, the fake Slack API started here), a short lease, delivery passes until
nothing is pending. Processes are killed with SIGKILL: no cleanup, no finally blocks, no atexit.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.messages import Reply
from store.db import Database
from store.models import Outbox
from store.uow import UnitOfWork
from tests.fakes.slack_api import FakeSlackAPI

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2.0  # seconds, so that lease expiry takes seconds, not a minute


class Child:
    """One deliverer process; its stdout JSON events are read on a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.integration.deliverer_proc"], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.stderr = ""
        threading.Thread(target=self._read, daemon=True).start()
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._err.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.events.put(json.loads(line))

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def wait_event(self, name: str, timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no {name!r} from pid {self.proc.pid} in {timeout}s; "
                                     f"exit {self.proc.poll()}; stderr: {self.stderr[-2000:]}") from None
            if event["event"] == name:
                return event
            if event["event"] == "timeout":
                raise AssertionError(f"pid {self.proc.pid} gave up: {event}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=5)

    def finish(self, timeout: float = 15) -> int:
        code = self.proc.wait(timeout=timeout)
        self._err.join(timeout=5)
        return code


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    api = FakeSlackAPI().start()
    api.use_clock(time.time)  # real ts values: the deliverers run on the system clock
    yield api
    api.stop()


@pytest.fixture
def spawn(database_url: str, fake: FakeSlackAPI) -> Iterator[Any]:
    children: list[Child] = []

    def start(**extra: str) -> Child:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CRM_TEST_"))}
        env.update({"DATABASE_URL": database_url, "CRM_CONFIG": "app.yaml", "SLACK_BOT_TOKEN": "xoxb-test",
                    "SLACK_API_URL": fake.base_url, "CRM_TEST_LEASE": str(LEASE), "NO_PROXY": "127.0.0.1,localhost",
                    "PYTHONPATH": str(ROOT)})
        env.update(extra)
        child = Child(env)
        children.append(child)
        return child

    yield start
    for child in children:
        if child.proc.poll() is None:
            child.proc.kill()
            child.proc.wait(timeout=5)


def enqueue(db: Database, items: list[tuple[str, str]]) -> None:
    """(dedupe key, channel) rows for Slack, due now on the system clock."""
    now = SystemClock().now()
    with UnitOfWork(db, write=True) as uow:
        for key, channel in items:
            uow.repos.outbox.enqueue(tenant="slack:T1", dedupe_key=key, platform="slack", target=channel,
                                     payload=Reply(f"alert {key}").to_dict(), now=now)
        uow.commit()


def outbox(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(Outbox).order_by(Outbox.id)))


class TestKilledDeliverers:
    def test_t7_killed_after_the_claim_commit_before_the_api_call_is_sent_once_after_the_lease(
            self, db: Database, fake: FakeSlackAPI, spawn):
        enqueue(db, [("t7:1", "CALERT")])
        lease = 8.0  # long enough for the standby (a new process loading the list of known names) to start
        first = spawn(CRM_TEST_FREEZE_BEFORE_SEND="1", CRM_TEST_LEASE=str(lease))
        assert first.wait_event("frozen")["dedupe_key"] == "t7:1"
        claimed = time.monotonic()  # the claim was committed just before
        [row] = outbox(db)  # leased, in doubt, one attempt
        assert (row.status, row.attempts, row.in_doubt, row.claimed_by is not None) == ("pending", 1, True, True)
        standby = spawn()  # another deliverer, polling: it must leave the leased row alone
        standby.wait_event("ready")
        first.kill()
        assert time.monotonic() - claimed < lease, "the machine is too slow for this lease"
        assert fake.calls_to("chat.postMessage") == []

        assert standby.wait_event("done")["sent"] == 1 and standby.finish() == 0
        [post] = fake.calls_to("chat.postMessage")
        assert post.ok and fake.posts_per_dedupe_key() == {"t7:1": 1}
        # The claim marked it in doubt, so the standby looked in the history first (nothing there).
        [history] = fake.calls_to("conversations.history")
        assert history.at < post.at and history.body["channel"] == "CALERT"
        assert lease - 0.1 <= post.at - claimed <= lease + 1.5  # after the lease, within a poll (and a look)
        [row] = outbox(db)
        assert (row.status, row.attempts, row.in_doubt, row.platform_msg_id) == ("sent", 2, False, post.response["ts"])

    def test_t5_killed_mid_batch_after_slack_accepted_a_post_it_is_reconciled_and_nothing_is_posted_twice(
            self, db: Database, fake: FakeSlackAPI, spawn):
        keys = [(f"t5:{i}", f"C{i}") for i in range(1, 6)]  # one batch, five channels
        enqueue(db, keys)
        fake.delay_next("chat.postMessage", 0, times=2)  # the first two posts are answered
        fake.hold_next("chat.postMessage", 30)            # the third is posted, but the answer never arrives
        first = spawn()
        posts = fake.wait_for("chat.postMessage", 3, timeout=15)
        first.kill()
        rows = outbox(db)
        assert [(r.status, r.in_doubt) for r in rows] == [("sent", False)] * 2 + [("pending", True)] * 3
        assert rows[2].platform_msg_id is None  # accepted by Slack, but the outcome never got committed

        second = spawn()
        assert second.wait_event("done")["sent"] == 3 and second.finish() == 0
        assert len(fake.calls_to("chat.postMessage")) == 5
        assert fake.posts_per_dedupe_key() == {key: 1 for key, _ in keys}
        # The three rows the dead deliverer had claimed were looked up first; only t5:3 was found.
        looked = fake.calls_to("conversations.history")
        assert sorted(h.body["channel"] for h in looked) == ["C3", "C4", "C5"]
        assert all(h.body["include_all_metadata"] in ("1", "true") for h in looked)
        rows = outbox(db)
        assert all(r.status == "sent" and not r.in_doubt and r.last_error is None for r in rows)
        assert rows[2].platform_msg_id == posts[2].response["ts"]
        assert [r.attempts for r in rows] == [1, 1, 2, 2, 2]
        assert "Traceback" not in second.stderr

    def test_t8_two_deliverer_processes_send_200_rows_each_exactly_once(
            self, db: Database, fake: FakeSlackAPI, spawn):
        keys = [(f"t8:{i:03d}", f"C{i % 40:03d}") for i in range(200)]  # 40 channels, 5 rows each
        enqueue(db, keys)
        started = time.monotonic()
        children = [spawn(CRM_TEST_LEASE="30", CRM_TEST_DEADLINE="25") for _ in range(2)]
        done = [child.wait_event("done", timeout=30) for child in children]
        assert [child.finish() for child in children] == [0, 0]
        elapsed = time.monotonic() - started

        counts = fake.posts_per_dedupe_key()
        assert len(counts) == 200 and set(counts.values()) == {1}, [k for k, n in counts.items() if n != 1]
        assert sum(d["sent"] for d in done) == 200
        rows = outbox(db)
        assert Counter(r.status for r in rows) == {"sent": 200}
        ts_of = {c.body["metadata"]["event_payload"]["dedupe_key"]: c.response["ts"]
                 for c in fake.calls_to("chat.postMessage") if c.ok}
        assert all(r.platform_msg_id == ts_of[r.dedupe_key] and r.attempts == 1 for r in rows)
        for child in children:
            assert "database is locked" not in child.stderr and "Traceback" not in child.stderr, child.stderr
        print(f"T8: 200 rows, 2 processes, {elapsed:.1f}s ({200 / elapsed:.0f} rows/s); "
              f"per process {[d['sent'] for d in done]} sent in {[d['seconds'] for d in done]}s")

"""The outbox deliverer: claims due rows with a lease, commits the claim, sends, records the result.

Senders are per platform (Slack in ``bot.handlers.slack``, the console here). The outbox owns
retries: a sender classifies each attempt as sent, retry (with an optional wait) or dead.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, TextIO

from bot.clock import Clock
from bot.i18n import t
from bot.messages import Reply
from store.db import Database
from store.uow import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True)
class SendOutcome:
    status: str                      # sent | retry | dead
    message_id: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, from the platform (429 Retry-After)


class Sender(Protocol):
    platform: str

    def send(self, target: str, reply: Reply, dedupe_key: str) -> SendOutcome: ...


class ConsoleSender:
    """Prints channel notices in the console (local mode)."""

    platform = "console"

    def __init__(self, stream: TextIO, locale: str = "zh-CN", as_json: bool = False) -> None:
        self.stream = stream
        self.locale = locale
        self.as_json = as_json
        self._n = 0

    def send(self, target: str, reply: Reply, dedupe_key: str) -> SendOutcome:
        import json

        self._n += 1
        if self.as_json:
            print(json.dumps({"ok": True, "kind": "notice", "channel": target, "message": reply.plain()},
                             ensure_ascii=False), file=self.stream, flush=True)
        else:
            print(t(self.locale, "console.notice", channel=target, text=reply.plain()), file=self.stream,
                  flush=True)
        return SendOutcome("sent", message_id=f"console-{self._n}")


def backoff(attempts: int) -> timedelta:
    """Full jitter over min(2^attempts · 10 s, 1 h)."""
    ceiling = min(timedelta(seconds=10 * 2 ** attempts), BACKOFF_CAP)
    return timedelta(seconds=random.uniform(0, ceiling.total_seconds()))


class Deliverer:
    def __init__(self, db: Database, clock: Clock, senders: dict[str, Sender], *, batch: int = 20) -> None:
        self.db = db
        self.clock = clock
        self.senders = senders
        self.batch = batch
        self.me = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = threading.Event()

    def run_once(self) -> int:
        """Deliver what is due now; returns how many rows were sent."""
        if not self.senders:
            return 0
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            rows = uow.repos.outbox.claim(me=self.me, now=now, lease=LEASE, limit=self.batch,
                                          platforms=sorted(self.senders))
            claimed = [(r.id, r.platform, r.target, r.payload, r.dedupe_key, r.attempts) for r in rows]
            uow.commit()  # the claim is durable before any network call
        sent = 0
        for row_id, platform, target, payload, dedupe_key, attempts in claimed:
            try:
                outcome = self.senders[platform].send(target, Reply.from_dict(payload), dedupe_key)
            except Exception as exc:  # an unknown failure: the post may or may not have happened
                log.exception("outbox %s: send raised", row_id)
                outcome = SendOutcome("retry", error=f"{type(exc).__name__}: {exc}")
            self._record(row_id, attempts, outcome)
            sent += outcome.status == "sent"
        return sent

    def _record(self, row_id: int, attempts: int, outcome: SendOutcome) -> None:
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            row = uow.repos.outbox.get(row_id)
            assert row is not None
            row.lease_until = None
            row.claimed_by = None
            if outcome.status == "sent":
                row.status, row.sent_at, row.platform_msg_id, row.in_doubt = "sent", now, outcome.message_id, False
                row.last_error = None
            elif outcome.status == "dead" or (outcome.retry_after is None and attempts >= MAX_ATTEMPTS):
                row.status, row.in_doubt, row.last_error = "dead", False, outcome.error
            elif outcome.retry_after is not None:
                # Rate limited: wait as told; this attempt does not count against the budget.
                row.attempts = max(attempts - 1, 0)
                row.in_doubt = False
                row.next_attempt_at = now + timedelta(seconds=outcome.retry_after + random.uniform(0, 1))
                row.last_error = outcome.error
            else:
                row.next_attempt_at = now + backoff(attempts)
                row.last_error = outcome.error
            uow.commit()

    def list_rows(self, status: str | None = None, limit: int = 200) -> list[dict]:
        with UnitOfWork(self.db) as uow:
            rows = uow.repos.outbox.listing(status, limit)
            return [{"id": r.id, "status": r.status, "platform": r.platform, "target": r.target,
                     "attempts": r.attempts, "in_doubt": r.in_doubt, "next_attempt_at": r.next_attempt_at,
                     "platform_msg_id": r.platform_msg_id, "last_error": r.last_error, "dedupe_key": r.dedupe_key,
                     "created_at": r.created_at, "sent_at": r.sent_at} for r in rows]

    def requeue(self, row_id: int) -> bool:
        """A parked row goes back to pending with a fresh attempt budget (sent rows stay sent)."""
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            row = uow.repos.outbox.get(row_id)
            if row is None:
                return False
            if row.status != "sent":
                row.status, row.attempts, row.next_attempt_at, row.lease_until = "pending", 0, now, None
            uow.commit()
        self.kick()
        return True

    def kick(self) -> None:
        self._wake.set()

    def start_background(self) -> threading.Event:
        """Run the delivery loop on a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        threading.Thread(target=self.run_forever, args=(stop,), name="outbox-deliverer", daemon=True).start()
        return stop

    def run_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                while self.run_once():
                    pass
            except Exception:
                log.exception("deliverer pass failed; retrying")
            self._wake.wait(interval)
            self._wake.clear()

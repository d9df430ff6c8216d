"""The outbox deliverer: claims due rows with a lease, commits the claim, sends, records the result.

Senders are per platform (Slack in ``bot.handlers.slack_sender``, the console here). The outbox owns
retries: a sender classifies each attempt as sent, retry (with an optional wait) or dead.

One pass (``run_once``), after RELIABILITY.md §7.4:

1. Claim up to ``batch`` due rows in id order with a lease, mark them in doubt, commit, then talk to
   the network. A crash from here on leaves the row leased; after the lease another deliverer takes it.
2. A row that was *already* in doubt (an earlier attempt died or timed out) is reconciled first: the
   sender looks for the message by its dedupe key (Slack: channel history) and, if found, the row is
   marked sent with that message id and nothing is posted again.
3. Posts are spaced per (platform, target) by the sender's ``min_interval`` (Slack: 1 s per channel;
   in this process — across processes, rows of a channel still go in id order). Rows are taken
   round-robin over their channels, in id order within a channel, so a busy or failing channel never
   holds up the others. A pass sleeps at most ``max_wait`` in all for channels' turns (none at all on a
   request thread while the background loop runs), and starts no attempt after half the lease; rows
   left over are released unspent and still due, for the next pass. After a 429 the channel's other
   rows are held until its ``Retry-After``.
4. The outcome is committed in a new transaction: sent; dead (permanent error, or the attempt budget
   spent); retry after ``Retry-After`` (429: the attempt is not counted); or retry with exponential
   backoff and full jitter (transient). ``in_doubt`` stays set while a post may have happened.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TextIO

from bot.clock import Clock
from bot.i18n import t
from bot.messages import Reply
from store.db import Database
from store.uow import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BACKOFF_CAP = timedelta(hours=1)
RECONCILE_MARGIN = timedelta(seconds=5)  # look this much before the doubtful attempt began (clock skew)
MAX_WAIT = 5.0                           # seconds one pass may sleep for channels' turns


@dataclass(frozen=True)
class SendOutcome:
    status: str                      # sent | retry | dead
    message_id: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, from the platform (429 Retry-After)
    in_doubt: bool | None = None      # may this attempt have posted? None: only a plain retry may have

    @property
    def maybe_posted(self) -> bool:
        if self.in_doubt is not None:
            return self.in_doubt
        return self.status == "retry" and self.retry_after is None


class RateLimited(Exception):
    """A sender's lookup (not a post) was refused with a 429; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"ratelimited, retry after {retry_after:g}s")
        self.retry_after = retry_after


class Sender(Protocol):
    platform: str
    min_interval: float  # seconds between two posts to one target (0: no spacing)

    def send(self, target: str, reply: Reply, dedupe_key: str) -> SendOutcome: ...

    def reconcile(self, target: str, dedupe_key: str, since: datetime) -> str | None:
        """The platform id of a message already posted to ``target`` at or after ``since`` with
        ``dedupe_key``, or None when there is none (or the platform cannot tell). Raises when it cannot
        look now (RateLimited for a 429); the row then stays in doubt and is not posted."""
        ...


class ConsoleSender:
    """Prints channel notices in the console (local mode)."""

    platform = "console"
    min_interval = 0.0

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

    def reconcile(self, target: str, dedupe_key: str, since: datetime) -> str | None:
        return None  # a printed line leaves nothing to look up


def backoff(attempts: int) -> timedelta:
    """Full jitter over min(2^attempts · 10 s, 1 h)."""
    ceiling = min(timedelta(seconds=10 * 2 ** attempts), BACKOFF_CAP)
    return timedelta(seconds=random.uniform(0, ceiling.total_seconds()))


@dataclass(frozen=True)
class _Work:
    id: int
    platform: str
    target: str
    payload: dict[str, Any]
    dedupe_key: str
    attempts: int
    in_doubt_since: datetime | None

    @property
    def channel(self) -> tuple[str, str]:
        return self.platform, self.target


class Deliverer:
    def __init__(self, db: Database, clock: Clock, senders: dict[str, Sender], *, batch: int = 20,
                 lease: timedelta = LEASE, max_wait: float = MAX_WAIT,
                 sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic
                 ) -> None:
        self.db = db
        self.clock = clock
        self.senders = senders
        self.batch = batch
        self.lease = lease
        self.max_wait = max_wait
        self.me = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = threading.Event()
        self._sleep = sleep
        self._monotonic = monotonic
        # Per (platform, target): when the next post may start (monotonic seconds), and until when the
        # platform asked us to hold off (clock time, from a 429's Retry-After). Shared by every thread
        # running passes in this process; across processes, rows of a channel go in id order.
        self._turn: dict[tuple[str, str], float] = {}
        self._hold: dict[tuple[str, str], datetime] = {}
        self._turn_lock = threading.Lock()
        self._loop: threading.Thread | None = None  # the background loop, once started

    # -- one pass ------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Deliver what is due now; returns how many rows were sent (reconciled ones included)."""
        if not self.senders:
            return 0
        with UnitOfWork(self.db, write=True) as uow:
            claims = uow.repos.outbox.claim(me=self.me, now=self.clock.now(), lease=self.lease, limit=self.batch,
                                            platforms=sorted(self.senders))
            work = [_Work(c.row.id, c.row.platform, c.row.target, c.row.payload, c.row.dedupe_key, c.row.attempts,
                          c.in_doubt_since) for c in claims]
            uow.commit()  # the claim is durable before any network call
        if not work:
            return 0
        started = self._monotonic()
        # No attempt starts after half the lease: a slow batch must not outlive its lease (another
        # deliverer would take the row and post it too).
        cutoff = started + self.lease.total_seconds() / 2
        queues: dict[tuple[str, str], deque[_Work]] = {}
        for item in work:
            queues.setdefault(item.channel, deque()).append(item)
        # Only the background loop sleeps for a channel's turn; a pass run on a request thread (after a
        # command) hands what must wait to that loop instead of holding the thread.
        loop = self._loop
        max_wait = self.max_wait if loop is None or not loop.is_alive() or loop is threading.current_thread() else 0.0
        sent, slept = 0, 0.0
        while queues and self._monotonic() < cutoff:
            soonest: float | None = None  # seconds until the first waiting channel's turn
            progressed = False
            for channel in list(queues):
                if self._monotonic() >= cutoff:
                    break
                if self._held(channel):
                    continue
                wait, turn = self._take_turn(channel)
                if wait > 0:
                    soonest = wait if soonest is None else min(soonest, wait)
                    continue
                item = queues[channel].popleft()
                if not queues[channel]:
                    del queues[channel]
                outcome, posted = self._attempt(item)
                self._after(channel, outcome, posted, turn)
                self._record(item, outcome)
                sent += outcome.status == "sent"
                progressed = True
            if progressed:
                continue
            if soonest is None:  # all that is left is held off by a Retry-After
                break
            if slept + soonest > max_wait or self._monotonic() + soonest >= cutoff:
                break
            self._sleep(soonest)
            slept += soonest
        if queues:
            self._release([item for q in queues.values() for item in q])
        return sent

    def _attempt(self, item: _Work) -> tuple[SendOutcome, bool]:
        """(outcome, whether a post was tried)."""
        sender = self.senders[item.platform]
        if item.in_doubt_since is not None:
            reconcile = getattr(sender, "reconcile", None)
            try:
                found = reconcile(item.target, item.dedupe_key, item.in_doubt_since - RECONCILE_MARGIN) \
                    if reconcile is not None else None
            except RateLimited as exc:
                return SendOutcome("retry", error="reconcile: ratelimited", retry_after=exc.retry_after,
                                   in_doubt=True), False
            except Exception as exc:  # cannot look now: stay in doubt, never post blind
                log.warning("outbox %s: reconcile failed (%s: %s); retrying later", item.id, type(exc).__name__, exc)
                return SendOutcome("retry", error=f"reconcile: {type(exc).__name__}: {exc}", in_doubt=True), False
            if found:
                log.info("outbox %s: already posted as %s; not sending again", item.id, found)
                return SendOutcome("sent", message_id=found), False
        try:
            return sender.send(item.target, Reply.from_dict(item.payload), item.dedupe_key), True
        except Exception as exc:  # an unknown failure: the post may or may not have happened
            log.exception("outbox %s: send raised", item.id)
            return SendOutcome("retry", error=f"{type(exc).__name__}: {exc}", in_doubt=True), True

    # -- per-channel turns ----------------------------------------------------------------------

    def _interval(self, channel: tuple[str, str]) -> float:
        return float(getattr(self.senders.get(channel[0]), "min_interval", 0.0) or 0.0)

    def _take_turn(self, channel: tuple[str, str]) -> tuple[float, tuple[float, float] | None]:
        """(0, the reservation) when the turn is ours (reserved against other threads), or (the seconds
        until it comes, None). A reservation is (the next turn we set, the one before it)."""
        interval = self._interval(channel)
        if interval <= 0:
            return 0.0, None
        with self._turn_lock:
            now = self._monotonic()
            turn = self._turn.get(channel, 0.0)
            if turn > now:
                return turn - now, None
            self._turn[channel] = now + interval
            return 0.0, (now + interval, turn)

    def _after(self, channel: tuple[str, str], outcome: SendOutcome, posted: bool,
               turn: tuple[float, float] | None) -> None:
        interval = self._interval(channel)
        if interval > 0:
            with self._turn_lock:
                if posted:  # space from the end of the call: the post landed at most then
                    self._turn[channel] = max(self._turn.get(channel, 0.0), self._monotonic() + interval)
                elif turn is not None and self._turn.get(channel) == turn[0]:
                    self._turn[channel] = turn[1]  # only a look (reconcile): the turn was not used
        if outcome.retry_after:
            with self._turn_lock:
                self._hold[channel] = self.clock.now() + timedelta(seconds=outcome.retry_after)

    def _held(self, channel: tuple[str, str]) -> bool:
        with self._turn_lock:
            until = self._hold.get(channel)
            if until is not None and until <= self.clock.now():
                del self._hold[channel]
                until = None
        return until is not None

    def _release(self, items: list[_Work]) -> None:
        """Give back rows whose channel's turn did not come in this pass; they cost no attempt and stay
        due (the next pass waits for the turn), unless the platform asked us to hold off the channel."""
        with UnitOfWork(self.db, write=True) as uow:
            for item in items:
                with self._turn_lock:
                    hold = self._hold.get(item.channel)
                uow.repos.outbox.release(item.id, me=self.me, was_in_doubt=item.in_doubt_since is not None,
                                         next_attempt_at=hold)
            uow.commit()

    # -- outcomes -------------------------------------------------------------------------------

    def _record(self, item: _Work, outcome: SendOutcome) -> None:
        now = self.clock.now()
        attempts = item.attempts
        with UnitOfWork(self.db, write=True) as uow:
            row = uow.repos.outbox.get(item.id)
            if row is None or row.status != "pending":
                return  # requeued, finished or removed meanwhile: nothing of ours to record
            if row.claimed_by != self.me:
                # Our lease ran out and another deliverer holds the row. It will reconcile (the row is
                # in doubt), so leave it alone; a confirmed post is still worth recording.
                log.warning("outbox %s: lease lost to %s during the attempt", item.id, row.claimed_by)
                if outcome.status != "sent":
                    return
            row.lease_until = None
            row.claimed_by = None
            if outcome.status == "sent":
                row.status, row.sent_at, row.platform_msg_id, row.in_doubt = "sent", now, outcome.message_id, False
                row.last_error = None
            elif outcome.status == "dead" or (outcome.retry_after is None and attempts >= MAX_ATTEMPTS):
                # A permanent error posted nothing; a spent budget may leave the last post in doubt
                # (kept, so a requeued row is reconciled before it is sent again).
                row.status, row.in_doubt, row.last_error = "dead", outcome.maybe_posted, outcome.error
            elif outcome.retry_after is not None:
                # Rate limited: wait as told; this attempt does not count against the budget.
                row.attempts = max(attempts - 1, 0)
                row.in_doubt = outcome.maybe_posted
                row.next_attempt_at = now + timedelta(seconds=outcome.retry_after + random.uniform(0, 1))
                row.last_error = outcome.error
            else:
                row.in_doubt = outcome.maybe_posted
                row.next_attempt_at = now + backoff(attempts)
                row.last_error = outcome.error
            uow.commit()

    # -- administration -------------------------------------------------------------------------

    def list_rows(self, status: str | None = None, limit: int = 200) -> list[dict]:
        with UnitOfWork(self.db) as uow:
            rows = uow.repos.outbox.listing(status, limit)
            return [{"id": r.id, "status": r.status, "platform": r.platform, "target": r.target,
                     "attempts": r.attempts, "in_doubt": r.in_doubt, "next_attempt_at": r.next_attempt_at,
                     "platform_msg_id": r.platform_msg_id, "last_error": r.last_error, "dedupe_key": r.dedupe_key,
                     "created_at": r.created_at, "sent_at": r.sent_at, "attempt_started_at": r.attempt_started_at,
                     "claimed_by": r.claimed_by, "lease_until": r.lease_until} for r in rows]

    def requeue(self, row_id: int) -> bool:
        """A parked row goes back to pending with a fresh attempt budget (sent rows stay sent). A row
        that died in doubt stays in doubt, so it is reconciled before anything is posted again."""
        with UnitOfWork(self.db, write=True) as uow:
            row = uow.repos.outbox.requeue(row_id, self.clock.now())
            if row is None:
                return False
            uow.commit()
        self.kick()
        return True

    def kick(self) -> None:
        self._wake.set()

    def start_background(self) -> threading.Event:
        """Run the delivery loop on a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        self._loop = threading.Thread(target=self.run_forever, args=(stop,), name="outbox-deliverer", daemon=True)
        self._loop.start()
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

"""The one scheduler process (``python -m bot scheduler``): it fires the jobs, never inside web workers.

Leadership: a PostgreSQL session advisory lock held on a dedicated connection, or an exclusive
``flock`` on a file beside the SQLite database; a second scheduler waits as a hot standby. Even
if two ran, each job run is claimed by its (job, team, period) row, so a period never runs twice.
"""

from __future__ import annotations

import fcntl
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.bootstrap import Container
from bot.jobs import SLA_SWEEP, Jobs

log = logging.getLogger(__name__)
LEADER_KEY = "crm-scheduler-leader"
STANDBY_RETRY_SECONDS = 15
_LOCK_BACKEND: dict[int, int] = {}  # container → the PostgreSQL backend pid that holds its leader lock


@contextmanager
def leadership(container: Container, *, wait: bool = True, retry: float = STANDBY_RETRY_SECONDS) -> Iterator[bool]:
    """Yields True while this process is the scheduler leader (False if ``wait`` is off and another leads)."""
    db = container.db
    if db.is_sqlite:
        database = make_url(str(db.engine.url)).database or "memory"
        path = Path(f"{database}.scheduler.lock")
        with path.open("a") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not wait:
                        yield False
                        return
                    time.sleep(retry)
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        key = text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))")
        while not conn.execute(key, {"k": LEADER_KEY}).scalar():
            if not wait:
                yield False
                return
            time.sleep(retry)
        _LOCK_BACKEND[id(container)] = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        try:
            yield True
        finally:
            _LOCK_BACKEND.pop(id(container), None)
            conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": LEADER_KEY})


def _still_leading(container: Container) -> bool:
    """On PostgreSQL the lock lives on the leader's connection: if the database dropped it, the
    advisory lock is gone and a standby may lead, so this process must stop firing jobs."""
    pid = _LOCK_BACKEND.get(id(container))
    if container.db.is_sqlite:
        return True
    if pid is None:
        return False
    try:
        with container.db.engine.connect() as conn:
            held = conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = :pid "
                "AND objid = (hashtextextended(:k, 0) & 4294967295)::oid "
                "AND classid = ((hashtextextended(:k, 0) >> 32) & 4294967295)::oid"), {"pid": pid, "k": LEADER_KEY})
            return bool(held.scalar())
    except Exception:  # the database is unreachable: we cannot know, so we stop leading
        log.exception("scheduler: cannot check the leader lock")
        return False


def run_scheduler(container: Container, jobs: Jobs, *, stop: threading.Event | None = None,
                  retry: float | None = None) -> None:
    """Wait to lead, catch up once, then fire the jobs until stopped (SIGTERM stops it cleanly)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    retry = retry if retry is not None else container.settings.scheduler_standby_retry
    with leadership(container, retry=retry):
        log.info("scheduler: leader; catching up")
        deliver_stop = container.deliverer.start_background()
        scheduler = BlockingScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1,
                                                                   "misfire_grace_time": 3600})
        # The first run fires at once: the sweep is level-triggered, so that one run heals any downtime.
        scheduler.add_job(lambda: jobs.run(SLA_SWEEP), IntervalTrigger(minutes=container.policy.sla.sweep_minutes),
                          id=SLA_SWEEP, next_run_time=container.clock.now())

        def check_leadership() -> None:
            if not _still_leading(container):
                log.error("scheduler: lost the leader lock; stopping")
                scheduler.shutdown(wait=False)

        scheduler.add_job(check_leadership, IntervalTrigger(seconds=max(retry, 5)), id="leader-check")
        if stop is not None:
            threading.Thread(target=lambda: (stop.wait(), scheduler.shutdown(wait=False)), daemon=True).start()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
        try:
            scheduler.start()
        finally:
            deliver_stop.set()

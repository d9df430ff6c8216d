"""The one scheduler process (``python -m bot scheduler``): it fires the jobs, never inside web workers.

Leadership: a PostgreSQL session advisory lock held on a dedicated connection, or an exclusive
``flock`` on a file beside the SQLite database; a second scheduler waits as a hot standby. Even
if two ran, each job run is claimed by its (job, team, period) row, so a period never runs twice.
"""

from __future__ import annotations

import fcntl
import logging
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
        try:
            yield True
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": LEADER_KEY})


def run_scheduler(container: Container, jobs: Jobs, *, stop: threading.Event | None = None) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    with leadership(container):
        log.info("scheduler: leader; catching up")
        jobs.run(SLA_SWEEP)  # level-triggered, so one sweep heals any downtime
        deliver_stop = container.deliverer.start_background()
        scheduler = BlockingScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1,
                                                                   "misfire_grace_time": 3600})
        scheduler.add_job(lambda: jobs.run(SLA_SWEEP), IntervalTrigger(minutes=container.policy.sla.sweep_minutes),
                          id=SLA_SWEEP, next_run_time=container.clock.now())
        if stop is not None:
            threading.Thread(target=lambda: (stop.wait(), scheduler.shutdown(wait=False)), daemon=True).start()
        try:
            scheduler.start()
        finally:
            deliver_stop.set()

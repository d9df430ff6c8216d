"""Real processes on one database: a period runs once however many processes fire it, one scheduler leads.

(a) Two ``python -m bot jobs run sla-sweep --at …`` processes released at the same instant: one job_run
    row per team for the period, one set of alerts and digests, both exit 0.
(b) ``leadership()`` in two processes: one leads, the other waits and takes over once the first is gone.
(c) Two ``python -m bot scheduler`` processes: one holds the leadership lock (a ``flock`` beside the SQLite
    file, a PostgreSQL advisory lock) and sweeps; the other waits without sweeping; SIGKILL the leader and
    the standby takes the lock and sweeps within its retry interval (CRM_SCHEDULER_STANDBY_RETRY, 1 s
    here); SIGTERM stops the new leader cleanly (exit 0) and the lock is free.

Runs on the fixture's backend (a SQLite file, or PostgreSQL with CRM_TEST_BACKEND=postgresql).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import delete, select, text
from sqlalchemy.engine import make_url

from bot.commands import parse_command
from bot.jobs import SLA_SWEEP, sweep_period
from bot.scheduler import LEADER_KEY
from store.db import normalize_url
from store.models import Alert, JobRun, Outbox, Team
from tests.conftest import TEST_POLICY, actor

ROOT = Path(__file__).resolve().parents[2]
STANDBY_RETRY_SECONDS = 1  # CRM_SCHEDULER_STANDBY_RETRY for the scheduler processes
SH = ZoneInfo("Asia/Shanghai")
STARTUP = 30  # seconds a process may take to import, connect and sweep on a slow, busy machine

# A process that imports the bot, says it is ready, waits for the go file, then runs ``python -m bot ARGS``:
# two of them start their commands within milliseconds of each other.
GATED = """
import os, runpy, sys, time
import bot.bootstrap, bot.cli, bot.jobs
ready, go, *args = sys.argv[1:]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
sys.argv = ["python -m bot", *args]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""

# leadership() in a process of its own: prints "leader" or "standby" and, as leader, holds the lock until killed.
LEADER = """
import sys, time
from bot.bootstrap import bootstrap
from bot.scheduler import leadership
wait = sys.argv[1] == "wait"
with leadership(bootstrap(), wait=wait, retry=0.1) as leading:
    print("leader" if leading else "standby", flush=True)
    while leading:
        time.sleep(1)
"""


def wait_for(what: str, check: Callable[[], object], timeout: float = STARTUP, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a bot process: this test's database and the test policy as its rules file."""
    config = tmp_path / "policy.yaml"
    config.write_text(yaml.safe_dump(TEST_POLICY, allow_unicode=True), encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PG"))}
    environment.update(DATABASE_URL=database_url, CRM_CONFIG=str(config), PYTHONPATH=str(ROOT),
                       PYTHONUNBUFFERED="1", CRM_SCHEDULER_STANDBY_RETRY=str(STANDBY_RETRY_SECONDS))
    return environment


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen]]:
    """Every process a test starts is killed and reaped at the end, whatever happened."""
    started: list[subprocess.Popen] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        p.communicate(timeout=STARTUP)


def spawn(processes: list[subprocess.Popen], env: dict[str, str], cwd: Path, *args: str,
          **extra_env: str) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, *args], env={**env, **extra_env}, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    processes.append(p)
    return p


def said(p: subprocess.Popen) -> str:
    """The next line a process prints; its stderr if it died instead."""
    line = p.stdout.readline().strip()
    if not line:
        p.wait(timeout=STARTUP)
        raise AssertionError(f"exit {p.returncode}: {p.stderr.read()}")
    return line


def job_runs(db) -> list[tuple[str, int, str]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(JobRun.tenant, JobRun.team_id, JobRun.period)
                                               .where(JobRun.job == SLA_SWEEP).order_by(JobRun.id))]


def team_ids(db) -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(Team.id).order_by(Team.id)).scalars())


# -- (a) two manual runs of one period ------------------------------------------------------------------


def test_two_jobs_run_processes_at_the_same_instant_run_the_period_once(container, db, env, processes, tmp_path):
    container.clock.set(datetime(2026, 11, 20, 18, 30, tzinfo=SH))   # Friday evening: two A leads
    for user, name in (("U1", "北京字节跳动科技有限公司"), ("U2", "上海甲乙科技有限公司")):
        result = container.service.execute(actor(user), parse_command(f"register {name} grade=A"))
        assert result.kind == "registered"
    at = "2026-11-30T14:05+08:00"   # 48 business hours overdue: owner, manager and team channel
    period = sweep_period(datetime.fromisoformat(at), container.policy.sla.sweep_minutes)

    go = tmp_path / "go"
    runs = [spawn(processes, env, tmp_path, "-c", GATED, str(tmp_path / f"ready{i}"), str(go),
                  "jobs", "run", "sla-sweep", "--at", at) for i in (1, 2)]
    wait_for("both processes to be ready", lambda: all((tmp_path / f"ready{i}").exists() for i in (1, 2))
             or any(p.poll() is not None for p in runs))
    go.touch()
    outputs = [p.communicate(timeout=STARTUP) for p in runs]
    for p, (out, err) in zip(runs, outputs, strict=True):
        assert p.returncode == 0, f"exit {p.returncode}\n{out}\n{err}"
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]

    teams = team_ids(db)
    assert len(teams) == 2                                               # east and intl
    assert sorted(r[1] for r in job_runs(db)) == teams                   # one row per team, this period only
    assert {r[2] for r in job_runs(db)} == {period}
    assert sum(r["teams_run"] for r in reports) == 2 and sum(r["teams_skipped"] for r in reports) == 2
    assert sum(r["alerts"] for r in reports) == 2 and sum(r["digests"] for r in reports) == 4
    with db.engine.connect() as conn:
        alerts = conn.execute(select(Alert.lead_id, Alert.level, Alert.period)).all()
        digests = conn.execute(select(Outbox.target, Outbox.dedupe_key).where(Outbox.dedupe_key.like("sla:%"))
                               .order_by(Outbox.id)).all()
    assert sorted((level, p) for _, level, p in alerts) == [(3, period), (3, period)]
    assert len({lead for lead, _, _ in alerts}) == 2
    assert sorted(target for target, _ in digests) == ["CSYNC", "U1", "U2", "UMGR"]
    assert all(f":{period}:" in key for _, key in digests)


# -- leadership -------------------------------------------------------------------------------------------


def lock_file(database_url: str) -> Path:
    return Path(f"{make_url(normalize_url(database_url)).database}.scheduler.lock")


def leader(db, database_url: str) -> str | None:
    """Who holds the scheduler's leadership lock: a pid (SQLite flock) or an application_name (PostgreSQL)."""
    if db.is_sqlite:
        path = lock_file(database_url)
        if not path.exists():
            return None
        inode = path.stat().st_ino
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            if fields[1:3] == ["FLOCK", "ADVISORY"] and int(fields[5].rsplit(":", 1)[1]) == inode:
                return fields[4]
        return None
    with db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(:k, 0)"), {"k": LEADER_KEY}
        ).scalar()


def waiting(p: subprocess.Popen, name: str, db, database_url: str) -> bool:
    """The process has reached leadership(): it has the lock file open, or its lock connection is up."""
    if db.is_sqlite:
        target = str(lock_file(database_url))
        try:
            return any(os.readlink(fd) == target for fd in Path(f"/proc/{p.pid}/fd").iterdir())
        except (FileNotFoundError, PermissionError):
            return False
    with db.engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                                 {"n": name}).scalar())


def holds(p: subprocess.Popen, name: str, db, database_url: str) -> bool:
    return leader(db, database_url) == (str(p.pid) if db.is_sqlite else name)


def start(processes, env, tmp_path, *args: str, name: str) -> subprocess.Popen:
    """A bot process; on PostgreSQL its connections carry ``name`` (libpq reads PGAPPNAME)."""
    return spawn(processes, env, tmp_path, *args, PGAPPNAME=name)


# -- (b) leadership() in two processes ------------------------------------------------------------------------


def test_leadership_is_held_by_one_process_and_passes_on_when_it_dies(db, env, processes, tmp_path, database_url):
    first = start(processes, env, tmp_path, "-c", LEADER, "wait", name="lead-1")
    assert said(first) == "leader"
    other = start(processes, env, tmp_path, "-c", LEADER, "nowait", name="lead-2")
    assert said(other) == "standby"                           # wait=False: another process leads
    assert other.wait(timeout=STARTUP) == 0
    second = start(processes, env, tmp_path, "-c", LEADER, "wait", name="lead-3")
    wait_for("the second process to wait for the lock", lambda: waiting(second, "lead-3", db, database_url))
    time.sleep(0.5)                                           # it retries every 0.1 s and must still wait
    assert second.poll() is None and holds(first, "lead-1", db, database_url)
    first.kill()
    first.communicate(timeout=STARTUP)
    assert said(second) == "leader"                           # the lock passed on once the leader was gone
    assert holds(second, "lead-3", db, database_url)


# -- (c) two scheduler processes ----------------------------------------------------------------------------


def test_two_schedulers_one_leads_and_the_standby_takes_over_when_it_is_killed(container, db, env, processes,
                                                                               tmp_path, database_url):
    container.service.member(actor("U1"))   # the teams exist: each sweep claims a (job, team, period) row
    teams = team_ids(db)

    a = start(processes, env, tmp_path, "-m", "bot", "scheduler", name="sched-a")
    wait_for("the first scheduler to lead and sweep",
             lambda: holds(a, "sched-a", db, database_url) and len(job_runs(db)) == len(teams))
    b = start(processes, env, tmp_path, "-m", "bot", "scheduler", name="sched-b")
    wait_for("the second scheduler to wait for the lock", lambda: waiting(b, "sched-b", db, database_url))

    # The standby sweeps nothing while the leader lives: clear the claims and watch them stay cleared
    # (the leader's next sweep is sweep_minutes away).
    with db.engine.begin() as conn:
        conn.execute(delete(JobRun))
    time.sleep(1.5)
    assert a.poll() is None and b.poll() is None, (a.poll(), b.poll())
    assert holds(a, "sched-a", db, database_url)
    assert job_runs(db) == []

    killed_at = time.monotonic()
    a.send_signal(signal.SIGKILL)
    a.communicate(timeout=STARTUP)
    wait_for("the standby to take the lock", lambda: holds(b, "sched-b", db, database_url),
             timeout=STANDBY_RETRY_SECONDS + 10, every=0.2)
    runs = wait_for("the new leader's catch-up sweep", lambda: (r := job_runs(db)) and len(r) >= len(teams) and r)
    took = time.monotonic() - killed_at
    assert took <= STANDBY_RETRY_SECONDS + 10, took
    assert sorted({team for _, team, _ in runs}) == teams

    b.send_signal(signal.SIGTERM)
    b.communicate(timeout=STARTUP)
    assert b.returncode == 0  # SIGTERM shuts the scheduler down cleanly
    wait_for("the lock to be free", lambda: leader(db, database_url) is None, timeout=5)

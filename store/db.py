"""Engines and connection settings for SQLite (the embedded default) and PostgreSQL (psycopg 3).

SQLite gets the transaction recipe from SQLAlchemy's pysqlite docs: the driver's own transaction
handling is switched off and we emit BEGIN ourselves, so that writing units of work can take the
database's write lock up front with ``BEGIN IMMEDIATE`` (no SQLITE_BUSY_SNAPSHOT, no lost race).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Each pooled connection keeps up to 64 MiB of pages it read (SQLite's default keeps 2 MiB): a check reads a few
# index pages of a large database, and a host that reclaims the page cache (a VM's balloon) would make every
# one of them a disk read again.
SQLITE_CACHE_KIB = 65_536
# A pooled connection idle this long is pinged before use; one back from work sooner is not
# (the ping was a round trip on every command; a server restart still fails only what was in flight).
IDLE_BEFORE_PING_S = 1.0
MIN_SQLITE = (3, 35, 0)  # RETURNING, ON CONFLICT DO NOTHING


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3; other URLs pass through."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Database:
    engine: Engine        # reading units of work
    write_engine: Engine  # writing units of work (BEGIN IMMEDIATE on SQLite)
    # Reading units on PostgreSQL run in autocommit: under READ COMMITTED every statement takes its own
    # snapshot anyway, and it saves the BEGIN and ROLLBACK round trips of each read-only command.
    read_engine: Engine | None = None
    # SQLite's busy handler lets newcomers overtake a waiting writer (one waited 5 s under 20 threads);
    # threads of one process queue here first, in order, then take the database lock.
    write_gate: threading.RLock = field(default_factory=threading.RLock, compare=False, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise RuntimeError(f"SQLite {sqlite3.sqlite_version} is too old; 3.35 or newer is needed")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping`` for connections that sat in the pool: a dead one is replaced before use."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)  # None: connected just now
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # pool_pre_ping's own ping (outside any transaction)
        except Exception as error:  # any failure: the pool discards the connection and connects anew
            raise exc.DisconnectionError(str(error)) from error


def create_database(url: str, *, echo: bool = False) -> Database:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        if not memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, echo=echo, **kwargs)
        _configure_sqlite(engine)
        if not memory:
            _ping_when_idle(engine)
        return Database(engine, engine.execution_options(sqlite_begin="IMMEDIATE"))
    engine = create_engine(url, echo=echo, pool_size=10, max_overflow=20)
    _ping_when_idle(engine)
    return Database(engine, engine, engine.execution_options(isolation_level="AUTOCOMMIT"))

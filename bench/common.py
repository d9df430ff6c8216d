"""What the benches share: an empty migrated database, and an engine tuned for bulk seeding."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

from store.db import Database, create_database, normalize_url
from store.migrate import upgrade


def backend(url: str) -> str:
    return make_url(normalize_url(url)).get_backend_name()


def recreate(url: str) -> None:
    """An empty, migrated database: the SQLite file deleted, or PostgreSQL's public schema dropped."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise SystemExit("the bench needs a SQLite file (sqlite:///var/<bench>.db), not an in-memory database")
        for suffix in ("", "-wal", "-shm", "-journal", ".scheduler.lock"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
    else:
        engine = create_engine(normalize_url(url))
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        finally:
            engine.dispose()
    upgrade(url)


def seeding_database(url: str) -> Database:
    """The product's engine settings, plus a big page cache and no fsync for the bulk load on SQLite
    (what is timed uses its own engine with the product settings)."""
    db = create_database(url)
    if db.is_sqlite:
        @event.listens_for(db.engine, "connect")
        def _bulk(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
            cursor.close()
    return db


def warm_cache(db: Database) -> str:
    """Read the database into the operating system's page cache, as a server's working set is after some
    use: a host that reclaims the page cache (this bench's VMs do, within minutes) would otherwise time disk
    reads. SQLite: the file is read through; PostgreSQL: every table and index of the schema (pg_prewarm,
    into the OS cache). Says what it did."""
    if db.is_sqlite:
        size = 0
        with open(db.engine.url.database, "rb") as file:
            while chunk := file.read(1 << 24):
                size += len(chunk)
        return f"read the database file ({size / 2**20:,.0f} MB) into the page cache"
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        blocks = conn.exec_driver_sql(
            "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')").scalar()
    return f"read {blocks * 8 / 1024:,.0f} MB of tables and indexes into the page cache (pg_prewarm)"

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

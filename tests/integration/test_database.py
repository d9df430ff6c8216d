"""Pooled connections: one that died while it sat in the pool is replaced before a command uses it."""

from __future__ import annotations

import psycopg

from bot.commands import Check
from store import db as store_db
from tests.conftest import actor, backend


def _kill(database_url: str, dbapi_connection) -> None:
    """What a server restart or an idle timeout does to a pooled connection."""
    if backend() == "postgresql":
        with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as other:
            pid = dbapi_connection.info.backend_pid
            assert other.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    else:
        dbapi_connection.close()


def test_a_connection_that_died_in_the_pool_is_replaced_before_use(container, db, database_url, monkeypatch):
    service = container.service
    assert service.execute(actor("U1"), Check("字节跳动")).kind == "not_found"
    db.engine.dispose()  # the pool now holds one connection: the one the next command gets
    with db.engine.connect() as conn:
        dead = conn.connection.dbapi_connection
    _kill(database_url, dead)
    monkeypatch.setattr(store_db, "IDLE_BEFORE_PING_S", 0.0)  # it has sat in the pool long enough to be pinged
    result = service.execute(actor("U1"), Check("字节跳动"))
    assert result.kind == "not_found" and result.ok
    with db.engine.connect() as conn:
        assert conn.connection.dbapi_connection is not dead


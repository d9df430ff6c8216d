"""The unit of work owns the session: it rolls back unless committed, and takes the locks."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.db import Database
from store.repos import Repos


class UnitOfWork:
    """``with UnitOfWork(db, write=True) as uow: …; uow.commit()``.

    A writing unit on SQLite starts with ``BEGIN IMMEDIATE`` (the database's single write lock,
    taken up front); on PostgreSQL ``lock_registration`` takes a transaction-scoped advisory lock.
    A reading unit on PostgreSQL runs in autocommit (``Database.read_engine``): a write there (the audit
    of a refusal) is one statement, committed as it runs.
    """

    def __init__(self, db: Database, *, write: bool = False) -> None:
        self.db = db
        self.write = write
        self.session: Session | None = None
        self._gated = False

    def __enter__(self) -> UnitOfWork:
        engine = self.db.write_engine if self.write else (self.db.read_engine or self.db.engine)
        if self.write and self.db.is_sqlite:
            self.db.write_gate.acquire()
            self._gated = True
        try:
            self.session = Session(bind=engine, expire_on_commit=False, autoflush=True)
            self.session.begin()
            self.repos = Repos(self.session)
            if self.write and self.db.is_sqlite:
                self.session.connection()  # emit BEGIN IMMEDIATE now, before any read
        except BaseException:
            if self.session is not None:
                self.session.close()
            if self._gated:
                self._gated = False
                self.db.write_gate.release()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self.session is not None
        try:
            # Keep what was read usable after the unit ends: a rollback would expire every loaded row.
            self.session.expunge_all()
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()
            if self._gated:
                self._gated = False
                self.db.write_gate.release()

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()

    def lock_registration(self, tenant: str) -> None:
        """Serialize check-then-register for one tenant until this transaction ends."""
        assert self.session is not None and self.write
        if self.db.is_sqlite:
            return  # BEGIN IMMEDIATE already holds the database write lock
        key = func.hashtextextended(f"client-registration:{tenant}", 0)
        self.session.execute(select(func.pg_advisory_xact_lock(key)))

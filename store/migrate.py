"""Alembic, driven from code: ``python -m bot db upgrade`` and the test fixtures call ``upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from store.db import normalize_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


class SchemaNotCurrent(RuntimeError):
    """The database is not at the revision this code needs (``python -m bot db upgrade`` brings it there)."""


def check_current(engine: Engine) -> None:
    """Raise ``SchemaNotCurrent`` unless the database is migrated to the head revision."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        raise SchemaNotCurrent(f"The database {where} is at revision {current or 'none (empty)'}; this version "
                               f"needs {head}. Run: python -m bot db upgrade   (make run does it for you)")

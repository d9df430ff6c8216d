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


def _insert_in_batches(table, rows, size: int = 10_000) -> None:
    """For migrations: bulk-insert ``rows`` (an iterable of dicts), ``size`` at a time."""
    from itertools import islice

    from alembic import op

    rows = iter(rows)
    while batch := list(islice(rows, size)):
        op.bulk_insert(table, batch)


def _core_keys_by_client(kinds: str):
    """(tenant, client_id) → its keys of ``kinds`` as (kind, value, qualifier), client by client."""
    from itertools import groupby

    import sqlalchemy as sa
    from alembic import op

    rows = op.get_bind().execute(sa.text(f"SELECT tenant, client_id, kind, value, qualifier FROM client_key"
                                         f" WHERE kind IN ({kinds}) ORDER BY tenant, client_id, kind")).fetchall()
    for client, keys in groupby(rows, key=lambda row: (row[0], row[1])):
        yield client, [tuple(row[2:]) for row in keys]


def rekey_variants(marks: tuple[str, ...], keys_of) -> None:
    """For migrations: replace every client's variants marked with one of ``marks`` (sound keys ~, spellings
    % @, sorted characters & …) by ``keys_of(core)`` of its core keys."""
    import sqlalchemy as sa
    from alembic import op

    table = sa.table('client_variant', sa.column('tenant'), sa.column('variant'), sa.column('client_id'))
    for mark in marks:
        # substr, not LIKE: % is a mark here, and a wildcard there.
        op.execute(sa.text("DELETE FROM client_variant WHERE substr(variant, 1, 1) = :mark").bindparams(mark=mark))
    _insert_in_batches(table, (
        {"tenant": tenant, "variant": key, "client_id": client_id}
        for (tenant, client_id), keys in _core_keys_by_client("'core'")
        # a client's aliases may share a key: each once
        for key in sorted(set().union(*(keys_of(value) for _, value, _ in keys)))))


def rebuild_variants() -> None:
    """For migrations: every client's variants written again from its core keys, each row with its core
    and that key's qualifier. A core whose name key is the core itself with no place was typed bare and
    gets its short form too (``bot.rules.fuzzy.variants``); ``db upgrade``'s re-key writes them exactly."""
    import sqlalchemy as sa
    from alembic import op

    from bot.rules.fuzzy import variants

    op.execute(sa.text("DELETE FROM client_variant"))
    table = sa.table('client_variant', sa.column('tenant'), sa.column('variant'), sa.column('client_id'),
                     sa.column('core'), sa.column('qualifier'))

    def rows_of(tenant: str, client_id: int, keys: list[tuple[str, str, str]]):
        names = {value: qualifier for kind, value, qualifier in keys if kind == "name"}
        found: dict[str, tuple[str, str]] = {}
        for kind, core, qualifier in keys:
            if kind == "core":
                bare = names.get(core) == "" and qualifier.split("|", 1)[0] == ""
                for variant in sorted(variants(core, bare)):
                    found.setdefault(variant, (core, qualifier))
        return ({"tenant": tenant, "variant": v, "client_id": client_id, "core": c, "qualifier": q}
                for v, (c, q) in found.items())

    _insert_in_batches(table, (row for client, keys in _core_keys_by_client("'core', 'name'")
                               for row in rows_of(*client, keys)))


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

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


def rekey_variants(marks: tuple[str, ...], keys_of) -> None:
    """For migrations: replace every client's variants marked with one of ``marks`` (sound keys ~, spellings
    % @, sorted characters & …) by ``keys_of(core)`` of its core keys."""
    import sqlalchemy as sa
    from alembic import op

    table = sa.table('client_variant', sa.column('tenant'), sa.column('variant'), sa.column('client_id'))
    for mark in marks:
        # substr, not LIKE: % is a mark here, and a wildcard there.
        op.execute(sa.text("DELETE FROM client_variant WHERE substr(variant, 1, 1) = :mark").bindparams(mark=mark))
    rows = op.get_bind().execute(sa.text("SELECT DISTINCT tenant, client_id, value FROM client_key"
                                         " WHERE kind = 'core' ORDER BY tenant, client_id"))
    batch, client, seen = [], None, set()  # a client's aliases may share a key: each once
    for tenant, client_id, core in rows.fetchall():
        if (tenant, client_id) != client:
            client, seen = (tenant, client_id), set()
        for key in set(keys_of(core)) - seen:
            seen.add(key)
            batch.append({"tenant": tenant, "variant": key, "client_id": client_id})
        if len(batch) >= 10_000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


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
    rows = op.get_bind().execute(sa.text("SELECT tenant, client_id, kind, value, qualifier FROM client_key"
                                         " WHERE kind IN ('core', 'name') ORDER BY tenant, client_id, kind"))
    batch: list[dict] = []

    def flush(tenant, client_id, names, cores) -> None:
        found: dict[str, tuple[str, str]] = {}
        for core, qualifier in cores:
            bare = names.get(core) == "" and qualifier.split("|", 1)[0] == ""
            for variant in sorted(variants(core, bare)):
                found.setdefault(variant, (core, qualifier))
        batch.extend({"tenant": tenant, "variant": v, "client_id": client_id, "core": c, "qualifier": q}
                     for v, (c, q) in found.items())

    client, names, cores = None, {}, []
    for tenant, client_id, kind, value, qualifier in rows.fetchall():
        if (tenant, client_id) != client:
            if client is not None:
                flush(*client, names, cores)
            client, names, cores = (tenant, client_id), {}, []
        if kind == "name":
            names[value] = qualifier
        else:
            cores.append((value, qualifier))
        if len(batch) >= 10_000:
            op.bulk_insert(table, batch)
            batch.clear()
    if client is not None:
        flush(*client, names, cores)
    if batch:
        op.bulk_insert(table, batch)


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

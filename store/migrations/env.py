from __future__ import annotations

from alembic import context

from store.db import create_database
from store.models import Base

config = context.config


def run_migrations_online() -> None:
    db = create_database(config.get_main_option("sqlalchemy.url"))
    try:
        with db.engine.connect() as connection:
            context.configure(connection=connection, target_metadata=Base.metadata,
                              render_as_batch=db.is_sqlite)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        db.dispose()


run_migrations_online()

"""The WSGI entry for several web workers: ``gunicorn -w 4 'bot.wsgi:create()'``.

Each worker runs its own outbox deliverer thread; claims are leased in the database, so workers
never send one row twice. No scheduler runs here.
"""

from __future__ import annotations

from flask import Flask

from bot.bootstrap import bootstrap
from bot.web import create_web_app


def create() -> Flask:
    container = bootstrap()
    app = create_web_app(container)
    container.deliverer.start_background()
    return app

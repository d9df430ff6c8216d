"""The HTTP app: ``POST /slack/events`` and ``GET /healthz``."""

from __future__ import annotations

from flask import Flask, jsonify, request
from slack_bolt.adapter.flask import SlackRequestHandler
from sqlalchemy import text

from bot.bootstrap import Container


def create_web_app(container: Container) -> Flask:
    app = Flask("crm-bot")
    if container.settings.slack_enabled:
        from bot.handlers.slack import build_bolt_app

        bolt = build_bolt_app(container)
        app.extensions["slack_bolt"] = bolt  # for shutdown and tests: bolt.listener_runner.listener_executor
        handler = SlackRequestHandler(bolt)

        @app.post("/slack/events")
        def slack_events():
            return handler.handle(request)

    @app.get("/healthz")
    def healthz():
        try:
            with container.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # the probe reports, it does not crash
            return jsonify(ok=False, database=str(exc)[:200]), 503
        return jsonify(ok=True, slack=container.settings.slack_enabled)

    return app

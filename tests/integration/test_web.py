"""The HTTP app as a web worker builds it from the environment."""

from __future__ import annotations

from bot import wsgi


class TestWsgi:
    def test_a_worker_app_answers_health_from_the_environment(self, database_url, monkeypatch):
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("CRM_CONFIG", "app.yaml")
        for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
            monkeypatch.setenv(var, "")
        app = wsgi.create()
        resp = app.test_client().get("/healthz")
        assert resp.status_code == 200 and resp.get_json() == {"ok": True, "slack": False}
        assert app.test_client().post("/slack/events").status_code == 404  # Slack is off without credentials

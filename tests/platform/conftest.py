"""Platform fixtures: the real slack-bolt App on Flask, signed requests, and a local fake Slack Web API.

Requests go through ``flask_app.test_client()`` with correctly signed bodies (PLATFORMS.md §2); every
Web API call the bot makes lands on ``FakeSlackAPI`` (tests/fakes/slack_api.py). Bolt acks on the HTTP
thread and keeps running the listener on its worker thread, so tests wait on the fake (``wait_for``)
or on the database (``wait_until``) for what happens after the ack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.bootstrap import Container, bootstrap
from bot.clock import FixedClock
from bot.policy import Policy
from bot.settings import Settings
from bot.web import create_web_app
from store.db import Database
from store.models import Base
from tests.fakes.slack_api import FakeSlackAPI

TEAM = "T1"
TENANT = f"slack:{TEAM}"
APP_ID = "A0CRM"
TRIGGER = "13345224609.738474920.8088930838d88f008e0"


# -- signing ---------------------------------------------------------------------------------------

def sign(body: str, secret: str, ts: int | None = None) -> dict[str, str]:
    """Headers Slack sends: ``v0=`` + HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    stamp = str(int(time.time()) if ts is None else ts)
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    ctype = "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
    return {"Content-Type": ctype, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sig}


# -- request bodies --------------------------------------------------------------------------------

def slash_body(text: str, *, user: str = "U1", channel: str = "C1", response_url: str,
               team: str = TEAM, command: str = "/crm", trigger_id: str = TRIGGER) -> str:
    return urlencode({
        "token": "deprecated-verification-token", "team_id": team, "team_domain": "acme",
        "channel_id": channel, "channel_name": "sales", "user_id": user, "user_name": user.lower(),
        "command": command, "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id})


def block_actions_body(action_id: str, value: str, *, user: str = "U1", channel: str = "C1",
                       response_url: str, team: str = TEAM, trigger_id: str = TRIGGER) -> str:
    payload = {
        "type": "block_actions", "api_app_id": APP_ID, "token": "deprecated-verification-token",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": channel,
                      "is_ephemeral": True},
        "channel": {"id": channel, "name": "sales"}, "trigger_id": trigger_id, "response_url": response_url,
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                     "text": {"type": "plain_text", "text": "报备客户"}, "action_ts": "1700000001.000100"}]}
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def view_submission_body(values: dict[str, str | None], *, user: str = "U1", team: str = TEAM,
                         callback_id: str = "crm_register", private_metadata: dict[str, Any] | None = None,
                         trigger_id: str = TRIGGER) -> str:
    """A modal submitted with ``values`` keyed by block_id; every input's action_id is ``value``."""
    state = {block: {"value": {"type": "plain_text_input", "value": value}} for block, value in values.items()}
    payload = {
        "type": "view_submission", "api_app_id": APP_ID, "token": "deprecated-verification-token",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "trigger_id": trigger_id,
        "view": {"id": "V1", "team_id": team, "type": "modal", "callback_id": callback_id,
                 "private_metadata": json.dumps(private_metadata if private_metadata is not None
                                                else {"channel_id": "C1"}),
                 "state": {"values": state}, "hash": "156772938.1827394", "app_id": APP_ID,
                 "bot_id": "BBOT", "root_view_id": "V1", "previous_view_id": None},
        "response_urls": [], "is_enterprise_install": False, "enterprise": None}
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


# -- the harness -----------------------------------------------------------------------------------

class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool (5 workers, as bolt's default) that remembers its futures, so a test can
    wait for the work a listener does after ``ack()``."""

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="bolt-listener")
        self._futures: list[Future[Any]] = []
        self._futures_lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        future = super().submit(fn, *args, **kwargs)
        with self._futures_lock:
            self._futures.append(future)
        return future

    def settle(self, timeout: float = 5) -> None:
        with self._futures_lock:
            pending = list(self._futures)
        _, not_done = wait(pending, timeout=timeout)
        if not_done:
            raise AssertionError(f"{len(not_done)} bolt listener(s) still running after {timeout}s")


@dataclass
class SlackHarness:
    fake: FakeSlackAPI
    container: Container
    flask_app: Flask
    http: FlaskClient
    secret: str

    @property
    def clock(self) -> FixedClock:
        assert isinstance(self.container.clock, FixedClock)
        return self.container.clock

    @property
    def db(self) -> Database:
        return self.container.db

    def hook_url(self, name: str = "commands/T1/1/abc") -> str:
        return f"{self.fake.base_url}hooks/{name}"

    def post(self, body: str, *, secret: str | None = None, ts: int | None = None,
             headers: dict[str, str] | None = None):
        signed = sign(body, self.secret if secret is None else secret, ts)
        signed.update(headers or {})
        return self.http.post("/slack/events", data=body.encode("utf-8"), headers=signed)

    def command(self, text: str, *, user: str = "U1", channel: str = "C1", **kw: Any):
        return self.post(slash_body(text, user=user, channel=channel, response_url=self.hook_url(), **kw))

    def click(self, action_id: str, value: str, *, user: str = "U1", channel: str = "C1"):
        return self.post(block_actions_body(action_id, value, user=user, channel=channel,
                                            response_url=self.hook_url("actions/T1/2/def")))

    def submit(self, values: dict[str, str | None], *, user: str = "U1", **kw: Any):
        return self.post(view_submission_body(values, user=user, **kw))

    def settle(self, timeout: float = 5) -> None:
        """Wait until every bolt listener started so far has finished (work after ack included)."""
        self.executor.settle(timeout)

    @property
    def executor(self) -> TrackingExecutor:
        runner = self.flask_app.extensions["slack_bolt"].listener_runner
        assert isinstance(runner.listener_executor, TrackingExecutor)
        return runner.listener_executor

    def count(self, model: type[Base], *where: Any) -> int:
        with self.db.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    def rows(self, model: type[Base], *where: Any) -> list[Any]:
        with self.db.engine.connect() as conn:
            return list(conn.execute(select(model).where(*where).order_by(model.id)))  # type: ignore[attr-defined]


def wait_until(check: Callable[[], Any], timeout: float = 5, interval: float = 0.02) -> Any:
    """Poll ``check`` until it returns something truthy (work after ack runs on a worker thread)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        time.sleep(interval)


# -- fixtures --------------------------------------------------------------------------------------

@pytest.fixture
def fake_slack() -> Iterator[FakeSlackAPI]:
    fake = FakeSlackAPI(users={"U9": "Zoe Outsider"}).start()
    yield fake
    fake.stop()


@pytest.fixture
def signing_secret() -> str:
    return secrets.token_hex(16)


@pytest.fixture
def slack_settings(database_url: str, fake_slack: FakeSlackAPI, signing_secret: str) -> Settings:
    return Settings(DATABASE_URL=database_url, CRM_CONFIG="app.yaml", SLACK_BOT_TOKEN="xoxb-test",
                    SLACK_SIGNING_SECRET=signing_secret, SLACK_API_URL=fake_slack.base_url, _env_file=None)


@pytest.fixture
def slack_container(slack_settings: Settings, policy: Policy, clock: FixedClock, db: Database) -> Container:
    return bootstrap(slack_settings, policy=policy, clock=clock, db=db)


@pytest.fixture
def slack(fake_slack: FakeSlackAPI, slack_container: Container, signing_secret: str,
          caplog: pytest.LogCaptureFixture) -> Iterator[SlackHarness]:
    caplog.set_level(logging.WARNING)
    flask_app = create_web_app(slack_container)
    runner = flask_app.extensions["slack_bolt"].listener_runner
    runner.listener_executor.shutdown(wait=False)
    runner.listener_executor = runner.lazy_listener_runner.executor = TrackingExecutor()
    harness = SlackHarness(fake_slack, slack_container, flask_app, flask_app.test_client(), signing_secret)
    yield harness
    # Listeners still running after their ack must finish before the database goes away.
    harness.executor.settle()
    harness.executor.shutdown(wait=True)
    crashed = [r for r in caplog.get_records("call") if r.name.startswith("slack_bolt") and r.levelno >= logging.ERROR]
    if crashed:
        pytest.fail("a bolt listener failed: " + "; ".join(r.getMessage() for r in crashed))

"""Shared fixtures: a real database (SQLite file or PostgreSQL), a fixed clock, a test policy.

The backend comes from CRM_TEST_BACKEND (sqlite | postgresql); with it unset, PostgreSQL is used when
CRM_TEST_DATABASE_URL is set. If PostgreSQL is asked for and cannot be reached, the tests fail: they
never skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.bootstrap import Container, bootstrap
from bot.clock import FixedClock
from bot.policy import Policy, parse_policy
from bot.service import Actor
from bot.settings import Settings
from store.db import Database, create_database
from store.migrate import upgrade
from store.models import Base

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
for _var in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
    os.environ.pop(_var, None)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai

TEST_POLICY = {
    "default_team": "east",
    "teams": [
        {"id": "east", "name": "华东一组", "timezone": "Asia/Shanghai", "locale": "zh-CN",
         "sync_channel": "CSYNC",
         "members": [
             {"user": "UMGR", "name": "王经理", "role": "manager"},
             {"user": "U1", "name": "张三", "role": "rep", "manager": "UMGR"},
             {"user": "U2", "name": "李四", "role": "rep", "manager": "UMGR"},
         ]},
        {"id": "intl", "name": "International", "timezone": "Europe/Berlin", "locale": "en",
         "sync_channel": "CINTL",
         "members": [{"user": "UEN", "name": "Alice", "role": "rep"}]},
    ],
}


def backend() -> str:
    chosen = os.environ.get("CRM_TEST_BACKEND")
    if chosen:
        return chosen
    return "postgresql" if os.environ.get("CRM_TEST_DATABASE_URL") else "sqlite"


@pytest.fixture(scope="session")
def _pg_url() -> Iterator[str]:
    url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not url:
        pytest.fail("CRM_TEST_BACKEND=postgresql needs CRM_TEST_DATABASE_URL")
    db = create_database(url)
    try:
        with db.engine.begin() as conn:  # a clean schema, then the real migrations
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {url} cannot be reached: {exc}")
    finally:
        db.dispose()
    upgrade(url)
    yield url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "crm.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend() == "postgresql":
        url = request.getfixturevalue("_pg_url")
        db = create_database(url)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with db.engine.begin() as conn:
            # A connection a previous test left open must fail this test, not hang the suite.
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.dispose()
        return url
    template = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "crm.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = create_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def policy() -> Policy:
    return parse_policy(TEST_POLICY)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(DATABASE_URL=database_url, CRM_CONFIG="app.yaml", _env_file=None)


@pytest.fixture
def container(settings: Settings, policy: Policy, clock: FixedClock, db: Database) -> Container:
    return bootstrap(settings, policy=policy, clock=clock, db=db)


def actor(user: str = "U1", tenant: str = "local", platform: str = "console") -> Actor:
    return Actor(tenant, platform, user)

"""The real CLI as a subprocess: ``python -m bot db upgrade``, ``console`` and ``start`` without chat credentials.

SQLite only by nature: each test gets its own database file and rules file. A few subprocesses, about a
second each.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import TEST_POLICY

ROOT = Path(__file__).resolve().parents[2]
COMPANY = "北京字节跳动科技有限公司"


def cli_env(tmp: Path, policy: dict | None = None) -> dict[str, str]:
    config = tmp / "app.yaml"
    config.write_text(yaml.safe_dump(policy or TEST_POLICY, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp / 'crm.db'}", CRM_CONFIG=str(config), PYTHONIOENCODING="utf-8")
    # Empty values beat a developer's .env, so the console path is taken whatever it holds.
    env.update(SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET="")
    return env


def bot(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def env(tmp_path: Path, _sqlite_template: Path) -> dict[str, str]:
    """A migrated database (a copy of the session's template, to save a subprocess per test)."""
    shutil.copyfile(_sqlite_template, tmp_path / "crm.db")
    return cli_env(tmp_path)


def test_register_then_check_as_json_then_a_conflict_exits_1(env):
    done = bot(env, "console", "--user", "U1", "-c", f"/crm register {COMPANY} phone=13800138000")
    assert done.returncode == 0, done.stderr
    assert "已报备" in done.stdout and COMPANY in done.stdout and "张三" in done.stdout
    assert "[通知 → CSYNC]" in done.stdout  # the sync-channel notice, delivered by the console sender

    done = bot(env, "console", "--user", "U2", "--json", "-c", "check 字节跳动")
    assert done.returncode == 0, done.stderr
    [found] = json_lines(done.stdout)
    assert set(found) >= {"ok", "kind", "message", "matches"}
    assert (found["ok"], found["kind"]) == (True, "found")
    [match] = found["matches"]
    assert set(match) >= {"client_id", "name", "owner", "stage", "score", "reason", "protected_until"}
    assert (match["client_id"], match["name"], match["owner"], match["stage"]) == (1, COMPANY, "张三", "lead")
    assert (match["score"], match["reason"]) == (90, "core")
    assert match["protected_until"].startswith("20")  # ISO 8601

    done = bot(env, "console", "--user", "U2", "--json", "-c", "register 字节跳动")
    assert done.returncode == 1
    [refused] = json_lines(done.stdout)
    assert (refused["ok"], refused["kind"]) == (False, "conflict")
    assert refused["matches"][0]["owner"] == "张三"


def test_piped_stdin_prints_one_json_line_per_command_and_notices(env):
    script = "\n".join(["# a comment and a blank line are skipped", "",
                        f"register {COMPANY}", "check 13800138000", "check 字节跳动", "help"]) + "\n"
    done = bot(env, "console", "--user", "U1", "--json", stdin=script)
    assert done.returncode == 0, done.stderr
    lines = json_lines(done.stdout)
    assert [(line["ok"], line["kind"]) for line in lines] == [
        (True, "registered"), (True, "notice"), (True, "not_found"), (True, "found"), (True, "help")]
    assert lines[1]["channel"] == "CSYNC" and COMPANY in lines[1]["message"]

    done = bot(env, "console", "--user", "U2", "--json", stdin=f"check 字节跳动\nregister {COMPANY}\nhelp\n")
    assert done.returncode == 1  # one command failed; the others still ran
    assert [line["kind"] for line in json_lines(done.stdout)] == ["found", "conflict", "help"]


def test_make_run_path_upgrades_then_starts_the_console_without_chat_credentials(tmp_path):
    env = cli_env(tmp_path)  # a fresh clone: no database yet
    done = bot(env, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout and (tmp_path / "crm.db").exists()
    done = bot(env, "start", stdin=f"register {COMPANY}\n")  # stdin is not a tty
    assert done.returncode == 0, done.stderr
    assert "starting the local console" in done.stderr
    assert "已报备" in done.stdout and "[通知 → CSYNC]" in done.stdout


def test_an_unmigrated_database_says_how_to_set_it_up_instead_of_a_trace(tmp_path):
    env = cli_env(tmp_path)
    done = bot(env, "console", "--user", "U1", "-c", f"check {COMPANY}")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "no such table" not in done.stderr
    assert "python -m bot db upgrade" in done.stderr and "none (empty)" in done.stderr
    assert bot(env, "db", "upgrade").returncode == 0
    done = bot(env, "console", "--user", "U1", "-c", f"check {COMPANY}")
    assert done.returncode == 0 and "字节跳动" in done.stdout

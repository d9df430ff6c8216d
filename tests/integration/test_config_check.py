"""``python -m bot config check`` as a subprocess: exit 0 on a good rules file; exit 2 naming the bad key
path and the reason on stderr otherwise. No database is involved."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import TEST_POLICY

ROOT = Path(__file__).resolve().parents[2]


def run_bot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    base.update(PYTHONIOENCODING="utf-8", **(env or {}))
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=base, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


def write_policy(path: Path, data: dict | str) -> Path:
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def edited(change: Callable[[dict], None]) -> dict:
    data = copy.deepcopy(TEST_POLICY)
    change(data)
    return data


def test_a_good_file_passes_and_summarizes(tmp_path):
    path = write_policy(tmp_path / "app.yaml", TEST_POLICY)
    done = run_bot("config", "check", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{path}: ok (2 teams, 4 members, default team east)"
    assert done.stderr == ""


BAD = {
    "unknown_key": (edited(lambda d: d["teams"][0].update(colour="red")),
                    ["teams.0.colour", "Extra inputs are not permitted"]),
    "manager_not_a_member": (edited(lambda d: d["teams"][0]["members"][1].update(manager="UBOSS")),
                             ["teams.0", "'U1'", "manager 'UBOSS'", "not in team 'east'"]),
    "unknown_timezone": (edited(lambda d: d["teams"][1].update(timezone="Mars/Olympus")),
                         ["teams.1.timezone", "unknown time zone 'Mars/Olympus'"]),
    "default_team_missing": (edited(lambda d: d.pop("default_team")), ["default_team", "Field required"]),
    "default_team_not_a_team": (edited(lambda d: d.update(default_team="west")),
                                ["default_team 'west' is not one of the teams: east, intl"]),
    "invalid_yaml": ("default_team: east\nteams:\n  - id: east\n    name: [unclosed\n",
                     ["not valid YAML", "line 4"]),
    "not_a_mapping": ("- east\n- intl\n", ["the top level must be a mapping"]),
    "known_names_missing": (edited(lambda d: d.update(identity={"known_names": "no/such/known.jsonl"})),
                            ["identity.known_names: cannot read", "no/such/known.jsonl"]),
    "known_names_not_json_lines": (edited(lambda d: d.update(identity={"known_names": "README.md"})),
                                   ["identity.known_names:", "README.md:1: expected one JSON object per line",
                                    '{"id": "meituan", "names": ["美团", "Meituan"]}']),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_exits_2_naming_the_key_path_and_the_reason(tmp_path, case):
    data, expected = BAD[case]
    path = write_policy(tmp_path / "app.yaml", data)
    done = run_bot("config", "check", str(path))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr.startswith(f"{path}: ")
    for part in expected:
        assert part in done.stderr, (part, done.stderr)


def test_without_an_argument_it_checks_crm_config_and_a_missing_file_is_named(tmp_path):
    path = write_policy(tmp_path / "rules.yaml", edited(lambda d: d["teams"][0].update(timezone="Asia/Nowhere")))
    done = run_bot("config", "check", env={"CRM_CONFIG": str(path)})
    assert done.returncode == 2 and "teams.0.timezone" in done.stderr
    done = run_bot("config", "check", str(tmp_path / "absent.yaml"))
    assert done.returncode == 2 and "cannot read the rules file" in done.stderr


def test_the_console_refuses_to_start_on_a_bad_file(tmp_path):
    path = write_policy(tmp_path / "app.yaml", edited(lambda d: d["teams"][1].update(timezone="Mars/Olympus")))
    done = run_bot("console", "-c", "help", env={"CRM_CONFIG": str(path),
                                                 "DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}"})
    assert done.returncode == 2
    assert "teams.1.timezone" in done.stderr and "unknown time zone" in done.stderr

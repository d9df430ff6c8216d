"""app.yaml as strict models: every bad key is named with its path and reason."""

from __future__ import annotations

import copy

import pytest

from bot.policy import PolicyError, load_policy, parse_policy
from tests.conftest import TEST_POLICY


def broken(mutate) -> dict:
    data = copy.deepcopy(TEST_POLICY)
    mutate(data)
    return data


class TestPolicy:
    def test_the_shipped_app_yaml_is_valid(self):
        policy = load_policy("app.yaml")
        assert policy.protection.days == 30
        assert policy.team(policy.default_team).locale == "zh-CN"

    def test_member_lookup_finds_team_and_role(self):
        policy = parse_policy(TEST_POLICY)
        team, member = policy.member("UMGR")
        assert (team.id, member.role) == ("east", "manager")
        assert policy.member("nobody") is None

    @pytest.mark.parametrize("mutate, expected", [
        (lambda d: d.update(colour="red"), "colour: Extra inputs are not permitted"),
        (lambda d: d["teams"][0].update(timezone="Mars/Base"), "teams.0.timezone: unknown time zone"),
        (lambda d: d["teams"][0].update(locale="fr"), "teams.0.locale"),
        (lambda d: d.update(default_team="west"), "default_team 'west' is not one of the teams"),
        (lambda d: d["teams"][0]["members"][1].update(manager="UBOSS"), "names manager 'UBOSS'"),
        (lambda d: d["teams"][0]["members"][1].update(role="king"), "teams.0.members.1.role"),
        (lambda d: d.update(protection={"days": 0}), "protection.days"),
        (lambda d: d["teams"][1]["members"].append({"user": "U1"}), "member 'U1' is in teams"),
    ])
    def test_bad_files_name_the_key_and_reason(self, mutate, expected):
        with pytest.raises(PolicyError) as err:
            parse_policy(broken(mutate))
        assert expected in str(err.value)

    def test_unreadable_and_non_yaml_files(self, tmp_path):
        with pytest.raises(PolicyError, match="cannot read"):
            load_policy(tmp_path / "missing.yaml")
        bad = tmp_path / "bad.yaml"
        bad.write_text("teams: [\n", encoding="utf-8")
        with pytest.raises(PolicyError, match="not valid YAML"):
            load_policy(bad)

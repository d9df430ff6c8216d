"""The registration decision: pure, table-driven, with a fixed now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.policy import ProtectionPolicy
from bot.rules.identity import IdentityKey, KeyKind
from bot.rules.registration import (
    Evidence,
    Holding,
    KeyHit,
    Outcome,
    decide_registration,
    key_matches,
    match_clients,
    other_bodies,
    protection_until,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
POLICY = ProtectionPolicy(days=30)


def name(value: str, region: str = "") -> IdentityKey:
    return IdentityKey(KeyKind.NAME, value, region)


def domain(qualifier: str) -> IdentityKey:
    return IdentityKey(KeyKind.DOMAIN, "chinamobile.com", qualifier)


def core(value: str, region: str = "", sectors: str = "") -> IdentityKey:
    return IdentityKey(KeyKind.CORE, value, f"{region}|{sectors}")


def hit(key: IdentityKey, client_id: int = 1) -> KeyHit:
    return KeyHit(client_id, key.kind, key.value, key.qualifier)


class TestKeyMatches:
    @pytest.mark.parametrize("query, stored, same", [
        (name("字节跳动科技"), name("字节跳动科技", "北京"), True),           # one side has no city
        (name("星辰网络科技", "杭州"), name("星辰网络科技", "苏州"), False),  # cities prove different bodies
        (name("华为技术", "广东"), name("华为技术", "深圳"), True),           # a province holds its city
        (name("华为技术", "浙江"), name("华为技术", "深圳"), False),
        (core("招商", "", "bank"), core("招商", "", "securities"), False),  # brand across sectors
        (core("字节跳动"), core("字节跳动", "北京", "tech"), True),           # short name vs full name
        (core("小米", "", "tech"), core("小米", "", "tech"), True),
        # a weak word's sector (科技 → ?tech) proves nothing against a name that has the word too
        (core("粉笔蓝天", "", "?tech"), core("粉笔蓝天", "", "?tech,education"), True),   # 科技 / 教育科技
        (core("平安", "", "?tech"), core("平安", "", "finance"), False),                  # 平安科技 / 平安银行
        (core("阿里", "", "tech"), core("阿里", "", "?tech,health"), False),              # 阿里云计算 / 阿里健康科技
        (core("星河", "", "?tech"), core("星河", "", "?trade"), False),                   # 星河科技 / 星河贸易
        (IdentityKey(KeyKind.PHONE, "+8613800138000"), hit(IdentityKey(KeyKind.PHONE, "+8613800138000")), True),
        # one domain is one client, unless its names have one core in two places (group companies, branches)
        (domain("浙江|中国移动"), domain("江苏|中国移动"), False),
        (domain("上海@北京|工商银行"), domain("上海@广州|工商银行"), False),
        (domain("上海@北京|工商银行"), domain("上海|工商银行"), True),        # a branch and its head office
        (domain("浙江|中国移动"), domain("|中国移动"), True),
        (domain("北京|字节跳动"), domain("上海|抖音"), True),                # two cores: the domain decides
        (domain(""), domain("江苏|中国移动"), True),                         # a domain typed alone
        (domain("浙江|中国移动"), IdentityKey(KeyKind.DOMAIN, "10086.cn", "江苏|中国移动"), False),  # another domain
        # a branch's place after @: two branches in two cities are two clients; a branch and its head office one
        (name("浦东发展银行", "上海@北京"), name("浦东发展银行", "上海@广州"), False),
        (name("浦东发展银行", "上海@北京"), name("浦东发展银行", "上海"), True),
        (core("邮政", "@北京"), core("邮政", "@上海"), False),
        (core("邮政", "@北京"), core("邮政", "北京@北京"), True),
    ])
    def test_same_value_matches_unless_facts_prove_otherwise(self, query, stored, same):
        stored_hit = stored if isinstance(stored, KeyHit) else hit(stored)
        assert key_matches(query, stored_hit) is same

    def test_strongest_evidence_is_reported(self):
        keys = (IdentityKey(KeyKind.PHONE, "+8613800138000"), name("字节跳动科技"))
        hits = [hit(name("字节跳动科技"), 7), hit(IdentityKey(KeyKind.PHONE, "+8613800138000"), 7)]
        assert match_clients(keys, hits) == {7: Evidence(KeyKind.PHONE, "+8613800138000")}


class TestDecideRegistration:
    def test_no_match_registers_with_thirty_days_protection(self):
        decision = decide_registration(1, {}, {}, POLICY, NOW)
        assert decision.outcome is Outcome.NEW and decision.rule == "registration.no_match"
        assert decision.protected_until == NOW + timedelta(days=30) == protection_until(NOW, POLICY)

    def test_protected_lead_of_another_rep_is_a_conflict(self):
        matches = {5: Evidence(KeyKind.CORE, "字节跳动")}
        holdings = {5: Holding(5, owner_member_id=2, protected_until=NOW + timedelta(days=3))}
        decision = decide_registration(1, matches, holdings, POLICY, NOW)
        assert (decision.outcome, decision.rule, decision.client_id) == (
            Outcome.CONFLICT, "registration.protected.core", 5)

    def test_expired_protection_still_has_an_owner(self):
        holdings = {5: Holding(5, owner_member_id=2, protected_until=NOW - timedelta(seconds=1))}
        decision = decide_registration(1, {5: Evidence(KeyKind.NAME, "x")}, holdings, POLICY, NOW)
        assert (decision.outcome, decision.rule) == (Outcome.CONFLICT, "registration.owned.name")

    def test_own_lead_is_already_yours(self):
        holdings = {5: Holding(5, owner_member_id=1, protected_until=NOW + timedelta(days=1))}
        decision = decide_registration(1, {5: Evidence(KeyKind.NAME, "x")}, holdings, POLICY, NOW)
        assert decision.outcome is Outcome.ALREADY_YOURS

    def test_known_client_without_an_open_lead_is_refused(self):
        decision = decide_registration(1, {5: Evidence(KeyKind.NAME, "x")}, {}, POLICY, NOW)
        assert (decision.outcome, decision.rule) == (Outcome.CONFLICT, "registration.known_client.name")

    def test_the_strongest_match_decides(self):
        matches = {9: Evidence(KeyKind.CORE, "字节跳动"), 4: Evidence(KeyKind.CREDIT_CODE, "91110000802100433B")}
        holdings = {9: Holding(9, 2, NOW + timedelta(days=1)), 4: Holding(4, 3, NOW + timedelta(days=1))}
        assert decide_registration(1, matches, holdings, POLICY, NOW).client_id == 4


class TestOtherBodies:
    STORED = {1: ("91440606MA4UH7RK0X", "美的集团股份有限公司"), 2: (None, "美的电器"),
              3: ("91310115MA1K4B2N0Y", "美的集团上海分公司"), 4: ("91440606MA51E5LP0Z", "美的置业集团有限公司")}

    def test_another_credit_code_is_another_body_unless_a_branch(self):
        # 1 has the query's code; 2 has none; 3 is a branch: none of them is proven apart, 4 is
        assert other_bodies("91440606MA51E5LP0Z", False, self.STORED) == {1}
        assert other_bodies("91440606MA4UH7RK0X", False, self.STORED) == {4}

    def test_no_code_or_a_branch_proves_nothing(self):
        assert other_bodies(None, False, self.STORED) == set()
        assert other_bodies("91440606MA4UH7RK0X", True, self.STORED) == set()

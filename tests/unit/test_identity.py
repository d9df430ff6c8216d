"""Identity keys: credit codes, phones, e-mail domains, names; problems as codes."""

from __future__ import annotations

import pytest

from bot.policy import IdentityPolicy
from bot.rules.identity import (
    IdentityKey,
    IdentityProblem,
    KeyKind,
    build_identity,
    email_domain,
    normalize_credit_code,
    normalize_phone,
    query_for,
)

POLICY = IdentityPolicy()


class TestCreditCode:
    def test_valid_code_is_upper_cased_and_kept(self):
        assert normalize_credit_code("91110000802100433b") == "91110000802100433B"
        assert normalize_credit_code(" 9111 0000 8021 0043 3B ") == "91110000802100433B"

    @pytest.mark.parametrize("raw, reason", [("91110000802100433A", "checksum"), ("123", "length")])
    def test_invalid_code_names_the_reason(self, raw, reason):
        with pytest.raises(IdentityProblem) as err:
            normalize_credit_code(raw)
        assert (err.value.code, err.value.detail) == ("credit_code_invalid", reason)


class TestPhone:
    @pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "138-0013-8000", "+8613800138000"])
    def test_mainland_mobile_in_any_form_is_one_key(self, raw):
        assert normalize_phone(raw, POLICY) == "+8613800138000"

    def test_landline_and_foreign_numbers(self):
        assert normalize_phone("010-62345678", POLICY) == "+861062345678"
        assert normalize_phone("+49 30 1234567", POLICY) == "+49301234567"

    @pytest.mark.parametrize("raw", ["abc", "12345", "+86 1"])
    def test_unreadable_numbers_are_problems(self, raw):
        with pytest.raises(IdentityProblem) as err:
            normalize_phone(raw, POLICY)
        assert err.value.code == "phone_invalid"


class TestEmail:
    def test_corporate_domain_is_the_key(self):
        assert email_domain("Zhang.San@ByteDance.com", POLICY) == "bytedance.com"

    @pytest.mark.parametrize("raw, domain", [
        ("li@cn.ibm.com", "ibm.com"), ("wang@mail.bytedance.com.cn", "bytedance.com.cn"),
        ("j@acme.co.uk", "acme.co.uk"), ("x@sales.acme.de", "acme.de"),
    ])
    def test_subdomains_reduce_to_the_company_domain(self, raw, domain):
        assert email_domain(raw, POLICY) == domain

    @pytest.mark.parametrize("raw", ["a@qq.com", "b@163.com", "c@gmail.com", "d@outlook.com", "e@vip.qq.com"])
    def test_free_mail_identifies_nobody(self, raw):
        assert email_domain(raw, POLICY) is None

    def test_not_an_address(self):
        with pytest.raises(IdentityProblem):
            email_domain("zhang at bytedance", POLICY)


class TestBuildIdentity:
    def test_keys_strongest_first_with_region_qualifiers(self):
        identity = build_identity("北京字节跳动科技有限公司", POLICY, phone="13800138000",
                                  email="hr@bytedance.com", credit_code="91110000802100433B")
        assert identity.keys == (
            IdentityKey(KeyKind.CREDIT_CODE, "91110000802100433B"),
            IdentityKey(KeyKind.PHONE, "+8613800138000"),
            IdentityKey(KeyKind.DOMAIN, "bytedance.com", "北京|字节跳动"),  # the places and core it came with
            IdentityKey(KeyKind.NAME, "字节跳动科技", "北京"),
            IdentityKey(KeyKind.CORE, "字节跳动", "北京|?tech"),
        )

    @pytest.mark.parametrize("name, code", [
        ("", "name_missing"), ("   ", "name_missing"), ("！！。。", "name_empty"), ("🚀", "name_bad_chars"),
        ("'; DROP TABLE client; --", "name_bad_chars"), ("<script>", "name_bad_chars"),
        ("网络科技有限公司", "name_generic"), ("x" * 101, "name_too_long"),
    ])
    def test_names_that_identify_nothing_are_problems(self, name, code):
        with pytest.raises(IdentityProblem) as err:
            build_identity(name, POLICY)
        assert err.value.code == code

    def test_a_name_typed_as_core_and_industry_word_is_also_keyed_whole(self):
        # 燊亮云 alone reads as 燊亮 + 云, but 燊亮云旅游有限公司 keeps 云 in its core: the whole body is a core too
        assert build_identity("燊亮云", POLICY).keys == (
            IdentityKey(KeyKind.NAME, "燊亮云", ""),
            IdentityKey(KeyKind.CORE, "燊亮", "|tech"),
            IdentityKey(KeyKind.CORE, "燊亮云", "|"),  # no sectors: the word may be part of the core
        )
        assert build_identity("燊亮云旅游有限公司", POLICY).name.core == "燊亮云"

    @pytest.mark.parametrize("name", ["燊亮", "北京燊亮云", "燊亮云有限公司", "燊亮云北京分公司"])
    def test_only_a_name_typed_alone_with_an_industry_word_gets_the_whole_body_key(self, name):
        identity = build_identity(name, POLICY)
        assert [k.value for k in identity.keys if k.kind is KeyKind.CORE] == [identity.name.core]

    def test_ordinary_punctuation_is_allowed(self):
        identity = build_identity("AT&T Inc.", POLICY)
        assert identity.name.body == "atandt"
        assert build_identity("Yahoo! Japan K.K.", POLICY).name.core


class TestQuery:
    @pytest.mark.parametrize("text, kind", [
        ("91110000802100433B", KeyKind.CREDIT_CODE), ("13800138000", KeyKind.PHONE),
        ("+86 138 0013 8000", KeyKind.PHONE), ("li@bytedance.com", KeyKind.DOMAIN), ("字节跳动", KeyKind.NAME),
        ("Acme 2000", KeyKind.NAME),
        ("ForgeZephyrGravity", KeyKind.NAME),  # 18 letters, but no division code: a name, not a credit code
        ("91110000802100433b", KeyKind.CREDIT_CODE),
    ])
    def test_reads_what_the_query_is(self, text, kind):
        assert query_for(text, POLICY).kind == kind

"""The command grammar: verb, free text, key=value pairs; usage errors instead of exceptions."""

from __future__ import annotations

import pytest

from bot.commands import Check, Help, OpenForm, Register, UsageError, parse_command


class TestParseRegister:
    @pytest.mark.parametrize("text, expected", [
        ("register 北京字节跳动科技有限公司", Register("北京字节跳动科技有限公司")),
        ("报备 北京字节跳动科技有限公司 phone=13800138000",
         Register("北京字节跳动科技有限公司", phone="13800138000")),
        ("register Acme Technologies Ltd. phone=+49 30 1234567 region=Berlin",
         Register("Acme Technologies Ltd.", phone="+49 30 1234567", region="Berlin")),
        ('register 腾讯科技（深圳）有限公司 region="广东 深圳" industry=互联网',
         Register("腾讯科技（深圳）有限公司", region="广东 深圳", industry="互联网")),
        ("register 字节跳动 电话＝13800138000 行业=互联网",
         Register("字节跳动", phone="13800138000", industry="互联网")),
        ("register 字节跳动 alias=ByteDance,TikTok 别名=抖音",
         Register("字节跳动", aliases=("ByteDance", "TikTok", "抖音"))),
        ("REGISTER 字节跳动 credit_code=91110000802100433B",
         Register("字节跳动", credit_code="91110000802100433B")),
        ("/register 字节跳动", Register("字节跳动")),
        ("register", OpenForm("register")),
        ("报备", OpenForm("register")),
    ])
    def test_reads_name_and_options(self, text, expected):
        assert parse_command(text) == expected

    @pytest.mark.parametrize("text, code, detail", [
        ("register 字节 colour=red", "unknown_key", "colour"),
        ("register 字节 phone=1 phone=2", "duplicate_key", "phone"),
        ("register 字节 phone=", "missing_value", "phone"),
        ('register 字节 region="北京', "unclosed_quote", "region"),
        ("register phone=13800138000", "missing_name", ""),
        ('register 字节 region="北京"x', "bad_pair", "x"),
    ])
    def test_bad_options_are_usage_errors_naming_the_option(self, text, code, detail):
        assert parse_command(text) == UsageError(code, "register", detail)


class TestParseOthers:
    def test_check_takes_free_text(self):
        assert parse_command("查重 字节 跳动") == Check("字节 跳动")
        assert parse_command("check +86 138 0013 8000") == Check("+86 138 0013 8000")

    def test_check_without_query_or_with_options_is_refused(self):
        assert parse_command("check") == UsageError("missing_query", "check")
        assert parse_command("check x phone=1") == UsageError("no_options", "check", "phone")

    def test_empty_text_and_help_show_help(self):
        assert parse_command("") == Help()
        assert parse_command("   ") == Help()
        assert parse_command("help register") == Help("register")
        assert parse_command("帮助 报备") == Help("register")

    def test_unknown_and_planned_verbs_are_named(self):
        assert parse_command("frobnicate x") == UsageError("unknown_command", detail="frobnicate")
        assert parse_command("公海 字节") == UsageError("planned", detail="公海")

    def test_overlong_text_is_refused_before_parsing(self):
        assert parse_command("register " + "x" * 10_000).code == "too_long"

    def test_full_width_space_and_equals_are_read(self):
        assert parse_command("register\u3000字节跳动\u3000phone＝13800138000") == Register(
            "字节跳动", phone="13800138000")

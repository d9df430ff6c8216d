"""Registration and check through the service, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from stdnum.cn import uscc

from bot.commands import Check, Register, parse_command
from store.models import AuditEvent, Client, ClientKey, Lead, Outbox
from tests.conftest import NOW, actor


def code(first17: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return first17 + uscc.calc_check_digit(first17)


def count(db, model) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


class TestRegister:
    def test_registers_to_the_caller_with_protection_and_a_sync_notice(self, container, db):
        result = container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司", phone="13800138000",
                                                                 industry="互联网", region="北京"))
        assert result.ok and result.kind == "registered"
        assert result.params["owner"] == "张三"
        assert result.params["until"] == NOW.replace(day=23, month=12)
        with db.engine.connect() as conn:
            lead = conn.execute(select(Lead)).one()
            assert lead.stage == "lead" and lead.protected_until.replace(tzinfo=None) == NOW.replace(
                month=12, tzinfo=None)
            notice = conn.execute(select(Outbox)).one()
        assert notice.target == "CSYNC" and notice.status == "pending"
        assert "北京字节跳动科技有限公司" in notice.payload["text"] and "张三" in notice.payload["text"]

    def test_refuses_a_second_rep_naming_owner_stage_and_expiry(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        result = container.service.execute(actor("U2"), Register("字节跳动科技有限公司"))
        assert not result.ok and result.kind == "conflict"
        match = result.matches[0]
        assert (match.owner, match.stage, match.reason) == ("张三", "lead", "name")
        assert match.protected_until == NOW.replace(month=12)
        assert count(db, Client) == 1 and count(db, Lead) == 1

    def test_short_name_of_a_registered_full_name_conflicts_on_the_core(self, container):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        result = container.service.execute(actor("U2"), Register("字节跳动"))
        assert result.kind == "conflict" and result.matches[0].reason == "core"
        assert result.matches[0].reason_value == "字节跳动"

    def test_a_short_name_ending_in_an_industry_word_of_the_full_names_core_conflicts(self, container):
        # 鱼跃医疗 alone reads as 鱼跃 + 医疗; the full name keeps 医疗 in its core (鱼跃医疗 + 设备)
        container.service.execute(actor("U1"), Register("江苏鱼跃医疗设备股份有限公司"))
        found = container.service.execute(actor("U2"), Check("鱼跃医疗"))
        assert [(m.name, m.reason, m.reason_value) for m in found.matches] == [
            ("江苏鱼跃医疗设备股份有限公司", "core", "鱼跃医疗")]
        container.service.execute(actor("U2"), Register("燊亮云"))
        result = container.service.execute(actor("U1"), Register("福州市燊亮云旅游有限公司"))
        assert result.kind == "conflict" and (result.matches[0].name, result.matches[0].reason_value) == (
            "燊亮云", "燊亮云")

    def test_same_credit_code_phone_or_domain_conflicts_whatever_the_name(self, container):
        container.service.execute(actor("U1"), Register("甲公司科技", phone="13800138000",
                                                        credit_code="91110000802100433B",
                                                        email="boss@acme-cn.com"))
        for other in (Register("乙公司", credit_code="91110000802100433B"),
                      Register("丙公司", phone="+86 138-0013-8000"),
                      Register("丁公司", email="sales@ACME-CN.com")):
            result = container.service.execute(actor("U2"), other)
            assert result.kind == "conflict", other
        reasons = [container.service.execute(actor("U2"), Check(q)).matches[0].reason
                   for q in ("91110000802100433B", "13800138000", "x@acme-cn.com")]
        assert reasons == ["credit_code", "phone", "domain"]

    def test_group_companies_sharing_a_domain_in_two_provinces_are_two_clients(self, container):
        container.service.execute(actor("U1"), Register("中国移动通信集团浙江有限公司", email="a@chinamobile.com"))
        held = container.service.execute(actor("U2"), Register("中国移动通信集团江苏有限公司", email="b@chinamobile.com"))
        assert held.kind == "registered"
        refused = container.service.execute(actor("U2"), Register("浙江移动公司", email="c@chinamobile.com"))
        assert (refused.kind, refused.matches[0].reason) == ("conflict", "domain")
        found = container.service.execute(actor("U3"), Check("d@chinamobile.com"))
        assert sorted(m.name for m in found.matches) == ["中国移动通信集团江苏有限公司", "中国移动通信集团浙江有限公司"]

    def test_two_credit_codes_are_two_legal_bodies_whatever_the_names_say(self, container):
        group, estate, branch = (code(body) for body in ("91440606MA4UH7RK0", "91440606MA51E5LP0",
                                                         "91310115MA1K4B2N0"))
        container.service.execute(actor("U1"), Register("美的集团股份有限公司", credit_code=group))
        held = container.service.execute(actor("U2"), Register("美的置业集团有限公司", credit_code=estate))
        assert held.kind == "registered"  # same core 美的, but another body
        refused = container.service.execute(actor("U3"), Register("美的集团", credit_code=group))
        assert (refused.kind, refused.matches[0].reason) == ("conflict", "credit_code")
        named = container.service.execute(actor("U3"), Register("美的"))  # no code: the name decides
        assert (named.kind, named.matches[0].name) == ("conflict", "美的集团股份有限公司")
        # a branch has a code of its own and is one client with its company
        branch_of = container.service.execute(actor("U3"), Register("美的置业集团有限公司上海分公司", credit_code=branch))
        assert (branch_of.kind, branch_of.matches[0].name) == ("conflict", "美的置业集团有限公司")

    def test_two_bodies_may_share_every_key_but_a_credit_code(self, container, db):
        first, second = code("91330106MA2GL0P1X"), code("91320506MA1MQ3TK0")
        container.service.execute(actor("U1"), Register("星河科技有限公司", credit_code=first, phone="13800138000"))
        held = container.service.execute(actor("U2"), Register("星河科技有限公司", credit_code=second,
                                                                phone="13800138000"))
        assert held.kind == "registered"
        found = container.service.execute(actor("U3"), Check("星河科技"))
        assert [m.name for m in found.matches] == ["星河科技有限公司", "星河科技有限公司"]
        with db.engine.begin() as conn, pytest.raises(IntegrityError):  # the code itself stays one client's
            conn.execute(insert(ClientKey).values(tenant="local", client_id=found.matches[1].client_id,
                                                  kind="credit_code", value=first, qualifier=""))

    def test_free_mail_never_identifies_a_company(self, container):
        container.service.execute(actor("U1"), Register("甲公司科技", email="boss@qq.com"))
        result = container.service.execute(actor("U2"), Register("乙公司贸易", email="other@qq.com"))
        assert result.kind == "registered"

    def test_same_name_in_different_cities_is_a_different_company(self, container):
        container.service.execute(actor("U1"), Register("杭州星辰网络科技有限公司"))
        result = container.service.execute(actor("U2"), Register("苏州星辰网络科技有限公司"))
        assert result.kind == "registered"

    def test_jilin_city_is_a_city_of_its_own_beside_changchun(self, container):
        # 吉林 is a province and 吉林市 a city of it: 长春 lies in the province, not in the city
        container.service.execute(actor("U1"), Register("长春鸿运汽车销售服务有限公司"))
        assert container.service.execute(actor("U2"), Register("吉林市鸿运汽车销售服务有限公司")).kind == "registered"
        found = container.service.execute(actor("U3"), Check("吉林省鸿运汽车销售服务有限公司"))  # either may be it
        assert {m.name for m in found.matches} == {"长春鸿运汽车销售服务有限公司", "吉林市鸿运汽车销售服务有限公司"}
        assert container.service.execute(actor("U3"), Register("吉林省鸿运汽车销售服务有限公司")).kind == "conflict"

    def test_a_place_brand_is_named_by_its_nearest_place(self, container):
        # 柳州钢铁 is a city's steelworks: the province in front of the city adds nothing
        container.service.execute(actor("U1"), Register("广西柳州钢铁集团有限公司"))
        refused = container.service.execute(actor("U2"), Register("柳州钢铁集团有限公司"))
        assert (refused.kind, refused.matches[0].reason, refused.matches[0].reason_value) == (
            "conflict", "name", "柳州钢铁")
        # 大数据 is one industry word: a province's 大数据 companies are told apart by their whole names
        container.service.execute(actor("U1"), Register("贵州大数据科技有限公司"))
        assert container.service.execute(actor("U2"), Register("贵州大数据产业发展有限公司")).kind == "registered"

    def test_a_place_nickname_is_no_company_word_and_is_matched_on_the_whole_name(self, container):
        # 光谷 is Wuhan's optics valley: its companies are told apart by all of their names
        container.service.execute(actor("U1"), Register("武汉光谷信息技术有限公司"))
        assert container.service.execute(actor("U2"), Register("武汉光谷网络科技有限公司")).kind == "registered"
        refused = container.service.execute(actor("U2"), Register("光谷信息技术（武汉）有限公司"))
        assert (refused.kind, refused.matches[0].name) == ("conflict", "武汉光谷信息技术有限公司")
        # a city and its district in a bracket are places: （南京鼓楼） is 南京市鼓楼区
        container.service.execute(actor("U1"), Register("南京市鼓楼区金陵口腔门诊部"))
        refused = container.service.execute(actor("U2"), Register("金陵口腔门诊部（南京鼓楼）"))
        assert (refused.kind, refused.matches[0].name) == ("conflict", "南京市鼓楼区金陵口腔门诊部")

    def test_same_name_in_two_counties_is_two_bodies_but_a_county_may_lie_in_its_province(self, container):
        container.service.execute(actor("U1"), Register("固始县农村信用合作联社"))
        assert container.service.execute(actor("U2"), Register("商城县农村信用合作联社")).kind == "registered"
        refused = container.service.execute(actor("U2"), Register("河南省固始县农村信用合作联社"))
        assert (refused.kind, [m.name for m in refused.matches]) == ("conflict", ["固始县农村信用合作联社"])

    def test_brand_word_shared_across_sectors_is_not_a_match(self, container):
        container.service.execute(actor("U1"), Register("招商银行"))
        container.service.execute(actor("U1"), Register("中国银行"))
        assert container.service.execute(actor("U2"), Register("招商证券")).kind == "registered"
        assert container.service.execute(actor("U2"), Register("中国建设银行")).kind == "registered"

    def test_a_name_with_only_a_weak_industry_word_is_the_one_that_has_the_word_too(self, container):
        # 科技 says how a company works, not in what: 云帆科技 is 云帆教育科技, not 云帆银行
        container.service.execute(actor("U1"), Register("北京云帆教育科技有限公司"))
        result = container.service.execute(actor("U2"), Register("云帆科技"))
        assert (result.kind, result.matches[0].reason, result.matches[0].reason_value) == ("conflict", "core", "云帆")
        assert container.service.execute(actor("U2"), Register("云帆银行")).kind == "registered"
        assert container.service.execute(actor("U3"), Register("云帆贸易")).kind == "registered"

    def test_registering_your_own_client_again_says_so(self, container, db):
        container.service.execute(actor("U1"), Register("腾讯科技（深圳）有限公司"))
        result = container.service.execute(actor("U1"), Register("深圳腾讯科技有限公司"))
        assert result.kind == "already_yours" and not result.ok
        assert count(db, Lead) == 1

    def test_every_registration_and_refusal_is_audited_with_its_rule(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        container.service.execute(actor("U2"), Register("字节跳动"))
        with db.engine.connect() as conn:
            rows = conn.execute(select(AuditEvent.action, AuditEvent.rule, AuditEvent.decision)
                                .order_by(AuditEvent.id)).all()
        assert rows == [("register", "registration.no_match", "new"),
                        ("register", "registration.protected.core", "conflict")]

    def test_unknown_user_becomes_a_rep_of_the_default_team(self, container):
        result = container.service.execute(actor("UNEW"), Register("新客户科技有限公司"))
        assert result.kind == "registered" and result.params["owner"] == "UNEW"
        assert container.service.member(actor("UNEW")).team_key == "east"

    def test_tenants_do_not_see_each_other(self, container):
        container.service.execute(actor("U1", tenant="slack:T1"), Register("北京字节跳动科技有限公司"))
        result = container.service.execute(actor("U1", tenant="slack:T2"), Register("北京字节跳动科技有限公司"))
        assert result.kind == "registered"

    def test_aliases_are_identity_names(self, container):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司", aliases=("ByteDance",)))
        result = container.service.execute(actor("U2"), Register("ByteDance Ltd."))
        assert result.kind == "conflict"


class TestBadInput:
    BAD = [
        ("register", "usage.form_unavailable"),
        ("register   ", "usage.form_unavailable"),
        ("register " + "字" * 10_000, "usage.too_long"),
        ("register " + "字" * 150, "problem.name_too_long"),
        ("register ！！！。。。", "problem.name_empty"),
        ("register 🚀🚀", "problem.name_bad_chars"),
        ("register '; DROP TABLE client; --", "problem.name_bad_chars"),
        ("register 北京字节 credit_code=91110000802100433A", "problem.credit_code_invalid"),
        ("register 北京字节 credit_code=123", "problem.credit_code_invalid"),
        ("register 北京字节 phone=12345", "problem.phone_invalid"),
        ("register 北京字节 phone=abc", "problem.phone_invalid"),
        ("register 北京字节 email=not-an-email", "problem.email_invalid"),
        ("register 北京字节 colour=red", "usage.unknown_key"),
        ("register 北京字节 phone=", "usage.missing_value"),
        ('register 北京字节 region="北京', "usage.unclosed_quote"),
        ("register phone=13800138000", "usage.missing_name"),
        ("register 网络科技有限公司", "problem.name_generic"),
        ("check", "usage.missing_query"),
        ("check someone@gmail.com", "problem.email_free_mail"),
        ("frobnicate x", "usage.unknown_command"),
    ]

    def test_each_bad_input_gets_its_message_and_writes_nothing(self, container, db):
        for text, msg in self.BAD:
            result = container.service.execute(actor("U1"), parse_command(text))
            assert (result.ok, result.msg) == (False, msg), text
        assert count(db, Client) == 0 and count(db, ClientKey) == 0 and count(db, Lead) == 0
        assert count(db, Outbox) == 0

    def test_a_blank_name_from_a_form_is_refused(self, container):
        result = container.service.execute(actor("U1"), Register(name="   "))
        assert (result.ok, result.msg) == (False, "problem.name_missing")

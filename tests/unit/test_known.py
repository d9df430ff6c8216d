"""The list of known names: which names one company goes by, and the keys they bring into a lookup."""

from __future__ import annotations

from bot.policy import IdentityPolicy
from bot.rules.identity import KeyKind, build_identity, query_for
from bot.rules.known import KnownNames
from bot.rules.names import normalize_name
from bot.rules.registration import Evidence, KeyHit, key_matches, known_matches

KNOWN = KnownNames.build([
    ("meituan", ["北京三快在线科技有限公司", "美团", "Meituan"]),
    ("mitsubishi_corp", ["Mitsubishi Corporation", "三菱商事"]),
    ("mitsubishi_motors", ["Mitsubishi Motors Corporation", "三菱汽车"]),
    ("empty", ["有限公司", "···"]),  # names that name no company are left out
    ("tongrentang", ["北京同仁堂股份有限公司", "同仁堂"]),
    ("pingan_health", ["平安健康医疗科技有限公司", "平安好医生"]),
    ("pepsico", ["百事公司", "PepsiCo"]),
    ("best_inc", ["百世集团", "BEST Inc."]),
    ("wanda", ["大连万达集团股份有限公司", "万达集团"]),
    ("wonders_info", ["万达信息股份有限公司", "万达信息"]),
    ("yunda", ["韵达控股股份有限公司", "韵达快递", "韵达"]),
    ("windey", ["浙江运达风电股份有限公司", "运达股份"]),
])
POLICY = IdentityPolicy(known_names="")


def name(raw: str):
    norm = normalize_name(raw)
    assert norm is not None
    return norm


def two_companies(raw: str, core: str, sectors: frozenset[str]) -> bool:
    """Whether near-miss scoring tells the name and a stored core apart as two known companies
    (``near_misses.score_near_misses``: the name's company by its core, then each candidate's)."""
    norm = name(raw)
    company = KNOWN.company_of_core(norm.core, norm.sectors, norm.region)
    return company is not None and KNOWN.other_company(company, core, sectors, None)


class TestKnownNames:
    def test_two_companies_names_cores_of_two_listed_companies(self):
        none = frozenset()
        assert two_companies("百事", "百世", none)  # same reading, two companies: not a slip
        assert not two_companies("百事", "百事", none)
        assert not two_companies("百事", "百是", none)  # one side unknown: may still be a slip
        assert not two_companies("mitsubishi", "百事", none)  # a core two companies share
        assert not two_companies("百事", "mitsubishi", none)  # tells neither, either side

    def test_a_sector_that_rules_a_company_out_leaves_the_name_unknown(self):
        express = name("韵达快递").sectors
        assert two_companies("运达股份", "韵达", express)  # the wind-turbine maker
        assert not two_companies("运达快递", "韵达", express)  # not it: maybe a slip of 韵达
        assert not two_companies("运达股份", "韵达", name("韵达风电").sectors)

    def test_a_name_finds_its_company_by_body_or_by_a_core_only_it_has(self):
        assert KNOWN.company_of(name("美团")) == "meituan"
        assert KNOWN.company_of(name("上海三快在线科技有限公司")) == "meituan"  # same core, another city
        assert KNOWN.company_of(name("Mitsubishi Motors")) == "mitsubishi_motors"
        assert KNOWN.company_of(name("Mitsubishi Corp.")) == "mitsubishi_corp"
        assert KNOWN.company_of(name("Mitsubishi Electric")) is None  # the core two companies share tells neither
        assert KNOWN.company_of(name("三菱汽车销售")) == "mitsubishi_motors"
        assert KNOWN.company_of(name("三菱电机")) is None  # a core only one has, but another sector
        assert KNOWN.company_of(name("北京同仁堂药业")) == "tongrentang"
        assert KNOWN.company_of(name("南京同仁堂药业有限责任公司")) is None  # or another city
        assert KNOWN.company_of(name("字节跳动")) is None
        assert KNOWN.names["empty"] == ()

    def test_other_names_are_the_rest_of_the_company(self):
        assert {n.body for n in KNOWN.other_names([name("美团")])} == {"三快在线科技", "meituan"}


class TestRelatedKeys:
    def test_a_known_name_brings_its_other_names_keys_into_the_lookup(self):
        identity = build_identity("美团", POLICY, known=KNOWN)
        assert {(k.kind, k.value) for k in identity.related} == {
            (KeyKind.NAME, "三快在线科技"), (KeyKind.CORE, "三快"), (KeyKind.NAME, "meituan"),
            (KeyKind.CORE, "meituan")}
        assert build_identity("字节跳动", POLICY, known=KNOWN).related == ()
        assert {k.value for k in query_for("Meituan", POLICY, KNOWN).related} >= {"美团", "三快"}

    def test_a_hit_on_a_related_key_is_a_possible_match_unless_it_matches_already(self):
        related = build_identity("美团", POLICY, known=KNOWN).related
        hits = [KeyHit(7, KeyKind.CORE, "三快", "北京|tech"), KeyHit(8, KeyKind.CORE, "meituan", "|"),
                KeyHit(9, KeyKind.CORE, "字节跳动", "|")]
        assert known_matches(related, hits, {8: Evidence(KeyKind.NAME, "meituan")}) == {
            7: Evidence(KeyKind.KNOWN, "三快")}

    def test_a_known_names_place_and_sectors_still_count(self):
        related = build_identity("平安好医生", POLICY, known=KNOWN).related
        assert (KeyKind.CORE, "平安") in {(k.kind, k.value) for k in related}
        insurer, clinic = KeyHit(3, KeyKind.CORE, "平安", "|insurance"), KeyHit(4, KeyKind.CORE, "平安", "|health")
        assert known_matches(related, [insurer, clinic], {}) == {4: Evidence(KeyKind.KNOWN, "平安")}


class TestTwoKnownCompanies:
    """Two known companies that share a core are two clients: each core key carries its company."""

    @staticmethod
    def core_key(identity_or_query):
        """The key of the name's core (a name typed alone with an industry word has its whole body's too)."""
        [key] = [k for k in identity_or_query.keys if k.kind is KeyKind.CORE and k.value == identity_or_query.name.core]
        return key

    def test_a_known_names_core_key_names_its_company(self):
        assert self.core_key(build_identity("大连万达集团股份有限公司", POLICY, known=KNOWN)).qualifier == "大连||wanda"
        assert self.core_key(query_for("万达信息", POLICY, KNOWN)).qualifier == "|tech|wonders_info"
        whole = [k for k in query_for("万达信息", POLICY, KNOWN).keys if k.kind is KeyKind.CORE and k.value == "万达信息"]
        assert [k.qualifier for k in whole] == ["||wonders_info"]  # typed alone: its whole body, its company
        assert self.core_key(build_identity("万达科技", POLICY, known=KNOWN)).qualifier == "|?tech"  # unknown

    def test_a_bare_brand_names_no_company(self):
        # A brand may be typed for any company of its group (三一 of 三一重工 and of 三一集团).
        assert self.core_key(query_for("美团", POLICY, KNOWN)).qualifier == "|"

    def test_two_companies_keys_do_not_match_and_an_unknown_side_proves_nothing(self):
        wonders = self.core_key(query_for("万达信息", POLICY, KNOWN))
        assert not key_matches(wonders, KeyHit(1, KeyKind.CORE, "万达", "大连||wanda"))
        assert key_matches(wonders, KeyHit(1, KeyKind.CORE, "万达", "大连|"))  # stored before the list knew it
        assert key_matches(wonders, KeyHit(1, KeyKind.CORE, "万达", "|tech|wonders_info"))
        unknown = self.core_key(query_for("万达科技", POLICY, KNOWN))
        assert key_matches(unknown, KeyHit(1, KeyKind.CORE, "万达", "大连||wanda"))

"""Near misses: a plausible typo of a registered core is a possible duplicate, not a conflict."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.commands import Check, Register
from bot.rules.fuzzy import swap_key
from bot.rules.identity import build_identity
from bot.service import FIRST_STAGE, Service
from store.models import AuditEvent, Client, ClientVariant, Outbox
from store.uow import UnitOfWork
from tests.conftest import actor


def migrate_to(db, database_url: str, revision: str) -> None:
    """Down to ``revision``, or up to ``head``, with the pool's connections closed first."""
    from alembic import command

    from store.migrate import alembic_config, upgrade

    db.dispose()
    if revision == "head":
        upgrade(database_url)
    else:
        command.downgrade(alembic_config(database_url), revision)


def scalar(db, stmt):
    with db.engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


class TestPossibleDuplicate:
    def test_a_one_character_typo_is_held_back_with_the_candidate(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        result = container.service.execute(actor("U2"), Register("字节跳东科技有限公司"))
        assert (result.ok, result.kind) == (False, "possible")
        [match] = result.matches
        assert (match.name, match.owner, match.reason, match.reason_value, match.score) == (
            "北京字节跳动科技有限公司", "张三", "typo", "字节跳动", 80)
        assert scalar(db, select(func.count()).select_from(Client)) == 1
        rule = scalar(db, select(AuditEvent.rule).order_by(AuditEvent.id.desc()).limit(1))
        assert rule == "registration.possible_duplicate.typo"

    def test_a_justification_registers_and_tells_the_manager(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        result = container.service.execute(actor("U2"), Register("字节跳东科技有限公司",
                                                                 justification="字节跳东是另一家，做跳绳的"))
        assert result.kind == "registered"
        with db.engine.connect() as conn:
            audit = conn.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
            notices = conn.execute(select(Outbox.target, Outbox.payload).order_by(Outbox.id)).all()
        assert audit.rule == "registration.justified_over_possible"
        assert audit.facts["justification"] == "字节跳东是另一家，做跳绳的"
        targets = [target for target, _ in notices]
        assert targets == ["CSYNC", "CSYNC", "UMGR"]
        assert "字节跳东是另一家" in notices[-1][1]["text"] and "北京字节跳动科技有限公司" in notices[-1][1]["text"]

    def test_check_shows_near_misses_below_exact_matches(self, container):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        result = container.service.execute(actor("U2"), Check("字节跳东"))
        assert result.kind == "found" and [m.reason for m in result.matches] == ["typo"]

    def test_short_cores_and_other_sectors_are_not_typos(self, container):
        container.service.execute(actor("U1"), Register("小米科技有限责任公司"))
        container.service.execute(actor("U1"), Register("星辰宇航科技有限公司"))
        assert container.service.execute(actor("U2"), Register("小麦科技有限公司")).kind == "registered"
        assert container.service.execute(actor("U2"), Register("星辰雨航餐饮有限公司")).kind == "registered"

    def test_a_city_typed_with_a_slip_and_a_character_typed_twice(self, container):
        container.service.execute(actor("U1"), Register("东莞市金达利五金制品有限公司"))
        found = container.service.execute(actor("U2"), Check("东管市金达利五金制品有限公司"))  # 莞 / 管: guan
        assert [(m.name, m.reason, m.reason_value) for m in found.matches] == [
            ("东莞市金达利五金制品有限公司", "name", "金达利五金制品")]
        held = container.service.execute(actor("U2"), Register("东莞金达利利五金制品有限公司"))
        assert (held.kind, [(m.name, m.reason) for m in held.matches]) == (
            "possible", [("东莞市金达利五金制品有限公司", "typo")])

    def test_a_short_core_with_a_character_that_sounds_apart_is_another_name(self, container):
        # a pinyin keyboard slips to a character that sounds alike (珠 / 株), not to 珍
        container.service.execute(actor("U1"), Register("昆明滇池明珠酒店有限公司"))
        assert container.service.execute(actor("U2"), Register("昆明滇池珍珠酒店有限公司")).kind == "registered"
        found = container.service.execute(actor("U3"), Check("滇池明株酒店"))
        assert [(m.name, m.reason) for m in found.matches] == [("昆明滇池明珠酒店有限公司", "typo")]

    def test_many_similar_clients_do_not_hide_the_candidate(self, container):
        pool = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
        registered = 0
        for a in pool:  # many clients share most characters with the target
            for b in pool[:3]:
                result = container.service.execute(actor("U1"), Register(f"华宇{a}{b}{a}{b}科技有限公司"))
                registered += result.kind == "registered"
        container.service.execute(actor("U1"), Register("华宇星辰动力科技有限公司"))
        assert registered > 50
        result = container.service.execute(actor("U2"), Register("华宇星晨动力科技有限公司"))
        assert result.kind == "possible" and [m.reason_value for m in result.matches] == ["华宇星辰动力"]

    def test_variants_are_written_with_the_client(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司", aliases=("ByteDance",)))
        with db.engine.connect() as conn:
            stored = {v for (v,) in conn.execute(select(ClientVariant.variant))}
        assert stored == {"字节跳动", "节跳动", "字跳动", "字节动", "字节跳", "~字 jie tiao dong", "~zi 节 tiao dong",
                          "~zi jie 跳 dong", "~zi jie tiao 动", "^字节", "^字节跳", "bytedance",
                          "ytedance", "btedance",
                          "byedance", "bytdance", "byteance", "bytednce", "bytedace", "bytedane", "bytedanc",
                          "%zijietiaodong", "@bytedance"}

    def test_a_client_registered_after_candidate_retrieval_is_still_caught_under_the_lock(self, container):
        svc = container.service
        identity = build_identity("字节跳东科技有限公司", container.policy.identity)
        seen_up_to = 0  # retrieval happened before anything was registered
        svc.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        me = svc.member(actor("U2"))
        result = svc._register_locked(actor("U2"), me, Register("字节跳东科技有限公司"), identity, {}, seen_up_to)
        assert result.kind == "possible"
        with UnitOfWork(container.db) as uow:
            assert uow.repos.clients.count("local") == 1


class TestCheckRoundTrips:
    """check is typed before every call: one connection, no transaction on PostgreSQL, three statements."""

    @staticmethod
    def _traced_check(container, db, text: str, checkouts: int | None = 1):
        from sqlalchemy import event

        statements: list[str] = []
        checked_out: list[object] = []
        autocommit: list[bool] = []

        def on_execute(conn, _cursor, statement, _params, _context, _many):
            statements.append(statement)
            autocommit.append(bool(getattr(conn.connection.dbapi_connection, "autocommit", False)))

        def on_checkout(*_args):
            checked_out.append(True)

        event.listen(db.engine, "before_cursor_execute", on_execute)
        event.listen(db.engine.pool, "checkout", on_checkout)
        try:
            result = container.service.execute(actor("U2"), Check(text))
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)
            event.remove(db.engine.pool, "checkout", on_checkout)
        issued = [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "ROLLBACK"))]
        if checkouts is not None:  # a first command of a process syncs the policy in units of its own
            assert len(checked_out) == checkouts
            if not db.is_sqlite:  # autocommit: psycopg sends no BEGIN / ROLLBACK round trips
                assert autocommit == [True] * len(statements)
        return result, issued

    def test_a_typo_check_reads_the_lookup_and_the_near_misses_owners(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        container.service.execute(actor("U2"), Check("腾讯"))  # U2 exists, the policy is synced, U2 was read
        result, issued = self._traced_check(container, db, "字节跳东")
        assert result.kind == "found" and [(m.name, m.owner) for m in result.matches] == [
            ("北京字节跳动科技有限公司", "张三")]
        assert len(issued) == 2, issued  # key hits and near-miss candidates; the typo's match row

    def test_the_caller_is_read_once_per_process(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        kept = container.service
        container.service = Service(db, kept.policy, kept.clock)  # another worker process
        try:
            _, first = self._traced_check(container, db, "字节跳动", checkouts=None)
            _, second = self._traced_check(container, db, "字节跳动")
        finally:
            container.service = kept
        caller_reads = [[st for st in issued if "AS manager" in st] for issued in (first, second)]
        assert [len(reads) for reads in caller_reads] == [1, 0]  # once, after it synced the policy

    def test_a_check_that_only_hits_keys_reads_their_owners_with_the_lookup(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        container.service.execute(actor("U3"), Register("字节跳动（上海）科技有限公司"))
        container.service.execute(actor("U2"), Check("腾讯"))
        result, issued = self._traced_check(container, db, "字节跳动")
        assert result.kind == "found" and sorted((m.name, m.owner, m.stage) for m in result.matches) == [
            ("北京字节跳动科技有限公司", "张三", FIRST_STAGE), ("字节跳动（上海）科技有限公司", "U3", FIRST_STAGE)]
        assert len(issued) == 1, issued  # key hits with their owners, and near-miss candidates

    def test_a_crowded_core_reads_the_owners_of_the_clients_shown_and_no_others(self, container, db):
        # twelve 星河 companies in twelve cities: a bare 星河 hits them all, the reply lists the first ten
        cities = ("杭州", "苏州", "南京", "无锡", "宁波", "合肥", "武汉", "长沙", "成都", "重庆", "西安", "厦门")
        for i, city in enumerate(cities):
            container.service.execute(actor(("U1", "U3")[i % 2]), Register(f"{city}星河网络科技有限公司"))
        container.service.shown_matches = 10
        container.service.execute(actor("U2"), Check("腾讯"))
        result, issued = self._traced_check(container, db, "星河")
        assert result.params["count"] == 12
        assert [(m.name, m.owner) for m in result.matches] == [
            (f"{city}星河网络科技有限公司", ("张三", "U3")[i % 2]) for i, city in enumerate(cities[:10])]
        assert len(issued) == 1, issued  # the ten shown were read with the key hits
        # a name in a city: its one match lies past the first ten the key hits name, and is read after
        result, issued = self._traced_check(container, db, "厦门星河网络科技有限公司")
        assert [(m.name, m.owner) for m in result.matches] == [("厦门星河网络科技有限公司", "U3")]
        assert len(issued) == 2, issued


class TestShortStarts:
    """A short name typed bare (字节, 海康) and a long core starting with it: a possible duplicate, either order."""

    def test_check_and_register_a_short_start(self, container):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        found = container.service.execute(actor("U2"), Check("字节"))
        assert [(m.name, m.reason, m.reason_value, m.score) for m in found.matches] == [
            ("北京字节跳动科技有限公司", "prefix", "字节跳动", 70)]
        held = container.service.execute(actor("U2"), Register("字节"))
        assert (held.kind, held.data["rule"]) == ("possible", "registration.possible_duplicate.prefix")
        container.service.execute(actor("U1"), Register("海康"))
        held = container.service.execute(actor("U2"), Register("杭州海康威视数字技术股份有限公司"))
        assert (held.kind, [m.name for m in held.matches]) == ("possible", ["海康"])

    def test_a_core_with_words_around_it_is_not_a_short_name(self, container):
        container.service.execute(actor("U1"), Register("招商银行股份有限公司"))
        container.service.execute(actor("U1"), Register("完美（中国）有限公司"))
        assert container.service.execute(actor("U2"), Register("招商蛇口")).kind == "registered"
        assert container.service.execute(actor("U2"), Register("完美日记")).kind == "registered"


class TestHomophoneSlips:
    """Short Chinese cores: the pinyin keyboard's slip (same syllable, wrong character) is a possible duplicate."""

    def test_a_homophone_of_a_short_core_is_held_back(self, container):
        container.service.execute(actor("U1"), Register("腾讯科技（深圳）有限公司"))
        result = container.service.execute(actor("U2"), Register("腾迅科技有限公司"))
        assert (result.kind, [(m.name, m.reason, m.reason_value) for m in result.matches]) == (
            "possible", [("腾讯科技（深圳）有限公司", "typo", "腾讯")])
        found = container.service.execute(actor("U2"), Check("哇哈哈"))
        assert found.kind == "not_found"
        container.service.execute(actor("U1"), Register("杭州娃哈哈集团有限公司"))
        found = container.service.execute(actor("U2"), Check("哇哈哈"))
        assert [(m.name, m.reason) for m in found.matches] == [("杭州娃哈哈集团有限公司", "typo")]

    def test_other_sounds_other_cities_and_other_sectors_are_new(self, container):
        container.service.execute(actor("U1"), Register("小米科技有限责任公司"))
        container.service.execute(actor("U1"), Register("杭州星辰科技有限公司"))
        assert container.service.execute(actor("U2"), Register("小麦科技有限公司")).kind == "registered"
        assert container.service.execute(actor("U2"), Register("晓米餐饮有限公司")).kind == "registered"
        assert container.service.execute(actor("U2"), Register("苏州星尘科技有限公司")).kind == "registered"
        assert container.service.execute(actor("U2"), Register("晓米科技有限公司")).kind == "possible"

    def test_the_migrations_give_existing_clients_their_sound_keys_and_starts(self, container, db, database_url):
        container.service.execute(actor("U1"), Register("腾讯科技（深圳）有限公司"))
        container.service.execute(actor("U1"), Register("字节"))
        container.service.execute(actor("U1"), Register("杭州海康威视数字技术股份有限公司"))
        sound = select(func.count()).select_from(ClientVariant).where(
            ClientVariant.variant.in_(["~腾 xun", "~teng 讯", "~zi 节", "=字节", "^海康", "^海康威", "%tengxun"]))
        whole_reading = select(func.count()).select_from(ClientVariant).where(
            ClientVariant.variant.in_(["~teng xun", "~zi jie"]))
        assert (scalar(db, sound), scalar(db, whole_reading)) == (7, 0)
        migrate_to(db, database_url, "0006")
        assert (scalar(db, sound), scalar(db, whole_reading)) == (3, 2)  # the starts stay; one key per core
        migrate_to(db, database_url, "0005")
        assert (scalar(db, sound), scalar(db, whole_reading)) == (0, 0)
        migrate_to(db, database_url, "head")
        assert (scalar(db, sound), scalar(db, whole_reading)) == (7, 0)
        assert container.service.execute(actor("U2"), Check("腾迅")).kind == "found"

    def test_the_migration_gives_existing_clients_their_sorted_characters(self, container, db, database_url):
        container.service.execute(actor("U1"), Register("北京同仁堂股份有限公司"))
        swapped = select(func.count()).select_from(ClientVariant).where(ClientVariant.variant == swap_key("同仁堂"))
        assert scalar(db, swapped) == 1
        migrate_to(db, database_url, "0008")
        assert scalar(db, swapped) == 0
        migrate_to(db, database_url, "head")
        assert scalar(db, swapped) == 1
        assert container.service.execute(actor("U2"), Check("仁同堂")).kind == "found"


class TestSwappedPairs:
    """Two neighbouring characters typed the wrong way round: a possible duplicate, even of a short core."""

    def test_a_swapped_pair_of_a_three_character_core_is_held_back(self, container):
        container.service.execute(actor("U1"), Register("北京同仁堂股份有限公司"))
        held = container.service.execute(actor("U2"), Register("北京仁同堂股份"))
        assert (held.kind, held.data["rule"]) == ("possible", "registration.possible_duplicate.typo")
        assert [(m.name, m.reason, m.reason_value) for m in held.matches] == [
            ("北京同仁堂股份有限公司", "typo", "同仁堂")]
        container.service.execute(actor("U1"), Register("Zhejiang Dahua Technology Co., Ltd."))
        found = container.service.execute(actor("U2"), Check("Zhejiang Dauha Technology"))
        assert [(m.name, m.reason) for m in found.matches] == [("Zhejiang Dahua Technology Co., Ltd.", "typo")]

    def test_characters_further_apart_or_a_two_character_core_are_new(self, container):
        container.service.execute(actor("U1"), Register("北京同仁堂股份有限公司"))
        container.service.execute(actor("U1"), Register("腾讯科技有限公司"))
        assert container.service.execute(actor("U2"), Register("北京堂仁同股份")).kind == "registered"
        assert container.service.execute(actor("U2"), Register("讯腾科技有限公司")).kind == "registered"


class TestPinyinSpellings:
    """A Chinese company's English name is often its pinyin: a possible duplicate, in either order."""

    def test_an_english_name_spelled_in_pinyin_is_held_back(self, container):
        container.service.execute(actor("U1"), Register("恒达昌国际贸易有限公司"))
        held = container.service.execute(actor("U2"), Register("Hengdachang International Trading Co., Ltd."))
        assert (held.kind, held.data["rule"]) == ("possible", "registration.possible_duplicate.pinyin")
        assert [(m.name, m.reason, m.reason_value, m.score) for m in held.matches] == [
            ("恒达昌国际贸易有限公司", "pinyin", "恒达昌", 75)]
        container.service.execute(actor("U1"), Register("Jinding Semiconductor Limited"))
        found = container.service.execute(actor("U2"), Check("金鼎半导体"))
        assert [(m.name, m.reason, m.reason_value) for m in found.matches] == [
            ("Jinding Semiconductor Limited", "pinyin", "jinding")]

    def test_another_sector_or_spelling_is_new(self, container):
        container.service.execute(actor("U1"), Register("金鼎半导体有限公司"))
        assert container.service.execute(actor("U2"), Register("Jinding Foods Ltd")).kind == "registered"
        assert container.service.execute(actor("U2"), Register("Jindin Semiconductor")).kind == "registered"


class TestKnownNames:
    """Another name of the same company in the list of known names (identity.known_names): possible."""

    @pytest.fixture
    def known(self, settings, clock, db):
        from bot.bootstrap import bootstrap
        from bot.policy import parse_policy
        from tests.conftest import TEST_POLICY

        policy = parse_policy({**TEST_POLICY, "identity": {"known_names": "tests/data/known_sample.jsonl"}})
        return bootstrap(settings, policy=policy, clock=clock, db=db)

    def test_a_brand_and_its_legal_name_find_each_other(self, known):
        known.service.execute(actor("U1"), Register("北京三快在线科技有限公司"))
        held = known.service.execute(actor("U2"), Register("美团"))
        assert (held.kind, held.data["rule"]) == ("possible", "registration.possible_duplicate.known")
        assert [(m.name, m.reason, m.reason_value, m.score) for m in held.matches] == [
            ("北京三快在线科技有限公司", "known", "三快", 85)]
        known.service.execute(actor("U1"), Register("Carrefour S.A."))
        found = known.service.execute(actor("U2"), Check("家乐福"))
        assert [(m.name, m.reason) for m in found.matches] == [("Carrefour S.A.", "known")]
        assert known.service.execute(actor("U2"), Register("美团", justification="美团的另一家主体")).kind == "registered"

    def test_two_companies_the_list_tells_apart_are_two_clients(self, known):
        known.service.execute(actor("U1"), Register("大连万达集团股份有限公司"))
        # Same core 万达, but the list has Wonders Information and Wanda as two companies.
        assert known.service.execute(actor("U2"), Register("万达信息")).kind == "registered"
        assert [m.name for m in known.service.execute(actor("U3"), Check("万达信息股份有限公司")).matches] == ["万达信息"]
        # A bare brand may be typed for any company of a group: it still finds both.
        found = known.service.execute(actor("U3"), Check("万达"))
        assert sorted(m.name for m in found.matches) == ["万达信息", "大连万达集团股份有限公司"]
        # A name the list does not know proves nothing apart: 万达科技 is refused as before.
        refused = known.service.execute(actor("U3"), Register("万达科技"))
        assert refused.kind == "conflict"

    def test_a_slip_toward_a_known_name_whose_sector_rules_it_out_is_still_held_back(self, known):
        known.service.execute(actor("U1"), Register("韵达控股股份有限公司"))
        # 运达 is a wind-turbine maker in the list; 运达快递 is not it, so it may be a slip of 韵达
        held = known.service.execute(actor("U2"), Register("运达快递"))
        assert (held.kind, [(m.name, m.reason, m.reason_value) for m in held.matches]) == (
            "possible", [("韵达控股股份有限公司", "typo", "韵达")])
        assert known.service.execute(actor("U2"), Register("浙江运达风电股份有限公司")).kind == "registered"

    def test_names_the_list_does_not_know_are_untouched(self, known):
        known.service.execute(actor("U1"), Register("北京三快在线科技有限公司"))
        assert known.service.execute(actor("U2"), Register("美菜网")).kind == "registered"

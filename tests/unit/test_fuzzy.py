"""Variants and lookups of the near-miss table, the typo rule and the short-start rule."""

from __future__ import annotations

import pytest

from bot.rules.fuzzy import (
    CoreCandidate,
    NearMiss,
    lookups,
    possible_duplicates,
    short_start,
    sound_keys,
    spelled_in_pinyin,
    swap_key,
    typo_distance,
    variants,
)
from bot.rules.sounds import sounds_near


class TestVariants:
    def test_a_core_each_one_character_deletion_and_its_short_starts(self):
        assert variants("字节跳动") == {"字节跳动", "节跳动", "字跳动", "字节动", "字节跳", *sound_keys("字节跳动"),
                                      "^字节", "^字节跳", "%zijietiaodong"}
        assert "^字节跳动" in variants("字节跳动科")  # a start of four characters of a longer core
        assert variants("bytedance") == {"bytedance", *("bytedance"[:i] + "bytedance"[i + 1:] for i in range(9)),
                                         "@bytedance"}

    def test_a_long_core_looks_up_its_starts_as_short_names(self):
        assert lookups("字节跳动") == {"字节跳动", "节跳动", "字跳动", "字节动", "字节跳", *sound_keys("字节跳动"),
                                     "=字节", "=字节跳", "@zijietiaodong"}
        assert variants("药明康德", bare=True) >= {"=药明康德"} and "^药明康德" in lookups("药明康德", bare=True)

    def test_a_short_name_typed_bare_is_stored_and_looks_up_as_a_start(self):
        assert variants("字节", bare=True) == {"~字 jie", "~zi 节", "=字节", "%zijie"}
        assert lookups("字节", bare=True) == {"~字 jie", "~zi 节", "^字节", "@zijie"}
        assert variants("字节") - {"%zijie"} == lookups("字节") - {"@zijie"} == {"~字 jie", "~zi 节"}  # not bare

    @pytest.mark.parametrize("core", ["米", "abc", "ab", "", "3com"])
    def test_cores_too_short_for_typos_have_none(self, core):
        assert variants(core) == frozenset()

    def test_chinese_cores_are_stored_by_pinyin_and_latin_ones_look_that_up(self):
        assert "%hengan" in variants("恒安") and "@hengan" in lookups("恒安")
        assert variants("apple") - {"&aelpp"} == {"@apple"} and lookups("apple") - {"&aelpp"} == {"%apple"}
        assert lookups("hengan") & variants("恒安") == {"%hengan"}
        assert variants("hengan") & lookups("恒安") == {"@hengan"}

    @pytest.mark.parametrize("core, keys", [
        ("小米", {"~小 mi", "~xiao 米"}),
        ("字节跳", {"~字 jie tiao", "~zi 节 tiao", "~zi jie 跳"}),
        ("腾讯", {"~腾 xun", "~teng 讯"}),
    ])
    def test_short_chinese_cores_have_only_their_sound_keys_one_per_character_kept(self, core, keys):
        assert {v for v in variants(core) if v[0] not in "%&"} == sound_keys(core) == keys

    @pytest.mark.parametrize("query, stored, kept", [
        ("腾迅", "腾讯", {"~腾 xun"}), ("哇哈哈", "娃哈哈", {"~wa 哈 ha", "~wa ha 哈"}), ("晓米", "小米", {"~xiao 米"}),
        ("阿里爸爸", "阿里巴巴", {"~阿 li ba ba", "~a 里 ba ba"})])
    def test_homophone_slips_share_the_keys_of_the_characters_they_keep(self, query, stored, kept):
        assert sound_keys(query) & sound_keys(stored) == kept

    @pytest.mark.parametrize("query, stored", [("小麦", "小米"), ("滑味", "华为")])
    def test_other_readings_and_slips_that_keep_nothing_do_not(self, query, stored):
        assert not lookups(query) & variants(stored)

    @pytest.mark.parametrize("query, stored", [
        ("字节跳东", "字节跳动"),      # substitution
        ("字节跳动科", "字节跳动"),    # insertion
        ("字节动跳", "字节跳动"),      # a swapped pair
        ("mircosoft", "microsoft"),
        ("bytedanse", "bytedance"),
        ("bytedance", "bytedancee"),
    ])
    def test_every_one_edit_pair_shares_a_variant(self, query, stored):
        assert lookups(query) & variants(stored)

    @pytest.mark.parametrize("query, stored", [("仁同堂", "同仁堂"), ("dauha", "dahua"), ("同堂仁", "同仁堂")])
    def test_middle_length_cores_share_their_sorted_characters(self, query, stored):
        assert lookups(query) & variants(stored) == {swap_key(stored)}

    def test_two_edits_apart_share_none_in_general(self):
        assert not lookups("阿里巴巴") & variants("阿里爸妈")


class TestTypo:
    @pytest.mark.parametrize("query, stored, distance", [
        ("字节跳东", "字节跳动", 1),          # one wrong character of a long core
        ("字节跳动", "字节跳动", None),        # identical is an exact match, not a typo
        ("小米", "小米粥", None),              # short cores differ by meaning
        ("中国建设", "中国建投", None),        # 设 / 投 sound apart: 中国建投 is another company
        ("中国建设", "中国建社", 1),            # 设 / 社: the same sound
        ("字节跳", "字节跳动", None),          # too short on one side
        ("bytedanse", "bytedance", 1),
        ("apple", "appla", None),             # short Latin core
        ("字节动跳", "字节跳动", 1),           # a swapped pair is one slip of the hand
        ("字节跳", "字节跳动科", None),        # two edits
        ("mircosoft", "microsoft", 1),
        ("腾迅", "腾讯", 1),                  # a short core: same syllable, wrong character
        ("哇哈哈", "娃哈哈", 1),
        ("小麦", "小米", None),                # another syllable is another name
        ("迅腾", "腾讯", None),                # not one slip
        ("哇哈", "娃哈哈", None),              # a short core with a character dropped
        ("wahaha", "娃哈哈", None),
        ("阿里爸爸", "阿里巴巴", 1),            # two characters, each the same syllable
        ("美希希", "美西西", 1),
        ("滑味", "华为", None),                # nothing kept: another name that sounds alike
        ("阿力爸爸", "阿里巴巴", None),         # three slips
        ("建筑第八工程局", "建筑第三工程局", None),  # a different number is a different body
        ("studio7games", "studio8games", None),
        ("中建第三局", "中建第三居", 1),
        ("佰利达通", "百利达通", 1),            # 百 is a word here, not a count
        ("仁同堂", "同仁堂", 1),              # a middle-length core: a swapped pair
        ("dauha", "dahua", 1),
        ("堂仁同", "同仁堂", None),            # not neighbours: two slips
        ("仁同", "同仁", None),                # a two-character core swapped is another name
        ("dahau", "dahua", 1),
        ("dahub", "dahua", None),             # five letters: a swap only, not a wrong letter
        ("滇池珍珠", "滇池明珠", None),          # a short core with a character that sounds apart: another name
        ("永安冷链", "永兴冷链", None),
        ("元气深林", "元气森林", 1),            # the same sound as fuzzy mode hears it (shen / sen)
        ("农夫山川", "农夫山泉", 1),            # one letter apart (cuan / quan)
        ("华宇星辰动刀", "华宇星辰动力", 1),      # six characters or more: any one character
        ("金达利利", "金达利", 1),              # a character typed twice, either side
        ("金达利", "金达利利", 1),
        ("金达利达", "金达利", None),           # another character added: not a slip of a short core
        ("娃哈", "娃哈哈", None),                # two characters left: another name
    ])
    def test_only_plausible_one_character_typos_of_long_cores(self, query, stored, distance):
        assert typo_distance(query, stored) == distance

    @pytest.mark.parametrize(("a", "b", "near"), [
        ("迅", "讯", True), ("深", "森", True), ("蓝", "兰", True), ("能", "棱", True), ("川", "泉", True),
        ("明", "珍", False), ("安", "兴", False), ("维", "晟", False), ("同", "携", False),
    ])
    def test_sounds_near(self, a, b, near):
        assert sounds_near(a, b) is near

    def test_a_character_typed_twice_shares_the_sorted_characters_of_the_core_typed_once(self):
        assert swap_key("金达利") in variants("金达利利") & lookups("金达利")
        assert swap_key("金达利") in lookups("金达利利") & variants("金达利")
        assert variants("娃哈哈") & {swap_key(c) for c in ("娃哈", "哈娃")} == set()  # 娃哈: too short for a slip


    def test_cities_and_sectors_still_prove_difference(self):
        cands = [CoreCandidate(1, "星辰宇航", "杭州", frozenset({"tech"})),
                 CoreCandidate(2, "星辰宇航", "", frozenset({"bank"})),
                 CoreCandidate(3, "星辰宇航", "", frozenset())]
        assert possible_duplicates("星辰雨航", "苏州", frozenset({"tech"}), cands) == {3: NearMiss("星辰宇航", 1, "typo")}


class TestShortStart:
    @pytest.mark.parametrize("query, candidate, expected", [
        (("字节", frozenset()), ("字节跳动", frozenset({"tech"})), True),
        (("海康威视", frozenset({"tech"})), ("海康", frozenset()), True),       # either order
        (("招商", frozenset({"bank"})), ("招商蛇口", frozenset()), False),     # the short side has an industry
        (("字节", frozenset()), ("字节跳", frozenset()), False),               # the long side is not long
        (("跳动", frozenset()), ("字节跳动", frozenset()), False),             # not its start
        (("byte", frozenset()), ("bytedance", frozenset()), False),           # Chinese only
    ])
    def test_a_bare_short_name_that_starts_a_long_core(self, query, candidate, expected):
        assert short_start(query, candidate) is expected

    def test_a_typo_is_preferred_and_sectors_still_prove_difference(self):
        cands = [CoreCandidate(1, "字节跳动", "", frozenset({"tech"})), CoreCandidate(2, "字节美食", "", frozenset())]
        assert possible_duplicates("字节", None, frozenset(), cands) == {
            1: NearMiss("字节跳动", 2, "prefix"), 2: NearMiss("字节美食", 2, "prefix")}
        assert possible_duplicates("字节", None, frozenset({"food"}), cands) == {}


class TestPinyinSpelling:
    @pytest.mark.parametrize("a, b, expected", [
        ("恒安", "hengan", True),
        ("huahong", "华虹", True),         # either order
        ("重庆", "chongqing", True),       # the reading the word gives a character with two
        ("恒安", "hengann", False),        # not a spelling
        ("安", "an", False),               # too short to tell
        ("李宁", "lin", False),
        ("hengan", "hengan", False),       # two Latin cores are the typo rule's business
    ])
    def test_spelled_in_pinyin(self, a, b, expected):
        assert spelled_in_pinyin(a, b) is expected

    def test_a_pinyin_spelling_is_a_possible_duplicate_unless_sectors_or_cities_differ(self):
        cands = [CoreCandidate(1, "恒安", "", frozenset()), CoreCandidate(2, "恒安", "杭州", frozenset({"food"}))]
        assert possible_duplicates("hengan", None, frozenset({"health"}), cands) == {1: NearMiss("恒安", 2, "pinyin")}
        assert possible_duplicates("hengan", "苏州", frozenset(), cands) == {1: NearMiss("恒安", 2, "pinyin")}

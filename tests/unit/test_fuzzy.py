"""Gram extraction and the typo rule."""

from __future__ import annotations

import pytest

from bot.rules.fuzzy import CoreCandidate, possible_duplicates, typo_distance, variants


class TestVariants:
    def test_a_core_and_each_one_character_deletion(self):
        assert variants("字节跳动") == {"字节跳动", "节跳动", "字跳动", "字节动", "字节跳"}

    @pytest.mark.parametrize("core", ["米", "apple", "ab", ""])
    def test_cores_too_short_for_typos_have_none(self, core):
        assert variants(core) == frozenset()

    @pytest.mark.parametrize("core, key", [("小米", "~xiao mi"), ("字节跳", "~zi jie tiao"), ("腾讯", "~teng xun")])
    def test_short_chinese_cores_have_only_their_sound_key(self, core, key):
        assert variants(core) == {key}

    @pytest.mark.parametrize("query, stored", [("腾迅", "腾讯"), ("哇哈哈", "娃哈哈"), ("晓米", "小米")])
    def test_homophone_slips_share_the_sound_key(self, query, stored):
        assert variants(query) == variants(stored)

    def test_other_readings_do_not(self):
        assert not variants("小麦") & variants("小米")

    @pytest.mark.parametrize("query, stored", [
        ("字节跳东", "字节跳动"),      # substitution
        ("字节跳动科", "字节跳动"),    # insertion
        ("字节动跳", "字节跳动"),      # a swapped pair
        ("mircosoft", "microsoft"),
        ("bytedanse", "bytedance"),
        ("bytedance", "bytedancee"),
    ])
    def test_every_one_edit_pair_shares_a_variant(self, query, stored):
        assert variants(query) & variants(stored)

    def test_two_edits_apart_share_none_in_general(self):
        assert not variants("阿里巴巴") & variants("阿里爸妈")


class TestTypo:
    @pytest.mark.parametrize("query, stored, distance", [
        ("字节跳东", "字节跳动", 1),          # one wrong character of a long core
        ("字节跳动", "字节跳动", None),        # identical is an exact match, not a typo
        ("小米", "小米粥", None),              # short cores differ by meaning
        ("中国建设", "中国建投", 1),
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
        ("建筑第八工程局", "建筑第三工程局", None),  # a different number is a different body
        ("studio7games", "studio8games", None),
        ("中建第三局", "中建第三居", 1),
    ])
    def test_only_plausible_one_character_typos_of_long_cores(self, query, stored, distance):
        assert typo_distance(query, stored) == distance

    def test_cities_and_sectors_still_prove_difference(self):
        cands = [CoreCandidate(1, "星辰宇航", "杭州", frozenset({"tech"})),
                 CoreCandidate(2, "星辰宇航", "", frozenset({"bank"})),
                 CoreCandidate(3, "星辰宇航", "", frozenset())]
        assert possible_duplicates("星辰宇行", "苏州", frozenset({"tech"}), cands) == {3: ("星辰宇航", 1)}

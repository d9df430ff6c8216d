"""Gram extraction and the typo rule."""

from __future__ import annotations

import pytest

from bot.rules.fuzzy import CoreCandidate, grams, possible_duplicates, rarest, typo_distance


class TestGrams:
    @pytest.mark.parametrize("core, expected", [
        ("字节跳动", {"字节", "节跳", "跳动"}),
        ("小米", {"小米"}),
        ("米", {"米"}),
        ("bytedance", {"byt", "yte", "ted", "eda", "dan", "anc", "nce"}),
        ("ibm", {"ibm"}),
        ("", set()),
    ])
    def test_bigrams_for_cjk_trigrams_for_latin(self, core, expected):
        assert grams(core) == expected

    def test_rarest_grams_skip_unknown_and_prefer_rare(self):
        df = {"字节": 3, "节跳": 1, "跳动": 900, "科技": 100_000}
        assert rarest(frozenset({"字节", "节跳", "跳动", "科技", "不在"}), df, k=2) == ["节跳", "字节"]


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
    ])
    def test_only_plausible_one_character_typos_of_long_cores(self, query, stored, distance):
        assert typo_distance(query, stored) == distance

    def test_cities_and_sectors_still_prove_difference(self):
        cands = [CoreCandidate(1, "星辰宇航", "杭州", frozenset({"tech"})),
                 CoreCandidate(2, "星辰宇航", "", frozenset({"bank"})),
                 CoreCandidate(3, "星辰宇航", "", frozenset())]
        assert possible_duplicates("星辰宇行", "苏州", frozenset({"tech"}), cands) == {3: ("星辰宇航", 1)}

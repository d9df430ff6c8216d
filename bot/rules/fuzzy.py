"""Near-miss names: the variants that find candidates, and the typo rule that scores them.

Candidates for "possible duplicate" come from an indexed table of *deletion variants* (the
SymSpell idea): each long core is stored with every string made by deleting one character from it.
Two strings within one edit of each other (a substitution, an insertion or deletion, a swapped
pair) always share a variant, so one primary-key lookup of the query's few variants finds every
candidate the typo rule can accept, however many clients there are. The decision is by evidence:
a plausible one-character typo of a long core is a *possible* duplicate, never a conflict.

Chinese cores also slip on a pinyin keyboard: the same syllable, the wrong character (腾迅 for 腾讯,
哇哈哈 for 娃哈哈, 阿里爸爸 for 阿里巴巴) — the one slip that short cores (2–3 characters, which differ by
meaning after most one-character changes) can make. A query that reads the same as a stored Chinese core
with one or two characters different, at least one kept, is a possible duplicate too. Every Chinese core
is stored under its *sound keys*, one per character: that character as written, the others by reading
(腾讯: ``~腾 xun`` and ``~teng 讯``). A slip keeps at least one character, so the two cores share the key
of a kept one; and a key with one character as written holds far fewer cores than the reading alone
would (every teng-xun of a million clients), which keeps the candidates few at any size.

Reps also shorten Chinese names to their first two to four characters (字节 for 字节跳动, 海康 for
海康威视, 药明康德 for 药明康德新药). A long core is stored under its short starts (``^字节``, ``^字节跳``)
and a short name under itself (``=字节``); each side looks up the other's form, so a short name and a long core that starts
with it find each other in either order. That is a *possible* duplicate by a shared start, but only
for a short name typed bare (no region, industry word or legal form): 招商 of 招商银行 is the bank's
core, not a short name (招商蛇口 is another company), and so is 完美 of 完美（中国）有限公司 (完美日记 is
another).

A swapped pair of neighbouring characters (仁同堂 for 同仁堂, Dauha for Dahua) is the slip of the hand
that cores too short for the typo rule still make: a three-character Chinese core or a five-letter Latin
one is stored under its characters sorted (``&仁同堂``), which the swap keeps. So is a character typed twice
(金达利利 for 金达利): a core with a doubled character is also stored under the sorted characters of the core
typed once.

Names reach the bot in pinyin too: a Chinese company's own English name is often its pinyin (Hengan for
恒安, Hua Hong for 华虹, Zijin Mining for 紫金矿业). A Chinese core is stored under its pinyin spelling
(``%hengan``) and a Latin core under its letters (``@hengan``); each side looks up the other's form, and
a Latin core spelled as a Chinese core's pinyin is a possible duplicate (homophones share a spelling, so
it is never a conflict).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import OSA

from bot.rules.name_types import sectors_overlap
from bot.rules.regions import regions_compatible
from bot.rules.sounds import pinyin_reader, reading, sounds_near

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_LETTERS = re.compile(r"[a-z]+")
# A different number is a different body, not a slip: 中建三局 / 中建八局, 一汽 / 二汽, Studio 7 / Studio 8.
# Digits that count (中建三局 / 中建八局 are two bodies); 百, 千, 万 are words in names far more often than
# counts (百度, 千禾, 万科: 佰利达 for 百利达 is a slip, not another number).
_NUMERALS = frozenset("0123456789零一二三四五六七八九十")

MIN_CJK_TYPO_CORE = 4     # 字节跳动 vs 字节跳东; shorter cores differ by meaning, not by typos
MIN_LATIN_TYPO_CORE = 6   # bytedance vs bytedanse
MIN_CJK_SOUND_CORE = 2    # 腾讯 vs 腾迅: a homophone slip of the pinyin keyboard
MAX_CANDIDATES = 200         # clients sharing a deletion variant (typos), per query
MAX_MARKED_CANDIDATES = 100  # clients sharing a sound key, short start or spelling, per query: capped apart
SOUND_MARK = "~"          # marks cannot collide with cores: a core has letters and digits only
START_MARK = "^"          # a long core's short start: ^字节 for 字节跳动
SHORT_MARK = "="          # a short core, as a start of long ones: =字节
PINYIN_MARK = "%"         # a Chinese core's pinyin spelling: %hengan for 恒安
LATIN_MARK = "@"          # a Latin core, as a pinyin spelling: @hengan
SWAP_MARK = "&"           # a middle-length core's characters, sorted: 同仁堂 and 仁同堂 share it
MARKS = (SOUND_MARK, START_MARK, SHORT_MARK, PINYIN_MARK, LATIN_MARK, SWAP_MARK)
MIN_CJK_SWAP_CORE = 3     # 同仁堂 / 仁同堂: too short for any one-character typo, not for a swapped pair
MIN_LATIN_SWAP_CORE = 5   # dahua / dauha
MIN_PINYIN_LATIN_CORE = 4  # Hengan, Anta; shorter words (Li, An) read as too many names
SHORT_STARTS = (2, 3, 4)  # the lengths of short names reps make of longer Chinese cores
MAX_SOUND_SLIPS = 2       # characters of a Chinese core that may be swapped for homophones
MIN_CJK_ANY_SLIP_CORE = 6  # a shorter Chinese core slips only to a character that sounds alike (see ``sounds_near``)


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@lru_cache(maxsize=65536)  # asked for every candidate a lookup returns
def typo_eligible(core: str) -> bool:
    """Long enough for a one-character difference to be a typo rather than another name."""
    return len(core) >= (MIN_CJK_TYPO_CORE if is_cjk(core) else MIN_LATIN_TYPO_CORE)


@lru_cache(maxsize=65536)
def swap_eligible(core: str) -> bool:
    """Too short for the typo rule, long enough that two neighbouring characters typed in the wrong
    order are a slip of the hand rather than another name (同仁堂 / 仁同堂, dahua / dauha)."""
    if typo_eligible(core):
        return False
    if all_cjk(core):
        return len(core) >= MIN_CJK_SWAP_CORE
    return len(core) >= MIN_LATIN_SWAP_CORE and bool(_LATIN_LETTERS.fullmatch(core))


def swap_key(core: str) -> str:
    return SWAP_MARK + "".join(sorted(core))


def swapped_pair(a: str, b: str) -> bool:
    """The same core with one pair of neighbouring characters the other way round (同仁堂 / 仁同堂)."""
    if len(a) != len(b) or not (swap_eligible(a) and swap_eligible(b)):
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return (len(differ) == 2 and differ[1] == differ[0] + 1
            and a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]])


def undoubled(core: str) -> frozenset[str]:
    """The core with a character typed twice typed once: 金达利利 → {金达利}."""
    return frozenset(core[:i] + core[i + 1:] for i in range(len(core) - 1) if core[i] == core[i + 1])


def doubled_char(a: str, b: str) -> bool:
    """One core is the other with one character typed twice (金达利利 / 金达利): a slip of the hand that a
    core too short for the typo rule still makes."""
    short, long = sorted((a, b), key=len)
    return len(long) == len(short) + 1 and swap_eligible(short) and short in undoubled(long)


def variants(core: str, bare: bool = False) -> frozenset[str]:
    """The strings a core is stored under: a long core and every one-character deletion of it; a Chinese
    core its sound keys and, when long, its short starts; a short Chinese core typed bare (``bare``) its
    short form; a middle-length core (three Chinese characters, five letters) its characters sorted, which
    a swapped pair keeps. ``lookups`` gives what a query searches.

    A query of length n-1 .. n+1 within one edit of a stored long core shares at least one variant with
    it; a Chinese core read the same way shares a sound key with it when one character or more is kept.
    """
    out: set[str] = set()
    if core and typo_eligible(core):
        out |= {core, *(core[:i] + core[i + 1:] for i in range(len(core)))}
    elif core and swap_eligible(core):
        out.add(swap_key(core))
    out |= {swap_key(once) for once in undoubled(core) if swap_eligible(once)}  # 金达利利 finds 金达利
    if sound_eligible(core):
        out |= sound_keys(core)
        if typo_eligible(core):
            out |= {START_MARK + core[:n] for n in SHORT_STARTS if n < len(core)}
        if bare and len(core) in SHORT_STARTS:
            out.add(SHORT_MARK + core)
        out.add(PINYIN_MARK + pinyin(core))
    elif pinyin_eligible_latin(core):
        out.add(LATIN_MARK + core)
    return frozenset(out)


def lookups(core: str, bare: bool = False) -> frozenset[str]:
    """What a query core searches the stored variants for: its own deletions and sound keys, and the
    other side of the short-start pair (a long core its short starts as short forms; a short core
    typed bare, ``bare``, the long cores starting with it)."""
    out = {v for v in variants(core, bare) if v[0] not in (START_MARK, SHORT_MARK, PINYIN_MARK, LATIN_MARK)}
    if sound_eligible(core):
        if typo_eligible(core):
            out |= {SHORT_MARK + core[:n] for n in SHORT_STARTS if n < len(core)}
        if bare and len(core) in SHORT_STARTS:
            out.add(START_MARK + core)
        out.add(LATIN_MARK + pinyin(core))
    elif pinyin_eligible_latin(core):
        out.add(PINYIN_MARK + core)
    return frozenset(out)


def marked(variant: str) -> bool:
    """A sound key, short start, short form or spelling, rather than a deletion variant of a core."""
    return variant[0] in MARKS


@lru_cache(maxsize=65536)
def all_cjk(core: str) -> bool:
    return all(_CJK.fullmatch(ch) for ch in core)


@lru_cache(maxsize=65536)
def sound_eligible(core: str) -> bool:
    """A Chinese core of two characters or more: typed on a pinyin keyboard, it can slip by sound."""
    return len(core) >= MIN_CJK_SOUND_CORE and all_cjk(core)


@lru_cache(maxsize=65536)
def pinyin(core: str) -> str:
    """The pinyin spelling of a Chinese core, as one word with no tones (恒安 → hengan, 重庆 → chongqing:
    the whole core is read, so a character with two readings gets the one its word gives it)."""
    return "".join(pinyin_reader()(core))


def _slip_sounds_plausible(a: str, b: str) -> bool:
    """A one-character change of a Chinese core shorter than ``MIN_CJK_ANY_SLIP_CORE`` is a slip only when the
    two characters sound near; an insertion, a deletion, a swapped pair or a longer core: always."""
    if len(a) != len(b) or len(a) >= MIN_CJK_ANY_SLIP_CORE or not (all_cjk(a) and all_cjk(b)):
        return True
    differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(differ) != 1 or sounds_near(*differ[0])


def pinyin_eligible_latin(core: str) -> bool:
    return len(core) >= MIN_PINYIN_LATIN_CORE and bool(_LATIN_LETTERS.fullmatch(core))


def spelled_in_pinyin(a: str, b: str) -> bool:
    """One core is Chinese and the other, in Latin letters, is its pinyin (恒安 / hengan, 华虹 / huahong)."""
    cjk, latin = (a, b) if sound_eligible(a) else (b, a)
    return sound_eligible(cjk) and pinyin_eligible_latin(latin) and pinyin(cjk) == latin


def sound_keys(core: str) -> frozenset[str]:
    """One key per character: that character as written, the others by reading (腾讯: ~腾 xun, ~teng 讯)."""
    readings = [reading(ch) for ch in core]
    return frozenset(SOUND_MARK + " ".join([*readings[:kept], core[kept], *readings[kept + 1:]])
                     for kept in range(len(core)))


def homophone_slip(query_core: str, candidate_core: str) -> bool:
    """A Chinese core with one or two characters swapped for others of the same reading, keeping at least
    one (腾讯 → 腾迅, 美西西 → 美希希, 阿里巴巴 → 阿里爸爸; not 华为 → 滑味)."""
    if len(query_core) != len(candidate_core) or not (sound_eligible(query_core) and sound_eligible(candidate_core)):
        return False
    differ = [(a, b) for a, b in zip(query_core, candidate_core, strict=True) if a != b]
    return (0 < len(differ) <= MAX_SOUND_SLIPS and len(differ) < len(query_core)
            and all(reading(a) == reading(b) for a, b in differ))


@dataclass(frozen=True)
class CoreCandidate:
    client_id: int
    core: str
    region: str
    sectors: frozenset[str]


def typo_distance(query_core: str, candidate_core: str) -> int | None:
    """The edit distance when it is a plausible one-character typo of a long core (or a homophone slip
    of a short Chinese one, or a swapped pair of a middle-length one), else None."""
    if not query_core or not candidate_core or query_core == candidate_core:
        return None
    if (homophone_slip(query_core, candidate_core) or swapped_pair(query_core, candidate_core)
            or doubled_char(query_core, candidate_core)):
        return 1
    if not (typo_eligible(query_core) and typo_eligible(candidate_core)):
        return None
    # Optimal string alignment: a swapped pair of letters (Mircosoft) is one edit, as people make it.
    distance = OSA.distance(query_core, candidate_core, score_cutoff=1)
    if distance != 1 or _numbers_differ(query_core, candidate_core) or not _slip_sounds_plausible(
            query_core, candidate_core):
        return None
    return distance


def _numbers_differ(a: str, b: str) -> bool:
    return sorted(ch for ch in a if ch in _NUMERALS) != sorted(ch for ch in b if ch in _NUMERALS)


def short_start(query: tuple[str, frozenset[str]], candidate: tuple[str, frozenset[str]]) -> bool:
    """One Chinese core, of a name with no industry word, is the first two to four characters of the
    other, a longer one (字节 / 字节跳动, 药明康德 / 药明康德新药). Each side is (core, sectors); that the
    short name was typed bare is what finds the pair (``variants``, ``lookups``)."""
    (short, short_sectors), (long, _) = sorted((query, candidate), key=lambda side: len(side[0]))
    return (len(short) in SHORT_STARTS and len(long) > len(short) and not short_sectors and typo_eligible(long)
            and all_cjk(short) and all_cjk(long) and long.startswith(short))


class NearMiss(NamedTuple):
    core: str       # the candidate's core
    distance: int   # 1 for a typo; a shared start counts as 2 (a typo is the stronger sign)
    kind: str       # "typo", "pinyin" or "prefix"


def possible_duplicates(query_core: str, query_region: str | None, query_sectors: frozenset[str],
                        candidates: list[CoreCandidate]) -> dict[int, NearMiss]:
    """Client id → how its core nearly matches the query's, for candidates that look like a typo of the
    query, spell it in pinyin or share its start."""
    found: dict[int, NearMiss] = {}
    for cand in candidates:
        if not regions_compatible(query_region, cand.region or None):
            continue
        if not sectors_overlap(query_sectors, cand.sectors):
            continue
        distance = typo_distance(query_core, cand.core)
        if distance is not None:
            found[cand.client_id] = NearMiss(cand.core, distance, "typo")
        elif spelled_in_pinyin(query_core, cand.core):
            found[cand.client_id] = NearMiss(cand.core, 2, "pinyin")
        elif short_start((query_core, query_sectors), (cand.core, cand.sectors)):
            found[cand.client_id] = NearMiss(cand.core, 2, "prefix")
    return found

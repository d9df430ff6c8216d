"""Company-name normalization: each step a small pure function, composed by ``normalize_name``.

The result separates what identifies a company (its distinctive core, 字号) from what does not
(region, legal form, industry words), so that 北京字节跳动科技有限公司, 字节跳动（北京）科技有限公司 and
字节跳动 all share the core 字节跳动, while 中国银行 and 中国建设银行 do not. The word lists are in
``bot.rules.wordlists``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache

from bot.rules.name_types import NormalizedName, _generic, _sectors
from bot.rules.names_latin import normalize_latin
from bot.rules.numerals import lone_digits_as_numerals, numerals_as_digits
from bot.rules.regions import (
    county_region,
    district_after_city,
    region_of,
    take_group_place,
    take_inner_region,
    take_leading_district,
    take_leading_regions,
    take_spaced_region,
    take_trailing_region,
)
from bot.rules.slips import MIN_LEFT_BEFORE_SLIP, loose_reading, slipped_tail
from bot.rules.wordlists import (
    CJK_BRANCH_SUFFIXES,
    CJK_CUT_LEGAL_FORMS,
    CJK_INDUSTRY,
    CJK_LEADING_LEGAL_FORMS,
    CJK_LEGAL_FORMS,
    COUNTRY_WORDS,
    GENERIC_CORES,
    INNER_GROUP_WORDS,
    MIN_CORE_AFTER_ONE_CHAR_WORD,
    WEAK_INDUSTRY,
    longest_first,
)

_BRACKETS = re.compile(r"[(\[{【〔]([^()\[\]{}【】〔〕]*)[)\]}】〕]")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script
_CJK = re.compile(r"[\u3400-\u9fff]")
_WEB_SUFFIX = re.compile(r"\.(?:com|net|org|cn)\b")
_INITIAL_DOT = re.compile(r"\b([a-z])\.(?=[a-z]\b)")  # s.a. → sa, j.p. → jp
_LATIN_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th"})
# Branches are cut right after the company they belong to: 交通银行股份有限公司 | 北京朝阳支行.
_COMPANY_ENDS = ("公司", "株式会社", "集团", "事务所", "合伙")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


# -- text steps ---------------------------------------------------------------------------------


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits, brackets and the ideographic space become ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def to_simplified(text: str) -> str:
    """Traditional characters become simplified (騰訊 → 腾讯)."""
    return _t2s().convert(text) if _CJK.search(text) else text


def fold_case(text: str) -> str:
    return text.casefold()


def fold_accents(text: str) -> str:
    """Latin letters lose their diacritics (nestlé → nestle, ørsted → orsted); other scripts are kept."""
    if text.isascii():
        return text
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", text.translate(_LATIN_LETTERS)):
        if unicodedata.combining(ch) and kept and kept[-1].isascii():
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def strip_punctuation(text: str) -> str:
    """Everything but letters and digits goes: punctuation, quotes, middle dots, symbols, spaces."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


# -- regions ------------------------------------------------------------------------------------


def take_bracketed_regions(text: str) -> tuple[str, list[str]]:
    """``字节跳动（北京）科技`` → (``字节跳动 科技``, [北京]), （广西柳州） → [广西, 柳州]; （中国） goes; a bracket
    after the company's legal name is a note about it (北京三快在线科技有限公司（美团）); other bracketed words
    are kept (（集团）, （特殊普通合伙）)."""
    regions: list[str] = []

    def repl(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner in GENERIC_CORES:
            return " "
        region = region_of(inner)
        if region:
            regions.append(region)
            return " "
        rest, leading = take_leading_regions(inner)
        last = region_of(rest) if leading else None
        if last:
            regions.extend([*leading, last])
            return " "
        if leading and district_after_city(rest):  # （南京鼓楼）: the city and its district
            regions.extend(leading)
            return " "
        before = text[:match.start()].rstrip()
        if match.end() == len(text.rstrip()) and before.endswith(_COMPANY_ENDS) and take_legal_forms(inner)[0]:
            return " "
        return " " + inner + " "

    return _BRACKETS.sub(repl, text), regions


_TRAILING_NOTE = re.compile(r"\s*[(\[{][^()\[\]{}]*[)\]}]\s*$")


def drop_trailing_note(text: str) -> str:
    """A bracket closing a Latin-script name is a note about it, not part of it: Toyota Motor Corporation
    (Japan), Bayer AG (Leverkusen, Germany). Chinese names keep theirs (（筹）, （北京）) for the rules above."""
    rest = _TRAILING_NOTE.sub("", text)
    return rest if rest.strip() else text


def take_country_word(text: str) -> tuple[str, bool]:
    """A leading 中国 is a scope, not a place: 中国工商银行 → 工商银行 (at least two characters left)."""
    for word in COUNTRY_WORDS:
        if text.startswith(word) and len(text) >= len(word) + 2:
            return text[len(word):], True
    return text, False


def take_leading_places(text: str) -> tuple[str, list[str], bool]:
    """Regions, districts, 中国 and 株式会社 in front of a name, in any order: (rest, regions, whether 中国
    was one). A district is dropped, not kept as a region: its city, if given, is the region; a county
    is kept (``county_region``)."""
    regions: list[str] = []
    country = False
    changed = True
    while changed:
        text, found = take_leading_regions(text)
        text, district = take_leading_district(text)
        text, scoped = take_country_word(text)
        text, form = take_leading_legal_form(text)
        regions += found + ([county] if (county := county_region(district)) else [])
        country = country or scoped
        changed = bool(found or district or scoped or form)
    return text, regions, country


# -- legal forms and industry words -------------------------------------------------------------


def _split_branch(text: str) -> tuple[str, str] | None:
    """``华为技术有限公司北京分公司`` → (``华为技术有限公司``, ``北京``): the company a branch belongs to and
    the words naming where the branch is; None when the text names no branch."""
    suffix = next((s for s in CJK_BRANCH_SUFFIXES if text.endswith(s) and len(text) > len(s)), None)
    if suffix is None:
        return None
    head = text[: -len(suffix)]
    end = max(head.rfind(word) + len(word) if word in head else -1 for word in _COMPANY_ENDS)
    if end > 0:
        return head[:end], head[end:]
    company, _ = take_trailing_region(head)
    return company, head[len(company):]


def take_branch(text: str) -> tuple[str, bool]:
    """``华为技术有限公司北京分公司`` → (``华为技术有限公司``, True): the company a branch belongs to."""
    branch = False
    while (split := _split_branch(text)) is not None:
        text, branch = split[0], True
    return text, branch


def branch_place(text: str) -> str | None:
    """Where the branch a name names is: ``浦发银行股份有限公司北京分行`` → 北京; None for no branch or place."""
    split = _split_branch(text)
    if split is None:
        return None
    place = split[1]
    regions = take_leading_regions(place)[1]
    return region_of(place) or (regions[-1] if regions else None)


def take_leading_legal_form(text: str) -> tuple[str, str | None]:
    """Japanese-style 株式会社日立制作所 → (日立制作所, 株式会社)."""
    for form in CJK_LEADING_LEGAL_FORMS:
        if text.startswith(form) and len(text) > len(form):
            return text[len(form):], form
    return text, None


_INDUSTRY_LENGTHS = sorted({len(w) for w in CJK_INDUSTRY}, reverse=True)


def _is_industry_tail(text: str, form: str) -> bool:
    """店 in 酒店 or 饭店 is an industry word, not a legal form."""
    return any(text[-n:] in CJK_INDUSTRY for n in _INDUSTRY_LENGTHS if len(form) < n <= len(text))


def _legal_tail(text: str) -> tuple[str, int] | None:
    """The legal form (or trailing scope word: 壳牌中国) that ends the text, if any, and its length as
    typed (股份有线公司 is 股份有限公司 with a slip: the longest form wins, as written or slipped)."""
    last = loose_reading(text[-1]) if text else ""
    for form in CJK_LEGAL_FORMS:
        if text.endswith(form):
            if not _is_industry_tail(text, form):
                return form, len(form)
        elif loose_reading(form[-1]) == last and (typed := slipped_tail(text, form)):
            return form, typed
    word = next((w for w in COUNTRY_WORDS if text.endswith(w) and len(text) >= len(w) + 2), None)
    return (word, len(word)) if word else None


_CUT_FORMS = longest_first(CJK_CUT_LEGAL_FORMS)


def take_legal_forms(text: str) -> tuple[str, tuple[str, ...], bool]:
    """Strip legal forms from the end (有限公司, 集团, 株式会社 …) and say whether the name is a branch
    (分公司, 分行 …). A trailing 中国 goes too (壳牌中国有限公司). The text may become empty: 有限公司
    alone names no company.
    """
    forms: list[str] = []
    text, branch = take_branch(text)
    cut = next((c for c in _CUT_FORMS if text.endswith(c) and len(text) > len(c)), None)
    if cut:
        forms.append(CJK_CUT_LEGAL_FORMS[cut])
        text = text[: -len(cut)]
    while tail := _legal_tail(text):
        form, typed = tail
        if form not in COUNTRY_WORDS:
            forms.insert(0, form)
        text, more = take_branch(text[: -typed])
        branch = branch or more
    return text, tuple(forms), branch


_INDUSTRY_WORDS = tuple(sorted(CJK_INDUSTRY, key=len, reverse=True))


@lru_cache(maxsize=1)
def _by_last_sound() -> dict[str, tuple[str, ...]]:
    """Industry words (longest first) by the sound of their last character: every slip keeps it."""
    out: dict[str, list[str]] = {}
    for word in _INDUSTRY_WORDS:
        if len(word) >= 2:
            out.setdefault(loose_reading(word[-1]), []).append(word)
    return {sound: tuple(words) for sound, words in out.items()}


def _industry_tail(text: str) -> tuple[str, int] | None:
    """The longest industry word that ends the text and leaves a core in front of it, and its length as
    typed: a weak or general word with its first character typed twice (蓝思科科技, 中芯国国际; not a word
    that names a trade: brands end in its first character too often, 周黑鸭鸭脖) or, when none ends the text
    as written, a word typed with a slip (医疗设被, 科技技). A text that is one industry word keeps at least
    two characters in front of a word it ends in: 大数据 is not 大 and 数据 (移动通信 is 移动 and 通信)."""
    whole = text in CJK_INDUSTRY
    for n in _INDUSTRY_LENGTHS:
        left = len(text) - n
        if (left > 0 and text[-n:] in CJK_INDUSTRY
                and (n > 1 and not whole or left >= MIN_CORE_AFTER_ONE_CHAR_WORD)):
            word = text[-n:]
            doubled = (_strong_sector(word) is None and left - 1 >= MIN_LEFT_BEFORE_SLIP and n > 1
                       and text[-n - 1] == text[-n])
            return word, n + doubled
    if not text:
        return None
    words = _by_last_sound().get(loose_reading(text[-1]), ())
    return next(((word, typed) for word in words if (typed := slipped_tail(text, word))), None)


def _strong_sector(word: str) -> str | None:
    sector = CJK_INDUSTRY[word]
    return None if sector == "general" or word in WEAK_INDUSTRY else sector


def take_industry_words(text: str) -> tuple[str, tuple[str, ...]]:
    """Split trailing industry words off the distinctive core: 字节跳动科技 → (字节跳动, (科技,)).

    The first word that is not weak (科技, 投资 …) fixes the sector; a word of another sector after it
    is part of the name (中国建设银行: 建设 is not a second industry), unless it is weak (台达电子工业).
    """
    words: list[str] = []
    sector: str | None = None
    while tail := _industry_tail(text):
        word, typed = tail
        strong = _strong_sector(word)
        if strong and sector and strong != sector:
            break
        sector = sector or strong
        words.insert(0, word)
        text = text[: -typed]
        inner = next((g for g in INNER_GROUP_WORDS if text.endswith(g) and len(text) > len(g) + 1), None)
        text = text[: -len(inner)] if inner else text
    return text, tuple(words)


def _blocked(core: str, industry: tuple[str, ...]) -> bool:
    """农业银行: the core is an industry word, but of another sector than the name's, so it is the brand."""
    own = _strong_sector(core) if core in CJK_INDUSTRY else None
    return bool(own) and any(_strong_sector(w) not in (None, own) for w in industry)


def _place_or_scope(text: str) -> bool:
    """A place or a scope word alone (北京, 中国, 国际) identifies no company."""
    return not text or text in GENERIC_CORES or region_of(text) is not None


def _names_nothing(core: str, industry: tuple[str, ...]) -> bool:
    """A core that is only a place, a scope word or an industry word (网络 of 网络科技, but not 农业 of 农业银行)."""
    return _place_or_scope(core) or (core in CJK_INDUSTRY and not _blocked(core, industry))


def _normalize_cjk(text: str, bracket_regions: list[str]) -> NormalizedName:
    name = _normalize_cjk_company(text, bracket_regions)
    return replace(name, branch_region=branch_place(text)) if name.branch else name


def _normalize_cjk_company(text: str, bracket_regions: list[str]) -> NormalizedName:
    full, forms, branch = take_legal_forms(text)
    full, group_place = take_group_place(full)
    if group_place:
        full, group_forms, group_branch = take_legal_forms(full + "".join(forms))
        forms, branch, bracket_regions = group_forms, branch or group_branch, [*bracket_regions, group_place]
    if not full:
        return _generic(text, forms, branch)
    body, leading, country = take_leading_places(full)
    core, industry = take_industry_words(body)
    core, inner = take_inner_region(core) if industry else (core, None)
    if region_of(body) is not None and forms and forms[0] in INNER_GROUP_WORDS:
        return NormalizedName(full + forms[0], "", None, (), frozenset(), forms[1:], branch)  # 北京控股
    if region_of(body) is not None:
        return _generic(full, forms, branch)  # a place alone: 北京有限公司, 中国北京
    only_industry = core in CJK_INDUSTRY and _names_nothing(core, industry)  # 网络科技, not 农业银行
    if (leading or country) and (only_industry or _place_or_scope(body)):
        # 上海银行, 中国银行: the place is the brand. Such a name is matched on its whole body only, named
        # by its nearest place (广西柳州钢铁 is 柳州钢铁, 上海市银行 上海银行).
        _, industry = take_industry_words(full)
        region = bracket_regions[-1] if bracket_regions else None
        rest, places = take_leading_regions(full)
        return NormalizedName(places[-1] + rest if places else full, "", region, industry,
                              _sectors(industry, CJK_INDUSTRY), forms, branch)
    if only_industry or _place_or_scope(body):
        return _generic(body, forms, branch)
    regions = leading + ([inner] if inner else []) + bracket_regions
    return NormalizedName(
        body=body,
        # 农业 of 农业银行 is the brand only beside 银行: such a name is matched on its whole body (农业发展银行
        # is another bank), like a place brand.
        core="" if core in CJK_INDUSTRY or _names_nothing(core, industry) else core,
        region=regions[-1] if regions else None,
        industry=industry,
        sectors=_sectors(industry, CJK_INDUSTRY),
        legal_forms=forms,
        branch=branch,
    )


def prepare(raw: str) -> str:
    """The text steps every name goes through before any word is recognized."""
    return fold_accents(fold_case(to_simplified(to_halfwidth(raw))))


def normalize_name(raw: str) -> NormalizedName | None:
    """Normalize a company name; None when nothing is left (only punctuation, say).

    A result with ``generic`` set names no company (网络科技有限公司, 北京有限公司): it must not be
    registered or matched.
    """
    text = prepare(raw)
    latin = not _CJK.search(text)
    text, regions = take_bracketed_regions(drop_trailing_note(text) if latin else text)
    if latin:
        return normalize_latin(text, regions)
    text, spaced = take_spaced_region(text)
    regions += [spaced] if spaced else []
    text = numerals_as_digits(lone_digits_as_numerals(strip_punctuation(text)))
    if not text:
        return None
    return _normalize_cjk(text, regions)

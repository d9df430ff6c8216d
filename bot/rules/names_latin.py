"""Latin-script company names: words, legal forms, branches, places and industry words."""

from __future__ import annotations

import re

from bot.rules.name_types import NormalizedName, _generic, _sectors
from bot.rules.regions import ROMANIZED
from bot.rules.wordlists import (
    GENERIC_CORES,
    LATIN_BRANCH_WORDS,
    LATIN_COUNTRY_WORDS,
    LATIN_INDUSTRY,
    LATIN_LEADING_WORDS,
    LATIN_LEGAL_FORMS,
    LATIN_PLACE_GLUE,
    MIN_LATIN_BODY,
)

_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script
_WEB_SUFFIX = re.compile(r"\.(?:com|net|org|cn)\b")
_INITIAL_DOT = re.compile(r"\b([a-z])\.(?=[a-z]\b)")  # s.a. → sa, j.p. → jp


def latin_words(text: str) -> list[str]:
    """``Amazon.com, Inc.`` → [amazon, inc]; ``Nestle S.A.`` → [nestle, sa]; ``P&G`` → [p, and, g]."""
    text = _INITIAL_DOT.sub(r"\1", _WEB_SUFFIX.sub(" ", text))
    return _WORD.findall(text.replace("&", " and "))


def _is_place(word: str) -> bool:
    return word in ROMANIZED or word in LATIN_COUNTRY_WORDS


def _trailing_place(words: list[str]) -> tuple[int, str | None] | None:
    """How many trailing words name a place (Shanghai, Hong Kong, China), and the region, if any."""
    for n in (2, 1):
        if len(words) > n:
            place = " ".join(words[-n:])
            if place in ROMANIZED or (n == 1 and place in LATIN_COUNTRY_WORDS):
                rest = words[:-n]
                if rest[-1] not in LATIN_PLACE_GLUE and len("".join(rest)) >= MIN_LATIN_BODY:
                    return n, ROMANIZED.get(place)
    return None


def take_latin_tail(words: list[str]) -> tuple[list[str], tuple[str, ...], bool, str | None]:
    """Strip legal forms, a branch and trailing places: ``siemens ltd china`` → [siemens]."""
    words, forms, branch, region = list(words), [], False, None
    while words:
        if words[-1] in LATIN_LEGAL_FORMS or (words[-1] == "and" and forms):  # the & of "X & Co."
            forms.insert(0, words.pop())
        elif len(words) > 3 and words[-2] == "of" and words[-3] in LATIN_LEGAL_FORMS and _is_place(words[-1]):
            del words[-2:]  # Ping An Insurance (Group) Company of China
        elif words[-1] in LATIN_BRANCH_WORDS and len(words) > 1:
            words.pop()
            branch = True
        elif (place := _trailing_place(words)) is not None:
            del words[-place[0]:]
            region = region or (None if branch else place[1])  # a branch's place is not the company's
        else:
            break
    return words, tuple(f for f in forms if f != "and"), branch, region


def latin_branch_place(words: list[str]) -> str | None:
    """The place right before a branch word: ``… shanghai branch`` → 上海."""
    at = max((i for i, w in enumerate(words) if w in LATIN_BRANCH_WORDS), default=-1)
    for n in (2, 1):
        if at - n >= 0 and (place := " ".join(words[at - n:at])) in ROMANIZED:
            return ROMANIZED[place]
    return None


def drop_leading_articles(words: list[str]) -> list[str]:
    """``the coca cola`` → [coca, cola]."""
    while len(words) > 1 and words[0] in LATIN_LEADING_WORDS:
        words = words[1:]
    return words


def take_latin_country(words: list[str]) -> tuple[list[str], bool]:
    """A leading country word is a scope, as 中国 is: ``china mengniu dairy`` → [mengniu, dairy]."""
    if len(words) > 1 and words[0] in LATIN_COUNTRY_WORDS and len("".join(words[1:])) >= MIN_LATIN_BODY:
        return words[1:], True
    return words, False


def take_latin_leading(words: list[str]) -> tuple[list[str], str | None]:
    """A leading romanized region: ``shanghai pudong development bank`` → [pudong, development, bank], 上海."""
    for n in (2, 1):
        place = " ".join(words[:n])
        if len(words) > n and place in ROMANIZED:
            return words[n:], ROMANIZED[place]
    return words, None


def take_latin_inner(core_words: list[str]) -> tuple[list[str], str | None]:
    """A romanized place between the core and its industry words: ``michelin shenyang`` (of Michelin Shenyang
    Tire) → [michelin], 沈阳; not after ``of`` (Bank of Shanghai), never down to fewer than four letters."""
    for n in (2, 1):
        if len(core_words) > n and (place := " ".join(core_words[-n:])) in ROMANIZED:
            rest = core_words[:-n]
            if rest[-1] not in LATIN_PLACE_GLUE and len("".join(rest)) >= MIN_LATIN_BODY:
                return rest, ROMANIZED[place]
    return core_words, None


def normalize_latin(text: str, bracket_regions: list[str]) -> NormalizedName | None:
    raw_words = latin_words(text)
    if not raw_words:
        return None
    named, forms, branch, tail_region = take_latin_tail(raw_words)
    named, country = take_latin_country(drop_leading_articles(named))
    words, leading_region = take_latin_leading(named)
    core_words = list(words)
    while len(core_words) > 1 and core_words[-1] in LATIN_INDUSTRY:
        core_words.pop()
    industry = tuple(words[len(core_words):])
    core_words, inner_region = take_latin_inner(core_words) if industry else (core_words, None)
    only_industry = len(core_words) == 1 and core_words[0] in LATIN_INDUSTRY
    if (leading_region or country) and only_industry:
        # Shenzhen Airlines, China Telecom: the place is the brand; matched on the whole body only.
        return NormalizedName("".join(named), "", bracket_regions[-1] if bracket_regions else None,
                              tuple(words), _sectors(tuple(words), LATIN_INDUSTRY), forms, branch)
    body = "".join(words)
    if not body or only_industry or body in GENERIC_CORES or body in LATIN_LEADING_WORDS:
        return _generic(body or "".join(raw_words), forms, branch)
    regions = [r for r in (leading_region, inner_region, *bracket_regions, tail_region) if r]
    core = "".join(core_words)
    return NormalizedName(
        branch_region=latin_branch_place(raw_words) if branch else None,
        body=body,
        core="" if core in GENERIC_CORES else core,
        region=regions[-1] if regions else None,
        industry=industry,
        sectors=_sectors(industry, LATIN_INDUSTRY),
        legal_forms=forms,
        branch=branch,
    )



"""Numbers in Chinese names, written either way: 三六一度 is 361度, 第8工程局 is 第八工程局."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff]")

_NUMERAL_RUN = re.compile(r"[零〇一二三四五六七八九]{3,}")
_DIGIT_OF = str.maketrans("零〇一二三四五六七八九", "00123456789")


def numerals_as_digits(text: str) -> str:
    """A number read out digit by digit is written either way: 三六一度 is 361度. Runs of three or more
    only: 三一, 九阳 and 五粮液 are words, not numbers."""
    return _NUMERAL_RUN.sub(lambda m: m.group().translate(_DIGIT_OF), text)


# A single digit standing among Chinese characters is a counted word written short: 第8工程局 is 第八工程局,
# 南通4建 is 南通四建, 7天 is 七天. Not in a longer number (361度, 58同城) or beside a letter (4S店, 3M).
_LONE_DIGIT = re.compile(r"(?<![0-9a-z])[0-9](?![0-9a-z])")
_NUMERAL_OF = dict(zip("0123456789", "零一二三四五六七八九", strict=True))


def lone_digits_as_numerals(text: str) -> str:
    """``中国建筑第8工程局`` → ``中国建筑第八工程局``: a lone digit next to a Chinese character is its numeral."""
    def repl(m: re.Match[str]) -> str:
        before, after = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        return _NUMERAL_OF[m.group()] if _CJK.match(before or " ") or _CJK.match(after or " ") else m.group()
    return _LONE_DIGIT.sub(repl, text)

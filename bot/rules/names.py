"""Company-name normalization: each step a small pure function, composed by ``normalize_name``.

The result separates what identifies a company (its distinctive core, 字号) from what does not
(region, legal form, industry words), so that 北京字节跳动科技有限公司, 字节跳动（北京）科技有限公司 and
字节跳动 all share the core 字节跳动, while 中国银行 and 中国建设银行 do not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.rules.regions import ALL_REGIONS, REGION_SUFFIXES, ROMANIZED

# Longest first: the first suffix that matches is stripped, then the search repeats.
CJK_LEGAL_FORMS: tuple[str, ...] = tuple(sorted((
    "集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司",
    "股份公司", "合伙企业", "有限合伙", "普通合伙", "个体工商户", "总公司", "公司", "集团", "控股",
    "工作室", "事务所", "厂", "店", "中心",
), key=len, reverse=True))
LATIN_LEGAL_FORMS: frozenset[str] = frozenset({
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "gmbh", "llc",
    "llp", "lp", "plc", "ag", "sa", "sas", "sarl", "bv", "nv", "pte", "pty", "kk", "group",
    "holdings", "holding", "srl", "spa", "oy", "ab", "as",
})

# Industry words, with the sector each belongs to. Two names with the same core but sectors that
# cannot overlap (招商银行 / 招商证券) are different companies.
CJK_INDUSTRY: dict[str, str] = {
    "网络科技": "tech", "信息技术": "tech", "信息科技": "tech", "科技": "tech", "技术": "tech",
    "网络": "tech", "信息": "tech", "软件": "tech", "数据": "tech", "智能": "tech", "电子": "tech",
    "互联网": "tech", "数字": "tech", "云计算": "tech", "通信": "tech", "计算机": "tech", "系统": "tech",
    "电子商务": "trade", "贸易": "trade", "商贸": "trade", "进出口": "trade", "国际贸易": "trade",
    "实业": "industry", "工业": "industry", "制造": "industry", "机械": "industry", "设备": "industry",
    "材料": "industry", "化工": "industry", "新能源": "energy", "能源": "energy", "电力": "energy",
    "咨询": "service", "管理": "service", "服务": "service", "发展": "general", "国际": "general",
    "企业管理": "service", "人力资源": "service", "广告": "media", "文化传媒": "media", "传媒": "media",
    "文化": "media", "影视": "media", "教育": "education", "培训": "education",
    "医药": "health", "医疗": "health", "生物": "health", "健康": "health", "制药": "health",
    "银行": "bank", "证券": "securities", "保险": "insurance", "基金": "fund", "信托": "trust",
    "投资": "investment", "资产管理": "investment", "金融": "finance", "支付": "finance",
    "餐饮": "food", "食品": "food", "饮品": "food", "酒业": "food", "农业": "agriculture",
    "物流": "logistics", "供应链": "logistics", "运输": "logistics", "快递": "logistics",
    "建设": "construction", "工程": "construction", "建筑": "construction", "装饰": "construction",
    "房地产": "realestate", "置业": "realestate", "地产": "realestate", "物业": "realestate",
    "汽车": "auto", "航空": "aviation", "旅游": "travel", "酒店": "travel", "服饰": "fashion",
    "服装": "fashion", "家居": "home", "电器": "appliance", "通讯": "tech",
}
CJK_INDUSTRY_WORDS: tuple[str, ...] = tuple(sorted(CJK_INDUSTRY, key=len, reverse=True))
LATIN_INDUSTRY: dict[str, str] = {
    "technology": "tech", "technologies": "tech", "tech": "tech", "software": "tech", "systems": "tech",
    "networks": "tech", "network": "tech", "digital": "tech", "data": "tech", "electronics": "tech",
    "information": "tech", "solutions": "service", "services": "service", "consulting": "service",
    "trading": "trade", "international": "general", "global": "general", "industries": "industry",
    "industrial": "industry", "manufacturing": "industry", "bank": "bank", "securities": "securities",
    "insurance": "insurance", "capital": "investment", "investment": "investment", "media": "media",
    "pharmaceutical": "health", "pharma": "health", "logistics": "logistics", "foods": "food",
    "food": "food", "motors": "auto", "airlines": "aviation",
}

# Words that name a country or scope, not a company: a core made only of them identifies nothing.
GENERIC_CORES: frozenset[str] = frozenset({
    "中国", "中华", "国际", "全球", "亚洲", "东方", "华夏", "环球", "中国区", "china", "global", "asia",
})
BRANCH_SUFFIX = "分公司"
_BRACKETS = re.compile(r"[(\[{【〔]([^()\[\]{}【】〔〕]*)[)\]}】〕]")
_PUNCT = re.compile(r"[\s\"'`·•・.,，。、;；:：!！?？/\\|_\-—–~()\[\]{}【】〔〕《》<>「」『』“”‘’&+*#@$%^=]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits and brackets become their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def to_simplified(text: str) -> str:
    """Traditional characters become simplified (騰訊 → 腾讯)."""
    return _t2s().convert(text) if _CJK.search(text) else text


def fold_case(text: str) -> str:
    return text.casefold()


def strip_punctuation(text: str) -> str:
    """Punctuation, quotes, middle dots and all spaces go (字节·跳动 → 字节跳动)."""
    return _PUNCT.sub("", text)


def _as_region(token: str) -> str | None:
    token = token.strip()
    if token in ROMANIZED:
        return ROMANIZED[token]
    compact = token.replace(" ", "")
    if compact in ROMANIZED:
        return ROMANIZED[compact]
    for suffix in REGION_SUFFIXES:
        if compact.endswith(suffix) and len(compact) > len(suffix):
            compact = compact[: -len(suffix)]
            break
    return compact if compact in ALL_REGIONS else None


def take_bracketed_regions(text: str) -> tuple[str, list[str]]:
    """``字节跳动（北京）科技`` → (``字节跳动 科技``, [北京]); other bracketed words are kept."""
    regions: list[str] = []

    def repl(match: re.Match[str]) -> str:
        if match.group(1).strip() in GENERIC_CORES:
            return " "
        region = _as_region(match.group(1))
        if region:
            regions.append(region)
            return " "
        return " " + match.group(1) + " "

    return _BRACKETS.sub(repl, text), regions


def take_leading_regions(text: str) -> tuple[str, list[str]]:
    """``广东省深圳市腾讯`` → (``腾讯``, [广东, 深圳]). Only CJK prefixes and romanized first words."""
    regions: list[str] = []
    changed = True
    while changed:
        changed = False
        for region in ALL_REGIONS:
            if text.startswith(region):
                rest = text[len(region):]
                for suffix in REGION_SUFFIXES:
                    if rest.startswith(suffix):
                        rest = rest[len(suffix):]
                        break
                if rest:
                    regions.append(region)
                    text = rest
                    changed = True
                break
    return text, regions


def take_legal_forms(text: str) -> tuple[str, tuple[str, ...], bool]:
    """Strip legal forms from the end (有限公司, 集团, 分公司 …); say whether it named a branch."""
    forms: list[str] = []
    branch = False
    changed = True
    while changed and text:
        changed = False
        if text.endswith(BRANCH_SUFFIX) and len(text) > len(BRANCH_SUFFIX):
            branch = True
            text = text[: -len(BRANCH_SUFFIX)]
            stripped, _ = take_trailing_region(text)
            text = stripped
            changed = True
            continue
        for form in CJK_LEGAL_FORMS:
            if text.endswith(form) and len(text) > len(form):
                forms.append(form)
                text = text[: -len(form)]
                changed = True
                break
    return text, tuple(forms), branch


def take_trailing_region(text: str) -> tuple[str, str | None]:
    """``腾讯科技有限公司北京`` (the region of a branch) → (``腾讯科技有限公司``, 北京)."""
    for region in ALL_REGIONS:
        for suffix in (*REGION_SUFFIXES, ""):
            tail = region + suffix
            if text.endswith(tail) and len(text) > len(tail):
                return text[: -len(tail)], region
    return text, None


def take_industry_words(text: str) -> tuple[str, tuple[str, ...]]:
    """Split trailing industry words off the distinctive core: 字节跳动科技 → (字节跳动, (科技,))."""
    words: list[str] = []
    sector: str | None = None
    changed = True
    while changed and text:
        changed = False
        for word in CJK_INDUSTRY_WORDS:
            if text.endswith(word) and len(text) > len(word):
                word_sector = CJK_INDUSTRY[word]
                if sector is not None and word_sector not in (sector, "general"):
                    # 中国建设银行: 建设 is part of the name, not a second industry.
                    return text, tuple(words)
                if word_sector != "general":
                    sector = word_sector
                words.insert(0, word)
                text = text[: -len(word)]
                changed = True
                break
    return text, tuple(words)


@dataclass(frozen=True)
class NormalizedName:
    """What a company name says about identity. ``body`` and ``core`` have no spaces."""

    body: str                       # region and legal form stripped: 字节跳动科技
    core: str                       # industry words stripped too: 字节跳动 ('' if only generic words)
    region: str | None              # the most specific region named: 北京
    industry: tuple[str, ...]       # 科技
    sectors: frozenset[str]         # {tech}
    legal_forms: tuple[str, ...]
    branch: bool
    generic: bool = False           # only industry words: 网络科技有限公司 names no company

    @property
    def sector_key(self) -> str:
        return ",".join(sorted(self.sectors))


def _normalize_latin(text: str) -> NormalizedName | None:
    words = _LATIN_WORD.findall(text.replace("&", " and "))
    region = None
    if words and words[0] in ROMANIZED and len(words) > 1:
        region = ROMANIZED[words[0]]
        words = words[1:]
    forms: list[str] = []
    while len(words) > 1 and words[-1] in LATIN_LEGAL_FORMS:
        forms.insert(0, words.pop())
    if len(words) > 1 and words[-1] == "and":
        words.pop()
    body = "".join(words)
    industry: list[str] = []
    core_words = list(words)
    while len(core_words) > 1 and core_words[-1] in LATIN_INDUSTRY:
        industry.insert(0, core_words.pop())
    if len(core_words) == 1 and core_words[0] in LATIN_INDUSTRY:
        core_words = []
    if not body:
        return None
    core = "".join(core_words)
    generic = not core_words
    return NormalizedName(
        body=body,
        core="" if core in GENERIC_CORES else core,
        region=region,
        industry=tuple(industry),
        sectors=frozenset(LATIN_INDUSTRY[w] for w in industry if LATIN_INDUSTRY[w] != "general"),
        legal_forms=tuple(forms),
        branch=False,
        generic=generic,
    )


def normalize_name(raw: str) -> NormalizedName | None:
    """Normalize a company name; None when nothing distinctive is left (only punctuation, say)."""
    text = fold_case(to_simplified(to_halfwidth(raw)))
    text, regions = take_bracketed_regions(text)
    if not _CJK.search(text):
        latin = _normalize_latin(text)
        if latin is not None and regions and latin.region is None:
            latin = NormalizedName(latin.body, latin.core, regions[-1], latin.industry, latin.sectors,
                                   latin.legal_forms, latin.branch)
        return latin
    text = strip_punctuation(text)
    if not text:
        return None
    unstripped = text
    text, leading = take_leading_regions(text)
    regions = leading + regions
    text, forms, branch = take_legal_forms(text)
    core, industry = take_industry_words(text)
    generic = core in CJK_INDUSTRY and not leading
    if core in CJK_INDUSTRY or core in ALL_REGIONS or core in GENERIC_CORES:
        core = ""
    if not core and leading:
        # 上海银行: the region is the brand; keep it in the body and core.
        text, forms, branch = take_legal_forms(unstripped)
        core, industry = take_industry_words(text)
        regions = regions[len(leading):]
    if not text:
        return None
    sectors = frozenset(CJK_INDUSTRY[w] for w in industry if CJK_INDUSTRY[w] != "general")
    return NormalizedName(
        body=text,
        core=core if core not in CJK_INDUSTRY and core not in GENERIC_CORES else "",
        region=regions[-1] if regions else None,
        industry=industry,
        sectors=sectors,
        legal_forms=forms,
        branch=branch,
        generic=generic,
    )

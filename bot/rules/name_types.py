"""The result of company-name normalization, shared by the CJK and Latin-script normalizers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.rules.wordlists import WEAK_INDUSTRY


@dataclass(frozen=True)
class NormalizedName:
    """What a company name says about identity. ``body`` and ``core`` have no spaces."""

    body: str                       # region and legal form stripped: 字节跳动科技
    core: str                       # industry words stripped too: 字节跳动 ('' if only generic words)
    region: str | None              # the most specific region named: 北京
    industry: tuple[str, ...]       # 科技
    sectors: frozenset[str]         # {tech}; a weak word's sector marked: {education, ?tech} (``_sectors``)
    legal_forms: tuple[str, ...]
    branch: bool
    generic: bool = False           # only industry words or a place: 网络科技有限公司 names no company
    branch_region: str | None = None  # where a branch is: 北京 of …北京分行 (not the company's region)

    @property
    def bare(self) -> bool:
        """Typed as just its core: no region, industry word or legal form (字节, 海康)."""
        return self.body == self.core and self.region is None and not self.legal_forms and not self.branch

    @property
    def typed_alone(self) -> str | None:
        """A name typed as its core and an industry word, nothing else (燊亮云, 信竹云): the whole body, which
        may be the core of a full name that keeps the word (燊亮云旅游有限公司 → 燊亮云); None otherwise."""
        alone = self.region is None and not self.legal_forms and not self.branch
        return self.body if alone and self.core and self.body != self.core else None

    @property
    def sector_key(self) -> str:
        return ",".join(sorted(self.sectors))

    @property
    def place_key(self) -> str:
        """The region, and a branch's place after ``@``: 上海@北京 (浦发银行北京分行)."""
        return (self.region or "") + (f"@{self.branch_region}" if self.branch_region else "")


WEAK_MARK = "?"


def _sectors(words: tuple[str, ...], table: dict[str, str]) -> frozenset[str]:
    """The sectors of the industry words, a weak word's marked (``?tech`` of 科技): 教育科技 is
    {education, ?tech}, 科技 alone {?tech}. Only the strong ones prove two names apart (``sectors_overlap``)."""
    return frozenset(table[w] if w not in WEAK_INDUSTRY else WEAK_MARK + table[w]
                     for w in words if table[w] != "general")


def sectors_overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two names' sectors let them be one company. Unknown on either side: yes. Strong sectors on
    both: they must share one (招商银行 / 招商证券 no). A side with weak words only (粉笔蓝天科技) is one
    company with a name that has the same word among its own (粉笔蓝天教育科技), strong or weak, and
    not with one that has not (平安科技 / 平安银行)."""
    if not a or not b:
        return True
    a_strong = {s for s in a if not s.startswith(WEAK_MARK)}
    b_strong = {s for s in b if not s.startswith(WEAK_MARK)}
    if a_strong and b_strong:
        return not a_strong.isdisjoint(b_strong)
    weak, other = (a, b) if not a_strong else (b, a)
    return not {s.removeprefix(WEAK_MARK) for s in weak}.isdisjoint(s.removeprefix(WEAK_MARK) for s in other)


def _generic(body: str, forms: tuple[str, ...], branch: bool) -> NormalizedName:
    """A name that identifies no company (only industry words or a place)."""
    return NormalizedName(body, "", None, (), frozenset(), forms, branch, generic=True)

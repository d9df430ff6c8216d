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
    sectors: frozenset[str]         # {tech}
    legal_forms: tuple[str, ...]
    branch: bool
    generic: bool = False           # only industry words or a place: 网络科技有限公司 names no company
    branch_region: str | None = None  # where a branch is: 北京 of …北京分行 (not the company's region)

    @property
    def bare(self) -> bool:
        """Typed as just its core: no region, industry word or legal form (字节, 海康)."""
        return self.body == self.core and self.region is None and not self.legal_forms and not self.branch

    @property
    def sector_key(self) -> str:
        return ",".join(sorted(self.sectors))

    @property
    def place_key(self) -> str:
        """The region, and a branch's place after ``@``: 上海@北京 (浦发银行北京分行)."""
        return (self.region or "") + (f"@{self.branch_region}" if self.branch_region else "")


def _sectors(words: tuple[str, ...], table: dict[str, str]) -> frozenset[str]:
    """The sectors of the strong industry words, or of the weak ones when there is no strong one."""
    named = {table[w] for w in words if table[w] != "general"}
    strong = {table[w] for w in words if table[w] != "general" and w not in WEAK_INDUSTRY}
    return frozenset(strong or named)


def _generic(body: str, forms: tuple[str, ...], branch: bool) -> NormalizedName:
    """A name that identifies no company (only industry words or a place)."""
    return NormalizedName(body, "", None, (), frozenset(), forms, branch, generic=True)

"""Known names: the names one well-known company goes by (北京三快在线科技有限公司 = 美团 = Meituan).

No spelling rule links a brand to its legal name or a Chinese name to its English one: that takes
knowledge, kept as data (``bot/data/known_companies.jsonl``, loaded by ``bot.known_names``). A name
the list knows brings the other names of its company into the lookup; a client registered under one of
them is a *possible* duplicate (the list can be out of date, so the rep may still register with a reason).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.rules.name_types import NormalizedName, sectors_overlap
from bot.rules.names import normalize_name
from bot.rules.regions import regions_compatible


@dataclass(frozen=True)
class KnownNames:
    by_body: dict[str, str] = field(default_factory=dict)   # a listed name's body → its company
    # a core only one company's names have → it, and the sectors and regions its names with that core name
    by_core: dict[str, tuple[str, frozenset[str], frozenset[str]]] = field(default_factory=dict)
    names: dict[str, tuple[NormalizedName, ...]] = field(default_factory=dict)  # company → its names

    @classmethod
    def build(cls, companies: Iterable[tuple[str, Iterable[str]]]) -> KnownNames:
        """From (company id, its names); a name that normalizes to nothing or to no company is left out,
        and a core two companies share (Mitsubishi of Mitsubishi Motors and of Mitsubishi Corporation)
        identifies neither."""
        by_body: dict[str, str] = {}
        cores: dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]] = {}
        names: dict[str, tuple[NormalizedName, ...]] = {}
        for company, raw_names in companies:
            normalized = [n for n in map(normalize_name, raw_names) if n is not None and not n.generic]
            names[company] = tuple(normalized)
            for name in normalized:
                by_body.setdefault(name.body, company)
                if name.core:
                    owners = cores.setdefault(name.core, {})
                    sectors, regions = owners.get(company, (frozenset(), frozenset()))
                    owners[company] = (sectors | name.sectors, regions | ({name.region} if name.region else set()))
        by_core = {core: (company, *facts) for core, owners in cores.items() if len(owners) == 1
                   for company, facts in owners.items()}
        return cls(by_body, by_core, names)

    def company_of(self, name: NormalizedName) -> str | None:
        """The company a name is a known name of: the same body, or a core only it has and no sector or
        city that rules it out (三菱电机 is not 三菱汽车; 南京同仁堂药业 is not 北京同仁堂)."""
        if name.body in self.by_body:
            return self.by_body[name.body]
        return self.company_of_core(name.core, name.sectors, name.region)

    def company_of_core(self, core: str, sectors: frozenset[str], region: str | None) -> str | None:
        """The company a core with these sectors and region is a known name of (``company_of``)."""
        company, known_sectors, regions = self.by_core.get(core, (None, frozenset(), frozenset()))
        if company is None or not sectors_overlap(sectors, known_sectors):
            return None
        if regions and not any(regions_compatible(region, r) for r in regions):
            return None
        return company

    def other_company(self, company: str, core: str, sectors: frozenset[str], region: str | None) -> bool:
        """A stored core is a known name of another company than ``company`` (百世 of BEST Inc. against 百事 of
        PepsiCo): not a slip of it. A sector or city that rules a company out leaves a name unknown
        (``company_of_core``): 运达快递 is not 运达 the wind-turbine maker, so it may be a slip of 韵达."""
        other = self.company_of_core(core, sectors, region)
        return other is not None and other != company

    def other_names(self, names: Iterable[NormalizedName]) -> tuple[NormalizedName, ...]:
        """The other names of the companies these names are known names of."""
        names = tuple(names)
        own = {(n.body, n.core) for n in names}
        companies = dict.fromkeys(c for n in names if (c := self.company_of(n)) is not None)
        return tuple(other for c in companies for other in self.names[c] if (other.body, other.core) not in own)


NO_KNOWN_NAMES = KnownNames()

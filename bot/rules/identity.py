"""Identity keys of a client: what makes two registrations the same company.

Pure: a registration's fields in, typed keys (or a typed problem) out. User-facing words live in
the catalog; problems here are codes with the offending value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

import phonenumbers
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from bot.policy import IdentityPolicy
from bot.rules.known import NO_KNOWN_NAMES, KnownNames
from bot.rules.names import NormalizedName, normalize_name


class KeyKind(StrEnum):
    CREDIT_CODE = "credit_code"
    PHONE = "phone"
    DOMAIN = "domain"
    NAME = "name"
    CORE = "core"
    KNOWN = "known"    # not stored keys: another name of the same company in the list of known names
    TYPO = "typo"      # not stored keys: near misses of a core, found through the variant table
    PINYIN = "pinyin"  # a Latin core spelled as a Chinese core's pinyin (Hengan / 恒安)
    PREFIX = "prefix"  # a short name that starts a long core (字节 / 字节跳动)


# Punctuation is allowed in a name (it is stripped when matching); these characters never occur in
# company names and usually mean code or markup was pasted.
_NAME_FORBIDDEN = set(";<>{}\\`|$^~=%*#@")
_NAME_ALLOWED_SYMBOLS = set("&+")
_EMAIL = re.compile(r"^[^@\s]+@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$")


@dataclass(frozen=True)
class IdentityProblem(Exception):
    """Why a field cannot identify a company. ``code`` picks the catalog message."""

    code: str
    field: str
    value: str = ""
    detail: str = ""


@dataclass(frozen=True)
class IdentityKey:
    kind: KeyKind
    value: str
    # the places (region@branch place) for name keys; places|sectors for core keys; places|core for domains
    qualifier: str = ""


@dataclass(frozen=True)
class Identity:
    display_name: str
    name: NormalizedName
    aliases: tuple[NormalizedName, ...] = ()
    credit_code: str | None = None
    phone: str | None = None
    domain: str | None = None
    keys: tuple[IdentityKey, ...] = field(default=())
    related: tuple[IdentityKey, ...] = ()  # the name keys of its other known names (美团 → 三快在线)


def _name_char_ok(ch: str) -> bool:
    if ch.isalnum() or ch == " " or ch in _NAME_ALLOWED_SYMBOLS:
        return True
    folded = unicodedata.normalize("NFKC", ch)
    if folded and all(c in _NAME_FORBIDDEN for c in folded):
        return False
    return unicodedata.category(ch).startswith("P")


def check_name_text(raw: str, policy: IdentityPolicy, field_name: str = "name") -> str:
    """The cleaned display form of a company name, or a problem saying what is wrong with it."""
    text = " ".join(raw.split())
    if not text:
        raise IdentityProblem("name_missing", field_name)
    if len(text) > policy.max_name_length:
        raise IdentityProblem("name_too_long", field_name, text[:20] + "…", str(policy.max_name_length))
    bad = sorted({ch for ch in text if not _name_char_ok(ch)})
    if bad:
        raise IdentityProblem("name_bad_chars", field_name, text, " ".join(bad))
    return text


def normalized_or_problem(text: str, field_name: str = "name") -> NormalizedName:
    norm = normalize_name(text)
    if norm is None:
        raise IdentityProblem("name_empty", field_name, text)
    if norm.generic:
        raise IdentityProblem("name_generic", field_name, text)
    return norm


def normalize_credit_code(raw: str) -> str:
    """A valid unified social credit code (统一社会信用代码), upper-case, or a problem."""
    code = re.sub(r"[\s-]", "", raw).upper()
    try:
        return uscc.validate(code)
    except StdnumError as exc:
        reason = "length" if len(code) != 18 else "checksum"
        raise IdentityProblem("credit_code_invalid", "credit_code", raw, reason) from exc


def looks_like_credit_code(text: str) -> bool:
    """18 characters with the administrative division code (six digits) in places 3–8: an 18-letter word
    (ForgeZephyrGravity) is a name."""
    return bool(re.fullmatch(r"[0-9A-Za-z]{2}[0-9]{6}[0-9A-Za-z]{10}", text.strip()))


def normalize_phone(raw: str, policy: IdentityPolicy) -> str:
    """A phone number in E.164 (+8613800138000), or a problem."""
    try:
        number = phonenumbers.parse(raw, policy.default_region)
    except phonenumbers.NumberParseException as exc:
        raise IdentityProblem("phone_invalid", "phone", raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise IdentityProblem("phone_invalid", "phone", raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    stripped = text.strip()
    return bool(re.fullmatch(r"\+?[\d\s\-()]{7,20}", stripped)) and sum(c.isdigit() for c in stripped) >= 7


# Second-level registries under which a company's own domain is the third label (bytedance.com.cn).
_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co", "ne", "or", "go"}


def registrable_domain(host: str) -> str:
    """cn.ibm.com → ibm.com; mail.bytedance.com.cn → bytedance.com.cn (a small public-suffix rule)."""
    labels = host.lower().strip(".").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def email_domain(raw: str, policy: IdentityPolicy) -> str | None:
    """The corporate domain of an e-mail address; None for free-mail domains (qq.com, gmail.com …)."""
    match = _EMAIL.match(raw.strip())
    if not match:
        raise IdentityProblem("email_invalid", "email", raw)
    domain = registrable_domain(match.group(1))
    if domain in policy.free_mail_domains:
        return None
    return domain


def split_core_qualifier(qualifier: str) -> tuple[str, frozenset[str]]:
    """A core key's qualifier (``name_keys``) → (its places, its sectors)."""
    places, _, rest = qualifier.partition("|")
    sectors, _, _company = rest.partition("|")
    return places, frozenset(s for s in sectors.split(",") if s)


def qualifier_company(qualifier: str) -> str:
    """The known company a core key's qualifier names ("" for none)."""
    return qualifier.split("|", 2)[2] if qualifier.count("|") >= 2 else ""


def domain_key(domain: str, name: NormalizedName | None) -> IdentityKey:
    """A corporate domain, qualified with the places and core of the name it was given with: group companies
    share one (chinamobile.com of 中国移动浙江 and 中国移动江苏), and the same core in two places is two
    bodies (``registration.domain_matches``)."""
    identifies = (name.core or name.body) if name is not None else ""  # a place brand (中国电信): its body
    qualifier = f"{name.place_key}|{identifies}" if identifies else ""
    return IdentityKey(KeyKind.DOMAIN, domain, qualifier)


def split_domain_qualifier(qualifier: str) -> tuple[str, str]:
    """A domain key's qualifier (``domain_key``) → (the places, the core); "" for none."""
    places, _, core = qualifier.partition("|")
    return places, core


def split_places(places: str) -> tuple[str, str]:
    """A key's places (``NormalizedName.place_key``) → (the region, a branch's place); "" for none."""
    region, _, branch = places.partition("@")
    return region, branch


def name_keys(name: NormalizedName, company: str | None = None) -> tuple[IdentityKey, ...]:
    """The name's body and core keys. The core key's qualifier is its places and sectors, and the company
    the list of known names gives the name (``places|sectors|company``): two known companies that share a
    core (万达信息 / 大连万达集团) are two clients, each with its own key. Not for a bare name: a brand the
    list gives one company of a group (三一, 中国神华) is typed for any of them. Stored in keys, so a
    company's id in the list is never renamed."""
    keys = [IdentityKey(KeyKind.NAME, name.body, name.place_key)]
    if name.core:
        known = f"|{company}" if company and not name.bare else ""
        keys.append(IdentityKey(KeyKind.CORE, name.core, f"{name.place_key}|{name.sector_key}{known}"))
        if name.typed_alone:  # its industry word may be part of a full name's core (鱼跃医疗 of 鱼跃医疗设备)
            keys.append(IdentityKey(KeyKind.CORE, name.typed_alone, f"{name.place_key}|{known}"))
    return tuple(keys)


def related_keys(names: tuple[NormalizedName, ...], known: KnownNames) -> tuple[IdentityKey, ...]:
    """The name keys of the other names the list of known names gives these names' company."""
    own = {(k.kind, k.value) for n in names for k in name_keys(n)}
    out: dict[tuple[KeyKind, str], IdentityKey] = {}
    for other in known.other_names(names):
        for key in name_keys(other, known.company_of(other)):
            if (key.kind, key.value) not in own:
                out.setdefault((key.kind, key.value), key)
    return tuple(out.values())


def build_identity(
    name: str,
    policy: IdentityPolicy,
    *,
    known: KnownNames = NO_KNOWN_NAMES,
    phone: str | None = None,
    email: str | None = None,
    credit_code: str | None = None,
    aliases: tuple[str, ...] = (),
) -> Identity:
    """All identity keys of one registration, or the first problem found (name first)."""
    display = check_name_text(name, policy)
    norm = normalized_or_problem(display)
    alias_norms = tuple(normalized_or_problem(check_name_text(a, policy, "alias"), "alias") for a in aliases)
    code = normalize_credit_code(credit_code) if credit_code else None
    e164 = normalize_phone(phone, policy) if phone else None
    domain = email_domain(email, policy) if email else None
    keys: list[IdentityKey] = []
    if code:
        keys.append(IdentityKey(KeyKind.CREDIT_CODE, code))
    if e164:
        keys.append(IdentityKey(KeyKind.PHONE, e164))
    if domain:
        keys.append(domain_key(domain, norm))
    for n in (norm, *alias_norms):
        for key in name_keys(n, known.company_of(n)):
            if key not in keys:
                keys.append(key)
    return Identity(display, norm, alias_norms, code, e164, domain, tuple(keys),
                    related_keys((norm, *alias_norms), known))


@dataclass(frozen=True)
class Query:
    """What a ``check`` looks for: the keys to look up, and the name when it is a name."""

    kind: KeyKind
    keys: tuple[IdentityKey, ...]
    name: NormalizedName | None = None
    related: tuple[IdentityKey, ...] = ()


def query_for(text: str, policy: IdentityPolicy, known: KnownNames = NO_KNOWN_NAMES) -> Query:
    """Read a check query as a credit code, an e-mail, a phone number or a company name."""
    text = text.strip()
    if not text:
        raise IdentityProblem("query_missing", "query")
    if "@" in text:
        domain = email_domain(text, policy)
        if domain is None:
            raise IdentityProblem("email_free_mail", "query", text)
        return Query(KeyKind.DOMAIN, (IdentityKey(KeyKind.DOMAIN, domain),))
    if looks_like_credit_code(text) and not text.isdigit():
        code = normalize_credit_code(text)
        return Query(KeyKind.CREDIT_CODE, (IdentityKey(KeyKind.CREDIT_CODE, code),))
    if looks_like_phone(text):
        return Query(KeyKind.PHONE, (IdentityKey(KeyKind.PHONE, normalize_phone(text, policy)),))
    norm = normalized_or_problem(check_name_text(text, policy))
    return Query(KeyKind.NAME, name_keys(norm, known.company_of(norm)), norm, related_keys((norm,), known))

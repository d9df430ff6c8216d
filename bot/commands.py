"""The one command grammar for every platform: a verb (English or Chinese alias), free text up to
the first ``key=value``, then ``key=value`` / ``key="quoted value"`` pairs.

Parsing yields a frozen command or a ``UsageError`` naming what was wrong; it never raises into a
platform handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_TEXT = 2000


@dataclass(frozen=True)
class Register:
    name: str
    phone: str | None = None
    email: str | None = None
    credit_code: str | None = None
    industry: str | None = None
    region: str | None = None
    contact: str | None = None
    aliases: tuple[str, ...] = ()
    justification: str | None = None  # why this is not the possible duplicate the bot found
    grade: str | None = None          # A / B / C; the policy's default grade when not given


@dataclass(frozen=True)
class Check:
    query: str


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class OpenForm:
    """A verb given without arguments that has a form (Slack modal, Feishu card)."""

    verb: str


@dataclass(frozen=True)
class FollowUp:
    client: str
    channel: str
    outcome: str
    next: str
    plan: str | None = None
    goal_met: bool | None = None


@dataclass(frozen=True)
class Advance:
    client: str
    stage: str
    values: tuple[tuple[str, str], ...] = ()  # criterion fields, checked against the pipeline by the service
    evidence: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ChecklistCmd:
    text: str                      # "<client> [item | approve]": the service knows the item ids
    evidence: str | None = None


@dataclass(frozen=True)
class Close:
    client: str
    outcome: str                   # won | lost | hold
    reason: str | None = None
    amount: str | None = None


@dataclass(frozen=True)
class Report:
    client: str
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Mine:
    pass


@dataclass(frozen=True)
class History:
    client: str


@dataclass(frozen=True)
class AlertCmd:
    alert_id: int
    action: str                    # done | snooze | wrong
    until: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Transfer:
    client: str
    to_user: str                   # a member id (Slack <@U123> mentions are unwrapped)


Command = (Register | Check | Help | OpenForm | FollowUp | Advance | ChecklistCmd | Close | Report | Mine | History
           | AlertCmd | Transfer)


@dataclass(frozen=True)
class UsageError:
    """Why the text is not a command; ``code`` picks the catalog message, ``verb`` the usage line."""

    code: str
    verb: str | None = None
    detail: str = ""


VERBS: dict[str, str] = {
    "register": "register", "报备": "register", "reg": "register",
    "check": "check", "查重": "check", "查": "check",
    "help": "help", "帮助": "help", "?": "help", "？": "help",
    "followup": "followup", "follow-up": "followup", "跟进": "followup",
    "advance": "advance", "推进": "advance",
    "checklist": "checklist", "检查清单": "checklist", "清单": "checklist",
    "close": "close", "成交": "close:won", "丢单": "close:lost", "搁置": "close:hold",
    "report": "report", "战报": "report",
    "mine": "mine", "我的": "mine",
    "history": "history", "记录": "history",
    "alert": "alert", "提醒": "alert",
    "transfer": "transfer", "转交": "transfer",
}
# Verbs the product will have (SPEC.md) but this build does not answer yet.
PLANNED = {"pool", "公海", "claim", "领取", "release", "放弃", "lock", "锁定", "why", "为什么", "funnel", "漏斗",
           "stalled", "停滞"}

REGISTER_KEYS: dict[str, str] = {
    "phone": "phone", "tel": "phone", "mobile": "phone", "电话": "phone", "手机": "phone",
    "email": "email", "mail": "email", "邮箱": "email",
    "credit_code": "credit_code", "code": "credit_code", "uscc": "credit_code", "信用代码": "credit_code",
    "统一社会信用代码": "credit_code",
    "industry": "industry", "行业": "industry",
    "region": "region", "city": "region", "地区": "region", "城市": "region",
    "contact": "contact", "联系人": "contact",
    "alias": "alias", "aliases": "alias", "别名": "alias", "简称": "alias",
    "justification": "justification", "why": "justification", "理由": "justification", "说明": "justification",
    "grade": "grade", "等级": "grade", "级别": "grade",
}

_KEY = r"[A-Za-z_][A-Za-z0-9_]*|[\u4e00-\u9fff]+"
_PAIR_START = re.compile(rf"(?:^|\s)({_KEY})\s*=")
_PAIR_HERE = re.compile(rf"({_KEY})\s*=")
_QUOTES = {'"': '"', "“": "”", "'": "'", "「": "」"}


@dataclass
class Parsed:
    verb: str | None
    free: str
    pairs: list[tuple[str, str]] = field(default_factory=list)


def _normalize_text(text: str) -> str:
    text = text.replace("\u3000", " ").replace("＝", "=")
    return text.strip()


def split_pairs(rest: str) -> tuple[str, list[tuple[str, str]]] | UsageError:
    """``北京字节 phone=138 region="北京 朝阳"`` → (``北京字节``, [(phone, 138), (region, 北京 朝阳)])."""
    first = _PAIR_START.search(rest)
    if first is None:
        return rest.strip(), []
    free = rest[: first.start()].strip()
    pairs: list[tuple[str, str]] = []
    pos = first.start(1)
    while pos < len(rest):
        match = _PAIR_HERE.match(rest, pos)
        if match is None:
            return UsageError("bad_pair", detail=rest[pos:].strip()[:40])
        key = match.group(1)
        pos = match.end()
        while pos < len(rest) and rest[pos] == " ":
            pos += 1
        if pos < len(rest) and rest[pos] in _QUOTES:
            close = rest.find(_QUOTES[rest[pos]], pos + 1)
            if close < 0:
                return UsageError("unclosed_quote", detail=key)
            value = rest[pos + 1: close]
            pos = close + 1
            if pos < len(rest) and not rest[pos].isspace():
                return UsageError("bad_pair", detail=rest[pos:].strip()[:40])
        else:
            nxt = _PAIR_START.search(rest, pos)
            end = nxt.start() if nxt else len(rest)
            value = rest[pos:end].strip()
            pos = end
        if not value.strip():
            return UsageError("missing_value", detail=key)
        pairs.append((key, value.strip()))
        while pos < len(rest) and rest[pos].isspace():
            pos += 1
    return free, pairs


def parse_command(text: str) -> Command | UsageError:
    """Parse the text after ``/crm`` (or after the bot's @mention on Feishu)."""
    text = _normalize_text(text or "")
    if len(text) > MAX_TEXT:
        return UsageError("too_long", detail=str(MAX_TEXT))
    if not text:
        return Help()
    word, _, rest = text.partition(" ")
    if word.startswith("/"):
        word = word[1:]
    key = word.lower()
    verb = VERBS.get(key)
    if verb is None:
        return UsageError("planned" if key in PLANNED else "unknown_command", detail=word[:40])
    if verb == "help":
        topic = rest.strip().lower() or None
        return Help(VERBS.get(topic, topic) if topic else None)
    split = split_pairs(rest)
    if isinstance(split, UsageError):
        return UsageError(split.code, verb, split.detail)
    free, pairs = split
    if verb == "check":
        if pairs:
            return UsageError("no_options", verb, pairs[0][0])
        if not free:
            return UsageError("missing_query", verb)
        return Check(free)
    if verb == "register":
        return _register(free, pairs)
    from bot.commands_pipeline import PIPELINE_PARSERS  # the pipeline verbs' forms, in their own module

    return PIPELINE_PARSERS[verb.partition(":")[0]](verb, free, pairs)


def _register(free: str, pairs: list[tuple[str, str]]) -> Register | OpenForm | UsageError:
    if not free and not pairs:
        return OpenForm("register")
    if not free:
        return UsageError("missing_name", "register")
    values: dict[str, str] = {}
    aliases: list[str] = []
    for raw_key, value in pairs:
        key = REGISTER_KEYS.get(raw_key.lower())
        if key is None:
            return UsageError("unknown_key", "register", raw_key)
        if key == "alias":
            aliases.extend(a.strip() for a in re.split(r"[,，;；]", value) if a.strip())
            continue
        if key in values:
            return UsageError("duplicate_key", "register", raw_key)
        values[key] = value
    if "grade" in values:
        values["grade"] = values["grade"].strip().upper()
        if values["grade"] not in ("A", "B", "C"):
            return UsageError("bad_grade", "register", values["grade"])
    return Register(name=free, aliases=tuple(aliases), **values)



"""The neutral result and message model. Services return a ``Result``; ``bot.present`` turns it
into a ``Reply`` in the caller's language; renderers turn a Reply into text, Block Kit or a card."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class MatchView:
    client_id: int
    name: str
    owner: str | None
    owner_user_id: str | None
    stage: str | None
    protected_until: datetime | None
    score: int
    reason: str          # the evidence kind: credit_code, phone, domain, name, core
    reason_value: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["protected_until"] = self.protected_until.isoformat() if self.protected_until else None
        return data


@dataclass(frozen=True)
class Result:
    """What a command did: ``ok``, a ``kind`` for programs, a catalog ``msg`` with ``params``."""

    ok: bool
    kind: str
    msg: str
    params: dict[str, Any] = field(default_factory=dict)
    matches: tuple[MatchView, ...] = ()
    locale: str = "zh-CN"
    timezone: str = "UTC"
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """A button: ``action_id`` routes the click, ``value`` carries its argument."""

    action_id: str
    label: str
    value: str = ""
    style: str | None = None  # primary | danger


@dataclass(frozen=True)
class Item:
    """One entry of a list that has its own quick actions (an alert in a digest)."""

    text: str
    actions: tuple[Action, ...] = ()
    hint: str | None = None  # how to do the same by typing, for the console

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        return cls(data["text"], tuple(Action(**a) for a in data.get("actions") or ()), data.get("hint"))


@dataclass(frozen=True)
class Reply:
    """A platform-neutral message: a title, a paragraph, bullet lines, items with actions, buttons."""

    text: str
    title: str | None = None
    lines: tuple[str, ...] = ()
    context: str | None = None
    actions: tuple[Action, ...] = ()
    items: tuple[Item, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(text=data["text"], title=data.get("title"), lines=tuple(data.get("lines") or ()),
                   context=data.get("context"),
                   actions=tuple(Action(**a) for a in data.get("actions") or ()),
                   items=tuple(Item.from_dict(i) for i in data.get("items") or ()))

    def plain(self) -> str:
        """The whole message as plain text (console, notification fallback)."""
        parts = [p for p in (self.title, self.text) if p]
        parts.extend(f"  • {line}" for line in self.lines)
        parts.extend(f"  • {item.text}" + (f"\n      {item.hint}" if item.hint else "") for item in self.items)
        if self.context:
            parts.append(self.context)
        return "\n".join(parts)

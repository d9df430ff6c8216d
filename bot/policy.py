"""The rules file (app.yaml) as strict, frozen pydantic models.

An invalid file stops the program with the path of the bad key and the reason; ``python -m bot
config check`` runs the same validation without starting anything. Nothing here does I/O except
``load_policy``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Locale = Literal["zh-CN", "en"]
Role = Literal["rep", "manager", "director"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberPolicy(_Strict):
    user: str = Field(min_length=1, description="chat user id (Slack U…, Feishu open_id, console name)")
    name: str | None = Field(default=None, description="display name shown to other reps")
    role: Role = "rep"
    manager: str | None = Field(default=None, description="user id of this member's manager")


class TeamPolicy(_Strict):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1)
    timezone: str = "Asia/Shanghai"
    locale: Locale = "zh-CN"
    sync_channel: str | None = Field(default=None, description="channel id for registration notices")
    members: tuple[MemberPolicy, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from exc
        return value

    @model_validator(mode="after")
    def _managers_are_members(self) -> TeamPolicy:
        ids = [m.user for m in self.members]
        seen: set[str] = set()
        for uid in ids:
            if uid in seen:
                raise ValueError(f"member {uid!r} is listed twice")
            seen.add(uid)
        for m in self.members:
            if m.manager is not None and m.manager not in seen:
                raise ValueError(f"member {m.user!r} names manager {m.manager!r}, who is not in team {self.id!r}")
            if m.manager == m.user:
                raise ValueError(f"member {m.user!r} cannot manage themselves")
        return self


class ProtectionPolicy(_Strict):
    days: int = Field(default=30, ge=1, le=365, description="registration protection period (报备保护期)")


FREE_MAIL_DOMAINS = (
    "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com",
    "aliyun.com", "139.com", "189.cn", "wo.cn", "gmail.com", "googlemail.com", "outlook.com",
    "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com", "me.com", "proton.me",
    "protonmail.com", "mail.ru", "yandex.ru", "gmx.de", "web.de",
)


class IdentityPolicy(_Strict):
    default_region: str = Field(default="CN", pattern=r"^[A-Z]{2}$", description="phone region for numbers without +")
    free_mail_domains: tuple[str, ...] = FREE_MAIL_DOMAINS
    max_name_length: int = Field(default=100, ge=10, le=500)


class Policy(_Strict):
    default_team: str
    teams: tuple[TeamPolicy, ...] = Field(min_length=1)
    protection: ProtectionPolicy = ProtectionPolicy()
    identity: IdentityPolicy = IdentityPolicy()

    @model_validator(mode="after")
    def _references(self) -> Policy:
        ids = [t.id for t in self.teams]
        if len(set(ids)) != len(ids):
            raise ValueError("team ids must be unique")
        if self.default_team not in ids:
            raise ValueError(f"default_team {self.default_team!r} is not one of the teams: {', '.join(ids)}")
        owners: dict[str, str] = {}
        for team in self.teams:
            for m in team.members:
                if m.user in owners:
                    raise ValueError(f"member {m.user!r} is in teams {owners[m.user]!r} and {team.id!r}")
                owners[m.user] = team.id
        return self

    def team(self, team_id: str) -> TeamPolicy:
        for t in self.teams:
            if t.id == team_id:
                return t
        raise KeyError(team_id)

    def member(self, user_id: str) -> tuple[TeamPolicy, MemberPolicy] | None:
        for t in self.teams:
            for m in t.members:
                if m.user == user_id:
                    return t, m
        return None


class PolicyError(Exception):
    """A rules file that cannot be used; ``str()`` names the bad key and the reason."""


def parse_policy(data: object, source: str = "app.yaml") -> Policy:
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: the top level must be a mapping (key: value)")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{source}: {where}: {msg}")
        raise PolicyError("\n".join(lines)) from None


def load_policy(path: str | Path) -> Policy:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read the rules file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{p}: not valid YAML: {exc}") from None
    return parse_policy(data, str(p))

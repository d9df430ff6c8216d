"""The rules file (app.yaml) as strict, frozen pydantic models.

An invalid file stops the program with the path of the bad key and the reason; ``python -m bot
config check`` runs the same validation without starting anything. Nothing here does I/O except
``load_policy``.
"""

from __future__ import annotations

from datetime import date, time
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


class CalendarPolicy(_Strict):
    """The team's working time: a country's holidays, working hours, and dates the packages miss."""

    country: str = Field(default="CN", pattern=r"^[A-Z]{2}$", description="CN uses chinese-calendar (调休)")
    work_hours: str = Field(default="09:00-18:00", pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = Field(default=(), description="make-up working days (调休) not yet in the package")

    @field_validator("work_hours")
    @classmethod
    def _ordered(cls, value: str) -> str:
        start, end = value.split("-")
        try:
            if time.fromisoformat(start) >= time.fromisoformat(end):
                raise ValueError(f"work_hours {value!r}: the day must end after it starts")
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value != "CN":
            import holidays

            if value not in holidays.list_supported_countries():
                raise ValueError(f"no holiday calendar for country {value!r}")
        return value

    def hours(self) -> tuple[time, time]:
        start, end = self.work_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)


class TeamPolicy(_Strict):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1)
    timezone: str = "Asia/Shanghai"
    locale: Locale = "zh-CN"
    sync_channel: str | None = Field(default=None, description="channel id for registration notices")
    alert_channel: str | None = Field(default=None, description="channel for level-3 escalations (default: sync)")
    calendar: CalendarPolicy = CalendarPolicy()
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
    known_names: str = Field(default="bot/data/known_companies.jsonl",
                             description="JSON lines of the names well-known companies go by; \"\" for none")


FieldType = Literal["text", "list", "link", "amount", "person", "date"]


class CriterionField(_Strict):
    """A piece of evidence a stage asks for, e.g. ``pain_points`` (a list of at least 3)."""

    type: FieldType = "text"
    min_items: int = Field(default=1, ge=1, le=20, description="for lists: how many items at least")
    label_zh: str
    label_en: str
    example: str = Field(description="shown in refusals: how to supply it")


class ChecklistItemPolicy(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label_zh: str
    label_en: str


DEFAULT_FIELDS: dict[str, CriterionField] = {
    "budget": CriterionField(type="amount", label_zh="预算", label_en="budget", example="budget=500000"),
    "decision_maker": CriterionField(type="person", label_zh="决策人", label_en="decision maker",
                                     example='decision_maker="王总 CTO"'),
    "pain_points": CriterionField(type="list", min_items=3, label_zh="痛点（至少 3 个）",
                                  label_en="pain points (at least 3)",
                                  example='pain_points="排班靠人工;对账慢;数据分散"'),
    "timeline": CriterionField(type="text", label_zh="采购时间表", label_en="timeline", example="timeline=2027Q1"),
    "kpis": CriterionField(type="list", min_items=2, label_zh="KPI（至少 2 个）", label_en="KPIs (at least 2)",
                           example='kpis="人效提升20%;对账周期缩到1天"'),
    "demo_attendees": CriterionField(type="list", label_zh="演示参会人", label_en="demo attendees",
                                     example='demo_attendees="王总;李工"'),
    "demo_notes": CriterionField(type="link", label_zh="演示纪要链接", label_en="demo notes link",
                                 example="demo_notes=https://docs.example.com/demo"),
    "quote_amount": CriterionField(type="amount", label_zh="报价金额", label_en="quote amount",
                                   example="quote_amount=480000"),
    "meeting_notes": CriterionField(type="link", label_zh="会议纪要链接", label_en="meeting notes link",
                                    example="meeting_notes=https://docs.example.com/meeting"),
    "competitor": CriterionField(type="text", label_zh="竞争对手情况", label_en="competitor info",
                                 example='competitor="对手A报价低10%，客户更看重实施"'),
}

DEFAULT_CHECKLIST = (
    ChecklistItemPolicy(id="contract", label_zh="双方确认合同版本", label_en="contract version confirmed by both sides"),
    ChecklistItemPolicy(id="payment_account", label_zh="客户提供付款账户", label_en="payment account provided"),
    ChecklistItemPolicy(id="schedule", label_zh="实施排期已锁定", label_en="implementation schedule locked"),
    ChecklistItemPolicy(id="it_review", label_zh="客户 IT 权限评审完成", label_en="client IT access review done"),
    ChecklistItemPolicy(id="commission", label_zh="提成已复核", label_en="commission reviewed"),
)


class PipelinePolicy(_Strict):
    """Stages in order, their exit criteria, the pre-close checklist and the close reasons."""

    stages: tuple[str, ...] = ("lead", "discovery", "demo", "proposal", "negotiation")
    fields: dict[str, CriterionField] = Field(default_factory=lambda: dict(DEFAULT_FIELDS))
    exit_criteria: dict[str, tuple[str, ...]] = Field(default_factory=lambda: {
        "discovery": ("budget", "decision_maker", "pain_points", "timeline", "kpis"),
        "demo": ("demo_attendees", "demo_notes"),
        "proposal": ("quote_amount", "meeting_notes"),
        "negotiation": ("competitor",),
    })
    checklist: tuple[ChecklistItemPolicy, ...] = DEFAULT_CHECKLIST
    close_reasons: tuple[str, ...] = ("price", "competitor", "no_budget", "timing", "no_decision", "product_fit")
    stall_days: int = Field(default=3, ge=1, le=60, description="mine: high grade with no move for this many days")

    @model_validator(mode="after")
    def _references(self) -> PipelinePolicy:
        reserved = {"won", "lost", "hold"}
        if len(set(self.stages)) != len(self.stages):
            raise ValueError("pipeline.stages: a stage is listed twice")
        bad = reserved.intersection(self.stages)
        if bad:
            raise ValueError(f"pipeline.stages: {', '.join(sorted(bad))} are closing states, not stages")
        for stage, names in self.exit_criteria.items():
            if stage not in self.stages:
                raise ValueError(f"pipeline.exit_criteria.{stage}: unknown stage (stages: {', '.join(self.stages)})")
            for name in names:
                if name not in self.fields:
                    raise ValueError(f"pipeline.exit_criteria.{stage}: unknown field {name!r} "
                                     f"(fields: {', '.join(sorted(self.fields))})")
        ids = [item.id for item in self.checklist]
        if len(set(ids)) != len(ids):
            raise ValueError("pipeline.checklist: an item id is listed twice")
        return self


Grade = Literal["A", "B", "C"]


class SlaPolicy(_Strict):
    """Service levels, counted in business hours of each team's calendar."""

    first_touch_hours: dict[Grade, float] = Field(default_factory=lambda: {"A": 2.0, "B": 12.0, "C": 72.0})
    default_grade: Grade = "B"
    stall_days: int = Field(default=5, ge=1, le=60, description="working days with no activity in an open stage")
    escalation_step_hours: float = Field(default=24, gt=0, description="business hours overdue per ladder step")
    sweep_minutes: int = Field(default=5, ge=1, le=60)
    digest_max_items: int = Field(default=15, ge=1, le=40)

    @model_validator(mode="after")
    def _every_grade(self) -> SlaPolicy:
        missing = {"A", "B", "C"} - set(self.first_touch_hours)
        if missing:
            raise ValueError(f"sla.first_touch_hours: missing grade(s) {', '.join(sorted(missing))}")
        return self


class Policy(_Strict):
    default_team: str
    teams: tuple[TeamPolicy, ...] = Field(min_length=1)
    protection: ProtectionPolicy = ProtectionPolicy()
    identity: IdentityPolicy = IdentityPolicy()
    pipeline: PipelinePolicy = PipelinePolicy()
    sla: SlaPolicy = SlaPolicy()

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

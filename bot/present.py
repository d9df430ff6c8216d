"""Results become Replies in the caller's language. No decisions here, only wording."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.messages import Action, MatchView, Reply, Result

HELP_TOPICS = ("register", "check", "help")


def fmt_time(at: datetime | None, result: Result) -> str:
    if at is None:
        return t(result.locale, "unknown")
    return at.astimezone(ZoneInfo(result.timezone)).strftime("%Y-%m-%d %H:%M")


def reason_text(view: MatchView, locale: str) -> str:
    return t(locale, f"reason.{view.reason}", value=view.reason_value)


def stage_text(stage: str | None, locale: str) -> str:
    return t(locale, f"stage.{stage}") if stage else t(locale, "unknown")


def _match_params(view: MatchView, result: Result) -> dict:
    return {"name": view.name, "owner": view.owner or t(result.locale, "unknown"),
            "stage": stage_text(view.stage, result.locale), "until": fmt_time(view.protected_until, result),
            "reason": reason_text(view, result.locale)}


def _usage_line(verb: str | None, locale: str) -> str | None:
    if verb not in HELP_TOPICS:
        return None
    return t(locale, "usage.example", usage=t(locale, f"help.{verb}")) + "\n" + t(locale, f"help.{verb}.example")


def present(result: Result) -> Reply:
    loc = result.locale
    p = dict(result.params)
    if result.kind == "registered":
        p["until"] = fmt_time(p.get("until"), result)
        return Reply(t(loc, "registered", **p), title=t(loc, "registered.title"))
    if result.kind == "registered.notice":
        details = " · ".join(x for x in (p.get("industry"), p.get("region")) if x)
        p["details"] = f"（{details}）" if details and loc == "zh-CN" else (f" ({details})" if details else "")
        p["until"] = fmt_time(p.get("until"), result)
        return Reply(t(loc, "registered.notice", **p))
    if result.kind in ("conflict", "already_yours"):
        view = result.matches[0]
        key = "conflict.unowned" if result.kind == "conflict" and view.owner is None else result.kind
        title = t(loc, "conflict.title") if result.kind == "conflict" else None
        return Reply(t(loc, key, **_match_params(view, result)), title=title)
    if result.kind == "possible":
        lines = tuple(
            t(loc, "check.match" if v.owner else "check.match.unowned", **_match_params(v, result))
            for v in result.matches)
        return Reply(t(loc, "possible", **p), title=t(loc, "possible.title"), lines=lines)
    if result.kind == "justified.notice":
        return Reply(t(loc, "justified.notice", **p))
    if result.kind == "found":
        lines = tuple(
            t(loc, "check.match" if v.owner else "check.match.unowned", **_match_params(v, result))
            for v in result.matches)
        return Reply(t(loc, "check.found", **p), lines=lines)
    if result.kind == "not_found":
        return Reply(t(loc, "check.none", **p),
                     actions=(Action("crm_register_open", t(loc, "form.register.title"), p.get("query", "")[:150],
                                     "primary"),))
    if result.kind == "help":
        return _help(result)
    if result.kind in ("usage", "invalid"):
        return Reply(t(loc, result.msg, **p), title=t(loc, "error.title"),
                     context=_usage_line(result.data.get("usage"), loc))
    return Reply(t(loc, result.msg, **p))


def _help(result: Result) -> Reply:
    loc = result.locale
    topic = result.params.get("topic")
    days = result.params.get("days")
    topics = (topic,) if topic else HELP_TOPICS
    lines = []
    for name in topics:
        lines.append(f"{t(loc, f'help.{name}')}  ({t(loc, f'help.{name}.alias')})\n"
                     f"    {t(loc, f'help.{name}.about', days=days)}\n    {t(loc, f'help.{name}.example')}")
    return Reply(t(loc, "help.intro"), title=t(loc, "help.title"), lines=tuple(lines))

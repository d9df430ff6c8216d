"""Results become Replies in the caller's language. No decisions here, only wording."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.messages import Action, MatchView, Reply, Result

HELP_TOPICS = ("register", "check", "followup", "advance", "checklist", "close", "report", "mine", "history",
               "transfer", "alert", "help")


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


def _match_lines(result: Result) -> tuple[str, ...]:
    """A line per listed match, and one saying how many more were found when not all are listed."""
    loc = result.locale
    lines = [t(loc, "check.match" if v.owner else "check.match.unowned", **_match_params(v, result))
             for v in result.matches]
    more = result.params.get("count", len(result.matches)) - len(result.matches)
    if more > 0:
        lines.append(t(loc, "check.more", more=more))
    return tuple(lines)


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
        return Reply(t(loc, "possible", **p), title=t(loc, "possible.title"), lines=_match_lines(result))
    if result.kind == "justified.notice":
        return Reply(t(loc, "justified.notice", **p))
    if result.kind == "found":
        return Reply(t(loc, "check.found", **p), lines=_match_lines(result))
    if result.kind == "not_found":
        return Reply(t(loc, "check.none", **p),
                     actions=(Action("crm_register_open", t(loc, "form.register.title"), p.get("query", "")[:150],
                                     "primary"),))
    if result.kind == "help":
        return _help(result)
    if result.kind in PIPELINE_KINDS:
        return _pipeline(result)
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
        about = t(loc, f"help.{name}.about", days=days, reasons=result.params.get("reasons"))
        lines.append(f"{t(loc, f'help.{name}')}  ({t(loc, f'help.{name}.alias')})\n"
                     f"    {about}\n    {t(loc, f'help.{name}.example')}")
    return Reply(t(loc, "help.intro"), title=t(loc, "help.title"), lines=tuple(lines))


PIPELINE_KINDS = ("alert.done", "alert.snoozed", "alert.wrong_recorded", "alert.wrong.notice", "transfer.done",
                  "transfer.notice", "refused", "followup.logged", "advanced", "checklist", "closed", "report.saved", "mine", "history",
                  "checklist.ready.notice", "checklist.approved.notice", "closed.won.notice", "closed.lost.notice")


def _pipeline(result: Result) -> Reply:
    loc = result.locale
    p = dict(result.params)
    for key in ("from_stage", "to_stage", "stage"):
        if p.get(key):
            p[key] = stage_text(p[key], loc)
    if isinstance(p.get("next"), date):
        p["next"] = p["next"].isoformat()
    if isinstance(p.get("until"), datetime):
        p["until"] = fmt_time(p["until"], result)
    if p.get("channel"):
        p["channel"] = t(loc, f"channel.{p['channel']}")
    cid = str(p.get("client_id", ""))
    kind = result.kind
    if kind == "refused":
        lines = [f"{m['label']} — {m['example']}" if m.get("example") else m["label"]
                 for m in result.data.get("missing", [])]
        lines += result.data.get("choices", [])
        if result.data.get("stages") and result.msg == "stage.unknown":
            p["stages"] = ", ".join(result.data["stages"])
        context = t(loc, "stage.saved", **p) if p.get("saved") else None
        if not lines and not context:
            context = _usage_line(result.data.get("usage"), loc)
        title = t(loc, "error.title") if result.msg.startswith(("value.", "problem.", "followup.bad", "followup.date",
                                                                  "advance.unknown", "close.amount")) \
            else t(loc, "refused.title")
        return Reply(t(loc, result.msg, **p), title=title, lines=tuple(lines), context=context)
    if kind == "alert.done":
        return Reply(t(loc, result.msg, **p), actions=(
            Action("crm_followup_open", t(loc, "button.followup"), f"#{cid}", "primary"),))
    if kind == "followup.logged":
        return Reply(t(loc, result.msg, **p), actions=(
            Action("crm_advance_open", t(loc, "button.advance"), f"#{cid}"),
            Action("crm_followup_open", t(loc, "button.followup"), f"#{cid}")))
    if kind == "advanced":
        return Reply(t(loc, result.msg, **p), actions=(
            Action("crm_followup_open", t(loc, "button.followup"), f"#{cid}", "primary"),
            Action("crm_advance_open", t(loc, "button.advance"), f"#{cid}")))
    if kind == "checklist":
        lines = [f"{'✅' if row['done'] else '⬜'} {row['id']} — {row['label']}"
                 + (f"  {row['evidence']}" if row.get("evidence") else "") for row in result.data["items"]]
        state = t(loc, "checklist.approved.state" if p.get("approved") else "checklist.pending.state")
        return Reply(t(loc, result.msg, **p), lines=tuple(lines),
                     context=state if p.get("done") == p.get("total") else None)
    if kind == "checklist.ready.notice":
        return Reply(t(loc, kind, **p), actions=(Action("crm_checklist_approve", t(loc, "button.approve"),
                                                        f"#{cid}", "primary"),))
    if kind == "closed":
        actions = () if p.get("outcome") == "hold" else (
            Action("crm_report_open", t(loc, "button.report"), f"#{cid}", "primary"),)
        return Reply(t(loc, result.msg, **p), actions=actions)
    if kind == "mine":
        sections = result.data["sections"]
        lines = []
        for name in ("overdue", "today", "stalled", "no_next", "waiting", "to_approve"):
            for row in sections.get(name, []):
                lines.append(f"{t(loc, f'mine.{name}')}: " + t(loc, "mine.line", name=row["name"],
                                                                 stage=stage_text(row["stage"], loc),
                                                                 next=row["next"] or "—"))
        return Reply(t(loc, "mine", **p), lines=tuple(lines), context=None if lines else t(loc, "mine.empty"))
    if kind == "history":
        lines = []
        for e in result.data["events"]:
            at = fmt_time(datetime.fromisoformat(e["at"]), result)
            change = f" {stage_text(e['from'], loc)} → {stage_text(e['to'], loc)}" if e.get("from") else ""
            for key in ("item", "outcome"):
                if e.get(key):
                    change += f" {e[key]}"
            if e.get("missing"):
                change += " · " + ", ".join(e["missing"])
            lines.append(t(loc, "history.line", at=at, actor=e["actor"], action=e["action"], rule=e["rule"],
                           decision=e["decision"], change=change))
        return Reply(t(loc, "history", **p), lines=tuple(lines), context=None if lines else t(loc, "history.empty"))
    return Reply(t(loc, result.msg, **p))

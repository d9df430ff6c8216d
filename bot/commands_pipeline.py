"""The forms of the pipeline verbs (followup, advance, checklist, close, report, mine, history, alert,
transfer): free text and key=value pairs, already split by ``bot.commands.split_pairs``, become
commands or usage errors."""

from __future__ import annotations

import re

from bot.commands import (
    Advance,
    AlertCmd,
    ChecklistCmd,
    Close,
    Command,
    FollowUp,
    History,
    Mine,
    OpenForm,
    Report,
    Transfer,
    UsageError,
)

FOLLOWUP_KEYS: dict[str, str] = {
    "channel": "channel", "渠道": "channel", "方式": "channel", "outcome": "outcome", "结果": "outcome",
    "next": "next", "下次": "next", "下次联系": "next", "plan": "plan", "计划": "plan",
    "goal_met": "goal_met", "达成": "goal_met",
}
CHANNELS: dict[str, str] = {
    "phone": "phone", "call": "phone", "电话": "phone", "wechat": "wechat", "微信": "wechat",
    "visit": "visit", "拜访": "visit", "上门": "visit", "email": "email", "邮件": "email",
    "meeting": "meeting", "会议": "meeting", "会面": "meeting",
}
YES = {"yes", "y", "true", "是", "达成", "1"}
NO = {"no", "n", "false", "否", "未达成", "0"}
OUTCOMES: dict[str, str] = {"won": "won", "lost": "lost", "hold": "hold", "赢单": "won", "成交": "won",
                            "丢单": "lost", "输单": "lost", "搁置": "hold", "暂停": "hold"}
REPORT_KEYS: dict[str, str] = {
    "background": "background", "背景": "background", "turning_points": "turning_points", "转折点": "turning_points",
    "our_moves": "our_moves", "我方动作": "our_moves", "competitor_moves": "competitor_moves",
    "对手动作": "competitor_moves", "tactic": "tactic", "可复用打法": "tactic", "打法": "tactic",
}
REPORT_FIELDS = ("background", "turning_points", "our_moves", "competitor_moves", "tactic")


def _last_word(free: str) -> tuple[str, str]:
    head, _, last = free.rpartition(" ")
    return head.strip(), last.strip()


def _followup(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    if not free and not pairs:
        return OpenForm("followup")
    values: dict[str, str] = {}
    for raw_key, value in pairs:
        key = FOLLOWUP_KEYS.get(raw_key.lower())
        if key is None:
            return UsageError("unknown_key.followup", "followup", raw_key)
        if key in values:
            return UsageError("duplicate_key", "followup", raw_key)
        values[key] = value
    if not free:
        return UsageError("missing_client", "followup")
    for required in ("channel", "outcome", "next"):
        if required not in values:
            return UsageError(f"missing_{required}", "followup")
    channel = CHANNELS.get(values["channel"].lower())
    if channel is None:
        return UsageError("bad_channel", "followup", values["channel"])
    goal_met = None
    if "goal_met" in values:
        flag = values["goal_met"].lower()
        if flag not in YES | NO:
            return UsageError("bad_goal_met", "followup", values["goal_met"])
        goal_met = flag in YES
    return FollowUp(free, channel, values["outcome"], values["next"], values.get("plan"), goal_met)


def _advance(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    if not free and not pairs:
        return OpenForm("advance")
    client, stage = _last_word(free)
    if not client or not stage:
        return UsageError("missing_stage", "advance")
    evidence = reason = None
    values: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw_key, value in pairs:
        key = raw_key.lower()
        if key in seen:
            return UsageError("duplicate_key", "advance", raw_key)
        seen.add(key)
        if key in ("evidence", "证据"):
            evidence = value
        elif key in ("reason", "原因"):
            reason = value
        else:
            values.append((key, value))
    return Advance(client, stage, tuple(values), evidence, reason)


def _checklist(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    if not free:
        return UsageError("missing_client", "checklist")
    evidence = None
    for raw_key, value in pairs:
        if raw_key.lower() not in ("evidence", "证据", "link"):
            return UsageError("unknown_key.checklist", "checklist", raw_key)
        evidence = value
    return ChecklistCmd(free, evidence)


def _close(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    preset = verb.partition(":")[2]
    client, outcome = (free, preset) if preset else _last_word(free)
    outcome = OUTCOMES.get(outcome.lower(), outcome.lower()) if outcome else ""
    if not client or not outcome:
        return UsageError("missing_close_outcome", "close")
    if outcome not in ("won", "lost", "hold"):
        return UsageError("bad_outcome", "close", outcome)
    values: dict[str, str] = {}
    for raw_key, value in pairs:
        key = {"reason": "reason", "原因": "reason", "amount": "amount", "金额": "amount"}.get(raw_key.lower())
        if key is None:
            return UsageError("unknown_key.close", "close", raw_key)
        values[key] = value
    return Close(client, outcome, values.get("reason"), values.get("amount"))


def _report(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    if not free and not pairs:
        return OpenForm("report")
    if not free:
        return UsageError("missing_client", "report")
    fields: list[tuple[str, str]] = []
    for raw_key, value in pairs:
        key = REPORT_KEYS.get(raw_key.lower())
        if key is None:
            return UsageError("unknown_key.report", "report", raw_key)
        fields.append((key, value))
    return Report(free, tuple(fields))


def _mine(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    return Mine()


def _history(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    if not free:
        return UsageError("missing_client", "history")
    return History(free)


ALERT_ACTIONS = {"done": "done", "完成": "done", "已处理": "done", "snooze": "snooze", "稍后": "snooze",
                 "推迟": "snooze", "wrong": "wrong", "不对": "wrong", "误报": "wrong"}
_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$|^@?([A-Za-z0-9_.-]+)$")


def _alert(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    number, _, action = free.partition(" ")
    action = ALERT_ACTIONS.get(action.strip().lower(), "")
    if not number.lstrip("#").isdigit() or not action:
        return UsageError("bad_alert", "alert", free[:40])
    values: dict[str, str] = {}
    for raw_key, value in pairs:
        key = {"until": "until", "到": "until", "reason": "reason", "原因": "reason"}.get(raw_key.lower())
        if key is None:
            return UsageError("bad_alert", "alert", raw_key)
        values[key] = value
    return AlertCmd(int(number.lstrip("#")), action, values.get("until"), values.get("reason"))


def _transfer(verb: str, free: str, pairs: list[tuple[str, str]]) -> Command | UsageError:
    client, to = _last_word(free)
    match = _MENTION.match(to) if to else None
    if not client or match is None or not to.startswith(("@", "<@")):
        return UsageError("missing_transfer_to", "transfer")
    return Transfer(client, match[1] or match[2])


PIPELINE_PARSERS = {"alert": _alert, "transfer": _transfer, "followup": _followup, "advance": _advance, "checklist": _checklist, "close": _close,
                     "report": _report, "mine": _mine, "history": _history}

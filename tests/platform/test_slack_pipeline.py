"""The pipeline in Slack: follow-up, advance and battle-report modals, the advance modal redrawn with
views.update as the stage is chosen, and the manager's approve button. Signed requests through the real
bolt App with Slack's payload shapes, against the fake Web API and the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from store.models import Activity, AuditEvent, BattleReport, Client, Lead, StageChange
from tests.platform.conftest import APP_ID, TEAM, TRIGGER, SlackHarness

NAME = "北京字节跳动科技有限公司"
BANT = ('budget=50万 decision_maker="王总 CTO" pain_points="排班靠人工;对账慢;数据分散" timeline=2027Q1 '
        'kpis="人效提升20%;对账缩到1天"')
BANT_FIELDS = ["budget", "decision_maker", "pain_points", "timeline", "kpis"]
ITEMS = ("contract", "payment_account", "schedule", "it_review", "commission")
REPORT = {"background": "集团统一排班系统选型", "turning_points": "CTO 看完演示后拍板",
          "our_moves": "两周内做完 POC", "competitor_moves": "对手 A 降价 10%", "tactic": "先拉 CTO 看演示"}


# -- Slack's payloads ------------------------------------------------------------------------------

def _user(user: str) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}


def _state(view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
    """state.values as Slack sends it: every input block, by block_id then action_id. Blocks not in
    ``values`` keep what the modal was opened with (initial_value / initial_option)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        shown = element.get("initial_value") if element["type"] == "plain_text_input" \
            else (element.get("initial_option") or {}).get("value")
        value = values.get(block["block_id"], shown)
        if element["type"] == "static_select":
            option = next((o for o in element["options"] if o["value"] == value), None)
            entry: dict[str, Any] = {"type": "static_select", "selected_option": option and {
                "text": {**option["text"], "emoji": True}, "value": option["value"]}}
        else:
            entry = {"type": "plain_text_input", "value": value}
        state[block["block_id"]] = {element["action_id"]: entry}
    return state


def _view(view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
    return {"id": view.get("id", "V1"), "team_id": TEAM, "type": "modal", "blocks": view["blocks"],
            "private_metadata": view.get("private_metadata", ""), "callback_id": view["callback_id"],
            "state": {"values": _state(view, values)}, "hash": view.get("hash", "156772938.1827394"),
            "title": view["title"], "clear_on_close": False, "notify_on_close": False, "close": view["close"],
            "submit": view["submit"], "previous_view_id": None, "root_view_id": view.get("id", "V1"),
            "app_id": APP_ID, "external_id": "", "app_installed_team_id": TEAM, "bot_id": "BBOT"}


def submission(view: dict[str, Any], values: dict[str, str | None], *, user: str = "U1") -> str:
    """The modal ``view`` (as the bot sent it) submitted with ``values`` typed or chosen."""
    payload = {"type": "view_submission", "team": {"id": TEAM, "domain": "acme"}, "user": _user(user),
               "api_app_id": APP_ID, "token": "deprecated-verification-token", "trigger_id": TRIGGER,
               "view": _view(view, values), "response_urls": [], "is_enterprise_install": False,
               "enterprise": None}
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def view_action(view: dict[str, Any], block_id: str, value: str, *, user: str = "U1",
                typed: dict[str, str | None] | None = None) -> str:
    """A block_actions from inside the open modal: a select changed, or Enter pressed in a text input."""
    block = next(b for b in view["blocks"] if b["block_id"] == block_id)
    element = block["element"]
    action: dict[str, Any] = {"action_id": element["action_id"], "block_id": block_id,
                              "action_ts": "1700000002.000200"}
    if element["type"] == "static_select":
        option = next(o for o in element["options"] if o["value"] == value)
        action.update(type="static_select", selected_option={"text": {**option["text"], "emoji": True},
                                                             "value": value})
    else:
        action.update(type="plain_text_input", value=value)
    payload = {"type": "block_actions", "user": _user(user), "api_app_id": APP_ID,
               "token": "deprecated-verification-token", "container": {"type": "view", "view_id": view["id"]},
               "trigger_id": TRIGGER, "team": {"id": TEAM, "domain": "acme"}, "enterprise": None,
               "is_enterprise_install": False, "view": _view(view, {**(typed or {}), block_id: value}),
               "actions": [action]}
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


# -- helpers ---------------------------------------------------------------------------------------

def ack_of(resp) -> dict:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return json.loads(resp.get_data(as_text=True))


def view_answer(resp) -> dict | None:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    text = resp.get_data(as_text=True)
    return json.loads(text) if text else None


def buttons(message: dict) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in message.get("blocks") or [] if b["type"] == "actions"
            for e in b["elements"]}


def opened(slack: SlackHarness, n: int = 1) -> dict[str, Any]:
    """The n-th modal opened, as Slack answered views.open (with its view id)."""
    return slack.fake.wait_for("views.open", n)[n - 1].response["view"]


def updated(slack: SlackHarness, n: int = 1) -> dict[str, Any]:
    return slack.fake.wait_for("views.update", n)[n - 1].response["view"]


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"]]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b["block_id"] == block_id)


def lead(slack: SlackHarness) -> Lead:
    return slack.rows(Lead)[0]


@pytest.fixture
def registered(slack: SlackHarness) -> str:
    """A lead registered by 张三 (U1) through /crm register; returns its "#<client id>"."""
    assert "已报备" in ack_of(slack.command(f"register {NAME} phone=13800138000"))["text"]
    slack.settle()
    return f"#{slack.rows(Client)[0].id}"


# -- registration to won, entirely in Slack --------------------------------------------------------

class TestWalkThrough:
    def test_a_rep_takes_a_lead_from_registration_to_won_with_a_battle_report(self, slack: SlackHarness,
                                                                              registered: str):
        cid = registered

        # 1. /crm followup without arguments: the follow-up modal, submitted with a select and a date word.
        assert slack.command("followup", channel="C7").get_data(as_text=True) == ""
        form = opened(slack)
        assert form["callback_id"] == "crm_followup" and form["title"]["text"] == "记录跟进"
        assert block_ids(form) == ["client", "channel", "outcome", "next", "plan", "goal_met"]
        channel = block(form, "channel")["element"]
        assert channel["type"] == "static_select"
        assert [(o["value"], o["text"]["text"]) for o in channel["options"]] == [
            ("phone", "电话"), ("wechat", "微信"), ("visit", "拜访"), ("email", "邮件"), ("meeting", "会议")]
        assert block(form, "outcome")["element"]["multiline"] is True
        assert block(form, "next")["hint"]["text"] == "例如：明天 / 2026-12-01 / next monday"
        assert [block(form, b)["optional"] for b in ("client", "next", "plan", "goal_met")] == [
            False, False, True, True]
        assert json.loads(form["private_metadata"]) == {"channel_id": "C7"}
        assert view_answer(slack.post(submission(form, {
            "client": "字节跳动", "channel": "wechat", "outcome": "确认了预算和时间表", "next": "明天",
            "goal_met": "yes"}))) is None
        told = slack.fake.wait_for("chat.postEphemeral")[0].body
        assert (told["channel"], told["user"]) == ("C7", "U1")
        assert f"已记录 {NAME} 的跟进（微信）：确认了预算和时间表。下次联系：2026-11-24" in told["text"]
        assert buttons(told) == {"crm_advance_open": cid, "crm_followup_open": cid}
        slack.settle()
        [touch] = slack.rows(Activity, Activity.kind == "followup")
        assert (touch.channel, touch.outcome, touch.payload["goal_met"]) == ("wechat", "确认了预算和时间表", True)
        assert lead(slack).next_contact_at.replace(tzinfo=UTC) == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

        # 2. The 'log follow-up' button opens the same modal with the client filled in.
        slack.click("crm_followup_open", cid, channel="C7")
        again = opened(slack, 2)
        assert again["callback_id"] == "crm_followup" and block(again, "client")["element"]["initial_value"] == cid
        assert view_answer(slack.post(submission(again, {"channel": "meeting", "outcome": "约了演示",
                                                         "next": "2026-12-01"}))) is None
        assert "下次联系：2026-12-01" in slack.fake.wait_for("chat.postEphemeral", 2)[1].body["text"]

        # 3. advance by slash text, with the criteria as key=value.
        assert "已从「线索」推进到「需求挖掘」" in ack_of(slack.command("advance 字节跳动 discovery"))["text"]
        moved = ack_of(slack.command(f"advance 字节跳动 demo {BANT}"))
        assert "已从「需求挖掘」推进到「演示」" in moved["text"]

        # 4. advance by modal: the button opens it, choosing a stage redraws it with that stage's criteria.
        slack.click("crm_advance_open", buttons(moved)["crm_advance_open"])
        form = opened(slack, 3)
        assert form["callback_id"] == "crm_advance" and form["title"]["text"] == "推进阶段"
        assert block_ids(form) == ["client", "stage", "evidence", "reason"]
        assert block(form, "client")["element"]["initial_value"] == cid
        stage = block(form, "stage")
        assert stage["dispatch_action"] is True and stage["element"]["type"] == "static_select"
        assert [(o["value"], o["text"]["text"]) for o in stage["element"]["options"]] == [
            ("lead", "线索"), ("discovery", "需求挖掘"), ("demo", "演示"), ("proposal", "方案报价"),
            ("negotiation", "商务谈判")]
        assert view_answer(slack.post(view_action(form, "stage", "proposal"))) is None
        update = slack.fake.wait_for("views.update")[0]
        assert (update.body["view_id"], update.body["hash"]) == ("V1", "156772938.1827394")
        form = updated(slack)
        assert block_ids(form) == ["client", "stage", "demo_attendees", "demo_notes", "evidence", "reason"]
        assert block(form, "stage")["element"]["initial_option"]["value"] == "proposal"
        assert block(form, "client")["element"]["initial_value"] == cid
        attendees = block(form, "demo_attendees")
        assert (attendees["label"]["text"], attendees["hint"]["text"]) == ("演示参会人", "王总;李工")
        assert block(form, "demo_notes")["hint"]["text"] == "https://docs.example.com/demo"

        # A criterion left out: the modal stays open with the error on that field; what was given is kept.
        answer = view_answer(slack.post(submission(form, {"demo_attendees": "王总;李工"})))
        assert answer == {"response_action": "errors",
                          "errors": {"demo_notes": "推进到「方案报价」还需要这一项。例：https://docs.example.com/demo"}}
        slack.settle()
        assert lead(slack).stage == "demo" and lead(slack).criteria["demo_attendees"] == ["王总", "李工"]
        assert view_answer(slack.post(submission(form, {
            "demo_notes": "https://docs.example.com/demo", "evidence": "https://docs.example.com/demo-rec"}))) is None
        assert "已从「演示」推进到「方案报价」" in slack.fake.wait_for("chat.postEphemeral", 3)[2].body["text"]
        slack.command("advance 字节跳动 negotiation quote_amount=48万 meeting_notes=https://docs.example.com/m")

        # 5. The checklist, ticked by slash text; the last tick sends the manager an approve button.
        for item in ITEMS:
            reply = ack_of(slack.command(f"checklist 字节跳动 {item} evidence=https://docs.example.com/{item}"))
        assert "检查清单已全部勾选，已提交经理审批" in reply["text"]
        notice = next(c for c in slack.fake.wait_for("chat.postMessage", 2) if c.body["channel"] == "UMGR").body
        assert buttons(notice) == {"crm_checklist_approve": cid}

        # 6. The manager clicks approve in the DM: approved as the manager; the owner is told.
        slack.click("crm_checklist_approve", cid, user="UMGR", channel="DMGR")
        hook = slack.fake.wait_for("hooks/")[0].body
        assert (hook["response_type"], hook["replace_original"]) == ("ephemeral", False)
        assert f"已批准 {NAME} 的检查清单，可以赢单了" in hook["text"]
        told = wait_for_post(slack, "U1")
        assert f"王经理 已批准 {NAME} 的成交前检查清单" in told["text"]
        assert lead(slack).checklist_approved_at is not None

        # 7. close won by slash; the reply asks for the battle report with a button that opens its modal.
        won = ack_of(slack.command("close 字节跳动 won amount=50万"))
        assert "恭喜" in won["text"] and buttons(won) == {"crm_report_open": cid}
        slack.click("crm_report_open", cid)
        form = opened(slack, 4)
        assert form["callback_id"] == "crm_report" and form["title"]["text"] == "写战报"
        assert block_ids(form) == ["client", "background", "turning_points", "our_moves", "competitor_moves",
                                   "tactic"]
        assert [block(form, f)["label"]["text"] for f in REPORT] == ["背景", "转折点", "我方动作", "对手动作",
                                                                    "可复用打法"]
        assert all(block(form, f)["element"]["multiline"] and not block(form, f)["optional"] for f in REPORT)
        assert view_answer(slack.post(submission(form, REPORT))) is None
        assert f"已保存 {NAME} 的战报" in slack.fake.wait_for("chat.postEphemeral", 4)[3].body["text"]
        slack.settle()

        row = lead(slack)
        assert (row.stage, float(row.amount), row.closed_at is not None) == ("won", 500000.0, True)
        [report] = slack.rows(BattleReport)
        assert (report.outcome, report.fields, report.lead_id) == ("won", REPORT, row.id)
        assert [(s.from_stage, s.to_stage) for s in slack.rows(StageChange)] == [
            ("lead", "discovery"), ("discovery", "demo"), ("demo", "proposal"), ("proposal", "negotiation"),
            ("negotiation", "won")]
        actions = [(e.action, e.decision) for e in slack.rows(AuditEvent)]
        assert actions == [("register", "new"), ("followup", "done"), ("followup", "done"), ("advance", "done"),
                           ("advance", "done"), ("advance", "refused"), ("advance", "done"), ("advance", "done"),
                           *[("checklist", "done")] * 5, ("checklist.approve", "done"), ("close", "done"),
                           ("report", "done")]

        # 8. /crm history lists every step.
        history = ack_of(slack.command("history 字节跳动"))["text"]
        steps = [line for line in history.splitlines() if line.startswith("  • ")]
        assert len(steps) == len(actions)
        for line, (action, decision) in zip(steps, actions, strict=True):
            assert f" {action}：{decision}" in line
        assert "演示 → 方案报价" in history and "商务谈判 → 赢单" in history
        assert "checklist.approve：done（checklist.approved_by_manager）" in history


def wait_for_post(slack: SlackHarness, channel: str) -> dict:
    posts = slack.fake.wait_for("chat.postMessage")
    for _ in range(100):
        found = [c.body for c in posts if c.body["channel"] == channel]
        if found:
            return found[-1]
        posts = slack.fake.wait_for("chat.postMessage", len(posts) + 1)
    raise AssertionError(f"nothing posted to {channel}")


# -- the advance modal's criteria ------------------------------------------------------------------

class TestAdvanceModal:
    def test_without_arguments_opens_the_modal_and_a_stage_chosen_before_the_client_shows_everything_before_it(
            self, slack: SlackHarness, registered: str):
        assert slack.command("advance", channel="C3").get_data(as_text=True) == ""
        form = opened(slack)
        assert block(form, "client")["element"].get("initial_value") is None
        slack.post(view_action(form, "stage", "demo"))
        form = updated(slack)
        assert block_ids(form) == ["client", "stage", *BANT_FIELDS, "evidence", "reason"]
        assert block(form, "pain_points")["label"]["text"] == "痛点（至少 3 个）"
        assert block(form, "pain_points")["element"]["multiline"] is True
        assert block(form, "budget")["element"].get("multiline") is None
        assert all(block(form, f)["optional"] for f in BANT_FIELDS)
        assert json.loads(form["private_metadata"]) == {"channel_id": "C3"}

    def test_entering_the_client_redraws_the_criteria_for_the_stage_its_lead_is_in(self, slack: SlackHarness,
                                                                                   registered: str):
        ack_of(slack.command(f"advance 字节跳动 demo {BANT}"))
        slack.command("advance")
        form = opened(slack)
        assert block(form, "client")["element"]["dispatch_action_config"] == {"trigger_actions_on": ["on_enter_pressed"]}
        slack.post(view_action(form, "stage", "negotiation"))
        form = updated(slack)
        assert block_ids(form)[2:-2] == [*BANT_FIELDS, "demo_attendees", "demo_notes", "quote_amount",
                                         "meeting_notes"]
        slack.post(view_action(form, "client", registered, typed={"budget": "60万"}))
        form = updated(slack, 2)
        assert block_ids(form) == ["client", "stage", "demo_attendees", "demo_notes", "quote_amount",
                                   "meeting_notes", "evidence", "reason"]
        assert block(form, "client")["element"]["initial_value"] == registered
        assert block(form, "stage")["element"]["initial_option"]["value"] == "negotiation"

    def test_what_the_rep_typed_is_kept_when_the_stage_changes(self, slack: SlackHarness, registered: str):
        slack.command("advance")
        form = opened(slack)
        slack.post(view_action(form, "stage", "demo", typed={"client": registered}))
        form = updated(slack)
        slack.post(view_action(form, "stage", "proposal", typed={"budget": "50万", "evidence": "https://x.example.com/e"}))
        form = updated(slack, 2)
        assert block(form, "budget")["element"]["initial_value"] == "50万"
        assert block(form, "evidence")["element"]["initial_value"] == "https://x.example.com/e"
        assert "demo_notes" in block_ids(form)

    def test_missing_criteria_not_in_the_modal_are_listed_on_the_stage(self, slack: SlackHarness, registered: str):
        slack.command("advance")
        form = opened(slack)
        answer = view_answer(slack.post(submission(form, {"client": "字节跳动", "stage": "demo"})))
        assert answer is not None and list(answer["errors"]) == ["stage"]
        error = answer["errors"]["stage"]
        assert f"{NAME} 还不能从「线索」推进到「演示」，还缺：" in error
        assert "预算 — budget=500000" in error and "KPI（至少 2 个） — kpis=" in error
        slack.settle()
        assert lead(slack).stage == "lead"

    def test_a_value_that_cannot_be_read_is_reported_on_its_field(self, slack: SlackHarness, registered: str):
        ack_of(slack.command(f"advance 字节跳动 demo {BANT}"))
        slack.command("advance")
        slack.post(view_action(opened(slack), "stage", "proposal", typed={"client": registered}))
        form = updated(slack)
        answer = view_answer(slack.post(submission(form, {"demo_attendees": "王总", "demo_notes": "see drive"})))
        assert answer is not None and list(answer["errors"]) == ["demo_notes"]
        assert "「演示纪要链接」要一个链接" in answer["errors"]["demo_notes"]
        answer = view_answer(slack.post(submission(form, {"demo_attendees": "王总", "evidence": "drive"})))
        assert answer is not None and list(answer["errors"]) == ["evidence"]

    def test_moving_back_without_a_reason_is_reported_on_the_reason(self, slack: SlackHarness, registered: str):
        ack_of(slack.command("advance 字节跳动 discovery"))
        slack.click("crm_advance_open", registered)
        form = opened(slack)
        answer = view_answer(slack.post(submission(form, {"stage": "lead"})))
        assert answer is not None and list(answer["errors"]) == ["reason"]
        assert "需要写原因" in answer["errors"]["reason"]
        assert view_answer(slack.post(submission(form, {"stage": "lead", "reason": "客户换了对接人"}))) is None
        slack.settle()
        assert lead(slack).stage == "lead"

    def test_a_refused_update_is_logged_and_the_submission_still_decides(self, slack: SlackHarness,
                                                                         registered: str):
        slack.command("advance")
        form = opened(slack)
        slack.fake.error_next("views.update", "hash_conflict")
        slack.post(view_action(form, "stage", "discovery", typed={"client": registered}))
        slack.fake.wait_for("views.update")
        slack.settle()
        assert view_answer(slack.post(submission(form, {"client": registered, "stage": "discovery"}))) is None
        slack.settle()
        assert lead(slack).stage == "discovery"


# -- every refusal through Slack is a clear message ------------------------------------------------

class TestRefusals:
    def test_advance_by_slash_with_criteria_missing_lists_each_and_keeps_what_was_given(self, slack: SlackHarness,
                                                                                         registered: str):
        reply = ack_of(slack.command("advance 字节跳动 demo budget=50万"))
        assert reply["blocks"][0]["text"]["text"] == "⛔ 还不能这样做"
        assert f"{NAME} 还不能从「线索」推进到「演示」，还缺：" in reply["text"]
        for line in ("决策人 — decision_maker=\"王总 CTO\"", "痛点（至少 3 个） — pain_points=", "采购时间表 — timeline="):
            assert line in reply["text"]
        assert "预算 — " not in reply["text"] and "已先保存：budget" in reply["text"]
        assert lead(slack).stage == "lead"

    def test_followup_with_a_date_that_cannot_be_read_is_reported_on_next(self, slack: SlackHarness,
                                                                         registered: str):
        slack.command("followup")
        answer = view_answer(slack.post(submission(opened(slack), {
            "client": "字节跳动", "channel": "phone", "outcome": "聊了聊", "next": "someday"})))
        assert answer is not None and list(answer["errors"]) == ["next"]
        assert "看不懂日期「someday」" in answer["errors"]["next"]
        answer = view_answer(slack.post(submission(opened(slack), {
            "client": "字节跳动", "channel": "phone", "outcome": "聊了聊", "next": "2020-01-01"})))
        assert answer is not None and "已经过去了（今天是 2026-11-23）" in answer["errors"]["next"]
        slack.settle()
        assert slack.count(Activity, Activity.kind == "followup") == 0
        assert slack.fake.calls_to("chat.postEphemeral") == []

    def test_followup_on_an_unknown_client_is_reported_on_the_client(self, slack: SlackHarness, registered: str):
        slack.command("followup")
        answer = view_answer(slack.post(submission(opened(slack), {
            "client": "火星科技", "channel": "visit", "outcome": "x", "next": "明天"})))
        assert answer is not None and list(answer["errors"]) == ["client"]
        assert "没有找到客户「火星科技」" in answer["errors"]["client"]

    def test_followup_with_a_whitespace_outcome_is_reported_on_the_outcome(self, slack: SlackHarness,
                                                                          registered: str):
        slack.command("followup")
        answer = view_answer(slack.post(submission(opened(slack), {
            "client": "字节跳动", "channel": "visit", "outcome": "   ", "next": "明天"})))
        assert answer is not None and "缺少 outcome=" in answer["errors"]["outcome"]

    def test_close_lost_without_a_reason_names_the_reasons(self, slack: SlackHarness, registered: str):
        reply = ack_of(slack.command("close 字节跳动 lost"))
        assert "丢单或搁置要写原因，从这些里选：price, competitor, no_budget, timing, no_decision, product_fit" \
            in reply["text"]
        assert lead(slack).stage == "lead" and lead(slack).closed_at is None

    def test_won_is_refused_until_the_checklist_is_approved(self, slack: SlackHarness, registered: str):
        reply = ack_of(slack.command("close 字节跳动 won amount=50万"))
        assert "成交前检查清单没有完成。还缺：" in reply["text"] and "contract" in reply["text"]

    def test_a_report_on_an_open_lead_is_refused_in_the_modal_and_by_slash(self, slack: SlackHarness,
                                                                           registered: str):
        assert slack.command("report").get_data(as_text=True) == ""
        form = opened(slack)
        assert form["callback_id"] == "crm_report"
        answer = view_answer(slack.post(submission(form, {"client": "字节跳动", **REPORT})))
        assert answer is not None and list(answer["errors"]) == ["client"]
        assert "还在「线索」，赢单或丢单后才能写战报" in answer["errors"]["client"]
        text = " ".join(f'{k}="{v}"' for k, v in REPORT.items())
        assert "赢单或丢单后才能写战报" in ack_of(slack.command(f"report 字节跳动 {text}"))["text"]
        slack.settle()
        assert slack.count(BattleReport) == 0

    def test_a_report_with_a_blank_field_is_reported_on_that_field(self, slack: SlackHarness, registered: str):
        slack.click("crm_report_open", registered)
        answer = view_answer(slack.post(submission(opened(slack), {**REPORT, "tactic": "  "})))
        assert answer is not None and list(answer["errors"]) == ["tactic"]
        assert "战报还缺：tactic" in answer["errors"]["tactic"]

    def test_reps_clicking_approve_are_refused_and_nothing_is_approved(self, slack: SlackHarness,
                                                                       registered: str):
        for item in ITEMS:
            slack.command(f"checklist 字节跳动 {item} evidence=https://docs.example.com/{item}")
        slack.click("crm_checklist_approve", registered, user="U1")
        own = slack.fake.wait_for("hooks/")[0].body
        assert own["replace_original"] is False and "负责人不能自己批准" in own["text"]
        slack.click("crm_checklist_approve", registered, user="U2")
        other = slack.fake.wait_for("hooks/", 2)[1].body
        assert f"{NAME} 归属 张三，只有负责人或其经理可以修改" in other["text"]
        slack.settle()
        assert lead(slack).checklist_approved_at is None
        assert [e.rule for e in slack.rows(AuditEvent, AuditEvent.action.like("checklist.%"))] == [
            "checklist.owner_cannot_approve", "lead.not_owner_or_manager"]

    def test_the_manager_cannot_approve_an_incomplete_checklist(self, slack: SlackHarness, registered: str):
        slack.command("checklist 字节跳动 contract evidence=https://docs.example.com/c")
        slack.click("crm_checklist_approve", registered, user="UMGR", channel="DMGR")
        hook = slack.fake.wait_for("hooks/")[0].body
        assert "清单还没勾完，不能批准。还缺：" in hook["text"] and "客户提供付款账户" in hook["text"]

    def test_a_non_owner_advancing_someone_elses_lead_is_refused_by_slash_and_in_the_modal(
            self, slack: SlackHarness, registered: str):
        reply = ack_of(slack.command("advance 字节跳动 discovery", user="U2"))
        assert f"{NAME} 归属 张三，只有负责人或其经理可以修改" in reply["text"]
        slack.click("crm_advance_open", registered, user="U2")
        answer = view_answer(slack.post(submission(opened(slack), {"stage": "discovery"}, user="U2")))
        assert answer is not None and list(answer["errors"]) == ["client"]
        assert "只有负责人或其经理可以修改" in answer["errors"]["client"]
        slack.settle()
        assert lead(slack).stage == "lead" and slack.count(StageChange) == 0
        refused = slack.rows(AuditEvent, AuditEvent.rule == "lead.not_owner_or_manager")
        assert [e.action for e in refused] == ["advance", "advance"]

    def test_an_internal_failure_keeps_the_modal_open_with_a_reference(self, slack: SlackHarness, monkeypatch):
        slack.command("followup")
        form = opened(slack)

        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(slack.container.service, "execute", broken)
        answer = view_answer(slack.post(submission(form, {"client": "x", "channel": "phone", "outcome": "x",
                                                          "next": "明天"})))
        assert answer is not None and "错误编号" in answer["errors"]["client"] and "boom" not in str(answer)

    def test_an_expired_trigger_on_a_button_tells_the_user_to_type_the_command(self, slack: SlackHarness,
                                                                              registered: str):
        slack.fake.error_next("views.open", "expired_trigger_id")
        slack.click("crm_advance_open", registered)
        hook = slack.fake.wait_for("hooks/")[0].body
        assert hook["replace_original"] is False
        assert "这里不能打开表单" in hook["text"] and "/crm advance" in hook["text"]


class TestEnglish:
    def test_an_english_member_gets_english_modals_within_slacks_limits(self, slack: SlackHarness):
        slack.command("followup", user="UEN")
        form = opened(slack)
        assert (form["title"]["text"], form["submit"]["text"]) == ("Log a follow-up", "Save")
        assert [o["text"]["text"] for o in block(form, "channel")["element"]["options"]] == [
            "phone", "WeChat", "visit", "e-mail", "meeting"]
        assert block(form, "next")["hint"]["text"] == "e.g. tomorrow / 2026-12-01 / next monday"
        slack.command("advance", user="UEN")
        slack.post(view_action(opened(slack, 2), "stage", "discovery", user="UEN"))
        form = updated(slack)
        assert block(form, "stage")["element"]["options"][1]["text"]["text"] == "discovery"
        slack.post(view_action(form, "stage", "demo", user="UEN"))
        assert block(updated(slack, 2), "pain_points")["label"]["text"] == "pain points (at least 3)"
        for view in (opened(slack), opened(slack, 2), updated(slack, 2)):
            assert all(len(view[k]["text"]) <= 24 for k in ("title", "submit", "close"))

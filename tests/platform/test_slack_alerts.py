"""Alert digests in Slack: one DM per person per sweep, each item with its quick-action menu
(done, snooze, this alert is wrong, transfer), driven through the real bolt App."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import pytest

from store.models import Alert, AlertFeedback, Lead, Member
from tests.platform.conftest import APP_ID, TEAM, TRIGGER, SlackHarness
from tests.platform.test_slack_pipeline import ack_of, opened, submission, view_answer

SH = ZoneInfo("Asia/Shanghai")


def menu_click(slack: SlackHarness, value: str, *, user: str = "U1") -> None:
    payload = {"type": "block_actions", "user": {"id": user, "team_id": TEAM}, "api_app_id": APP_ID,
               "team": {"id": TEAM}, "channel": {"id": "D1"}, "trigger_id": TRIGGER,
               "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D1"},
               "response_url": slack.hook_url("actions/T1/9/menu"),
               "actions": [{"type": "overflow", "action_id": "crm_item_menu", "block_id": "b1",
                            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
                            "action_ts": "1700000003.000300"}]}
    resp = slack.post(urlencode({"payload": json.dumps(payload, ensure_ascii=False)}))
    assert resp.status_code == 200
    slack.settle()


def digest_to(slack: SlackHarness, user: str) -> dict:
    posts = [c.body for c in slack.fake.calls_to("chat.postMessage") if c.body.get("channel") == user]
    assert posts, f"no message to {user}"
    return posts[-1]


def menus(message: dict) -> list[list[str]]:
    return [[o["value"] for o in b["accessory"]["options"]] for b in message["blocks"]
            if b["type"] == "section" and b.get("accessory", {}).get("type") == "overflow"]


@pytest.fixture
def overdue(slack: SlackHarness) -> int:
    """An A lead registered Friday evening by 张三, swept Monday 11:05: one alert; returns its id."""
    slack.clock.set(datetime(2026, 11, 20, 18, 30, tzinfo=SH))
    assert "已报备" in ack_of(slack.command("register 北京字节跳动科技有限公司 grade=A"))["text"]
    slack.settle()
    at = datetime(2026, 11, 23, 11, 5, tzinfo=SH)
    slack.clock.set(at)
    slack.container.jobs.run("sla-sweep", at)
    while slack.container.deliverer.run_once():
        pass
    [alert] = slack.rows(Alert)
    return alert.id


class TestDigest:
    def test_the_owner_gets_one_dm_with_a_menu_per_item(self, slack: SlackHarness, overdue: int):
        message = digest_to(slack, "U1")
        assert "超时提醒" in message["text"] and "首次联系已超时" in message["text"]
        assert menus(message) == [[f"crm_alert_done|{overdue}", f"crm_alert_snooze|{overdue}",
                                    f"crm_alert_wrong|{overdue}"]]
        assert message["metadata"]["event_payload"]["dedupe_key"].startswith("sla:slack:T1:")


class TestQuickActions:
    def test_snooze_answers_and_moves_the_next_look(self, slack: SlackHarness, overdue: int):
        menu_click(slack, f"crm_alert_snooze|{overdue}")
        hook = slack.fake.wait_for("hooks/")[-1].body
        assert "已推迟到" in hook["text"]
        assert slack.rows(Lead)[0].snoozed_until is not None

    def test_done_opens_the_follow_up_form_for_that_client(self, slack: SlackHarness, overdue: int):
        menu_click(slack, f"crm_alert_done|{overdue}")
        view = opened(slack)  # registration went by slash, so this is the first modal
        assert view["callback_id"] == "crm_followup"
        client_block = next(b for b in view["blocks"] if b["block_id"] == "client")
        assert client_block["element"]["initial_value"].startswith("#")

    def test_this_alert_is_wrong_asks_why_and_records_it(self, slack: SlackHarness, overdue: int):
        menu_click(slack, f"crm_alert_wrong|{overdue}")
        view = opened(slack)
        assert view["callback_id"] == "crm_alert_wrong"
        answer = view_answer(slack.post(submission(view, {"reason": ""})))
        assert answer is not None and "reason" in answer["errors"]
        assert view_answer(slack.post(submission(view, {"reason": "上午刚打过电话"}))) is None
        slack.settle()
        [feedback] = slack.rows(AlertFeedback)
        assert feedback.reason == "上午刚打过电话"

    def test_a_manager_transfers_from_the_digest(self, slack: SlackHarness, overdue: int):
        slack.command("mine", user="U2")  # 李四 has used the bot, so the bot knows him
        slack.settle()
        menu_click(slack, f"crm_alert_transfer|{overdue}", user="UMGR")
        view = opened(slack)
        assert view["callback_id"] == "crm_alert_transfer"
        assert next(b for b in view["blocks"] if b["block_id"] == "to")["element"]["type"] == "users_select"
        payload = json.loads(dict(parse_qsl(submission(view, {}, user="UMGR")))["payload"])
        payload["view"]["state"]["values"]["to"] = {"value": {"type": "users_select", "selected_user": "U2"}}
        assert view_answer(slack.post(urlencode({"payload": json.dumps(payload, ensure_ascii=False)}))) is None
        slack.settle()
        [lead] = slack.rows(Lead)
        [owner] = slack.rows(Member, Member.id == lead.owner_id)
        assert owner.user_id == "U2"
        assert [a.status for a in slack.rows(Alert)] == ["cancelled"]

    def test_a_rep_cannot_transfer(self, slack: SlackHarness, overdue: int):
        menu_click(slack, f"crm_alert_transfer|{overdue}", user="U2")
        hook = slack.fake.wait_for("hooks/")[-1].body
        assert "只有负责人或其经理可以修改" in hook["text"]

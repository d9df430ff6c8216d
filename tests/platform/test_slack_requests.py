"""What reaches the bot at all: signatures, replay window, hostile or broken input."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk.signature import SignatureVerifier

from store.models import AuditEvent, Client, Lead, Member, Outbox
from tests.platform.conftest import SlackHarness, sign, slash_body

REGISTER = "register 北京字节跳动科技有限公司 phone=13800138000"


def nothing_written(slack: SlackHarness) -> bool:
    slack.settle()
    return all(slack.count(model) == 0 for model in (Member, Client, Lead, AuditEvent, Outbox))


class TestSignatures:
    def test_the_test_signer_matches_slack_sdk(self, slack: SlackHarness):
        body = slash_body("help", response_url=slack.hook_url())
        ts = int(time.time())
        headers = sign(body, slack.secret, ts)
        assert headers["X-Slack-Signature"] == SignatureVerifier(slack.secret).generate_signature(
            timestamp=str(ts), body=body)

    def test_a_wrong_secret_gets_401_and_writes_nothing(self, slack: SlackHarness):
        resp = slack.post(slash_body(REGISTER, response_url=slack.hook_url()), secret="not-the-secret")
        assert resp.status_code == 401
        assert json.loads(resp.get_data(as_text=True)) == {"error": "invalid request"}
        assert nothing_written(slack)
        assert [c.method for c in slack.fake.calls] == ["auth.test"]  # only the App's startup check

    def test_a_body_changed_after_signing_gets_401(self, slack: SlackHarness):
        body = slash_body("help", response_url=slack.hook_url())
        headers = sign(body, slack.secret)
        tampered = body.replace("help", "register+Evil+Corp")
        resp = slack.http.post("/slack/events", data=tampered, headers=headers)
        assert resp.status_code == 401
        assert nothing_written(slack)

    @pytest.mark.parametrize("age", [301, 3600])
    def test_a_stale_timestamp_gets_401_and_writes_nothing(self, slack: SlackHarness, age: int):
        resp = slack.post(slash_body(REGISTER, response_url=slack.hook_url()), ts=int(time.time()) - age)
        assert resp.status_code == 401
        assert nothing_written(slack)

    def test_missing_signature_headers_get_401(self, slack: SlackHarness):
        body = slash_body(REGISTER, response_url=slack.hook_url())
        resp = slack.http.post("/slack/events", data=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert resp.status_code == 401
        assert nothing_written(slack)

    def test_a_timestamp_within_the_window_is_accepted(self, slack: SlackHarness):
        resp = slack.post(slash_body("help", response_url=slack.hook_url()), ts=int(time.time()) - 290)
        assert resp.status_code == 200
        assert json.loads(resp.get_data(as_text=True))["blocks"][0]["text"]["text"] == "销售助手 /crm 用法"

    def test_an_unknown_command_name_is_not_handled(self, slack: SlackHarness):
        resp = slack.post(slash_body("help", command="/other", response_url=slack.hook_url()))
        assert resp.status_code == 404
        assert nothing_written(slack)


BAD_INPUTS = {
    "ten_thousand_characters": ("register " + "字" * 10_000, "输入太长（最多 2000 个字符）"),
    "only_punctuation": ("register ！！！。。。", "没有可识别的公司名"),
    "emoji": ("register 🚀🚀 科技有限公司", "公司名称里有不允许的字符"),
    "sql_injection": ("register '; DROP TABLE client; --", "公司名称里有不允许的字符"),
    "bad_credit_code": ("register 北京字节跳动科技有限公司 credit_code=91110000802100433A", "校验位不对"),
    "bad_phone": ("register 北京字节跳动科技有限公司 phone=abc", "电话号码「abc」无法识别"),
    "unclosed_quote": ('register 北京字节跳动科技有限公司 region="北京', "引号没有闭合"),
    "unknown_key": ("register 北京字节跳动科技有限公司 fax=123", "报备不认识参数「fax」"),
    "generic_name": ("register 网络科技有限公司", "只有行业词或地名"),
}


class TestBadInput:
    @pytest.mark.parametrize("text,expected", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
    def test_gets_a_clear_ephemeral_message_and_no_client(self, slack: SlackHarness, text: str, expected: str):
        resp = slack.command(text)
        assert resp.status_code == 200
        body = json.loads(resp.get_data(as_text=True))
        assert body["response_type"] == "ephemeral"
        assert body["blocks"][0]["text"]["text"] == "⚠️ 输入有误"
        assert expected in body["text"], body["text"]
        assert "Traceback" not in body["text"] and "错误编号" not in body["text"]
        assert len(body["blocks"]) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000
                                                 for b in body["blocks"])
        slack.settle()
        assert slack.count(Client) == 0 and slack.count(Lead) == 0 and slack.count(Outbox) == 0
        assert slack.fake.calls_to("chat.postMessage") == []

    def test_the_sql_text_is_stored_nowhere_and_the_table_survives(self, slack: SlackHarness):
        slack.command("check '; DROP TABLE client; --")
        resp = slack.command("register 北京字节跳动科技有限公司")
        assert resp.status_code == 200 and slack.count(Client) == 1

    def test_an_internal_failure_answers_with_a_reference_not_a_500(self, slack: SlackHarness, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("database is on fire")

        monkeypatch.setattr(slack.container.service, "execute", broken)
        resp = slack.command(REGISTER)
        assert resp.status_code == 200
        body = json.loads(resp.get_data(as_text=True))
        assert body["response_type"] == "ephemeral"
        assert "出了点问题，没有保存任何数据" in body["text"] and "错误编号" in body["text"]
        assert "database is on fire" not in body["text"]
        assert slack.count(Client) == 0


class TestAckDeadline:
    """Slack waits 3 s for the answer; bolt answers 404 once its ack_timeout (3 s) passes."""

    def test_a_slow_command_is_acked_in_time_and_answered_through_the_response_url(self, slack: SlackHarness):
        slack.fake.delay_next("users.info", 3.3)  # real timings: the budget must beat bolt's 3 s
        started = time.monotonic()
        resp = slack.command("register 上海米哈游网络科技股份有限公司", user="U9")
        assert time.monotonic() - started < 2.9
        assert resp.status_code == 200 and resp.get_data(as_text=True) == ""
        hook = slack.fake.wait_for("hooks/")[0]
        assert hook.body["response_type"] == "ephemeral"
        assert "已报备：上海米哈游网络科技股份有限公司" in hook.body["text"] and "Zoe Outsider" in hook.body["text"]
        slack.fake.wait_for("chat.postMessage")
        slack.settle()
        assert slack.count(Client) == 1

    def test_a_slow_modal_submission_closes_the_modal_and_sends_the_refusal_as_a_message(
            self, slack: SlackHarness, monkeypatch):
        slack.command("register 北京字节跳动科技有限公司")
        monkeypatch.setattr("bot.handlers.slack.ACK_BUDGET", 0.2)
        slack.fake.delay_next("users.info", 0.6)
        resp = slack.submit({"name": "字节跳动科技有限公司"}, user="U2")
        assert resp.status_code == 200 and resp.get_data(as_text=True) == ""
        [ephemeral] = slack.fake.wait_for("chat.postEphemeral")
        assert ephemeral.body["user"] == "U2" and "已由 张三 报备" in ephemeral.body["text"]
        slack.settle()
        assert slack.count(Client) == 1

"""The register modal (view_submission) and the 'register' button (block_actions)."""

from __future__ import annotations

import json

from store.models import Client, Lead, Outbox
from tests.platform.conftest import TENANT, SlackHarness

FORM = {"name": "北京字节跳动科技有限公司", "phone": "13800138000", "email": None, "credit_code": None,
        "industry": "互联网", "region": "北京", "contact": "王总", "alias": "字节, 头条"}


def view_answer(resp) -> dict | None:
    """The HTTP answer to a view_submission: empty (close the modal) or a response_action."""
    assert resp.status_code == 200, resp.get_data(as_text=True)
    text = resp.get_data(as_text=True)
    return json.loads(text) if text else None


class TestRegisterModalSubmit:
    def test_registers_closes_the_modal_and_tells_the_user_in_the_channel(self, slack: SlackHarness):
        assert view_answer(slack.submit(FORM, private_metadata={"channel_id": "C42"})) is None
        ephemeral = slack.fake.wait_for("chat.postEphemeral")[0]
        assert (ephemeral.body["channel"], ephemeral.body["user"]) == ("C42", "U1")
        assert "已报备：北京字节跳动科技有限公司" in ephemeral.body["text"] and "归属 张三" in ephemeral.body["text"]
        assert ephemeral.body["blocks"][0]["text"]["text"] == "✅ 已报备"
        notice = slack.fake.wait_for("chat.postMessage")[0]
        assert notice.body["channel"] == "CSYNC" and "（互联网 · 北京）" in notice.body["text"]
        slack.settle()
        client = slack.rows(Client)[0]
        assert (client.tenant, client.name, client.phone, client.industry, client.contact) == (
            TENANT, "北京字节跳动科技有限公司", "+8613800138000", "互联网", "王总")
        assert client.aliases == ["字节", "头条"]
        assert slack.rows(Outbox)[0].status == "sent"

    def test_a_modal_opened_outside_a_channel_answers_by_direct_message(self, slack: SlackHarness):
        assert view_answer(slack.submit({"name": "上海米哈游网络科技股份有限公司"},
                                        private_metadata={"channel_id": None})) is None
        dm = slack.fake.wait_for("chat.postMessage", 2)
        assert {c.body["channel"] for c in dm} == {"U1", "CSYNC"}
        assert slack.fake.calls_to("chat.postEphemeral") == []

    def test_falls_back_to_a_direct_message_when_the_channel_refuses_the_ephemeral(self, slack: SlackHarness):
        slack.fake.error_next("chat.postEphemeral", "channel_not_found")
        assert view_answer(slack.submit({"name": "上海米哈游网络科技股份有限公司"})) is None
        posts = slack.fake.wait_for("chat.postMessage", 2)
        direct = [c for c in posts if c.body["channel"] == "U1"]
        assert len(direct) == 1 and "已报备" in direct[0].body["text"]

    def test_a_conflict_keeps_the_modal_open_with_an_error_on_the_name(self, slack: SlackHarness):
        slack.command("register 北京字节跳动科技有限公司")
        answer = view_answer(slack.submit({"name": "字节跳动科技有限公司", "phone": None}, user="U2"))
        assert answer is not None and answer["response_action"] == "errors"
        assert list(answer["errors"]) == ["name"]
        assert "已由 张三 报备" in answer["errors"]["name"] and "保护期至 2026-12-23 10:00" in answer["errors"]["name"]
        slack.settle()
        assert slack.count(Client) == 1 and slack.count(Lead) == 1
        assert slack.fake.calls_to("chat.postEphemeral") == []

    def test_a_bad_phone_is_reported_on_the_phone_block(self, slack: SlackHarness):
        answer = view_answer(slack.submit({**FORM, "phone": "abc"}))
        assert answer == {"response_action": "errors", "errors": {"phone": answer["errors"]["phone"]}}
        assert "电话号码「abc」无法识别" in answer["errors"]["phone"]
        slack.settle()
        assert slack.count(Client) == 0

    def test_a_bad_credit_code_is_reported_on_the_credit_code_block(self, slack: SlackHarness):
        answer = view_answer(slack.submit({**FORM, "credit_code": "91110000802100433A"}))
        assert answer is not None and list(answer["errors"]) == ["credit_code"]
        assert "校验位不对" in answer["errors"]["credit_code"]
        assert slack.count(Client) == 0

    def test_a_blank_name_is_reported_on_the_name_block(self, slack: SlackHarness):
        answer = view_answer(slack.submit({**FORM, "name": "   "}))
        assert answer is not None and list(answer["errors"]) == ["name"]
        assert "缺少公司名称" in answer["errors"]["name"]
        assert slack.count(Client) == 0

    def test_an_english_member_gets_english_field_errors(self, slack: SlackHarness):
        answer = view_answer(slack.submit({"name": "Acme GmbH", "email": "not-an-address"}, user="UEN"))
        assert answer is not None and "The e-mail “not-an-address” is not an address" in answer["errors"]["email"]

    def test_an_internal_failure_keeps_the_modal_open_with_a_reference(self, slack: SlackHarness, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(slack.container.service, "execute", broken)
        answer = view_answer(slack.submit(FORM))
        assert answer is not None and answer["response_action"] == "errors"
        assert "错误编号" in answer["errors"]["name"] and "boom" not in answer["errors"]["name"]


class TestRegisterButton:
    def test_the_button_on_a_no_match_reply_opens_the_modal_with_the_name_filled_in(self, slack: SlackHarness):
        reply = json.loads(slack.command("check 火山引擎", channel="C5").get_data(as_text=True))
        button = next(b for b in reply["blocks"] if b["type"] == "actions")["elements"][0]
        resp = slack.click(button["action_id"], button["value"], channel="C5")
        assert resp.status_code == 200 and resp.get_data(as_text=True) == ""
        modal = slack.fake.wait_for("views.open")[0].body["view"]
        assert modal["callback_id"] == "crm_register"
        name = next(b for b in modal["blocks"] if b["block_id"] == "name")
        assert name["element"]["initial_value"] == "火山引擎"
        assert json.loads(modal["private_metadata"]) == {"channel_id": "C5"}
        slack.settle()
        assert slack.count(Client) == 0

    def test_the_modal_opened_by_the_button_registers_the_client(self, slack: SlackHarness):
        slack.click("crm_register_open", "火山引擎")
        modal = slack.fake.wait_for("views.open")[0].body["view"]
        values = {b["block_id"]: b["element"].get("initial_value") for b in modal["blocks"]}
        assert view_answer(slack.submit(values, private_metadata=json.loads(modal["private_metadata"]))) is None
        slack.fake.wait_for("chat.postEphemeral")
        slack.settle()
        assert [c.name for c in slack.rows(Client)] == ["火山引擎"]

    def test_an_english_member_gets_an_english_modal(self, slack: SlackHarness):
        slack.click("crm_register_open", "Acme", user="UEN")
        modal = slack.fake.wait_for("views.open")[0].body["view"]
        assert modal["title"]["text"] == "Register a client"
        assert len(modal["title"]["text"]) <= 24 and len(modal["submit"]["text"]) <= 24

    def test_an_expired_trigger_tells_the_user_through_the_response_url(self, slack: SlackHarness):
        slack.fake.error_next("views.open", "expired_trigger_id")
        slack.click("crm_register_open", "火山引擎")
        hook = slack.fake.wait_for("hooks/")[0]
        assert hook.method == "hooks/actions/T1/2/def"
        assert hook.body["replace_original"] is False and "这里不能打开表单" in hook.body["text"]

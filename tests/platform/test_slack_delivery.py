"""Outbox delivery through bot.delivery.Deliverer and bot.handlers.slack.SlackSender against the fake.

Rows are enqueued by the service as a Slack actor (no HTTP), then the test thread runs the deliverer
and moves the container's FixedClock, so nothing here depends on bolt's worker threads.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.commands import Register
from bot.handlers.slack import SlackSender
from bot.messages import Reply
from bot.service import Actor
from store.models import Outbox
from tests.platform.conftest import TENANT, SlackHarness


@pytest.fixture
def queued(slack: SlackHarness) -> SlackHarness:
    """One registration notice for CSYNC, pending; the fake has seen only the App's auth.test."""
    result = slack.container.service.execute(Actor(TENANT, "slack", "U1"), Register("北京字节跳动科技有限公司"))
    assert result.ok
    assert [r.status for r in slack.rows(Outbox)] == ["pending"]
    assert isinstance(slack.container.senders["slack"], SlackSender)
    return slack


def the_row(slack: SlackHarness) -> Outbox:
    rows = slack.rows(Outbox)
    assert len(rows) == 1
    return rows[0]


class TestDeliverer:
    def test_sends_a_pending_notice_and_records_the_message_ts(self, queued: SlackHarness):
        assert queued.container.deliverer.run_once() == 1
        [post] = queued.fake.calls_to("chat.postMessage")
        assert post.ok and post.body["channel"] == "CSYNC" and "张三 报备了新客户" in post.body["text"]
        row = the_row(queued)
        assert (row.status, row.platform_msg_id, row.attempts, row.in_doubt) == ("sent", post.response["ts"], 1, False)
        assert queued.container.deliverer.run_once() == 0  # nothing sent twice
        assert len(queued.fake.calls_to("chat.postMessage")) == 1

    def test_rate_limited_with_retry_after_zero_then_sent_once_without_using_the_attempt_budget(
            self, queued: SlackHarness):
        queued.fake.fail_next("chat.postMessage", status=429, retry_after=0)
        deliverer = queued.container.deliverer
        assert deliverer.run_once() == 0
        row = the_row(queued)
        assert (row.status, row.attempts, row.last_error, row.in_doubt) == ("pending", 0, "ratelimited", False)
        now = queued.clock.now()
        assert now <= row.next_attempt_at <= now + timedelta(seconds=1)
        queued.clock.set(now + timedelta(seconds=2))
        assert deliverer.run_once() == 1
        posts = queued.fake.calls_to("chat.postMessage")
        assert [p.status for p in posts] == [429, 200] and sum(p.ok for p in posts) == 1
        row = the_row(queued)
        assert (row.status, row.attempts, row.platform_msg_id, row.last_error) == (
            "sent", 1, posts[1].response["ts"], None)

    def test_retry_after_is_honoured_as_the_wait(self, queued: SlackHarness):
        queued.fake.fail_next("chat.postMessage", status=429, retry_after=30)
        deliverer = queued.container.deliverer
        deliverer.run_once()
        now = queued.clock.now()
        row = the_row(queued)
        assert now + timedelta(seconds=30) <= row.next_attempt_at <= now + timedelta(seconds=31)
        queued.clock.set(now + timedelta(seconds=29))
        assert deliverer.run_once() == 0 and len(queued.fake.calls_to("chat.postMessage")) == 1
        queued.clock.set(now + timedelta(seconds=32))
        assert deliverer.run_once() == 1

    def test_channel_not_found_is_dead_after_one_attempt(self, queued: SlackHarness):
        queued.fake.error_next("chat.postMessage", "channel_not_found")
        assert queued.container.deliverer.run_once() == 0
        row = the_row(queued)
        assert (row.status, row.attempts, row.last_error, row.in_doubt) == ("dead", 1, "channel_not_found", False)
        queued.clock.set(queued.clock.now() + timedelta(days=1))
        assert queued.container.deliverer.run_once() == 0
        assert len(queued.fake.calls_to("chat.postMessage")) == 1

    def test_a_server_error_stays_pending_with_a_later_attempt_and_the_error(self, queued: SlackHarness):
        queued.fake.fail_next("chat.postMessage", status=500)
        deliverer = queued.container.deliverer
        now = queued.clock.now()
        assert deliverer.run_once() == 0
        row = the_row(queued)
        # A 500 may come after Slack posted: the row stays marked in doubt until an attempt settles it.
        assert (row.status, row.attempts, row.in_doubt) == ("pending", 1, True)
        assert row.last_error and "Internal Server Error" in row.last_error
        assert now <= row.next_attempt_at <= now + timedelta(seconds=20)  # full jitter over 2^1 · 10 s
        queued.clock.set(now + timedelta(seconds=21))
        assert deliverer.run_once() == 1
        row = the_row(queued)
        assert (row.status, row.attempts, row.last_error, row.in_doubt) == ("sent", 2, None, False)

    def test_a_transient_api_error_is_retried(self, queued: SlackHarness):
        queued.fake.error_next("chat.postMessage", "fatal_error")
        queued.container.deliverer.run_once()
        row = the_row(queued)
        assert (row.status, row.last_error) == ("pending", "fatal_error")
        assert row.next_attempt_at >= queued.clock.now()

    def test_an_unreachable_api_stays_pending(self, queued: SlackHarness):
        queued.fake.stop()
        assert queued.container.deliverer.run_once() == 0
        row = the_row(queued)
        assert row.status == "pending" and row.attempts == 1 and row.last_error


class TestSlackSender:
    def test_a_bad_token_is_dead_not_retried(self, fake_slack):
        outcome = SlackSender("not-a-token", fake_slack.base_url).send("CSYNC", Reply("hi"), "k1")
        assert (outcome.status, outcome.error) == ("dead", "not_authed")
        assert fake_slack.calls_to("chat.postMessage")[0].response == {"ok": False, "error": "not_authed"}

    def test_a_huge_reply_stays_within_the_block_limit(self, fake_slack):
        outcome = SlackSender("xoxb-test", fake_slack.base_url).send(
            "CSYNC", Reply("长" * 200_000, lines=tuple(f"line {i}" for i in range(500))), "k2")
        assert outcome.status == "sent", outcome
        [post] = fake_slack.calls_to("chat.postMessage")
        assert len(post.body["blocks"]) == 50 and len(post.body["text"]) <= 4000
        assert all(len(b["text"]["text"]) <= 3000 for b in post.body["blocks"] if b["type"] == "section")

    def test_a_rate_limit_without_retry_after_waits_a_second(self, fake_slack):
        fake_slack.fail_next("chat.postMessage", status=429, retry_after=None)
        outcome = SlackSender("xoxb-test", fake_slack.base_url).send("CSYNC", Reply("hi"), "k3")
        assert (outcome.status, outcome.error, outcome.retry_after) == ("retry", "ratelimited", 1.0)
        assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the SDK itself does not retry


class TestDeliveryAfterACommand:
    def test_a_rate_limited_notice_after_the_ack_is_sent_by_a_later_pass(self, slack: SlackHarness):
        slack.fake.fail_next("chat.postMessage", status=429, retry_after=0)
        assert slack.command("register 北京字节跳动科技有限公司").status_code == 200
        slack.fake.wait_for("chat.postMessage")
        slack.settle()
        assert (the_row(slack).status, the_row(slack).attempts) == ("pending", 0)
        slack.clock.set(slack.clock.now() + timedelta(seconds=2))
        assert slack.container.deliverer.run_once() == 1
        assert the_row(slack).status == "sent"

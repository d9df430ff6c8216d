"""Outbox delivery through bot.delivery.Deliverer and bot.handlers.slack_sender.SlackSender against the fake.

Rows are enqueued by the service as a Slack actor (no HTTP), then the test thread runs the deliverer
and moves the container's FixedClock, so nothing here depends on bolt's worker threads.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from bot.commands import Register
from bot.delivery import LEASE, MAX_ATTEMPTS, RECONCILE_MARGIN
from bot.handlers.slack_sender import SlackSender
from bot.messages import Reply
from bot.service import Actor
from store.models import Outbox
from store.uow import UnitOfWork
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


def enqueue(slack: SlackHarness, key: str, target: str, text: str = "hello") -> None:
    with UnitOfWork(slack.db, write=True) as uow:
        uow.repos.outbox.enqueue(tenant=TENANT, dedupe_key=key, platform="slack", target=target,
                                 payload=Reply(text).to_dict(), now=slack.clock.now())
        uow.commit()


def left_in_doubt(slack: SlackHarness, *, posted: bool) -> Outbox:
    """The one due row is claimed by a deliverer that then dies, having posted it (``posted``) or not.
    The container's clock then moves past that lease; ts values in the fake follow the same clock."""
    slack.fake.use_clock(lambda: slack.clock.now().timestamp())
    with UnitOfWork(slack.db, write=True) as uow:
        [claimed] = uow.repos.outbox.claim(me="dead-worker", now=slack.clock.now(), lease=LEASE, limit=1,
                                           platforms=["slack"])
        uow.commit()
    row = claimed.row
    if posted:
        outcome = SlackSender("xoxb-test", slack.fake.base_url).send(row.target, Reply.from_dict(row.payload),
                                                                     row.dedupe_key)
        assert outcome.status == "sent"
    slack.clock.set(slack.clock.now() + LEASE + timedelta(seconds=1))
    return row


class TestPerChannelThrottle:
    def test_two_rows_to_one_channel_are_a_second_apart_and_another_channel_is_not_held_up(
            self, slack: SlackHarness):
        enqueue(slack, "a1", "CA")
        enqueue(slack, "a2", "CA")
        enqueue(slack, "b1", "CB")
        started = time.monotonic()
        assert slack.container.deliverer.run_once() == 3
        posts = slack.fake.calls_to("chat.postMessage")
        assert [p.body["channel"] for p in posts] == ["CA", "CB", "CA"] and all(p.ok for p in posts)
        a1, b1, a2 = posts
        assert a2.at - a1.at >= 1.0          # the second row to CA waited its turn
        assert b1.at - a1.at < 0.5           # CB went out at once, not behind CA
        assert 1.0 <= time.monotonic() - started < 3
        assert [r.status for r in slack.rows(Outbox)] == ["sent"] * 3

    def test_a_channel_that_fails_does_not_hold_up_the_others(self, slack: SlackHarness):
        """T10: a channel that does not exist, one whose posts fail with 500 forever, one that works."""
        slack.fake.fail_channel("CGONE", error="channel_not_found")
        slack.fake.fail_channel("CDOWN", status=500)
        for key, channel in (("gone", "CGONE"), ("down", "CDOWN"), ("ok", "COK")):
            enqueue(slack, key, channel)
        deliverer = slack.container.deliverer
        assert deliverer.run_once() == 1
        gone, down, ok = slack.rows(Outbox)
        assert (ok.status, ok.attempts, ok.sent_at) == ("sent", 1, slack.clock.now())  # delivered on time
        assert (gone.status, gone.attempts, gone.last_error) == ("dead", 1, "channel_not_found")
        delays = []
        while the_down_row(slack).status == "pending":
            before = slack.clock.now()
            slack.clock.set(the_down_row(slack).next_attempt_at)
            delays.append((slack.clock.now() - before).total_seconds())
            deliverer._turn.clear()  # a test shortcut: the fixed clock jumped, not the real one
            deliverer.run_once()
        down = the_down_row(slack)
        assert (down.status, down.attempts, down.in_doubt) == ("dead", MAX_ATTEMPTS, True)
        assert len(delays) == MAX_ATTEMPTS - 1 and all(d <= min(10 * 2 ** (i + 1), 3600) for i, d in enumerate(delays))
        assert len(slack.fake.calls_to("chat.postMessage")) == 1 + 1 + MAX_ATTEMPTS
        # Each retry of the in-doubt row looked in CDOWN's history first (and found nothing).
        assert len(slack.fake.calls_to("conversations.history")) == MAX_ATTEMPTS - 1


def the_down_row(slack: SlackHarness) -> Outbox:
    return [r for r in slack.rows(Outbox) if r.dedupe_key == "down"][0]


class TestReconcile:
    def test_a_row_whose_message_is_already_in_the_history_is_marked_sent_without_a_second_post(
            self, queued: SlackHarness):
        row = left_in_doubt(queued, posted=True)
        [post] = queued.fake.calls_to("chat.postMessage")
        assert queued.container.deliverer.run_once() == 1
        assert queued.fake.calls_to("chat.postMessage") == [post]  # no second post
        [history] = queued.fake.calls_to("conversations.history")
        assert history.body["channel"] == "CSYNC" and history.body["include_all_metadata"] in ("1", "true")
        assert float(history.body["oldest"]) == (row.attempt_started_at - RECONCILE_MARGIN).timestamp()
        done = the_row(queued)
        assert (done.status, done.platform_msg_id, done.in_doubt, done.attempts) == (
            "sent", post.response["ts"], False, 2)

    def test_a_row_that_was_not_posted_is_posted_once_after_the_look(self, queued: SlackHarness):
        left_in_doubt(queued, posted=False)
        queued.fake.seed_message("CSYNC", "someone else", metadata={"event_type": "crm_notice",
                                                                     "event_payload": {"dedupe_key": "other"}})
        assert queued.container.deliverer.run_once() == 1
        assert len(queued.fake.calls_to("conversations.history")) == 1
        [post] = queued.fake.calls_to("chat.postMessage")
        assert the_row(queued).platform_msg_id == post.response["ts"]

    def test_the_message_is_found_beyond_the_first_page_of_history(self, queued: SlackHarness):
        left_in_doubt(queued, posted=True)
        for i in range(250):  # the channel was busy since
            queued.fake.seed_message("CSYNC", f"chatter {i}")
        assert queued.container.deliverer.run_once() == 1
        assert len(queued.fake.calls_to("chat.postMessage")) == 1
        assert len(queued.fake.calls_to("conversations.history")) == 2

    def test_a_direct_message_is_looked_up_in_the_dm_channel(self, slack: SlackHarness):
        enqueue(slack, "dm:1", "U2")
        left_in_doubt(slack, posted=True)
        assert slack.container.deliverer.run_once() == 1
        assert len(slack.fake.calls_to("chat.postMessage")) == 1
        [opened] = slack.fake.calls_to("conversations.open")
        [history] = slack.fake.calls_to("conversations.history")
        assert opened.body["users"] == "U2" and history.body["channel"] == opened.response["channel"]["id"]
        assert the_row(slack).status == "sent"

    def test_a_rate_limited_look_posts_nothing_and_costs_no_attempt(self, queued: SlackHarness):
        left_in_doubt(queued, posted=False)
        queued.fake.fail_next("conversations.history", status=429, retry_after=3)
        deliverer = queued.container.deliverer
        assert deliverer.run_once() == 0
        row = the_row(queued)
        now = queued.clock.now()
        assert queued.fake.calls_to("chat.postMessage") == []
        assert (row.status, row.attempts, row.in_doubt) == ("pending", 1, True)
        assert row.next_attempt_at >= now + timedelta(seconds=3)
        queued.clock.set(row.next_attempt_at)
        assert deliverer.run_once() == 1 and len(queued.fake.calls_to("chat.postMessage")) == 1

    def test_without_history_access_it_falls_back_to_posting(self, queued: SlackHarness, caplog):
        left_in_doubt(queued, posted=False)
        queued.fake.error_next("conversations.history", "missing_scope")
        assert queued.container.deliverer.run_once() == 1
        assert len(queued.fake.calls_to("chat.postMessage")) == 1
        assert "cannot read the history (missing_scope)" in caplog.text


class TestRateLimitT9:
    def test_429_with_retry_after_3_twice_then_ok_is_one_post_within_the_budget(self, queued: SlackHarness):
        queued.fake.fail_next("chat.postMessage", times=2, status=429, retry_after=3)
        deliverer = queued.container.deliverer
        for _ in range(2):
            now = queued.clock.now()
            assert deliverer.run_once() == 0
            row = the_row(queued)
            assert (row.status, row.attempts, row.in_doubt) == ("pending", 0, False)
            assert row.next_attempt_at >= now + timedelta(seconds=3)
            queued.clock.set(row.next_attempt_at)
            deliverer._turn.clear()  # the fixed clock jumped, not the real one
        assert deliverer.run_once() == 1
        posts = queued.fake.calls_to("chat.postMessage")
        assert [p.status for p in posts] == [429, 429, 200]
        row = the_row(queued)
        assert (row.status, row.attempts, row.platform_msg_id) == ("sent", 1, posts[-1].response["ts"])

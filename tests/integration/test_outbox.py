"""The outbox: written with the state change, delivered after commit, leased, retried, never lost."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cli import main as cli_main
from bot.commands import Register
from bot.delivery import LEASE, MAX_ATTEMPTS, RECONCILE_MARGIN, ConsoleSender, Deliverer, RateLimited, SendOutcome
from bot.messages import Reply
from store.models import Outbox
from store.uow import UnitOfWork
from tests.conftest import NOW, actor


class RecordingSender:
    """A sender that records what it was asked to send and answers from a script; ``posted`` is what
    reconcile finds (dedupe key → message id), ``looked`` what it was asked."""

    platform = "console"

    def __init__(self, *outcomes: SendOutcome, min_interval: float = 0.0, time: FakeTime | None = None) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.outcomes = list(outcomes)
        self.min_interval = min_interval
        self.time = time
        self.sent_at: list[float] = []
        self.posted: dict[str, str] = {}
        self.looked: list[tuple[str, str, datetime]] = []
        self.reconcile_error: Exception | None = None

    def send(self, target: str, reply: Reply, dedupe_key: str) -> SendOutcome:
        self.sent.append((target, reply.text, dedupe_key))
        if self.time is not None:
            self.sent_at.append(self.time.now)
            self.time.now += self.time.per_call
        return self.outcomes.pop(0) if self.outcomes else SendOutcome("sent", message_id=f"m{len(self.sent)}")

    def reconcile(self, target: str, dedupe_key: str, since: datetime) -> str | None:
        self.looked.append((target, dedupe_key, since))
        if self.reconcile_error is not None:
            raise self.reconcile_error
        return self.posted.get(dedupe_key)


class FakeTime:
    """monotonic() and sleep() for the deliverer's per-channel turns; a send takes ``per_call`` s."""

    def __init__(self, per_call: float = 0.0) -> None:
        self.now = 100.0
        self.per_call = per_call
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def rows(db) -> list[Outbox]:
    with UnitOfWork(db) as uow:
        found = list(uow.session.scalars(select(Outbox).order_by(Outbox.id)))
        uow.session.expunge_all()  # keep the loaded values after the read-only unit rolls back
        return found


def enqueue(db, key: str = "k1", target: str = "CSYNC") -> bool:
    with UnitOfWork(db, write=True) as uow:
        added = uow.repos.outbox.enqueue(tenant="local", dedupe_key=key, platform="console", target=target,
                                         payload=Reply("hello").to_dict(), now=NOW)
        uow.commit()
    return added


class TestOutbox:
    def test_registration_notice_is_delivered_once_with_its_message_id(self, container, db, clock):
        out = io.StringIO()
        container.senders["console"] = ConsoleSender(out, "zh-CN")
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司", industry="互联网"))
        assert container.deliverer.run_once() == 1
        assert container.deliverer.run_once() == 0
        [row] = rows(db)
        assert (row.status, row.platform_msg_id, row.in_doubt, row.attempts) == ("sent", "console-1", False, 1)
        assert out.getvalue().count("北京字节跳动科技有限公司") == 1 and "CSYNC" in out.getvalue()

    def test_a_second_enqueue_with_the_same_key_is_a_no_op(self, db):
        assert enqueue(db) is True
        assert enqueue(db) is False
        assert len(rows(db)) == 1

    def test_a_refused_registration_enqueues_nothing(self, container, db):
        container.service.execute(actor("U1"), Register("北京字节跳动科技有限公司"))
        container.service.execute(actor("U2"), Register("字节跳动"))
        assert len(rows(db)) == 1

    def test_a_claimed_row_is_not_sent_twice_until_its_lease_ends(self, db, clock):
        enqueue(db)
        first, second = RecordingSender(), RecordingSender()
        with UnitOfWork(db, write=True) as uow:  # a deliverer claimed it, then died before sending
            uow.repos.outbox.claim(me="dead-worker", now=clock.now(), lease=LEASE, limit=10, platforms=["console"])
            uow.commit()
        assert Deliverer(db, clock, {"console": first}).run_once() == 0
        clock.set(NOW + LEASE + timedelta(seconds=1))
        assert Deliverer(db, clock, {"console": second}).run_once() == 1
        assert (len(first.sent), len(second.sent)) == (0, 1)
        assert rows(db)[0].attempts == 2

    def test_transient_failures_back_off_and_then_die_after_the_budget(self, db, clock):
        enqueue(db)
        sender = RecordingSender(*[SendOutcome("retry", error="http_500")] * MAX_ATTEMPTS)
        deliverer = Deliverer(db, clock, {"console": sender})
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert deliverer.run_once() == 0
            row = rows(db)[0]
            assert row.attempts == attempt and row.last_error == "http_500"
            if attempt < MAX_ATTEMPTS:
                assert row.status == "pending" and row.next_attempt_at >= clock.now()
                clock.set(row.next_attempt_at)
        assert rows(db)[0].status == "dead" and len(sender.sent) == MAX_ATTEMPTS

    def test_rate_limit_waits_as_told_without_spending_the_budget(self, db, clock):
        enqueue(db)
        sender = RecordingSender(SendOutcome("retry", error="ratelimited", retry_after=3))
        deliverer = Deliverer(db, clock, {"console": sender})
        assert deliverer.run_once() == 0
        row = rows(db)[0]
        assert row.attempts == 0 and row.next_attempt_at >= NOW + timedelta(seconds=3)
        assert deliverer.run_once() == 0  # not due yet
        clock.set(row.next_attempt_at)
        assert deliverer.run_once() == 1
        assert rows(db)[0].status == "sent" and len(sender.sent) == 2

    def test_permanent_errors_are_parked_at_once(self, db, clock):
        enqueue(db)
        sender = RecordingSender(SendOutcome("dead", error="channel_not_found"))
        Deliverer(db, clock, {"console": sender}).run_once()
        row = rows(db)[0]
        assert (row.status, row.attempts, row.last_error) == ("dead", 1, "channel_not_found")

    def test_a_sender_that_raises_leaves_the_row_for_a_retry(self, db, clock):
        enqueue(db)

        class Exploding(RecordingSender):
            def send(self, target, reply, dedupe_key):
                raise ConnectionResetError("peer reset")

        Deliverer(db, clock, {"console": Exploding()}).run_once()
        row = rows(db)[0]
        assert row.status == "pending" and "ConnectionResetError" in row.last_error and row.in_doubt


def claim_and_die(db, at: datetime, who: str = "dead-worker") -> list:
    """A deliverer claims every due row at ``at``, commits, and dies before recording anything."""
    with UnitOfWork(db, write=True) as uow:
        claimed = uow.repos.outbox.claim(me=who, now=at, lease=LEASE, limit=10, platforms=["console"])
        uow.commit()
    return claimed


class TestReconcile:
    def test_a_row_whose_outcome_is_unknown_is_looked_up_first_and_not_sent_again_when_found(self, db, clock):
        enqueue(db)
        claim_and_die(db, NOW)  # it may have posted before it died
        later = NOW + LEASE + timedelta(seconds=1)
        clock.set(later)
        sender = RecordingSender()
        sender.posted["k1"] = "m-from-the-dead-worker"
        assert Deliverer(db, clock, {"console": sender}).run_once() == 1
        assert sender.sent == []
        assert sender.looked == [("CSYNC", "k1", NOW - RECONCILE_MARGIN)]  # from the doubtful attempt's start
        row = rows(db)[0]
        assert (row.status, row.platform_msg_id, row.in_doubt, row.attempts, row.sent_at) == (
            "sent", "m-from-the-dead-worker", False, 2, later)

    def test_a_row_in_doubt_that_was_not_posted_is_sent_once_after_the_look(self, db, clock):
        enqueue(db)
        claim_and_die(db, NOW)
        clock.set(NOW + LEASE + timedelta(seconds=1))
        sender = RecordingSender()
        assert Deliverer(db, clock, {"console": sender}).run_once() == 1
        assert len(sender.looked) == 1 and len(sender.sent) == 1
        assert rows(db)[0].status == "sent"

    def test_a_fresh_row_is_sent_without_a_look(self, db, clock):
        enqueue(db)
        sender = RecordingSender()
        assert Deliverer(db, clock, {"console": sender}).run_once() == 1
        assert sender.looked == [] and len(sender.sent) == 1

    def test_the_first_doubtful_attempts_start_is_kept_until_the_doubt_is_settled(self, db, clock):
        enqueue(db)
        [first] = claim_and_die(db, NOW)
        assert (first.in_doubt_since, first.row.attempt_started_at) == (None, NOW)  # it was not in doubt before
        later = NOW + LEASE + timedelta(seconds=1)
        [second] = claim_and_die(db, later, "another-dead-worker")
        assert (second.in_doubt_since, second.row.attempt_started_at, second.row.attempts) == (NOW, NOW, 2)
        clock.set(later + LEASE + timedelta(seconds=1))
        sender = RecordingSender()
        Deliverer(db, clock, {"console": sender}).run_once()
        assert sender.looked[0][2] == NOW - RECONCILE_MARGIN  # both dead attempts are inside the window

    def test_when_the_look_fails_nothing_is_posted_and_the_row_stays_in_doubt(self, db, clock):
        enqueue(db)
        claim_and_die(db, NOW)
        clock.set(NOW + LEASE + timedelta(seconds=1))
        sender = RecordingSender()
        sender.reconcile_error = ConnectionResetError("peer reset")
        assert Deliverer(db, clock, {"console": sender}).run_once() == 0
        row = rows(db)[0]
        assert sender.sent == [] and row.status == "pending" and row.in_doubt and row.attempts == 2
        assert row.last_error.startswith("reconcile: ConnectionResetError")
        assert row.attempt_started_at == NOW and row.next_attempt_at >= clock.now()

    def test_a_rate_limited_look_waits_as_told_without_spending_the_budget(self, db, clock):
        enqueue(db)
        claim_and_die(db, NOW)
        clock.set(NOW + LEASE + timedelta(seconds=1))
        sender = RecordingSender()
        sender.reconcile_error = RateLimited(7)
        assert Deliverer(db, clock, {"console": sender}).run_once() == 0
        row = rows(db)[0]
        assert sender.sent == [] and (row.status, row.in_doubt, row.attempts) == ("pending", True, 1)
        assert row.next_attempt_at >= clock.now() + timedelta(seconds=7)


class TestRequeue:
    def test_a_dead_row_goes_back_to_pending_with_a_fresh_budget_and_is_delivered(self, db, clock):
        enqueue(db)
        sender = RecordingSender(SendOutcome("dead", error="channel_not_found"))
        deliverer = Deliverer(db, clock, {"console": sender})
        deliverer.run_once()
        assert (rows(db)[0].status, rows(db)[0].in_doubt) == ("dead", False)
        clock.set(NOW + timedelta(hours=2))  # the admin fixed the channel
        assert deliverer.requeue(rows(db)[0].id) is True
        row = rows(db)[0]
        assert (row.status, row.attempts, row.next_attempt_at, row.lease_until) == ("pending", 0, clock.now(), None)
        assert deliverer.run_once() == 1
        row = rows(db)[0]
        assert (row.status, row.attempts, row.platform_msg_id, row.last_error) == ("sent", 1, "m2", None)
        assert sender.looked == []  # a permanent error posted nothing: no doubt to settle

    def test_a_row_that_died_in_doubt_is_reconciled_after_its_requeue(self, db, clock):
        enqueue(db)
        sender = RecordingSender(*[SendOutcome("retry", error="timeout")] * MAX_ATTEMPTS)
        deliverer = Deliverer(db, clock, {"console": sender})
        for _ in range(MAX_ATTEMPTS):
            deliverer.run_once()
            clock.set(rows(db)[0].next_attempt_at)
        row = rows(db)[0]
        assert (row.status, row.in_doubt, row.attempt_started_at) == ("dead", True, NOW)
        sender.posted["k1"] = "m-late"  # one of the timed-out posts did land
        assert deliverer.requeue(row.id) and deliverer.run_once() == 1
        assert len(sender.sent) == MAX_ATTEMPTS and sender.looked[-1][2] == NOW - RECONCILE_MARGIN
        assert (rows(db)[0].status, rows(db)[0].platform_msg_id) == ("sent", "m-late")

    def test_an_unknown_row_is_refused_and_a_sent_row_stays_sent(self, db, clock):
        enqueue(db)
        deliverer = Deliverer(db, clock, {"console": RecordingSender()})
        deliverer.run_once()
        assert deliverer.requeue(999) is False
        assert deliverer.requeue(rows(db)[0].id) is True
        assert (rows(db)[0].status, rows(db)[0].attempts) == ("sent", 1)

    def test_outbox_list_and_retry_from_the_command_line(self, db, clock, database_url, monkeypatch, capsys):
        enqueue(db)
        Deliverer(db, clock, {"console": RecordingSender(SendOutcome("dead", error="not_in_channel"))}).run_once()
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("CRM_CONFIG", "app.yaml")
        assert cli_main(["outbox", "list", "--status", "dead", "--json"]) == 0
        [listed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert (listed["status"], listed["last_error"], listed["dedupe_key"]) == ("dead", "not_in_channel", "k1")
        assert cli_main(["outbox", "retry", str(listed["id"])]) == 0
        assert "queued again" in capsys.readouterr().out
        assert (rows(db)[0].status, rows(db)[0].attempts) == ("pending", 0)
        assert cli_main(["outbox", "retry", "999"]) == 2


class TestPerChannelTurns:
    @pytest.fixture
    def three_rows(self, db):
        enqueue(db, "a1", "CA")
        enqueue(db, "a2", "CA")
        enqueue(db, "b1", "CB")

    def test_a_second_row_to_a_channel_waits_its_turn_and_another_channel_goes_first(self, db, clock, three_rows):
        time = FakeTime(per_call=0.1)
        sender = RecordingSender(min_interval=1.0, time=time)
        deliverer = Deliverer(db, clock, {"console": sender}, sleep=time.sleep, monotonic=time.monotonic)
        assert deliverer.run_once() == 3
        assert [key for _, _, key in sender.sent] == ["a1", "b1", "a2"]
        assert sender.sent_at == [100.0, 100.1, 101.1]  # b1 right away; a2 one second after a1's post returned
        assert time.slept == [0.9]
        assert all(r.status == "sent" and r.attempts == 1 for r in rows(db))

    def test_a_row_whose_turn_does_not_come_in_the_pass_is_given_back_unspent(self, db, clock, three_rows):
        time = FakeTime()
        sender = RecordingSender(min_interval=1.0, time=time)
        deliverer = Deliverer(db, clock, {"console": sender}, sleep=time.sleep, monotonic=time.monotonic,
                              max_wait=0)
        assert deliverer.run_once() == 2
        a2 = [r for r in rows(db) if r.dedupe_key == "a2"][0]
        assert (a2.status, a2.attempts, a2.in_doubt, a2.claimed_by, a2.lease_until, a2.next_attempt_at) == (
            "pending", 0, False, None, None, NOW)
        assert deliverer.run_once() == 0 and time.slept == []  # still not its turn: given back again
        time.now += 1.0
        assert deliverer.run_once() == 1 and [r.status for r in rows(db)] == ["sent"] * 3
        assert [r.attempts for r in rows(db)] == [1, 1, 1]

    def test_a_rate_limited_channel_holds_its_other_rows_but_not_other_channels(self, db, clock, three_rows):
        time = FakeTime()
        sender = RecordingSender(SendOutcome("retry", error="ratelimited", retry_after=30), min_interval=1.0,
                                 time=time)
        deliverer = Deliverer(db, clock, {"console": sender}, sleep=time.sleep, monotonic=time.monotonic)
        assert deliverer.run_once() == 1
        a1, a2, b1 = rows(db)
        assert b1.status == "sent" and time.slept == []
        assert (a1.status, a1.attempts) == ("pending", 0) and a1.next_attempt_at >= NOW + timedelta(seconds=30)
        assert (a2.status, a2.attempts, a2.claimed_by) == ("pending", 0, None)
        assert a2.next_attempt_at == NOW + timedelta(seconds=30)
        assert [key for _, _, key in sender.sent] == ["a1", "b1"]

    def test_no_attempt_starts_after_half_the_lease(self, db, clock):
        for key, channel in (("x1", "C1"), ("x2", "C2"), ("x3", "C3")):
            enqueue(db, key, channel)
        time = FakeTime(per_call=1.0)  # a slow API: each call takes half the lease
        sender = RecordingSender(time=time)
        deliverer = Deliverer(db, clock, {"console": sender}, sleep=time.sleep, monotonic=time.monotonic,
                              lease=timedelta(seconds=2))
        assert deliverer.run_once() == 1
        assert [(r.status, r.attempts, r.claimed_by) for r in rows(db)] == [
            ("sent", 1, None), ("pending", 0, None), ("pending", 0, None)]

"""The outbox: written with the state change, delivered after commit, leased, retried, never lost."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from bot.commands import Register
from bot.delivery import LEASE, MAX_ATTEMPTS, ConsoleSender, Deliverer, SendOutcome
from bot.messages import Reply
from store.models import Outbox
from store.uow import UnitOfWork
from tests.conftest import NOW, actor


class RecordingSender:
    """A sender that records what it was asked to send and answers from a script."""

    platform = "console"

    def __init__(self, *outcomes: SendOutcome) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.outcomes = list(outcomes)

    def send(self, target: str, reply: Reply, dedupe_key: str) -> SendOutcome:
        self.sent.append((target, reply.text, dedupe_key))
        return self.outcomes.pop(0) if self.outcomes else SendOutcome("sent", message_id=f"m{len(self.sent)}")


def rows(db) -> list[Outbox]:
    with UnitOfWork(db) as uow:
        found = list(uow.session.scalars(select(Outbox).order_by(Outbox.id)))
        uow.session.expunge_all()  # keep the loaded values after the read-only unit rolls back
        return found


def enqueue(db, key: str = "k1") -> bool:
    with UnitOfWork(db, write=True) as uow:
        added = uow.repos.outbox.enqueue(tenant="local", dedupe_key=key, platform="console", target="CSYNC",
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

"""The SLA sweep: level-triggered alerts up the ladder, digests batched, each period run once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.commands import parse_command
from store.models import Alert, AlertFeedback, JobRun, Lead, Outbox
from tests.conftest import actor

SH = ZoneInfo("Asia/Shanghai")
FRIDAY_EVENING = datetime(2026, 11, 20, 18, 30, tzinfo=SH)


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def run(container, user: str, text: str):
    return container.service.execute(actor(user), parse_command(text))


def sweep(container, at: datetime):
    container.clock.set(at)
    return container.jobs.run("sla-sweep", at)


def digests(db) -> list[tuple[str, list[str]]]:
    with db.engine.connect() as conn:
        rows = conn.execute(select(Outbox.target, Outbox.payload).where(Outbox.dedupe_key.like("sla:%"))
                            .order_by(Outbox.id)).all()
    return [(target, [item["text"] for item in payload["items"]]) for target, payload in rows]


def alerts(db) -> list[tuple[int, str, int, str]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(Alert.lead_id, Alert.kind, Alert.level, Alert.status)
                                               .order_by(Alert.id))]


@pytest.fixture
def a_lead_on_friday_evening(container):
    container.clock.set(FRIDAY_EVENING)
    assert run(container, "U1", "register 北京字节跳动科技有限公司 grade=A").kind == "registered"
    return container


class TestLadder:
    def test_an_a_lead_registered_friday_evening_is_not_overdue_on_saturday(self, a_lead_on_friday_evening, db):
        sweep(a_lead_on_friday_evening, sh(2026, 11, 21, 12, 0))
        sweep(a_lead_on_friday_evening, sh(2026, 11, 23, 10, 55))
        assert alerts(db) == [] and digests(db) == []

    def test_three_days_climb_owner_then_manager_then_channel_each_once(self, a_lead_on_friday_evening, db):
        c = a_lead_on_friday_evening
        for day in (23, 24, 25, 26, 27, 30):           # every 5 minutes would give the same: level-triggered
            for hour, minute in ((9, 0), (11, 5), (14, 0), (17, 5)):
                sweep(c, sh(2026, 11, day, hour, minute))
        assert [(kind, level) for _, kind, level, _ in alerts(db)] == [
            ("first_touch", 1), ("first_touch", 2), ("first_touch", 3)]
        assert [target for target, _ in digests(db)] == [
            "U1",                      # Mon 11:05: level 1, the owner
            "U1", "UMGR",              # Wed 17:05: 24 business hours later, the manager too
            "CSYNC", "U1", "UMGR"]     # Mon 30th 14:05: 48 business hours, the team channel too
        assert "负责人 张三" in digests(db)[2][1][0] and "第 2 级" in digests(db)[2][1][0]

    def test_a_period_runs_once_whatever_runs_it_again(self, a_lead_on_friday_evening, db):
        first = sweep(a_lead_on_friday_evening, sh(2026, 11, 23, 11, 5))
        again = sweep(a_lead_on_friday_evening, sh(2026, 11, 23, 11, 7))   # same 5-minute period
        assert (first.teams_run, first.alerts) == (2, 1)
        assert (again.teams_run, again.teams_skipped, again.alerts) == (0, 2, 0)
        with db.engine.connect() as conn:
            assert conn.execute(select(JobRun.period)).scalars().all() == ["2026-11-23T03:05Z"] * 2

    def test_a_sweep_after_downtime_raises_only_the_current_level(self, a_lead_on_friday_evening, db):
        sweep(a_lead_on_friday_evening, sh(2026, 11, 30, 14, 5))
        assert [(kind, level) for _, kind, level, _ in alerts(db)] == [("first_touch", 3)]


class TestDigests:
    def test_each_person_gets_one_message_per_sweep_most_urgent_first(self, container, db):
        container.clock.set(FRIDAY_EVENING)
        for name, grade in (("甲乙科技有限公司", "C"), ("丙丁科技有限公司", "A"), ("戊己科技有限公司", "B")):
            run(container, "U1", f"register {name} grade={grade}")
        sweep(container, sh(2026, 12, 3, 10, 0))
        [(target, items)] = [d for d in digests(db) if d[0] == "U1"]
        assert [text.split("]")[0] for text in items] == ["[A", "[B", "[C"]

    def test_a_manager_gets_one_digest_for_the_team(self, container, db):
        container.clock.set(FRIDAY_EVENING)
        run(container, "U1", "register 甲乙科技有限公司 grade=A")
        run(container, "U2", "register 丙丁科技有限公司 grade=A")
        sweep(container, sh(2026, 11, 25, 17, 5))
        manager = [items for target, items in digests(db) if target == "UMGR"]
        assert len(manager) == 1 and len(manager[0]) == 2


class TestStopping:
    def test_closing_a_lead_cancels_its_alerts_in_the_same_transaction(self, a_lead_on_friday_evening, db):
        c = a_lead_on_friday_evening
        sweep(c, sh(2026, 11, 23, 11, 5))
        c.clock.set(sh(2026, 11, 23, 15, 0))
        assert run(c, "U1", "close 字节跳动 lost reason=price").kind == "closed"
        assert alerts(db)[0][3] == "cancelled"
        sweep(c, sh(2026, 11, 30, 14, 5))
        assert len(alerts(db)) == 1

    def test_a_follow_up_answers_the_alert_and_restarts_the_clock(self, a_lead_on_friday_evening, db):
        c = a_lead_on_friday_evening
        sweep(c, sh(2026, 11, 23, 11, 5))
        c.clock.set(sh(2026, 11, 23, 15, 0))
        run(c, "U1", "followup 字节跳动 channel=电话 outcome=聊了 next=明天")
        assert alerts(db)[0][3] == "resolved"
        with db.engine.connect() as conn:
            lead = conn.execute(select(Lead)).one()
        assert lead.sla_kind == "next_contact"
        sweep(c, sh(2026, 11, 24, 17, 55))
        assert len(alerts(db)) == 1  # the booked day is not over yet

    def test_snooze_moves_the_next_look(self, a_lead_on_friday_evening, db):
        c = a_lead_on_friday_evening
        sweep(c, sh(2026, 11, 23, 11, 5))
        with db.engine.connect() as conn:
            alert_id = conn.execute(select(Alert.id)).scalar_one()
        result = run(c, "U1", f"alert {alert_id} snooze until=下周一")
        assert result.kind == "alert.snoozed"
        sweep(c, sh(2026, 11, 27, 17, 5))           # level 2 would be due, but the lead is snoozed
        assert len(alerts(db)) == 1
        sweep(c, sh(2026, 11, 30, 9, 5))             # 43 business hours overdue: the manager hears now
        assert [level for _, _, level, _ in alerts(db)] == [1, 2]

    def test_this_alert_is_wrong_is_recorded_and_told_to_the_manager(self, a_lead_on_friday_evening, db):
        c = a_lead_on_friday_evening
        sweep(c, sh(2026, 11, 23, 11, 5))
        with db.engine.connect() as conn:
            alert_id = conn.execute(select(Alert.id)).scalar_one()
        assert run(c, "U1", f"alert {alert_id} wrong").msg == "alert.wrong_needs_reason"
        assert run(c, "U1", f'alert {alert_id} wrong reason="上午刚打过电话，忘了记"').ok
        with db.engine.connect() as conn:
            feedback = conn.execute(select(AlertFeedback)).one()
            notice = conn.execute(select(Outbox.target, Outbox.payload).where(
                Outbox.dedupe_key.like("alert-wrong:%"))).one()
        assert feedback.reason == "上午刚打过电话，忘了记" and notice.target == "UMGR"
        assert alerts(db)[0][3] == "resolved"

    def test_transfer_stops_old_alerts_and_starts_the_new_owners_clock(self, a_lead_on_friday_evening, db):
        c = a_lead_on_friday_evening
        sweep(c, sh(2026, 11, 23, 11, 5))
        c.clock.set(sh(2026, 11, 23, 16, 0))
        assert run(c, "U1", "transfer 字节跳动 @U2").msg == "transfer.managers_only"
        assert run(c, "UMGR", "transfer 字节跳动 @U2").kind == "transfer.done"
        assert alerts(db)[0][3] == "cancelled"
        sweep(c, sh(2026, 11, 23, 17, 55))
        assert len(alerts(db)) == 1                     # the new owner's A clock: Mon 16:00 + 2 h = 18:00
        sweep(c, sh(2026, 11, 24, 9, 5))
        assert [(level, status) for _, _, level, status in alerts(db)] == [(1, "cancelled"), (1, "open")]
        assert digests(db)[-1][0] == "U2"


class TestWeek:
    def test_a_week_and_a_half_of_sweeps_produces_each_alert_once(self, container, db):
        container.clock.set(sh(2026, 11, 23, 9, 30))
        run(container, "U1", "register 甲乙科技有限公司 grade=A")
        run(container, "U1", "register 丙丁科技有限公司 grade=B")
        container.clock.set(sh(2026, 11, 23, 10, 0))
        run(container, "U1", "followup 丙丁科技 channel=电话 outcome=聊了 next=11-25")
        at = sh(2026, 11, 23, 9, 35)
        while at < sh(2026, 12, 4, 9, 0):   # every 30 minutes: the sweep is level-triggered
            sweep(container, at)
            at += timedelta(minutes=30)
        kinds = [(kind, level) for _, kind, level, _ in alerts(db)]
        assert kinds == [("first_touch", 1),      # Mon 23 11:30 (A: 2 business hours)
                         ("first_touch", 2),      # Wed 25 17:30
                         ("next_contact", 1),     # Wed 25 18:00 (the booked day ended)
                         ("first_touch", 3),      # Mon 30 14:30
                         ("next_contact", 2),     # Mon 30 15:00
                         ("next_contact", 3)]     # Thu  3 15:00
        keys = [(lead, kind, level) for lead, kind, level, _ in alerts(db)]
        assert len(keys) == len(set(keys))

"""The pipeline through the service: follow-ups, stages, the checklist, closing, reports, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.commands import parse_command
from store.models import AuditEvent, BattleReport, Lead, Outbox, StageChange
from tests.conftest import NOW, actor

BANT = ('budget=50万 decision_maker="王总 CTO" pain_points="排班靠人工;对账慢;数据分散" timeline=2027Q1 '
        'kpis="人效提升20%;对账缩到1天"')
DEMO = "demo_attendees=王总;李工 demo_notes=https://docs.example.com/demo"
PROPOSAL = "quote_amount=48万 meeting_notes=https://docs.example.com/meeting"
ITEMS = ("contract", "payment_account", "schedule", "it_review", "commission")


def run(container, user: str, text: str):
    return container.service.execute(actor(user), parse_command(text))


def lead(db) -> Lead:
    with db.engine.connect() as conn:
        return conn.execute(select(Lead)).one()


def audit_rules(db) -> list[tuple[str, str, str]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(AuditEvent.action, AuditEvent.rule, AuditEvent.decision)
                                               .order_by(AuditEvent.id))]


@pytest.fixture
def registered(container):
    result = run(container, "U1", "register 北京字节跳动科技有限公司 phone=13800138000")
    assert result.kind == "registered"
    return container


def to_negotiation(c) -> None:
    assert run(c, "U1", f"advance 字节跳动 negotiation {BANT} {DEMO} {PROPOSAL}").kind == "advanced"


def approved_checklist(c) -> None:
    for item in ITEMS:
        assert run(c, "U1", f"checklist 字节跳动 {item} evidence=https://docs.example.com/{item}").ok
    assert run(c, "UMGR", "checklist 字节跳动 approve").ok


class TestFollowUp:
    def test_logs_the_touch_books_next_contact_and_extends_protection(self, registered, db, clock):
        clock.set(NOW + timedelta(days=10))
        result = run(registered, "U1", "followup 字节跳动 channel=电话 outcome=确认预算 next=明天 plan=发方案")
        assert result.ok and result.kind == "followup.logged"
        row = lead(db)
        # Shanghai: 2026-12-03 10:00 local, so tomorrow is 12-04, booked at 09:00 local = 01:00 UTC.
        assert row.next_contact_at.replace(tzinfo=UTC) == datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
        assert row.protected_until.replace(tzinfo=UTC) == NOW + timedelta(days=40)
        assert row.first_touch_at is not None and row.last_activity_at.replace(tzinfo=UTC) == clock.now()

    def test_dates_resolve_in_each_teams_time_zone(self, container, db, clock):
        # 2026-11-23 22:30 UTC: already the 24th in Shanghai, still the 23rd in Berlin.
        clock.set(datetime(2026, 11, 23, 22, 30, tzinfo=UTC))
        run(container, "U1", "register 甲乙科技有限公司")
        run(container, "UEN", "register Acme Robotics GmbH")
        run(container, "U1", "followup 甲乙科技 channel=phone outcome=ok next=tomorrow")
        run(container, "UEN", "followup Acme Robotics channel=phone outcome=ok next=tomorrow")
        with db.engine.connect() as conn:
            nexts = [r.replace(tzinfo=UTC) for (r,) in conn.execute(select(Lead.next_contact_at).order_by(Lead.id))]
        assert nexts == [datetime(2026, 11, 25, 1, 0, tzinfo=UTC),    # 11-25 09:00 Shanghai
                         datetime(2026, 11, 24, 8, 0, tzinfo=UTC)]    # 11-24 09:00 Berlin

    @pytest.mark.parametrize("text, msg", [
        ("followup 字节跳动 channel=电话 outcome=x next=someday", "followup.bad_date"),
        ("followup 字节跳动 channel=电话 outcome=x next=2020-01-01", "followup.date_in_past"),
        ("followup 字节跳动 channel=电话 outcome=x", "usage.missing_next"),
        ("followup 字节跳动 channel=fax outcome=x next=明天", "usage.bad_channel"),
        ("followup 不存在的公司 channel=电话 outcome=x next=明天", "lead.not_found"),
    ])
    def test_bad_follow_ups_are_refused_and_change_nothing(self, registered, db, text, msg):
        result = run(registered, "U1", text)
        assert (result.ok, result.msg) == (False, msg)
        assert lead(db).next_contact_at is None

    def test_only_the_owner_or_their_manager_may_log(self, registered, db):
        assert run(registered, "U2", "followup 字节跳动 channel=电话 outcome=x next=明天").msg == "lead.not_yours"
        assert run(registered, "UMGR", "followup 字节跳动 channel=电话 outcome=x next=明天").ok
        assert ("followup", "lead.not_owner_or_manager", "refused") in audit_rules(db)


class TestAdvance:
    def test_a_refusal_lists_every_missing_criterion_with_its_form(self, registered):
        run(registered, "U1", "advance 字节跳动 discovery")
        result = run(registered, "U1", "advance 字节跳动 demo budget=50万")
        assert (result.ok, result.msg) == (False, "stage.exit_criteria_missing")
        assert [m["field"] for m in result.data["missing"]] == ["decision_maker", "pain_points", "timeline", "kpis"]
        assert result.data["missing"][1]["example"].startswith("pain_points=")
        assert result.params["saved"] == "budget"

    def test_evidence_given_with_a_refused_move_is_kept(self, registered, db):
        run(registered, "U1", "advance 字节跳动 demo budget=50万")
        assert lead(db).criteria == {"budget": "500000"} and lead(db).stage == "lead"
        rest = BANT.replace("budget=50万 ", "")
        assert run(registered, "U1", f"advance 字节跳动 demo {rest}").kind == "advanced"
        assert lead(db).stage == "demo"

    def test_a_jump_must_satisfy_every_stage_on_the_way(self, registered, db):
        result = run(registered, "U1", f"advance 字节跳动 proposal {BANT}")
        assert [m["field"] for m in result.data["missing"]] == ["demo_attendees", "demo_notes"]
        assert run(registered, "U1", f"advance 字节跳动 方案报价 {DEMO}").kind == "advanced"
        with db.engine.connect() as conn:
            change = conn.execute(select(StageChange)).one()
        assert (change.from_stage, change.to_stage, change.rule) == ("lead", "proposal", "stage.jump_all_criteria_met")
        assert change.checked[:2] == ["budget", "decision_maker"] and "demo_notes" in change.checked

    def test_moving_back_needs_a_reason(self, registered, db):
        run(registered, "U1", "advance 字节跳动 discovery")
        assert run(registered, "U1", "advance 字节跳动 lead").msg == "stage.backward_needs_reason"
        assert run(registered, "U1", 'advance 字节跳动 lead reason="客户换了对接人"').ok
        assert lead(db).stage == "lead"

    @pytest.mark.parametrize("text, msg", [
        ("advance 字节跳动 contract", "stage.unknown"),
        ("advance 字节跳动 won", "stage.use_close"),
        ("advance 字节跳动 lead", "stage.same"),
        ("advance 字节跳动 demo vibes=good", "advance.unknown_field"),
        ("advance 字节跳动 demo pain_points=只有一个", "value.too_few"),
        ("advance 字节跳动 demo demo_notes=see-drive", "value.not_a_link"),
        ("advance 字节跳动 demo budget=很多", "value.not_a_number"),
    ])
    def test_bad_moves_say_what_is_wrong(self, registered, db, text, msg):
        result = run(registered, "U1", text)
        assert (result.ok, result.msg) == (False, msg)
        assert lead(db).stage == "lead"

    def test_another_rep_cannot_move_the_lead(self, registered):
        assert run(registered, "U2", "advance 字节跳动 discovery").msg == "lead.not_yours"


class TestChecklistAndClose:
    def test_won_is_refused_until_the_manager_approves_the_complete_list(self, registered, db):
        to_negotiation(registered)
        refusal = run(registered, "U1", "close 字节跳动 won amount=48万")
        assert refusal.msg == "close.checklist_incomplete" and len(refusal.data["missing"]) == 5
        for item in ITEMS:
            run(registered, "U1", f"checklist 字节跳动 {item} evidence=https://docs.example.com/{item}")
        assert run(registered, "U1", "close 字节跳动 won amount=48万").msg == "close.checklist_not_approved"
        assert run(registered, "U1", "checklist 字节跳动 approve").msg == "checklist.owner_cannot_approve"
        assert run(registered, "U2", "checklist 字节跳动 approve").msg == "lead.not_yours"
        assert run(registered, "UMGR", "checklist 字节跳动 approve").msg == "checklist.approved"
        won = run(registered, "U1", "close 字节跳动 won amount=48万")
        assert won.kind == "closed" and won.params["amount"] == "480000"
        row = lead(db)
        assert (row.stage, float(row.amount)) == ("won", 480000.0) and row.closed_at is not None
        with db.engine.connect() as conn:
            targets = [t for (t,) in conn.execute(select(Outbox.target).order_by(Outbox.id))]
        assert targets == ["CSYNC", "UMGR", "U1", "CSYNC"]  # registered, list ready, approved, won

    def test_ticking_needs_an_evidence_link(self, registered):
        assert run(registered, "U1", "checklist 字节跳动 contract").msg == "checklist.evidence_required"
        assert run(registered, "U1", "checklist 字节跳动 contract evidence=微信说了").msg == "value.not_a_link"

    def test_changing_evidence_after_approval_needs_a_new_approval(self, registered, db):
        approved_checklist(registered)
        run(registered, "U1", "checklist 字节跳动 contract evidence=https://docs.example.com/v2")
        assert lead(db).checklist_approved_at is None
        assert run(registered, "U1", "close 字节跳动 won amount=1").msg == "close.checklist_not_approved"

    @pytest.mark.parametrize("text, msg", [
        ("close 字节跳动 lost", "close.reason_required"),
        ("close 字节跳动 lost reason=other", "close.reason_not_in_list"),
        ("close 字节跳动 won", "close.amount_required"),
        ("close 字节跳动 maybe", "usage.bad_outcome"),
    ])
    def test_closing_needs_a_listed_reason_or_an_amount(self, registered, db, text, msg):
        assert run(registered, "U1", text).msg == msg
        assert lead(db).closed_at is None

    def test_lost_with_a_reason_closes_and_asks_for_a_report(self, registered, db):
        result = run(registered, "U1", "丢单 字节跳动 reason=price")
        assert result.kind == "closed" and result.msg == "close.done.lost"
        assert (lead(db).stage, lead(db).close_reason) == ("lost", "price")
        assert run(registered, "U1", "advance 字节跳动 discovery").msg == "stage.closed"
        assert run(registered, "U1", "followup 字节跳动 channel=电话 outcome=x next=明天").msg == "lead.closed"


class TestReport:
    FULL = ('background=华北大客户 turning_points="CTO 拍板" our_moves="两周 PoC" competitor_moves=降价 '
            'tactic="先演示再谈价"')

    def test_a_report_waits_for_the_close_and_needs_every_field(self, registered, db):
        assert run(registered, "U1", f"report 字节跳动 {self.FULL}").msg == "report.not_closed"
        run(registered, "U1", "close 字节跳动 lost reason=competitor")
        assert run(registered, "U1", "report 字节跳动 background=x").msg == "report.missing_fields"
        assert run(registered, "U1", f"战报 字节跳动 {self.FULL}").kind == "report.saved"
        with db.engine.connect() as conn:
            report = conn.execute(select(BattleReport)).one()
        assert report.outcome == "lost" and report.fields["tactic"] == "先演示再谈价"


class TestMineAndHistory:
    def test_mine_shows_today_overdue_and_waiting_approvals(self, container, clock):
        run(container, "U1", "register 甲乙科技有限公司")
        run(container, "U1", "register 丙丁科技有限公司")
        run(container, "U1", "followup 甲乙科技 channel=phone outcome=x next=今天")
        run(container, "U1", "followup 丙丁科技 channel=phone outcome=x next=明天")
        clock.set(NOW + timedelta(days=1))
        sections = run(container, "U1", "mine").data["sections"]
        assert [r["name"] for r in sections["overdue"]] == ["甲乙科技有限公司"]
        assert [r["name"] for r in sections["today"]] == ["丙丁科技有限公司"]

    def test_the_manager_sees_lists_to_approve(self, registered):
        for item in ITEMS:
            run(registered, "U1", f"checklist 字节跳动 {item} evidence=https://docs.example.com/{item}")
        assert [r["name"] for r in run(registered, "UMGR", "mine").data["sections"]["to_approve"]] == [
            "北京字节跳动科技有限公司"]
        assert [r["name"] for r in run(registered, "U1", "mine").data["sections"]["waiting"]] == [
            "北京字节跳动科技有限公司"]

    def test_history_shows_each_step_with_who_and_the_rule(self, registered):
        run(registered, "U1", "advance 字节跳动 discovery")
        run(registered, "U1", "advance 字节跳动 demo")
        run(registered, "U2", "advance 字节跳动 demo")
        events = run(registered, "U1", "history 字节跳动").data["events"]
        assert [(e["actor"], e["action"], e["rule"]) for e in events] == [
            ("张三", "register", "registration.no_match"),
            ("张三", "advance", "stage.forward"),
            ("张三", "advance", "stage.exit_criteria_missing"),
            ("李四", "advance", "lead.not_owner_or_manager"),
        ]
        assert (events[1]["from"], events[1]["to"]) == ("lead", "discovery")

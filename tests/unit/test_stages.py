"""The stage machine, table-driven over the default pipeline."""

from __future__ import annotations

import pytest

from bot.policy import PipelinePolicy, parse_policy
from bot.rules.stages import ValueProblem, decide_advance, decide_close, may_change, parse_value
from tests.conftest import TEST_POLICY

P = PipelinePolicy()
BANT = {"budget": "500000", "decision_maker": "王总", "pain_points": ["a", "b", "c"], "timeline": "Q1",
        "kpis": ["x", "y"]}
DEMO = {"demo_attendees": ["王总"], "demo_notes": "https://d.example.com/1"}


class TestAdvance:
    @pytest.mark.parametrize("current, target, values, allowed, rule, missing", [
        ("lead", "discovery", {}, True, "stage.forward", ()),
        ("discovery", "demo", {}, False, "stage.exit_criteria_missing",
         ("budget", "decision_maker", "pain_points", "timeline", "kpis")),
        ("discovery", "demo", {**BANT, "pain_points": ["a", "b"]}, False, "stage.exit_criteria_missing",
         ("pain_points",)),
        ("discovery", "demo", BANT, True, "stage.forward", ()),
        ("lead", "proposal", BANT, False, "stage.exit_criteria_missing", ("demo_attendees", "demo_notes")),
        ("lead", "proposal", {**BANT, **DEMO}, True, "stage.jump_all_criteria_met", ()),
        ("demo", "demo", {}, False, "stage.same", ()),
        ("demo", "won", {}, False, "stage.use_close", ()),
        ("demo", "contract", {}, False, "stage.unknown", ()),
        ("won", "demo", {}, False, "stage.closed", ()),
    ])
    def test_forward_moves_need_every_criterion_on_the_way(self, current, target, values, allowed, rule, missing):
        decision = decide_advance(current, target, values, P)
        assert (decision.allowed, decision.rule, decision.missing) == (allowed, rule, missing)

    def test_the_checked_criteria_are_reported(self):
        assert decide_advance("lead", "proposal", {**BANT, **DEMO}, P).checked == (
            "budget", "decision_maker", "pain_points", "timeline", "kpis", "demo_attendees", "demo_notes")

    def test_moving_back_needs_a_reason(self):
        assert decide_advance("proposal", "discovery", {}, P).rule == "stage.backward_needs_reason"
        decision = decide_advance("proposal", "discovery", {}, P, reason="预算冻结")
        assert decision.allowed and decision.backward


class TestValues:
    @pytest.mark.parametrize("name, raw, expected", [
        ("pain_points", "排班;对账；数据", ["排班", "对账", "数据"]),
        ("kpis", "人效,周期", ["人效", "周期"]),
        ("budget", "50万", "500000"),
        ("budget", "1,200,000", "1200000"),
        ("quote_amount", "48.5k", "48500"),
        ("demo_notes", "https://docs.example.com/x", "https://docs.example.com/x"),
        ("timeline", " 2027Q1 ", "2027Q1"),
    ])
    def test_values_are_read_by_type(self, name, raw, expected):
        assert parse_value(name, P.fields[name], raw) == expected

    @pytest.mark.parametrize("name, raw, code", [
        ("pain_points", "只有一个", "too_few"), ("demo_notes", "see drive", "not_a_link"),
        ("budget", "很多", "not_a_number"), ("budget", "-5", "not_a_number"), ("timeline", "  ", "empty"),
    ])
    def test_bad_values_say_what_is_wrong(self, name, raw, code):
        with pytest.raises(ValueProblem) as err:
            parse_value(name, P.fields[name], raw)
        assert err.value.code == code


class TestClose:
    ALL = {item.id for item in P.checklist}

    def test_won_needs_every_item_and_the_approval(self):
        assert decide_close("negotiation", "won", None, set(), False, P).missing_items == tuple(
            i.id for i in P.checklist)
        assert decide_close("negotiation", "won", None, self.ALL, False, P).rule == "close.checklist_not_approved"
        assert decide_close("negotiation", "won", None, self.ALL, True, P).allowed

    @pytest.mark.parametrize("outcome, reason, allowed, rule", [
        ("lost", None, False, "close.reason_required"),
        ("lost", "other", False, "close.reason_not_in_list"),
        ("lost", "price", True, "close.lost_with_reason"),
        ("hold", "timing", True, "close.hold_with_reason"),
        ("maybe", "price", False, "close.unknown_outcome"),
    ])
    def test_lost_and_hold_need_a_listed_reason(self, outcome, reason, allowed, rule):
        decision = decide_close("demo", outcome, reason, set(), False, P)
        assert (decision.allowed, decision.rule) == (allowed, rule)


class TestPermission:
    def test_owner_manager_and_director_may_change(self):
        assert may_change(1, "rep", owner_id=1, owner_manager_id=9)
        assert may_change(9, "manager", owner_id=1, owner_manager_id=9)
        assert may_change(7, "director", owner_id=1, owner_manager_id=9)
        assert not may_change(2, "rep", owner_id=1, owner_manager_id=9)
        assert not may_change(8, "manager", owner_id=1, owner_manager_id=9)


class TestPipelineConfig:
    @pytest.mark.parametrize("pipeline, message", [
        ({"exit_criteria": {"contract": ["budget"]}}, "pipeline.exit_criteria.contract: unknown stage"),
        ({"exit_criteria": {"demo": ["vibes"]}}, "unknown field 'vibes'"),
        ({"stages": ["lead", "won"]}, "closing states"),
    ])
    def test_config_check_rejects_unknown_references(self, pipeline, message):
        from bot.policy import PolicyError

        with pytest.raises(PolicyError) as err:
            parse_policy({**TEST_POLICY, "pipeline": pipeline})
        assert message in str(err.value)

"""The stage machine: which moves a lead may make, and exactly what is missing when it may not.

Driven by the pipeline policy (stages in order, exit criteria per stage). Pure: values in, a
decision with its rule and the criteria it checked out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.policy import CriterionField, PipelinePolicy

CLOSED = ("won", "lost", "hold")
_LIST_SPLIT = re.compile(r"[;；,，、\n]+")
_URL = re.compile(r"^https?://\S+\.\S+$", re.IGNORECASE)
_AMOUNT = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万|w|k|千|百万|m)?\s*(元|rmb|cny|usd|eur)?$", re.IGNORECASE)
_MULTIPLIERS = {None: 1, "万": 10_000, "w": 10_000, "k": 1_000, "千": 1_000, "百万": 1_000_000, "m": 1_000_000}


@dataclass(frozen=True)
class ValueProblem(Exception):
    field: str
    code: str          # not_a_link | not_a_number | too_few | empty
    value: str = ""
    need: int = 0


def parse_amount(raw: str) -> Decimal | None:
    m = _AMOUNT.match(raw.strip())
    if not m:
        return None
    try:
        number = Decimal(m[1].replace(",", ""))
    except InvalidOperation:
        return None
    return number * _MULTIPLIERS[(m[2] or "").lower() or None]


def parse_value(name: str, field: CriterionField, raw: str) -> Any:
    """A criterion value as stored (lists split, amounts as numbers), or a ValueProblem."""
    text = raw.strip()
    if not text:
        raise ValueProblem(name, "empty")
    if field.type == "list":
        items = [x.strip() for x in _LIST_SPLIT.split(text) if x.strip()]
        if len(items) < field.min_items:
            raise ValueProblem(name, "too_few", text, field.min_items)
        return items
    if field.type == "link":
        if not _URL.match(text):
            raise ValueProblem(name, "not_a_link", text)
        return text
    if field.type == "amount":
        amount = parse_amount(text)
        if amount is None or amount <= 0:
            raise ValueProblem(name, "not_a_number", text)
        return format(amount.normalize(), "f")
    return text


def is_satisfied(field: CriterionField, value: Any) -> bool:
    if value in (None, "", []):
        return False
    if field.type == "list":
        return isinstance(value, list) and len(value) >= field.min_items
    return True


@dataclass(frozen=True)
class StageDecision:
    allowed: bool
    rule: str
    from_stage: str
    to_stage: str
    checked: tuple[str, ...] = ()     # the criteria fields that were checked
    missing: tuple[str, ...] = ()     # the ones not yet satisfied, in pipeline order
    backward: bool = False


def decide_advance(current: str, target: str, values: dict[str, Any], pipeline: PipelinePolicy,
                   reason: str | None = None) -> StageDecision:
    """Forward moves must satisfy every exit criterion on the way; backward moves need a reason."""
    if current in CLOSED:
        return StageDecision(False, "stage.closed", current, target)
    if target in CLOSED:
        return StageDecision(False, "stage.use_close", current, target)
    if target not in pipeline.stages:
        return StageDecision(False, "stage.unknown", current, target)
    here, there = pipeline.stages.index(current), pipeline.stages.index(target)
    if here == there:
        return StageDecision(False, "stage.same", current, target)
    if there < here:
        if not (reason and reason.strip()):
            return StageDecision(False, "stage.backward_needs_reason", current, target, backward=True)
        return StageDecision(True, "stage.backward_with_reason", current, target, backward=True)
    checked: list[str] = []
    for stage in pipeline.stages[here:there]:
        for name in pipeline.exit_criteria.get(stage, ()):
            if name not in checked:
                checked.append(name)
    missing = tuple(n for n in checked if not is_satisfied(pipeline.fields[n], values.get(n)))
    if missing:
        return StageDecision(False, "stage.exit_criteria_missing", current, target, tuple(checked), missing)
    rule = "stage.forward" if there == here + 1 else "stage.jump_all_criteria_met"
    return StageDecision(True, rule, current, target, tuple(checked))


@dataclass(frozen=True)
class CloseDecision:
    allowed: bool
    rule: str
    outcome: str
    missing_items: tuple[str, ...] = ()


def decide_close(current: str, outcome: str, reason: str | None, ticked: set[str], approved: bool,
                 pipeline: PipelinePolicy) -> CloseDecision:
    """won needs the approved pre-close checklist; lost and hold need a reason from the list."""
    if current in ("won", "lost"):
        return CloseDecision(False, "close.already_closed", outcome)
    if outcome == "won":
        missing = tuple(item.id for item in pipeline.checklist if item.id not in ticked)
        if missing:
            return CloseDecision(False, "close.checklist_incomplete", outcome, missing)
        if not approved:
            return CloseDecision(False, "close.checklist_not_approved", outcome)
        return CloseDecision(True, "close.won_checklist_approved", outcome)
    if outcome not in ("lost", "hold"):
        return CloseDecision(False, "close.unknown_outcome", outcome)
    if not reason:
        return CloseDecision(False, "close.reason_required", outcome)
    if reason not in pipeline.close_reasons:
        return CloseDecision(False, "close.reason_not_in_list", outcome)
    return CloseDecision(True, f"close.{outcome}_with_reason", outcome)


def may_change(actor_member_id: int, actor_role: str, owner_id: int | None, owner_manager_id: int | None) -> bool:
    """Only the owner, the owner's manager, or a director may change a lead."""
    return actor_member_id in (owner_id, owner_manager_id) or actor_role == "director"

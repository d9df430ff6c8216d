"""``python -m bot dedupe eval FILE``: measure duplicate detection on labelled pairs of company names.

Each line of FILE is one JSON object: ``id``, ``registered``, ``query``, ``same`` (true / false / null =
not scored) and optionally ``registered_phone``, ``query_phone``, ``registered_email``, ``query_email``,
``registered_credit_code``, ``query_credit_code``; other keys (``note``) are ignored.

Every pair runs in a fresh in-memory store through the same code path as the ``register`` command:
rep U1 registers ``registered``, then rep U2 registers ``query``. A positive outcome is ``conflict``
or ``possible``; anything else (a new registration, an invalid input) is ``new``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bot.clock import FixedClock
from bot.commands import Register
from bot.messages import Result
from bot.policy import Policy, parse_policy
from bot.service import Actor, Service
from store.db import Database, create_database
from store.models import Base

EVAL_NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
EVAL_POLICY: dict[str, Any] = {
    "default_team": "eval",
    "teams": [{"id": "eval", "name": "Eval", "timezone": "Asia/Shanghai", "locale": "zh-CN",
               "members": [{"user": "U1", "name": "rep-1", "role": "rep"},
                           {"user": "U2", "name": "rep-2", "role": "rep"}]}],
}
POSITIVE = ("conflict", "possible")
_SIDES = ("registered", "query")
_EXTRAS = ("phone", "email", "credit_code")


class PairFileError(Exception):
    """A line of the pairs file that cannot be read; ``str()`` names the line."""


@dataclass(frozen=True)
class Pair:
    id: str
    registered: str
    query: str
    same: bool | None
    registered_extra: dict[str, str]
    query_extra: dict[str, str]


@dataclass(frozen=True)
class PairResult:
    pair: Pair
    outcome: str                    # conflict | possible | new
    reason: str                     # "core 字节跳动", "registered", or the problem's message key
    matched_name: str | None
    invalid: bool = False           # the query (or the registered side) was refused as input
    setup_problem: str | None = None  # the registered side could not be registered

    @property
    def predicted_same(self) -> bool:
        return self.outcome in POSITIVE

    @property
    def correct(self) -> bool | None:
        return None if self.pair.same is None else self.pair.same == self.predicted_same

    def to_json(self) -> dict[str, Any]:
        return {"id": self.pair.id, "outcome": self.outcome, "reason": self.reason,
                "matched_name": self.matched_name}


@dataclass(frozen=True)
class Summary:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def scored(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        """Of the pairs flagged as duplicates, the share that are; 1.0 when nothing was flagged."""
        flagged = self.tp + self.fp
        return self.tp / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        """Of the true duplicates, the share flagged; 1.0 when there are none."""
        actual = self.tp + self.fn
        return self.tp / actual if actual else 1.0

    def to_json(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "tp": self.tp,
                "fp": self.fp, "fn": self.fn, "tn": self.tn, "scored": self.scored}


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PairFileError(f"{where}: {key!r} must be a non-empty string")
    return value


def parse_pair(line: str, where: str) -> Pair:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise PairFileError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise PairFileError(f"{where}: each line must be a JSON object")
    same = obj.get("same")
    if same is not None and not isinstance(same, bool):
        raise PairFileError(f"{where}: 'same' must be true, false or null")
    extras = []
    for side in _SIDES:
        found = {}
        for extra in _EXTRAS:
            value = obj.get(f"{side}_{extra}")
            if value is not None:
                found[extra] = _text(obj, f"{side}_{extra}", where)
        extras.append(found)
    pair_id = obj.get("id")
    if not isinstance(pair_id, str | int) or isinstance(pair_id, bool):
        raise PairFileError(f"{where}: 'id' must be a string or a number")
    return Pair(str(pair_id), _text(obj, "registered", where), _text(obj, "query", where), same,
                extras[0], extras[1])


def load_pairs(path: str | Path) -> list[Pair]:
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PairFileError(f"{p}: cannot read ({exc.strerror})") from None
    pairs = [parse_pair(line, f"{p}:{n}") for n, line in enumerate(lines, 1) if line.strip()]
    seen: set[str] = set()
    for pair in pairs:
        if pair.id in seen:
            raise PairFileError(f"{p}: id {pair.id!r} is used twice")
        seen.add(pair.id)
    return pairs


def _register(service: Service, user: str, name: str, extra: dict[str, str]) -> Result:
    return service.execute(Actor("eval", "console", user), Register(name=name, **extra))


def _outcome(result: Result) -> tuple[str, str, str | None]:
    if result.kind in POSITIVE:
        match = result.matches[0] if result.matches else None
        reason = f"{match.reason} {match.reason_value}".strip() if match else result.msg
        return result.kind, reason, match.name if match else None
    if result.kind == "invalid":
        return "new", result.msg, None
    return "new", str(result.data.get("rule") or result.kind), None


def run_pair(pair: Pair, policy: Policy | None = None, db: Database | None = None) -> PairResult:
    """Register both sides in a fresh in-memory store and classify what the second registration got.

    ``db`` may be an in-memory database shared by a whole run: it is emptied first. (Disposing a
    StaticPool engine drops its one connection, and with it the in-memory database; the engine keeps
    its compiled-statement cache, which is most of the cost of a new engine.)
    """
    own = db is None
    db = db or create_database("sqlite://")
    db.dispose()
    try:
        Base.metadata.create_all(db.engine)  # a throwaway schema; migrations are for real databases
        service = Service(db, policy or parse_policy(EVAL_POLICY, "eval policy"), FixedClock(EVAL_NOW))
        first = _register(service, "U1", pair.registered, pair.registered_extra)
        setup_problem = None if first.ok else first.msg
        result = _register(service, "U2", pair.query, pair.query_extra)
    finally:
        if own:
            db.dispose()
    outcome, reason, matched = _outcome(result)
    return PairResult(pair, outcome, reason, matched, invalid=result.kind == "invalid" or setup_problem is not None,
                      setup_problem=setup_problem)


def summarize(results: Iterable[PairResult]) -> Summary:
    tp = fp = fn = tn = 0
    for r in results:
        if r.pair.same is None:
            continue
        if r.pair.same:
            tp, fn = (tp + 1, fn) if r.predicted_same else (tp, fn + 1)
        else:
            fp, tn = (fp + 1, tn) if r.predicted_same else (fp, tn + 1)
    return Summary(tp, fp, fn, tn)


def evaluate(pairs: Iterable[Pair], policy: Policy | None = None) -> tuple[list[PairResult], Summary]:
    policy = policy or parse_policy(EVAL_POLICY, "eval policy")
    db = create_database("sqlite://")
    try:
        results = [run_pair(pair, policy, db) for pair in pairs]
    finally:
        db.dispose()
    return results, summarize(results)


def _label(r: PairResult) -> str:
    if r.correct is False:
        return "FP" if r.predicted_same else "FN"
    return "INVALID"


def report_text(path: str, results: list[PairResult], summary: Summary, out: IO[str]) -> None:
    print(f"{path}: {len(results)} pairs, {summary.scored} scored", file=out)
    print(f"precision {summary.precision:.4f}  recall {summary.recall:.4f}  "
          f"(tp {summary.tp}, fp {summary.fp}, fn {summary.fn}, tn {summary.tn}; "
          f"positive = {' or '.join(POSITIVE)})", file=out)
    listed = [r for r in results if r.correct is False or r.invalid]
    if not listed:
        return
    print("misclassified (FP, FN) and refused inputs (INVALID, counted as new):", file=out)
    for r in listed:
        expected = {True: "same", False: "different", None: "unscored"}[r.pair.same]
        detail = f"{r.outcome}: {r.reason}" + (f" → {r.matched_name}" if r.matched_name else "")
        if r.setup_problem:
            detail += f" (registered side refused: {r.setup_problem})"
        print(f"  {_label(r):7} {r.pair.id}: {r.pair.registered} | {r.pair.query} "
              f"— expected {expected}, got {detail}", file=out)


def main(path: str, *, as_json: bool = False, out: IO[str] | None = None, known_names: str | None = None) -> int:
    """``known_names``: the list of known names to use instead of the default one ("" for none)."""
    out = out or sys.stdout
    try:
        pairs = load_pairs(path)
    except PairFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    policy = None if known_names is None else parse_policy({**EVAL_POLICY, "identity": {"known_names": known_names}},
                                                           "eval policy")
    results, summary = evaluate(pairs, policy)
    if as_json:
        for r in results:
            print(json.dumps(r.to_json(), ensure_ascii=False), file=out)
        print(json.dumps(summary.to_json()), file=out)
    else:
        report_text(path, results, summary, out)
    return 0

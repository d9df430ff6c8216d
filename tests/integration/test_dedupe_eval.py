"""The labelled pairs in tests/data run through the same code path as ``register``; quality must not drop.

The bars are what the rules reached when they were set (rounded down): raise them when the rules get
better, never lower them to make a change pass.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot import dedupe_eval
from bot.cli import main as cli_main
from bot.policy import parse_policy

# Every pair runs in the evaluation's own in-memory SQLite store, whatever database the suite is given: the
# PostgreSQL pass would run the same code again, so it leaves these out (`make test-pg`, -m "not store_free").
pytestmark = pytest.mark.store_free

PAIRS = Path(__file__).parents[1] / "data" / "dedupe_pairs.jsonl"

MIN_PRECISION = 0.99        # conflict or possible, on pairs labelled same / different
MIN_RECALL = 0.98           # conflict or possible: the typo rule catches most one-character slips
MIN_CONFLICT_RECALL = 0.96  # conflict alone: what exact keys (name, core, credit code, phone, domain) catch


@pytest.fixture(scope="module")
def evaluation() -> tuple[list[dedupe_eval.PairResult], dedupe_eval.Summary]:
    return dedupe_eval.evaluate(dedupe_eval.load_pairs(PAIRS))


def _misses(results: list[dedupe_eval.PairResult]) -> str:
    return "\n".join(f"{r.pair.id}: {r.pair.registered} | {r.pair.query} → {r.outcome} ({r.reason})"
                     for r in results if r.correct is False)


def test_the_labelled_set_is_large_balanced_and_explained():
    pairs = dedupe_eval.load_pairs(PAIRS)
    labels = Counter(p.same for p in pairs)
    assert labels[True] + labels[False] >= 200
    assert 0.4 <= labels[True] / (labels[True] + labels[False]) <= 0.6
    notes = [json.loads(line).get("note") for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    assert all(notes), "every pair names the rule it covers"


def test_precision_and_recall_stay_above_the_bar(evaluation):
    results, summary = evaluation
    assert summary.precision >= MIN_PRECISION, _misses(results)
    assert summary.recall >= MIN_RECALL, _misses(results)
    conflicts = dedupe_eval.summarize(
        [r for r in results if r.outcome != "possible"]
        + [dedupe_eval.PairResult(r.pair, "new", r.reason, None) for r in results if r.outcome == "possible"])
    assert conflicts.recall >= MIN_CONFLICT_RECALL, _misses(results)


def test_no_possible_duplicate_is_a_different_company(evaluation):
    results, _ = evaluation
    wrong = [r for r in results if r.outcome == "possible" and r.pair.same is False]
    assert not wrong, _misses(wrong)


def test_each_pair_gets_a_fresh_store():
    pair = dedupe_eval.Pair("p", "北京字节跳动科技有限公司", "字节跳动", True, {}, {})
    results, summary = dedupe_eval.evaluate([pair, pair, pair])
    assert [r.outcome for r in results] == ["conflict"] * 3
    assert all(r.setup_problem is None for r in results)  # rep U1 never finds the client already there
    assert (summary.tp, summary.scored) == (3, 3)


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


ROWS = [
    {"id": "a", "registered": "北京字节跳动科技有限公司", "query": "字节跳动", "same": True, "note": "short name"},
    {"id": "b", "registered": "招商银行", "query": "招商证券", "same": False, "note": "sector"},
    {"id": "c", "registered": "小米科技", "query": "网络科技有限公司", "same": False, "note": "generic"},
    {"id": "d", "registered": "甲骨文", "query": "Oracle", "same": None, "note": "alias"},
    {"id": "e", "registered": "华为技术有限公司", "query": "Huawei", "same": True,
     "registered_phone": "0755-2878 0808", "query_phone": "+86 755 28780808", "note": "phone"},
]


def test_json_output_is_one_object_per_pair_then_a_summary(tmp_path, capsys):
    assert cli_main(["dedupe", "eval", str(_write(tmp_path, ROWS)), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(ROWS) + 1
    for line, row in zip(lines, ROWS, strict=False):
        assert set(line) == {"id", "outcome", "reason", "matched_name"} and line["id"] == row["id"]
        assert line["outcome"] in ("conflict", "possible", "new")
    by_id = {line["id"]: line for line in lines[:-1]}
    assert by_id["a"] == {"id": "a", "outcome": "conflict", "reason": "core 字节跳动",
                          "matched_name": "北京字节跳动科技有限公司"}
    assert by_id["c"]["outcome"] == "new" and by_id["c"]["reason"] == "problem.name_generic"
    assert by_id["e"]["reason"] == "phone +8675528780808"
    assert lines[-1] == {"precision": 1.0, "recall": 1.0, "tp": 2, "fp": 0, "fn": 0, "tn": 2, "scored": 4}


def test_text_output_names_the_misclassified_and_refused_pairs(tmp_path, capsys):
    rows = [*ROWS, {"id": "f", "registered": "中国银行", "query": "中国建设银行", "same": True}]
    assert cli_main(["dedupe", "eval", str(_write(tmp_path, rows))]) == 0
    out = capsys.readouterr().out
    assert "precision 1.0000  recall 0.6667" in out
    assert "FN      f: 中国银行 | 中国建设银行" in out
    assert "INVALID c: 小米科技 | 网络科技有限公司" in out and "problem.name_generic" in out
    assert " a: " not in out


@pytest.mark.parametrize(("content", "message"), [
    ('{"id": "a", "registered": "甲", "query": "乙", "same": "yes"}\n', "'same' must be true, false or null"),
    ('{"id": "a", "registered": "", "query": "乙", "same": true}\n', "'registered' must be a non-empty string"),
    ("not json\n", "not JSON"),
    ('{"id": "a", "registered": "甲", "query": "乙", "same": true}\n' * 2, "id 'a' is used twice"),
])
def test_a_bad_file_is_refused_with_the_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    assert cli_main(["dedupe", "eval", str(path)]) == 2
    assert message in capsys.readouterr().err


# Batches written apart from the rules (tests/data/heldout/README.md): precision must hold. With the list
# of known names (identity.known_names) and with the name rules alone: the batches are mostly well-known
# companies, so the list finds most of what needs knowledge (Meta / Facebook, 美团 / 北京三快在线), and the
# rules alone must not slip while it covers for them.
HELDOUT_BARS = {  # batch: (precision, recall) with the list, (precision, recall) without it
    "batch_a.jsonl": ((0.99, 0.96), (0.97, 0.82)),
    "batch_b.jsonl": ((1.0, 0.92), (0.98, 0.82)),
    "batch_c.jsonl": ((0.98, 0.97), (0.97, 0.79)),
    "batch_d.jsonl": ((0.98, 0.96), (0.98, 0.82)),
    "batch_e.jsonl": ((0.98, 0.98), (0.95, 0.82)),
    "batch_f.jsonl": ((0.97, 0.93), (0.94, 0.80)),
    "batch_g.jsonl": ((0.97, 0.94), (0.95, 0.62)),  # its held-out run (untuned): P 0.936, R 0.927
    "batch_h.jsonl": ((0.93, 0.98), (0.87, 0.77)),  # its held-out run (untuned): P 0.914, R 0.873
    "batch_i.jsonl": ((0.96, 0.92), (0.90, 0.79)),  # its held-out run (untuned): P 0.950, R 0.864
    "batch_j.jsonl": ((0.97, 0.93), (0.94, 0.81)),  # its held-out run (untuned): P 0.926, R 0.901
    "batch_k.jsonl": ((0.96, 0.95), (0.92, 0.78)),  # its held-out run (untuned): P 0.889, R 0.945
}
NO_LIST = parse_policy({**dedupe_eval.EVAL_POLICY, "identity": {"known_names": ""}}, "eval policy")


@pytest.mark.parametrize("with_list", [True, False], ids=["known_names", "rules_alone"])
@pytest.mark.parametrize("name", sorted(HELDOUT_BARS))
def test_batches_written_apart_from_the_rules_keep_their_quality(name, with_list):
    results, summary = dedupe_eval.evaluate(dedupe_eval.load_pairs(PAIRS.parent / "heldout" / name),
                                            None if with_list else NO_LIST)
    min_precision, min_recall = HELDOUT_BARS[name][0 if with_list else 1]
    assert summary.precision >= min_precision, _misses(results)
    assert summary.recall >= min_recall, _misses(results)

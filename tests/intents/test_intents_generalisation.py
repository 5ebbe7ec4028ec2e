"""Generalisation guards: accuracy floors on hand-written held-out sets the training never reads, a check that
the training data does not near-copy the shared dev set, and that train.jsonl is rebuilt from the templates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from intents.data.build_train import build
from intents.evaluate import cli_main, load_rows
from intents.offline import DATA

HERE = Path(__file__).parent / "data"
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "nlu" / "dev.jsonl"
_TOKEN = re.compile(r"\w+")


def _eval(capsys, name: str) -> dict:
    assert cli_main([str(HERE / f"{name}.jsonl"), "--customers", str(HERE / f"{name}-customers.json"), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_hard_heldout_floor(capsys):
    """539 lines written from scratch: typos, abbreviations, domains/tenant ids, negations, OOS look-alikes, zh-TW.
    Floors sit a little under the targets (0.97 / 0.93 / 0.90) so a real regression fails, noise does not."""
    out = _eval(capsys, "heldout_hard")
    assert out["n"] >= 500
    assert out["intent_accuracy"] >= 0.955
    assert out["slot_f1"] >= 0.93
    assert out["oos_precision"] >= 0.88 and out["oos_recall"] >= 0.88
    assert out["p99_ms"] <= 25  # the 5 ms target is measured by nlu-eval on a quiet machine; CI may be loaded


def test_fresh_heldout_floor(capsys):
    """A second, smaller set written after tuning and scored once before any fix; a wider margin for its size."""
    out = _eval(capsys, "heldout_fresh")
    assert out["n"] >= 150
    assert out["intent_accuracy"] >= 0.93
    assert out["slot_f1"] >= 0.93
    assert out["oos_precision"] >= 0.85 and out["oos_recall"] >= 0.85


def test_every_intent_in_the_hard_set():
    rows = load_rows(HERE / "heldout_hard.jsonl")
    from intents.contract import load_intents

    # The hard set was written before the contract's 14 additions of 2026-12 (the last 14 ids); newer held-out
    # sets cover those.
    assert set(list(load_intents())[:126]) <= {r["intent"] for r in rows}
    assert sum(1 for r in rows if re.search(r"[\u4e00-\u9fff]", r["text"])) >= 55


@pytest.mark.skipif(not DEV.exists(), reason="shared/nlu/dev.jsonl not available")
def test_training_data_does_not_copy_the_dev_set():
    """dev.jsonl is for measuring only: no training line may be a near duplicate of a dev line by the shared
    validator's rule (token-set Jaccard > 0.8). One- and two-word commands ("help", "never mind") are exempt."""
    dev = [(frozenset(_TOKEN.findall(r["text"].lower())), r["text"]) for r in load_rows(DEV)]
    copies = []
    for row in load_rows(DATA / "train.jsonl"):
        a = frozenset(_TOKEN.findall(row["text"].lower()))
        if len(a) <= 2:
            continue
        copies += [(row["text"], text) for b, text in dev if len(a & b) / len(a | b) > 0.8]
    assert copies == []


def test_train_file_is_built_from_the_templates():
    """Edit the templates, then run `python -m intents.data.build_train`: this keeps the two in step."""
    built = [json.dumps(r, ensure_ascii=False) for r in build()]
    committed = (DATA / "train.jsonl").read_text(encoding="utf-8").splitlines()
    assert built == committed

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


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _split_2026_12(tmp_path: Path) -> dict[str, Path]:
    rows = load_rows(HERE / "heldout_2026_12.jsonl")
    paths = {}
    for name, keep in (("en", lambda t: not _CJK.search(t)), ("zh", lambda t: bool(_CJK.search(t)))):
        paths[name] = tmp_path / f"{name}.jsonl"
        paths[name].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if keep(r["text"])),
                               encoding="utf-8")
    return paths


def test_2026_12_heldout_floor(capsys, tmp_path):
    """Issue 18's set: 416 en + 84 zh-TW lines written before the recognizer was changed, scored, never tuned on.
    No question may reach a change or purchase; other floors sit a little under the figures reached so that a
    real regression fails (the issue's targets: 0.95 / 0.92 intent accuracy, 0.93 / 0.90 slot F1, 0.93 OOS)."""
    customers = str(HERE / "heldout_2026_12-customers.json")
    out = {}
    for name, path in _split_2026_12(tmp_path).items():
        assert cli_main([str(path), "--customers", customers, "--json"]) == 0
        out[name] = json.loads(capsys.readouterr().out)
    assert out["en"]["n"] >= 400 and out["zh"]["n"] >= 80
    # the target is 0 for both; zh-TW stands at 0 or 1 depending on the training draw: an out-of-scope errand
    # (gold `none`, not a question) taken for a change, which the broad count includes
    assert out["en"]["questions_to_change"] == 0 and out["zh"]["questions_to_change"] <= 1
    assert out["en"]["intent_accuracy"] >= 0.93 and out["zh"]["intent_accuracy"] >= 0.90
    assert out["en"]["slot_f1"] >= 0.93 and out["zh"]["slot_f1"] >= 0.90
    assert out["en"]["oos_precision"] >= 0.9 and out["en"]["oos_recall"] >= 0.93
    assert out["zh"]["oos_recall"] >= 0.9


def test_every_intent_in_the_2026_12_set():
    from intents.contract import load_intents

    rows = load_rows(HERE / "heldout_2026_12.jsonl")
    assert set(load_intents()) <= {r["intent"] for r in rows}


def _shingles(text: str) -> frozenset[str]:
    """Words, and character pairs inside CJK runs (a Chinese sentence is one \\w+ run)."""
    out = set()
    for word in _TOKEN.findall(text.lower()):
        if _CJK.search(word):
            out.update(word[i:i + 2] for i in range(len(word) - 1))
        else:
            out.add(word)
    return frozenset(out)


def test_training_data_does_not_copy_the_2026_12_heldout_set():
    """The held-out set stays held out: no training line is a near duplicate of one of its lines (token-set
    Jaccard > 0.8, CJK compared by character pairs)."""
    held = [(_shingles(r["text"]), r["text"]) for r in load_rows(HERE / "heldout_2026_12.jsonl")]
    copies = []
    for row in load_rows(DATA / "train.jsonl"):
        a = _shingles(row["text"])
        if len(a) <= 2:
            continue
        copies += [(row["text"], text) for b, text in held if len(a & b) / len(a | b) > 0.8]
    assert copies == []


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

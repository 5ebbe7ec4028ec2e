"""`partnerbot nlu-eval DATA.jsonl [--customers DIR.json] [--json]`: accuracy, slot F1, OOS and latency.

Slot F1 is micro-averaged over (slot, value) pairs compared after lower-casing and trimming white space and
punctuation, as DESIGN.md "Contracts" specifies. Latency is measured around each `recognize` call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import string
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from intents.customers import CustomerDirectory
from intents.recognizer import NONE_INTENT, RecognitionContext, Recognizer

_TRIM = string.whitespace + string.punctuation


def normalise_value(value: str) -> str:
    return " ".join(str(value).lower().strip(_TRIM).split())


def load_rows(path: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


async def evaluate(recognizer: Recognizer, rows: Iterable[dict[str, Any]],
                   customers: CustomerDirectory | None = None) -> dict[str, Any]:
    """Run every row through the recognizer and compute the metrics (plus per-row errors for reports)."""
    rows = list(rows)
    context = RecognitionContext(customers=customers)
    if rows:  # warm-up: the first call may build the model; that is start-up cost, not per-message latency
        await recognizer.recognize(rows[0]["text"], context)
    correct = tp = fp = fn = 0
    none_tp = none_fp = none_fn = 0
    latencies: list[float] = []
    confusion: Counter[tuple[str, str]] = Counter()
    errors: list[dict[str, Any]] = []
    for row in rows:
        start = time.perf_counter()
        result = await recognizer.recognize(row["text"], context)
        latencies.append((time.perf_counter() - start) * 1000)
        gold_intent, pred_intent = row["intent"], result.intent
        if gold_intent == pred_intent:
            correct += 1
        else:
            confusion[(gold_intent, pred_intent)] += 1
        if pred_intent == NONE_INTENT and gold_intent == NONE_INTENT:
            none_tp += 1
        elif pred_intent == NONE_INTENT:
            none_fp += 1
        elif gold_intent == NONE_INTENT:
            none_fn += 1
        gold = {(k, normalise_value(v)) for k, v in row.get("slots", {}).items()}
        pred = {(k, normalise_value(v)) for k, v in result.slots.items()}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        if gold != pred or gold_intent != pred_intent:
            errors.append({"text": row["text"], "gold": gold_intent, "pred": pred_intent,
                           "missing": sorted(gold - pred), "extra": sorted(pred - gold)})
    n = len(rows)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "n": n,
        "intent_accuracy": round(correct / n, 4) if n else 0.0,
        "slot_precision": round(precision, 4),
        "slot_recall": round(recall, 4),
        "slot_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "oos_precision": round(none_tp / (none_tp + none_fp), 4) if none_tp + none_fp else 1.0,
        "oos_recall": round(none_tp / (none_tp + none_fn), 4) if none_tp + none_fn else 1.0,
        "p50_ms": round(_percentile(latencies, 0.50), 3),
        "p99_ms": round(_percentile(latencies, 0.99), 3),
        "max_ms": round(max(latencies), 3) if latencies else 0.0,
        "confusions": [{"gold": g, "pred": p, "count": c} for (g, p), c in confusion.most_common()],
        "_errors": errors,
    }


def _report(metrics: dict[str, Any], verbose: bool) -> str:
    lines = [
        f"n={metrics['n']}  intent accuracy {metrics['intent_accuracy']:.1%}  slot F1 {metrics['slot_f1']:.1%} "
        f"(P {metrics['slot_precision']:.1%} R {metrics['slot_recall']:.1%})",
        f"out-of-scope (none): precision {metrics['oos_precision']:.1%}  recall {metrics['oos_recall']:.1%}",
        f"latency: p50 {metrics['p50_ms']:.2f} ms  p99 {metrics['p99_ms']:.2f} ms  max {metrics['max_ms']:.2f} ms",
    ]
    if metrics["confusions"]:
        lines.append("most frequent confusions (gold -> predicted):")
        lines += [f"  {c['count']:3d}  {c['gold']} -> {c['pred']}" for c in metrics["confusions"][:15]]
    if verbose:
        lines.append("errors:")
        for e in metrics["_errors"]:
            lines.append(f"  {e['text']!r}: {e['gold']} -> {e['pred']}  missing {e['missing']}  extra {e['extra']}")
    return "\n".join(lines)


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="partnerbot nlu-eval", description=__doc__.splitlines()[0])
    parser.add_argument("data", help="JSONL file with {text, intent, slots} lines")
    parser.add_argument("--customers", help="customer directory JSON [{companyName, domain}]")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--errors", action="store_true", help="list every misrecognised line")
    args = parser.parse_args(argv)
    from intents.offline import OfflineRecognizer

    try:
        rows = load_rows(args.data)
        directory = CustomerDirectory.from_json(args.customers) if args.customers else None
    except (OSError, ValueError) as exc:
        print(f"nlu-eval: cannot read input: {exc}", file=sys.stderr)
        return 2
    metrics = asyncio.run(evaluate(OfflineRecognizer(), rows, directory))
    if args.json:
        out = {k: v for k, v in metrics.items() if not k.startswith("_")}
        if args.errors:
            out["errors"] = metrics["_errors"]
        print(json.dumps(out))
    else:
        print(_report(metrics, args.errors))
    return 0


if __name__ == "__main__":
    sys.exit(cli_main(sys.argv[1:]))

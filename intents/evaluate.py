"""`partnerbot nlu-eval DATA.jsonl [--customers DIR.json] [--recognizer offline|llm|chain] [--json]`.

Intent accuracy, slot F1, out-of-scope precision/recall, questions routed to a change or purchase, latency.
Slot F1 is micro-averaged over (slot, value) pairs compared after lower-casing and trimming white space and
punctuation, as DESIGN.md "Contracts" specifies. Latency is measured around each `recognize` call.
"Questions routed to a change or purchase" counts lines whose gold intent is a read (or `none`) that the
recognizer answered with an intent of kind change or purchase: asked about something, offered to do it.
`--recognizer llm` scores the OpenAI-compatible endpoint configured like the bot (PARTNERBOT_LLM, OPENAI_BASE_URL,
OPENAI_API_KEY, OPENAI_MODEL or the Azure variables; `--llm-base-url`/`--llm-model` override), with one tool per
contract intent; `chain` is that endpoint first with the offline recognizer as fallback, as the bot runs it.
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

from intents.contract import load_intents
from intents.customers import CustomerDirectory
from intents.recognizer import NONE_INTENT, RecognitionContext, Recognizer, RecognizerResult

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
    kinds = {i: spec.kind for i, spec in load_intents().items()}
    correct = tp = fp = fn = 0
    questions = questions_to_change = 0
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
        if kinds.get(gold_intent, "read") == "read":
            questions += 1
            if kinds.get(pred_intent) in ("change", "purchase"):
                questions_to_change += 1
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
        "questions_to_change": questions_to_change,
        "questions_to_change_rate": round(questions_to_change / questions, 4) if questions else 0.0,
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
        f"questions routed to a change or purchase: {metrics['questions_to_change']} "
        f"({metrics['questions_to_change_rate']:.1%} of lines whose gold intent is a read or none)",
        f"latency: p50 {metrics['p50_ms']:.2f} ms  p99 {metrics['p99_ms']:.2f} ms  max {metrics['max_ms']:.2f} ms",
    ]
    if "llm_unavailable" in metrics:
        lines.append(f"LLM answers unusable (error, timeout or no tool call; counted as none): "
                     f"{metrics['llm_unavailable']}")
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
    parser.add_argument("--recognizer", choices=("offline", "llm", "chain"), default="offline",
                        help="offline (default); llm: the configured OpenAI-compatible endpoint alone; chain: llm "
                             "first, offline fallback")
    parser.add_argument("--llm-base-url", help="OpenAI-compatible base URL (overrides OPENAI_BASE_URL)")
    parser.add_argument("--llm-model", help="model or deployment name (overrides OPENAI_MODEL)")
    args = parser.parse_args(argv)

    try:
        rows = load_rows(args.data)
        directory = CustomerDirectory.from_json(args.customers) if args.customers else None
    except (OSError, ValueError) as exc:
        print(f"nlu-eval: cannot read input: {exc}", file=sys.stderr)
        return 2
    try:
        recognizer, llm = _build(args)
    except ValueError as exc:  # LlmConfigError: names the missing variable, never a key
        print(f"nlu-eval: {exc}", file=sys.stderr)
        return 2
    metrics = asyncio.run(_run(recognizer, llm, rows, directory))
    if args.json:
        out = {k: v for k, v in metrics.items() if not k.startswith("_")}
        if args.errors:
            out["errors"] = metrics["_errors"]
        print(json.dumps(out))
    else:
        print(_report(metrics, args.errors))
    return 0


class _CountingLlm:
    """The LLM recognizer alone: an unusable answer (error, timeout, no tool call) counts as `none`."""

    def __init__(self, llm: Any):
        self.llm = llm
        self.unavailable = 0

    async def recognize(self, text: str, context: RecognitionContext) -> RecognizerResult:
        from intents.llm import LlmUnavailable

        try:
            return await self.llm.recognize(text, context)
        except LlmUnavailable:
            self.unavailable += 1
            return RecognizerResult(NONE_INTENT, 0.0, {})


def contract_tools() -> list[Any]:
    """One tool per contract intent, parameters = its slots (quantity an integer), for scoring an endpoint."""
    from intents.llm_tools import ToolSpec

    tools = []
    for spec in load_intents().values():
        properties = {slot: ({"type": "integer", "minimum": 0} if slot == "quantity" else {"type": "string"})
                      for slot in spec.slots}
        tools.append(ToolSpec.for_intent(spec.id, spec.summary, {"type": "object", "properties": properties,
                                                                  "additionalProperties": False}))
    return tools


def _build(args: argparse.Namespace) -> tuple[Recognizer, _CountingLlm | None]:
    from intents.offline import OfflineRecognizer

    if args.recognizer == "offline":
        return OfflineRecognizer(), None
    import dataclasses
    import os

    from intents.chain import FallbackRecognizer
    from intents.llm import LlmRecognizer
    from intents.llm_client import LlmConfig

    env = dict(os.environ)
    if args.llm_base_url:
        env.setdefault("PARTNERBOT_LLM", "openai")
        env["OPENAI_BASE_URL"] = args.llm_base_url
    config = LlmConfig.from_env(env)
    if not config.enabled:
        raise ValueError("--recognizer llm needs an endpoint: set PARTNERBOT_LLM (openai|azure) and its "
                         "variables, or pass --llm-base-url")
    if args.llm_model:
        config = dataclasses.replace(config, model=args.llm_model)
    llm = _CountingLlm(LlmRecognizer(config.client_factory(), contract_tools(), model=config.model,
                                     timeout_s=config.timeout_s, temperature=config.temperature))
    if args.recognizer == "llm":
        return llm, llm
    return FallbackRecognizer([llm.llm, OfflineRecognizer()], timeout_s=config.timeout_s + 5), None


async def _run(recognizer: Recognizer, llm: _CountingLlm | None, rows: list[dict[str, Any]],
               directory: CustomerDirectory | None) -> dict[str, Any]:
    try:
        metrics = await evaluate(recognizer, rows, directory)
    finally:
        inner = getattr(recognizer, "llm", None)
        if inner is not None:
            await inner.aclose()
    if llm is not None:
        metrics["llm_unavailable"] = llm.unavailable
    return metrics


if __name__ == "__main__":
    sys.exit(cli_main(sys.argv[1:]))

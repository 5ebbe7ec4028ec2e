"""`partnerbot bench recognizer`: the offline recognizer's time per character from 100 to 28,000 characters (the
longest Teams message), for plain requests and for the shapes that were quadratic before issue 11, with a
baseline in the same run.

Per length and shape, best of N runs (in-process, after warm-up):
- `uncapped`: `OfflineRecognizer(max_chars=None)` reading the whole message — the work per character, which must
  stay flat (linear time); the quadratic patterns grew ~10x per doubling here.
- `served`: the recognizer as the bot runs it (reads the first 2,000 characters): time per message, which must
  stay under 200 ms for the longest message.
- `baseline`: `tokenize(clean_text(text))`, one linear pass over the same text, as a yardstick for the machine's
  speed in this run (a busy machine slows both alike).
- `old domain pattern`: the single pattern `[\\w.-]+\\.[a-z]{2,}\\b` intents/customers.py used before, on "a.a.a..."
  of the same length: what quadratic looks like on this machine.
"""

from __future__ import annotations

import re
import time
from typing import Any

from intents.customers import CustomerDirectory
from intents.offline import MAX_UNDERSTOOD_CHARS, OfflineRecognizer
from intents.recognizer import RecognitionContext
from intents.text import clean_text, tokenize

LENGTHS = (100, 1_000, 4_000, 12_000, 28_000)
SHAPES = {
    "request": "show the invoices for Contoso Ltd for last month, and add 5 seats to their E3 please ",
    "hostile": "a.a.a. show contoso a@b.co \t\t  , 12345 aaaa. ",
}
OLD_DOMAIN = re.compile(r"[\w.-]+\.[a-z]{2,}\b", re.I)
DIRECTORY = [{"companyName": n, "domain": d} for n, d in (
    ("Contoso Ltd", "contoso.onmicrosoft.com"), ("Fabrikam", "fabrikam.onmicrosoft.com"),
    ("Northwind Traders", "northwind.onmicrosoft.com"), ("Wingtip Toys", "wingtiptoys.onmicrosoft.com"))]


def _text(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _best(fn: Any, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_recognizer(lengths: tuple[int, ...] = LENGTHS, runs: int = 3) -> dict[str, Any]:
    served, uncapped = OfflineRecognizer(), OfflineRecognizer(max_chars=None)
    served.warm_up()
    uncapped.warm_up()
    context = RecognitionContext(customers=CustomerDirectory.from_records(DIRECTORY))
    served.recognize_sync("warm up contoso", context)
    rows = []
    for shape, unit in SHAPES.items():
        for n in lengths:
            text = _text(unit, n)
            whole = _best(lambda t=text: uncapped.recognize_sync(t, context), runs)
            capped = _best(lambda t=text: served.recognize_sync(t, context), runs)
            base = _best(lambda t=text: tokenize(clean_text(t)), runs)
            dots = _text("a.", n)  # the run without a domain ending that made the old pattern rescan
            quadratic = shape == "hostile" and n <= 12_000  # 28,000 would take a minute
            old = _best(lambda t=dots: list(OLD_DOMAIN.finditer(t)), 1) if quadratic else float("nan")
            rows.append({"shape": shape, "chars": n, "uncapped_us_per_char": round(whole / n * 1e6, 2),
                         "served_ms": round(capped * 1000, 2), "baseline_us_per_char": round(base / n * 1e6, 3),
                         "old_domain_pattern_ms": None if old != old else round(old * 1000, 2)})
    flat = {}
    for shape in SHAPES:
        per_char = [r["uncapped_us_per_char"] for r in rows if r["shape"] == shape]
        flat[shape] = round(max(per_char[1:]) / min(per_char[1:]), 2) if len(per_char) > 2 else None
    longest = max(lengths)
    return {"lengths": list(lengths), "runs": runs, "understood_chars": MAX_UNDERSTOOD_CHARS, "rows": rows,
            "per_char_spread_from_1000": flat,
            "served_ms_at_longest": max(r["served_ms"] for r in rows if r["chars"] == longest)}


def table(result: dict[str, Any]) -> str:
    lines = [f"recognizer time by message length (best of {result['runs']}; served = first "
             f"{result['understood_chars']:,} characters read)", "",
             f"{'shape':<8} {'chars':>7} {'uncapped µs/char':>17} {'served ms':>10} {'baseline µs/char':>17} "
             f"{'old pattern ms':>15}"]
    for r in result["rows"]:
        lines.append(f"{r['shape']:<8} {r['chars']:>7,} {r['uncapped_us_per_char']:>17.2f} {r['served_ms']:>10.2f} "
                     f"{r['baseline_us_per_char']:>17.3f} {_ms(r['old_domain_pattern_ms']):>15}")
    spread = ", ".join(f"{k} {v}x" for k, v in result["per_char_spread_from_1000"].items())
    lines += ["", f"uncapped µs/char, max/min from 1,000 characters up: {spread} (1.0 = perfectly flat)",
              f"served, longest message: {result['served_ms_at_longest']:.1f} ms (target < 200 ms)"]
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"

"""Recognition cost at 10,000 directory customers, many sharing first words ("Blue ...", "Maple ..."): the
target is p99 <= 10 ms per message. Each line's best of five runs is taken, so a loaded CI machine measures the
recognizer's own CPU time rather than the scheduler."""

from __future__ import annotations

import random
import time
from pathlib import Path

from intents.customers import CustomerDirectory
from intents.evaluate import load_rows
from intents.recognizer import RecognitionContext

HERE = Path(__file__).parent / "data"
_A = ("North South East West Blue Green Red Silver Golden Oak Pine Cedar Maple River Lake Harbor Summit Valley "
      "Stone Iron").split()
_B = ("Dental Bakery Logistics Hotels Clinic Legal Motors Farms Studio Labs Analytics Foods Builders Travel Media "
      "Tools Partners Systems Consulting Academy").split()
_C = "Ltd Group Co Inc LLC GmbH AG Services Holdings".split()


def big_directory(base: list[dict], size: int = 10_000) -> CustomerDirectory:
    rng = random.Random(7)
    rows, names = list(base), {r["companyName"] for r in base}
    while len(rows) < size:
        name = (f"{rng.choice(_A)} {rng.choice(_A)}{rng.choice(['', 'wood', 'field', 'view', 'side'])} "
                f"{rng.choice(_B)} {rng.choice(_C)}")
        if name not in names:
            names.add(name)
            rows.append({"companyName": name, "domain": name.lower().replace(" ", "") + ".onmicrosoft.com"})
    return CustomerDirectory.from_records(rows)


def test_p99_at_ten_thousand_customers(recognizer):
    import json

    base = json.loads((HERE / "heldout_2026_12-customers.json").read_text(encoding="utf-8"))
    context = RecognitionContext(customers=big_directory(base))
    rows = load_rows(HERE / "heldout_hard.jsonl")[::3]
    recognizer.recognize_sync("hello", context)  # prepares the directory once, as the bot does at load
    costs = []
    for row in rows:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            recognizer.recognize_sync(row["text"], context)
            best = min(best, (time.perf_counter() - start) * 1000)
        costs.append(best)
    costs.sort()
    assert costs[int(0.99 * (len(costs) - 1))] <= 10.0

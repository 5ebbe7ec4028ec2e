"""Small statistics for latency samples (no numpy: the bench must run wherever the bot runs)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks; NaN for no samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: Sequence[float], wall_s: float | None = None) -> dict[str, float | int | None]:
    """p50/p90/p99/max in milliseconds, the number of turns and, given the wall time, turns per second."""
    ms = [s * 1000.0 for s in seconds]
    out: dict[str, float | int | None] = {
        "turns": len(ms),
        "p50_ms": _r(percentile(ms, 50)),
        "p90_ms": _r(percentile(ms, 90)),
        "p99_ms": _r(percentile(ms, 99)),
        "max_ms": _r(max(ms)) if ms else None,
    }
    if wall_s is not None:
        out["wall_s"] = _r(wall_s, 3)
        out["turns_per_s"] = _r(len(ms) / wall_s) if wall_s > 0 else None
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or math.isnan(a) or math.isnan(b):
        return None
    return _r(a / b, 2)


def _r(value: float, digits: int = 1) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)

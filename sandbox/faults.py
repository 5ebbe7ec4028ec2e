"""Fault injection (latency, random 429/5xx, dropped responses after a mutation, per-tenant rate limit).

Deterministic: one `random.Random(seed)` drives every random decision, re-seeded whenever the settings change.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque

from sandbox.config import FaultSettings


class FaultInjector:
    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self._windows: dict[str, deque[float]] = {}

    def update(self, **changes: object) -> FaultSettings:
        for name, value in changes.items():
            setattr(self.settings, name, value)
        self.rng = random.Random(self.settings.seed)
        self._windows.clear()
        return self.settings

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def rate_limited(self, tenant: str, now: float | None = None) -> int | None:
        """Sliding 60 s window per tenant; returns Retry-After seconds when the request is over the limit."""
        limit = self.settings.rate_limit_per_min
        if limit <= 0:
            return None
        now = time.monotonic() if now is None else now
        window = self._windows.setdefault(tenant, deque())
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= limit:
            return max(1, math.ceil(window[0] + 60.0 - now))
        window.append(now)
        return None

    def should_drop(self) -> bool:
        if self.settings.drop_next_mutations > 0:
            self.settings.drop_next_mutations -= 1
            return True
        return self.roll(self.settings.drop_after_mutation_rate)

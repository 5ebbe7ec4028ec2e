"""The client's single retry policy (api.md §4, §21).

Retried: 429 (waiting `Retry-After`), 408, 500/502/503/504 and transport failures (jittered exponential backoff).
Never retried: every other status, notably 400/401/403/404/409/412/417 — those are answers, not accidents.
Retries of one logical call reuse its MS-RequestId, so a retried POST cannot create a second order.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
NEVER_RETRIED = frozenset({400, 401, 403, 404, 409, 412, 417})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one logical call tries.

    max_attempts: total HTTP attempts including the first (1 disables retries).
    base_delay / max_delay: exponential backoff `base * 2**(n-1)`, capped, with "equal jitter" (50-100 %).
    total_budget: the most seconds one call may spend waiting between attempts (backoff + Retry-After);
        a wait that would exceed it ends the call with the last error instead.
    max_retry_after: a server-requested wait longer than this is not honoured; the error is raised instead.
    sleep / random: injectable so tests are fast and deterministic.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    total_budget: float = 120.0
    max_retry_after: float = 90.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False, compare=False)
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.total_budget < 0:
            raise ValueError("delays and budget must not be negative")

    @classmethod
    def no_retries(cls) -> RetryPolicy:
        return cls(max_attempts=1)

    def is_retryable_status(self, status: int) -> bool:
        return status in RETRYABLE_STATUSES

    def backoff(self, retry_number: int) -> float:
        """Delay before retry number `retry_number` (1 = first retry) when the server gave no Retry-After."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return ceiling / 2 + (ceiling / 2) * self.random()

    def delay_for(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None when the server's wait is too long to honour."""
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return retry_after
        return self.backoff(retry_number)

"""Client-side throttle: stay under N requests per minute per partner tenant (api.md §4: 500/min).

A sliding-window log gives a hard guarantee — never more than N request starts in any window — which a token
bucket with burst N does not (it allows up to 2N across a window boundary). N timestamps is little memory.
One limiter is shared by every call (and every retry) of a client; pass the same instance to several clients
that act for the same partner tenant.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class RateLimiter:
    def __init__(
        self,
        max_requests: int = 500,
        per_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if max_requests < 1 or per_seconds <= 0:
            raise ValueError("max_requests must be >= 1 and per_seconds > 0")
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"RateLimiter(max_requests={self.max_requests}, per_seconds={self.per_seconds})"

    async def acquire(self) -> float:
        """Wait for a free slot, record it, and return how long this caller waited (seconds)."""
        waited = 0.0
        async with self._lock:  # FIFO: waiters are served in arrival order
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.per_seconds:
                    self._starts.popleft()
                if len(self._starts) < self.max_requests:
                    self._starts.append(now)
                    return waited
                pause = self._starts[0] + self.per_seconds - now
                waited += pause
                await self._sleep(pause)

    def wait_for_room(self, free: int) -> float:
        """Seconds until at least `free` more starts fit in the window (0.0 when they already do). Takes no
        slot and no lock: a background caller (a fan-out) waits with it *outside* the FIFO, so people's calls
        queued behind it are never held up by a wait that is only there to leave them room."""
        now = self._clock()
        while self._starts and now - self._starts[0] >= self.per_seconds:
            self._starts.popleft()
        excess = len(self._starts) + free - self.max_requests
        if excess <= 0:
            return 0.0
        if excess > len(self._starts):  # asks for more than the window holds: never
            raise ValueError("free must not exceed max_requests")
        return max(0.0, self._starts[excess - 1] + self.per_seconds - now)

    @property
    def in_window(self) -> int:
        now = self._clock()
        return sum(1 for start in self._starts if now - start < self.per_seconds)

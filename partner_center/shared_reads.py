"""Identical reads coalesced, and read results shared between users for a short, documented freshness window.

Fifty people asking "show Contoso's subscriptions" within a few seconds need one Partner Center call, not fifty:
under the client's rate limit every extra call is another turn's wait. Inside a `sharing()` block (the engine
opens one for read operations only), a GET whose path, query and headers equal one already in flight awaits that
call instead of sending its own, and a GET answered less than `window` seconds ago (PARTNERBOT_READ_SHARE_SECONDS,
default 10; 0 turns sharing off) is answered from that result. Outside the block — every change, its preview and
confirmation, purchases, approvals' checkouts, job polls — reads always go to Partner Center. Any successful
change through the same client clears what is shared, so this process never shows its own change as not done;
another instance's change can take up to the window to show.

Each consumer gets its own parsed copy of the body (nothing shared is mutable).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

DEFAULT_WINDOW = 10.0
MAX_ENTRIES = 2000

_SHARING: ContextVar[bool] = ContextVar("partnerbot_shared_reads", default=False)


@contextmanager
def sharing(enabled: bool = True) -> Iterator[None]:
    """Reads inside the block may be coalesced and answered from the shared window."""
    token = _SHARING.set(enabled)
    try:
        yield
    finally:
        _SHARING.reset(token)


def active() -> bool:
    return _SHARING.get()


@dataclass
class Stats:
    sent: int = 0  # reads that went to Partner Center through the sharing path
    coalesced: int = 0  # waited for an identical read in flight
    shared: int = 0  # answered from a result younger than the window


class SharedReads:
    def __init__(self, window: float = DEFAULT_WINDOW, *, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.max_entries = max_entries
        self._clock = clock
        self._done: OrderedDict[tuple, tuple[float, Any, str]] = OrderedDict()  # key -> (when, response, body)
        self._inflight: dict[tuple, asyncio.Future] = {}
        self._generation = 0
        self.stats = Stats()

    @staticmethod
    def key(path: str, params: Mapping[str, Any] | None, headers: Mapping[str, str] | None) -> tuple:
        return (path, tuple(sorted((k, str(v)) for k, v in (params or {}).items())),
                tuple(sorted((k.lower(), str(v)) for k, v in (headers or {}).items())))

    def invalidate(self) -> None:
        """A change went through: nothing read before it is shared any more."""
        self._generation += 1
        self._done.clear()

    async def get(self, key: tuple, fetch: Callable[[], Awaitable[Any]]) -> Any:
        now = self._clock()
        hit = self._done.get(key)
        if hit is not None and now - hit[0] < self.window:
            self.stats.shared += 1
            return _copy(hit[1], hit[2])
        waiting = self._inflight.get(key)
        if waiting is not None:
            self.stats.coalesced += 1
            response, body = await asyncio.shield(waiting)
            return _copy(response, body)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        generation = self._generation
        try:
            self.stats.sent += 1
            response = await fetch()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a read nobody else waited for must not log "never retrieved"
            raise
        finally:
            self._inflight.pop(key, None)
        body = json.dumps(response.body)
        future.set_result((response, body))
        if generation == self._generation and self.window > 0:  # no change went through while it was read
            self._done[key] = (self._clock(), response, body)
            self._done.move_to_end(key)
            while len(self._done) > self.max_entries:
                self._done.popitem(last=False)
        return response


def _copy(response: Any, body: str) -> Any:
    return replace(response, body=json.loads(body))

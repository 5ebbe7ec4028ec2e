"""Partner-wide questions ("which customers have suspended subscriptions?") answered by scanning customers.

Partner Center has no partner-wide subscription query, so a scan asks every customer in turn. It is bounded
three times: at most `concurrency` calls in flight; call starts paced evenly at the client's rate limit, never
faster; and never more than `share` of the client's sliding window (the last minute's budget) in use, so people's
turns always find a free slot. Pacing matters because the limiter is a sliding window: an unpaced scan would
spend the whole minute's budget in one burst and every chat turn of every other user would then wait for the
window to clear. With `share=0.9` a long scan settles at 90 % of the rate and leaves a tenth of every minute to
people; a scan shorter than that (1,000 calls at 6,000/min) runs at the full rate, close to the fastest time the
limit allows (calls / rate). Without a client limiter (only `rate_per_minute` given) the pace is `share` of it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from partner_center import errors

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Evenly spaced call starts. The n-th start is due at `first + n * interval`, so sleep overshoot does not
    accumulate; a pacer that fell behind may catch up by at most `burst` starts at once."""

    def __init__(self, per_minute: float, *, burst: int = 4, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.interval = 60.0 / per_minute
        self._burst = max(1, burst)
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    async def wait(self) -> None:
        now = self._clock()
        if self._next is None or self._next < now - self._burst * self.interval:
            self._next = now
        slot = self._next
        self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)


@dataclass(frozen=True)
class CustomerHit:
    """A customer with at least one subscription in a wanted status, and those subscriptions."""

    customer_id: str
    customer_name: str
    subscriptions: tuple[dict[str, Any], ...]


@dataclass
class ScanResult:
    hits: list[CustomerHit] = field(default_factory=list)
    customers_scanned: int = 0
    calls: int = 0  # logical Partner Center calls started (customer pages + subscription pages)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (customer id or "customers", error class)
    elapsed_s: float = 0.0
    rate_per_minute: float | None = None  # the pace of call starts (None = only the concurrency bound)

    @property
    def complete(self) -> bool:
        """Every customer was asked successfully: an empty `hits` then really means "none"."""
        return not self.failures


def client_rate_per_minute(client: Any) -> float | None:
    """The request rate the client's own limiter allows, per minute (None without a limiter)."""
    limiter = getattr(client, "rate_limiter", None)
    if limiter is None:
        return None
    return limiter.max_requests * 60.0 / limiter.per_seconds


async def scan_subscriptions(
    client: Any,
    statuses: Iterable[str] = ("suspended",),
    *,
    customers: Iterable[Any] | None = None,
    limit: int | None = None,
    concurrency: int = 8,
    rate_per_minute: float | None = None,
    share: float = 0.9,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    keep: Callable[[Any], bool] | None = None,
    row: Callable[[Any], dict[str, Any]] | None = None,
) -> ScanResult:
    """Customers having subscriptions in `statuses`, scanning `customers` (objects with `id`/`company_name`)
    or, when None, the partner's customer list (first `limit`). Paced at the client limiter's rate, holding at
    most `share` of its window; with an explicit `rate_per_minute` instead, paced at `share` of that. A customer
    whose call fails is reported in `failures`, not raised. `keep` (a predicate on a subscription) replaces the
    status filter and `row` the default row, for scans by other criteria (renewal dates, scheduled changes)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    wanted = {str(s).lower() for s in statuses}
    limiter = getattr(client, "rate_limiter", None) if rate_per_minute is None else None
    rate = rate_per_minute if rate_per_minute is not None else client_rate_per_minute(client)
    # With the client's limiter the share is kept as room in its window (people's calls take it first);
    # without one, only the pace can leave people their share.
    pace = rate if limiter is not None else (rate * share if rate else None)
    keep_free = min(math.ceil(limiter.max_requests * (1 - share)), limiter.max_requests - 1) if limiter else 0
    pacer = Pacer(pace, clock=clock, sleep=sleep) if pace else None
    result = ScanResult(rate_per_minute=pace)
    started = clock()
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=concurrency * 2)
    done = object()

    async def call(fetch: Callable[[], Awaitable[Any]]) -> Any:
        if pacer is not None:
            await pacer.wait()
        if keep_free:
            while (delay := limiter.wait_for_room(keep_free + 1)) > 0:
                await sleep(delay)
        result.calls += 1
        return await fetch()

    async def produce() -> None:
        try:
            if customers is not None:
                for index, customer in enumerate(customers):
                    if limit is not None and index >= limit:
                        break
                    await queue.put(customer)
                return
            pager = client.customers.list()
            page = await call(pager.first_page)
            sent = 0
            while page is not None:
                for customer in page.items:
                    if limit is not None and sent >= limit:
                        return
                    await queue.put(customer)
                    sent += 1
                if not page.has_more or (limit is not None and sent >= limit):
                    return
                page = await call(lambda current=page: pager.next_page(current))
        except errors.PartnerCenterError as exc:
            result.failures.append(("customers", type(exc).__name__))
        finally:
            for _ in range(concurrency):
                await queue.put(done)

    async def work() -> None:
        while (customer := await queue.get()) is not done:
            try:
                subs = await _subscriptions(client, customer.id, call)
            except errors.PartnerCenterError as exc:
                result.failures.append((customer.id, type(exc).__name__))
                continue
            finally:
                result.customers_scanned += 1
            wants = keep or (lambda s: str(s.status).lower() in wanted)
            matching = tuple((row or _subscription_row)(s) for s in subs if wants(s))
            if matching:
                name = customer.company_name or customer.domain or customer.id
                result.hits.append(CustomerHit(customer.id, name, matching))

    async with asyncio.TaskGroup() as group:
        group.create_task(produce())
        for _ in range(concurrency):
            group.create_task(work())
    result.hits.sort(key=lambda hit: (hit.customer_name.lower(), hit.customer_id))
    result.elapsed_s = clock() - started
    return result


async def _subscriptions(client: Any, customer_id: str, call: Callable[..., Awaitable[Any]]) -> list[Any]:
    """Every subscription of one customer, each page being one paced call."""
    pager = client.subscriptions.list(customer_id)
    page = await call(pager.first_page)
    items = list(page.items)
    while page.has_more:
        page = await call(lambda current=page: pager.next_page(current))
        if page is None:
            break
        items.extend(page.items)
    return items


def _subscription_row(sub: Any) -> dict[str, Any]:
    return {"id": sub.id, "name": sub.friendly_name or sub.offer_name or sub.id, "status": str(sub.status),
            "quantity": sub.quantity}

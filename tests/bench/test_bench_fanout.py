"""dialogs.fanout.scan_subscriptions against the sandbox over real HTTP (tiny sizes, no timing asserted)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from dialogs.fanout import client_rate_per_minute, scan_subscriptions
from partner_center import PartnerCenterClient, RateLimiter
from partner_center.auth import StaticTokenProvider
from sandbox.config import SandboxConfig
from sandbox.server import start_sandbox


@pytest.fixture
async def client():
    running = await start_sandbox(SandboxConfig(port=0, customers=30, seed=5))
    pc = PartnerCenterClient(running.url, StaticTokenProvider("sandbox-dev-token"), rate_limit_per_minute=60_000)
    try:
        yield pc
    finally:
        await pc.close()
        await running.stop()


async def _expected(pc: PartnerCenterClient, statuses: set[str], limit: int) -> dict[str, int]:
    out = {}
    for customer in await pc.customers.list().to_list(limit):
        subs = await pc.subscriptions.list(customer.id).to_list()
        hits = [s for s in subs if str(s.status) in statuses]
        if hits:
            out[customer.id] = len(hits)
    return out


async def test_scan_finds_the_same_customers_as_asking_one_by_one(client):
    result = await scan_subscriptions(client, ["suspended", "expired"], limit=20, concurrency=4)
    expected = await _expected(client, {"suspended", "expired"}, 20)
    assert expected  # the seed has suspended subscriptions among the first 20 customers
    assert {h.customer_id: len(h.subscriptions) for h in result.hits} == expected
    assert result.complete and result.customers_scanned == 20
    assert result.calls == 1 + 20  # one customer page, one subscription list per customer
    assert result.rate_per_minute == pytest.approx(60_000)  # the client's rate; the share is kept in its window
    names = [h.customer_name.lower() for h in result.hits]
    assert names == sorted(names)


async def test_scan_of_given_customers_uses_no_listing(client):
    customers = await client.customers.list().to_list(5)
    result = await scan_subscriptions(client, ["active"], customers=customers, concurrency=2, rate_per_minute=6000)
    assert result.calls == 5 and result.customers_scanned == 5
    assert result.rate_per_minute == pytest.approx(5400)


async def test_a_failing_customer_is_reported_and_the_rest_scanned(client):
    customers = await client.customers.list().to_list(6)
    ghost = SimpleNamespace(id="00000000-0000-4000-8000-0000000000ff", company_name="Ghost", domain="")
    result = await scan_subscriptions(client, ["active"], customers=[*customers[:3], ghost, *customers[3:]])
    assert result.customers_scanned == 7
    assert [f[0] for f in result.failures] == [ghost.id] and not result.complete
    assert len(result.hits) <= 6


def test_rate_comes_from_the_client_limiter():
    pc = PartnerCenterClient("http://127.0.0.1:9", StaticTokenProvider("x"), rate_limit_per_minute=500)
    assert client_rate_per_minute(pc) == pytest.approx(500)
    assert client_rate_per_minute(SimpleNamespace(rate_limiter=None)) is None


async def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        await scan_subscriptions(SimpleNamespace(rate_limiter=None), concurrency=0)
    with pytest.raises(ValueError):
        await scan_subscriptions(SimpleNamespace(rate_limiter=None), share=1.5)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def _client_with_limiter(clock: _Clock, limiter: RateLimiter, starts: list[float]) -> SimpleNamespace:
    """Subscription lists that take a limiter slot per call, as the pipeline does, and record when."""

    async def first_page():
        await limiter.acquire()
        starts.append(clock.now)
        return SimpleNamespace(items=[], has_more=False)

    pager = SimpleNamespace(first_page=first_page)
    return SimpleNamespace(rate_limiter=limiter, subscriptions=SimpleNamespace(list=lambda cid: pager))


async def test_scan_runs_at_the_full_rate_but_holds_at_most_its_share_of_the_window():
    clock = _Clock()
    limiter = RateLimiter(20, 60.0, clock=clock, sleep=clock.sleep)  # one call per 3 s on average
    starts: list[float] = []
    client = _client_with_limiter(clock, limiter, starts)
    customers = [SimpleNamespace(id=f"c{i}", company_name=f"C{i}", domain="") for i in range(25)]
    result = await scan_subscriptions(client, customers=customers, concurrency=1, share=0.5, clock=clock,
                                      sleep=clock.sleep)
    assert result.customers_scanned == 25 and result.rate_per_minute == pytest.approx(20)
    assert starts[:10] == pytest.approx([3.0 * i for i in range(10)])  # the full pace while the window has room
    for start in starts:  # never more than half the window: the other half stays free for people's calls
        assert sum(1 for s in starts if start - 60.0 < s <= start) <= 10
    assert starts[10] == pytest.approx(60.0)  # waited for the first call to leave the window


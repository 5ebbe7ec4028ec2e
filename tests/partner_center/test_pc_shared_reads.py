"""Reads shared between users (partner_center/shared_reads.py), against a real sandbox over HTTP: identical
concurrent reads coalesce into one call, a read within the freshness window is answered without a call, every
caller gets its own copy, reads outside `sharing()` and right after a change always go to Partner Center."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from partner_center import PartnerCenterClient, shared_reads
from partner_center.auth import StaticTokenProvider
from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_sandbox

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")


@pytest.fixture
async def pc() -> AsyncIterator[tuple[PartnerCenterClient, list[str]]]:
    sandbox: RunningSandbox = await start_sandbox(SandboxConfig(port=0, customers=8, seed=5))
    client = PartnerCenterClient(sandbox.url, StaticTokenProvider("sandbox-dev-token"), shared_read_window=30)
    sent: list[str] = []
    pipeline = client._pipeline
    real = pipeline._request

    async def counting(method: str, path: str, **kwargs):  # the calls that really went to the sandbox
        sent.append(f"{method} {path}")
        return await real(method, path, **kwargs)

    pipeline._request = counting  # type: ignore[method-assign]
    try:
        yield client, sent
    finally:
        await client.close()
        await sandbox.stop()


async def test_concurrent_identical_reads_make_one_call_and_get_own_copies(pc):
    client, sent = pc
    first = (await client.customers.list().to_list())[0]
    sent.clear()
    with shared_reads.sharing():
        results = await asyncio.gather(*(client.subscriptions.list(first.id).to_list() for _ in range(20)))
    assert len(sent) == 1, sent
    assert all([s.id for s in r] == [s.id for s in results[0]] for r in results)
    results[0][0].raw["friendlyName"] = "mutated by one caller"
    assert results[1][0].raw["friendlyName"] != "mutated by one caller"
    stats = client._pipeline.shared_reads.stats
    assert stats.coalesced + stats.shared == 19


async def test_window_outside_sharing_and_after_a_change(pc):
    client, sent = pc
    customer = (await client.customers.list().to_list())[0]
    subs = await client.subscriptions.list(customer.id).to_list()
    sent.clear()
    with shared_reads.sharing():
        await client.subscriptions.get(customer.id, subs[0].id)
        await client.subscriptions.get(customer.id, subs[0].id)  # within the window: no call
    assert len(sent) == 1
    await client.subscriptions.get(customer.id, subs[0].id)  # outside sharing (a change's read): always sent
    assert len(sent) == 2
    await client.subscriptions.rename(customer.id, subs[0].id, "Shared reads test")
    sent.clear()
    with shared_reads.sharing():
        after = await client.subscriptions.get(customer.id, subs[0].id)
    assert len(sent) == 1 and after.friendly_name == "Shared reads test", "a change clears what is shared"

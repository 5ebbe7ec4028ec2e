"""Partner Center calls per chat turn, counted at the HTTP transport: the numbers the benchmarks depend on.

The real engine (recognizer, registry, resolver) against a seeded sandbox. A read whose customer name is exactly
one directory customer's makes no search call; a change always searches; the confirmation card reuses the
subscription listed in the same turn; the confirmed change is one GET (for its etag) and one PATCH.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest

from bench.hosts import TOKEN, CountingTransport
from bench.turns import pick_targets
from bot.config import Settings
from bot.wiring import build_engine
from dialogs.directory import DirectoryCache
from dialogs.fresh import recent_subscription, remember_subscriptions, turn_scope
from dialogs.turn import Turn, User
from partner_center import PartnerCenterClient
from partner_center.auth import StaticTokenProvider
from sandbox.config import SandboxConfig
from sandbox.server import start_sandbox

USER = User("perf-user", "Perf User")


@pytest.fixture
async def bot() -> AsyncIterator[SimpleNamespace]:
    sandbox = await start_sandbox(SandboxConfig(port=0, customers=40, seed=42))
    transport = CountingTransport()
    client = PartnerCenterClient(sandbox.url, StaticTokenProvider(TOKEN), rate_limit_per_minute=None,
                                 transport=transport)
    try:
        engine = build_engine(Settings(storage_kind="memory", partner_center_url=sandbox.url,
                                       partner_center_dev_token=TOKEN), client=client)
        await engine.directory.refresh()
        lookups, changes = await pick_targets(sandbox.url, 1)
        yield SimpleNamespace(engine=engine, transport=transport, target=changes[0], state={})
    finally:
        await client.close()
        await sandbox.stop()


async def _turn(bot: SimpleNamespace, text: str) -> tuple[str, list[tuple[str, str]]]:
    before = len(bot.transport.calls)
    replies = await bot.engine.on_turn(Turn(USER, "a:perf", text=text), bot.state)
    calls = [(method, path) for method, path, *_ in bot.transport.calls[before:]]
    return " ".join(str(r.text or "") + str(r.card or "") for r in replies), calls


def _is_search(call: tuple[str, str]) -> bool:
    return call == ("GET", "/v1/customers")


async def test_a_read_takes_an_exact_directory_name_without_a_search(bot):
    screen, calls = await _turn(bot, f"show subscriptions for {bot.target.name}")
    assert bot.target.name in screen
    assert len(calls) == 1 and calls[0][0] == "GET" and calls[0][1].endswith("/subscriptions")


async def test_a_change_searches_and_its_confirmation_reuses_the_listed_subscription(bot):
    screen, calls = await _turn(bot, f"add 1 seat to {bot.target.name}'s {bot.target.offer}")
    assert bot.target.offer in screen
    assert [c[0] for c in calls] == ["GET", "GET"] and _is_search(calls[0]) and calls[1][1].endswith("/subscriptions")
    screen, calls = await _turn(bot, "yes")
    assert [c[0] for c in calls] == ["GET", "PATCH"] and calls[0][1] == calls[1][1]


async def test_remembered_reads_live_only_inside_a_turn_scope():
    sub = SimpleNamespace(id="s1")
    remember_subscriptions("c1", [sub])  # no scope: nothing is kept
    assert recent_subscription("c1", "s1") is None
    with turn_scope():
        remember_subscriptions("c1", [sub])
        assert recent_subscription("c1", "s1") is sub and recent_subscription("c2", "s1") is None
    assert recent_subscription("c1", "s1") is None


def _customer(cid: str, name: str, domain: str = "") -> SimpleNamespace:
    return SimpleNamespace(id=cid, company_name=name, domain=domain, tenant_id=None)


class _Lister:
    def __init__(self, customers: list[SimpleNamespace]) -> None:
        self.customers = SimpleNamespace(list=lambda: SimpleNamespace(to_list=self._to_list))
        self._rows = customers

    async def _to_list(self, limit: int) -> list[SimpleNamespace]:
        return self._rows[:limit]


async def test_exact_customer_only_answers_what_the_search_would_pick_without_doubt():
    rows = [_customer("c1", "Contoso Ltd", "contoso.com"), _customer("c2", "Northwind Traders"),
            _customer("c3", "Northwind Traders Inc."), _customer("c4", "Fabrikam"), _customer("c5", "Fabrikam")]
    cache = DirectoryCache(_Lister(rows))
    assert cache.exact_customer("contoso") is None  # not loaded yet
    await cache.refresh()
    assert cache.exact_customer("contoso ltd")["id"] == "c1"
    assert cache.exact_customer("contoso ltd.") is None  # no name starts with it: the search finds nothing either
    assert cache.exact_customer("  CONTOSO ") == {"id": "c1", "name": "Contoso Ltd", "domain": "contoso.com"}
    assert cache.exact_customer("Northwind Traders") is None  # two customers of that name
    assert cache.exact_customer("Northwind Traders Inc")["id"] == "c3"
    assert cache.exact_customer("Fabrikam") is None  # duplicates
    assert cache.exact_customer("Contos") is None  # a prefix only: the search decides
    assert cache.exact_customer("contoso.com") is None  # domains and ids: the search decides
    assert cache.exact_customer("Adatum") is None
    cache._loaded_at = time.monotonic() - 901  # older than max_age
    assert cache.exact_customer("contoso") is None


async def test_a_directory_cut_at_its_limit_is_not_used_for_names():
    cache = DirectoryCache(_Lister([_customer("c1", "Contoso"), _customer("c2", "Contoso")]), limit=1)
    await cache.refresh()
    assert cache.directory is not None and cache.exact_customer("Contoso") is None

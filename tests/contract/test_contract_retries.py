"""Retries against injected sandbox faults: 429 (honouring Retry-After) and 503 are retried with the SAME
MS-RequestId — the sandbox echoes the id it saw on every attempt — while mutations whose response was dropped
after the sandbox applied them are answered from its idempotency store instead of being applied twice."""

from __future__ import annotations

import uuid

import pytest
from contract_helpers import (
    FastSleep,
    RecordingTransport,
    audit_total,
    customer_named,
    make_client,
    new_customer_body,
    set_faults,
    state,
)

from partner_center import errors
from sandbox.config import SandboxConfig
from sandbox.server import start_sandbox


def _heal_after(sandbox, sleeper: FastSleep, retries: int) -> None:
    """Turn every fault off just before retry number `retries` (deterministic 'fails N times, then works')."""
    async def hook(count: int) -> None:
        if count == retries:
            await set_faults(sandbox, rate429=0.0, rate5xx=0.0, rateLimitPerMin=0)
    sleeper.hook = hook


def _same_id_everywhere(attempts) -> str:
    ids = {a.sent_request_id for a in attempts} | {a.echoed_request_id for a in attempts if a.status is not None}
    assert len(ids) == 1 and None not in ids, ids
    return ids.pop()


async def test_injected_429_is_retried_after_retry_after_with_the_same_request_id(pc, sandbox, wire, sleeper):
    cust = await customer_named(pc, "Fabrikam Inc")
    await set_faults(sandbox, rate429=1.0)
    _heal_after(sandbox, sleeper, 1)
    wire.clear()
    got = await pc.customers.get(cust.id)
    assert got.id == cust.id
    assert [a.status for a in wire.log] == [429, 200]
    _same_id_everywhere(wire.log)
    assert sleeper.delays == [1.0]  # the sandbox's Retry-After: 1


async def test_injected_503_on_a_mutation_is_retried_with_the_same_request_id(pc, sandbox, wire, sleeper):
    audits = audit_total(sandbox)
    await set_faults(sandbox, rate5xx=1.0)
    _heal_after(sandbox, sleeper, 2)
    wire.clear()
    rid = str(uuid.uuid4())
    created = await pc.customers.create(new_customer_body("retrycreate"), request_id=rid)
    assert [a.status for a in wire.log] == [503, 503, 201]
    assert _same_id_everywhere(wire.log) == rid
    assert len(sleeper.delays) == 2 and sleeper.delays[0] < sleeper.delays[1]  # exponential backoff
    assert audit_total(sandbox) == audits + 1
    assert (await pc.customers.get(created.id)).domain == "retrycreate.onmicrosoft.com"


async def test_retry_inside_seek_paging_keeps_the_continuation_token(pc, sandbox, wire, sleeper):
    pager = pc.customers.list(size=10)
    first = await pager.first_page()
    await set_faults(sandbox, rate429=1.0)
    _heal_after(sandbox, sleeper, 1)
    wire.clear()
    second = await pager.next_page(first)
    assert second is not None and len(second.items) == 10
    assert [a.status for a in wire.log] == [429, 200]
    _same_id_everywhere(wire.log)
    tokens = {a.sent_headers["ms-continuationtoken"] for a in wire.log}
    assert tokens == {first.continuation_token}
    assert not {c.id for c in first.items} & {c.id for c in second.items}


async def test_persistent_503_ends_as_server_error_after_max_attempts(pc, sandbox, wire, sleeper):
    await set_faults(sandbox, rate5xx=1.0)
    wire.clear()
    with pytest.raises(errors.ServerError) as caught:
        await pc.subscriptions.list(_any_customer(sandbox)).to_list()
    err = caught.value
    assert err.status == 503 and err.code is None and "temporarily unavailable" in err.description
    assert len(wire.log) == 4 and all(a.status == 503 for a in wire.log)
    assert err.request_id == _same_id_everywhere(wire.log)
    assert err.correlation_id == pc.correlation_id and len(sleeper.delays) == 3


async def test_rate_limit_window_gives_throttled_error_with_retry_after(sandbox, wire, sleeper):
    await set_faults(sandbox, rateLimitPerMin=2)
    async with make_client(sandbox, wire, sleeper, max_attempts=1) as once:
        await once.catalog.list_products().to_list()
        await once.catalog.list_offers().to_list()
        with pytest.raises(errors.ThrottledError) as caught:
            await once.invoices.get_balance()
    err = caught.value
    assert err.status == 429 and 1 <= err.retry_after <= 60 and "Rate limit is exceeded" in err.description
    assert "seconds" in err.plain()
    # the customer-scoped budget is separate from the partner-wide one (api.md §4)
    async with make_client(sandbox, wire, sleeper, max_attempts=1) as once:
        assert (await once.subscriptions.list(_any_customer(sandbox)).to_list())


async def test_rate_limited_call_succeeds_once_the_window_frees(pc, sandbox, wire, sleeper):
    await set_faults(sandbox, rateLimitPerMin=1)
    await pc.catalog.list_products().to_list()
    _heal_after(sandbox, sleeper, 1)
    wire.clear()
    assert await pc.catalog.list_offers().to_list()
    assert [a.status for a in wire.log] == [429, 200] and sleeper.delays[0] >= 1
    _same_id_everywhere(wire.log)


DROPPED = [
    ("customers.create", lambda pc, ids: pc.customers.create(new_customer_body("dropped"), request_id=ids["rid"])),
    ("users.create", lambda pc, ids: pc.users.create(ids["cid"], {
        "userPrincipalName": f"dropped@{ids['domain']}", "displayName": "Dropped", "usageLocation": "US",
        "passwordProfile": {"password": "Tr1cky-Passw0rd!"}}, request_id=ids["rid"])),
    ("service_requests.create", lambda pc, ids: pc.service_requests.create({
        "title": "Dropped", "description": "d", "severity": "minimal", "supportTopicId": "32444671"},
        request_id=ids["rid"])),
    ("subscriptions.set_quantity", lambda pc, ids: pc.subscriptions.set_quantity(ids["cid"], ids["sid"], 11,
                                                                               request_id=ids["rid"])),
    ("users.delete", lambda pc, ids: pc.users.delete(ids["cid"], ids["uid"], request_id=ids["rid"])),
]


@pytest.mark.parametrize("call", [d[1] for d in DROPPED], ids=[d[0] for d in DROPPED])
async def test_dropped_mutation_response_is_retried_and_applied_once(pc, sandbox, wire, sleeper, call):
    cust = await customer_named(pc, "Contoso Ltd")
    subs = await pc.subscriptions.list(cust.id).to_list()
    users = await pc.users.list(cust.id).to_list()
    ids = {"rid": str(uuid.uuid4()), "cid": cust.id, "domain": cust.domain, "uid": users[-1].id,
           "sid": next(s.id for s in subs if s.offer_name == "Microsoft Teams Essentials")}
    audits = audit_total(sandbox)
    await set_faults(sandbox, dropNextMutations=1)
    wire.clear()
    await call(pc, ids)
    mutation = [a for a in wire.log if a.method != "GET"]
    assert [a.status for a in mutation][0] is None and mutation[-1].status in (200, 201, 204)
    assert len(mutation) == 2 and mutation[-1].replayed
    assert _same_id_everywhere(mutation) == ids["rid"]
    assert audit_total(sandbox) == audits + 1, "the mutation must be applied exactly once"


async def test_no_sandbox_listening_is_service_unreachable():
    running = await start_sandbox(SandboxConfig(port=0, customers=0))
    await running.stop()
    wire, sleeper = RecordingTransport(), FastSleep()
    async with make_client(running, wire, sleeper, max_attempts=3) as pc:
        with pytest.raises(errors.ServiceUnreachableError) as caught:
            await pc.customers.create(new_customer_body("nobody"), request_id="rid-unreachable")
    assert caught.value.request_id == "rid-unreachable" and caught.value.plain()
    assert [a.sent_request_id for a in wire.log] == ["rid-unreachable"] * 3 and len(sleeper.delays) == 2


def _any_customer(sandbox) -> str:
    return state(sandbox).store.list("customer", "", limit=1)[0].body["id"]

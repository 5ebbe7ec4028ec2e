"""Fault injection (429, 5xx, latency, rate limit, dropped responses), determinism, persistence, reset."""

from __future__ import annotations

import time

import httpx
import pytest
from sandbox_helpers import AUTH, customer_by_name, new_customer_body, subscriptions_of

from sandbox.config import FaultSettings, SandboxConfig
from sandbox.server import start_sandbox


async def test_injected_429_has_retry_after_and_shape_c(client: httpx.AsyncClient) -> None:
    await client.post("/_sandbox/faults", json={"rate429": 1.0})
    r = await client.get("/v1/customers?size=1")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert set(r.json()) == {"statusCode", "message"} and r.json()["statusCode"] == 429
    await client.post("/_sandbox/faults", json={"rate429": 0})
    assert (await client.get("/v1/customers?size=1")).status_code == 200


async def test_injected_5xx_changes_nothing(client: httpx.AsyncClient) -> None:
    await client.post("/_sandbox/faults", json={"rate5xx": 1.0})
    r = await client.post("/v1/customers", json=new_customer_body("faulty5xx"))
    assert r.status_code == 503 and r.json()["statusCode"] == 503
    await client.post("/_sandbox/faults", json={"rate5xx": 0.0})
    assert (await client.head("/v1/domains/faulty5xx")).status_code == 404


async def test_fault_rolls_are_deterministic_for_a_seed(client: httpx.AsyncClient) -> None:
    async def pattern() -> list[int]:
        await client.post("/_sandbox/faults", json={"rate429": 0.5, "seed": 1234})
        return [(await client.get("/v1/customers?size=1")).status_code for _ in range(20)]

    first, second = await pattern(), await pattern()
    assert first == second and {200, 429} == set(first)


async def test_latency_is_added(client: httpx.AsyncClient) -> None:
    await client.post("/_sandbox/faults", json={"latencyMs": 150})
    started = time.perf_counter()
    await client.get("/v1/customers?size=1")
    assert time.perf_counter() - started >= 0.15


async def test_rate_limit_per_tenant_sliding_window(client: httpx.AsyncClient) -> None:
    a = (await customer_by_name(client, "Contoso Ltd"))["id"]
    b = (await customer_by_name(client, "Fabrikam Inc"))["id"]
    await client.post("/_sandbox/faults", json={"rateLimitPerMin": 3})
    codes = [(await client.get(f"/v1/customers/{a}/subscriptions")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = await client.get(f"/v1/customers/{a}")
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    assert "Rate limit is exceeded" in r.json()["message"]
    assert (await client.get(f"/v1/customers/{b}/subscriptions")).status_code == 200  # other tenant


async def test_bad_fault_settings_are_400(client: httpx.AsyncClient) -> None:
    r = await client.post("/_sandbox/faults", json={"rate429": 2})
    assert r.status_code == 400
    r = await client.post("/_sandbox/faults", json={"latencyMs": "slow"})
    assert r.status_code == 400


async def test_env_variables_configure_faults() -> None:
    cfg = SandboxConfig.from_env({"SANDBOX_LATENCY_MS": "5", "SANDBOX_429_RATE": "0.25", "SANDBOX_5XX_RATE": "0.1",
                                  "SANDBOX_DROP_AFTER_MUTATION_RATE": "0.5", "SANDBOX_RATE_LIMIT_PER_MIN": "500",
                                  "SANDBOX_SEED": "9"})
    assert (cfg.faults.latency_ms, cfg.faults.rate_429, cfg.faults.rate_5xx) == (5, 0.25, 0.1)
    assert (cfg.faults.drop_after_mutation_rate, cfg.faults.rate_limit_per_min, cfg.seed) == (0.5, 500, 9)
    assert "sandbox-dev-token" not in repr(cfg) and "sandbox-secret" not in repr(cfg)


async def test_drop_rate_applies_mutation_then_drops(client: httpx.AsyncClient) -> None:
    await client.post("/_sandbox/faults", json={"dropAfterMutationRate": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/v1/customers", json=new_customer_body("dropme"), headers={"MS-RequestId": "drop-1"})
    await client.post("/_sandbox/faults", json={"dropAfterMutationRate": 0.0})
    assert (await client.head("/v1/domains/dropme")).status_code == 200  # applied
    r = await client.post("/v1/customers", json=new_customer_body("dropme"), headers={"MS-RequestId": "drop-1"})
    assert r.status_code == 201 and r.headers["X-Sandbox-Replayed"] == "true"


async def test_state_persists_across_restart_on_the_same_file(tmp_path) -> None:
    db = str(tmp_path / "sandbox.db")
    config = SandboxConfig(port=0, db_path=db, customers=12, seed=11, faults=FaultSettings())
    running = await start_sandbox(config)
    try:
        async with httpx.AsyncClient(base_url=running.url, headers=AUTH) as c:
            cid = (await customer_by_name(c, "Contoso Ltd"))["id"]
            sub = next(s for s in await subscriptions_of(c, cid) if s["offerName"] == "Microsoft Teams Essentials")
            r = await c.patch(f"/v1/customers/{cid}/subscriptions/{sub['id']}", json={"friendlyName": "Kept"})
            assert r.status_code == 200
            created = (await c.post("/v1/customers", json=new_customer_body("persisted1"),
                                    headers={"MS-RequestId": "persist-req"})).json()
    finally:
        await running.stop()
    running = await start_sandbox(SandboxConfig(port=0, db_path=db, customers=12, seed=99, faults=FaultSettings()))
    try:
        async with httpx.AsyncClient(base_url=running.url, headers=AUTH) as c:
            assert (await c.get("/v1/customers?size=100")).json()["totalCount"] == 13  # not reseeded
            sub2 = (await c.get(f"/v1/customers/{cid}/subscriptions/{sub['id']}")).json()
            assert sub2["friendlyName"] == "Kept"
            again = await c.post("/v1/customers", json=new_customer_body("persisted1"),
                                 headers={"MS-RequestId": "persist-req"})
            assert again.status_code == 201 and again.json()["id"] == created["id"]
            records = (await c.get("/v1/auditrecords", params={"startDate": "2000-01-01"})).json()["items"]
            assert [r["operationType"] for r in records] == ["update_subscription", "add_customer"]
    finally:
        await running.stop()


async def test_reset_reseeds(client: httpx.AsyncClient) -> None:
    await client.post("/v1/customers", json=new_customer_body("beforereset"))
    r = await client.post("/_sandbox/reset", json={"customers": 5, "seed": 3})
    assert r.status_code == 200 and r.json()["customers"] == 5
    assert (await client.get("/v1/customers")).json()["totalCount"] == 5
    assert (await client.get("/v1/auditrecords", params={"startDate": "2000-01-01"})).json()["totalCount"] == 0

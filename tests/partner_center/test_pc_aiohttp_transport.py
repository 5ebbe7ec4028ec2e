"""The default transport (httpx API over aiohttp's pool) behaves like httpx's own on what the pipeline relies on."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket

import httpx
import pytest
from aiohttp import web
from pc_fake_service import DROP, FakeService, RecordingSleep, Reply, make_client

from partner_center import PartnerCenterClient, RetryPolicy, errors
from partner_center.aiohttp_transport import AiohttpTransport
from partner_center.auth import StaticTokenProvider

CID = "5a0c1f0e-0000-4000-8000-000000000001"


def test_the_client_uses_it_unless_given_a_transport():
    client = PartnerCenterClient("http://127.0.0.1:9", StaticTokenProvider("t"))
    assert isinstance(client._pipeline._http._transport, AiohttpTransport)


async def test_connections_are_kept_alive_and_bodies_decoded_by_httpx():
    peers: list[tuple[str, int]] = []

    async def handler(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        body = gzip.compress(json.dumps({"id": CID, "companyProfile": {"companyName": "Zip Co"}}).encode())
        return web.Response(body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})

    app = web.Application()
    app.router.add_get("/v1/customers/{cid}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with PartnerCenterClient(url, StaticTokenProvider("t"), rate_limit_per_minute=None) as client:
            first = await client.customers.get(CID)
            await client.customers.get(CID)
    finally:
        await runner.cleanup()
    assert first.company_name == "Zip Co"
    assert len(peers) == 2 and peers[0] == peers[1], "the second call reuses the first call's connection"


async def test_a_dropped_connection_is_one_attempt_each_time():
    """aiohttp's own silent resend is off: every HTTP attempt is the pipeline's (rate limit, retry policy)."""
    sleep = RecordingSleep()
    async with FakeService() as svc:
        svc.add("GET", f"/v1/customers/{CID}", Reply(200, {"id": CID}), DROP, Reply(200, {"id": CID}))
        async with make_client(svc, sleep=sleep) as client:
            await client.customers.get(CID)  # a kept-alive connection the server then drops
            await client.customers.get(CID)
    assert len(svc.requests) == 3 and len(sleep.delays) == 1


async def test_connection_refused_and_read_timeout_are_httpx_transport_errors():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    transport = AiohttpTransport()
    try:
        with pytest.raises(httpx.ConnectError):
            await transport.handle_async_request(httpx.Request("GET", f"http://127.0.0.1:{closed_port}/v1/x"))

        async def slow(request: web.Request) -> web.Response:
            await asyncio.sleep(1.0)
            return web.Response(text="late")

        app = web.Application()
        app.router.add_get("/slow", slow)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            request = httpx.Request("GET", f"http://127.0.0.1:{runner.addresses[0][1]}/slow",
                                    extensions={"timeout": httpx.Timeout(0.1).as_dict()})
            with pytest.raises(httpx.ReadTimeout):
                await transport.handle_async_request(request)
        finally:
            await runner.cleanup()
    finally:
        await transport.aclose()


async def test_unreachable_partner_center_is_reported_after_the_policy_retries():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    sleep = RecordingSleep()
    async with PartnerCenterClient(f"http://127.0.0.1:{closed_port}", StaticTokenProvider("t"),
                                   rate_limit_per_minute=None, retry=RetryPolicy(sleep=sleep)) as client:
        with pytest.raises(errors.ServiceUnreachableError):
            await client.customers.get(CID)
    assert len(sleep.delays) == 3


# The first loop's pool cannot be closed once that loop is gone; aiohttp says so when it is collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_one_client_used_from_two_event_loops():
    async def serve_and_call(client: PartnerCenterClient) -> str:
        async with FakeService() as svc:
            svc.add("GET", f"/v1/customers/{CID}", Reply(200, {"id": CID}))
            client._pipeline._http._base_url = httpx.URL(svc.url)  # the same client, a new server
            return (await client.customers.get(CID)).id

    client = PartnerCenterClient("http://127.0.0.1:9", StaticTokenProvider("t"), rate_limit_per_minute=None)
    assert asyncio.run(serve_and_call(client)) == CID
    assert asyncio.run(serve_and_call(client)) == CID
    asyncio.run(client.close())


def test_proxies_come_from_the_environment_once(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,.internal")
    transport = AiohttpTransport()
    monkeypatch.delenv("HTTPS_PROXY")  # read at construction, as httpx does
    assert transport._proxy(httpx.URL("https://api.partnercenter.microsoft.com/v1")) == "http://proxy.example:3128"
    assert transport._proxy(httpx.URL("https://127.0.0.1:8443/v1")) is None
    assert transport._proxy(httpx.URL("https://pc.internal/v1")) is None
    assert transport._proxy(httpx.URL("http://127.0.0.1:9/v1")) is None
    assert AiohttpTransport(trust_env=False)._proxy(httpx.URL("https://api.partnercenter.microsoft.com")) is None

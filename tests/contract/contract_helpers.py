"""Helpers for the client <-> sandbox contract tests: a recording httpx transport (what went over the wire and
what the sandbox echoed back), an instant sleep for the retry policy, and small lookups through the client."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from partner_center import PartnerCenterClient, RetryPolicy
from partner_center.auth import StaticTokenProvider
from sandbox.app import FAULTS_KEY
from sandbox.context import SANDBOX_KEY, Sandbox
from sandbox.server import RunningSandbox

DEV_TOKEN = "sandbox-dev-token"
APP_ONLY_TOKEN = "contract-app-only-token"


@dataclass
class Exchange:
    """One HTTP attempt as seen on the wire."""

    method: str
    path: str
    query: str
    sent_request_id: str | None
    sent_correlation_id: str | None
    status: int | None = None  # None: no response (connection dropped)
    echoed_request_id: str | None = None  # MS-RequestId the sandbox echoed = the id it saw
    echoed_correlation_id: str | None = None
    replayed: bool = False  # X-Sandbox-Replayed: the sandbox answered from its idempotency store
    sent_headers: dict[str, str] = field(default_factory=dict)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Real loopback HTTP (httpx.AsyncHTTPTransport) that logs every attempt, including dropped ones."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.log: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        ex = Exchange(
            method=request.method, path=request.url.path, query=request.url.query.decode(),
            sent_request_id=request.headers.get("MS-RequestId"),
            sent_correlation_id=request.headers.get("MS-CorrelationId"),
            sent_headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
        )
        self.log.append(ex)
        response = await self._inner.handle_async_request(request)
        ex.status = response.status_code
        ex.echoed_request_id = response.headers.get("MS-RequestId")
        ex.echoed_correlation_id = response.headers.get("MS-CorrelationId")
        ex.replayed = response.headers.get("X-Sandbox-Replayed") == "true"
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

    def clear(self) -> None:
        self.log.clear()

    def to(self, method: str, path_suffix: str) -> list[Exchange]:
        return [e for e in self.log if e.method == method and e.path.endswith(path_suffix)]


class FastSleep:
    """Injected into RetryPolicy: records the waits, never sleeps; `hook` runs before each retry."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.hook: Callable[[int], Awaitable[None]] | None = None

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.hook is not None:
            await self.hook(len(self.delays))


def fast_retry(sleep: FastSleep, max_attempts: int = 4) -> RetryPolicy:
    return RetryPolicy(max_attempts=max_attempts, base_delay=0.01, max_delay=0.05, sleep=sleep,
                       random=lambda: 0.5)


def make_client(running: RunningSandbox, transport: RecordingTransport, sleep: FastSleep, *,
                token: str = DEV_TOKEN, max_attempts: int = 4) -> PartnerCenterClient:
    return PartnerCenterClient(
        base_url=running.url, credential=StaticTokenProvider(token), retry=fast_retry(sleep, max_attempts),
        rate_limit_per_minute=None, timeout=10.0, transport=transport,
    )


def state(running: RunningSandbox) -> Sandbox:
    return running.app[SANDBOX_KEY]


def audit_total(running: RunningSandbox) -> int:
    return state(running).store.audit_count()


async def set_faults(running: RunningSandbox, **wire: Any) -> dict[str, Any]:
    """POST /_sandbox/faults (the documented admin endpoint), e.g. set_faults(sb, rate429=1.0)."""
    async with httpx.AsyncClient(base_url=running.url, timeout=10) as admin:
        r = await admin.post("/_sandbox/faults", content=json.dumps(wire),
                             headers={"Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        return r.json()


async def advance_clock(running: RunningSandbox, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=running.url, timeout=10) as admin:
        r = await admin.post("/_sandbox/clock", json={"advanceSeconds": seconds})
        assert r.status_code == 200, r.text


def fault_settings(running: RunningSandbox) -> Any:
    return running.app[FAULTS_KEY].settings


async def customer_named(client: PartnerCenterClient, name: str) -> Any:
    matches = [c async for c in client.customers.search(name) if c.company_name == name]
    assert matches, f"no seeded customer named {name}"
    return matches[0]


def new_customer_body(prefix: str) -> dict[str, Any]:
    return {
        "companyProfile": {"domain": f"{prefix}.onmicrosoft.com"},
        "billingProfile": {
            "email": f"billing@{prefix}.example", "culture": "en-US", "language": "en",
            "companyName": f"{prefix.title()} Contract",
            "defaultAddress": {"firstName": "Ada", "lastName": "Lovelace", "addressLine1": "1 Main St",
                               "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"},
        },
    }

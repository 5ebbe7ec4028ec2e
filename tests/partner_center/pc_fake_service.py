"""A scripted Partner Center stand-in on 127.0.0.1 (real HTTP, real aiohttp), for client unit tests.

Routes are (method, path) -> a list of canned replies consumed in order; every request is recorded with its
headers, query and JSON body so tests can assert on exactly what went over the wire.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from partner_center import PartnerCenterClient, RetryPolicy

DROP = object()  # reply marker: close the connection without answering (a transport failure)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw_path: str


class FakeService:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Any]] = {}
        self.requests: list[Recorded] = []
        self.fallback: Callable[[Recorded], Reply] | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    def add(self, method: str, path: str, *replies: Reply | object) -> FakeService:
        self.routes.setdefault((method.upper(), path), []).extend(replies)
        return self

    async def __aenter__(self) -> FakeService:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        text = await request.text()
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
        record = Recorded(
            method=request.method, path=request.path, query=dict(request.query),
            headers=dict(request.headers), body=body, raw_path=request.raw_path,
        )
        self.requests.append(record)
        queue = self.routes.get((request.method, request.path))
        if queue:
            reply = queue.pop(0)
        elif self.fallback is not None:
            reply = self.fallback(record)
        else:
            reply = Reply(599, {"statusCode": 599, "message": f"unscripted {request.method} {request.path}"})
        if reply is DROP:
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        assert isinstance(reply, Reply)
        payload = reply.raw if reply.raw is not None else (
            b"" if reply.body is None else json.dumps(reply.body).encode()
        )
        headers = dict(reply.headers)
        if reply.raw is None and reply.body is not None:
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return web.Response(status=reply.status, body=payload, headers=headers)


class Token:
    """Minimal token provider (the real ones live in partner_center.auth)."""

    def __init__(self, token: str = "test-token-abc123") -> None:
        self.token = token
        self.calls = 0

    async def get_token(self) -> str:
        self.calls += 1
        return self.token


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(service: FakeService, *, sleep: RecordingSleep | None = None, **kwargs: Any) -> PartnerCenterClient:
    retry = kwargs.pop("retry", None) or RetryPolicy(sleep=sleep or RecordingSleep(), random=lambda: 0.5)
    kwargs.setdefault("rate_limit_per_minute", None)
    kwargs.setdefault("timeout", 5.0)
    return PartnerCenterClient(base_url=service.url, credential=kwargs.pop("credential", Token()), retry=retry,
                               **kwargs)

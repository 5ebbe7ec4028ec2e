"""A local OpenAI-compatible chat completions server with scripted answers, for testing the LLM recognizer.

    async with StubLlm() as stub:
        stub.script(tool_call("subscriptions__cancel", {"subscription": "E3"}))
        client = openai.AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0)

Answers are served in order (one per request) from `stub.script(...)`; every request is recorded (path,
query, headers, JSON body). Speaks both `/v1/chat/completions` and Azure's
`/openai/deployments/{name}/chat/completions`. Binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Step:
    """One scripted answer: tool calls, plain text, an HTTP error, or a delay before any of them."""

    tool_calls: list[tuple[str, str]] = field(default_factory=list)
    content: str | None = None
    status: int = 200
    error_body: dict[str, Any] | None = None
    delay_s: float = 0.0


def tool_call(name: str, arguments: dict[str, Any] | str, *more: tuple[str, dict[str, Any] | str]) -> Step:
    calls = [(name, arguments), *more]
    return Step(tool_calls=[(n, a if isinstance(a, str) else json.dumps(a)) for n, a in calls])


def text_reply(content: str) -> Step:
    return Step(content=content)


def http_error(status: int, message: str = "scripted failure") -> Step:
    return Step(status=status, error_body={"error": {"message": message, "type": "server_error", "code": None}})


def slow(step: Step, delay_s: float) -> Step:
    step.delay_s = delay_s
    return step


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


class StubLlm:
    def __init__(self, model: str = "stub-model") -> None:
        self.model = model
        self.requests: list[Recorded] = []
        self._steps: list[Step] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def endpoint(self) -> str:
        """The Azure-style endpoint (the client adds /openai/deployments/...)."""
        return f"http://127.0.0.1:{self.port}"

    def script(self, *steps: Step) -> None:
        self._steps.extend(steps)

    @property
    def pending(self) -> int:
        return len(self._steps)

    async def __aenter__(self) -> StubLlm:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._complete)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stopping.set()
        if self._runner:
            await self._runner.cleanup()

    async def _complete(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(Recorded(request.path, dict(request.query), dict(request.headers), body))
        if not self._steps:
            return web.json_response({"error": {"message": "no scripted response", "type": "stub"}}, status=500)
        step = self._steps.pop(0)
        if step.delay_s:
            try:
                await asyncio.wait_for(self._stopping.wait(), step.delay_s)
            except TimeoutError:
                pass
        if step.status != 200:
            return web.json_response(step.error_body or {}, status=step.status)
        message: dict[str, Any] = {"role": "assistant", "content": step.content}
        if step.tool_calls:
            message["tool_calls"] = [{"id": f"call_{next(self._ids)}", "type": "function",
                                      "function": {"name": n, "arguments": a}} for n, a in step.tool_calls]
        return web.json_response({
            "id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion", "created": 1_700_000_000,
            "model": body.get("model", self.model),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if step.tool_calls else "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

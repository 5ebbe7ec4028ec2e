"""The processes a benchmark runs: the sandbox, PartnerBot, and the echo baseline, each in its own process.

    python -m bench.hosts sandbox --customers 10000 --rate-limit 6000
    python -m bench.hosts bot --sandbox URL --state FILE [--rate-limit 6000]
    python -m bench.hosts echo

Each prints one JSON line (`{"url": ..., "startup_s": ...}`) when it listens on a free loopback port, then runs
until SIGTERM. Separate processes keep the figures honest on a small machine: the bot's peak RSS is its own,
and the sandbox (standing in for a remote Partner Center) does not share the bot's event loop.

The bot process adds `/_bench/*` routes next to `/api/messages`: Partner Center calls counted by an httpx
transport wrapper (`/_bench/calls?since=N`), the customer-directory state (`/_bench/directory`) and a fan-out
run with the bot's own client (`POST /_bench/fanout`), so a scan shares the rate limiter with chat turns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import logging
import os
import signal
import sys
import time
from typing import Any

import httpx
from aiohttp import web

from partner_center.aiohttp_transport import AiohttpTransport

TOKEN = "sandbox-dev-token"
# Set while a bench fan-out runs: its tasks inherit it, chat turns running at the same time do not.
ORIGIN: contextvars.ContextVar[str] = contextvars.ContextVar("bench_origin", default="turn")


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests through and records (method, path, status, filtered, origin) for each one."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or AiohttpTransport()  # the transport the bot's client uses by default
        self.calls: list[tuple[str, str, int, bool, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.calls.append((request.method, request.url.path, response.status_code, "filter" in request.url.params,
                           ORIGIN.get()))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class EchoBot:
    """The baseline: what a bare botbuilder bot does per message — one reply with the text it got."""

    async def on_turn(self, turn_context: Any) -> None:
        if turn_context.activity.type == "message":
            await turn_context.send_activity(f"echo: {turn_context.activity.text}")


async def _serve(app: web.Application, started: float, extra: dict[str, Any] | None = None) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    await _announce_and_wait(f"http://127.0.0.1:{port}", started, extra, runner.cleanup)


async def _announce_and_wait(url: str, started: float, extra: dict[str, Any] | None, cleanup: Any) -> None:
    print(json.dumps({"url": url, "startup_s": round(time.perf_counter() - started, 3), **(extra or {})}),
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await cleanup()


async def run_sandbox(customers: int, rate_limit: int, seed: int) -> None:
    from sandbox.config import FaultSettings, SandboxConfig
    from sandbox.server import start_sandbox

    started = time.perf_counter()
    config = SandboxConfig(port=0, customers=customers, seed=seed,
                           faults=FaultSettings(rate_limit_per_min=rate_limit))
    running = await start_sandbox(config)
    await _announce_and_wait(running.url, started, {"customers": customers}, running.stop)


def _bench_routes(app: web.Application, engine: Any, transport: CountingTransport) -> None:
    from dialogs.fanout import scan_subscriptions

    async def calls(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"count": len(transport.calls), "calls": transport.calls[since:]})

    async def directory(request: web.Request) -> web.Response:
        cache = engine.directory
        loaded = cache is not None and cache._directory is not None  # noqa: SLF001 - a bench probe, read only
        return web.json_response({"loaded": loaded, "size": len(cache._directory) if loaded else 0})  # noqa: SLF001

    async def fanout(request: web.Request) -> web.Response:
        body = await request.json()
        before = len(transport.calls)
        ORIGIN.set("fanout")  # this handler's own context: the lookups of other users are not tagged
        if body.get("kind") == "renewals":
            # The scan of "what renews in the next 30 days?" (subscriptions.renewals): every customer from the
            # directory cache, the operation's own renewal predicate.
            from dialogs import lifecycle
            from dialogs.ops.commerce import renewal_keep

            window = lifecycle.period_ahead(body.get("period") or "next 30 days", lifecycle.now().date())
            cache = engine.directory
            result = await scan_subscriptions(engine.client, customers=cache.customers() if cache else None,
                                              keep=renewal_keep(window), limit=body.get("customers"),
                                              concurrency=body.get("concurrency", 16), share=body.get("share", 0.9))
        else:
            result = await scan_subscriptions(engine.client, body.get("statuses", ["suspended"]),
                                              limit=body.get("customers"), concurrency=body.get("concurrency", 16),
                                              share=body.get("share", 0.9))
        made = [c for c in transport.calls[before:] if c[4] == "fanout"]
        return web.json_response({
            "customers_scanned": result.customers_scanned, "calls": result.calls, "http_requests": len(made),
            "throttled": sum(1 for c in made if c[2] == 429), "failures": result.failures,
            "hits": len(result.hits), "elapsed_s": result.elapsed_s, "rate_per_minute": result.rate_per_minute})

    app.router.add_get("/_bench/calls", calls)
    app.router.add_get("/_bench/directory", directory)
    app.router.add_post("/_bench/fanout", fanout)


async def run_bot(sandbox_url: str, state_path: str, rate_limit: int) -> None:
    from bot.config import Settings
    from bot.server import create_app, freeze_startup_objects
    from bot.wiring import build_engine
    from partner_center import PartnerCenterClient
    from partner_center.auth import StaticTokenProvider

    started = time.perf_counter()
    settings = Settings(storage_kind="sqlite", state_path=state_path, partner_center_url=sandbox_url,
                        partner_center_dev_token=TOKEN)
    transport = CountingTransport()
    client = PartnerCenterClient(sandbox_url, StaticTokenProvider(TOKEN), rate_limit_per_minute=rate_limit or None,
                                 transport=transport)
    engine = build_engine(settings, client=client)  # also loads the intent model (wiring warms it up)
    app = create_app(settings, engine=engine)
    _bench_routes(app, engine, transport)
    freeze_startup_objects()  # as `partnerbot serve` does
    await _serve(app, started)


async def run_echo() -> None:
    from bot.config import Settings
    from bot.server import HANDLER, create_app, freeze_startup_objects

    started = time.perf_counter()
    app = create_app(Settings(storage_kind="memory"), engine=EchoBot())  # type: ignore[arg-type]
    app[HANDLER] = EchoBot()  # type: ignore[assignment]  # same adapter, host and route; no PartnerBot handler
    freeze_startup_objects()  # as `partnerbot serve` does
    await _serve(app, started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hosts")
    parser.add_argument("role", choices=["sandbox", "bot", "echo"])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rate-limit", type=int, default=0, help="requests/min (0 = none)")
    parser.add_argument("--sandbox", default="")
    parser.add_argument("--state", default=":memory:")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    profile = os.environ.get("PARTNERBOT_BENCH_PROFILE")  # a directory: write <role>.prof there on exit
    profiler = None
    if profile:
        import cProfile

        # Thread CPU time by default: on a shared machine, wall time charges preemption (e.g. inside a loopback
        # send that wakes the other process) to whatever frame was running. PARTNERBOT_BENCH_PROFILE_CLOCK=wall
        # profiles wall time instead.
        wall = os.environ.get("PARTNERBOT_BENCH_PROFILE_CLOCK", "cpu") == "wall"
        profiler = cProfile.Profile() if wall else cProfile.Profile(time.thread_time)
        profiler.enable()
    try:
        if args.role == "sandbox":
            asyncio.run(run_sandbox(args.customers, args.rate_limit, args.seed))
        elif args.role == "bot":
            asyncio.run(run_bot(args.sandbox, args.state, args.rate_limit))
        else:
            asyncio.run(run_echo())
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.path.join(profile, f"{args.role}.prof"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

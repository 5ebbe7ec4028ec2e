"""`partnerbot sandbox` and an embeddable server for tests, the demo and benchmarks.

    running = await start_sandbox(SandboxConfig(port=0))   # port 0 = pick a free port
    ... httpx/aiohttp against running.url ...
    await running.stop()
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import time
from dataclasses import dataclass

from aiohttp import web

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.store import Store


@dataclass
class RunningSandbox:
    """A sandbox listening on a real port."""

    url: str
    app: web.Application
    runner: web.AppRunner

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(config: SandboxConfig | None = None) -> RunningSandbox:
    """Start the emulator on config.host:config.port (0 = free port) and return its base URL."""
    config = config or SandboxConfig(port=0)
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    sockets = site._server.sockets if site._server else []  # noqa: SLF001 - aiohttp exposes no public getter
    port = sockets[0].getsockname()[1] if sockets else config.port
    return RunningSandbox(url=f"http://{config.host}:{port}", app=app, runner=runner)


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="partnerbot sandbox", description="Local Partner Center emulator.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8089)
    p.add_argument("--db", default=os.environ.get("SANDBOX_DB", "sandbox.db"),
                   help="SQLite file (reused when it exists; ':memory:' for throw-away state)")
    p.add_argument("--customers", type=int, default=40, help="customers to seed into a fresh database")
    p.add_argument("--seed", type=int, default=int(os.environ.get("SANDBOX_SEED", "42")))
    p.add_argument("--dev-token", default=os.environ.get("SANDBOX_DEV_TOKEN", "sandbox-dev-token"))
    p.add_argument("--provisioning-delay", type=float, default=0.0, help="seconds orders stay pending")
    return p.parse_args(argv)


def cli_main(argv: list[str]) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = SandboxConfig.from_env(
        host=args.host, port=args.port, db_path=args.db, customers=args.customers, seed=args.seed,
        dev_token=args.dev_token, provisioning_delay_s=args.provisioning_delay)
    fresh = args.db == ":memory:" or not os.path.exists(args.db)
    started = time.perf_counter()
    store = Store(config.db_path)
    app = create_app(config, store=store)
    note = (f"seeded {args.customers} customers in {time.perf_counter() - started:.2f}s" if fresh
            else f"reusing {args.db}")
    print(f"Partner Center sandbox on http://{args.host}:{args.port} ({note}); "
          f"dev token: see --dev-token / SANDBOX_DEV_TOKEN", flush=True)

    async def _run() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, args.host, args.port).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(_run())
    except KeyboardInterrupt:
        pass
    return 0

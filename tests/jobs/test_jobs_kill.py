"""`partnerbot serve` as a real process, killed with SIGKILL while it polls a job; a new process on the same
SQLite state resumes the job and the outcome is posted exactly once in the conversation that asked."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot import local_channel as lc
from bot.local_channel import LocalConnector
from tests.e2e.e2e_support import SandboxThread
from tests.jobs.test_jobs_e2e import finish_operation, operations
from tests.support.botapp import DANA

ROOT = Path(__file__).resolve().parents[2]
CONVERSATION = "a:personal-dana-kill"


@pytest.fixture
def sandbox():
    sandbox = SandboxThread().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def serve(state: Path, pc_url: str) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "PARTNER"))}
    if "PARTNERBOT_TEST_NOW" in os.environ:
        env["PARTNERBOT_TEST_NOW"] = os.environ["PARTNERBOT_TEST_NOW"]
    env.update({"PYTHONPATH": str(ROOT), "PARTNERBOT_STATE": str(state), "PARTNER_CENTER_URL": pc_url,
                "PARTNER_CENTER_DEV_TOKEN": "sandbox-dev-token", "PARTNERBOT_LOG_LEVEL": "WARNING",
                "PARTNERBOT_JOBS_TICK_SECONDS": "0.05", "PARTNERBOT_JOBS_LEASE_SECONDS": "1"})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=str(state.parent), env=env)
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert b"/api/messages" in line, line
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            try:
                async with http.get(f"{url}/healthz") as resp:
                    if resp.status == 200:
                        return proc, url
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("the bot never answered /healthz")


async def post(url: str, activity: dict) -> None:
    async with aiohttp.ClientSession() as http, http.post(f"{url}/api/messages", json=activity) as resp:
        assert resp.status in (200, 201), await resp.text()


async def test_sigkill_mid_job_then_restart_announces_once(sandbox, tmp_path):
    await operations(sandbox, pollsUntilDone=10_000, retryAfterSeconds=0)
    state = tmp_path / "state.db"
    async with LocalConnector() as connector:
        envelope = {"service_url": connector.service_url, "user": DANA, "conversation_id": CONVERSATION}
        first, url = await serve(state, sandbox.url)
        second = None
        try:
            await post(url, lc.message_activity("register Fabrikam Inc's Azure plan for reserved instances",
                                                **envelope))
            [asked] = await connector.next(1, timeout=20)
            flow = re.search(r'"pb": "confirm", "flow": "(\w+)"', json.dumps(asked.cards)).group(1)
            await post(url, lc.submit_activity({"pb": "confirm", "flow": flow}, **envelope))
            [started] = await connector.next(1, timeout=20)
            assert "I'll post here when it's done" in started.text

            for _ in range(200):  # the process is polling Partner Center now
                listed = await operations(sandbox)
                if any(o["kind"] == "registration" and o["polls"] >= 3 for o in listed["items"]):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the job was never polled")
            first.send_signal(signal.SIGKILL)
            await first.wait()
            assert first.returncode == -signal.SIGKILL

            await finish_operation(sandbox, "registration")
            second, _ = await serve(state, sandbox.url)
            [done] = await connector.next(1, timeout=30)
            assert done.operation == "send" and done.conversation_id == CONVERSATION
            assert "Azure plan of Fabrikam Inc is registered" in json.dumps(done.cards)
            await asyncio.sleep(2.0)  # lease expiries and several poller passes later: still once
            assert connector.pending() == []
        finally:
            for proc in (first, second):
                if proc is not None and proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                    await asyncio.wait_for(proc.wait(), 30)

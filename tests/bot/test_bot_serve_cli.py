"""`partnerbot serve` as a real process with the real engine wiring: starts, answers /healthz, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_starts_and_stops(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "PARTNER"))}
    env.update({"PYTHONPATH": str(ROOT), "PARTNERBOT_STATE": str(tmp_path / "state.db"),
                "PARTNER_CENTER_URL": "http://127.0.0.1:9", "PARTNERBOT_LOG_LEVEL": "WARNING"})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(tmp_path), env=env)
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert f"http://127.0.0.1:{port}/api/messages" in line.decode() and "anonymous" in line.decode()
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        assert resp.status == 200 and (await resp.json()) == {"status": "ok"}
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("the bot never answered /healthz")
            async with http.post(f"http://127.0.0.1:{port}/api/messages", data="nope",
                                 headers={"Content-Type": "text/plain"}) as resp:
                assert resp.status == 400
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()[-2000:]
    assert (tmp_path / "state.db").exists()


def test_serve_rejects_bad_settings(monkeypatch, capsys):
    from bot.server import cli_main

    monkeypatch.setenv("PARTNERBOT_STORAGE", "redis")
    monkeypatch.chdir(Path(os.sep))
    assert cli_main([]) == 2
    assert "PARTNERBOT_STORAGE" in capsys.readouterr().err

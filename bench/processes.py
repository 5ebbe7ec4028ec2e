"""Start a `bench.hosts` role in its own process, wait for its ready line, and stop it; read its peak RSS."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class HostError(RuntimeError):
    pass


class Host:
    """One benchmark process. `async with Host("bot", "--sandbox", url) as bot: bot.url ...`."""

    def __init__(self, role: str, *args: str, log_dir: Path, ready_timeout: float = 120.0) -> None:
        self.role = role
        self.args = list(args)
        self.log_path = log_dir / f"{role}.log"
        self.ready_timeout = ready_timeout
        self.proc: asyncio.subprocess.Process | None = None
        self.info: dict[str, Any] = {}

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> Host:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with self.log_path.open("ab") as log:  # noqa: ASYNC230 - opening a local log file does not block
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.hosts", self.role, *self.args,
                stdout=asyncio.subprocess.PIPE, stderr=log, stdin=asyncio.subprocess.DEVNULL, cwd=str(ROOT), env=env)
        assert self.proc.stdout is not None
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), self.ready_timeout)
        except TimeoutError:
            await self.stop()
            raise HostError(f"{self.role} did not start within {self.ready_timeout:.0f}s{self._log_tail()}") from None
        if not line:
            await self.stop()
            raise HostError(f"{self.role} exited before it was ready{self._log_tail()}")
        self.info = json.loads(line)
        return self

    def peak_rss_bytes(self) -> int | None:
        """VmHWM of the process (Linux); None where /proc is not available."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the process has used so far (Linux); None where /proc is not available."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    def _log_tail(self) -> str:
        try:
            tail = self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""
        return f"; log tail:\n{tail}" if tail.strip() else ""

    async def __aenter__(self) -> Host:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

"""Sandbox + bot + Microsoft 365 Agents Playground on loopback, for `make playground` and the browser e2e test.

    async with LocalStack() as stack:          # every port picked free; roles_file optional
        print(stack.playground.url)            # the Teams-like UI; the bot is at stack.bot_endpoint

The sandbox and the bot run in this process (aiohttp, in-memory state, the sandbox dev token); the Playground
runs as a node child process in its own working folder, which holds its config (`.m365agentsplayground.yml`:
mock users and chats) and its log (`devTools/`). The bot runs with an empty app id (anonymous), which is how
the Playground talks to it without credentials. No approvals conversation is configured, so approval cards go to
each approver's personal chat with Approve/Reject on them: the Playground cannot show user-specific views
(`refresh.userIds`), which a shared approvals channel relies on. The Playground has no --host option, so a
preloaded module (scripts/loopback-only.cjs) keeps it on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

REPO_ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND_BIN = REPO_ROOT / "node_modules" / ".bin" / "agentsplayground"
LOOPBACK_PRELOAD = Path(__file__).resolve().parent / "loopback-only.cjs"
SANDBOX_DEV_TOKEN = "sandbox-dev-token"


class PlaygroundError(RuntimeError):
    """The Playground did not start; the message points at its log."""


@dataclass(frozen=True)
class MockUser:
    """A user the Playground impersonates (current user) or lists in rosters (others)."""

    id: str
    name: str
    upn: str
    aad_object_id: str

    def yaml(self, indent: str) -> str:
        given, _, surname = self.name.partition(" ")
        rows = [("id", self.id), ("name", self.name), ("userPrincipleName", self.upn),  # sic: the tool's key
                ("aadObjectId", self.aad_object_id), ("givenName", given), ("surname", surname or given),
                ("email", self.upn)]
        return "".join(f"{indent}{key}: {value}\n" for key, value in rows)


ALEX = MockUser("user-id-0", "Alex Wilber", "alexw@example.com", "6e1f6c1a-0d3b-4f6e-9a51-3c2d7b8e9f00")
MEGAN = MockUser("user-id-1", "Megan Bowen", "meganb@example.com", "6e1f6c1a-0d3b-4f6e-9a51-3c2d7b8e9f01")
OTHER_USERS = (
    MEGAN,
    MockUser("user-id-2", "Adele Vance", "adelev@example.com", "6e1f6c1a-0d3b-4f6e-9a51-3c2d7b8e9f02"),
    MockUser("user-id-3", "Isaiah Langer", "isaiahl@example.com", "6e1f6c1a-0d3b-4f6e-9a51-3c2d7b8e9f03"),
    MockUser("user-id-4", "Patti Fernandez", "pattif@example.com", "6e1f6c1a-0d3b-4f6e-9a51-3c2d7b8e9f04"),
    MockUser("user-id-5", "Lynne Robbins", "lynner@example.com", "6e1f6c1a-0d3b-4f6e-9a51-3c2d7b8e9f05"),
)
PERSONAL_CHAT_ID = "a:partnerbot-playground-personal"
GROUP_CHAT_ID = "19:partnerbot-playground-group@thread.v2"


def playground_config(current: MockUser = ALEX, others: tuple[MockUser, ...] = OTHER_USERS) -> str:
    """The `.m365agentsplayground.yml` text (schema 0.1.1): the current user, five others, fixed chat ids."""
    if len(others) != 5:
        raise ValueError("the Playground's config schema wants exactly five other users")
    users = "".join("  -" + u.yaml("    ")[3:] for u in others)
    return (
        'version: "0.1.1"\n'
        "tenantId: 00000000-0000-0000-0000-0000000000e2\n"
        "bot:\n  id: 00000000-0000-0000-0000-00000000b07e\n  name: PartnerBot\n"
        f"currentUser:\n{current.yaml('  ')}"
        f"users:\n{users}"
        f"personalChat:\n  id: {PERSONAL_CHAT_ID}\n"
        f"groupChat:\n  id: \"{GROUP_CHAT_ID}\"\n  name: Partner desk\n"
        "team:\n  id: team-partnerbot\n  name: Partner team\n"
        "  aadGroupId: 00000000-0000-0000-0000-000000000031\n"
        "  channels:\n    - id: channel-partnerbot-announcements\n      name: Announcements\n"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PlaygroundProcess:
    """`agentsplayground start` for one bot endpoint, in `workdir`, on a loopback port."""

    def __init__(self, bot_endpoint: str, workdir: Path, *, port: int = 0, config: str | None = None) -> None:
        self.bot_endpoint = bot_endpoint
        self.workdir = workdir
        self.requested_port = port
        self.config = config
        self.port = 0
        self.log_path = workdir / "playground-stdout.log"
        self._proc: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self._listening: asyncio.Future[int] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """Where the bot sends its replies (the Playground's mocked Bot Connector)."""
        return f"{self.url}/_connector"

    @property
    def tool_log(self) -> Path:
        return self.workdir / "devTools" / "m365agentsplayground.log"

    async def start(self, wait_s: float = 60.0) -> None:
        if not PLAYGROUND_BIN.exists():
            raise PlaygroundError(f"{PLAYGROUND_BIN} is missing: run `make setup-node` (npm ci)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.config is not None:
            (self.workdir / ".m365agentsplayground.yml").write_text(self.config, encoding="utf-8")
        for _attempt in range(3):  # a port picked free can be taken before the tool binds it: pick again
            port = self.requested_port or free_port()
            actual = await self._spawn(port, wait_s)
            if actual == port:
                self.port = port
                await self._wait_ready(wait_s)
                return
            await self.stop()
            if self.requested_port:
                raise PlaygroundError(f"port {port} is taken (the Playground moved to {actual})")
        raise PlaygroundError("could not start the Playground on a free port")

    async def _spawn(self, port: int, wait_s: float) -> int:
        env = dict(os.environ)
        env.update({
            "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",  # else it probes a cloud metadata address
            "TEAMSAPPTESTER_BROWSER": "none",
            "NODE_OPTIONS": f"{env.get('NODE_OPTIONS', '')} --require {LOOPBACK_PRELOAD}".strip(),
        })
        args = [str(PLAYGROUND_BIN), "start", "-e", self.bot_endpoint, "-c", "msteams", "-p", str(port),
                "--service-url", f"http://127.0.0.1:{port}/_connector", "--disable-telemetry"]
        self._listening = asyncio.get_running_loop().create_future()
        self._proc = await asyncio.create_subprocess_exec(
            *args, cwd=self.workdir, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        self._pump = asyncio.create_task(self._pump_output())
        try:
            return await asyncio.wait_for(asyncio.shield(self._listening), wait_s)
        except (TimeoutError, EOFError) as exc:
            await self.stop()
            raise PlaygroundError(f"the Playground did not start ({type(exc).__name__}); see {self.log_path} "
                                  f"and {self.tool_log}\n{self.tail()}") from None

    async def _pump_output(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        with self.log_path.open("ab") as log:
            while line := await self._proc.stdout.readline():
                log.write(line)
                log.flush()
                text = line.decode("utf-8", "replace").strip()
                if text.startswith("Listening on ") and self._listening and not self._listening.done():
                    self._listening.set_result(int(text.rsplit(" ", 1)[1]))
        if self._listening and not self._listening.done():
            self._listening.set_exception(EOFError("the Playground exited"))

    async def _wait_ready(self, wait_s: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        async with aiohttp.ClientSession() as session:
            while loop.time() < deadline:
                if self._proc is None or self._proc.returncode is not None:
                    break
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{self.url}/_debug/ping") as resp:
                        if resp.status == 200 and "pong" in await resp.text():
                            return
                await asyncio.sleep(0.2)
        # An invalid config makes it exit after "Listening": the reason is only in its own log.
        raise PlaygroundError(f"the Playground is not answering /_debug/ping; see {self.tool_log}\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        parts = []
        for path in (self.log_path, self.tool_log):
            if path.exists():
                parts.append(f"--- {path.name}\n" + "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:]))
        return "\n".join(parts)

    async def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)  # its own session: the node process and anything it started
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                await proc.wait()
        if self._pump is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pump, 5)
            self._pump = None


class LocalStack:
    """The sandbox, the bot and the Playground, started together and stopped in reverse order."""

    def __init__(self, *, bot_port: int = 0, playground_port: int = 0, workdir: Path | None = None,
                 roles_file: str = "", config: str | None = None, env: dict[str, str] | None = None) -> None:
        self.bot_port = bot_port
        self.playground_port = playground_port
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="partnerbot-playground-")
            workdir = Path(self._tmp.name)
        self.workdir = workdir
        self.roles_file = roles_file
        self.env = dict(env or {})  # extra bot settings (Settings.env), e.g. PARTNERBOT_APPROVAL_TTL_HOURS
        self.config = playground_config() if config is None else config
        self.sandbox = None
        self.engine = None
        self.playground: PlaygroundProcess | None = None
        self._runner: web.AppRunner | None = None

    @property
    def bot_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}/api/messages"

    async def __aenter__(self) -> LocalStack:
        try:
            await self._start()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _start(self) -> None:
        from bot.config import Settings
        from bot.server import create_app
        from bot.storage import make_storage
        from bot.wiring import build_engine
        from sandbox.config import SandboxConfig
        from sandbox.server import start_sandbox

        self.sandbox = await start_sandbox(SandboxConfig(port=0))
        env = dict(self.env)
        settings = Settings(partner_center_url=self.sandbox.url, partner_center_dev_token=SANDBOX_DEV_TOKEN,
                            storage_kind="memory", roles_file=self.roles_file, env=env)
        storage = make_storage(settings)  # one store for bot state, approvals and the audit log
        self.engine = build_engine(settings, storage=storage)
        app = create_app(settings, engine=self.engine, storage=storage)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.bot_port)
        await site.start()
        self.bot_port = int(self._runner.addresses[0][1])
        self.playground = PlaygroundProcess(self.bot_endpoint, self.workdir, port=self.playground_port,
                                            config=self.config)
        await self.playground.start()

    async def __aexit__(self, *exc: object) -> None:
        if self.playground is not None:
            await self.playground.stop()
        purchases = getattr(self.engine, "purchases", None)
        if purchases is not None and hasattr(purchases, "close"):
            with contextlib.suppress(Exception):
                await purchases.close()  # background checkouts and card updates
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.engine is not None and getattr(self.engine, "client", None) is not None:
            with contextlib.suppress(Exception):
                await self.engine.client.close()
        if self.sandbox is not None:
            await self.sandbox.stop()
            self.sandbox = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

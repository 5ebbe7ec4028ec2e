"""Fixtures: a real sandbox on a free loopback port and a PartnerCenterClient talking HTTP to it.

`sandbox` / `pc` are fresh per test (for tests that mutate or inject faults); `shared_sandbox` / `shared_pc`
live for one module (read-only tests; such modules set `pytestmark = pytest.mark.asyncio(loop_scope="module")`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from contract_helpers import APP_ONLY_TOKEN, FastSleep, RecordingTransport, make_client

from partner_center import PartnerCenterClient
from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_sandbox
from tests.support.sandbox_fixture import sandbox_fixture  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")


def contract_config(**overrides: object) -> SandboxConfig:
    values: dict = {"port": 0, "customers": 40, "seed": 11, "app_only_tokens": (APP_ONLY_TOKEN,)}
    values.update(overrides)
    return SandboxConfig(**values)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return contract_config()


@pytest.fixture
def wire() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def sleeper() -> FastSleep:
    return FastSleep()


@pytest.fixture
async def pc(sandbox: RunningSandbox, wire: RecordingTransport, sleeper: FastSleep
             ) -> AsyncIterator[PartnerCenterClient]:
    async with make_client(sandbox, wire, sleeper) as client:
        yield client


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_sandbox() -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox(contract_config())
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def shared_wire() -> RecordingTransport:
    return RecordingTransport()


@pytest_asyncio.fixture(loop_scope="module")
async def shared_pc(shared_sandbox: RunningSandbox, shared_wire: RecordingTransport
                    ) -> AsyncIterator[PartnerCenterClient]:
    async with make_client(shared_sandbox, shared_wire, FastSleep()) as client:
        yield client

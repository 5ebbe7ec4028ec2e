"""Fixtures for sandbox tests: a real sandbox on a free loopback port and an httpx client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sandbox_helpers import AUTH

from sandbox.config import FaultSettings, SandboxConfig
from sandbox.server import RunningSandbox
from tests.support.sandbox_fixture import sandbox_fixture  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    # the sandbox keeps plain string request keys ("identity", "json") that its resource modules share
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(port=0, customers=40, seed=7, faults=FaultSettings())


@pytest.fixture
async def client(sandbox: RunningSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH, timeout=10) as c:
        yield c


@pytest.fixture
async def anon(sandbox: RunningSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as c:
        yield c


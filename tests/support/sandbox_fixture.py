"""The `sandbox` fixture of tests/sandbox and tests/contract: a real sandbox on a free loopback port.

Each folder's conftest imports `sandbox_fixture` (registered under the name `sandbox`, so the fixtures that take a
`sandbox` argument do not shadow the import) and defines `sandbox_config`; a test module may override that alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_sandbox


@pytest.fixture(name="sandbox")
async def sandbox_fixture(sandbox_config: SandboxConfig) -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox(sandbox_config)
    try:
        yield running
    finally:
        await running.stop()

"""Fixtures for the HTTP end-to-end tests: sandboxes in background threads (see tests/e2e/e2e_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.e2e_support import SandboxThread


def pytest_configure(config: pytest.Config) -> None:
    # the sandbox keeps plain string request keys ("identity", "json") that its resource modules share
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[SandboxThread]:
    """One seeded sandbox for a module whose tests only read, or change objects no other test looks at."""
    sandbox = SandboxThread().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    """A fresh seeded sandbox for one test (tests that change the same objects)."""
    sandbox = SandboxThread().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()

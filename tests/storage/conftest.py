"""Fixtures for the storage tests: one Azurite per session (installed and started by the tests themselves)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from bot.storage_blob import AzureBlobStorage, blob_storage  # noqa: E402
from tests.support.azurite import Azurite, azurite_or_skip, container_name  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    # the sandbox keeps plain string request keys ("identity", "json") that its resource modules share
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    with azurite_or_skip() as running:
        yield running


@pytest.fixture
async def blob(azurite: Azurite) -> AsyncIterator[AzureBlobStorage]:
    """A BlobStorage on a fresh container of the session's Azurite."""
    store = blob_storage(azurite.connection_string, container_name("st"))
    try:
        yield store
    finally:
        await store.aclose()

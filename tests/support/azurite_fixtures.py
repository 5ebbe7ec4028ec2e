"""The `azurite` and `blob` fixtures of the folders whose tests use Azure Blob Storage (tests/storage, tests/audit).

A folder's conftest imports `azurite` and sets `blob = blob_fixture("<container prefix>")`; each folder still
starts its own Azurite once per session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from bot.storage_blob import AzureBlobStorage, blob_storage
from tests.support.azurite import Azurite, azurite_or_skip, container_name


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    with azurite_or_skip() as running:
        yield running


def blob_fixture(prefix: str) -> Callable[..., Any]:
    """A `blob` fixture whose containers are named after `prefix` (see container_name)."""

    @pytest.fixture
    async def blob(azurite: Azurite) -> AsyncIterator[AzureBlobStorage]:
        """A BlobStorage on a fresh container of the session's Azurite."""
        store = blob_storage(azurite.connection_string, container_name(prefix))
        try:
            yield store
        finally:
            await store.aclose()

    return blob

"""Bot state in Azure Blob Storage through botbuilder-azure's `BlobStorage`, with the gaps the bot relies on closed.

`botbuilder.azure.BlobStorage` 4.17.1 (one JSON blob per key, jsonpickle, eTag = If-Match) is used as is, except:

- a stale write raises `ETagConflictError` (a `KeyError`, as `MemoryStorage` and `SqliteStorage` raise) instead
  of the SDK's `ResourceExistsError`/`ResourceModifiedError` (HTTP 412), so callers that retry on `KeyError`
  (conversation references, approvals, the audit index) behave the same on every store;
- a read that fails for any reason other than "not found" raises (the SDK drops such keys silently, which
  would look like "no state" and could restart an approval);
- only items written with an ``e_tag`` field ("store items", e.g. an approval record) get the blob's eTag on
  read; plain state dicts (`ConversationState`, `UserState`) do not, so their writes stay unconditional and two
  quick turns of one conversation on two instances never fail each other (as with `SqliteStorage`; the SDK
  adds the eTag to everything, and the later of two overlapping turns then crashes on a 412);
- a successful write puts the new eTag into the caller's item, like `SqliteStorage`;
- `create_if_absent(key, item)` writes only when the blob does not exist (If-None-Match: *), which the audit
  log uses to start a new index segment without a race between bot instances;
- the container client is our own, so `aclose()` really closes its HTTP session (the SDK leaves it open).

Keys are blob names as given (the SDK quotes them), e.g. ``msteams/conversations/a:1...``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.storage.blob.aio import BlobClient, ContainerClient
from botbuilder.azure import BlobStorage, BlobStorageSettings
from jsonpickle.unpickler import Unpickler

from bot.storage_sqlite import ETagConflictError

_READ_CONCURRENCY = 8


def _item_etag(item: Any) -> Any:
    if isinstance(item, dict):
        return item.get("e_tag")
    return getattr(item, "e_tag", None)


def _set_item_etag(item: Any, e_tag: str) -> None:
    if isinstance(item, dict):
        if "e_tag" in item:
            item["e_tag"] = e_tag
    elif hasattr(item, "e_tag"):
        try:
            item.e_tag = e_tag
        except AttributeError:
            pass


def _clean_etag(value: Any) -> str:
    return str(value or "").replace('"', "")


class AzureBlobStorage(BlobStorage):
    """`BlobStorage` with uniform eTag conflicts, loud read errors, create-only writes and a closable client."""

    def __init__(self, settings: BlobStorageSettings) -> None:
        if not settings.container_name:
            raise ValueError("a blob container name is required")
        if not settings.connection_string:
            raise ValueError("a blob storage connection string is required")
        self.container_name = settings.container_name
        client = ContainerClient.from_connection_string(settings.connection_string, settings.container_name)
        # BlobStorage keeps its client in name-mangled attributes; we give it ours (same SDK version, pinned).
        self._BlobStorage__container_client = client
        self._BlobStorage__initialized = False
        self._client = client

    def __repr__(self) -> str:  # never the connection string
        return f"AzureBlobStorage(container={self.container_name!r})"

    async def read(self, keys: list[str]) -> dict[str, object]:
        if not keys:
            raise Exception("Keys are required when reading")
        await self._initialize()
        limit = asyncio.Semaphore(_READ_CONCURRENCY)

        async def one(key: str) -> tuple[str, object | None]:
            async with limit:
                try:
                    return key, await self._inner_read_blob(self._client.get_blob_client(key))
                except HttpResponseError as err:
                    if err.status_code == 404:
                        return key, None
                    raise

        found = await asyncio.gather(*(one(k) for k in dict.fromkeys(keys)))
        return {key: item for key, item in found if item is not None}

    async def _inner_read_blob(self, blob_client: BlobClient) -> object:
        """As the SDK's, without its deprecated `content_as_text`."""
        blob = await blob_client.download_blob()
        item = json.loads((await blob.readall()).decode("utf-8"))
        if isinstance(item, dict) and "e_tag" in item:  # only store items: plain state stays last-writer-wins
            item["e_tag"] = _clean_etag(blob.properties.etag)
        return Unpickler().restore(item)

    async def write(self, changes: dict[str, object]) -> None:
        if changes is None:
            raise Exception("Changes are required when writing")
        if not changes:
            return
        await self._initialize()
        for key, item in changes.items():
            e_tag = _item_etag(item)
            if e_tag == "":
                raise Exception("blob_storage.write(): etag missing")
            data = self._store_item_to_str(item)
            blob = self._client.get_blob_client(key)
            try:
                if e_tag and e_tag != "*":
                    result = await blob.upload_blob(data, match_condition=MatchConditions.IfNotModified,
                                                    etag=e_tag)
                else:
                    result = await blob.upload_blob(data, overwrite=True)
            except HttpResponseError as err:
                if err.status_code in (404, 409, 412):
                    raise ETagConflictError(f"eTag conflict for {key!r}: changed since it was read") from None
                raise
            _set_item_etag(item, _clean_etag(result.get("etag")))

    async def create_if_absent(self, key: str, item: dict[str, Any]) -> bool:
        """Write `item` only if `key` does not exist yet; False when it already does. Sets the item's eTag."""
        await self._initialize()
        body = dict(item)
        if "e_tag" in body:
            body["e_tag"] = "*"  # the field marks a store item; its value is the blob's eTag on every read
        try:
            result = await self._client.get_blob_client(key).upload_blob(self._store_item_to_str(body),
                                                                         overwrite=False)
        except ResourceExistsError:
            return False
        except HttpResponseError as err:
            if err.status_code in (409, 412):
                return False
            raise
        if "e_tag" in item:
            item["e_tag"] = _clean_etag(result.get("etag"))
        return True

    def keys_with_prefix_async(self, prefix: str):
        """Blob names starting with `prefix` (async iterator; maintenance and tests, not the turn path)."""
        return _names(self._client, prefix)

    async def aclose(self) -> None:
        await self._client.close()


async def _names(client: ContainerClient, prefix: str):
    async for blob in client.list_blobs(name_starts_with=prefix):
        yield blob.name


def blob_storage(connection_string: str, container: str) -> AzureBlobStorage:
    return AzureBlobStorage(BlobStorageSettings(container_name=container, connection_string=connection_string))

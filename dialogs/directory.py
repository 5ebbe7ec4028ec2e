"""A cached customer directory for the recognizer's gazetteer, refreshed in the background.

The directory only helps *recognize* customer names in free text; resolving a name to a tenant id always
asks Partner Center's search API, so a stale cache can never send a change to the wrong customer. Loading and
refreshing list customers page by page in a background task, never inside a user's turn (with 10,000
customers that is 20 calls and about a second).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from intents.customers import CustomerDirectory

log = logging.getLogger(__name__)


class DirectoryCache:
    def __init__(self, client: Any, *, max_age_seconds: float = 900.0, limit: int = 20_000) -> None:
        self._client = client
        self._max_age = max_age_seconds
        self._limit = limit
        self._directory: CustomerDirectory | None = None
        self._loaded_at = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def directory(self) -> CustomerDirectory | None:
        """The current directory (possibly None before the first load); schedules a refresh when stale."""
        if time.monotonic() - self._loaded_at > self._max_age:
            self.refresh_soon()
        return self._directory

    def refresh_soon(self) -> None:
        if self._task is None or self._task.done():
            try:
                self._task = asyncio.get_running_loop().create_task(self.refresh())
            except RuntimeError:
                pass  # no loop (CLI tools): the caller gets the cached directory

    async def ensure_loaded(self) -> None:
        """Start the first load in the background and return at once: no user's turn waits for (or, with many
        first turns at once, repeats) a listing of every customer. Until it arrives the recognizer works without
        the gazetteer and names still resolve through the search API."""
        if self._directory is None and self._loaded_at == 0.0:
            self.refresh_soon()

    async def refresh(self) -> None:
        try:
            customers = await self._client.customers.list().to_list(self._limit)
        except Exception as exc:  # noqa: BLE001 - a failed refresh keeps the previous directory
            log.warning("customer directory refresh failed: %s", type(exc).__name__)
            self._loaded_at = time.monotonic() - self._max_age + 60  # retry in a minute
            return
        self._directory = CustomerDirectory.from_records(customers)
        self._loaded_at = time.monotonic()

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

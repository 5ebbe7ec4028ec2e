"""A cached customer directory for the recognizer's gazetteer, refreshed in the background.

The directory helps *recognize* customer names in free text, and lets a *read* ("show subscriptions for
Contoso") skip the search call when the name is exactly one directory customer's (`exact_customer`). Changes
and purchases always resolve names with Partner Center's search API, so a stale cache can never send a change
to the wrong customer. Loading and refreshing list customers page by page in a background task (with 10,000
customers that is 20 calls and about a second); only the first turns after a start wait for it, and for a
bounded time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from dialogs.resolve import DOMAIN_RE, GUID_RE, company_key, customer_value
from intents.customers import CustomerDirectory

log = logging.getLogger(__name__)


class DirectoryCache:
    def __init__(self, client: Any, *, max_age_seconds: float = 900.0, limit: int = 20_000,
                 first_wait_seconds: float = 1.0) -> None:
        self._client = client
        self._first_wait = first_wait_seconds
        self._max_age = max_age_seconds
        self._limit = limit
        self._directory: CustomerDirectory | None = None
        self._names: dict[str, list[tuple[str, dict[str, Any]]]] = {}  # company_key -> (lower name, value)
        self._loaded_at = 0.0
        self._customers: list[Any] = []
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
        """Start the first load in the background (one task, however many first turns arrive at once) and wait
        for it at most `first_wait_seconds`. Without the gazetteer the recognizer misses customer names in
        "suspend contoso's E3" and the user is asked for the customer, so the first turns after a start wait a
        little; a directory too large to list in that time (thousands of customers) keeps loading in the
        background while the turn goes on with the search API only."""
        if self._directory is None and self._loaded_at == 0.0:
            self.refresh_soon()
        task = self._task
        if self._directory is None and task is not None and not task.done() and self._first_wait > 0:
            await asyncio.wait({task}, timeout=self._first_wait)  # never cancels the load

    async def refresh(self) -> None:
        try:
            customers = await self._client.customers.list().to_list(self._limit)
        except Exception as exc:  # noqa: BLE001 - a failed refresh keeps the previous directory
            log.warning("customer directory refresh failed: %s", type(exc).__name__)
            self._loaded_at = time.monotonic() - self._max_age + 60  # retry in a minute
            return
        # Indexing 10,000 names takes ~0.5 s of CPU: in a worker thread, so chat turns keep being served.
        directory, names = await asyncio.to_thread(_index, customers)
        # A listing cut at `limit` may miss a second customer of the same name: then the search API decides.
        self._directory, self._names = directory, (names if len(customers) < self._limit else {})
        self._customers = customers if len(customers) < self._limit else []
        self._loaded_at = time.monotonic()

    def customers(self) -> list[Any] | None:
        """Every customer (client models), for a partner-wide scan that would otherwise list them again; None
        when the directory is not loaded, cut at `limit` or older than `max_age` (then the scan lists them)."""
        if not self._customers or time.monotonic() - self._loaded_at > self._max_age:
            return None
        return list(self._customers)

    def exact_customer(self, query: str) -> dict[str, Any] | None:
        """The customer a read may use without a search call: the one directory customer (at most `max_age`
        old) whose name starts with `query` and equals it up to case, punctuation and legal suffix — the
        customer the search API's exact-match rule would pick (`dialogs.resolve._pick_customer`). None
        (search instead) for anything less certain: no or several such customers, ids, domains."""
        q = query.strip()
        if not q or not self._names or time.monotonic() - self._loaded_at > self._max_age:
            return None
        key = company_key(q)
        if not key or "." in key or GUID_RE.match(q) or DOMAIN_RE.match(q):
            return None
        low = q.lower()
        hits = [value for name, value in self._names.get(key, ()) if name.startswith(low)]
        return dict(hits[0]) if len(hits) == 1 else None

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()


def _index(customers: list[Any]) -> tuple[CustomerDirectory, dict[str, list[tuple[str, dict[str, Any]]]]]:
    names: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for customer in customers:
        name = customer.company_name or ""
        if name:
            names.setdefault(company_key(name), []).append((name.lower(), customer_value(customer)))
    return CustomerDirectory.from_records(customers), names

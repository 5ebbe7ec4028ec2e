"""A botbuilder `Storage` over one SQLite file: durable bot state on a single machine with eTag concurrency.

Semantics follow `MemoryStorage`: an item whose ``e_tag`` (dict key or attribute) is ``None`` or ``"*"`` is
written unconditionally, an empty string is refused, and any other value must equal the stored eTag or the write
raises `ETagConflictError` (a `KeyError`, as MemoryStorage raises). Items written without an ``e_tag`` field
(plain state dicts such as `ConversationState`'s) stay plain: last writer wins and reads add no eTag, so two
quick turns in one conversation never fail on each other. Items that carry the field ("store items", e.g. an
approval record) get a fresh eTag on every write — also on the first one, where MemoryStorage keeps ``"*"`` —
and a successful write puts the new eTag into the caller's item, so writing the same object twice in one turn
is not mistaken for a stale write.

Items are serialized with jsonpickle, as the Azure storages do, so dialog-state objects survive a round trip
(plain JSON data takes `bot.plain_json`'s faster path to the same text). SQLite runs in WAL mode with
``BEGIN IMMEDIATE`` around the compare-and-set, so two bot processes sharing the file cannot both win a
conditional write. Writes run in a worker thread (a commit may checkpoint the WAL and wait for the disk); a
read runs on the event loop when the connection is free, as a WAL read never waits for a writer, and in a worker
thread when the connection is busy.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from botbuilder.core import Storage

from bot import plain_json

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bot_items (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    e_tag TEXT NOT NULL,
    tracked INTEGER NOT NULL,
    updated_at REAL NOT NULL DEFAULT (julianday('now'))
)
"""


class _Row(NamedTuple):
    key: str
    value: str  # jsonpickle text
    tracked: bool  # the item carries an e_tag field
    wanted: str | None  # the eTag the write requires, None = unconditional


class ETagConflictError(KeyError):
    """A conditional write lost: the stored item changed since it was read (a `KeyError`, like MemoryStorage)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "eTag conflict"


def _item_etag(item: Any) -> tuple[bool, Any]:
    """(does the item carry an e_tag field, its value)."""
    if isinstance(item, dict):
        return "e_tag" in item, item.get("e_tag")
    return hasattr(item, "e_tag"), getattr(item, "e_tag", None)


def _set_item_etag(item: Any, e_tag: str) -> None:
    if isinstance(item, dict):
        if "e_tag" in item:
            item["e_tag"] = e_tag
    elif hasattr(item, "e_tag"):
        try:
            item.e_tag = e_tag
        except AttributeError:  # read-only attribute: nothing to refresh
            pass


class SqliteStorage(Storage):
    """Bot state in a SQLite table ``bot_items(key, value, e_tag)``; blocking calls run in a worker thread."""

    def __init__(self, path: str | Path, *, timeout: float = 10.0) -> None:
        super().__init__()
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"SqliteStorage({self.path!r})"

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    async def read(self, keys: list[str]) -> dict[str, object]:
        if keys is None:
            raise Exception("Keys are required when reading")
        keys = list(keys)
        if not keys:
            return {}
        rows = self._read_rows_now(keys)
        if rows is None:
            rows = await asyncio.to_thread(self._read_rows, keys)
        result: dict[str, object] = {}
        for key, value, e_tag, tracked in rows:
            data = json.loads(value)
            if tracked and isinstance(data, dict):
                data["e_tag"] = e_tag
            result[key] = plain_json.restore(data, value)
        return result

    async def write(self, changes: dict[str, object]) -> None:
        if changes is None:
            raise Exception("Changes are required when writing")
        if not changes:
            return
        rows: list[_Row] = []
        for key, item in changes.items():
            tracked, wanted = _item_etag(item)
            if wanted == "":
                raise Exception("SqliteStorage.write(): etag missing")
            rows.append(_Row(key, plain_json.encode(item), tracked, None if wanted == "*" else wanted))
        new_tags = await asyncio.to_thread(self._write_rows, rows)
        for item, e_tag in zip(changes.values(), new_tags, strict=True):
            _set_item_etag(item, e_tag)

    async def delete(self, keys: list[str]) -> None:
        if keys is None:
            raise Exception("SqliteStorage.delete(): keys are required")
        keys = list(keys)
        if keys:
            await asyncio.to_thread(self._delete_rows, keys)

    # --- blocking part, one short transaction per call -------------------------------------------------

    def _read_rows(self, keys: list[str]) -> list[tuple[str, str, str, int]]:
        with self._lock:
            return self._select(keys)

    def _read_rows_now(self, keys: list[str]) -> list[tuple[str, str, str, int]] | None:
        """The rows, read right here if no worker thread is using the connection; None if one is."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._select(keys)
        finally:
            self._lock.release()

    def _select(self, keys: list[str]) -> list[tuple[str, str, str, int]]:
        rows: list[tuple[str, str, str, int]] = []
        for chunk in _chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            rows += self._conn.execute(
                f"SELECT key, value, e_tag, tracked FROM bot_items WHERE key IN ({marks})", chunk
            ).fetchall()
        return rows

    def _write_rows(self, rows: list[_Row]) -> list[str]:
        """All-or-nothing: one conflicting item rolls back the whole batch. Returns the new eTags."""
        new_tags: list[str] = []
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:
                    if row.wanted is not None:
                        found = conn.execute(
                            "SELECT e_tag FROM bot_items WHERE key = ? AND tracked = 1", (row.key,)
                        ).fetchone()
                        # Like MemoryStorage: only an item stored with an eTag can be stale.
                        if found and found[0] != row.wanted:
                            raise ETagConflictError(f"eTag conflict for {row.key!r}: changed since it was read")
                    e_tag = uuid.uuid4().hex
                    conn.execute(
                        "INSERT INTO bot_items(key, value, e_tag, tracked, updated_at) "
                        "VALUES (?, ?, ?, ?, julianday('now')) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, e_tag = excluded.e_tag, "
                        "tracked = excluded.tracked, updated_at = excluded.updated_at",
                        (row.key, row.value, e_tag, int(row.tracked)),
                    )
                    new_tags.append(e_tag)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return new_tags

    def _delete_rows(self, keys: list[str]) -> None:
        with self._lock:
            for chunk in _chunks(keys, 500):
                marks = ",".join("?" * len(chunk))
                self._conn.execute(f"DELETE FROM bot_items WHERE key IN ({marks})", chunk)

    def keys_with_prefix(self, prefix: str) -> list[str]:
        """Keys starting with `prefix` (sync; used by listings such as stored conversation references)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._lock:
            rows = self._conn.execute(
                "SELECT key FROM bot_items WHERE key LIKE ? ESCAPE '\\' ORDER BY key", (escaped + "%",)
            ).fetchall()
        return [r[0] for r in rows]


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]

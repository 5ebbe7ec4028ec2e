"""SQLite document store: every resource is a JSON document addressed by (kind, scope, id).

`scope` is usually the customer tenant id ("" for partner-level resources). `seq` is a monotonically increasing
row number used for stable ordering and seek paging. `k1`/`k2` are optional lower-cased search keys (indexed) for
prefix filters. Also holds idempotency records (MS-RequestId -> stored response), audit records and meta values.
One connection, used from the event loop thread; `transaction()` groups writes atomically (rolls back on error).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, scope TEXT NOT NULL, id TEXT NOT NULL,
    k1 TEXT, k2 TEXT, body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS docs_key ON docs(kind, scope, id);
CREATE INDEX IF NOT EXISTS docs_kind_id ON docs(kind, id);
CREATE INDEX IF NOT EXISTS docs_k1 ON docs(kind, scope, k1);
CREATE INDEX IF NOT EXISTS docs_k2 ON docs(kind, scope, k2);
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    status INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (request_id, method, path)
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, operation_date TEXT NOT NULL,
    customer_id TEXT, customer_name TEXT, resource_type TEXT, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_date ON audit(operation_date);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_HIGH = "\U0010ffff"


@dataclass(frozen=True)
class Doc:
    kind: str
    scope: str
    id: str
    seq: int
    body: dict[str, Any]


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def _dump(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


class Store:
    """Document store over one SQLite file (or `:memory:`)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._depth = 0

    def close(self) -> None:
        self._db.close()

    # ---- transactions -------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Atomic group of writes; nested calls join the outer transaction (savepoints roll back inner errors)."""
        name = f"sp{self._depth}"
        if self._depth == 0:
            self._db.execute("BEGIN")
        else:
            self._db.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            else:
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("COMMIT")
        else:
            self._db.execute(f"RELEASE {name}")

    # ---- documents ----------------------------------------------------------------------------------------
    def get(self, kind: str, id: str, scope: str = "") -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT body FROM docs WHERE kind=? AND scope=? AND id=?", (kind, scope, id)).fetchone()
        return json.loads(row[0]) if row else None

    def find(self, kind: str, id: str) -> Doc | None:
        """Look a document up by id in any scope (e.g. a service request id without its customer)."""
        row = self._db.execute(
            "SELECT kind, scope, id, seq, body FROM docs WHERE kind=? AND id=? ORDER BY seq LIMIT 1",
            (kind, id)).fetchone()
        return Doc(row[0], row[1], row[2], row[3], json.loads(row[4])) if row else None

    def put(self, kind: str, id: str, body: dict[str, Any], scope: str = "",
            k1: str | None = None, k2: str | None = None) -> None:
        """Insert or replace; a replaced document keeps its seq (its place in listings)."""
        self._db.execute(
            "INSERT INTO docs(kind, scope, id, k1, k2, body) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(kind, scope, id) DO UPDATE SET k1=excluded.k1, k2=excluded.k2, body=excluded.body",
            (kind, scope, id, _low(k1), _low(k2), _dump(body)))

    def put_many(self, kind: str, rows: Iterable[tuple]) -> int:
        """Bulk insert/replace of (id, body, scope[, k1[, k2]]) tuples; call inside transaction() for speed."""
        prepared = []
        for row in rows:
            id_, body, scope, *keys = row
            keys = list(keys) + [None] * (2 - len(keys))
            prepared.append((kind, scope, id_, _low(keys[0]), _low(keys[1]), _dump(body)))
        self._db.executemany(
            "INSERT INTO docs(kind, scope, id, k1, k2, body) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(kind, scope, id) DO UPDATE SET k1=excluded.k1, k2=excluded.k2, body=excluded.body",
            prepared)
        return len(prepared)

    def delete(self, kind: str, id: str, scope: str = "") -> bool:
        cur = self._db.execute("DELETE FROM docs WHERE kind=? AND scope=? AND id=?", (kind, scope, id))
        return cur.rowcount > 0

    def delete_scope(self, scope: str) -> int:
        """Remove every document that lives under a scope (all of one customer's resources)."""
        return self._db.execute("DELETE FROM docs WHERE scope=?", (scope,)).rowcount

    def list(self, kind: str, scope: str | None = "", *, after_seq: int = 0, limit: int | None = None,
             k1_prefix: str | None = None, k2_prefix: str | None = None) -> list[Doc]:
        """Documents of a kind in seq order; scope=None means every scope. Prefix filters are case-insensitive."""
        sql = "SELECT kind, scope, id, seq, body FROM docs WHERE kind=? AND seq>?"
        args: list[Any] = [kind, after_seq]
        if scope is not None:
            sql += " AND scope=?"
            args.append(scope)
        for col, prefix in (("k1", k1_prefix), ("k2", k2_prefix)):
            if prefix is not None:
                low = prefix.lower()
                sql += f" AND {col}>=? AND {col}<?"
                args += [low, low + _HIGH]
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [Doc(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in self._db.execute(sql, args)]

    def count(self, kind: str, scope: str | None = "") -> int:
        if scope is None:
            return self._db.execute("SELECT COUNT(*) FROM docs WHERE kind=?", (kind,)).fetchone()[0]
        return self._db.execute(
            "SELECT COUNT(*) FROM docs WHERE kind=? AND scope=?", (kind, scope)).fetchone()[0]

    # ---- idempotency --------------------------------------------------------------------------------------
    def get_response(self, request_id: str, method: str, path: str) -> StoredResponse | None:
        row = self._db.execute(
            "SELECT status, headers, body FROM requests WHERE request_id=? AND method=? AND path=?",
            (request_id, method, path)).fetchone()
        return StoredResponse(row[0], json.loads(row[1]), bytes(row[2])) if row else None

    def save_response(self, request_id: str, method: str, path: str, response: StoredResponse,
                      created: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO requests(request_id, method, path, status, headers, body, created) "
            "VALUES (?,?,?,?,?,?,?)",
            (request_id, method, path, response.status, _dump(response.headers), response.body, created))

    # ---- audit records ------------------------------------------------------------------------------------
    def add_audit(self, record: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO audit(id, operation_date, customer_id, customer_name, resource_type, body) "
            "VALUES (?,?,?,?,?,?)",
            (record["id"], record["operationDate"], record.get("customerId") or "",
             (record.get("customerName") or "").lower(), (record.get("resourceType") or "").lower(),
             _dump(record)))

    def list_audit(self, start: str, end: str, *, after_seq: int = 0, limit: int = 500,
                   customer_id: str | None = None, resource_type: str | None = None,
                   name_contains: str | None = None) -> list[tuple[int, dict[str, Any]]]:
        """Audit records with start <= operationDate < end (ISO strings compare in time order)."""
        sql = "SELECT seq, body FROM audit WHERE seq>? AND operation_date>=? AND operation_date<?"
        args: list[Any] = [after_seq, start, end]
        if customer_id is not None:
            sql += " AND customer_id=?"
            args.append(customer_id)
        if resource_type is not None:
            sql += " AND resource_type=?"
            args.append(resource_type.lower())
        if name_contains is not None:
            sql += " AND instr(customer_name, ?) > 0"
            args.append(name_contains.lower())
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        return [(r[0], json.loads(r[1])) for r in self._db.execute(sql, args)]

    def audit_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]

    # ---- meta ---------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)", (key, value))

    def wipe(self) -> None:
        """Delete everything (used by /_sandbox/reset before reseeding)."""
        with self.transaction():
            for table in ("docs", "requests", "audit", "meta"):
                self._db.execute(f"DELETE FROM {table}")


def _low(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else None

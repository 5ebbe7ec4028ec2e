"""The bot's audit log in bot storage: append-only, safe with several bot instances, queryable for `audit.records`.

Layout (keys under ``partnerbot/audit/``):

- ``entry/<id>`` — one immutable item per entry. The id is time-ordered and unique
  (``20260312T101500123456Z-<12 hex>``), so appends never write the same key and need no eTag.
- ``day/<yyyy-mm-dd>/<nnnn>`` — the day's index, a chain of small segments of at most `segment_size` summaries
  (id, time, operation, user, customer, outcome). A writer appends to the chain's last segment with the
  segment's eTag and retries on a conflict; a full segment is never written again and the next one is created
  with a create-only write (`create_if_absent` on blob storage, a one-off eTag on memory/SQLite storage), so two
  instances starting the same segment cannot overwrite each other. No single item grows without bound.

The log stamps each entry with its own UTC time (`at`) and id, and strips secrets (password, token, key,
connection string, ... fields; bearer tokens, JWTs and account keys inside text) before anything is stored.
Queries walk the days of a window newest first and read full entries only for the page they return.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from botbuilder.core import Storage

from dialogs.approval_store import create_if_absent
from dialogs.audit_log import AuditPage, AuditQuery
from partner_center import clock as pc_clock

__all__ = ["AuditPage", "AuditQuery", "AuditWriteError", "StorageAuditLog", "redact"]

log = logging.getLogger(__name__)

PREFIX = "partnerbot/audit/"
SEGMENT_SIZE = 100
MAX_ATTEMPTS = 40
DEFAULT_WINDOW = timedelta(days=30)
MAX_WINDOW_DAYS = 400
_SEGMENT_BATCH = 4  # segments read per storage call while walking a day's chain

REDACTED = "[redacted]"
_SECRET_KEYS = ("password", "passwd", "secret", "token", "authorization", "apikey", "credential",
                "connectionstring", "accountkey", "sharedaccesssignature", "privatekey", "clientassertion",
                "cookie", "sastoken")
_SECRET_TEXT = [
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),  # JWT
    (re.compile(r"(?i)\b(AccountKey|SharedAccessSignature|sig|password|pwd|client_secret)=[^;&\s]+"),
     lambda m: f"{m.group(1)}={REDACTED}"),
]
_MAX_TEXT = 2000
_MAX_DEPTH = 8
_PERSON_FIELDS = ("user", "requester", "approver", "decided_by")


class AuditWriteError(RuntimeError):
    """The index could not be updated after many eTag conflicts (the entry itself is stored)."""


# ----------------------------------------------------------------------------------------------- keys and ids


def entry_key(entry_id: str) -> str:
    return f"{PREFIX}entry/{entry_id}"


def segment_key(day: str, number: int) -> str:
    return f"{PREFIX}day/{day}/{number:04d}"


def _entry_time(entry_id: str) -> datetime:
    return datetime.strptime(entry_id[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)


# ----------------------------------------------------------------------------------------------- redaction


def _is_secret_key(key: Any) -> bool:
    normalized = re.sub(r"[^a-z]", "", str(key).lower())
    return any(word in normalized for word in _SECRET_KEYS)


def _scrub_text(value: str) -> str:
    for pattern, replacement in _SECRET_TEXT:
        value = pattern.sub(replacement, value)
    return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + "…"


def redact(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of `value` with secrets replaced by "[redacted]" (keys by name, values by pattern)."""
    if depth > _MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {str(k): REDACTED if _is_secret_key(k) and v not in (None, "") else redact(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v, depth + 1) for v in value]
    if isinstance(value, str):
        return _scrub_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return _scrub_text(str(value))


# ----------------------------------------------------------------------------------------------- summaries


def _customer_of(entry: Mapping[str, Any]) -> dict[str, str]:
    for candidate in (entry.get("customer"), (entry.get("parameters") or {}).get("customer")):
        if isinstance(candidate, Mapping) and (candidate.get("id") or candidate.get("name")):
            return {k: str(candidate[k]) for k in ("id", "name") if candidate.get(k)}
        if isinstance(candidate, str) and candidate:
            return {"id": candidate}
    return {}


def _people_of(entry: Mapping[str, Any]) -> list[str]:
    """Lower-cased identifiers of everyone named in the entry (requester, approver, ...), for the user filter."""
    found: list[str] = []
    for name in _PERSON_FIELDS:
        person = entry.get(name)
        if isinstance(person, Mapping):
            for key in ("id", "aad_object_id", "upn", "name"):
                if person.get(key):
                    found.append(str(person[key]).lower())
        elif isinstance(person, str) and person:
            found.append(person.lower())
    return list(dict.fromkeys(found))


def summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """What the day index keeps per entry: enough to filter and sort without reading the entry."""
    customer = _customer_of(record)
    return {"id": record["id"], "at": record["at"], "op": str(record.get("operation") or ""),
            "outcome": str(record.get("outcome") or ""), "people": _people_of(record),
            "customer": customer}


# ----------------------------------------------------------------------------------------------- the log


class StorageAuditLog:
    """`dialogs.policy.AuditSink` over any botbuilder `Storage`, plus the query API behind `audit.records`."""

    def __init__(self, storage: Storage, *, segment_size: int = SEGMENT_SIZE, max_attempts: int = MAX_ATTEMPTS,
                 clock: Callable[[], datetime] | None = None) -> None:
        if segment_size < 1:
            raise ValueError("segment_size must be at least 1")
        self.storage = storage
        self.segment_size = segment_size
        self.max_attempts = max_attempts
        self._clock = clock or pc_clock.now
        self._last_time: datetime | None = None
        self._tails: dict[str, int] = {}  # day -> last segment number seen (a hint; other instances move it)
        # day -> (number, the tail segment as this process last wrote it, with the eTag the store gave back): the
        # next append writes on that eTag without reading first; if another instance appended meanwhile, the
        # write conflicts and the segment is read again.
        self._written: dict[str, tuple[int, dict[str, Any]]] = {}
        self._lock = asyncio.Lock()  # one index writer per process; other instances are handled by eTags

    # ---- writing ------------------------------------------------------------------------------------

    def _new_id(self) -> tuple[str, datetime]:
        now = self._clock().astimezone(UTC)
        if self._last_time is not None and now <= self._last_time:
            now = self._last_time + timedelta(microseconds=1)  # strictly increasing within this process
        self._last_time = now
        return f"{now:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:12]}", now

    async def append(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        """Store `entry` (secrets removed, stamped with `id` and `at`) and index it; returns the stored record."""
        entry_id, now = self._new_id()
        record = redact({k: v for k, v in entry.items() if k not in {"id", "at", "e_tag"}})
        record.update({"id": entry_id, "at": now.isoformat(timespec="microseconds").replace("+00:00", "Z")})
        customer = _customer_of(record)
        if customer and "customer" not in record:
            record["customer"] = customer
        # The entry first: if the index update fails, the record is still durable (and logged below).
        await self.storage.write({entry_key(entry_id): copy.deepcopy(record)})
        async with self._lock:
            await self._index(now.date().isoformat(), summary(record))
        return record

    async def _index(self, day: str, ref: dict[str, Any]) -> None:
        number = self._tails.get(day, 0)
        written = self._written.pop(day, None)
        for attempt in range(self.max_attempts):
            key = segment_key(day, number)
            if written is not None and written[0] == number:
                stored, written = written[1], None  # our own copy: trusted for one write attempt
            else:
                stored = (await self.storage.read([key])).get(key)
            if stored is None:
                one_off = f"new-{uuid.uuid4().hex}"
                segment = {"day": day, "number": number, "refs": [ref], "e_tag": one_off}
                if await create_if_absent(self.storage, key, segment):
                    self._wrote(day, number, segment, one_off)
                    return
            else:
                segment = dict(stored)  # a new top level and refs list; the refs in it are never changed
                refs = list(segment.get("refs") or [])
                if len(refs) >= self.segment_size:
                    number += 1
                    continue
                segment["refs"] = [*refs, ref]
                sent_etag = segment.get("e_tag")
                try:
                    await self.storage.write({key: segment})
                    self._wrote(day, number, segment, sent_etag)
                    return
                except KeyError:
                    pass  # another instance appended first (or our copy was stale): read again
            await asyncio.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** min(attempt, 6))))
        raise AuditWriteError(f"audit index for {day} still conflicting after {self.max_attempts} attempts "
                              f"(entry {ref['id']} is stored)")

    def _wrote(self, day: str, number: int, segment: dict[str, Any], sent_etag: Any) -> None:
        self._tails[day] = number
        self._written.clear()  # only today's tail is worth keeping
        e_tag = segment.get("e_tag")
        # Kept only when the store handed a new eTag back into the item (SQLite storage does; MemoryStorage
        # does not, and a stale eTag would make every next write conflict once).
        if isinstance(e_tag, str) and e_tag not in ("", "*") and e_tag != sent_etag:
            self._written[day] = (number, segment)

    # ---- reading ------------------------------------------------------------------------------------

    async def _day_refs(self, day: str) -> tuple[list[dict[str, Any]], int]:
        refs: list[dict[str, Any]] = []
        number = 0
        while True:
            keys = [segment_key(day, n) for n in range(number, number + _SEGMENT_BATCH)]
            found = await self.storage.read(keys)
            for key in keys:
                segment = found.get(key)
                if segment is None:
                    return refs, number
                refs.extend(segment.get("refs") or [])
                number += 1

    async def query(self, query: AuditQuery | None = None, *, limit: int = 20, before: str | None = None,
                    skip: int = 0) -> AuditPage:
        """Entries matching `query`, newest first: `limit` of them after skipping `skip` (or older than `before`)."""
        query = query or AuditQuery()
        # Default end: just after now, so an entry written this instant is included (the end is exclusive).
        end = (query.end or self._clock() + timedelta(seconds=1)).astimezone(UTC)
        start = (query.start or end - DEFAULT_WINDOW).astimezone(UTC)
        start = max(start, end - timedelta(days=MAX_WINDOW_DAYS))
        wanted = skip + limit + 1
        matched: list[dict[str, Any]] = []
        scanned = 0
        day = end.date() if end.time() != datetime.min.time() else (end - timedelta(microseconds=1)).date()
        while day >= start.date() and len(matched) < wanted:
            refs, segments = await self._day_refs(day.isoformat())
            scanned += segments
            chosen = [r for r in refs if _in_window(r, start, end) and (before is None or r["id"] < before)
                      and query.matches(r)]
            matched.extend(sorted(chosen, key=lambda r: r["id"], reverse=True))
            day -= timedelta(days=1)
        page_refs = matched[skip:skip + limit]
        has_more = len(matched) > skip + limit
        entries = await self._load(page_refs)
        return AuditPage(entries, has_more, start, end, page_refs[-1]["id"] if has_more and page_refs else None,
                         scanned)

    async def _load(self, refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not refs:
            return []
        found = await self.storage.read([entry_key(r["id"]) for r in refs])
        entries = []
        for ref in refs:
            item = found.get(entry_key(ref["id"]))
            if item is None:  # deleted from storage by hand: show what the index knows
                entries.append({"id": ref["id"], "at": ref["at"], "operation": ref["op"], "outcome": ref["outcome"],
                                "customer": ref.get("customer") or {}, "missing": True})
                continue
            entry = {k: v for k, v in copy.deepcopy(dict(item)).items() if k != "e_tag"}
            entries.append(entry)
        return entries

    async def get(self, entry_id: str) -> dict[str, Any] | None:
        item = (await self.storage.read([entry_key(entry_id)])).get(entry_key(entry_id))
        return None if item is None else {k: v for k, v in copy.deepcopy(dict(item)).items() if k != "e_tag"}


def _in_window(ref: Mapping[str, Any], start: datetime, end: datetime) -> bool:
    try:
        moment = _entry_time(str(ref["id"]))
    except (KeyError, ValueError):
        return False
    return start <= moment < end



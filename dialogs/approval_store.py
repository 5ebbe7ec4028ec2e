"""Approval records in bot storage, changed only by compare-and-set on the storage eTag.

Works over any botbuilder `Storage` without importing botbuilder: the storage is duck-typed
(`await storage.read([key]) -> {key: item}`, `await storage.write({key: item})`, items are dicts whose "e_tag"
makes the write conditional). A stale eTag raises — `KeyError` for MemoryStorage and the SQLite store, an Azure
`ResourceModifiedError` for Blob storage — so any failed write is answered the same way: read again and
re-decide from the fresh record. Because transitions are idempotent (see `dialogs.approval_state`), a write
that succeeded but reported an error is recognised on the re-read instead of being applied twice.

Keys: ``partnerbot/approvals/request/<id>`` per record, ``partnerbot/approvals/index`` (a small list for
"what is waiting for me" and the sweep; the records stay authoritative) and
``partnerbot/approvals/people`` (users seen by the bot, for finding approvers' chats).

Crash consistency: a new request's index entry is written *before* its record, so every record is reachable
from the index; a change writes the record and then its entry. A crash between the two leaves an entry that is
behind its record (or, at creation, an entry without a record). `repair()` — run at every start and on the
sweep timer — re-reads the record of every open entry and rewrites the entry from it (dropping entries whose
record never appeared after a grace period). An entry marked final is always right: final statuses never change.
`fault_point` lets tests stop the process at each of those steps (`FAULT_POINTS`).
"""

from __future__ import annotations

import copy
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dialogs.approval_state import FINAL_STATUSES, ApprovalRecord, Refusal, Status, Transition

log = logging.getLogger(__name__)

PREFIX = "partnerbot/approvals/"
INDEX_KEY = PREFIX + "index"
PEOPLE_KEY = PREFIX + "people"
MAX_ATTEMPTS = 8
MAX_FINISHED_IN_INDEX = 500
ORPHAN_GRACE = timedelta(minutes=2)  # an index entry whose record never got written is dropped after this
# Where a crash can fall between two storage writes (tests inject a kill at each one).
FAULT_POINTS = ("create.indexed", "change.recorded",  # and in the checkout (dialogs/approvals.py):
                "fulfil.started", "fulfil.cart_stored", "fulfil.ordered")


class ApprovalStoreError(RuntimeError):
    """The store could not complete a change after several attempts (persistent conflict or storage outage)."""


def record_key(request_id: str) -> str:
    return f"{PREFIX}request/{request_id}"


def new_request_id() -> str:
    """Short enough to read out on a call ("R-7F3A9C2B1D"), random enough not to be guessed."""
    return "R-" + secrets.token_hex(5).upper()


def _etag(item: Any) -> str | None:
    value = item.get("e_tag") if isinstance(item, dict) else getattr(item, "e_tag", None)
    return value if isinstance(value, str) and value not in ("", "*") else None


def _plain(item: Any) -> dict[str, Any]:
    """A private copy without the eTag (MemoryStorage hands out its live objects)."""
    data = copy.deepcopy(dict(item)) if isinstance(item, dict) else copy.deepcopy(vars(item))
    data.pop("e_tag", None)
    return data


async def create_if_absent(storage: Any, key: str, item: dict[str, Any]) -> bool:
    """Write `item` only if `key` is new. Blob storage offers this natively (If-None-Match); Memory and SQLite
    storage accept any eTag for a missing item but refuse a mismatching one for a stored item, so a one-off eTag in
    `item` makes the write create-only there too."""
    native = getattr(storage, "create_if_absent", None)
    if callable(native):
        return bool(await native(key, item))
    try:
        await storage.write({key: item})
        return True
    except KeyError:
        return False


class VersionedDocs:
    """Read-modify-write of JSON documents with eTag compare-and-set over a duck-typed bot `Storage`."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    async def read(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        found = (await self.storage.read([key])).get(key)
        if found is None:
            return None, None
        return _plain(found), _etag(found)

    async def create(self, key: str, data: dict[str, Any]) -> None:
        """Write a new document under a fresh key and make sure it carries a real eTag afterwards.

        MemoryStorage keeps "*" as the eTag of an item's first write, which would make every later write
        unconditional; a second write while nobody else knows the key gives it a real one.
        """
        await self.storage.write({key: {**copy.deepcopy(data), "e_tag": "*"}})
        _, etag = await self.read(key)
        if etag is None:
            await self.storage.write({key: {**copy.deepcopy(data), "e_tag": "*"}})

    async def replace(self, key: str, data: dict[str, Any], etag: str | None) -> None:
        """Conditional write: raises (storage-specific) when the stored eTag is no longer `etag`."""
        await self.storage.write({key: {**copy.deepcopy(data), "e_tag": etag or "*"}})


@dataclass(frozen=True)
class IndexEntry:
    id: str
    status: str
    requester_id: str
    created_at: str
    expires_at: str
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "requester_id": self.requester_id, "created_at": self.created_at,
                "expires_at": self.expires_at, "version": self.version}

    @classmethod
    def of(cls, record: ApprovalRecord) -> IndexEntry:
        return cls(record.id, record.status.value, record.requester.id, record.created_at, record.expires_at,
                   record.version)


class ApprovalStore:
    def __init__(self, storage: Any) -> None:
        self.docs = VersionedDocs(storage)
        self.fault_point: Callable[[str], None] | None = None  # tests: raise at a named step to "kill" the process

    def _point(self, name: str) -> None:
        if self.fault_point is not None:
            self.fault_point(name)

    async def create(self, record: ApprovalRecord) -> ApprovalRecord:
        """Store a new record under an unused id (a new id is drawn if the first is taken)."""
        for _ in range(5):
            existing, _ = await self.docs.read(record_key(record.id))
            if existing is None:
                break
            record.id = new_request_id()
        else:
            raise ApprovalStoreError("could not find an unused approval request id")
        await self._index(record)  # first: a record is never unreachable from the index
        self._point("create.indexed")
        await self.docs.create(record_key(record.id), record.to_dict())
        return record

    async def load(self, request_id: str) -> ApprovalRecord | None:
        data, _ = await self.docs.read(record_key(request_id))
        return ApprovalRecord.from_dict(data) if data else None

    async def change(self, request_id: str, decide: Callable[[ApprovalRecord], Transition]) -> Transition:
        """Apply `decide` to the current record and store the result, retrying on a lost race.

        `decide` must be a pure function of the record (it is called again after every conflict).
        """
        last_error: Exception | None = None
        for attempt in range(MAX_ATTEMPTS):
            data, etag = await self.docs.read(record_key(request_id))
            if data is None:
                return Transition(None, refusal=Refusal.NOT_FOUND)
            transition = decide(ApprovalRecord.from_dict(data))
            if not transition.changed:
                return transition
            assert transition.record is not None
            try:
                await self.docs.replace(record_key(request_id), transition.record.to_dict(), etag)
            except Exception as exc:  # noqa: BLE001 - stale eTag (type depends on the storage) or a transient error
                last_error = exc
                log.info("approval %s changed concurrently (%s); deciding again (%d)", request_id,
                         type(exc).__name__, attempt + 1)
                continue
            if transition.event not in (None, "cart", "cards"):
                self._point("change.recorded")
                await self._index(transition.record)
            return transition
        raise ApprovalStoreError(f"approval {request_id} could not be updated") from last_error

    # ----- the index --------------------------------------------------------------------------------------

    async def entries(self) -> list[IndexEntry]:
        data, _ = await self.docs.read(INDEX_KEY)
        items = (data or {}).get("items") or {}
        return [IndexEntry(rid, str(v.get("status")), str(v.get("requester_id")), str(v.get("created_at")),
                           str(v.get("expires_at")), int(v.get("version") or 1)) for rid, v in items.items()]

    async def open_ids(self, statuses: tuple[Status, ...] = (Status.PENDING, Status.APPROVED, Status.FAILED),
                       ) -> list[str]:
        wanted = {s.value for s in statuses}
        return [e.id for e in sorted(await self.entries(), key=lambda e: e.created_at) if e.status in wanted]

    async def repair(self, now: datetime) -> list[ApprovalRecord]:
        """Rewrite every open index entry from its record (a crash may have fallen between the two writes);
        drop entries whose record never appeared. Returns the open records, as stored."""
        final = {s.value for s in FINAL_STATUSES}
        records: list[ApprovalRecord] = []
        for entry in sorted(await self.entries(), key=lambda e: e.created_at):
            if entry.status in final:
                continue
            record = await self.load(entry.id)
            if record is None:
                try:
                    created = datetime.fromisoformat(entry.created_at)
                except ValueError:
                    created = None
                if created is None or created + ORPHAN_GRACE <= now:
                    await self._drop(entry.id)
                continue
            if record.version != entry.version or record.status.value != entry.status:
                log.info("approval index entry %s repaired (%s v%d -> %s v%d)", entry.id, entry.status,
                         entry.version, record.status.value, record.version)
                await self._index(record)
            if record.status not in FINAL_STATUSES:
                records.append(record)
        return records

    async def _drop(self, request_id: str) -> None:
        for _ in range(MAX_ATTEMPTS):
            data, etag = await self.docs.read(INDEX_KEY)
            items = dict((data or {}).get("items") or {})
            if request_id not in items or data is None:
                return
            items.pop(request_id)
            try:
                await self.docs.replace(INDEX_KEY, {"items": items}, etag)
                log.info("approval index entry %s dropped: its record was never written", request_id)
                return
            except Exception:  # noqa: BLE001 - lost the race: read again
                continue

    async def _index(self, record: ApprovalRecord) -> None:
        """Upsert the record's index entry (never over a newer version of it); verified by reading back, so it
        also works where the storage writes the first version of a document unconditionally."""
        entry = IndexEntry.of(record)
        for _ in range(MAX_ATTEMPTS):
            data, etag = await self.docs.read(INDEX_KEY)
            items = dict((data or {}).get("items") or {})
            if int((items.get(entry.id) or {}).get("version") or 0) >= entry.version:
                return
            items[entry.id] = entry.to_dict()
            items = _prune(items)
            try:
                if data is None:
                    await self.docs.create(INDEX_KEY, {"items": items})
                else:
                    await self.docs.replace(INDEX_KEY, {"items": items}, etag)
            except Exception as exc:  # noqa: BLE001 - lost the race: read again
                log.debug("approval index changed concurrently (%s)", type(exc).__name__)
                continue
            check, _ = await self.docs.read(INDEX_KEY)
            stored = ((check or {}).get("items") or {}).get(entry.id)
            if stored is not None and int(stored.get("version") or 0) >= entry.version:
                return
        log.warning("approval index entry for %s could not be written; the record itself is stored", entry.id)


def _prune(items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Keep every open request and the most recent finished ones."""
    finished = sorted((k for k, v in items.items() if v.get("status") in {s.value for s in FINAL_STATUSES}),
                      key=lambda k: items[k].get("created_at") or "")
    for key in finished[:-MAX_FINISHED_IN_INDEX] if len(finished) > MAX_FINISHED_IN_INDEX else []:
        items.pop(key)
    return items


@dataclass(frozen=True)
class KnownPerson:
    id: str
    name: str
    mri: str | None


class PeopleIndex:
    """Users the bot has talked to (id, display name, Teams MRI): where approval requests can be delivered."""

    def __init__(self, storage: Any) -> None:
        self.docs = VersionedDocs(storage)
        self._seen: dict[str, tuple[str, str | None]] = {}

    async def remember(self, user_id: str, name: str, mri: str | None) -> bool:
        """Record a user (written only when new or changed). Returns True when the store was written."""
        if not user_id or self._seen.get(user_id) == (name, mri):
            return False
        for _ in range(MAX_ATTEMPTS):
            data, etag = await self.docs.read(PEOPLE_KEY)
            people = dict((data or {}).get("people") or {})
            current = people.get(user_id)
            if current and (current.get("name"), current.get("mri")) == (name, mri):
                self._seen[user_id] = (name, mri)
                return False
            people[user_id] = {"name": name, "mri": mri}
            try:
                if data is None:
                    await self.docs.create(PEOPLE_KEY, {"people": people})
                else:
                    await self.docs.replace(PEOPLE_KEY, {"people": people}, etag)
            except Exception as exc:  # noqa: BLE001 - lost the race: read again
                log.debug("people index changed concurrently (%s)", type(exc).__name__)
                continue
            check, _ = await self.docs.read(PEOPLE_KEY)
            if user_id in ((check or {}).get("people") or {}):
                self._seen[user_id] = (name, mri)
                return True
        log.warning("could not record user %s in the people index", user_id)
        return False

    async def all(self) -> list[KnownPerson]:
        data, _ = await self.docs.read(PEOPLE_KEY)
        people = (data or {}).get("people") or {}
        return [KnownPerson(uid, str(v.get("name") or ""), v.get("mri")) for uid, v in sorted(people.items())]

    async def get(self, user_id: str) -> KnownPerson | None:
        return next((p for p in await self.all() if p.id == user_id), None)

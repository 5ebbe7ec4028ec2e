"""StorageAuditLog: append-only entries with log-made timestamps, secrets removed, a segmented day index that
stays correct under concurrent writers (memory, SQLite shared by two log instances, Azure Blob on Azurite), and
the query API (time range, customer, user, operation, paging) behind `audit.records`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from botbuilder.core import MemoryStorage

from bot.audit import REDACTED, AuditQuery, StorageAuditLog, entry_key, redact, segment_key
from bot.storage_blob import blob_storage
from bot.storage_sqlite import SqliteStorage
from tests.support.azurite import container_name

CONTOSO = {"id": "c0ffee00-0000-0000-0000-000000000001", "name": "Contoso Ltd"}
FABRIKAM = {"id": "fab00000-0000-0000-0000-000000000002", "name": "Fabrikam"}
ADA = {"id": "aad-ada", "name": "Ada Lovelace", "upn": "ada@partner.example"}
BOB = {"id": "aad-bob", "name": "Bob Ross", "upn": "bob@partner.example"}


def entry(op: str = "subscriptions.update_quantity", user=ADA, customer=CONTOSO, outcome="succeeded", **extra):
    return {"operation": op, "kind": "change", "user": dict(user), "parameters": {"customer": dict(customer),
            "quantity": 5}, "outcome": outcome, "flow": "f1", "request_id": "r-1", **extra}


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def test_append_stamps_time_and_id_and_keeps_one_item_per_entry():
    storage = MemoryStorage()
    clock = Clock(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    audit = StorageAuditLog(storage, clock=clock)
    first = await audit.append({**entry(), "at": "1999-01-01T00:00:00Z", "id": "forged"})
    second = await audit.append(entry())  # same clock reading: still strictly later
    assert first["at"] == "2026-03-12T10:00:00.000000Z" and first["id"] != "forged"
    assert first["id"].startswith("20260312T100000000000Z-") and second["id"] > first["id"]
    assert first["customer"] == CONTOSO
    stored = await audit.get(first["id"])
    assert stored == first and stored is not first
    keys = sorted(storage.memory)
    assert keys == sorted([entry_key(first["id"]), entry_key(second["id"]), segment_key("2026-03-12", 0)])
    assert [r["id"] for r in storage.memory[segment_key("2026-03-12", 0)]["refs"]] == [first["id"], second["id"]]


async def test_secrets_never_reach_storage():
    storage = MemoryStorage()
    audit = StorageAuditLog(storage)
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl"
    record = await audit.append(entry(parameters={"customer": CONTOSO, "password": "Hunter2!pass", "note": "ok"},
                                      details={"headers": {"Authorization": "Bearer abcdefghijkl"},
                                               "client_secret": "s3cr3t", "text": f"token {jwt} and "
                                               "AccountKey=Eby8vdM02x==;BlobEndpoint=x",
                                               "nested": [{"apiKey": "k-123456"}]}))
    dumped = json.dumps(storage.memory, default=str)
    for secret in ("Hunter2!pass", "abcdefghijkl", "s3cr3t", jwt, "Eby8vdM02x", "k-123456"):
        assert secret not in dumped
    assert record["parameters"]["password"] == REDACTED and record["parameters"]["note"] == "ok"
    assert record["details"]["client_secret"] == REDACTED
    assert "AccountKey=[redacted]" in record["details"]["text"]
    # Ordinary ids that only look technical are kept.
    assert record["request_id"] == "r-1" and record["flow"] == "f1"


def test_redact_is_json_safe_and_bounded():
    value = redact({"when": datetime(2026, 1, 1, tzinfo=UTC), "items": (1, 2), "long": "x" * 5000,
                    "deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}}})
    json.dumps(value)
    assert value["when"] == "2026-01-01T00:00:00+00:00" and value["items"] == [1, 2]
    assert len(value["long"]) <= 2001


async def test_segments_roll_over_and_no_segment_grows_past_its_size():
    storage = MemoryStorage()
    clock = Clock(datetime(2026, 3, 12, 8, 0, tzinfo=UTC))
    audit = StorageAuditLog(storage, segment_size=3, clock=clock)
    ids = []
    for _ in range(8):
        ids.append((await audit.append(entry()))["id"])
        clock.advance(seconds=1)
    segments = [storage.memory[segment_key("2026-03-12", n)] for n in range(3)]
    assert [len(s["refs"]) for s in segments] == [3, 3, 2]
    assert segment_key("2026-03-12", 3) not in storage.memory
    page = await audit.query(AuditQuery(start=clock.now - timedelta(hours=1), end=clock.now), limit=50)
    assert [e["id"] for e in page.entries] == ids[::-1] and not page.has_more


async def test_concurrent_appends_from_two_log_instances_lose_nothing():
    """Two bot instances (two logs, one store) appending at once: every entry is indexed exactly once."""
    storage = MemoryStorage()
    a = StorageAuditLog(storage, segment_size=4)
    b = StorageAuditLog(storage, segment_size=4)
    records = await asyncio.gather(*(log.append(entry(op=f"op.{i}")) for i in range(30) for log in (a, b)))
    page = await a.query(limit=100)
    assert sorted(e["id"] for e in page.entries) == sorted(r["id"] for r in records)
    day = records[0]["at"][:10]
    sizes, n = [], 0
    while segment_key(day, n) in storage.memory:
        sizes.append(len(storage.memory[segment_key(day, n)]["refs"]))
        n += 1
    assert sum(sizes) == 60 and max(sizes) <= 4


async def test_two_processes_worth_of_sqlite_connections(tmp_path):
    """Two SqliteStorage objects on one file (as two bot processes on one machine) share one consistent index."""
    path = tmp_path / "state.db"
    one, two = SqliteStorage(path), SqliteStorage(path)
    try:
        a, b = StorageAuditLog(one, segment_size=5), StorageAuditLog(two, segment_size=5)
        records = await asyncio.gather(*(log.append(entry()) for _ in range(12) for log in (a, b)))
        page = await b.query(limit=50)
        assert sorted(e["id"] for e in page.entries) == sorted(r["id"] for r in records)
    finally:
        one.close()
        two.close()


async def test_an_instance_writing_alone_does_not_read_the_tail_again_and_notices_another_writer(tmp_path):
    """SQLite hands the new eTag back: the next append writes on it without a read; when another instance
    appended in between, that write conflicts and the segment is read again, so nothing is lost."""
    path = tmp_path / "state.db"
    one, two = SqliteStorage(path), SqliteStorage(path)
    reads: list[list[str]] = []
    original_read = one.read

    async def counting_read(keys):
        reads.append(list(keys))
        return await original_read(keys)

    one.read = counting_read
    try:
        a, b = StorageAuditLog(one, segment_size=4), StorageAuditLog(two, segment_size=4)
        ids = [(await a.append(entry()))["id"] for _ in range(3)]
        assert len([k for keys in reads for k in keys if "/day/" in k]) == 1  # only the first append looked
        ids.append((await b.append(entry(op="other.instance")))["id"])
        ids += [(await a.append(entry()))["id"] for _ in range(3)]  # conflict, re-read, roll over to segment 1
        page = await b.query(limit=50)
        assert sorted(e["id"] for e in page.entries) == sorted(ids)
        day = page.entries[0]["at"][:10]
        sizes = [len((await two.read([segment_key(day, n)]))[segment_key(day, n)]["refs"]) for n in range(2)]
        assert sizes == [4, 3]
    finally:
        one.close()
        two.close()


async def test_query_filters_and_paging():
    storage = MemoryStorage()
    clock = Clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    audit = StorageAuditLog(storage, clock=clock)
    made = []
    for day in range(10):  # one entry a day, alternating users/customers/operations
        made.append(await audit.append(entry(op="subscriptions.update_quantity" if day % 2 else "users.create",
                                              user=ADA if day % 3 else BOB,
                                              customer=CONTOSO if day < 5 else FABRIKAM)))
        clock.advance(days=1)
    approval = await audit.append({"operation": "orders.purchase", "kind": "purchase", "outcome": "approved",
                                   "approval_id": "ap-1", "requester": ADA, "approver": BOB,
                                   "customer": FABRIKAM})
    newest_first = [r["id"] for r in reversed(made)]

    everything = await audit.query(limit=100)
    assert [e["id"] for e in everything.entries] == [approval["id"], *newest_first]

    window = AuditQuery(start=datetime(2026, 3, 3, tzinfo=UTC), end=datetime(2026, 3, 6, tzinfo=UTC))
    assert [e["at"][:10] for e in (await audit.query(window)).entries] == ["2026-03-05", "2026-03-04", "2026-03-03"]

    by_customer = await audit.query(AuditQuery(customer="contoso"), limit=100)
    assert {e["customer"]["name"] for e in by_customer.entries} == {"Contoso Ltd"} and len(by_customer.entries) == 5
    assert len((await audit.query(AuditQuery(customer=FABRIKAM["id"].upper()), limit=100)).entries) == 6

    by_upn = await audit.query(AuditQuery(user="BOB@partner.example"), limit=100)
    assert approval["id"] in [e["id"] for e in by_upn.entries]  # the approver is a person of that entry
    assert all(e.get("user", {}).get("upn") in (None, "bob@partner.example") for e in by_upn.entries)
    assert len((await audit.query(AuditQuery(user="ada"), limit=100)).entries) == 6 + 1  # name; +approval

    by_area = await audit.query(AuditQuery(operation="subscriptions"), limit=100)
    assert len(by_area.entries) == 5 and {e["operation"] for e in by_area.entries} == {"subscriptions.update_quantity"}
    assert (await audit.query(AuditQuery(operation="subscriptions.update"), limit=100)).entries == []

    first = await audit.query(limit=4)
    second = await audit.query(limit=4, skip=4)
    by_cursor = await audit.query(limit=4, before=first.next_before)
    assert first.has_more and [e["id"] for e in second.entries] == [e["id"] for e in by_cursor.entries]
    assert [e["id"] for e in first.entries + second.entries] == [approval["id"], *newest_first][:8]
    last = await audit.query(limit=4, skip=8)
    assert len(last.entries) == 3 and not last.has_more and last.next_before is None


async def test_default_window_is_thirty_days():
    storage = MemoryStorage()
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC))
    audit = StorageAuditLog(storage, clock=clock)
    old = await audit.append(entry())
    clock.advance(days=40)
    recent = await audit.append(entry())
    page = await audit.query()
    assert [e["id"] for e in page.entries] == [recent["id"]]
    assert page.end - page.start == timedelta(days=30)
    assert old["id"] in [e["id"] for e in (await audit.query(AuditQuery(start=clock.now - timedelta(days=60)))).entries]


@pytest.mark.parametrize("instances", [2])
async def test_blob_storage_on_azurite_two_instances(azurite, instances):
    name = container_name("audit")
    stores = [blob_storage(azurite.connection_string, name) for _ in range(instances)]
    try:
        logs = [StorageAuditLog(s, segment_size=5) for s in stores]
        records = await asyncio.gather(*(log.append(entry(op=f"op.{i}")) for i in range(10) for log in logs))
        page = await logs[0].query(limit=100)
        assert sorted(e["id"] for e in page.entries) == sorted(r["id"] for r in records)
        day = records[0]["at"][:10]
        segments = await stores[1].read([segment_key(day, n) for n in range(6)])
        assert sum(len(s["refs"]) for s in segments.values()) == 20
        assert all(len(s["refs"]) <= 5 for s in segments.values())
    finally:
        for s in stores:
            await s.aclose()

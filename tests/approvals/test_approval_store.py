"""The approval store over real bot storages (MemoryStorage and the SQLite store): compare-and-set on eTags,
concurrent deciders, the index and the people list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from botbuilder.core import MemoryStorage

from bot.storage_sqlite import SqliteStorage
from dialogs import approval_state as sm
from dialogs.approval_state import Actor, ApprovalRecord, Person, Refusal, Status
from dialogs.approval_store import INDEX_KEY, ApprovalStore, PeopleIndex, record_key

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def new_record(rid: str = "R-A1") -> ApprovalRecord:
    return ApprovalRecord(id=rid, operation="orders.purchase", requester=Person("dana", "Dana"),
                          customer={"id": "c1", "name": "Contoso"}, args={}, line={}, price={},
                          created_at=T0.isoformat(), expires_at=(T0 + timedelta(hours=1)).isoformat())


@pytest.fixture(params=["memory", "sqlite"])
def storage(request, tmp_path):
    if request.param == "memory":
        yield MemoryStorage()
    else:
        store = SqliteStorage(tmp_path / "state.db")
        yield store
        store.close()


async def test_created_record_has_a_real_etag_so_stale_writes_fail(storage):
    store = ApprovalStore(storage)
    await store.create(new_record())
    _, etag = await store.docs.read(record_key("R-A1"))
    assert etag not in (None, "*")
    data, _ = await store.docs.read(record_key("R-A1"))
    await store.docs.replace(record_key("R-A1"), data, etag)
    with pytest.raises(Exception):  # noqa: B017 - the storage's own conflict type (KeyError subclass here)
        await store.docs.replace(record_key("R-A1"), data, etag)


async def test_two_approvers_at_once_exactly_one_wins(storage):
    store = ApprovalStore(storage)
    await store.create(new_record())
    avery = Actor("avery", "Avery", frozenset({"approver"}))
    blake = Actor("blake", "Blake", frozenset({"approver"}))
    results = await asyncio.gather(*[store.change("R-A1", lambda r, a=a: sm.approve(r, a, 1, T0))
                                     for a in (avery, blake, avery, blake)])
    changed = [r for r in results if r.changed]
    assert len(changed) == 1
    winner = changed[0].record.decided_by.id
    for result in results:
        if not result.changed:
            assert result.refusal == Refusal.DECIDED or (result.ok and result.record.decided_by.id == winner)
    final = await store.load("R-A1")
    assert final.status == Status.APPROVED and final.version == 2 and len(final.history) == 1


async def test_change_retries_after_a_lost_race(storage):
    store = ApprovalStore(storage)
    await store.create(new_record())
    calls = []
    original = store.docs.replace

    async def racing_replace(key, data, etag):
        if not calls:  # someone else writes between our read and our write
            calls.append(1)
            other, other_etag = await store.docs.read(key)
            await original(key, {**other, "reason": "touched"}, other_etag)
        await original(key, data, etag)

    store.docs.replace = racing_replace
    avery = Actor("avery", "Avery", frozenset({"approver"}))
    result = await store.change("R-A1", lambda r: sm.approve(r, avery, 1, T0))
    assert result.changed and (await store.load("R-A1")).status == Status.APPROVED


async def test_unknown_request_is_not_found(storage):
    result = await ApprovalStore(storage).change("R-NOPE", lambda r: sm.expire(r, T0))
    assert result.record is None and result.refusal == Refusal.NOT_FOUND


async def test_index_tracks_status_and_never_goes_backwards(storage):
    store = ApprovalStore(storage)
    await store.create(new_record("R-1"))
    await store.create(new_record("R-2"))
    avery = Actor("avery", "Avery", frozenset({"approver"}))
    approved = await store.change("R-1", lambda r: sm.approve(r, avery, 1, T0))
    assert await store.open_ids((Status.PENDING,)) == ["R-2"]
    assert await store.open_ids((Status.APPROVED,)) == ["R-1"]
    await store._index(new_record("R-1"))  # an older version arriving late changes nothing
    assert await store.open_ids((Status.APPROVED,)) == ["R-1"] and approved.record.version == 2
    data, _ = await store.docs.read(INDEX_KEY)
    assert set(data["items"]) == {"R-1", "R-2"}


async def test_concurrent_creates_all_reach_the_index(storage):
    store = ApprovalStore(storage)
    await store.create(new_record("R-0"))
    await asyncio.gather(*[store.create(new_record(f"R-{i}")) for i in range(1, 8)])
    assert sorted(e.id for e in await store.entries()) == [f"R-{i}" for i in range(8)]


async def test_people_index_remembers_and_updates(storage):
    people = PeopleIndex(storage)
    assert await people.remember("u1", "Avery", "29:u1")
    assert not await people.remember("u1", "Avery", "29:u1")
    other = PeopleIndex(storage)  # another instance, no cache
    assert not await other.remember("u1", "Avery", "29:u1")
    assert await other.remember("u1", "Avery R.", "29:u1")
    await asyncio.gather(*[PeopleIndex(storage).remember(f"p{i}", f"P{i}", None) for i in range(5)])
    assert {p.id for p in await people.all()} == {"u1", "p0", "p1", "p2", "p3", "p4"}
    assert (await people.get("u1")).name == "Avery R."

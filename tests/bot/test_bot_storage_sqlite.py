"""SqliteStorage: the SDK's storage contract (botbuilder-testing StorageBaseTests) plus eTag and durability."""

from __future__ import annotations

import asyncio

import pytest
from botbuilder.core import StoreItem
from botbuilder.testing.storage_base_tests import StorageBaseTests

from bot.config import Settings
from bot.storage import StorageNotAvailableError, make_storage
from bot.storage_sqlite import ETagConflictError, SqliteStorage
from tests.support.storage_contract import BASE_TESTS


@pytest.fixture
def storage(tmp_path):
    store = SqliteStorage(tmp_path / "state.db")
    yield store
    store.close()


def test_base_test_list_is_complete():
    """Fails if botbuilder-testing grows a test this file does not run."""
    available = {n for n in vars(StorageBaseTests) if not n.startswith("_")}
    assert available == set(BASE_TESTS)


@pytest.mark.parametrize("name", BASE_TESTS)
async def test_storage_base(storage, name):
    assert await getattr(StorageBaseTests, name)(storage) is True


async def test_stale_etag_raises_and_star_overwrites(storage):
    await storage.write({"approval": {"status": "pending", "e_tag": "*"}})
    first = (await storage.read(["approval"]))["approval"]
    second = (await storage.read(["approval"]))["approval"]
    first["status"] = "approved"
    await storage.write({"approval": first})
    assert first["e_tag"] != second["e_tag"], "a successful write hands the new eTag back"
    second["status"] = "rejected"
    with pytest.raises(ETagConflictError):
        await storage.write({"approval": second})
    assert (await storage.read(["approval"]))["approval"]["status"] == "approved"
    second["e_tag"] = "*"
    await storage.write({"approval": second})
    assert (await storage.read(["approval"]))["approval"]["status"] == "rejected"


async def test_written_object_can_be_written_again_in_the_same_turn(storage):
    item = {"n": 1, "e_tag": "*"}
    await storage.write({"k": item})
    item["n"] = 2
    await storage.write({"k": item})
    assert (await storage.read(["k"]))["k"]["n"] == 2


async def test_conflicting_batch_writes_nothing(storage):
    await storage.write({"a": {"v": 1, "e_tag": "*"}})
    with pytest.raises(ETagConflictError):
        await storage.write({"b": {"v": 2}, "a": {"v": 3, "e_tag": "not-the-current-one"}})
    assert await storage.read(["b"]) == {}
    assert (await storage.read(["a"]))["a"]["v"] == 1


async def test_plain_dicts_stay_plain_last_writer_wins(storage):
    await storage.write({"conv": {"x": 1}})
    read = (await storage.read(["conv"]))["conv"]
    assert "e_tag" not in read
    await storage.write({"conv": {"x": 2}})
    await storage.write({"conv": {"x": 3}})
    assert (await storage.read(["conv"]))["conv"] == {"x": 3}


async def test_store_item_objects_round_trip_with_etag(storage):
    item = StoreItem(name="Contoso", e_tag="*")
    await storage.write({"obj": item})
    loaded = (await storage.read(["obj"]))["obj"]
    assert isinstance(loaded, StoreItem)
    assert loaded.name == "Contoso" and loaded.e_tag not in (None, "*")
    stale = StoreItem(name="old", e_tag="0")
    with pytest.raises(ETagConflictError):
        await storage.write({"obj": stale})


async def test_a_read_while_the_connection_is_busy_waits_in_a_worker_thread(storage):
    """Reads run on the event loop only when no worker thread holds the connection; otherwise they queue."""
    await storage.write({"k": {"v": 1}})
    storage._lock.acquire()  # a write in progress in a worker thread
    try:
        pending = asyncio.ensure_future(storage.read(["k"]))
        await asyncio.sleep(0.05)
        assert not pending.done(), "the read must not use the connection while it is busy"
    finally:
        storage._lock.release()
    assert (await pending)["k"] == {"v": 1}
    assert (await storage.read(["k"]))["k"] == {"v": 1}  # and right here when it is free


async def test_concurrent_conditional_writes_exactly_one_wins(tmp_path):
    """Two storages on one file (two bot instances) race on the same read eTag: one wins, one raises."""
    a, b = SqliteStorage(tmp_path / "s.db"), SqliteStorage(tmp_path / "s.db")
    try:
        await a.write({"req": {"status": "pending", "e_tag": "*"}})
        ra = (await a.read(["req"]))["req"]
        rb = (await b.read(["req"]))["req"]
        ra["status"], rb["status"] = "approved", "rejected"
        results = await asyncio.gather(a.write({"req": ra}), b.write({"req": rb}), return_exceptions=True)
        assert sorted(type(r).__name__ for r in results) == ["ETagConflictError", "NoneType"]
        winner = "approved" if results[0] is None else "rejected"
        assert (await b.read(["req"]))["req"]["status"] == winner
    finally:
        a.close()
        b.close()


async def test_data_survives_reopen(tmp_path):
    first = SqliteStorage(tmp_path / "d.db")
    await first.write({"k": {"v": "x"}})
    first.close()
    second = SqliteStorage(tmp_path / "d.db")
    try:
        assert (await second.read(["k"]))["k"] == {"v": "x"}
        await second.delete(["k"])
        assert await second.read(["k"]) == {}
    finally:
        second.close()


def test_make_storage_kinds(tmp_path):
    from botbuilder.core import MemoryStorage

    assert isinstance(make_storage(Settings(storage_kind="memory")), MemoryStorage)
    sqlite = make_storage(Settings(storage_kind="sqlite", state_path=str(tmp_path / "sub" / "x.db")))
    assert isinstance(sqlite, SqliteStorage) and (tmp_path / "sub" / "x.db").exists()
    sqlite.close()
    with pytest.raises(StorageNotAvailableError, match="blob"):
        make_storage(Settings(storage_kind="blob"))

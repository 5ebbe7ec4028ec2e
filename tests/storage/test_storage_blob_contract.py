"""AzureBlobStorage (botbuilder-azure BlobStorage) against Azurite: the SDK's storage contract, eTag conflicts on
stale writes, "*" overwrites, create-only writes, loud read errors, and make_storage/settings wiring."""

from __future__ import annotations

import asyncio

import pytest
from botbuilder.testing.storage_base_tests import StorageBaseTests

from bot.config import Settings, SettingsError
from bot.storage import StorageNotAvailableError, close_storage, make_storage
from bot.storage_blob import AzureBlobStorage, blob_storage
from bot.storage_sqlite import ETagConflictError
from tests.support.azurite import ACCOUNT_KEY, container_name
from tests.support.storage_contract import BASE_TESTS


def test_base_test_list_is_complete():
    available = {n for n in vars(StorageBaseTests) if not n.startswith("_")}
    assert available == set(BASE_TESTS)


@pytest.mark.parametrize("name", BASE_TESTS)
async def test_storage_base_contract(blob, name):
    assert await getattr(StorageBaseTests, name)(blob) is True


async def test_stale_write_conflicts_and_star_overwrites(blob):
    await blob.write({"approval": {"status": "pending", "e_tag": "*"}})
    first = (await blob.read(["approval"]))["approval"]
    second = (await blob.read(["approval"]))["approval"]
    assert first["e_tag"] and first["e_tag"] == second["e_tag"]
    first["status"] = "approved"
    await blob.write({"approval": first})
    assert first["e_tag"] != second["e_tag"], "a successful write hands the new eTag back"
    second["status"] = "rejected"
    with pytest.raises(ETagConflictError):
        await blob.write({"approval": second})
    with pytest.raises(KeyError):  # callers retry on KeyError, as with MemoryStorage
        await blob.write({"approval": second})
    assert (await blob.read(["approval"]))["approval"]["status"] == "approved"
    # The caller's fresh eTag is usable for the next conditional write.
    first["status"] = "ordered"
    await blob.write({"approval": first})
    second["e_tag"] = "*"
    await blob.write({"approval": second})
    assert (await blob.read(["approval"]))["approval"]["status"] == "rejected"


async def test_conditional_write_of_a_deleted_item_conflicts(blob):
    await blob.write({"k": {"v": 1, "e_tag": "*"}})
    item = (await blob.read(["k"]))["k"]
    await blob.delete(["k"])
    with pytest.raises(ETagConflictError):
        await blob.write({"k": item})


async def test_only_one_of_two_concurrent_conditional_writes_wins(blob):
    await blob.write({"counter": {"n": 0, "e_tag": "*"}})
    a = (await blob.read(["counter"]))["counter"]
    b = (await blob.read(["counter"]))["counter"]
    a["n"], b["n"] = 1, 2
    results = await asyncio.gather(blob.write({"counter": a}), blob.write({"counter": b}), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["ETagConflictError", "NoneType"]
    winner = 1 if results[0] is None else 2
    assert (await blob.read(["counter"]))["counter"]["n"] == winner


async def test_create_if_absent(blob):
    item = {"v": 1, "e_tag": "*"}
    assert await blob.create_if_absent("seg", item) is True
    assert item["e_tag"] and item["e_tag"] != "*"
    assert await blob.create_if_absent("seg", {"v": 2}) is False
    stored = (await blob.read(["seg"]))["seg"]
    assert stored["v"] == 1 and stored["e_tag"] == item["e_tag"]
    results = await asyncio.gather(*(blob.create_if_absent("race", {"v": i}) for i in range(5)))
    assert results.count(True) == 1


async def test_plain_state_items_round_trip_and_two_instances_see_each_other(azurite):
    name = container_name("two")
    a, b = blob_storage(azurite.connection_string, name), blob_storage(azurite.connection_string, name)
    try:
        await a.write({"msteams/conversations/a:1;messageid=9": {"dialog": {"step": 2}}})
        assert (await b.read(["msteams/conversations/a:1;messageid=9"]))[
            "msteams/conversations/a:1;messageid=9"]["dialog"] == {"step": 2}
        names = [n async for n in b.keys_with_prefix_async("msteams/")]
        assert names == ["msteams/conversations/a:1;messageid=9"]
    finally:
        await a.aclose()
        await b.aclose()


async def test_read_errors_other_than_not_found_raise(azurite):
    wrong_key = azurite.connection_string.replace(ACCOUNT_KEY, "AAAA" + ACCOUNT_KEY[4:])
    store = blob_storage(wrong_key, container_name("auth"))
    try:
        with pytest.raises(Exception) as info:
            await store.read(["anything"])
        assert info.value is not None and not isinstance(info.value, KeyError)
    finally:
        await store.aclose()


async def test_make_storage_builds_blob_storage_from_settings(azurite):
    settings = Settings.from_env({"PARTNERBOT_STORAGE": "blob", "PARTNERBOT_BLOB_CONNECTION_STRING":
                                  azurite.connection_string, "PARTNERBOT_BLOB_CONTAINER": container_name("cfg")},
                                 env_file=None)
    store = make_storage(settings)
    try:
        assert isinstance(store, AzureBlobStorage)
        assert ACCOUNT_KEY not in repr(store) and ACCOUNT_KEY not in repr(settings)
        await store.write({"k": {"v": 1}})
        assert (await store.read(["k"]))["k"]["v"] == 1
    finally:
        await close_storage(store)


@pytest.mark.parametrize("env, word", [
    ({}, "PARTNERBOT_BLOB_CONNECTION_STRING"),
    ({"PARTNERBOT_BLOB_CONNECTION_STRING": "not a connection string", "PARTNERBOT_BLOB_CONTAINER": "bot"},
     "PARTNERBOT_BLOB_CONNECTION_STRING"),
    ({"PARTNERBOT_BLOB_CONNECTION_STRING": f"AccountName=a;AccountKey={ACCOUNT_KEY}"}, "PARTNERBOT_BLOB_CONTAINER"),
    ({"PARTNERBOT_BLOB_CONNECTION_STRING": f"AccountName=a;AccountKey={ACCOUNT_KEY}",
      "PARTNERBOT_BLOB_CONTAINER": "Bot_State"}, "PARTNERBOT_BLOB_CONTAINER"),
    ({"PARTNERBOT_BLOB_CONNECTION_STRING": f"AccountName=a;AccountKey={ACCOUNT_KEY}",
      "PARTNERBOT_BLOB_CONTAINER": "ab"}, "PARTNERBOT_BLOB_CONTAINER"),
])
def test_incomplete_blob_settings_are_refused_without_leaking_the_key(env, word):
    with pytest.raises(SettingsError, match=word) as info:
        Settings.from_env({"PARTNERBOT_STORAGE": "blob", **env}, env_file=None)
    assert ACCOUNT_KEY not in str(info.value)


def test_make_storage_refuses_blob_without_settings():
    with pytest.raises(StorageNotAvailableError, match="PARTNERBOT_BLOB_CONNECTION_STRING"):
        make_storage(Settings(storage_kind="blob"))


def test_blob_settings_are_kept_out_of_repr():
    settings = Settings.from_env({"PARTNERBOT_STORAGE": "blob", "PARTNERBOT_BLOB_CONNECTION_STRING":
                                  f"AccountName=a;AccountKey={ACCOUNT_KEY}", "PARTNERBOT_BLOB_CONTAINER": "bot-state"},
                                 env_file=None)
    assert settings.blob_container == "bot-state" and settings.storage_kind == "blob"
    assert ACCOUNT_KEY not in repr(settings)


async def test_plain_state_is_last_writer_wins_and_store_items_are_guarded(blob):
    """Like SqliteStorage: ConversationState-style dicts get no eTag (two overlapping turns never crash each
    other), items that carry an e_tag field get the blob's eTag and conditional writes."""
    await blob.write({"state": {"dialog": 1}, "item": {"v": 1, "e_tag": "*"}})
    first, second = await blob.read(["state", "item"]), await blob.read(["state", "item"])
    assert "e_tag" not in first["state"] and first["item"]["e_tag"]
    first["state"]["dialog"], second["state"]["dialog"] = 2, 3
    await blob.write({"state": first["state"]})
    await blob.write({"state": second["state"]})  # no conflict: last writer wins
    assert (await blob.read(["state"]))["state"]["dialog"] == 3
    first["item"]["v"], second["item"]["v"] = 2, 3
    await blob.write({"item": first["item"]})
    with pytest.raises(ETagConflictError):
        await blob.write({"item": second["item"]})

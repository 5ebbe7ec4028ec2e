"""dialogs/flow_store.py over the SQLite bot storage: a claimed flow runs once, an executed flow never comes back,
a failed turn ends only its own user's flow, and concurrent saves by different members keep every flow."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.storage_sqlite import SqliteStorage
from dialogs.flow import new_flow
from dialogs.flow_store import FlowStore, user_key

CONV = "19:flows@thread.v2"


async def _pending(store: FlowStore, user: str, op: str = "x.change") -> str:
    turn = await store.load(CONV, user)
    flow = new_flow(op, user, {}, user_name=user.upper())
    flow["stage"] = "confirm"
    turn.slot["flow"] = flow
    await store.save(turn)
    return flow["id"]


async def test_claim_once_and_executed_flow_never_returns(tmp_path: Path):
    storage = SqliteStorage(tmp_path / "s.db")
    store = FlowStore(storage)
    fid = await _pending(store, "u1")
    first, second = await store.load(CONV, "u1"), await store.load(CONV, "u1")
    assert first.slot["flow"]["id"] == second.slot["flow"]["id"] == fid
    claims = await asyncio.gather(store.claim(first, fid), store.claim(second, fid))
    assert sorted(claims) == [False, True]
    winner, loser = (first, second) if claims[0] else (second, first)
    winner.slot["flow"] = None  # executed
    await store.save(winner)
    await store.save(loser)  # the stale copy still holds the flow at "confirm": it must not come back
    again = await store.load(CONV, "u1")
    assert again.slot["flow"] is None
    assert not await store.claim(again, fid)
    doc = (await storage.read([user_key(CONV, "u1")]))[user_key(CONV, "u1")]
    assert fid in doc["done"]
    storage.close()


async def test_end_flow_touches_only_that_user(tmp_path: Path):
    storage = SqliteStorage(tmp_path / "s.db")
    store = FlowStore(storage)
    ids = dict(zip(("a", "b", "c"), await asyncio.gather(*(_pending(store, u) for u in ("a", "b", "c"))),
                   strict=True))
    turn = await store.load(CONV, "a")
    assert await store.claim(turn, ids["a"])  # a's change started executing, then a's turn crashed
    await store.end_flow(CONV, "a")
    assert (await store.load(CONV, "a")).slot["flow"] is None
    assert not await store.claim(await store.load(CONV, "a"), ids["a"])
    for user in ("b", "c"):
        assert (await store.load(CONV, user)).slot["flow"]["id"] == ids[user]
    storage.close()


async def test_many_members_saving_at_once_keep_every_flow_and_owner(tmp_path: Path):
    storage = SqliteStorage(tmp_path / "s.db")
    store = FlowStore(storage)
    users = [f"u{n}" for n in range(12)]
    ids = await asyncio.gather(*(_pending(store, u) for u in users))
    for user, fid in zip(users, ids, strict=True):
        turn = await store.load(CONV, user)
        assert turn.slot["flow"]["id"] == fid
        assert turn.owners[fid] == [user, user.upper()]
    storage.close()

"""Conversation references under contention: one user active in 50 group chats at once through the real adapter
— every turn answered, none failed — and the user's reference index stays bounded (the most recent
MAX_PER_USER group chats, the personal chat always kept). Storage that keeps failing never fails a turn."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from bot import references
from bot.storage_sqlite import SqliteStorage
from tests.bot.fake_engine import FakeEngine
from tests.support.botapp import DANA, BotApp


async def test_one_user_in_50_parallel_conversations(tmp_path: Path):
    storage = SqliteStorage(tmp_path / "state.db")
    async with BotApp(FakeEngine(), storage=storage, conversation_id="a:personal-dana") as bot:
        status, _ = await bot.send_text("hello")
        assert status in (200, 201)
        groups = [f"19:group-{n:02d}@thread.v2" for n in range(50)]
        results = await asyncio.gather(*(bot.send_text(f"hi {n}", conversation_id=cid, conversation_type="groupChat")
                                         for n, cid in enumerate(groups)))
        assert all(status in (200, 201) for status, _ in results), results
        texts = [c.text or "" for c in bot.connector.calls]
        assert not any("went wrong" in t for t in texts)
        assert sum(1 for t in texts if t.startswith("echo: hi ")) == 50, "every turn answered"
        doc = (await storage.read([references.user_key(DANA.aad_object_id)]))[references.user_key(DANA.aad_object_id)]
        assert len(doc["conversations"]) == references.MAX_PER_USER
        assert doc["personal"]["id"] == "a:personal-dana"
        assert len(json.dumps(doc)) < (references.MAX_PER_USER + 1) * 1200
        listed = await references.list_user_references(storage, DANA.aad_object_id)
        assert len(listed) == references.MAX_PER_USER + 1
        personal = await references.get_personal_reference(storage, DANA.aad_object_id)
        assert personal is not None and personal.conversation.id == "a:personal-dana"
        # 30 more later: still bounded, the personal chat still there
        for n in range(50, 80):
            await bot.send_text(f"hi {n}", conversation_id=f"19:group-{n:02d}@thread.v2",
                                conversation_type="groupChat")
        doc = (await storage.read([references.user_key(DANA.aad_object_id)]))[references.user_key(DANA.aad_object_id)]
        assert len(doc["conversations"]) == references.MAX_PER_USER
        assert set(doc["conversations"]) == {f"19:group-{n:02d}@thread.v2" for n in range(60, 80)}
        assert doc["personal"]["id"] == "a:personal-dana"
    storage.close()


class _FailingIndexStorage(SqliteStorage):
    """Every write of a user's reference index fails (as a storage outage or endless conflicts would)."""

    async def write(self, changes: dict[str, Any]) -> None:
        if any(key.startswith("partnerbot/convref/user/") for key in changes):
            raise KeyError("conflict")
        await super().write(changes)


async def test_a_failing_reference_index_never_fails_a_turn(tmp_path: Path):
    storage = _FailingIndexStorage(tmp_path / "state.db")
    async with BotApp(FakeEngine(), storage=storage) as bot:
        status, _ = await bot.send_text("hello")
        assert status in (200, 201)
        [reply] = await bot.connector.next(1)
        assert reply.text.startswith("echo: hello")
    storage.close()

"""HTTP end-to-end: many members of one group chat start and confirm changes at the same moment.

Each member's flow is its own storage item (dialogs/flow_store.py): 2, 5 and 10 agents, 50 trials each, all
start a change at once, then all confirm at once — every member clicking Confirm twice at the same instant (a
double click). Every confirmation applies exactly once, none is lost (no "no longer active" for a first click),
the audit log holds each once; a member whose turn crashes loses only their own pending flow.

PARTNERBOT_GROUP_TRIALS sets the number of trials (50; scripts/test-dates.sh runs 5 under each fixed date).
The change is an operation declared here (no Partner Center call), so a trial is a few loopback round trips
through the real adapter, handler, engine and SQLite storage.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot import local_channel as lc
from bot.audit import StorageAuditLog
from bot.local_channel import Identity
from bot.storage_sqlite import SqliteStorage
from dialogs.audit_log import AuditQuery
from dialogs.context import OperationContext
from dialogs.registry import Outcome, Param, Registry
from tests.e2e.e2e_support import Bot, SandboxThread

OP, CRASH = "e2e.bump", "e2e.crash"
INACTIVE = "This card is no longer active. Please start again or use the most recent card."
CONVERSATION = "19:e2e-group-flows@thread.v2"
TRIALS = int(os.environ.get("PARTNERBOT_GROUP_TRIALS", "50"))
AGENTS = [Identity(f"Agent {n}", f"00000000-0000-4000-8000-{n:012d}") for n in range(10)]


def _registry(applied: list[tuple[str, str, str]]) -> Registry:
    registry = Registry()

    @registry.operation(OP, kind="change", params=[Param("note")])
    async def bump(ctx: OperationContext, args: dict[str, Any]) -> Outcome:
        await asyncio.sleep(0.002)  # a moment "at Partner Center", so double clicks overlap the execution
        applied.append((ctx.user.id, ctx.flow_id, args["note"]))
        return Outcome(message=f"Applied {args['note']}.")

    @registry.operation(CRASH, kind="read", params=[])
    async def crash(ctx: OperationContext, args: dict[str, Any]) -> Outcome:
        raise RuntimeError("a bug in one member's turn")

    @registry.operation("none", kind="read", params=[])
    async def none(ctx: OperationContext, args: dict[str, Any]) -> Outcome:
        return Outcome(message="?")

    return registry


async def _post(bot: Bot, activity: dict[str, Any]) -> list[Any]:
    """POST one activity; the replies the bot sent to it (the adapter replies before answering the POST)."""
    status, body = await bot.app.post(activity)
    assert status in (200, 201), body
    return [c for c in bot.app.connector.calls if c.activity_id == activity["id"]]


def _envelope(bot: Bot, user: Identity) -> dict[str, Any]:
    return {"service_url": bot.app.connector.service_url, "user": user, "conversation_id": CONVERSATION,
            "conversation_type": "groupChat"}


async def _start(bot: Bot, user: Identity, note: str) -> dict[str, Any]:
    """The member starts the change; returns the Confirm button's data of their confirmation card."""
    calls = await _post(bot, lc.submit_activity({"pb": "run", "op": OP, "params": {"note": note}},
                                                **_envelope(bot, user)))
    for call in calls:
        for card in call.cards:
            for action in card.get("actions", []):
                if action.get("title") == "Confirm":
                    return dict(action["data"])
    raise AssertionError(f"{user.name} got no confirmation card: {[c.text for c in calls]}")


async def _confirm(bot: Bot, user: Identity, data: dict[str, Any]) -> list[str]:
    calls = await _post(bot, lc.submit_activity(data, **_envelope(bot, user)))
    return [c.text or "" for c in calls]


@pytest.fixture
async def group(shared_sandbox: SandboxThread, tmp_path: Path):
    applied: list[tuple[str, str, str]] = []
    storage = SqliteStorage(tmp_path / "state.db")
    async with Bot(shared_sandbox.url, storage=storage, registry=_registry(applied),
                   conversation_id=CONVERSATION, conversation_type="groupChat") as bot:
        bot.engine.audit = StorageAuditLog(storage)
        yield bot, applied
    storage.close()


@pytest.mark.parametrize("agents", [2, 5, 10])
async def test_members_confirm_at_once_each_change_applies_exactly_once(group, agents: int):
    bot, applied = group
    members = AGENTS[:agents]
    for trial in range(TRIALS):
        notes = {m.aad_object_id: f"t{trial}-{m.name}" for m in members}
        buttons = await asyncio.gather(*(_start(bot, m, notes[m.aad_object_id]) for m in members))
        before = len(applied)
        # everyone confirms at once, and every Confirm is clicked twice at the same instant
        clicks = [(member, buttons[i]) for i, member in enumerate(members) for _ in range(2)]
        answers = await asyncio.gather(*(_confirm(bot, member, button) for member, button in clicks))
        mine = applied[before:]
        assert sorted(note for _, _, note in mine) == sorted(notes.values()), f"trial {trial}: {mine}"
        assert Counter(flow for _, flow, _ in mine).most_common(1)[0][1] == 1
        for i, member in enumerate(members):
            pair = answers[2 * i] + answers[2 * i + 1]
            assert pair.count(f"Applied {notes[member.aad_object_id]}.") == 1, (trial, member.name, pair)
            assert all(text in (f"Applied {notes[member.aad_object_id]}.", INACTIVE) for text in pair), pair
    page = await bot.engine.audit.query(AuditQuery(operation=OP), limit=agents * TRIALS + 10)
    flows = Counter(entry["flow"] for entry in page.entries)
    assert len(flows) == agents * TRIALS and set(flows.values()) == {1}
    assert {flow for _, flow, _ in applied} == set(flows)


async def test_a_crashing_turn_ends_only_that_members_flow(group):
    bot, applied = group
    alice, bob, carol = AGENTS[:3]
    buttons = {m.aad_object_id: await _start(bot, m, f"crash-{m.name}") for m in (alice, bob, carol)}
    crashed = await _post(bot, lc.submit_activity({"pb": "run", "op": CRASH, "params": {}},
                                                  **_envelope(bot, alice)))
    assert any("went wrong" in (c.text or "") for c in crashed)
    assert await _confirm(bot, bob, buttons[bob.aad_object_id]) == [f"Applied crash-{bob.name}."]
    assert await _confirm(bot, carol, buttons[carol.aad_object_id]) == [f"Applied crash-{carol.name}."]
    assert await _confirm(bot, alice, buttons[alice.aad_object_id]) == [INACTIVE]
    assert sorted(note for _, _, note in applied) == [f"crash-{bob.name}", f"crash-{carol.name}"]


async def test_another_members_card_names_its_owner(group):
    bot, applied = group
    alice, bob = AGENTS[:2]
    button = await _start(bot, alice, "owner")
    assert await _confirm(bot, bob, button) == [
        f"Only {alice.name}, who started this request, can answer this card."]
    assert applied == []
    assert await _confirm(bot, alice, button) == ["Applied owner."]

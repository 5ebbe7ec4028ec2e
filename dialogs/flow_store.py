"""Per-user flow state in shared conversations: each member's flow is its own storage item.

In a group chat several people talk to the bot at once. One item per conversation written last-writer-wins lost
one member's pending confirmation when two started a change together, and brought an executed flow back when two
turns raced. Here every member has an item of their own, and the conversation a small shared one:

- ``partnerbot/flows/<conversation>/user/<user id>``: ``{"flow", "ctx", "done"}`` — the pending flow, what the
  conversation is about for that user, and the ids of the last flows that executed (terminal: never run again).
- ``partnerbot/flows/<conversation>/shared``: ``{"owners": {flow id: [user id, name]}, "context": {...}}`` —
  whose card a flow id is (so a member who clicks someone else's card is told whose it is), and the conversation's
  shared context: whatever top-level keys the engine keeps in its state dict besides ``users``.

Every write is a read-modify-write on the item's eTag, retried with jittered backoff. Before a change or purchase
runs, the turn *claims* its flow under that guard: the stored flow must still be the same id at stage "confirm"
and not in "done"; the claim writes stage "executing". A second click, a redelivered activity or another
instance's turn then finds it executing or done and runs nothing. The end-of-turn save merges this turn's
changes into the stored item (never bringing back a flow that executed or that another turn is executing), and a
failed turn ends only its own user's flow.

Works over any botbuilder `Storage` without importing botbuilder (duck-typed, as `dialogs.approval_store`).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from dialogs.approval_store import VersionedDocs, create_if_absent

log = logging.getLogger(__name__)

PREFIX = "partnerbot/flows/"
DONE_KEPT = 50  # executed flow ids remembered per user (a flow expires after 24 h anyway)
OWNERS_KEPT = 200
OWNERS = "owners"  # flow id -> owner entries kept per conversation
MAX_ATTEMPTS = 12
BASE_DELAY = 0.005  # seconds; doubled per attempt, jittered, capped
MAX_DELAY = 0.25


class FlowStoreError(RuntimeError):
    """A flow change could not be stored after several attempts (persistent conflict or storage outage)."""


def user_key(conversation_id: str, user_id: str) -> str:
    return f"{PREFIX}{conversation_id}/user/{user_id}"


def shared_key(conversation_id: str) -> str:
    return f"{PREFIX}{conversation_id}/shared"


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass
class TurnFlows:
    """What one turn loaded: the user's slot as the engine sees it and what is needed to merge it back."""

    conversation_id: str
    user_id: str
    slot: dict[str, Any]
    owners: dict[str, list[str]]
    start_flow: str  # the slot's flow as loaded (JSON), to tell what this turn changed
    start_ctx: str
    shared_context: dict[str, Any] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)
    state: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._start_shared = _dump(self.shared_context)

    def engine_state(self) -> dict[str, Any]:
        """The dict the engine works on: this user's slot, the conversation's shared context and flow owners."""
        self.state = {**self.shared_context, "users": {self.user_id: self.slot}, OWNERS: self.owners}
        return self.state

    def shared_changes(self) -> dict[str, Any] | None:
        """The shared context as the engine left it, or None when unchanged."""
        now = {k: v for k, v in self.state.items() if k not in ("users", OWNERS)}
        return None if _dump(now) == self._start_shared else now


_current: contextvars.ContextVar[tuple[FlowStore, TurnFlows] | None] = contextvars.ContextVar(
    "partnerbot_flow_guard", default=None)


def bind(store: FlowStore, turn: TurnFlows) -> contextvars.Token:
    """Make `claim_flow` in this task (the engine's turn) claim through `store`."""
    return _current.set((store, turn))


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


async def claim_flow(flow_id: str) -> bool:
    """Claim a confirmed flow for execution (see the module docstring). Without a bound store, always True."""
    bound = _current.get()
    if bound is None:
        return True
    store, turn = bound
    return await store.claim(turn, flow_id)


class FlowStore:
    def __init__(self, storage: Any, *, max_attempts: int = MAX_ATTEMPTS, rng: random.Random | None = None) -> None:
        self.docs = VersionedDocs(storage)
        self.storage = storage
        self.max_attempts = max_attempts
        self._rng = rng or random.Random()

    async def _backoff(self, attempt: int) -> None:
        delay = min(MAX_DELAY, BASE_DELAY * (2 ** attempt))
        await asyncio.sleep(delay * self._rng.uniform(0.5, 1.5))

    async def load(self, conversation_id: str, user_id: str) -> TurnFlows:
        ukey, skey = user_key(conversation_id, user_id), shared_key(conversation_id)
        found = await self.storage.read([ukey, skey])
        doc = _plain(found.get(ukey)) or {}
        shared = _plain(found.get(skey)) or {}
        flow = doc.get("flow") if isinstance(doc.get("flow"), dict) else None
        if flow is not None and (flow.get("stage") == "executing" or flow.get("id") in doc.get("done", [])):
            flow = None  # another turn is running it, or it ran: nothing this turn may answer
        ctx = doc.get("ctx") if isinstance(doc.get("ctx"), dict) else {}
        slot = {"flow": flow, "ctx": ctx}
        owners = shared.get("owners") if isinstance(shared.get("owners"), dict) else {}
        context = shared.get("context") if isinstance(shared.get("context"), dict) else {}
        return TurnFlows(conversation_id, user_id, slot, owners, _dump(flow), _dump(ctx), context)

    async def claim(self, turn: TurnFlows, flow_id: str) -> bool:
        key = user_key(turn.conversation_id, turn.user_id)
        for attempt in range(self.max_attempts):
            doc, etag = await self.docs.read(key)
            flow = (doc or {}).get("flow")
            if (not isinstance(flow, dict) or flow.get("id") != flow_id or flow.get("stage") != "confirm"
                    or flow_id in (doc or {}).get("done", [])):
                return False
            doc = dict(doc or {})
            doc["flow"] = {**flow, "stage": "executing"}
            try:
                await self._write(key, doc, etag)
            except Exception:  # noqa: BLE001 - stale eTag (type depends on the storage): read again
                await self._backoff(attempt)
                continue
            turn.claimed.add(flow_id)
            return True
        raise FlowStoreError(f"could not claim flow {flow_id}")

    async def save(self, turn: TurnFlows) -> None:
        """Merge this turn's slot into the stored item (only what the turn changed)."""
        mine_flow = turn.slot.get("flow")
        mine_ctx = turn.slot.get("ctx") or {}
        flow_changed = _dump(mine_flow) != turn.start_flow
        ctx_changed = _dump(mine_ctx) != turn.start_ctx
        shared = turn.shared_changes()
        if shared is not None:
            await self._update_shared(turn, lambda doc: doc.__setitem__("context", shared), required=True)
        if not (flow_changed or ctx_changed or turn.claimed):
            return
        start_id = (json.loads(turn.start_flow) or {}).get("id")
        key = user_key(turn.conversation_id, turn.user_id)
        for attempt in range(self.max_attempts):
            doc, etag = await self.docs.read(key)
            doc = dict(doc or {})
            done = [d for d in doc.get("done", []) if isinstance(d, str)]
            mine_id = mine_flow.get("id") if isinstance(mine_flow, dict) else None
            for fid in sorted(turn.claimed):
                if fid != mine_id and fid not in done:
                    done.append(fid)  # it executed (or its turn ended): terminal
            stored = doc.get("flow") if isinstance(doc.get("flow"), dict) else None
            stored_id = stored.get("id") if stored else None
            flow = stored
            if flow_changed or mine_id in turn.claimed:
                if stored_id not in (None, start_id) and mine_flow is None:
                    flow = stored  # a newer turn of this user started another flow since: keep it
                else:
                    flow = mine_flow
                if (flow is not None and stored is not None and flow.get("id") == stored_id
                        and stored.get("stage") == "executing" and stored_id not in turn.claimed):
                    flow = stored  # another turn is executing it: never hand it back to "confirm"
            if flow is not None and flow.get("id") in done:
                flow = None
            doc["flow"] = flow
            if ctx_changed or "ctx" not in doc:
                doc["ctx"] = mine_ctx
            doc["done"] = done[-DONE_KEPT:]
            try:
                await self._write(key, doc, etag)
            except Exception:  # noqa: BLE001 - stale eTag: read again and merge again
                await self._backoff(attempt)
                continue
            break
        else:
            raise FlowStoreError(f"could not save the flow of {turn.user_id}")
        if isinstance(mine_flow, dict) and flow_changed and mine_flow.get("id") not in turn.owners:
            await self._record_owner(turn, mine_flow)

    async def end_flow(self, conversation_id: str, user_id: str) -> None:
        """After a failed turn: end this user's pending flow (terminal if it had started executing)."""
        key = user_key(conversation_id, user_id)
        for attempt in range(self.max_attempts):
            doc, etag = await self.docs.read(key)
            if not doc or not doc.get("flow"):
                return
            doc = dict(doc)
            flow = doc["flow"]
            if isinstance(flow, dict) and flow.get("stage") == "executing":
                doc["done"] = ([*doc.get("done", []), flow.get("id")])[-DONE_KEPT:]
            doc["flow"] = None
            try:
                await self._write(key, doc, etag)
                return
            except Exception:  # noqa: BLE001 - stale eTag: read again
                await self._backoff(attempt)
        raise FlowStoreError(f"could not end the flow of {user_id}")

    async def _record_owner(self, turn: TurnFlows, flow: dict[str, Any]) -> None:
        """Best effort: only used to name the owner of a card someone else clicked."""
        def add(doc: dict[str, Any]) -> None:
            owners = dict(doc.get("owners") or {})
            owners[str(flow.get("id"))] = [turn.user_id, str(flow.get("user_name") or "")]
            doc["owners"] = dict(list(owners.items())[-OWNERS_KEPT:])

        await self._update_shared(turn, add, required=False)

    async def _update_shared(self, turn: TurnFlows, change: Any, *, required: bool) -> None:
        key = shared_key(turn.conversation_id)
        for attempt in range(self.max_attempts):
            try:
                doc, etag = await self.docs.read(key)
                doc = dict(doc or {})
                change(doc)
                await self._write(key, doc, etag)
                return
            except Exception:  # noqa: BLE001 - lost the race: read again
                await self._backoff(attempt)
        if required:
            raise FlowStoreError(f"could not update the shared state of {turn.conversation_id}")
        log.warning("could not update the shared state of %s", turn.conversation_id)

    async def _write(self, key: str, doc: dict[str, Any], etag: str | None) -> None:
        if etag is not None:
            await self.docs.replace(key, doc, etag)
            return
        # A first write is create-only (If-None-Match on Blob, a one-off eTag on SQLite/Memory): two members whose
        # turns create the conversation's shared item at once cannot overwrite each other; the loser reads again.
        item = {**json.loads(json.dumps(doc)), "e_tag": f"new-{secrets.token_hex(8)}"}
        if not await create_if_absent(self.storage, key, item):
            raise KeyError(f"{key} was created meanwhile")


def _plain(item: Any) -> dict[str, Any] | None:
    if item is None:
        return None
    data = dict(item) if isinstance(item, dict) else dict(vars(item))
    data.pop("e_tag", None)
    return json.loads(json.dumps(data, default=str))

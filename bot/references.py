"""Durable conversation references, so the bot can message people later (approvals, order outcomes).

Teams samples keep references in a process dict, which is lost on restart and invisible to other instances;
here they live in bot storage under two keys: one per conversation (``get_reference``) and one per user
listing that user's conversations (``list_user_references``). The incoming activity id is dropped from the
stored reference: a proactive message starts a new exchange, and without it an unchanged reference is not
rewritten on every message.
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any

from botbuilder.core import Storage
from botbuilder.schema import ConversationReference

from partner_center import clock

log = logging.getLogger(__name__)

_CONVERSATION_PREFIX = "partnerbot/convref/conversation/"
_USER_PREFIX = "partnerbot/convref/user/"
_MAX_ATTEMPTS = 4
# How long a process trusts that the reference it stored (or found stored) for a conversation is still there.
MEMO_SECONDS = 60.0
_MEMO_LIMIT = 5000

# conversation id -> (when confirmed, user id, reference data)
ReferenceMemo = dict[str, tuple[float, str, dict[str, Any]]]


def conversation_key(conversation_id: str) -> str:
    return _CONVERSATION_PREFIX + conversation_id


def user_key(user_id: str) -> str:
    return _USER_PREFIX + user_id


def _reference_dict(reference: ConversationReference) -> dict[str, Any]:
    data = reference.serialize()
    data.pop("activityId", None)
    return data


def _now() -> str:
    return clock.now().isoformat(timespec="seconds")


async def put_reference(storage: Storage, reference: ConversationReference, user_id: str,
                        memo: ReferenceMemo | None = None) -> bool:
    """Store `reference` for its conversation and for `user_id`. Returns False when nothing changed.

    With a `memo` (one per process), a reference this process stored or found stored for the same conversation
    and user less than `MEMO_SECONDS` ago is not read again: the handler calls this on every message."""
    conversation_id = reference.conversation.id if reference.conversation else None
    if not conversation_id or not user_id:
        raise ValueError("a conversation reference needs a conversation id and a user id")
    data = _reference_dict(reference)
    if memo is not None:
        seen = memo.get(conversation_id)
        if seen is not None and seen[1] == user_id and seen[2] == data and time.monotonic() - seen[0] < MEMO_SECONDS:
            return False
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
    changed = await _put_reference(storage, conversation_id, data, user_id)
    if memo is not None:
        memo[conversation_id] = (time.monotonic(), user_id, data)
    return changed


async def _put_reference(storage: Storage, conversation_id: str, data: dict[str, Any], user_id: str) -> bool:
    conv_key, usr_key = conversation_key(conversation_id), user_key(user_id)
    for attempt in range(_MAX_ATTEMPTS):
        found = await storage.read([conv_key, usr_key])
        stored_conv = copy.deepcopy(found.get(conv_key)) or {}
        stored_user = copy.deepcopy(found.get(usr_key)) or {}
        conversations = stored_user.get("conversations", {})
        known = conversations.get(conversation_id, {})
        if stored_conv.get("reference") == data and known.get("reference") == data:
            return False
        conversations[conversation_id] = {"reference": data, "updated_at": _now()}
        changes = {
            # The per-conversation record: last writer wins (it is the same conversation either way).
            conv_key: {"reference": data, "user_id": user_id, "updated_at": _now()},
            # The per-user index is read-modify-write: guard it with its eTag so concurrent turns merge.
            usr_key: {"conversations": conversations, "e_tag": stored_user.get("e_tag", "*") or "*"},
        }
        try:
            await storage.write(changes)
            return True
        except KeyError:  # eTag conflict (MemoryStorage and SqliteStorage raise KeyError subclasses)
            log.debug("conversation reference index changed concurrently, retrying (%d)", attempt + 1)
    raise RuntimeError(f"could not store the conversation reference after {_MAX_ATTEMPTS} attempts")


async def get_reference(storage: Storage, conversation_id: str) -> ConversationReference | None:
    found = (await storage.read([conversation_key(conversation_id)])).get(conversation_key(conversation_id))
    if not found:
        return None
    return ConversationReference().deserialize(copy.deepcopy(found["reference"]))


async def list_user_references(storage: Storage, user_id: str) -> list[ConversationReference]:
    """The user's conversations with the bot, most recently used first."""
    found = (await storage.read([user_key(user_id)])).get(user_key(user_id)) or {}
    entries = sorted((found.get("conversations") or {}).values(), key=lambda e: e.get("updated_at", ""),
                     reverse=True)
    return [ConversationReference().deserialize(copy.deepcopy(e["reference"])) for e in entries]


async def get_personal_reference(storage: Storage, user_id: str) -> ConversationReference | None:
    """The user's 1:1 chat with the bot (where approval requests and notifications go), if known."""
    for reference in await list_user_references(storage, user_id):
        conversation = reference.conversation
        if conversation and (conversation.conversation_type or "personal") == "personal" \
                and not conversation.is_group:
            return reference
    return None

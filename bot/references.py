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
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import Storage
from botbuilder.schema import ConversationReference

log = logging.getLogger(__name__)

_CONVERSATION_PREFIX = "partnerbot/convref/conversation/"
_USER_PREFIX = "partnerbot/convref/user/"
_MAX_ATTEMPTS = 4


def conversation_key(conversation_id: str) -> str:
    return _CONVERSATION_PREFIX + conversation_id


def user_key(user_id: str) -> str:
    return _USER_PREFIX + user_id


def _reference_dict(reference: ConversationReference) -> dict[str, Any]:
    data = reference.serialize()
    data.pop("activityId", None)
    return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def put_reference(storage: Storage, reference: ConversationReference, user_id: str) -> bool:
    """Store `reference` for its conversation and for `user_id`. Returns False when nothing changed."""
    conversation_id = reference.conversation.id if reference.conversation else None
    if not conversation_id or not user_id:
        raise ValueError("a conversation reference needs a conversation id and a user id")
    data = _reference_dict(reference)
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

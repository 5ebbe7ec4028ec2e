"""Durable conversation references, so the bot can message people later (approvals, order outcomes).

Teams samples keep references in a process dict, which is lost on restart and invisible to other instances;
here they live in bot storage under two keys: one per conversation (``get_reference``) and one per user
listing that user's conversations (``list_user_references``): bounded to the `MAX_PER_USER` most recently used
group chats and channels, with the personal chat kept apart and never evicted, written read-modify-write on its
eTag with jittered backoff. Storing a reference never fails a turn: under persistent contention the index
update is skipped (the next message retries it) and the caller catches anything else.
The incoming activity id is dropped from the stored reference: a proactive message starts a new exchange,
and without it an unchanged reference is not rewritten on every message.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
import time
from datetime import datetime, timedelta
from typing import Any

from botbuilder.core import Storage
from botbuilder.schema import ConversationReference

from partner_center import clock

log = logging.getLogger(__name__)

_CONVERSATION_PREFIX = "partnerbot/convref/conversation/"
_USER_PREFIX = "partnerbot/convref/user/"
_MAX_ATTEMPTS = 10  # with jittered backoff: one user active in many conversations at once
MAX_PER_USER = 20  # group chats and channels kept per user, most recently used first (+ the personal chat)
TOUCH_AFTER = timedelta(hours=1)  # an unchanged reference's "last used" is rewritten at most this often
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
    return clock.now().isoformat(timespec="microseconds")


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
    changed = await _put_reference(storage, conversation_id, data, user_id, _is_personal(reference))
    if memo is not None:
        memo[conversation_id] = (time.monotonic(), user_id, data)
    return changed


def _is_personal(reference: ConversationReference) -> bool:
    conversation = reference.conversation
    return bool(conversation and (conversation.conversation_type or "personal") == "personal"
                and not conversation.is_group)


def _stale(entry: dict[str, Any] | None, now: datetime) -> bool:
    """Is the user index's "last used" time of this conversation old enough to be worth a write?"""
    try:
        return now - datetime.fromisoformat(str((entry or {}).get("updated_at"))) > TOUCH_AFTER
    except ValueError:
        return True


async def _put_reference(storage: Storage, conversation_id: str, data: dict[str, Any], user_id: str,
                         personal: bool) -> bool:
    conv_key, usr_key = conversation_key(conversation_id), user_key(user_id)
    changed = False
    for attempt in range(_MAX_ATTEMPTS):
        found = await storage.read([conv_key, usr_key])
        stored_conv = found.get(conv_key) or {}
        stored_user = copy.deepcopy(found.get(usr_key)) or {}
        if not changed and (stored_conv.get("reference") != data or stored_conv.get("user_id") != user_id):
            # The per-conversation record: last writer wins (it is the same conversation either way).
            await storage.write({conv_key: {"reference": data, "user_id": user_id, "updated_at": _now()}})
            changed = True
        now = clock.now()
        conversations: dict[str, Any] = dict(stored_user.get("conversations") or {})
        personal_entry = stored_user.get("personal")
        if personal:
            known = personal_entry if (personal_entry or {}).get("id") == conversation_id else None
        else:
            known = conversations.get(conversation_id)
        if known is not None and known.get("reference") == data and not _stale(known, now):
            return changed
        entry = {"reference": data, "updated_at": _now()}
        if personal:
            personal_entry = {"id": conversation_id, **entry}
            conversations.pop(conversation_id, None)
        else:
            conversations[conversation_id] = entry
        # Bounded: the most recent MAX_PER_USER conversations; the personal chat is kept apart, never evicted.
        for old_id, old in list(conversations.items()):
            if _is_personal_data(old.get("reference")):  # from the earlier layout: move it out
                conversations.pop(old_id)
                if personal_entry is None:
                    personal_entry = {"id": old_id, **old}
        recent = sorted(conversations.items(), key=lambda kv: kv[1].get("updated_at", ""), reverse=True)
        doc: dict[str, Any] = {"conversations": dict(recent[:MAX_PER_USER]),
                               # The per-user index is read-modify-write: guarded by its eTag.
                               "e_tag": stored_user.get("e_tag", "*") or "*"}
        if personal_entry is not None:
            doc["personal"] = personal_entry
        try:
            await storage.write({usr_key: doc})
            return True
        except Exception:  # noqa: BLE001 - an eTag conflict (its type depends on the storage): read again
            log.debug("conversation reference index changed concurrently, retrying (%d)", attempt + 1)
            await asyncio.sleep(min(0.2, 0.002 * 2 ** attempt) * random.uniform(0.5, 1.5))
    log.warning("the conversation index of user %s was not updated after %d attempts (contention)", user_id,
                _MAX_ATTEMPTS)
    return changed


def _is_personal_data(data: Any) -> bool:
    conversation = (data or {}).get("conversation") or {}
    return (conversation.get("conversationType") or "personal") == "personal" and not conversation.get("isGroup")


async def get_reference(storage: Storage, conversation_id: str) -> ConversationReference | None:
    found = (await storage.read([conversation_key(conversation_id)])).get(conversation_key(conversation_id))
    if not found:
        return None
    return ConversationReference().deserialize(copy.deepcopy(found["reference"]))


async def list_user_references(storage: Storage, user_id: str) -> list[ConversationReference]:
    """The user's conversations with the bot, most recently used first."""
    found = (await storage.read([user_key(user_id)])).get(user_key(user_id)) or {}
    entries = list((found.get("conversations") or {}).values())
    if isinstance(found.get("personal"), dict):
        entries.append(found["personal"])
    entries.sort(key=lambda e: e.get("updated_at", ""), reverse=True)
    return [ConversationReference().deserialize(copy.deepcopy(e["reference"])) for e in entries]


async def get_personal_reference(storage: Storage, user_id: str) -> ConversationReference | None:
    """The user's 1:1 chat with the bot (where approval requests and notifications go), if known."""
    for reference in await list_user_references(storage, user_id):
        conversation = reference.conversation
        if conversation and (conversation.conversation_type or "personal") == "personal" \
                and not conversation.is_group:
            return reference
    return None

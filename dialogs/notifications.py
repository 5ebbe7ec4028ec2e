"""Where Partner Center events and digests are posted: one record per conversation in bot storage.

Each conversation's routes live in ``partnerbot/notifications/conversation/<sha256(conversation id)>`` and the set
of conversations with any route in ``partnerbot/notifications/index`` (the webhook fan-out reads it). Both are
changed only by eTag compare-and-set (`dialogs.approval_store.VersionedDocs`): a concurrent change makes the write
fail, and the change is re-applied to the fresh document. Changes are idempotent (subscribing twice is one route),
so a write that succeeded but reported an error is recognised on the re-read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from dialogs.approval_store import VersionedDocs

PREFIX = "partnerbot/notifications/"
INDEX_KEY = PREFIX + "index"
MAX_ATTEMPTS = 8

# Topics a conversation can subscribe to, and the Partner Center event names (api.md §27.2) each one covers.
EVENT_TOPICS: dict[str, tuple[str, ...]] = {
    "subscriptions": ("subscription-updated",),
    "gdap": ("granular-admin-relationship-approved", "granular-admin-relationship-activated",
             "granular-admin-relationship-terminated", "granular-admin-relationship-expired",
             "granular-admin-access-assignment-created", "granular-admin-access-assignment-activated",
             "granular-admin-access-assignment-updated", "granular-admin-access-assignment-deleted"),
    "fraud": ("azure-fraud-event-detected",),
    "test": ("test-created",),
}
DIGEST = "digest"  # the weekly renewals / GDAP expiry / approvals digest (no event: a scheduled scan)
TOPICS = (*EVENT_TOPICS, DIGEST)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def topic_of_event(event_name: str) -> str | None:
    name = event_name.strip().lower()
    return next((topic for topic, names in EVENT_TOPICS.items() if name in names), None)


class NotificationStoreError(RuntimeError):
    """The routes could not be changed after several attempts (persistent conflict or storage outage)."""


@dataclass(frozen=True)
class Route:
    """One thing posted to a conversation: a topic's events, or the digest at a weekday and time (UTC)."""

    topic: str
    created_by: str = ""
    created_at: str = ""
    weekday: str = ""  # digest only
    time: str = ""  # digest only, "HH:MM"

    @classmethod
    def of(cls, data: dict[str, Any]) -> Route:
        return cls(topic=str(data.get("topic") or ""), created_by=str(data.get("created_by") or ""),
                   created_at=str(data.get("created_at") or ""), weekday=str(data.get("weekday") or ""),
                   time=str(data.get("time") or ""))


@dataclass(frozen=True)
class ConversationRoutes:
    """Everything routed to one conversation, with what the bot needs to post there proactively."""

    conversation_id: str
    conversation_type: str = "personal"
    routes: tuple[Route, ...] = field(default_factory=tuple)

    def route(self, topic: str) -> Route | None:
        return next((r for r in self.routes if r.topic == topic), None)

    def to_dict(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "conversation_type": self.conversation_type,
                "routes": [asdict(r) for r in self.routes]}

    @classmethod
    def of(cls, data: dict[str, Any]) -> ConversationRoutes:
        return cls(conversation_id=str(data.get("conversation_id") or ""),
                   conversation_type=str(data.get("conversation_type") or "personal"),
                   routes=tuple(Route.of(r) for r in data.get("routes") or () if isinstance(r, dict)))


def conversation_key(conversation_id: str) -> str:
    return f"{PREFIX}conversation/{hashlib.sha256(conversation_id.encode()).hexdigest()[:32]}"


class NotificationStore:
    def __init__(self, storage: Any) -> None:
        self.docs = VersionedDocs(storage)

    async def get(self, conversation_id: str) -> ConversationRoutes:
        data, _ = await self.docs.read(conversation_key(conversation_id))
        return ConversationRoutes.of(data) if data else ConversationRoutes(conversation_id)

    async def conversations(self) -> list[ConversationRoutes]:
        """Every conversation with at least one route (index order: first subscribed first)."""
        index, _ = await self.docs.read(INDEX_KEY)
        found = []
        for conversation_id in (index or {}).get("conversations", []):
            routes = await self.get(conversation_id)
            if routes.routes:
                found.append(routes)
        return found

    async def subscribed(self, topic: str) -> list[ConversationRoutes]:
        return [c for c in await self.conversations() if c.route(topic) is not None]

    async def add(self, conversation_id: str, conversation_type: str, route: Route) -> ConversationRoutes:
        """Route `route.topic` to the conversation (replacing that topic's earlier route, e.g. a new digest time)."""
        await self._update(INDEX_KEY, lambda d: _with_member(d, conversation_id))

        def change(data: dict[str, Any]) -> dict[str, Any]:
            current = ConversationRoutes.of(data) if data else ConversationRoutes(conversation_id)
            kept = tuple(r for r in current.routes if r.topic != route.topic)
            return replace(current, conversation_type=conversation_type, routes=(*kept, route)).to_dict()

        return ConversationRoutes.of(await self._update(conversation_key(conversation_id), change))

    async def remove(self, conversation_id: str, topics: tuple[str, ...]) -> ConversationRoutes:
        def change(data: dict[str, Any]) -> dict[str, Any]:
            current = ConversationRoutes.of(data) if data else ConversationRoutes(conversation_id)
            return replace(current, routes=tuple(r for r in current.routes if r.topic not in topics)).to_dict()

        # The index keeps the member: `conversations()` skips conversations without routes.
        return ConversationRoutes.of(await self._update(conversation_key(conversation_id), change))

    async def _update(self, key: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Read, change and write back with the eTag; on a conflict read again and re-apply."""
        for _ in range(MAX_ATTEMPTS):
            data, etag = await self.docs.read(key)
            new = change(data or {})
            if data == new:
                return new
            try:
                if data is None:
                    await self.docs.create(key, new)
                else:
                    await self.docs.replace(key, new, etag)
                return new
            except Exception:  # noqa: BLE001 - a stale eTag: storage-specific exception types (see VersionedDocs)
                continue
        raise NotificationStoreError(f"could not update {key} after {MAX_ATTEMPTS} attempts")


def _with_member(data: dict[str, Any], conversation_id: str) -> dict[str, Any]:
    members = list(data.get("conversations") or [])
    if conversation_id not in members:
        members.append(conversation_id)
    return {"conversations": members}

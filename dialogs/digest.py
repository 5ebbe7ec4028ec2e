"""The weekly digest (renewals within 30 days, pending approvals) for every conversation that asked for one.

Once per schedule, across restarts and bot instances sharing storage: each conversation's digest has a marker
document (`partnerbot/notifications/digest/<hash>`, the last due time sent). An instance claims a due time by
writing the marker under its eTag; a concurrent instance's write fails and it sends nothing. The claim comes
before the post, so a crash between them loses that week's digest rather than sending it twice. A digest
subscribed after a due time starts with the next one (the marker starts at the due time before the route's
creation). Time comes only from the injected clock.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from dialogs.approval_store import VersionedDocs
from dialogs.notifications import DIGEST, WEEKDAYS, NotificationStore, Route
from dialogs.turn import Reply

log = logging.getLogger(__name__)

MARKER_PREFIX = "partnerbot/notifications/digest/"

Build = Callable[[str, datetime], Awaitable[list[Reply]]]  # (conversation id, due time) -> the digest
Send = Callable[[str, list[Reply]], Awaitable[Any]]


def last_due(route: Route, now: datetime) -> datetime:
    """The latest time at or before `now` on the route's weekday and HH:MM (UTC)."""
    hour, minute = (int(x) for x in (route.time or "09:00").split(":"))
    weekday = WEEKDAYS.index(route.weekday) if route.weekday in WEEKDAYS else 0
    candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    candidate -= timedelta(days=(candidate.weekday() - weekday) % 7)
    if candidate > now:
        candidate -= timedelta(days=7)
    return candidate


def _marker_key(conversation_id: str) -> str:
    return MARKER_PREFIX + hashlib.sha256(conversation_id.encode()).hexdigest()[:32]


class DigestScheduler:
    def __init__(self, store: NotificationStore, storage: Any, build: Build, send: Send) -> None:
        self.store = store
        self.docs = VersionedDocs(storage)
        self.build = build
        self.send = send

    async def run_due(self, now: datetime) -> list[str]:
        """Send every digest that is due and not yet sent by any instance; returns the conversations sent to."""
        sent = []
        for conversation in await self.store.subscribed(DIGEST):
            route = conversation.route(DIGEST)
            assert route is not None
            due = last_due(route, now)
            key = _marker_key(conversation.conversation_id)
            marker, etag = await self.docs.read(key)
            if marker is None:
                created = _parse(route.created_at) or now
                await self.docs.create(key, {"last_due": last_due(route, created).isoformat()})
                marker, etag = await self.docs.read(key)
                if marker is None:
                    continue
            previous = _parse(str(marker.get("last_due") or ""))
            if previous is not None and previous >= due:
                continue
            try:
                await self.docs.replace(key, {"last_due": due.isoformat()}, etag)
            except Exception:  # noqa: BLE001 - a stale eTag: another instance claimed this digest
                continue
            try:
                await self.send(conversation.conversation_id, await self.build(conversation.conversation_id, due))
                sent.append(conversation.conversation_id)
            except Exception:  # noqa: BLE001 - one conversation's failure must not stop the others
                log.warning("the digest for a conversation could not be sent")
        return sent


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None

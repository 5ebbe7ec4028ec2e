"""What the weekly digest says (renewals in the next 30 days, pending purchase approvals) and the loop that
sends due digests (`dialogs.digest.DigestScheduler`) while the app serves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from cards.notifications import digest_card
from dialogs.approval_store import ApprovalStore
from dialogs.digest import DigestScheduler
from dialogs.notifications import NotificationStore
from dialogs.turn import Reply

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0


async def renewals_within(client: Any, now: datetime, days: int = 30) -> list[tuple[str, str, datetime]]:
    """Active subscriptions whose term ends in the next `days` days, soonest first, across all customers."""
    found = []
    async for customer in client.customers.list():
        async for sub in client.subscriptions.list(customer.id):
            end = sub.commitment_end_date
            if str(sub.status) == "active" and isinstance(end, datetime) and now <= end <= now + timedelta(days=days):
                found.append((customer.company_name or customer.id, sub.friendly_name or sub.offer_name or sub.id,
                              end))
    return sorted(found, key=lambda row: row[2])


def scheduler(client: Any, store: NotificationStore, storage: Any, notifier: Any, clock: Callable[[], datetime],
              locale: str = "en-US") -> DigestScheduler:
    async def build(conversation_id: str, due: datetime) -> list[Reply]:
        renewals = await renewals_within(client, clock())
        pending = len(await ApprovalStore(storage).open_ids())
        return [Reply(card=digest_card(renewals, pending, locale))]

    return DigestScheduler(store, storage, build, notifier.send_to_conversation)


async def sweep_forever(digests: DigestScheduler, clock: Callable[[], datetime]) -> None:
    while True:
        try:
            await digests.run_due(clock())
        except Exception:  # noqa: BLE001 - storage or Partner Center trouble: try again next sweep
            log.exception("digest sweep failed")
        await asyncio.sleep(SWEEP_SECONDS)

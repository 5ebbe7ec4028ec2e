"""Resources read from Partner Center earlier in the same turn, so a turn does not ask for them twice.

Resolving "E3" lists the customer's subscriptions; the confirmation card that follows in the same turn needs the
current seat count of the one chosen, which that list already returned milliseconds earlier. The engine opens a
scope per turn (`turn_scope`); `remember` outside a scope does nothing and nothing outlives the turn, so a later
turn (a confirmed change, a new question) always reads Partner Center again. Changes never use these copies:
their handlers fetch the resource themselves and send its etag with the update.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_READS: ContextVar[dict[tuple[str, str, str], Any] | None] = ContextVar("partnerbot_turn_reads", default=None)


@contextmanager
def turn_scope() -> Iterator[None]:
    """Resources remembered inside the block are forgotten when it ends."""
    token = _READS.set({})
    try:
        yield
    finally:
        _READS.reset(token)


def remember_subscriptions(customer_id: str, subscriptions: list[Any]) -> None:
    reads = _READS.get()
    if reads is not None:
        for sub in subscriptions:
            reads[("subscription", customer_id, sub.id)] = sub


def recent_subscription(customer_id: str, subscription_id: str) -> Any | None:
    """The subscription as this turn's listing returned it, or None (outside a turn, or not listed in it)."""
    reads = _READS.get()
    return None if reads is None else reads.get(("subscription", customer_id, subscription_id))

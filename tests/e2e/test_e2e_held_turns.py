"""HTTP end-to-end: a turn that cannot finish within a few seconds (rate-limit queue, slow Partner Center) answers
the POST at once with a holding message, and posts the result into the same conversation when it is ready."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot import local_channel as lc
from bot.server import HANDLER
from dialogs.context import OperationContext
from dialogs.registry import Outcome, Param, Registry
from tests.e2e.e2e_support import DANA, Bot, SandboxThread

SLOW = "e2e.slow_lookup"
HOLDING = "Still working on it: Partner Center is busy right now. I'll post the answer here as soon as it's ready."


def _registry() -> Registry:
    registry = Registry()

    @registry.operation(SLOW, kind="read", params=[Param("what", required=False)])
    async def slow(ctx: OperationContext, args: dict[str, Any]) -> Outcome:
        await asyncio.sleep(3.0)  # waiting for Partner Center (or for the client's rate limit)
        return Outcome(message=f"Found {args.get('what') or 'it'}.")

    @registry.operation("none", kind="read", params=[])
    async def none(ctx: OperationContext, args: dict[str, Any]) -> Outcome:
        return Outcome(message="?")

    return registry


async def test_slow_turn_answers_at_once_and_posts_the_result(shared_sandbox: SandboxThread):
    async with Bot(shared_sandbox.url, registry=_registry()) as bot:
        handler = bot.app.app[HANDLER]
        handler.hold_after = 0.3
        activity = lc.submit_activity({"pb": "run", "op": SLOW, "params": {"what": "the invoice"}},
                                      **bot.app.envelope(DANA))
        started = time.monotonic()
        status, _ = await bot.app.post(activity)
        answered = time.monotonic() - started
        assert status in (200, 201) and answered < 2.5, answered  # long before the lookup's 3 s
        assert [c.text for c in bot.app.connector.calls if c.activity_id == activity["id"]] == [HOLDING]
        await handler.drain_later()
        posted = [c for c in bot.app.connector.calls if c.text == "Found the invoice."]
        assert len(posted) == 1 and posted[0].conversation_id == "a:personal-dana"
        assert posted[0].operation in {"send", "create_conversation", "reply"}
        # a quick turn is answered as before, within the request
        handler.hold_after = 5.0
        bot.app.connector.pending()  # what was already looked at
        quick = await bot.submit({"pb": "run", "op": SLOW, "params": {"what": "x"}})
        assert quick.texts == ["Found x."]

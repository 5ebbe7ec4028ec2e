"""Proactive messages through the real adapter to the stored conversation reference (local connector)."""

from __future__ import annotations

import pytest

from bot.proactive import NoConversationError, ProactiveNotifier
from bot.server import NOTIFIER
from dialogs.turn import Reply
from tests.bot.fake_engine import FakeEngine, sample_card
from tests.support.botapp import AVERY, DANA, BotApp


class NotifiedEngine(FakeEngine):
    def attach_notifier(self, notifier: ProactiveNotifier) -> None:
        self.notifier = notifier


async def test_notify_user_and_edit_the_card_later():
    engine = NotifiedEngine()
    async with BotApp(engine) as bot:
        assert engine.notifier is bot.app[NOTIFIER]
        await bot.install()
        await bot.connector.next(1)
        [card_id] = await engine.notifier.send_to_user(DANA.aad_object_id, [Reply(card=sample_card("Approved"))])
        [sent] = await bot.connector.next(1)
        assert sent.operation == "send" and sent.conversation_id == bot.conversation_id
        assert sent.cards[0]["body"][0]["text"] == "Approved" and card_id == sent.activity["id"]
        await engine.notifier.send_to_conversation(bot.conversation_id,
                                                   [Reply(text="Ordered", replace_activity_id=card_id)])
        [update] = await bot.connector.next(1)
        assert (update.operation, update.activity_id, update.text) == ("update", card_id, "Ordered")


async def test_unknown_user_is_a_clear_error():
    engine = NotifiedEngine()
    async with BotApp(engine) as bot:
        with pytest.raises(NoConversationError, match="installed"):
            await bot.app[NOTIFIER].send_to_user(AVERY.aad_object_id, [Reply(text="hi")])

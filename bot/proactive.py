"""Proactive messages: tell someone something outside their own turn (approval requests, decisions, outcomes).

Uses the conversation references the handler stores (`bot.references`) and the adapter's
`continue_conversation`; replies are the engine's SDK-neutral `Reply` objects, so callers in `dialogs/` never
touch botbuilder. Returns the sent activity ids so a card can be edited later (e.g. for every approver).
"""

from __future__ import annotations

import logging

from botbuilder.core import BotAdapter, Storage, TurnContext
from botbuilder.schema import ConversationReference

from bot import references
from bot.translate import activity_from_reply
from dialogs.turn import Reply

log = logging.getLogger(__name__)


class NoConversationError(LookupError):
    """The bot has no conversation with that user or id yet (the app is not installed for them)."""


class ProactiveNotifier:
    def __init__(self, adapter: BotAdapter, storage: Storage, app_id: str = "") -> None:
        self.adapter = adapter
        self.storage = storage
        self.app_id = app_id

    async def send_to_user(self, user_id: str, replies: list[Reply]) -> list[str | None]:
        """Send to the user's 1:1 chat with the bot (by Entra object id, or channel id for non-Teams users)."""
        reference = await references.get_personal_reference(self.storage, user_id)
        if reference is None:
            raise NoConversationError(f"no personal conversation with user {user_id!r}; the app must be installed "
                                      "for them (they have to open the bot once) before it can message them")
        return await self.send_to_reference(reference, replies)

    async def send_to_conversation(self, conversation_id: str, replies: list[Reply]) -> list[str | None]:
        reference = await references.get_reference(self.storage, conversation_id)
        if reference is None:
            raise NoConversationError(f"no stored reference for conversation {conversation_id!r}")
        return await self.send_to_reference(reference, replies)

    async def send_to_reference(self, reference: ConversationReference, replies: list[Reply]) -> list[str | None]:
        ids: list[str | None] = []

        async def deliver(turn_context: TurnContext) -> None:
            # The SDK gives the continuation event a random id and would "reply" to it; a proactive message is a
            # new message in the conversation (POST .../activities), which also works in channels.
            turn_context.activity.id = None
            for reply in replies:
                activity = activity_from_reply(reply)
                if reply.replace_activity_id:
                    response = await turn_context.update_activity(activity)
                else:
                    response = await turn_context.send_activity(activity)
                ids.append(response.id if response else None)

        await self.adapter.continue_conversation(reference, deliver, self.app_id or None)
        return ids

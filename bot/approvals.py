"""The botbuilder side of the approval workflow: proactive delivery and card edits, and who the bot knows.

`TeamsApprovalChannel` implements `dialogs.approvals.ApprovalChannel` with the app's `ProactiveNotifier`
(`adapter.continue_conversation` + send / `update_activity`) over the durable conversation references in bot
storage. `PeopleRecorder` is a reference listener for the handler: every user who talks to the bot (or
installs it) is recorded with their Teams id, so approval requests can reach approvers' personal chats and
the card's refresh list can name them.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import Storage
from botbuilder.schema import ConversationReference

from bot import references
from bot.proactive import NoConversationError, ProactiveNotifier
from dialogs.approval_store import PeopleIndex
from dialogs.turn import Reply, Turn

log = logging.getLogger(__name__)


class TeamsApprovalChannel:
    def __init__(self, notifier: ProactiveNotifier) -> None:
        self.notifier = notifier
        self.storage: Storage = notifier.storage

    async def send_to_user(self, user_id: str, replies: list[Reply]) -> tuple[str, list[str | None]]:
        """Send to the user's personal chat; returns (its conversation id, the new activity ids)."""
        reference = await references.get_personal_reference(self.storage, user_id)
        if reference is None or reference.conversation is None:
            raise NoConversationError(f"no personal conversation with user {user_id!r}")
        ids = await self.notifier.send_to_reference(reference, replies)
        return reference.conversation.id, ids

    async def send_to_conversation(self, conversation_id: str, replies: list[Reply]) -> list[str | None]:
        return await self.notifier.send_to_conversation(conversation_id, replies)

    async def update(self, conversation_id: str, activity_id: str, reply: Reply) -> None:
        """Edit an earlier message for everyone (Teams then refreshes each listed user's own view)."""
        reply.replace_activity_id = activity_id
        await self.notifier.send_to_conversation(conversation_id, [reply])


def bind(notifier: Any) -> tuple[Storage, TeamsApprovalChannel]:
    """The `binder` for `ApprovalService`: approvals live in the same durable storage as the references."""
    return notifier.storage, TeamsApprovalChannel(notifier)


class PeopleRecorder:
    """Handler reference listener: remember (user id, display name, Teams MRI) of everyone the bot meets."""

    def __init__(self, storage: Storage) -> None:
        self.people = PeopleIndex(storage)

    async def __call__(self, turn: Turn, reference: ConversationReference) -> None:
        user = reference.user
        mri = user.id if user is not None and user.id else None
        await self.people.remember(turn.user.id, turn.user.name, mri)

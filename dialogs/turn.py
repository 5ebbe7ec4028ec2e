"""The SDK-neutral shape of one turn: what the bot layer hands to the conversation engine and gets back.

`bot/` translates botbuilder activities into a `Turn` and `Reply` objects back into activities; nothing
below this line knows about botbuilder, so the engine would survive a move to the Microsoft 365 Agents SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from dialogs.uploads import IncomingFile


@dataclass(frozen=True)
class User:
    """Who sent the turn. `id` is the stable key: the Entra object id when Teams gives one, else the channel id."""

    id: str
    name: str = ""
    aad_object_id: str | None = None
    upn: str | None = None


@dataclass(frozen=True)
class Turn:
    """One incoming message, card submit (`value`) or Universal Action (`verb` + `value`)."""

    user: User
    conversation_id: str
    text: str | None = None
    value: dict[str, Any] | None = None
    verb: str | None = None  # Action.Execute verb for invoke activities
    trigger: str | None = None  # invoke trigger: "manual" (a click) or "automatic" (a card refresh)
    locale: str = "en-US"
    activity_id: str | None = None
    reply_to_id: str | None = None
    channel_id: str = "msteams"
    conversation_type: str = "personal"  # personal | groupChat | channel
    timezone: str | None = None  # IANA name Teams reports (activity.localTimezone / clientInfo); periods use it
    # Teams' file consent flow works here (a Teams personal chat; not group chats, channels, the Playground).
    file_consent: bool = False
    # Files attached to the message, fetched by the bot edge (a device CSV).
    files: tuple[IncomingFile, ...] = ()


@dataclass
class Reply:
    """Something the bot says: plain text, an Adaptive Card (a dict, schema 1.5), or both."""

    text: str | None = None
    card: dict[str, Any] | None = None
    # When set, the bot layer updates this earlier activity instead of sending a new one.
    replace_activity_id: str | None = None
    kind: Literal["message", "typing"] = "message"
    # Non-Adaptive-Card attachments as Bot Framework JSON (e.g. Teams FileConsentCard / FileInfoCard).
    attachments: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class InvokeResult:
    """Answer to an Adaptive Card Universal Action invoke: a card that replaces the clicked one, or a message."""

    card: dict[str, Any] | None = None
    message: str | None = None
    status: int = 200


class ConversationEngine(Protocol):
    """What the bot layer calls. `state` is the conversation's persisted dict; the engine mutates it in place."""

    async def on_turn(self, turn: Turn, state: dict[str, Any]) -> list[Reply]: ...

    async def on_invoke(self, turn: Turn, state: dict[str, Any]) -> InvokeResult: ...

    async def welcome(self, turn: Turn) -> list[Reply]: ...

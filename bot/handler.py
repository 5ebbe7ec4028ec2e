"""The Teams activity handler: turns activities into `Turn`s for the conversation engine and sends its replies.

Everything conversational is the engine's (`dialogs.turn.ConversationEngine`); this class only translates,
keeps state (the engine's dict lives in conversation state under ``engine``), remembers conversation
references for proactive messages, welcomes once per conversation, and answers `adaptiveCard/action` invokes
itself (returning an `InvokeResponse` directly: the SDK's `on_adaptive_card_invoke` path double-serializes the
body in 4.17.1 and Teams gets HTTP 500).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from botbuilder.core import ConversationState, InvokeResponse, Storage, TurnContext, UserState
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ConversationReference, ResourceResponse

from bot import references
from bot.attachments import fetch_files
from bot.translate import (
    activity_from_reply,
    invoke_error_body,
    invoke_response_body,
    turn_from_activity,
    user_from_account,
)
from cards.text import t
from dialogs import flow_store
from dialogs.turn import ConversationEngine, Reply, Turn
from partner_center import clock

log = logging.getLogger(__name__)
HOLD_AFTER_SECONDS = 3.0
T = TypeVar("T")

BOT_STATE = "partnerbot"  # the handler's own bookkeeping (welcome flag, recent activity ids)
PROFILE_STATE = "profile"
RECENT_ACTIVITY_IDS = 50  # redelivered messages within this window are recognised and not handled twice


class PartnerBotHandler(TeamsActivityHandler):
    def __init__(
        self,
        engine: ConversationEngine,
        conversation_state: ConversationState,
        user_state: UserState,
        *,
        storage: Storage | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.conversation_state = conversation_state
        self.user_state = user_state
        # References go to the same store as state unless told otherwise.
        self.storage: Storage = storage if storage is not None else conversation_state._storage
        # Flows: one item per member of a conversation (group chats), compare-and-set, never in conversation state.
        self.flows = flow_store.FlowStore(self.storage)
        # A message turn not done after this many seconds answers with a holding message and posts its result
        # proactively when ready (PARTNERBOT_HOLD_AFTER_SECONDS, default 3; None: always wait).
        self.hold_after: float | None = HOLD_AFTER_SECONDS
        self._later: set[asyncio.Future] = set()
        self._bot_state = conversation_state.create_property(BOT_STATE)
        self._profile = user_state.create_property(PROFILE_STATE)
        self._welcome_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._references: references.ReferenceMemo = {}  # spares a storage read per message
        # Attached files over plain http from loopback (the Playground, local tests): only without Bot Framework
        # authentication; production downloads are https only.
        self.allow_loopback_files = False
        # Called with (turn, conversation reference) whenever someone talks to the bot (e.g. the approvals'
        # people list, which finds approvers' chats); a failing listener never fails the turn.
        self.reference_listeners: list[Callable[[Turn, ConversationReference], Awaitable[None]]] = []
        # Set by the app (bot.server): delivers private replies to a user's personal chat.
        self.notifier: Any = None
        # Set by the app when files are delivered: (turn context, FileConsentCardResponse) -> None.
        self.file_consent: Callable[[TurnContext, Any], Awaitable[None]] | None = None

    # --- turn plumbing ---------------------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        await super().on_turn(turn_context)
        # Saved only when the turn completed: a failed turn is reset by the adapter's error handler.
        await self.conversation_state.save_changes(turn_context)
        await self.user_state.save_changes(turn_context)

    async def _run_engine(self, turn_context: TurnContext, turn: Turn, call: Callable[[dict[str, Any]], Awaitable[T]],
                          ) -> T:
        """Run one engine call on this user's own flow item and merge what it changed back (dialogs.flow_store).

        The merge is stored before any reply is sent, so a card is never clickable before its flow exists.
        """
        loaded = await self.flows.load(turn.conversation_id, turn.user.id)
        token = flow_store.bind(self.flows, loaded)
        try:
            result = await call(loaded.engine_state())
        finally:
            flow_store.unbind(token)
        await self.flows.save(loaded)
        return result

    async def reset_dialog_state(self, turn_context: TurnContext) -> None:
        """After a failed turn: end the failing user's own flow; every other member's flow stays as it is."""
        activity = turn_context.activity
        if activity.from_property is None or activity.conversation is None or not activity.conversation.id:
            return
        user = user_from_account(activity.from_property)
        await self.flows.end_flow(activity.conversation.id, user.id)

    # --- messages --------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        turn = turn_from_activity(turn_context.activity)
        await self._remember(turn_context, turn)
        if await self._seen_before(turn_context):
            log.info("ignoring a redelivered message %s", turn_context.activity.id)
            return
        if turn_context.activity.attachments:
            files = await fetch_files(turn_context.activity.attachments,
                                      allow_loopback_http=self.allow_loopback_files)
            if files:
                turn = replace(turn, files=files)
        if turn.text is None and not turn.value and not turn.files:
            log.debug("ignoring a message with neither text nor value (conversation %s)", turn.conversation_id)
            return
        notifier = getattr(self, "notifier", None)
        if notifier is None or self.hold_after is None:
            replies = await self._run_engine(turn_context, turn, lambda state: self.engine.on_turn(turn, state))
        else:
            work = asyncio.ensure_future(
                self._run_engine(turn_context, turn, lambda state: self.engine.on_turn(turn, state)))
            try:
                replies = await asyncio.wait_for(asyncio.shield(work), self.hold_after)
            except TimeoutError:
                # Teams holds the POST open for ~15 s: answer now, post the result when it is ready.
                await self.send_replies(turn_context, [Reply(text=t("state.holding", turn.locale))])
                later = asyncio.ensure_future(self._post_later(work, turn, notifier))
                self._later.add(later)
                later.add_done_callback(self._later.discard)
                return
        await self.send_replies(turn_context, replies)

    async def _post_later(self, work: asyncio.Future, turn: Turn, notifier: Any) -> None:
        """The replies of a turn that answered with a holding message, posted into its conversation."""
        try:
            replies = await work
        except Exception:  # noqa: BLE001 - the request is gone: tell the user here, as the error handler would
            error_id = uuid.uuid4().hex[:8]
            log.exception("held turn failed [error id %s] conversation=%s", error_id, turn.conversation_id)
            try:
                await self.flows.end_flow(turn.conversation_id, turn.user.id)
            except Exception:  # noqa: BLE001
                log.warning("could not end the flow after a failed held turn", exc_info=True)
            replies = [Reply(text=t("state.later_failed", turn.locale, error_id=error_id))]
        # an update of an earlier card is sent as a new message: the original request has ended
        fresh = [replace(r, replace_activity_id=None) for r in replies or []]
        try:
            await notifier.send_to_conversation(turn.conversation_id, fresh)
        except Exception:  # noqa: BLE001
            log.exception("could not post the result of a held turn to %s", turn.conversation_id)

    async def drain_later(self) -> None:
        """Wait for the results of held turns (tests, shutdown)."""
        while self._later:
            await asyncio.gather(*list(self._later), return_exceptions=True)

    async def send_replies(self, turn_context: TurnContext, replies: list[Reply]) -> list[str | None]:
        """Send (or, with `replace_activity_id`, update) each reply; returns the activity ids in order."""
        ids: list[str | None] = []
        for reply in replies or []:
            if reply.meta.get("personal") and not _is_personal(turn_context):
                reply = await self._deliver_privately(turn_context, reply)
            activity = activity_from_reply(reply)
            response: ResourceResponse | None
            if reply.replace_activity_id:
                response = await self._update_or_send(turn_context, activity)
            else:
                response = await turn_context.send_activity(activity)
            ids.append(response.id if response else None)
        return ids

    async def _deliver_privately(self, turn_context: TurnContext, reply: Reply) -> Reply:
        """Send a private reply (a generated password) to the sender's personal chat instead of this group chat
        or channel; what this conversation sees is only where it went (or that it could not be delivered)."""
        notifier = self.notifier
        user = user_from_account(turn_context.activity.from_property)
        try:
            if notifier is None:
                raise LookupError("no proactive notifier")
            await notifier.send_to_user(user.id, [Reply(text=reply.text)])
        except Exception as exc:  # noqa: BLE001 - not delivered: say so here, never show the text here
            log.warning("private reply not delivered to the personal chat (%s)", type(exc).__name__)
            return Reply(text=reply.meta.get("undeliverable"))
        return Reply(text=reply.meta.get("elsewhere"))

    async def _update_or_send(self, turn_context: TurnContext, activity: Activity) -> ResourceResponse | None:
        try:
            return await turn_context.update_activity(activity)
        except Exception as exc:  # the card may have been deleted: say it again rather than fail the turn
            log.warning("could not update activity %s (%s); sending a new message instead",
                        activity.id, type(exc).__name__)
            activity.id = None
            return await turn_context.send_activity(activity)

    async def _seen_before(self, turn_context: TurnContext) -> bool:
        """True when this activity id was already handled to completion (a channel retry): do nothing twice.

        The id is recorded in conversation state, which is saved only when a turn completes, so a turn that
        crashed is processed again when it is redelivered.
        """
        activity_id = turn_context.activity.id
        if not activity_id:
            return False
        flags = await self._bot_state.get(turn_context, dict)
        recent: list[str] = flags.setdefault("recent_activity_ids", [])
        if activity_id in recent:
            return True
        recent.append(activity_id)
        del recent[:-RECENT_ACTIVITY_IDS]
        return False

    # --- Universal Actions -----------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name != "adaptiveCard/action":
            response = await super().on_invoke_activity(turn_context)
            if response is not None and response.status == 501:  # the SDK's "not implemented": a client error
                name = str(turn_context.activity.name or "")[:80]
                return InvokeResponse(status=400, body={"error": {"code": "NotSupported",
                                                                  "message": f"invoke {name!r} is not supported"}})
            return response
        value = turn_context.activity.value
        action = value.get("action") if isinstance(value, dict) else None
        if not isinstance(action, dict):
            return InvokeResponse(status=200, body=invoke_error_body(400, "BadRequest", "Missing action"))
        if action.get("type") != "Action.Execute":
            return InvokeResponse(status=200, body=invoke_error_body(
                400, "NotSupported", f"The action {action.get('type')!r} is not supported."))
        turn = turn_from_activity(turn_context.activity)
        if value.get("trigger") == "automatic" and turn.verb != "refresh":
            turn = replace(turn, verb="refresh")  # an automatic refresh only ever reads, whatever its verb
        await self._remember(turn_context, turn)
        result = await self._run_engine(turn_context, turn, lambda state: self.engine.on_invoke(turn, state))
        return InvokeResponse(status=200, body=invoke_response_body(result))

    # --- Teams file consent ------------------------------------------------------------------------

    async def on_teams_file_consent(self, turn_context: TurnContext,
                                    file_consent_card_response: Any) -> InvokeResponse:
        """Accept or decline of a FileConsentCard (`bot.files.FileDelivery`); always answered 200 at once."""
        await self._remember(turn_context, turn_from_activity(turn_context.activity))
        if self.file_consent is not None:
            await self.file_consent(turn_context, file_consent_card_response)
        return InvokeResponse(status=200)

    # --- installation and welcome ----------------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome_once(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        flags = await self._bot_state.get(turn_context, dict)
        flags.pop("welcomed_at", None)  # a reinstall is welcomed again

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not activity.members_added:
            # Removals and channel events: the base class, which needs no roster call for these.
            return await super().on_conversation_update_activity(turn_context)
        # Handled here rather than in the Teams base class, which looks every member up in the roster.
        bot_id = activity.recipient.id if activity.recipient else None
        bot_added = any(m.id == bot_id for m in activity.members_added)
        people_added = [m for m in activity.members_added if m.id != bot_id]
        personal = (activity.conversation.conversation_type or "personal") == "personal"
        if bot_added or (people_added and personal):
            await self._welcome_once(turn_context)

    async def _welcome_once(self, turn_context: TurnContext) -> None:
        turn = turn_from_activity(turn_context.activity)
        await self._remember(turn_context, turn)
        # Teams (and the Agents Playground) send installationUpdate and conversationUpdate for one install at the
        # same moment: check-and-set the flag under a per-conversation lock, re-read from storage, and save at once,
        # or both turns see "not welcomed" and the user gets two welcome cards. (Per process: several instances
        # behind a load balancer would need a storage-level claim.)
        lock = self._welcome_locks.setdefault(turn.conversation_id, asyncio.Lock())
        async with lock:
            await self.conversation_state.load(turn_context, force=True)
            flags = await self._bot_state.get(turn_context, dict)
            if flags.get("welcomed_at"):
                return
            await self.send_replies(turn_context, await self.engine.welcome(turn))
            flags["welcomed_at"] = clock.now().isoformat(timespec="seconds")
            await self.conversation_state.save_changes(turn_context)

    # --- references and profile ------------------------------------------------------------------

    async def _remember(self, turn_context: TurnContext, turn: Turn) -> None:
        """Persist the conversation reference (for proactive messages) and a small user profile."""
        activity = turn_context.activity
        if activity.from_property is None or not turn.conversation_id:
            return
        reference = TurnContext.get_conversation_reference(activity)
        try:
            await references.put_reference(self.storage, reference, turn.user.id, memo=self._references)
        except Exception:  # noqa: BLE001 - bookkeeping must not cost the user their turn
            log.warning("could not store the conversation reference of %s", turn.conversation_id, exc_info=True)
        for listener in self.reference_listeners:
            try:
                await listener(turn, reference)
            except Exception:  # noqa: BLE001 - bookkeeping must not cost the user their turn
                log.warning("reference listener %r failed", listener, exc_info=True)
        profile = await self._profile.get(turn_context, dict)
        user = user_from_account(activity.from_property)
        profile.update({"id": user.id, "name": user.name, "aad_object_id": user.aad_object_id,
                        "locale": turn.locale})


def _is_personal(turn_context: TurnContext) -> bool:
    conversation = turn_context.activity.conversation
    return conversation is None or ((conversation.conversation_type or "personal") == "personal"
                                    and not conversation.is_group)

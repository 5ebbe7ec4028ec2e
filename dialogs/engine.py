"""The dispatcher: every operation, whatever its handler, goes gather -> resolve -> (confirm) -> execute here.

Safety is structural: the role check happens before any Partner Center call, every `change` and `purchase`
shows a confirmation that only the requesting user can accept, and a handler is only ever called from
`_execute`, after those gates. Handlers contain no confirmation or permission code.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from cards import files as file_cards
from cards import jobs as job_cards
from cards.elements import CardTooLargeError
from dialogs import views
from dialogs.context import OperationContext
from dialogs.device_csv import looks_like_rows
from dialogs.directory import DirectoryCache
from dialogs.files import FileRejected, FileRequest, FileService
from dialogs.flow import expired, find_flow_owner, new_flow, user_slot
from dialogs.flow_store import claim_flow
from dialogs.fresh import turn_scope
from dialogs.jobs import JobRequest, JobService, utc_now
from dialogs.paging import ListPage
from dialogs.policy import AllowAll, AuditSink, MemoryAudit, PurchaseGate, RolePolicy
from dialogs.registry import (
    ENTITY_TYPES,
    Kind,
    NeedInput,
    Operation,
    Param,
    ParamType,
    Preview,
    Refused,
    Registry,
    Row,
)
from dialogs.resolve import (
    Ambiguous,
    NotFound,
    Resolution,
    Resolved,
    customer_value,
    resolve_customer,
    resolve_subscription,
    resolve_user,
)
from dialogs.turn import InvokeResult, Reply, Turn
from dialogs.uploads import UploadStore
from intents.recognizer import RecognitionContext, Recognizer, RecognizerResult
from partner_center import errors, shared_reads

log = logging.getLogger(__name__)

CONTROL_INTENTS = {"cancel", "help"}
# A typed reply to a pending form is taken as a new request only when the recognizer is this sure of it.
NEW_REQUEST_SCORE = 0.9
_YES = re.compile(r"^\s*(y|yes|yep|yeah|ok|okay|sure|confirm|go ahead|do it|是|好|確認|確定)\s*[.!]?\s*$", re.I)
_NO = re.compile(r"^\s*(n|no|nope|don'?t|decline|stop|否|不要|不)\s*[.!]?\s*$", re.I)
# Teams delivers messages up to ~28 KB; anything longer is not a chat message and is refused unread.
MAX_MESSAGE_CHARS = 28_000
MAX_CARD_VALUE_CHARS = 16_000  # a card submit's data (our cards send ids and short inputs)


def _too_large(value: Any) -> bool:
    try:
        return len(json.dumps(value, ensure_ascii=False, default=str)) > MAX_CARD_VALUE_CHARS
    except (ValueError, RecursionError):
        return True
_START_OVER = re.compile(r"^\s*(start over|restart|reset|重新開始)\s*[.!]?\s*$", re.I)
# "What's running?" is a bot command, not a contract intent (the contract has no id for it): the user's jobs.
_JOBS = re.compile(r"^\s*(what'?s (still )?running|what is (still )?running|what jobs are (still )?running|"
                   r"(are there )?any jobs running|(show |list )?(my |running )?jobs|(show |list )?my running jobs|"
                   r"執行中的工作|正在執行的工作|我的工作|正在執行什麼)\s*[?？.!]?\s*$", re.I)



class Engine:
    """Implements `dialogs.turn.ConversationEngine` over the operation registry."""

    def __init__(
        self,
        registry: Registry,
        client: Any,
        recognizer: Recognizer,
        *,
        roles: RolePolicy | None = None,
        audit: AuditSink | None = None,
        directory: DirectoryCache | None = None,
        purchases: PurchaseGate | None = None,
        jobs: JobService | None = None,
        files: FileService | None = None,
        uploads: UploadStore | None = None,
        notifications: Any = None,
    ) -> None:
        self.registry = registry
        self.client = client
        self.recognizer = recognizer
        self.roles = roles or AllowAll()
        self.audit = audit or MemoryAudit()
        self.directory = directory
        self.purchases = purchases
        self.jobs = jobs
        self.files = files
        self.uploads = uploads
        self.notifications = notifications  # dialogs.notifications.NotificationStore: events/digests per chat

    # ----- entry points -------------------------------------------------------------------------------

    async def welcome(self, turn: Turn) -> list[Reply]:
        return [Reply(card=views.welcome(self.registry, turn.locale))]

    def attach_notifier(self, notifier: Any) -> None:
        """The bot layer offers its proactive notifier; the approval workflow needs it to post and edit cards."""
        attach = getattr(self.purchases, "attach_notifier", None)
        if callable(attach):
            attach(notifier)
        if self.jobs is not None:
            self.jobs.attach_notifier(notifier)
        if self.files is not None:
            self.files.attach_notifier(notifier)

    async def on_invoke(self, turn: Turn, state: dict[str, Any]) -> InvokeResult:
        if turn.value is not None and _too_large(turn.value):
            return InvokeResult(message=views.t("frontdoor.card_value_too_large", turn.locale))
        if self.purchases is not None:
            return await self.purchases.on_invoke(turn, state)
        return InvokeResult(message=views.t("msg.card_inactive", turn.locale))

    async def on_turn(self, turn: Turn, state: dict[str, Any]) -> list[Reply]:
        if turn.value is not None and _too_large(turn.value):
            return [Reply(text=views.t("frontdoor.card_value_too_large", turn.locale))]
        with turn_scope():  # what this turn read from Partner Center may be reused in this turn, never later
            try:
                return await self._on_turn(turn, state)
            except CardTooLargeError:  # e.g. a very long value echoed back: say so instead of failing the turn
                log.warning("a reply card was too large for %s; answered in words", turn.conversation_id[:80])
                return [Reply(text=views.t("frontdoor.reply_too_large", turn.locale))]

    async def _on_turn(self, turn: Turn, state: dict[str, Any]) -> list[Reply]:
        slot = user_slot(state, turn.user.id)
        flow = slot.get("flow")
        if flow and expired(flow):
            slot["flow"] = None
        value = turn.value if isinstance(turn.value, dict) else None
        if value and isinstance(value.get("pb"), str):
            return await self._on_card_action(turn, state, slot, value)
        text = (turn.text or "").strip()
        if len(text) > MAX_MESSAGE_CHARS:  # refused before any pattern or model reads it
            return [Reply(text=views.t("frontdoor.message_too_long", turn.locale, length=f"{len(text):,}",
                                       limit=f"{MAX_MESSAGE_CHARS:,}"))]
        if turn.files or looks_like_rows(text) or looks_like_rows(text.partition("\n")[2]):
            return await self._on_upload(turn, slot, text)
        if not text:
            if value is not None:
                return [Reply(text=views.t("engine.card_unknown", turn.locale))]
            return []
        if _START_OVER.match(text):
            slot["flow"], slot["ctx"] = None, {}
            return [Reply(text=views.t("engine.started_over", turn.locale))]
        if _JOBS.match(text):
            return await self._list_jobs(turn)
        if self.directory is not None:
            await self.directory.ensure_loaded()
        result = await self.recognizer.recognize(text, self._recognition_context(turn, slot))
        if slot.get("flow") and result.intent not in CONTROL_INTENTS:
            answered = await self._answer_pending_by_text(turn, slot, text, result)
            if answered is not None:
                return answered
        return await self._on_intent(turn, slot, result, text)

    async def _on_upload(self, turn: Turn, slot: dict[str, Any], text: str) -> list[Reply]:
        """A file attached, or device rows pasted: kept in storage, then `devices.upload` (the one operation that
        takes a file) with whatever the message's words say (customer, batch)."""
        if self.uploads is None:
            return [Reply(text=views.t("uploads.error.unavailable", turn.locale))]
        if turn.files:
            incoming = turn.files[0]
            if incoming.error or incoming.data is None:
                return [Reply(text=views.t(f"uploads.error.{incoming.error or 'unreadable'}", turn.locale,
                                           name=incoming.name))]
            name, data, words = incoming.name, incoming.data, text
        else:
            words, _, rows = text.partition("\n")
            if looks_like_rows(text):
                words, rows = "", text
            name, data = "pasted.csv", rows.encode("utf-8")
        upload_id = await self.uploads.put(turn.user.id, name, data)
        raw: dict[str, Any] = {"file": upload_id}
        if words.strip():
            if self.directory is not None:
                await self.directory.ensure_loaded()
            result = await self.recognizer.recognize(words.strip(), self._recognition_context(turn, slot))
            if result.intent == "devices.upload":
                raw.update({k: v for k, v in result.slots.items() if v})
        return await self._start(turn, slot, self.registry["devices.upload"], raw, words.strip() or name)

    # ----- understanding ------------------------------------------------------------------------------

    def _recognition_context(self, turn: Turn, slot: dict[str, Any]) -> RecognitionContext:
        customer = slot["ctx"].get("customer") or {}
        return RecognitionContext(
            locale=turn.locale,
            customers=self.directory.directory if self.directory is not None else None,
            current_customer=customer.get("name"),
            last_intent=slot["ctx"].get("last_intent"),
        )

    async def _on_intent(self, turn: Turn, slot: dict[str, Any], result: RecognizerResult,
                         text: str) -> list[Reply]:
        intent = result.intent
        if intent == "cancel":
            had_flow = slot.get("flow") is not None
            slot["flow"] = None
            key = "msg.cancelled" if had_flow else "msg.nothing_to_cancel"
            return [Reply(text=views.t(key, turn.locale))]
        op = self.registry.get(intent)
        if op is None:
            op = self.registry["none"]
        pending = slot.get("flow")
        if intent in CONTROL_INTENTS and pending:
            # Help while a card is pending: answer, and keep the pending question.
            replies = await self._start(turn, slot, op, {}, text, keep_pending=True)
            replies.append(Reply(text=views.t("engine.still_waiting", turn.locale,
                                              operation=views.op_title(pending["op"], turn.locale))))
            return replies
        raw = {k: v for k, v in result.slots.items() if v}
        return await self._start(turn, slot, op, raw, text)

    async def _answer_pending_by_text(self, turn: Turn, slot: dict[str, Any], text: str,
                                      result: RecognizerResult) -> list[Reply] | None:
        """Typed answers to a pending card: yes/no to a confirmation, a number or name for a choice."""
        flow = slot["flow"]
        if flow["stage"] == "confirm":
            if _YES.match(text):
                return await self._confirm(turn, slot)
            if _NO.match(text):
                return self._decline(turn, slot)
            return None
        if flow["stage"] == "choose" and flow.get("options"):
            choice = _pick_option(text, flow["options"])
            if choice is not None:
                return await self._choose(turn, slot, choice)
        if flow["stage"] == "form":
            missing = [n for n in flow.get("asking", []) if n not in flow["values"]]
            # A short reply ("Contoso", "25", "D0OFMSS27D") answers the form unless it is clearly a new request
            # of several words ("show invoices", "what's our balance"); a longer one only when it is no request.
            words = len(text.split())
            new_request = (words > 1 and result.intent not in ("none", flow["op"])
                           and result.score >= NEW_REQUEST_SCORE)
            if len(missing) == 1 and ((words <= 3 and not new_request) or result.intent == "none"):
                flow["raw"][missing[0]] = text
                flow["errors"] = {}
                return await self._advance(turn, slot)
        return None

    # ----- card actions -------------------------------------------------------------------------------

    async def _on_card_action(self, turn: Turn, state: dict[str, Any], slot: dict[str, Any],
                              data: dict[str, Any]) -> list[Reply]:
        action = data["pb"]
        locale = turn.locale
        if action in {"run", "more"}:
            op = self.registry.get(str(data.get("op", "")))
            params = data.get("params") if isinstance(data.get("params"), dict) else {}
            if op is None:
                return [Reply(text=views.t("engine.card_unknown", locale))]
            raw = {k: v for k, v in params.items() if isinstance(v, str | int | float | bool)}
            if action == "more":
                page = data.get("page")
                if not isinstance(page, int) or page < 0 or page > 10_000:
                    return [Reply(text=views.t("engine.card_unknown", locale))]
                raw["_page"] = page
                offset = data.get("offset", 0)
                if isinstance(offset, int) and 0 < offset <= 1000:
                    raw["_offset"] = offset
            return await self._start(turn, slot, op, raw, None)
        flow = slot.get("flow")
        flow_id = data.get("flow")
        if not flow or flow.get("id") != flow_id:
            owner = find_flow_owner(state, str(flow_id)) if flow_id else None
            if owner and owner[0] != turn.user.id:
                return [Reply(text=views.t("msg.not_your_card", locale, name=owner[1]))]
            return [Reply(text=views.t("msg.card_inactive", locale))]
        if action == "cancel":
            slot["flow"] = None
            return [Reply(text=views.t("msg.cancelled", locale))]
        if action == "decline":
            return self._decline(turn, slot)
        if action == "confirm":
            if flow["stage"] != "confirm":
                return [Reply(text=views.t("msg.card_inactive", locale))]
            return await self._confirm(turn, slot)
        if action == "choose":
            if flow["stage"] != "choose":
                return [Reply(text=views.t("msg.card_inactive", locale))]
            choice = data.get("choice")
            options = {str(o["id"]) for o in flow.get("options", [])}
            if not isinstance(choice, str) or choice not in options:
                return [Reply(text=views.t("msg.choice_invalid", locale))]
            return await self._choose(turn, slot, choice)
        if action == "form":
            op = self.registry[flow["op"]]
            for param in op.params:
                if param.name in data and param.name not in flow["values"]:
                    raw_value = data[param.name]
                    if isinstance(raw_value, str | int | float | bool):
                        flow["raw"][param.name] = raw_value
            flow["errors"] = {}
            for name in flow.get("asking", []):  # a required field left out of the submit is an error too
                param = op.param(name)
                if param is not None and param.required and name not in flow["values"] and name not in flow["raw"]:
                    flow["errors"][name] = views.t("msg.value_required", locale)
            return await self._advance(turn, slot)
        return [Reply(text=views.t("engine.card_unknown", locale))]

    # ----- the dispatcher -----------------------------------------------------------------------------

    async def _start(self, turn: Turn, slot: dict[str, Any], op: Operation, raw: dict[str, Any],
                     text: str | None, *, keep_pending: bool = False) -> list[Reply]:
        flow = new_flow(op.id, turn.user.id, raw, text, user_name=turn.user.name)
        if keep_pending:
            saved = slot.get("flow")
            slot["flow"] = flow
            try:
                return await self._advance(turn, slot)
            finally:
                slot["flow"] = saved
        slot["flow"] = flow
        return await self._advance(turn, slot)

    async def _advance(self, turn: Turn, slot: dict[str, Any]) -> list[Reply]:
        flow = slot["flow"]
        op = self.registry[flow["op"]]
        locale = turn.locale
        missing_role = self._missing_role(turn, op)
        if missing_role:
            slot["flow"] = None
            return [Reply(text=views.t("msg.role_required", locale, role=views.role_name(missing_role, locale)))]
        if not op.available:
            slot["flow"] = None
            return [Reply(text=views.t("engine.not_available", locale, operation=views.op_title(op.id, locale)))]
        try:
            asked = await self._gather(turn, slot, op)
            if asked is not None:
                return asked
            args = dict(flow["values"])
            ctx = self._context(turn, flow)
            if op.kind in (Kind.CHANGE, Kind.PURCHASE) and not flow["confirmed"]:
                return await self._ask_confirmation(ctx, slot, op, args)
            # A read may be answered from an identical read in flight or a few seconds old (another user's);
            # a change, its preview and everything it resolves always read Partner Center.
            with shared_reads.sharing(op.kind == Kind.READ):
                return await self._execute(ctx, slot, op, args)
        except errors.ServiceUnreachableError:
            return self._unreachable(turn, slot)
        except errors.PartnerCenterError as exc:
            slot["flow"] = None
            return [Reply(card=views.partner_center_error(exc, locale, op_id=op.id, values=flow.get("values")))]

    def _missing_role(self, turn: Turn, op: Operation) -> str | None:
        role = op.role_for(turn.conversation_type)
        return None if role.value in self.roles.roles_for(turn.user) else role.value

    def _context(self, turn: Turn, flow: dict[str, Any]) -> OperationContext:
        return OperationContext(client=self.client, user=turn.user, locale=turn.locale, flow_id=flow["id"],
                                text=flow.get("text"),
                                extras={"page": flow["raw"].get("_page", 0),
                                        "roles": self.roles.roles_for(turn.user),
                                        "approvals": self.purchases,
                                        "audit": self.audit,  # read by audit.records
                                        "directory": self.directory,  # partner-wide scans reuse its list
                                        "conversation_id": turn.conversation_id,
                                        "now": self.jobs.clock() if self.jobs is not None else utc_now(),
                                        "conversation_type": turn.conversation_type,
                                        "timezone": turn.timezone,
                                        "file_consent": turn.file_consent,
                                        "uploads": self.uploads,
                                        "notifications": self.notifications})

    async def _gather(self, turn: Turn, slot: dict[str, Any], op: Operation) -> list[Reply] | None:
        """Fill, resolve and validate every parameter; return the question to ask, or None when complete."""
        flow = slot["flow"]
        ctx_memory = slot["ctx"]
        locale = turn.locale
        values, errs = flow["values"], flow["errors"]
        missing: list[Param] = []
        for param in op.params:
            if param.name in values:
                continue
            raw = flow["raw"].get(param.name)
            if raw is None and param.slot and param.slot != param.name:
                raw = flow["raw"].get(param.slot)
            if raw is None and param.from_context:
                remembered = ctx_memory.get(param.name)
                if remembered and self._context_fits(param, remembered, values):
                    values[param.name] = remembered
                    continue
            if raw is None and param.type == ParamType.SUBSCRIPTION and param.required and "customer" in values:
                raw = ""  # no name given: offer the customer's subscriptions as choices
            resolve = getattr(param, "resolve", None)  # a parameter with its own resolver (e.g. a catalog item)
            if callable(resolve) and (raw is not None or getattr(param, "resolve_empty", False)):
                if missing:
                    continue  # resolved in the context of the earlier parameters
                asked = await self._resolve_custom(turn, flow, param, resolve, raw, missing)
                if asked is not None:
                    return asked
                continue
            if raw is None:
                if param.required:
                    missing.append(param)
                elif param.default is not None:
                    values[param.name] = param.default
                continue
            if param.type in ENTITY_TYPES:
                if missing:
                    # An entity resolves in the context of the earlier parameters (customer first).
                    continue
                resolution = await self._resolve(param, str(raw), values, read=op.kind == Kind.READ)
                if isinstance(resolution, Resolved):
                    values[param.name] = resolution.value
                    continue
                if param.type == ParamType.SUBSCRIPTION and isinstance(resolution, NotFound) and str(raw).strip():
                    sibling = await self._sibling_with(param, str(raw), flow, values)
                    if sibling is not None:
                        values["customer"], values[param.name] = sibling
                        continue
                flow["raw"].pop(param.name, None)
                return self._ask_choice(turn, flow, param, resolution)
            ok, value_or_error = _coerce(param, raw, locale)
            if ok:
                values[param.name] = value_or_error
            else:
                errs[param.name] = value_or_error
                flow["raw"].pop(param.name, None)
                missing.append(param)
        if missing:
            flow["stage"] = "form"
            flow["asking"] = [p.name for p in missing]
            return [Reply(card=views.form(op, missing, flow, locale))]
        return None

    async def _resolve_custom(self, turn: Turn, flow: dict[str, Any], param: Param, resolve: Callable[..., Any],
                              raw: Any, missing: list[Param]) -> list[Reply] | None:
        """Run a parameter's own resolver: a value, a choice to ask (returned), or an error for the form."""
        value = raw
        if raw not in (None, "") and param.type not in ENTITY_TYPES and not isinstance(raw, dict):
            ok, value = _coerce(param, raw, turn.locale)
            if not ok:
                flow["errors"][param.name] = value
                self._forget_raw(flow, param)
                missing.append(param)
                return None
        result = await resolve(self._context(turn, flow), value, flow["values"], flow["raw"])
        if isinstance(result, Resolved):
            flow["values"][param.name] = result.value
            return None
        self._forget_raw(flow, param)
        if isinstance(result, str):
            flow["errors"][param.name] = result
            missing.append(param)
            return None
        return self._ask_choice(turn, flow, param, result)

    @staticmethod
    def _forget_raw(flow: dict[str, Any], param: Param) -> None:
        flow["raw"].pop(param.name, None)
        if param.slot:
            flow["raw"].pop(param.slot, None)

    @staticmethod
    def _context_fits(param: Param, remembered: dict[str, Any], values: dict[str, Any]) -> bool:
        if param.type == ParamType.SUBSCRIPTION:
            customer = values.get("customer") or {}
            return remembered.get("customer_id") == customer.get("id")
        return True

    async def _resolve(self, param: Param, raw: str, values: dict[str, Any], *, read: bool = False) -> Resolution:
        if param.type == ParamType.CUSTOMER:
            # Only a read may take the name from the cached directory; a change always asks the search API.
            return await resolve_customer(self.client, raw, directory=self.directory if read else None)
        customer = values.get("customer") or {}
        if param.type == ParamType.SUBSCRIPTION:
            statuses = tuple(param.choices)
            resolution = await resolve_subscription(self.client, customer["id"], raw or None, statuses=statuses)
            if isinstance(resolution, Resolved):
                resolution.value["customer_id"] = customer["id"]
            return resolution
        return await resolve_user(self.client, customer["id"], raw)

    async def _sibling_with(self, param: Param, raw: str, flow: dict[str, Any], values: dict[str, Any]
                            ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """"Contoso's Copilot" when Contoso Ltd has no Copilot but exactly one other customer whose name starts
        with the typed name ("Contoso Pharma") has: that customer and subscription. Only for a typed customer
        name (never one taken from the conversation); the search API decides who the candidates are."""
        typed = flow["raw"].get("customer")
        current = (values.get("customer") or {}).get("id")
        if not isinstance(typed, str) or len(typed.strip()) < 3:
            return None
        try:
            candidates = await self.client.customers.search(typed.strip()).to_list(6)
        except errors.PartnerCenterError:
            return None
        found = []
        for candidate in candidates[:5]:
            if candidate.id == current:
                continue
            resolution = await resolve_subscription(self.client, candidate.id, raw, statuses=tuple(param.choices))
            if isinstance(resolution, Resolved):
                found.append((customer_value(candidate), {**resolution.value, "customer_id": candidate.id}))
        return found[0] if len(found) == 1 else None

    def _ask_choice(self, turn: Turn, flow: dict[str, Any], param: Param, resolution: Resolution) -> list[Reply]:
        locale = turn.locale
        options = resolution.options if isinstance(resolution, Ambiguous) else resolution.suggestions
        flow["stage"] = "choose"
        flow["awaiting"] = param.name
        flow["options"] = [{"id": str(o["id"]), "title": o.get("name") or o["id"], "value": o,
                            "detail": o.get("domain") or o.get("detail") or o.get("upn")} for o in options]
        replies: list[Reply] = []
        if isinstance(resolution, NotFound):
            customer_name = (flow["values"].get("customer") or {}).get("name", "")
            suggestions = [o["title"] for o in flow["options"][:5]]
            message = views.not_found_text(param.type.value, resolution.query, suggestions, customer_name, locale)
            if not options:
                flow["stage"] = "form"
                flow["asking"] = [param.name]
                flow["errors"][param.name] = message
                op = self.registry[flow["op"]]
                return [Reply(card=views.form(op, [param], flow, locale))]
            replies.append(Reply(text=message))
        replies.append(Reply(card=views.choice(flow, param, locale)))
        return replies

    async def _choose(self, turn: Turn, slot: dict[str, Any], choice: str) -> list[Reply]:
        flow = slot["flow"]
        option = next(o for o in flow["options"] if o["id"] == choice)
        param_name = flow["awaiting"]
        value = dict(option["value"])
        if param_name == "subscription" and "customer" in flow["values"]:
            value["customer_id"] = flow["values"]["customer"]["id"]
        flow["values"][param_name] = value
        flow["stage"], flow["awaiting"], flow["options"] = "new", None, []
        return await self._advance(turn, slot)

    async def _ask_confirmation(self, ctx: OperationContext, slot: dict[str, Any], op: Operation,
                                args: dict[str, Any]) -> list[Reply]:
        flow = slot["flow"]
        try:
            preview = await op.preview(ctx, args) if op.preview else views.default_preview(op, args, ctx.locale)
        except Refused as refusal:
            slot["flow"] = None  # nothing to confirm: the change cannot be made as asked, and nothing was done
            if refusal.actions:
                return [Reply(card=views.refusal(refusal, ctx.locale))]
            return [Reply(text=refusal.message)]
        except NeedInput as need:
            asked = [p for p in op.params if p.name in need.params]
            for param in asked:
                flow["values"].pop(param.name, None)
                flow["raw"].pop(param.name, None)
                flow["errors"][param.name] = need.message
            flow["stage"], flow["asking"] = "form", [p.name for p in asked]
            return [Reply(card=views.form(op, asked, flow, ctx.locale))]
        flow["values"] = args  # the preview may have fixed derived values (e.g. the target seat count)
        flow["preview"] = _preview_dict(preview)
        flow["stage"] = "confirm"
        return [Reply(card=views.confirmation(op, preview, flow, ctx.locale))]

    async def _confirm(self, turn: Turn, slot: dict[str, Any]) -> list[Reply]:
        flow = slot["flow"]
        if flow["user"] != turn.user.id:
            name = flow.get("user_name") or flow["user"]
            return [Reply(text=views.t("msg.not_your_card", turn.locale, name=name))]
        if (flow.get("preview") or {}).get("blocked"):  # no Confirm was offered (e.g. a typed "yes")
            return [Reply(text=views.t("engine.blocked_change", turn.locale))]
        if not await claim_flow(flow["id"]):
            # Another turn (a second click, a redelivery, another instance) is running it or already ran it.
            return [Reply(text=views.t("msg.card_inactive", turn.locale))]
        flow["confirmed"] = True
        return await self._advance(turn, slot)

    def _decline(self, turn: Turn, slot: dict[str, Any]) -> list[Reply]:
        slot["flow"] = None
        return [Reply(text=views.t("msg.declined", turn.locale))]

    async def _execute(self, ctx: OperationContext, slot: dict[str, Any], op: Operation,
                       args: dict[str, Any]) -> list[Reply]:
        flow = slot["flow"]
        assert op.handler is not None
        if op.kind == Kind.PURCHASE:
            # A confirmed purchase becomes an approval request; only the approval workflow runs its handler.
            slot["flow"] = None
            if self.purchases is None:
                title = views.op_title(op.id, ctx.locale)
                return [Reply(text=views.t("engine.not_available", ctx.locale, operation=title))]
            return await self.purchases.submit(ctx, op, args, _preview_of(flow))
        try:
            outcome = await op.handler(ctx, args)
        except Refused as refusal:  # Partner Center refused the input: nothing changed; say why, offer a way on
            slot["flow"] = None
            if refusal.actions:
                return [Reply(card=views.refusal(refusal, ctx.locale))]
            return [Reply(text=refusal.message)]
        except errors.PartnerCenterError as exc:
            if op.kind != Kind.READ:
                await self._record(ctx, op, args, "failed", error=exc)
            raise
        slot["flow"] = None
        memory = slot["ctx"]
        memory["last_intent"] = op.id
        for key in ("customer", "subscription"):
            if key in args and isinstance(args[key], dict):
                memory[key] = args[key]
        customer = args.get("customer")
        # A text query (customers.search) is no customer: only a resolved customer changes the context.
        if isinstance(customer, dict) and "subscription" not in args and memory.get("subscription", {}).get(
                "customer_id") != customer.get("id"):
            memory.pop("subscription", None)
        memory.update(outcome.context)
        if op.kind != Kind.READ:
            await self._record(ctx, op, args, "succeeded", details=outcome.audit)
        replies: list[Reply] = []
        if outcome.message:
            replies.append(Reply(text=outcome.message))
        if outcome.private:
            replies.append(private_reply(outcome.private, ctx.locale))
        if isinstance(outcome.job, JobRequest):
            replies.append(await self._start_job(ctx, outcome.job))
        if isinstance(outcome.file, FileRequest):
            replies.append(await self._offer_file(ctx, outcome.file))
        if (op.card is not None or op.view is not None) and outcome.data is not None:
            if isinstance(outcome.data, ListPage):
                outcome.data.op = op.id
                outcome.data.offset = min(int(flow["raw"].get("_offset", 0)), len(outcome.data.items))
            more = views.more_action(op, flow, outcome.data)
            render = op.card or views.declared(op)
            replies.append(Reply(card=render(outcome.data, locale=ctx.locale, more=more)))
        return replies or [Reply(text=views.t("engine.done", ctx.locale))]

    async def _start_job(self, ctx: OperationContext, request: JobRequest) -> Reply:
        """Store the job the handler asked for; the poller announces its outcome in this conversation."""
        if self.jobs is None or not self.jobs.bound:
            log.warning("a %s job was requested but jobs are not available", request.kind)
            return Reply(text=views.t("jobs.unavailable", ctx.locale))
        job = await self.jobs.start(request, user_id=ctx.user.id, user_name=ctx.user.name,
                                    conversation_id=str(ctx.extras.get("conversation_id") or ""),
                                    locale=ctx.locale)
        return Reply(text=views.t("jobs.started", ctx.locale, what=job.summary), meta={"job_id": job.id})

    async def _offer_file(self, ctx: OperationContext, request: FileRequest) -> Reply:
        """A file result: a consent card in a Teams personal chat, else a signed download link."""
        if self.files is None or not self.files.bound:
            return Reply(text=views.t("files.unavailable", ctx.locale))
        try:
            offer, payload = await self.files.offer(
                request, user_id=ctx.user.id, conversation_id=str(ctx.extras.get("conversation_id") or ""),
                consent=bool(ctx.extras.get("file_consent")), locale=ctx.locale)
        except FileRejected as exc:
            log.warning("file %s not offered: %s", request.source, exc)
            return Reply(text=views.t("files.rejected", ctx.locale, name=request.name))
        if offer.delivery == "consent":
            return Reply(attachments=[payload], meta={"file_offer": offer.id})
        return Reply(card=file_cards.download_link(offer.to_dict(), payload["link"], ctx.locale),
                     meta={"file_offer": offer.id})

    async def _list_jobs(self, turn: Turn) -> list[Reply]:
        if self.jobs is None or not self.jobs.bound:
            return [Reply(text=views.t("jobs.unavailable", turn.locale))]
        jobs = await self.jobs.for_user(turn.user.id)
        return [Reply(card=job_cards.jobs_list([j.to_dict() for j in jobs], turn.locale))]

    def _unreachable(self, turn: Turn, slot: dict[str, Any]) -> list[Reply]:
        flow = slot.get("flow")
        correlation = uuid.uuid4().hex[:8]
        log.warning("partner center unreachable (ref %s)", correlation)
        if flow and flow.get("confirmed"):
            # Nothing was changed; keep the confirmation so the user can simply try again.
            flow["confirmed"] = False
        else:
            slot["flow"] = None
        return [Reply(text=views.t("msg.service_unreachable", turn.locale))]

    async def _record(self, ctx: OperationContext, op: Operation, args: dict[str, Any], outcome: str,
                      *, details: dict[str, Any] | None = None, error: errors.PartnerCenterError | None = None) -> None:
        entry: dict[str, Any] = {
            "operation": op.id,
            "kind": op.kind.value,
            "user": {"id": ctx.user.id, "name": ctx.user.name, "upn": ctx.user.upn},
            "parameters": _audit_args(args),
            "outcome": outcome,
            "flow": ctx.flow_id,
            "request_id": ctx.request_id(op.id),
        }
        if details:
            entry["details"] = details
        if error is not None:
            entry["error"] = {"status": error.status, "code": error.code, "description": error.description,
                              "correlation_id": error.correlation_id, "request_id": error.request_id}
        try:
            await self.audit.append(entry)
        except Exception:  # noqa: BLE001 - the change happened; a failing audit write must be visible, not fatal
            log.exception("audit append failed for %s", op.id)


def private_reply(text: str, locale: str) -> Reply:
    """A reply the bot layer delivers only to the requester's personal chat (see `Outcome.private`); in a group
    chat or channel the conversation gets `elsewhere` (or `undeliverable`) instead of the text."""
    return Reply(text=text, meta={"personal": True,
                                  "elsewhere": views.t("msg.private_sent_elsewhere", locale),
                                  "undeliverable": views.t("msg.private_undeliverable", locale)})


def _preview_dict(preview: Preview) -> dict[str, Any]:
    return {"title": preview.title, "warning": preview.warning, "blocked": preview.blocked,
            "rows": [[r.label, r.before, r.after] for r in preview.rows]}


def _preview_of(flow: dict[str, Any]) -> Preview | None:
    """The preview the requester confirmed, as stored in the flow (what an approver will be shown)."""
    data = flow.get("preview")
    if not data:
        return None
    return Preview(rows=tuple(Row(*r) for r in data["rows"]), title=data.get("title"), warning=data.get("warning"))


def _audit_args(args: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in args.items():
        if isinstance(value, dict):
            out[key] = {k: value[k] for k in ("id", "name") if k in value}
        else:
            out[key] = value
    return out


def _coerce(param: Param, raw: Any, locale: str) -> tuple[bool, Any]:
    """Validate one typed value; (True, value) or (False, message for the form)."""
    if param.type != ParamType.BOOL and not str(raw).strip():
        return False, views.t("msg.value_required", locale)
    if param.type == ParamType.INT:
        try:
            number = int(str(raw).replace(",", "").strip())
        except ValueError:
            return False, views.t("msg.number_invalid", locale)
        if param.minimum is not None and number < param.minimum:
            return False, views.t("msg.number_too_small", locale, min=param.minimum)
        if param.maximum is not None and number > param.maximum:
            return False, views.t("msg.number_too_large", locale, max=param.maximum)
        return True, number
    if param.type == ParamType.BOOL:
        text = str(raw).strip().lower()
        if text in {"true", "on", "yes", "enable", "enabled", "1", "開", "開啟"}:
            return True, True
        if text in {"false", "off", "no", "disable", "disabled", "0", "關", "關閉"}:
            return True, False
        return False, views.t("msg.choice_invalid", locale)
    text = str(raw).strip()
    if not text:
        return False, views.t("msg.value_required", locale)
    if param.type == ParamType.CHOICE and param.choices:
        match = next((c for c in param.choices if c.lower() == text.lower()), None)
        if match is None:
            return False, views.t("msg.choice_invalid", locale)
        return True, match
    limit = 2000 if param.multiline else 300
    if len(text) > limit:
        return False, views.t("msg.text_too_long", locale, max=limit)
    return True, text


def _pick_option(text: str, options: list[dict[str, Any]]) -> str | None:
    text = text.strip()
    if text.isdigit():
        index = int(text) - 1
        return options[index]["id"] if 0 <= index < len(options) else None
    lowered = text.lower()
    exact = [o for o in options if lowered in {str(o["title"]).lower(), str(o["id"]).lower()}]
    return exact[0]["id"] if len(exact) == 1 else None

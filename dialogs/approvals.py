"""The approval workflow: confirmed purchases become approval requests; approvers decide on a shared card.

`ApprovalService` is the dispatcher's `PurchaseGate`. It stores each request as an `ApprovalRecord` (state
machine in `dialogs.approval_state`, eTag compare-and-set in `dialogs.approval_store`), posts the card to the
approvers (a configured channel or group chat, else the approvers' personal chats) and to the requester, and
answers the card's Universal Actions:

- `refresh` only reads (an automatic refresh never changes anything) and returns the caller's view;
- `approve` / `reject` (with a reason) / `withdraw` are checked against the record and the caller's roles
  *now*; the card only says which request and version it was drawn from. On a failed (or stuck) order the
  approver's button "Retry the order" sends `approve` again, which retries it.

An approval is written synchronously (Teams gives an invoke about five seconds) and the purchase runs in a
background task (`drain()` waits for it): cart and checkout with MS-RequestIds derived from the approval id
and attempt, the cart id stored before checkout, so neither a retry, a replayed invoke nor a restart can buy
twice. Afterwards every posted copy of the card is edited and the requester is told the outcome.

Plain Python: the bot layer hands in a duck-typed storage and an `ApprovalChannel` (bot/approvals.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from cards.conversation import explain_partner_center_error
from cards.text import enum_label, format_datetime, t
from dialogs import approval_state as sm
from dialogs import views
from dialogs.approval_state import Actor, ApprovalRecord, Failure, Person, PostedCard, Refusal, Status, Transition
from dialogs.approval_store import ApprovalStore, PeopleIndex, new_request_id
from dialogs.approval_views import STUCK_AFTER, card_for, message_card, reject_form, view_for
from dialogs.context import OperationContext
from dialogs.policy import AuditSink, MemoryAudit, RolePolicy
from dialogs.registry import Operation, Preview, Registry
from dialogs.turn import InvokeResult, Reply, Turn, User
from partner_center import clock as pc_clock
from partner_center import errors

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
VERBS = ("refresh", "approve", "reject", "withdraw")  # the card action contract's Action.Execute verbs


class ApprovalChannel(Protocol):
    """Proactive delivery (implemented over botbuilder in bot/approvals.py). Sends raise LookupError when the
    bot has no conversation to use (the app is not installed for that user or chat)."""

    async def send_to_user(self, user_id: str, replies: list[Reply]) -> tuple[str, list[str | None]]: ...

    async def send_to_conversation(self, conversation_id: str, replies: list[Reply]) -> list[str | None]: ...

    async def update(self, conversation_id: str, activity_id: str, reply: Reply) -> None: ...


@dataclass(frozen=True)
class ApprovalSettings:
    ttl: timedelta = timedelta(hours=72)
    # A channel or group chat where every request is posted (its reference is captured on install).
    approvals_conversation: str | None = None
    sweep_seconds: float = 15.0  # how often approved requests left by a crash are looked for (and the index repaired)

    @classmethod
    def from_env(cls, env: Any) -> ApprovalSettings:
        """PARTNERBOT_APPROVAL_TTL_HOURS (default 72), PARTNERBOT_APPROVALS_CONVERSATION and
        PARTNERBOT_APPROVAL_SWEEP_SECONDS (default 15)."""
        raw = str(env.get("PARTNERBOT_APPROVAL_TTL_HOURS") or "").strip()
        try:
            hours = float(raw) if raw else 72.0
        except ValueError:
            raise ValueError(f"PARTNERBOT_APPROVAL_TTL_HOURS must be a number of hours, not {raw!r}") from None
        if hours <= 0:
            raise ValueError("PARTNERBOT_APPROVAL_TTL_HOURS must be positive")
        conversation = str(env.get("PARTNERBOT_APPROVALS_CONVERSATION") or "").strip() or None
        raw = str(env.get("PARTNERBOT_APPROVAL_SWEEP_SECONDS") or "").strip()
        try:
            sweep = float(raw) if raw else 15.0
        except ValueError:
            raise ValueError(f"PARTNERBOT_APPROVAL_SWEEP_SECONDS must be a number of seconds, not {raw!r}") from None
        if sweep <= 0:
            raise ValueError("PARTNERBOT_APPROVAL_SWEEP_SECONDS must be positive")
        return cls(ttl=timedelta(hours=hours), approvals_conversation=conversation, sweep_seconds=sweep)


def _parse_time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def utc_now() -> datetime:
    return pc_clock.now()


def definitive(exc: errors.PartnerCenterError) -> bool:
    """Did Partner Center answer that nothing was bought? Only then may a retry use new request ids.

    Transport failures, 5xx, 408/409/429 and undecodable answers leave the outcome unknown, and so does
    800065 ("the cart was already submitted"): that one means an earlier checkout went through.
    """
    if isinstance(exc, errors.ServiceUnreachableError | errors.ResponseDecodeError):
        return False
    status = exc.status
    if status is None or not 400 <= status < 500 or status in (408, 409, 429):
        return False
    return str(exc.code) != "800065"


def explain(exc: Exception, locale: str) -> str:
    if isinstance(exc, errors.PartnerCenterError):
        if exc.status is None or exc.status >= 500 or isinstance(exc, errors.ServiceUnreachableError):
            text = exc.plain()
        else:
            text = explain_partner_center_error(exc.status, exc.code, exc.description, locale)
        return f"{text} (correlation id {exc.correlation_id})" if exc.correlation_id else text
    return "An unexpected error stopped the order; the outcome is being treated as unknown."


class ApprovalService:
    def __init__(
        self,
        registry: Registry,
        client: Any,
        roles: RolePolicy,
        *,
        storage: Any | None = None,
        channel: ApprovalChannel | None = None,
        settings: ApprovalSettings | None = None,
        clock: Clock = utc_now,
        audit: AuditSink | None = None,
        binder: Callable[[Any], tuple[Any, ApprovalChannel]] | None = None,
    ) -> None:
        self.registry = registry
        self.client = client
        self.roles = roles
        self.settings = settings or ApprovalSettings()
        self.clock = clock
        self.audit = audit or MemoryAudit()
        self.channel = channel
        self._binder = binder
        self.store: ApprovalStore | None = None
        self.people: PeopleIndex | None = None
        if storage is not None:
            self.bind(storage, channel)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._running: set[str] = set()
        self._started = False
        self._sweeper: asyncio.Task[None] | None = None

    # ----- wiring -------------------------------------------------------------------------------------------

    def bind(self, storage: Any, channel: ApprovalChannel | None) -> None:
        self.store = ApprovalStore(storage)
        self.people = PeopleIndex(storage)
        self.channel = channel

    def attach_notifier(self, notifier: Any) -> None:
        """Called (through the engine) by the bot app with its proactive notifier; the binder turns it into
        the storage and channel this service uses."""
        if self._binder is not None:
            storage, channel = self._binder(notifier)
            self.bind(storage, channel)

    # ----- background work ----------------------------------------------------------------------------------

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("approval task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Wait until every background task (checkouts, card updates, notifications) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.stop_sweeper()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _ensure_started(self) -> None:
        if not self._started and self.store is not None:
            self._started = True
            self._spawn(self.resume(), "approvals-resume")

    async def resume(self, *, min_age: timedelta = timedelta(0)) -> None:
        """At start and on the sweep timer: repair the index from the records (a crash may have fallen between
        the two writes), expire what is due, and finish every request left `approved` (same ids, so a checkout
        that went through is recognised, never repeated). The timer passes `min_age` so that an order another
        turn of this instance (or another instance) has just started is left to it."""
        if self.store is None:
            return
        self._started = True
        now = self.clock()
        records = await self.store.repair(now)
        await self.expire_due()
        for record in records:
            if record.status != Status.APPROVED or record.id in self._running:
                continue
            decided = _parse_time(record.decided_at) or _parse_time(record.created_at)
            if min_age and decided is not None and now - decided < min_age:
                continue
            self._running.add(record.id)  # claimed now, so the next sweep does not spawn it twice
            self._spawn(self.fulfil(record.id), f"approval-{record.id}")

    def start_sweeper(self, interval: float | None = None) -> None:
        """Resume at once, then every `interval` seconds (PARTNERBOT_APPROVAL_SWEEP_SECONDS, default 15)."""
        if self._sweeper is not None:
            return
        every = interval if interval is not None else self.settings.sweep_seconds

        async def loop() -> None:
            first = True
            while True:
                try:
                    await self.resume(min_age=timedelta(0) if first else timedelta(seconds=2 * every))
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - a storage hiccup must not end the sweeper
                    log.exception("approval sweep failed; trying again")
                first = False
                await asyncio.sleep(every)

        self._sweeper = asyncio.ensure_future(loop())
        self._sweeper.set_name("approvals-sweeper")

    async def stop_sweeper(self) -> None:
        if self._sweeper is None:
            return
        self._sweeper.cancel()
        await asyncio.gather(self._sweeper, return_exceptions=True)
        self._sweeper = None

    async def expire_due(self) -> int:
        if self.store is None:
            return 0
        now = self.clock()
        expired = 0
        for entry in await self.store.entries():
            if entry.status == Status.PENDING and datetime.fromisoformat(entry.expires_at) <= now:
                transition = await self.store.change(entry.id, lambda r: sm.expire(r, now))
                if transition.changed and transition.record is not None:
                    expired += 1
                    await self._audit("approval.expired", None, transition.record)
                    await self._announce(transition.record, "expired", None)
        return expired

    # ----- PurchaseGate: submit -----------------------------------------------------------------------------

    async def submit(self, ctx: OperationContext, op: Operation, args: dict[str, Any],
                     preview: Preview | None) -> list[Reply]:
        """Record a confirmed purchase as a pending request and post the card to approvers and requester."""
        if self.store is None or self.people is None:
            return [Reply(text=t("engine.not_available", ctx.locale, operation=views.op_title(op.id, ctx.locale)))]
        self._ensure_started()
        now = self.clock()
        known = await self.people.get(ctx.user.id)
        requester = Person(ctx.user.id, ctx.user.name, known.mri if known else None)
        approvers = await self._approvers(exclude=requester.id)
        customer = args.get("customer") or {}
        record = ApprovalRecord(
            id=new_request_id(), operation=op.id, requester=requester,
            customer={"id": customer.get("id"), "name": customer.get("name")}, args=dict(args),
            line=dict(args.get("line") or {}), price=dict(args.get("quote") or {}),
            created_at=sm._iso(now), expires_at=sm._iso(now + self.settings.ttl), locale=ctx.locale,
            origin_conversation_id=str(ctx.extras.get("conversation_id") or ""),
            preview=[[r.label, r.before, r.after] for r in preview.rows] if preview else [],
            approvers=approvers,
        )
        record = await self.store.create(record)
        await self._audit("approval.requested", ctx.user, record)
        replies: list[Reply] = []
        notified, requester_card = await self._post_new(record, str(ctx.extras.get("conversation_type") or ""))
        if requester_card is not None:
            replies.append(Reply(card=requester_card))
        replies.insert(0, Reply(text=t("msg.approval_sent", ctx.locale, request_id=record.id)))
        if not notified:
            replies.append(Reply(text=t("approval.sent.no_approver", ctx.locale)))
        return replies

    async def _approvers(self, exclude: str) -> list[Person]:
        """Users the bot knows who hold `approver` now (roles policy), except the requester."""
        assert self.people is not None
        found = []
        for person in await self.people.all():
            if person.id == exclude:
                continue
            if sm.APPROVER_ROLE in self.roles.roles_for(User(id=person.id, name=person.name,
                                                              aad_object_id=person.id)):
                found.append(Person(person.id, person.name, person.mri))
        return found

    async def _post_new(self, record: ApprovalRecord, conversation_type: str) -> tuple[int, dict[str, Any] | None]:
        """Post the card; returns (how many approver destinations got it, a card to reply with if untracked)."""
        now, locale = self.clock(), record.locale
        requester_view = "requester" if conversation_type in ("", "personal") else "readonly"
        if self.channel is None:
            return 0, card_for(record, requester_view, locale, now)
        posted: list[PostedCard] = []
        notified = 0
        if record.origin_conversation_id:
            card = await self._send_conversation(record.origin_conversation_id,
                                                 card_for(record, requester_view, locale, now))
            if card:
                posted.append(PostedCard(record.origin_conversation_id, card, requester_view))
        target = self.settings.approvals_conversation
        if target and target != record.origin_conversation_id:
            activity = await self._send_conversation(target, card_for(record, "readonly", locale, now))
            if activity:
                posted.append(PostedCard(target, activity, "readonly"))
                notified += 1
            else:
                log.warning("approvals conversation %s is not reachable (is the app installed there?); "
                            "sending request %s to approvers' personal chats", target, record.id)
        elif target:
            notified += 1  # requested inside the approvals conversation itself: the card is already there
        if not notified:
            for approver in record.approvers:
                try:
                    conversation_id, ids = await self.channel.send_to_user(
                        approver.id, [Reply(card=card_for(record, "approver", locale, now))])
                except LookupError:
                    log.info("approver %s has no personal chat with the bot yet", approver.id)
                    continue
                except Exception:  # noqa: BLE001 - one unreachable approver must not stop the others
                    log.exception("could not send request %s to approver %s", record.id, approver.id)
                    continue
                if ids and ids[0]:
                    posted.append(PostedCard(conversation_id, ids[0], "approver"))
                    notified += 1
        if posted:
            assert self.store is not None
            await self.store.change(record.id, lambda r: sm.add_cards(r, posted))
        return notified, None

    async def _send_conversation(self, conversation_id: str, card: dict[str, Any]) -> str | None:
        assert self.channel is not None
        try:
            ids = await self.channel.send_to_conversation(conversation_id, [Reply(card=card)])
        except LookupError:
            return None
        except Exception:  # noqa: BLE001 - delivery problems are logged; the request itself is stored
            log.exception("could not post an approval card to %s", conversation_id)
            return None
        return ids[0] if ids else None

    # ----- PurchaseGate: card actions -----------------------------------------------------------------------

    async def on_invoke(self, turn: Turn, state: dict[str, Any]) -> InvokeResult:
        locale = turn.locale
        data = turn.value if isinstance(turn.value, dict) else {}
        request_id = data.get("request_id")
        verb = (turn.verb or "").strip().lower()
        if self.store is None or not isinstance(request_id, str) or not request_id or verb not in VERBS:
            return InvokeResult(card=message_card(t("approval.notice.unknown_action", locale), locale))
        self._ensure_started()
        version = data.get("version")
        version = version if isinstance(version, int) and not isinstance(version, bool) else -1
        roles = self.roles.roles_for(turn.user)
        actor = Actor(turn.user.id, turn.user.name, roles)
        now = self.clock()
        if verb == "refresh":
            record = await self.store.load(request_id)
            if record is None:
                return InvokeResult(card=message_card(t("approval.notice.not_found", locale, request_id=request_id),
                                                      locale))
            view = view_for(record, actor.id, roles)
            if view == "readonly":  # any request id can be asked for: details only for the requester and approvers
                return InvokeResult(card=message_card(t("frontdoor.approval_private", locale), locale))
            return InvokeResult(card=card_for(record, view, locale, now))
        if verb == "approve":  # also "retry" on a failed (or stuck) order: same button place, same rules
            transition = await self.store.change(
                request_id, lambda r: sm.approve_or_retry(r, actor, version, now, STUCK_AFTER))
        elif verb == "reject":
            reason = data.get("reason") if isinstance(data.get("reason"), str) else None
            transition = await self.store.change(request_id, lambda r: sm.reject(r, actor, version, reason, now))
            if transition.refusal == Refusal.REASON_REQUIRED and transition.record is not None:
                error = t("approval.reject.reason_required", locale) if reason is not None else None
                return InvokeResult(card=reject_form(transition.record, locale, now, error=error))
        else:
            transition = await self.store.change(request_id, lambda r: sm.withdraw(r, actor, version, now))
        return await self._answer(transition, actor, turn, request_id)

    async def _answer(self, transition: Transition, actor: Actor, turn: Turn, request_id: str) -> InvokeResult:
        locale, now = turn.locale, self.clock()
        record = transition.record
        if record is None:
            missing = t("approval.notice.not_found", locale, request_id=request_id)
            return InvokeResult(card=message_card(missing, locale))
        notice, color = self._notice(transition, actor, record, locale)
        if transition.changed and transition.event:
            await self._audit(f"approval.{transition.event}", turn.user, record)
            self._spawn(self._announce(record, transition.event, actor), f"announce-{record.id}")
        elif transition.event == "resume":
            if record.id in self._running:
                notice = t("approval.notice.in_progress", locale)
            else:
                self._spawn(self.fulfil(record.id), f"approval-{record.id}")
                notice = t("approval.notice.retrying", locale)
            color = "Accent"
        return InvokeResult(card=card_for(record, view_for(record, actor.id, actor.roles), locale, now,
                                          notice=notice, notice_color=color))

    def _notice(self, transition: Transition, actor: Actor, record: ApprovalRecord,
                locale: str) -> tuple[str | None, str]:
        refusal = transition.refusal
        if refusal == Refusal.OWN_REQUEST:
            return t("msg.approval_own_request", locale), "Attention"
        if refusal == Refusal.NOT_APPROVER:
            return t("msg.role_required", locale, role=views.role_name(sm.APPROVER_ROLE, locale)), "Attention"
        if refusal == Refusal.NOT_REQUESTER:
            return t("approval.notice.not_requester", locale, name=record.requester.label), "Attention"
        if refusal == Refusal.EXPIRED:
            return t("approval.notice.expired", locale, date=format_datetime(record.expires_at, locale),
                       requester=record.requester.label), "Attention"
        if refusal == Refusal.STALE:
            return t("msg.approval_stale", locale), "Warning"
        if refusal == Refusal.NOT_RETRYABLE:
            return t("approval.notice.not_retryable", locale), "Warning"
        if refusal == Refusal.DECIDED:
            status = enum_label("approval_status", record.status.value, locale).lower()
            if record.decided_by:
                return t("approval.notice.decided", locale, status=status, name=record.decided_by.label), "Warning"
            return t("approval.notice.decided_no_name", locale, status=status), "Warning"
        if not transition.changed:
            if transition.event is None:
                return t("approval.notice.already_yours", locale), "Accent"
            return None, "Accent"
        event = transition.event
        if event == "approved":
            return t("approval.notice.approved", locale), "Good"
        if event == "retried":
            return t("approval.notice.retrying", locale), "Accent"
        if event == "rejected":
            return t("msg.approval_rejected", locale, name=actor.name or actor.id, request_id=record.id), "Good"
        if event == "withdrawn":
            return t("msg.approval_withdrawn", locale, request_id=record.id), "Good"
        return None, "Accent"

    # ----- after a change: cards, notifications, the purchase -----------------------------------------------

    async def _announce(self, record: ApprovalRecord, event: str, actor: Actor | None) -> None:
        """Edit every posted copy of the card, tell the requester, and (after approval) place the order."""
        await self._update_cards(record)
        locale = record.locale
        decider = record.decided_by.label if record.decided_by else ""
        if event == "approved":
            await self._tell(record.requester.id, record, [Reply(text=t("msg.approval_approved", locale,
                                                                        name=decider, request_id=record.id))])
        elif event == "rejected":
            await self._tell(record.requester.id, record, [Reply(text=t(
                "approval.tell.rejected_reason", locale, name=decider, request_id=record.id,
                reason=record.reason or ""))])
        elif event == "expired":
            await self._tell(record.requester.id, record, [Reply(text=t("approval.tell.expired", locale,
                                                                          request_id=record.id))])
        if event in ("approved", "retried"):
            await self.fulfil(record.id)

    async def _update_cards(self, record: ApprovalRecord) -> None:
        if self.channel is None:
            return
        now = self.clock()
        for posted in record.cards:
            card = card_for(record, posted.view, record.locale, now)  # type: ignore[arg-type]
            try:
                await self.channel.update(posted.conversation_id, posted.activity_id,
                                          Reply(card=card, replace_activity_id=posted.activity_id))
            except Exception:  # noqa: BLE001 - e.g. the message was deleted: the decision stands regardless
                log.warning("could not update approval card %s in %s", posted.activity_id, posted.conversation_id,
                            exc_info=True)

    async def _tell(self, user_id: str, record: ApprovalRecord, replies: list[Reply]) -> None:
        """A personal message (the user's 1:1 chat, else the conversation the request came from)."""
        if self.channel is None:
            return
        try:
            await self.channel.send_to_user(user_id, replies)
            return
        except LookupError:
            pass
        except Exception:  # noqa: BLE001
            log.exception("could not notify %s about request %s", user_id, record.id)
            return
        if user_id == record.requester.id and record.origin_conversation_id:
            try:
                await self.channel.send_to_conversation(record.origin_conversation_id, replies)
            except Exception:  # noqa: BLE001
                log.warning("could not notify the requester of %s", record.id, exc_info=True)

    async def fulfil(self, request_id: str) -> None:
        """Place the order of an approved request (idempotent: same request ids for the same attempt)."""
        assert self.store is not None
        lock = self._locks.setdefault(request_id, asyncio.Lock())
        self._running.add(request_id)
        async with lock:
            self._running.add(request_id)
            try:
                await self._fulfil(request_id)
            finally:
                self._running.discard(request_id)

    async def _fulfil(self, request_id: str) -> None:
        assert self.store is not None
        record = await self.store.load(request_id)
        if record is None or record.status != Status.APPROVED:
            return
        op = self.registry.get(record.operation)
        attempt = record.attempt
        if op is None or op.handler is None:
            await self._finish(request_id, attempt, failure=Failure(
                f"The operation {record.operation} is not available.", True, sm._iso(self.clock())))
            return

        async def on_cart(cart_id: str) -> None:
            assert self.store is not None
            stored = await self.store.change(request_id, lambda r: sm.cart_created(r, attempt, cart_id))
            if not stored.ok:
                raise RuntimeError(f"request {request_id} changed while ordering; not checking out")
            self._point("fulfil.cart_stored")

        ctx = OperationContext(
            client=self.client, user=User(record.requester.id, record.requester.name), locale=record.locale,
            flow_id=f"approval:{record.id}:{attempt}",
            extras={"cart_id": record.cart_id, "on_cart": on_cart, "approval_id": record.id})
        self._point("fulfil.started")
        try:
            outcome = await op.handler(ctx, record.args)
        except errors.PartnerCenterError as exc:
            log.warning("order for approval %s failed: %s", request_id, type(exc).__name__)
            await self._finish(request_id, attempt, failure=Failure(
                explain(exc, record.locale), definitive(exc), sm._iso(self.clock()),
                str(exc.code) if exc.code is not None else None, exc.correlation_id))
            return
        except Exception:  # noqa: BLE001 - the outcome is unknown: keep the ids so a retry de-duplicates
            log.exception("order for approval %s stopped unexpectedly", request_id)
            await self._finish(request_id, attempt, failure=Failure(
                explain(RuntimeError(), record.locale), False, sm._iso(self.clock())))
            return
        self._point("fulfil.ordered")
        data = outcome.data if isinstance(outcome.data, dict) else {}
        result = {"orders": data.get("orders") or [], "orderErrors": data.get("errors") or []}
        if result["orders"]:
            await self._finish(request_id, attempt, result=result)
        else:
            reasons = "; ".join(str(e.get("description") or e.get("code")) for e in result["orderErrors"]) or "—"
            await self._finish(request_id, attempt, result=result, failure=Failure(
                t("approval.purchase.order_errors", record.locale, reason=reasons), True, sm._iso(self.clock())))

    def _point(self, name: str) -> None:
        """A named step of the checkout where tests stop the process (see ApprovalStore.fault_point)."""
        if self.store is not None and self.store.fault_point is not None:
            self.store.fault_point(name)

    async def _finish(self, request_id: str, attempt: int, *, result: dict[str, Any] | None = None,
                      failure: Failure | None = None) -> None:
        assert self.store is not None
        now = self.clock()
        if failure is None:
            assert result is not None
            transition = await self.store.change(request_id, lambda r: sm.complete(r, attempt, result, now))
        else:
            transition = await self.store.change(request_id, lambda r: sm.fail(r, attempt, failure, now, result))
        record = transition.record
        if not transition.changed or record is None:
            return
        await self._audit(f"approval.{transition.event}", None, record)
        await self._update_cards(record)
        locale = record.locale
        if record.status == Status.ORDERED:
            replies = [Reply(text=t("msg.approval_ordered", locale, request_id=record.id,
                                    order_id=", ".join(record.order_ids)))]
            for order in (record.result or {}).get("orders", [])[:3]:
                replies.append(Reply(card=views.render("orders.get", {"order": order, "customer": record.customer},
                                                       locale=locale)))
            await self._tell(record.requester.id, record, replies)
        elif record.failure is not None:
            reason = record.failure.message
            await self._tell(record.requester.id, record, [Reply(text=t("msg.approval_failed", locale,
                                                                        request_id=record.id, reason=reason))])
            if record.decided_by and record.decided_by.id != record.requester.id:
                await self._tell(record.decided_by.id, record, [Reply(text=t(
                    "approval.tell.failed_approver", locale, request_id=record.id, reason=reason))])

    # ----- queries ------------------------------------------------------------------------------------------

    async def pending_for(self, user: User, roles: frozenset[str]) -> tuple[list[ApprovalRecord],
                                                                          list[ApprovalRecord], datetime]:
        """(requests waiting for this user's approval, this user's own open requests, now)."""
        if self.store is None:
            return [], [], self.clock()
        self._ensure_started()
        now = self.clock()
        for_me: list[ApprovalRecord] = []
        mine: list[ApprovalRecord] = []
        entries = sorted(await self.store.entries(), key=lambda e: e.created_at, reverse=True)
        due = False
        for entry in entries:
            open_status = entry.status in (Status.PENDING, Status.APPROVED, Status.FAILED)
            if not open_status:
                continue
            if entry.requester_id == user.id:
                target = mine
            elif entry.status in (Status.PENDING, Status.FAILED) and sm.APPROVER_ROLE in roles:
                target = for_me
            else:
                continue
            if len(target) >= 20:
                continue
            record = await self.store.load(entry.id)
            if record is None:
                continue
            if record.is_expired(now):
                due = True
                continue
            target.append(record)
        if due:
            self._spawn(self.expire_due(), "approvals-expire")
        return for_me, mine, now

    async def _audit(self, action: str, user: User | None, record: ApprovalRecord) -> None:
        entry = {
            "operation": record.operation, "kind": "purchase", "action": action,
            "user": {"id": user.id, "name": user.name} if user else {"id": "system", "name": "PartnerBot"},
            "approval": {"id": record.id, "status": record.status.value, "version": record.version,
                         "attempt": record.attempt},
            "customer": record.customer, "line": record.line, "price": record.price,
            "outcome": record.status.value,
        }
        if record.failure is not None:
            entry["error"] = {"message": record.failure.message, "code": record.failure.code,
                              "correlation_id": record.failure.correlation_id}
        if record.order_ids:
            entry["orders"] = record.order_ids
        try:
            await self.audit.append(entry)
        except Exception:  # noqa: BLE001 - the decision stands; a failing audit write must be visible
            log.exception("audit append failed for approval %s", record.id)

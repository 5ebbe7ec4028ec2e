"""The purchase approval state machine: plain, typed and free of any SDK, so every transition is unit-testable.

    pending --approve--> approved --(checkout ok)--> ordered
       |                    |  ^
       |                    |  +--retry-- failed <--(checkout failed)--+
       +--reject--> rejected                                          |
       +--withdraw--> withdrawn            approved ------------------+
       +--(ttl passed)--> expired

Every function takes a record and returns a `Transition`: the new record (a copy; the input is never mutated),
whether it changed, the event to announce, or why it was refused. Nothing here reads the clock, storage or
the network: the caller passes `now` and persists the result with an eTag (see `dialogs.approval_store`).

Idempotency: a decision that the same person already made (a double click, a replayed invoke) is reported
unchanged rather than refused, so Teams' retries get the same answer as the first click.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    ORDERED = "ordered"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    FAILED = "failed"


FINAL_STATUSES = frozenset({Status.ORDERED, Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED})


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    OWN_REQUEST = "own_request"  # four eyes: the requester cannot decide their own request
    NOT_APPROVER = "not_approver"  # the clicker does not hold the approver role (checked at click time)
    NOT_REQUESTER = "not_requester"  # only the requester may withdraw
    DECIDED = "decided"  # no longer pending (someone else decided first)
    EXPIRED = "expired"
    STALE = "stale"  # the card was drawn from an older version
    REASON_REQUIRED = "reason_required"
    NOT_RETRYABLE = "not_retryable"


APPROVER_ROLE = "approver"


@dataclass(frozen=True)
class Actor:
    """Who clicked, with the roles the roles policy gives them *now* (never what a card claims)."""

    id: str
    name: str = ""
    roles: frozenset[str] = frozenset()

    @property
    def is_approver(self) -> bool:
        return APPROVER_ROLE in self.roles


@dataclass
class Person:
    id: str
    name: str = ""
    mri: str | None = None  # Teams channel user id (29:...), used for the card's refresh list

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "mri": self.mri}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Person | None:
        if not data:
            return None
        return cls(str(data["id"]), str(data.get("name") or ""), data.get("mri"))

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass
class Failure:
    """Why an approved purchase did not go through. `definitive` = Partner Center answered that nothing was
    bought (a 4xx, or a checkout with order errors only); otherwise the outcome is unknown and a retry must
    reuse the same request ids so that Partner Center can de-duplicate it."""

    message: str
    definitive: bool
    at: str
    code: str | None = None
    correlation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "definitive": self.definitive, "at": self.at, "code": self.code,
                "correlation_id": self.correlation_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Failure | None:
        if not data:
            return None
        return cls(str(data["message"]), bool(data["definitive"]), str(data["at"]), data.get("code"),
                   data.get("correlation_id"))


@dataclass
class Event:
    action: str
    actor_id: str
    actor_name: str
    at: str
    version: int  # the version the record had after the event

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "actor_id": self.actor_id, "actor_name": self.actor_name, "at": self.at,
                "version": self.version}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(str(data["action"]), str(data["actor_id"]), str(data.get("actor_name") or ""),
                   str(data["at"]), int(data["version"]))


@dataclass
class PostedCard:
    """One copy of the approval card in some conversation, so that it can be edited for everyone later."""

    conversation_id: str
    activity_id: str
    view: str  # the view that copy shows to whoever has no refresh: approver | requester | readonly

    def to_dict(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "activity_id": self.activity_id, "view": self.view}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PostedCard:
        return cls(str(data["conversation_id"]), str(data["activity_id"]), str(data.get("view") or "readonly"))


@dataclass
class ApprovalRecord:
    """One purchase request. `args` are the confirmed operation arguments (never anything from a card)."""

    id: str
    operation: str
    requester: Person
    customer: dict[str, Any]
    args: dict[str, Any]
    line: dict[str, Any]  # offer title, catalogItemId, quantity, termDuration, billingCycle, parent subscription
    price: dict[str, Any]  # snapshot the requester confirmed: unit, total, currency
    created_at: str
    expires_at: str
    locale: str = "en-US"
    origin_conversation_id: str = ""
    preview: list[list[Any]] = field(default_factory=list)
    status: Status = Status.PENDING
    version: int = 1
    attempt: int = 1  # bumped only after a definitive failure: new request ids, new cart
    cart_id: str | None = None  # the cart of the current attempt, stored before checkout
    decided_by: Person | None = None
    decided_at: str | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None
    failure: Failure | None = None
    completed_at: str | None = None
    history: list[Event] = field(default_factory=list)
    cards: list[PostedCard] = field(default_factory=list)
    approvers: list[Person] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "operation": self.operation, "requester": self.requester.to_dict(),
            "customer": dict(self.customer), "args": copy.deepcopy(self.args), "line": dict(self.line),
            "price": dict(self.price), "created_at": self.created_at, "expires_at": self.expires_at,
            "locale": self.locale, "origin_conversation_id": self.origin_conversation_id,
            "preview": copy.deepcopy(self.preview), "status": self.status.value, "version": self.version,
            "attempt": self.attempt, "cart_id": self.cart_id,
            "decided_by": self.decided_by.to_dict() if self.decided_by else None, "decided_at": self.decided_at,
            "reason": self.reason, "result": copy.deepcopy(self.result),
            "failure": self.failure.to_dict() if self.failure else None, "completed_at": self.completed_at,
            "history": [e.to_dict() for e in self.history], "cards": [c.to_dict() for c in self.cards],
            "approvers": [p.to_dict() for p in self.approvers],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApprovalRecord:
        requester = Person.from_dict(data["requester"])
        assert requester is not None
        return cls(
            id=str(data["id"]), operation=str(data["operation"]), requester=requester,
            customer=dict(data.get("customer") or {}), args=copy.deepcopy(data.get("args") or {}),
            line=dict(data.get("line") or {}), price=dict(data.get("price") or {}),
            created_at=str(data["created_at"]), expires_at=str(data["expires_at"]),
            locale=str(data.get("locale") or "en-US"), origin_conversation_id=str(data.get("origin_conversation_id")
                                                                                   or ""),
            preview=copy.deepcopy(data.get("preview") or []), status=Status(data["status"]),
            version=int(data["version"]), attempt=int(data.get("attempt") or 1), cart_id=data.get("cart_id"),
            decided_by=Person.from_dict(data.get("decided_by")), decided_at=data.get("decided_at"),
            reason=data.get("reason"), result=copy.deepcopy(data.get("result")),
            failure=Failure.from_dict(data.get("failure")), completed_at=data.get("completed_at"),
            history=[Event.from_dict(e) for e in data.get("history") or []],
            cards=[PostedCard.from_dict(c) for c in data.get("cards") or []],
            approvers=[p for p in (Person.from_dict(d) for d in data.get("approvers") or []) if p],
        )

    def copy(self) -> ApprovalRecord:
        return ApprovalRecord.from_dict(self.to_dict())

    def is_expired(self, now: datetime) -> bool:
        return self.status == Status.PENDING and now >= datetime.fromisoformat(self.expires_at)

    def did(self, action: str, actor_id: str) -> Event | None:
        """The event in which `actor_id` performed `action`, if any (for idempotent replays)."""
        return next((e for e in self.history if e.action == action and e.actor_id == actor_id), None)

    @property
    def order_ids(self) -> list[str]:
        return [str(o.get("id")) for o in (self.result or {}).get("orders", []) if o.get("id")]


@dataclass(frozen=True)
class Transition:
    record: ApprovalRecord | None
    changed: bool = False
    event: str | None = None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


def _iso(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


def _apply(record: ApprovalRecord, event: str, actor: Actor | None, now: datetime, **changes: Any) -> Transition:
    new = record.copy()
    for name, value in changes.items():
        setattr(new, name, value)
    new.version = record.version + 1
    new.history.append(Event(event, actor.id if actor else "system", actor.name if actor else "", _iso(now),
                             new.version))
    return Transition(new, changed=True, event=event)


def _refuse(record: ApprovalRecord, refusal: Refusal) -> Transition:
    return Transition(record, refusal=refusal)


def expire(record: ApprovalRecord, now: datetime) -> Transition:
    """pending -> expired once the time to live has passed (the sweep and every decision call this)."""
    if not record.is_expired(now):
        return Transition(record)
    return _apply(record, "expired", None, now, status=Status.EXPIRED, completed_at=_iso(now))


def _decide(record: ApprovalRecord, actor: Actor, version: int, now: datetime, action: str) -> Transition | None:
    """The checks approve and reject share; None when the decision may go ahead."""
    if actor.id == record.requester.id:
        return _refuse(record, Refusal.OWN_REQUEST)
    if not actor.is_approver:
        return _refuse(record, Refusal.NOT_APPROVER)
    if record.did(action, actor.id):
        return Transition(record)  # the same person's replayed click: same answer, no new effect
    if record.is_expired(now):
        expired = expire(record, now)
        return Transition(expired.record, changed=True, event="expired", refusal=Refusal.EXPIRED)
    if record.status == Status.EXPIRED:
        return _refuse(record, Refusal.EXPIRED)
    if record.status != Status.PENDING:
        return _refuse(record, Refusal.DECIDED)
    if version != record.version:
        return _refuse(record, Refusal.STALE)
    return None


def approve(record: ApprovalRecord, actor: Actor, version: int, now: datetime) -> Transition:
    refused = _decide(record, actor, version, now, "approved")
    if refused is not None:
        return refused
    return _apply(record, "approved", actor, now, status=Status.APPROVED,
                  decided_by=Person(actor.id, actor.name), decided_at=_iso(now))


def reject(record: ApprovalRecord, actor: Actor, version: int, reason: str | None, now: datetime) -> Transition:
    refused = _decide(record, actor, version, now, "rejected")
    if refused is not None:
        return refused
    reason = (reason or "").strip()
    if not reason:
        return _refuse(record, Refusal.REASON_REQUIRED)
    return _apply(record, "rejected", actor, now, status=Status.REJECTED, decided_by=Person(actor.id, actor.name),
                  decided_at=_iso(now), reason=reason[:500], completed_at=_iso(now))


def withdraw(record: ApprovalRecord, actor: Actor, version: int, now: datetime) -> Transition:
    if actor.id != record.requester.id:
        return _refuse(record, Refusal.NOT_REQUESTER)
    if record.did("withdrawn", actor.id):
        return Transition(record)
    if record.is_expired(now):
        expired = expire(record, now)
        return Transition(expired.record, changed=True, event="expired", refusal=Refusal.EXPIRED)
    if record.status == Status.EXPIRED:
        return _refuse(record, Refusal.EXPIRED)
    if record.status != Status.PENDING:
        return _refuse(record, Refusal.DECIDED)
    if version != record.version:
        return _refuse(record, Refusal.STALE)
    return _apply(record, "withdrawn", actor, now, status=Status.WITHDRAWN, decided_by=Person(actor.id, actor.name),
                  decided_at=_iso(now), completed_at=_iso(now))


def retry(record: ApprovalRecord, actor: Actor, version: int, now: datetime) -> Transition:
    """failed -> approved again. After a definitive failure the next attempt gets new request ids and a new
    cart; after an unknown outcome it reuses them, so Partner Center returns the first result instead of
    buying twice. On a record still `approved` (e.g. left by a crash) nothing changes: event "resume" tells
    the caller to run the checkout again with the same ids."""
    if actor.id == record.requester.id:
        return _refuse(record, Refusal.OWN_REQUEST)
    if not actor.is_approver:
        return _refuse(record, Refusal.NOT_APPROVER)
    if record.status == Status.APPROVED:
        return Transition(record, event="resume")
    if record.status != Status.FAILED:
        return _refuse(record, Refusal.NOT_RETRYABLE)
    if version != record.version:
        return _refuse(record, Refusal.STALE)
    failure = record.failure
    fresh = failure is not None and failure.definitive
    return _apply(record, "retried", actor, now, status=Status.APPROVED, failure=None,
                  attempt=record.attempt + 1 if fresh else record.attempt,
                  cart_id=None if fresh else record.cart_id)


def approve_or_retry(record: ApprovalRecord, actor: Actor, version: int, now: datetime,
                     stuck_after: timedelta) -> Transition:
    """What the card's "approve" verb means: approve a pending request, retry a failed order, or resume an
    approval whose order has not finished for `stuck_after` (e.g. after a crash). A quick second click on an
    approval that is still being ordered stays an idempotent approve."""
    if record.status == Status.FAILED:
        return retry(record, actor, version, now)
    if record.status == Status.APPROVED and record.history:
        last = datetime.fromisoformat(record.history[-1].at)
        if now - last > stuck_after:
            return retry(record, actor, version, now)
    return approve(record, actor, version, now)


def cart_created(record: ApprovalRecord, attempt: int, cart_id: str) -> Transition:
    """Remember the cart of the running attempt before checking it out (no new version: cards do not change)."""
    if record.status != Status.APPROVED or record.attempt != attempt:
        return _refuse(record, Refusal.DECIDED)
    if record.cart_id == cart_id:
        return Transition(record)
    new = record.copy()
    new.cart_id = cart_id
    return Transition(new, changed=True, event="cart")


def add_cards(record: ApprovalRecord, cards: list[PostedCard]) -> Transition:
    """Remember where copies of the card were posted (no new version: what the cards show is unchanged)."""
    known = {(c.conversation_id, c.activity_id) for c in record.cards}
    fresh = [c for c in cards if (c.conversation_id, c.activity_id) not in known]
    if not fresh:
        return Transition(record)
    new = record.copy()
    new.cards.extend(fresh)
    return Transition(new, changed=True, event="cards")


def complete(record: ApprovalRecord, attempt: int, result: dict[str, Any], now: datetime) -> Transition:
    """approved -> ordered. Also accepted from `failed` of the same attempt: a success that arrives after a
    concurrent attempt gave up is still the truth (the order exists)."""
    if record.attempt != attempt or record.status not in (Status.APPROVED, Status.FAILED):
        return _refuse(record, Refusal.DECIDED)
    return _apply(record, "ordered", None, now, status=Status.ORDERED, result=copy.deepcopy(result), failure=None,
                  completed_at=_iso(now))


def fail(record: ApprovalRecord, attempt: int, failure: Failure, now: datetime,
         result: dict[str, Any] | None = None) -> Transition:
    """approved -> failed with the explanation; the record stays retryable."""
    if record.status != Status.APPROVED or record.attempt != attempt:
        return _refuse(record, Refusal.DECIDED)
    return _apply(record, "failed", None, now, status=Status.FAILED, failure=failure,
                  result=copy.deepcopy(result) if result is not None else record.result)

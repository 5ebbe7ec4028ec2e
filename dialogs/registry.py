"""The operation registry: one declaration per intent, registered by decorator.

A declaration carries everything the dispatcher needs to run an operation safely — its id, kind, parameters,
required role, handler, result view (or card) and (for changes) a preview of what will change. Handlers only fetch and
mutate; confirmation, roles and approvals are applied by the dispatcher from the declaration, never by handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cards.view_spec import View

if TYPE_CHECKING:
    from dialogs.context import OperationContext


class Kind(StrEnum):
    READ = "read"
    CHANGE = "change"
    PURCHASE = "purchase"


class Role(StrEnum):
    VIEWER = "viewer"
    AGENT = "agent"
    PURCHASER = "purchaser"
    APPROVER = "approver"
    ADMIN = "admin"


DEFAULT_ROLE = {Kind.READ: Role.VIEWER, Kind.CHANGE: Role.AGENT, Kind.PURCHASE: Role.PURCHASER}


class ParamType(StrEnum):
    """How a parameter is gathered and resolved. Entity types are resolved against Partner Center."""

    CUSTOMER = "customer"
    SUBSCRIPTION = "subscription"
    USER = "user"
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    DATE = "date"


ENTITY_TYPES = frozenset({ParamType.CUSTOMER, ParamType.SUBSCRIPTION, ParamType.USER})


@dataclass(frozen=True)
class Param:
    """One parameter of an operation: what the form asks for and how the dispatcher validates it."""

    name: str
    type: ParamType = ParamType.TEXT
    required: bool = True
    slot: str | None = None  # recognizer slot that fills it; defaults to `name`
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    multiline: bool = False
    # Entity parameters may be taken from the conversation ("the customer we are talking about").
    from_context: bool = False

    @property
    def slot_name(self) -> str:
        return self.slot or self.name

    def json_schema(self) -> dict[str, Any]:
        """A JSON schema fragment, used to validate proposals (e.g. LLM tool calls) and to describe tools."""
        if self.type == ParamType.INT:
            schema: dict[str, Any] = {"type": "integer"}
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
            return schema
        if self.type == ParamType.BOOL:
            return {"type": "boolean"}
        if self.type == ParamType.CHOICE and self.choices:
            return {"type": "string", "enum": list(self.choices)}
        return {"type": "string", "minLength": 1, "maxLength": 2000 if self.multiline else 300}


@dataclass(frozen=True)
class Row:
    """One line of a confirmation card: what changes, from what, to what."""

    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Preview:
    """What a change will do, shown on the confirmation card before anything happens."""

    rows: tuple[Row, ...]
    title: str | None = None
    warning: str | None = None
    # Plain facts under the table (e.g. "inside the cancellation window: 5 seats refundable for 18 more hours").
    notes: tuple[str, ...] = ()
    # The change can't be made as asked (e.g. outside the new-commerce window): no Confirm, only the
    # alternatives and Cancel. Each alternative is (button title, a {"pb":"run"} payload of another operation).
    blocked: bool = False
    alternatives: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass
class Outcome:
    """What a handler returns. `data` is rendered by the operation's card; nothing is rendered in handlers."""

    data: Any = None
    message: str | None = None
    # Conversation context to remember after this operation, e.g. {"customer": {...}}.
    context: dict[str, Any] = field(default_factory=dict)
    # For the audit log: what the change touched (ids, before/after).
    audit: dict[str, Any] = field(default_factory=dict)
    # For the requester's eyes only (a generated password): sent once to their personal chat with the bot,
    # never stored in state, audited or logged, never shown in a group chat or channel.
    private: str | None = None
    # Work Partner Center finishes later (`dialogs.jobs.JobRequest`): the dispatcher stores it as a job, tells
    # the user it will post the outcome here, and the background poller announces it once.
    job: Any = None
    # A result that is a file (`dialogs.files.FileRequest`): delivered by consent card or signed link.
    file: Any = None


Args = dict[str, Any]
Handler = Callable[["OperationContext", Args], Awaitable[Outcome]]
PreviewFn = Callable[["OperationContext", Args], Awaitable[Preview]]
CardFn = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    id: str
    kind: Kind
    area: str
    params: tuple[Param, ...]
    role: Role
    handler: Handler | None
    card: CardFn | None = None
    preview: PreviewFn | None = None
    summary: str = ""
    page_size: int = 10
    # A read's result as data (cards.view_spec.View), rendered by the one generic builder; `card` is for the few
    # results that need a hand-written card.
    view: View | None = None
    # The role needed in a personal chat with the bot, when it differs from `role` (routing events into a
    # channel needs admin; anyone may route them to themselves). The dispatcher applies it per conversation.
    personal_role: Role | None = None

    def role_for(self, conversation_type: str) -> Role:
        """The role a request needs in this kind of conversation (personal | groupChat | channel)."""
        if conversation_type == "personal" and self.personal_role is not None:
            return self.personal_role
        return self.role

    @property
    def available(self) -> bool:
        return self.handler is not None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def json_schema(self) -> dict[str, Any]:
        """Parameters as one JSON object schema (tool definitions and proposal validation)."""
        props = {p.name: p.json_schema() for p in self.params}
        return {
            "type": "object",
            "properties": props,
            "required": [p.name for p in self.params if p.required and not p.from_context],
            "additionalProperties": False,
        }


class NeedInput(Exception):
    """Raised by a preview when the given parameters cannot make a change yet ("add a note or pick a status").

    The dispatcher asks for `params` again with the form card, showing `message` on each of them.
    """

    def __init__(self, params: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.params = params
        self.message = message


class Refused(Exception):
    """Raised by a preview when the change cannot be made as asked (a policy still assigned to devices, no free
    seats): the dispatcher ends the flow with `message` and changes nothing — no confirmation card for a change
    that would fail. `actions` — (button title, operation id, params) — offer what would make it possible (add
    seats to the subscription); with actions the answer is a card with those buttons.
    """

    def __init__(self, message: str, actions: tuple[tuple[str, str, dict[str, Any]], ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.actions = actions


class DuplicateOperationError(ValueError):
    pass


class Registry:
    """Operation declarations by id. Adding an operation touches one place: its decorated handler."""

    def __init__(self) -> None:
        self._ops: dict[str, Operation] = {}

    def add(self, op: Operation, *, replace: bool = False) -> Operation:
        if op.id in self._ops and not replace:
            raise DuplicateOperationError(f"operation {op.id!r} is declared twice")
        self._ops[op.id] = op
        return op

    def get(self, op_id: str) -> Operation | None:
        return self._ops.get(op_id)

    def __getitem__(self, op_id: str) -> Operation:
        return self._ops[op_id]

    def __contains__(self, op_id: object) -> bool:
        return op_id in self._ops

    def __iter__(self) -> Iterator[Operation]:
        return iter(sorted(self._ops.values(), key=lambda o: o.id))

    def __len__(self) -> int:
        return len(self._ops)

    def by_area(self) -> dict[str, list[Operation]]:
        areas: dict[str, list[Operation]] = {}
        for op in self:
            areas.setdefault(op.area, []).append(op)
        return areas

    def operation(
        self,
        op_id: str,
        *,
        kind: Kind | str,
        area: str | None = None,
        params: Iterable[Param] = (),
        role: Role | str | None = None,
        card: CardFn | None = None,
        preview: PreviewFn | None = None,
        summary: str = "",
        page_size: int = 10,
        view: View | None = None,
        personal_role: Role | str | None = None,
        replace: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator: declare the operation `op_id` with the decorated coroutine as its handler."""
        kind = Kind(kind)

        def register(handler: Handler) -> Handler:
            self.add(
                Operation(
                    id=op_id,
                    kind=kind,
                    area=area or op_id.split(".")[0],
                    params=tuple(params),
                    role=Role(role) if role else DEFAULT_ROLE[kind],
                    handler=handler,
                    card=card,
                    preview=preview,
                    summary=summary,
                    page_size=page_size,
                    view=view,
                    personal_role=Role(personal_role) if personal_role else None,
                ),
                replace=replace,
            )
            return handler

        return register


# The process-wide registry that `dialogs.ops` fills at import time.
registry = Registry()
operation = registry.operation

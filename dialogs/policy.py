"""Interfaces the dispatcher enforces through: who holds which role, and where changes are recorded.

Implementations live in `bot/` (roles file, audit log in bot storage); these protocols keep the dispatcher
plain Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from dialogs.registry import Role
from dialogs.turn import InvokeResult, Reply, Turn, User

if TYPE_CHECKING:
    from dialogs.context import OperationContext
    from dialogs.registry import Operation, Preview


class RolePolicy(Protocol):
    def roles_for(self, user: User) -> frozenset[str]: ...


class AllowAll:
    """Local development with no roles file: everyone holds every role (four-eyes still applies to approvals)."""

    def roles_for(self, user: User) -> frozenset[str]:
        return frozenset(r.value for r in Role)


class AuditSink(Protocol):
    async def append(self, entry: dict[str, Any]) -> None: ...


class MemoryAudit:
    """An in-process audit sink (tests); the bot uses a durable one over its storage."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    async def append(self, entry: dict[str, Any]) -> None:
        self.entries.append(dict(entry))


class PurchaseGate(Protocol):
    """Where a confirmed purchase goes instead of being executed: the approval workflow.

    `submit` records an approval request (with the confirmed arguments and the preview the requester saw) and
    returns what to tell the requester; the operation's handler runs only when an approver approves it.
    `on_invoke` answers the approval card's Universal Actions (approve / reject / withdraw / refresh).
    """

    async def submit(self, ctx: OperationContext, op: Operation, args: dict[str, Any],
                     preview: Preview | None) -> list[Reply]: ...

    async def on_invoke(self, turn: Turn, state: dict[str, Any]) -> InvokeResult: ...

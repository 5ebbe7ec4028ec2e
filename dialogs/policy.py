"""Interfaces the dispatcher enforces through: who holds which role, and where changes are recorded.

Implementations live in `bot/` (roles file, audit log in bot storage); these protocols keep the dispatcher
plain Python.
"""

from __future__ import annotations

from typing import Any, Protocol

from dialogs.registry import Role
from dialogs.turn import User


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

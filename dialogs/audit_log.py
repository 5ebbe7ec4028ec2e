"""What `audit.records` asks of an audit log, independent of where the log lives (bot storage, tests).

`bot.audit.StorageAuditLog` implements `AuditReader`; the dispatcher hands the engine's audit sink to handlers
as ``ctx.extras["audit"]``, and `dialogs.ops.audit` queries it when the sink can be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class AuditQuery:
    """Filters for `StorageAuditLog.query`. Text filters match case-insensitively; `customer` matches the id
    exactly or the name as a substring, `user` an id/UPN exactly or a name as a substring, `operation` an
    operation id or its area ("subscriptions" matches "subscriptions.update")."""

    start: datetime | None = None
    end: datetime | None = None  # exclusive; default now
    customer: str | None = None
    user: str | None = None
    operation: str | None = None

    def matches(self, ref: Mapping[str, Any]) -> bool:
        if self.operation:
            op, wanted = str(ref.get("op", "")).lower(), self.operation.lower()
            if op != wanted and not op.startswith(wanted + "."):
                return False
        if self.customer:
            customer, wanted = ref.get("customer") or {}, self.customer.lower()
            if str(customer.get("id", "")).lower() != wanted and wanted not in str(customer.get("name", "")).lower():
                return False
        if self.user:
            wanted = self.user.lower()
            if not any(p == wanted or ("@" not in wanted and wanted in p) for p in ref.get("people") or ()):
                return False
        return True


@dataclass
class AuditPage:
    entries: list[dict[str, Any]]
    has_more: bool
    start: datetime
    end: datetime
    # Pass as `before` to get the next page (entries strictly older than this id).
    next_before: str | None = None
    scanned_segments: int = field(default=0, repr=False)


@runtime_checkable
class AuditReader(Protocol):
    async def query(self, query: AuditQuery | None = None, *, limit: int = 20, before: str | None = None,
                    skip: int = 0) -> AuditPage: ...

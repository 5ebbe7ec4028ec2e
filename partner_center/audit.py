"""client.audit — api.md §15 X3 (audit records, seek paging, last 90 days retained)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from .models import AuditRecord
from .operations import Operations, api_path
from .paging import Pager


def _day(value: date | datetime) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()


class AuditOperations(Operations):
    def list(
        self, start: date | datetime, end: date | datetime | None = None, filter: Mapping[str, Any] | None = None,
        *, size: int | None = None, correlation_id: str | None = None,
    ) -> Pager[AuditRecord]:
        """Activity between `start` and `end` (days, yyyy-mm-dd on the wire).

        `filter` is the documented JSON filter, e.g. `{"Field": "CustomerId", "Value": cid, "Operator": "equals"}`.
        """
        params: dict[str, Any] = {"startDate": _day(start), "size": size}
        if end is not None:
            params["endDate"] = _day(end)
        if filter:
            params["filter"] = dict(filter)
        return self._pager(AuditRecord, api_path("auditrecords"), params, correlation_id)

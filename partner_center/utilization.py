"""client.utilization — Azure utilization records (api.md §12.1 B12): 204 + `Retry-After` while not ready."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .long_running import NotReady, not_ready_of
from .models import Model, moment, number, text
from .operations import Operations, api_path


class AzureUtilizationRecord(Model):
    _repr_fields = ("resource_name", "quantity", "unit")
    usage_start_time = moment("usageStartTime")
    usage_end_time = moment("usageEndTime")
    resource_id = text("resource.id")
    resource_name = text("resource.name")
    category = text("resource.category")
    unit = text("unit")
    quantity = number("quantity")


def _iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.strftime("%Y-%m-%dT%H:%M:%SZ")


class UtilizationOperations(Operations):
    async def azure(
        self, customer_id: str, subscription_id: str, start: datetime | str, end: datetime | str, *,
        granularity: str = "daily", size: int = 1000, correlation_id: str | None = None,
    ) -> list[AzureUtilizationRecord] | NotReady:
        """The first page (up to `size` ≤ 1000 records), or `NotReady` when the service answers 204."""
        if granularity not in ("daily", "hourly"):
            raise ValueError("granularity must be 'daily' or 'hourly'")
        path = api_path("customers", customer_id, "subscriptions", subscription_id, "utilizations", "azure")
        params = {"start_time": _iso(start), "end_time": _iso(end), "granularity": granularity,
                  "show_details": True, "size": max(1, min(int(size), 1000))}
        response = await self._call("GET", path, params=params, correlation_id=correlation_id)
        not_ready = not_ready_of(response)
        if not_ready is not None:
            return not_ready
        body: Any = response.body if isinstance(response.body, Mapping) else {}
        return [AzureUtilizationRecord.from_wire(item) for item in body.get("items") or []
                if isinstance(item, Mapping)]

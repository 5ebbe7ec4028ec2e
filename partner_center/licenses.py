"""client.licenses — api.md §6 (L1-L3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .models import License, SubscribedSku
from .operations import Operations, api_path
from .paging import Pager


class LicensesOperations(Operations):
    def list_subscribed_skus(self, customer_id: str, *, correlation_id: str | None = None) -> Pager[SubscribedSku]:
        """What the customer owns, with available/consumed units per SKU."""
        return self._pager(SubscribedSku, api_path("customers", customer_id, "subscribedskus"), None,
                           correlation_id)

    def list_assigned(self, customer_id: str, user_id: str, *,
                      correlation_id: str | None = None) -> Pager[License]:
        path = api_path("customers", customer_id, "users", user_id, "licenses")
        return self._pager(License, path, None, correlation_id)

    async def assign(
        self, customer_id: str, user_id: str, add_sku_ids: Iterable[str] = (), remove_sku_ids: Iterable[str] = (),
        *, request_id: str | None = None, correlation_id: str | None = None,
    ) -> dict[str, Any]:
        """Add and/or remove licenses in one LicenseUpdate; returns the service's LicenseUpdate (with warnings)."""
        add = [str(s) for s in add_sku_ids]
        remove = [str(s) for s in remove_sku_ids]
        if not add and not remove:
            raise ValueError("give at least one SKU id to add or remove")
        body = {
            "licensesToAssign": [{"skuId": sku, "excludedPlans": None} for sku in add] or None,
            "licensesToRemove": remove or None,
            "licenseWarnings": None,
            "attributes": {"objectType": "LicenseUpdate"},
        }
        response = await self._call(
            "POST", api_path("customers", customer_id, "users", user_id, "licenseupdates"), body=body,
            request_id=request_id, correlation_id=correlation_id,
        )
        return dict(response.body) if isinstance(response.body, Mapping) else {}

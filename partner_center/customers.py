"""client.customers — api.md §5 (C1-C10)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .models import BillingProfile, Customer
from .operations import Operations, api_path, filter_param, quoted_etag
from .paging import Pager

SearchField = Literal["CompanyName", "Domain", "IndirectReseller", "IndirectCloudSolutionProvider"]


class CustomersOperations(Operations):
    def list(self, size: int | None = None, *, correlation_id: str | None = None) -> Pager[Customer]:
        """All customers of the partner (seek paging; `size` per page, service default when None)."""
        return self._pager(Customer, api_path("customers"), {"size": size}, correlation_id)

    def search(
        self, prefix: str, field: SearchField = "CompanyName", *, size: int | None = None,
        correlation_id: str | None = None,
    ) -> Pager[Customer]:
        """Customers whose company name / domain starts with `prefix` (the only operator customers support)."""
        params = {"size": size, "filter": filter_param(field, prefix, "starts_with")}
        return self._pager(Customer, api_path("customers"), params, correlation_id)

    async def get(self, customer_id: str, *, correlation_id: str | None = None) -> Customer:
        return await self._get(Customer, api_path("customers", customer_id), correlation_id=correlation_id)

    async def create(
        self, body: Mapping[str, Any], *, request_id: str | None = None, correlation_id: str | None = None
    ) -> Customer:
        """Create a customer; repeat with the same `request_id` to get the first result back (idempotent)."""
        response = await self._call(
            "POST", api_path("customers"), body=body, request_id=request_id, correlation_id=correlation_id
        )
        return self._model(Customer, response)

    async def delete(
        self, customer_id: str, *, request_id: str | None = None, correlation_id: str | None = None
    ) -> None:
        """Integration sandbox only: removes the relationship and deletes the tenant."""
        await self._call(
            "DELETE", api_path("customers", customer_id), request_id=request_id, correlation_id=correlation_id
        )

    async def get_billing_profile(self, customer_id: str, *, correlation_id: str | None = None) -> BillingProfile:
        path = api_path("customers", customer_id, "profiles", "billing")
        return await self._get(BillingProfile, path, correlation_id=correlation_id)

    async def update_billing_profile(
        self, customer_id: str, profile: Mapping[str, Any], etag: str, *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> BillingProfile:
        """Replace the billing profile; `etag` (from get_billing_profile) guards against lost updates."""
        if not etag:
            raise ValueError("etag is required to update a billing profile")
        response = await self._call(
            "PUT", api_path("customers", customer_id, "profiles", "billing"), body=profile,
            headers={"If-Match": quoted_etag(etag)}, request_id=request_id, correlation_id=correlation_id,
        )
        return self._model(BillingProfile, response)

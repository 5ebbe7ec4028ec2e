"""client.customers — api.md §5 (C1-C15) and customer qualifications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .account_models import CustomerQualification, ManagedService, RelationshipRequest, SpendingBudget
from .models import BillingProfile, CompanyProfile, Customer
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

    async def get_company_profile(self, customer_id: str, *, correlation_id: str | None = None) -> CompanyProfile:
        """C8 (App+User); address and e-mail are left out when the partner has no admin rights on the tenant."""
        path = api_path("customers", customer_id, "profiles", "company")
        return await self._get(CompanyProfile, path, correlation_id=correlation_id)

    async def get_relationship_request(self, *, correlation_id: str | None = None) -> RelationshipRequest:
        """C11: the link a customer opens to accept a reseller relationship with the partner."""
        return await self._get(RelationshipRequest, api_path("customers", "relationshiprequests"),
                               correlation_id=correlation_id)

    async def remove_relationship(
        self, customer_id: str, *, request_id: str | None = None, correlation_id: str | None = None
    ) -> Customer:
        """C7: end the reseller relationship (the partner loses access to the customer)."""
        body = {"relationshipToPartner": "none", "attributes": {"objectType": "Customer"}}
        response = await self._call("PATCH", api_path("customers", customer_id), body=body,
                                    request_id=request_id, correlation_id=correlation_id)
        return self._model(Customer, response)

    async def get_spending_budget(self, customer_id: str, *, correlation_id: str | None = None) -> SpendingBudget:
        return await self._get(SpendingBudget, api_path("customers", customer_id, "usagebudget"),
                               correlation_id=correlation_id)

    async def update_spending_budget(
        self, customer_id: str, amount: float, *, request_id: str | None = None, correlation_id: str | None = None
    ) -> SpendingBudget:
        """C12 PATCH: the monthly Azure usage budget."""
        body = {"amount": amount, "attributes": {"objectType": "SpendingBudget"}}
        response = await self._call("PATCH", api_path("customers", customer_id, "usagebudget"), body=body,
                                    request_id=request_id, correlation_id=correlation_id)
        return self._model(SpendingBudget, response)

    async def list_custom_domains(self, customer_id: str, *, correlation_id: str | None = None) -> list[str]:
        """C13: the customer's domains (a bare JSON array of strings)."""
        response = await self._call("GET", api_path("customers", customer_id, "customDomains"),
                                    correlation_id=correlation_id)
        body = response.body
        return [str(d) for d in body] if isinstance(body, list) else []

    async def add_domain(
        self, customer_id: str, domain: str, *, request_id: str | None = None, correlation_id: str | None = None
    ) -> list[str]:
        """Add a domain to the customer; returns the domains after the change. No public doc describes this
        write (api.md has only the C13 read); the emulator's POST on the same path is an inference [I]."""
        response = await self._call("POST", api_path("customers", customer_id, "customDomains"),
                                    body={"domain": domain.strip().lower()}, request_id=request_id,
                                    correlation_id=correlation_id)
        body = response.body
        return [str(d) for d in body] if isinstance(body, list) else []

    def list_managed_services(self, customer_id: str, *,
                              correlation_id: str | None = None) -> Pager[ManagedService]:
        """C15: admin portals the partner can open for the customer."""
        return self._pager(ManagedService, api_path("customers", customer_id, "managedservices"), None,
                           correlation_id)

    def list_qualifications(self, customer_id: str, *,
                            correlation_id: str | None = None) -> Pager[CustomerQualification]:
        """GET /customers/{id}/qualifications (v2: a list; empty when the customer has none)."""
        return self._pager(CustomerQualification, api_path("customers", customer_id, "qualifications"), None,
                           correlation_id)

    async def add_qualification(
        self, customer_id: str, qualification: str, *, validation_code: str | None = None,
        request_id: str | None = None, correlation_id: str | None = None,
    ) -> CustomerQualification:
        """POST a qualification (Education, StateOwnedEntity, GovernmentCommunityCloud with a validation code)."""
        params = {"code": validation_code} if validation_code else None
        response = await self._call("POST", api_path("customers", customer_id, "qualifications"), params=params,
                                    body={"qualification": qualification}, request_id=request_id,
                                    correlation_id=correlation_id)
        return self._model(CustomerQualification, response)

"""client.gdap — granular delegated admin relationships on Microsoft Graph (api.md §26).

Paths are Graph's, in full (`/v1.0/tenantRelationships/delegatedAdminRelationships...`), sent through the Graph
pipeline (its own token scope, the shared retry policy). Collections page by `@odata.nextLink`; changes carry the
entity's `@odata.etag` in `If-Match`; Graph's `{"error": {code, message}}` bodies become the usual typed errors.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from . import errors
from .models import Model, choice, moment, text
from .operations import Operations
from .paging import Page, Pager

BASE = "/v1.0/tenantRelationships/delegatedAdminRelationships"
APPROVAL_LINK = "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/{id}"
MAX_DAYS = 730
AUTO_EXTEND_ON, AUTO_EXTEND_OFF = "P180D", "PT0S"

# api.md §26.5: common Entra roles by name → roleDefinitionId (the built-in role's template id).
ROLES: dict[str, str] = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Global Reader": "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "Helpdesk Administrator": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "License Administrator": "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    "Directory Readers": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "Directory Writers": "9360feb5-f418-4baa-8175-e2a00bac4301",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "Authentication Administrator": "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "SharePoint Administrator": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "Teams Administrator": "69091246-20e8-4a56-aa4d-066075b2a7a8",
    "Intune Administrator": "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "Security Reader": "5d6b6bb7-de71-4623-b4af-96380a352509",
    "Service Support Administrator": "f023fd81-a637-4b56-95fd-791ac0226033",
    "Billing Administrator": "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
    "Conditional Access Administrator": "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    "Groups Administrator": "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    "Reports Reader": "4a5d8f65-41da-4de4-8968-e035b65339cf",
    "Dynamics 365 Administrator": "44367163-eba1-44c3-98af-f5787879f96a",
    "Power Platform Administrator": "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
    "Cloud Device Administrator": "7698a772-787b-4ac8-901f-60d6b08affd2",
}
ROLE_NAMES: dict[str, str] = {role_id: name for name, role_id in ROLES.items()}


def role_name(role_id: str) -> str:
    return ROLE_NAMES.get(str(role_id).lower(), str(role_id))


def approval_link(relationship_id: str) -> str:
    """The link the customer's Global Administrator opens to approve (api.md §26.3)."""
    return APPROVAL_LINK.format(id=quote(str(relationship_id), safe="-"))


class RelationshipStatus(enum.StrEnum):
    CREATED = "created"
    APPROVAL_PENDING = "approvalPending"
    APPROVED = "approved"
    ACTIVATING = "activating"
    ACTIVE = "active"
    TERMINATION_REQUESTED = "terminationRequested"
    TERMINATING = "terminating"
    TERMINATED = "terminated"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    UNKNOWN_FUTURE_VALUE = "unknownFutureValue"


class _GraphEntity(Model):
    @property
    def etag(self) -> str | None:  # type: ignore[override]
        value = self.raw.get("@odata.etag")
        return str(value) if value else None

    @property
    def role_ids(self) -> list[str]:
        roles = (self.raw.get("accessDetails") or {}).get("unifiedRoles")
        return [str(r.get("roleDefinitionId")) for r in roles or [] if isinstance(r, dict)]

    @property
    def role_names(self) -> list[str]:
        return [role_name(r) for r in self.role_ids]


class GdapRelationship(_GraphEntity):
    _repr_fields = ("id", "display_name", "status")
    display_name = text("displayName")
    duration = text("duration")
    status = choice("status", RelationshipStatus)
    auto_extend_duration = text("autoExtendDuration")
    customer_tenant_id = text("customer.tenantId")
    customer_name = text("customer.displayName")
    created = moment("createdDateTime")
    activated = moment("activatedDateTime")
    end = moment("endDateTime")

    @property
    def auto_extend(self) -> bool:
        return self.auto_extend_duration == AUTO_EXTEND_ON

    def days_left(self, now: datetime) -> int | None:
        return None if self.end is None else (self.end - now).days


class GdapRequest(Model):
    _repr_fields = ("id", "action", "status")
    action = text("action")
    status = text("status")
    created = moment("createdDateTime")


class GdapAccessAssignment(_GraphEntity):
    _repr_fields = ("id", "status")
    status = text("status")
    group_id = text("accessContainer.accessContainerId")
    created = moment("createdDateTime")


class GdapOperation(Model):
    _repr_fields = ("id", "status")
    status = text("status")
    operation_type = text("operationType")


class GdapCustomer(Model):
    _repr_fields = ("id", "display_name")
    tenant_id = text("tenantId")
    display_name = text("displayName")


CUSTOMERS = "/v1.0/tenantRelationships/delegatedAdminCustomers"


def _odata_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _roles_body(role_ids: Sequence[str]) -> dict[str, Any]:
    if not role_ids:
        raise ValueError("at least one role is required")
    return {"unifiedRoles": [{"roleDefinitionId": r} for r in role_ids]}


def _path(*segments: str) -> str:
    parts = []
    for segment in segments:
        value = str(segment or "").strip()
        if not value:
            raise ValueError("GDAP ids must not be empty")
        parts.append(quote(value, safe=""))
    return "/".join([BASE, *parts])


class _FilterFallbackPager(Pager[GdapRelationship]):
    """Sends `$filter`; when Graph answers 400 to it (its filterable properties are undocumented, api.md §26.1),
    lists without the filter and keeps the matching relationships itself."""

    def __init__(self, operations: Operations, params: dict[str, Any], wanted: dict[str, str],
                 correlation_id: str | None) -> None:
        super().__init__(operations._pipeline, BASE, GdapRelationship.from_wire, params=params,
                         correlation_id=correlation_id)
        self._wanted = wanted
        self._client_side = False

    async def first_page(self) -> Page[GdapRelationship]:
        if "$filter" in self._params and not self._client_side:
            try:
                return await super().first_page()
            except errors.BadRequestError:
                self._client_side = True
                self._params.pop("$filter")
        return await super().first_page()

    def _keep(self, rel: GdapRelationship) -> bool:
        status, tenant = self._wanted.get("status"), self._wanted.get("customer_tenant_id")
        return ((not status or str(rel.raw.get("status") or "").lower() == status.lower())
                and (not tenant or (rel.customer_tenant_id or "").lower() == tenant.lower()))

    def _parse(self, body: Any) -> Page[GdapRelationship]:
        page = super()._parse(body)
        if self._client_side:
            page.items = [item for item in page.items if self._keep(item)]
        return page


class GdapOperations(Operations):
    def list_relationships(self, *, status: str | None = None, customer_tenant_id: str | None = None,
                           top: int | None = 100, correlation_id: str | None = None) -> Pager[GdapRelationship]:
        """G1; `status` and `customer_tenant_id` become `$filter` clauses, applied here when Graph refuses the
        filter (§26.1)."""
        clauses = []
        if status:
            clauses.append(f"status eq {_odata_quote(status)}")
        if customer_tenant_id:
            clauses.append(f"customer/tenantId eq {_odata_quote(customer_tenant_id)}")
        params: dict[str, Any] = {"$top": top} if top else {}
        if not clauses:
            return self._pager(GdapRelationship, BASE, params, correlation_id)
        params["$filter"] = " and ".join(clauses)
        wanted = {"status": status or "", "customer_tenant_id": customer_tenant_id or ""}
        return _FilterFallbackPager(self, params, wanted, correlation_id)

    async def get_relationship(self, relationship_id: str, *,
                               correlation_id: str | None = None) -> GdapRelationship:
        return await self._get(GdapRelationship, _path(relationship_id), correlation_id=correlation_id)

    async def create_relationship(
        self, display_name: str, role_ids: Sequence[str], *, duration_days: int = MAX_DAYS,
        customer_tenant_id: str | None = None, customer_name: str | None = None, auto_extend: bool = False,
        request_id: str | None = None, correlation_id: str | None = None,
    ) -> GdapRelationship:
        """G3: a relationship in `created`; lock it for approval with `lock_for_approval` (§26.1, §26.3)."""
        if not 1 <= duration_days <= MAX_DAYS:
            raise ValueError(f"duration_days must be from 1 to {MAX_DAYS}")
        body: dict[str, Any] = {"displayName": display_name, "duration": f"P{duration_days}D",
                                "accessDetails": _roles_body(role_ids),
                                "autoExtendDuration": AUTO_EXTEND_ON if auto_extend else AUTO_EXTEND_OFF}
        if customer_tenant_id:
            body["customer"] = {"tenantId": customer_tenant_id, "displayName": customer_name or ""}
        response = await self._call("POST", BASE, body=body, request_id=request_id, correlation_id=correlation_id)
        return self._model(GdapRelationship, response)

    async def update_relationship(self, relationship_id: str, changes: dict[str, Any], *, etag: str,
                                  request_id: str | None = None,
                                  correlation_id: str | None = None) -> GdapRelationship:
        """G4 with `If-Match: etag`; e.g. `{"autoExtendDuration": "P180D"}`."""
        if not changes:
            raise ValueError("changes must not be empty")
        response = await self._call("PATCH", _path(relationship_id), body=dict(changes),
                                    headers={"If-Match": etag}, request_id=request_id,
                                    correlation_id=correlation_id)
        if not isinstance(response.body, dict) or not response.body:
            return await self.get_relationship(relationship_id, correlation_id=correlation_id)
        return self._model(GdapRelationship, response)

    async def delete_relationship(self, relationship_id: str, *, etag: str,
                                  correlation_id: str | None = None) -> None:
        """G5: only while `created`."""
        await self._call("DELETE", _path(relationship_id), headers={"If-Match": etag},
                         correlation_id=correlation_id)

    async def request_action(self, relationship_id: str, action: str, *, request_id: str | None = None,
                             correlation_id: str | None = None) -> GdapRequest:
        """G6: `lockForApproval` (created → approvalPending) or `terminate` (active → terminated)."""
        if action not in ("lockForApproval", "terminate"):
            raise ValueError("action must be lockForApproval or terminate")
        response = await self._call("POST", _path(relationship_id, "requests"), body={"action": action},
                                    request_id=request_id, correlation_id=correlation_id)
        return self._model(GdapRequest, response)

    def list_requests(self, relationship_id: str, *, correlation_id: str | None = None) -> Pager[GdapRequest]:
        return self._pager(GdapRequest, _path(relationship_id, "requests"), None, correlation_id)

    async def get_request(self, relationship_id: str, request_id: str, *,
                          correlation_id: str | None = None) -> GdapRequest:
        return await self._get(GdapRequest, _path(relationship_id, "requests", request_id),
                               correlation_id=correlation_id)

    async def create_access_assignment(self, relationship_id: str, group_id: str, role_ids: Sequence[str], *,
                                       request_id: str | None = None,
                                       correlation_id: str | None = None) -> GdapAccessAssignment:
        """G8: give a partner security group some of an active relationship's roles (§26.4)."""
        body = {"accessContainer": {"accessContainerId": group_id, "accessContainerType": "securityGroup"},
                "accessDetails": _roles_body(role_ids)}
        response = await self._call("POST", _path(relationship_id, "accessAssignments"), body=body,
                                    request_id=request_id, correlation_id=correlation_id)
        return self._model(GdapAccessAssignment, response)

    def list_access_assignments(self, relationship_id: str, *,
                                correlation_id: str | None = None) -> Pager[GdapAccessAssignment]:
        return self._pager(GdapAccessAssignment, _path(relationship_id, "accessAssignments"), None,
                           correlation_id)

    async def get_access_assignment(self, relationship_id: str, assignment_id: str, *,
                                    correlation_id: str | None = None) -> GdapAccessAssignment:
        return await self._get(GdapAccessAssignment, _path(relationship_id, "accessAssignments", assignment_id),
                               correlation_id=correlation_id)

    async def update_access_assignment(self, relationship_id: str, assignment_id: str, role_ids: Sequence[str],
                                       *, etag: str, correlation_id: str | None = None) -> str | None:
        """G10: returns the operation id to poll with `get_operation` (202), or None when nothing changed (200)."""
        response = await self._call("PATCH", _path(relationship_id, "accessAssignments", assignment_id),
                                    body={"accessDetails": _roles_body(role_ids)}, headers={"If-Match": etag},
                                    correlation_id=correlation_id)
        location = response.headers.get("Location") if response.status == 202 else None
        return location.rstrip("/").rsplit("/", 1)[-1] if location else None

    async def delete_access_assignment(self, relationship_id: str, assignment_id: str, *, etag: str,
                                       correlation_id: str | None = None) -> None:
        await self._call("DELETE", _path(relationship_id, "accessAssignments", assignment_id),
                         headers={"If-Match": etag}, correlation_id=correlation_id)

    async def get_operation(self, relationship_id: str, operation_id: str, *,
                            correlation_id: str | None = None) -> GdapOperation:
        return await self._get(GdapOperation, _path(relationship_id, "operations", operation_id),
                               correlation_id=correlation_id)

    def list_customers(self, *, correlation_id: str | None = None) -> Pager[GdapCustomer]:
        """G13: the customers the partner holds an active GDAP relationship for."""
        return self._pager(GdapCustomer, CUSTOMERS, None, correlation_id)

    async def get_customer(self, tenant_id: str, *, correlation_id: str | None = None) -> GdapCustomer:
        tenant = str(tenant_id or "").strip()
        if not tenant:
            raise ValueError("tenant id must not be empty")
        return await self._get(GdapCustomer, f"{CUSTOMERS}/{quote(tenant, safe='')}", correlation_id=correlation_id)

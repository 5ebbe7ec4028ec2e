"""client.directory_roles — a customer's directory roles and their members (api.md §6.1 R1-R5)."""

from __future__ import annotations

from typing import Any

from .account_models import DirectoryRole, UserMember
from .operations import Operations, api_path
from .paging import Pager


class DirectoryRolesOperations(Operations):
    def list(self, customer_id: str, *, correlation_id: str | None = None) -> Pager[DirectoryRole]:
        return self._pager(DirectoryRole, api_path("customers", customer_id, "directoryroles"), None,
                           correlation_id)

    def of_user(self, customer_id: str, user_id: str, *,
                correlation_id: str | None = None) -> Pager[DirectoryRole]:
        path = api_path("customers", customer_id, "users", user_id, "directoryroles")
        return self._pager(DirectoryRole, path, None, correlation_id)

    def members(self, customer_id: str, role_id: str, *, size: int | None = None,
                correlation_id: str | None = None) -> Pager[UserMember]:
        path = api_path("customers", customer_id, "directoryroles", role_id, "usermembers")
        return self._pager(UserMember, path, {"size": size}, correlation_id)

    async def add_member(
        self, customer_id: str, role_id: str, user: Any, *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> UserMember:
        """`user`: a CustomerUser (or its raw dict) to make a member of the role."""
        raw = getattr(user, "raw", user)
        body = {"id": raw["id"], "displayName": raw.get("displayName"),
                "userPrincipalName": raw.get("userPrincipalName"), "attributes": {"objectType": "UserMember"}}
        path = api_path("customers", customer_id, "directoryroles", role_id, "usermembers")
        response = await self._call("POST", path, body=body, request_id=request_id, correlation_id=correlation_id)
        return self._model(UserMember, response)

    async def remove_member(
        self, customer_id: str, role_id: str, user_id: str, *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        path = api_path("customers", customer_id, "directoryroles", role_id, "usermembers", user_id)
        await self._call("DELETE", path, request_id=request_id, correlation_id=correlation_id)

"""client.users — api.md §6 (U1-U8)."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any

from .models import CustomerUser, UserState
from .operations import Operations, api_path, filter_param
from .paging import Pager

_OBJECT_TYPE = {"objectType": "CustomerUser"}


def generate_password(length: int = 16) -> str:
    """A random password meeting Entra complexity rules (upper, lower, digit, symbol)."""
    pools = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "!@#$%^&*-_=+"]
    chars = [secrets.choice(pool) for pool in pools]
    alphabet = "".join(pools)
    chars += [secrets.choice(alphabet) for _ in range(max(length, 8) - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


class UsersOperations(Operations):
    def list(self, customer_id: str, *, size: int | None = None,
             correlation_id: str | None = None) -> Pager[CustomerUser]:
        return self._pager(CustomerUser, api_path("customers", customer_id, "users"), {"size": size},
                           correlation_id)

    async def get(self, customer_id: str, user_id: str, *, correlation_id: str | None = None) -> CustomerUser:
        return await self._get(CustomerUser, api_path("customers", customer_id, "users", user_id),
                               correlation_id=correlation_id)

    async def create(
        self, customer_id: str, body: Mapping[str, Any], *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> CustomerUser:
        """`body`: userPrincipalName, displayName, firstName, lastName, usageLocation, passwordProfile."""
        payload = dict(body)
        payload.setdefault("attributes", dict(_OBJECT_TYPE))
        response = await self._call("POST", api_path("customers", customer_id, "users"), body=payload,
                                    request_id=request_id, correlation_id=correlation_id)
        return self._model(CustomerUser, response)

    async def update(
        self, customer_id: str, user_id: str, changes: Mapping[str, Any], *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> CustomerUser:
        """PATCH only the changed fields (the service merges them)."""
        if not changes:
            raise ValueError("changes must not be empty")
        payload = dict(changes)
        payload.setdefault("attributes", dict(_OBJECT_TYPE))
        response = await self._call("PATCH", api_path("customers", customer_id, "users", user_id), body=payload,
                                    request_id=request_id, correlation_id=correlation_id)
        return self._model(CustomerUser, response)

    async def delete(
        self, customer_id: str, user_id: str, *, request_id: str | None = None, correlation_id: str | None = None
    ) -> None:
        """Soft delete: the user becomes inactive and can be restored for 30 days."""
        await self._call("DELETE", api_path("customers", customer_id, "users", user_id),
                         request_id=request_id, correlation_id=correlation_id)

    def list_deleted(self, customer_id: str, *, size: int | None = None,
                     correlation_id: str | None = None) -> Pager[CustomerUser]:
        params = {"size": size, "filter": filter_param("UserState", "Inactive", "equals")}
        return self._pager(CustomerUser, api_path("customers", customer_id, "users"), params, correlation_id)

    async def restore(
        self, customer_id: str, user_id: str, *, request_id: str | None = None, correlation_id: str | None = None
    ) -> CustomerUser:
        return await self.update(customer_id, user_id, {"state": UserState.ACTIVE},
                                 request_id=request_id, correlation_id=correlation_id)

    async def reset_password(
        self, customer_id: str, user_id: str, password: str | None = None, force_change: bool = True, *,
        request_id: str | None = None, correlation_id: str | None = None,
    ) -> CustomerUser:
        """Set a new password (generated when None); the result's `temporary_password` holds it."""
        body = {
            "passwordProfile": {"password": password or generate_password(), "forceChangePassword": force_change},
            "attributes": dict(_OBJECT_TYPE),
        }
        response = await self._call(
            "PATCH", api_path("customers", customer_id, "users", user_id, "resetpassword"), body=body,
            request_id=request_id, correlation_id=correlation_id,
        )
        user = self._model(CustomerUser, response)
        if not user.temporary_password:  # some versions do not echo it; the caller still needs it
            user.raw["passwordProfile"] = dict(body["passwordProfile"])
        return user

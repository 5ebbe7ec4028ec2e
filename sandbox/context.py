"""Per-application sandbox state (store, config, clock, audit) and the helpers resource modules use.

Resource modules get it with `sandbox_of(request)`; routes are declared on an aiohttp `RouteTableDef` named
`routes` in each module, and App+User-only operations are marked with `@app_user_only`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from partner_center import clock
from sandbox.body import Body, to_pascal
from sandbox.config import SandboxConfig
from sandbox.envelope import iso, new_guid, public
from sandbox.errors import customer_not_found
from sandbox.store import Store


@dataclass(frozen=True)
class Identity:
    """Who is calling: `app` (client credentials) or `app+user` (delegated)."""

    mode: str
    app_id: str = ""
    upn: str = ""

    @property
    def app_only(self) -> bool:
        return self.mode == "app"


def app_user_only(handler: Callable) -> Callable:
    """Mark an operation as App+User only (api.md §2.2): app-only tokens get 403 900329."""
    handler.__app_user_only__ = True  # type: ignore[attr-defined]
    return handler


class Sandbox:
    """Runtime state shared by all handlers of one app."""

    def __init__(self, config: SandboxConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.clock_offset = timedelta(0)
        self.busy_carts: set[str] = set()  # carts being checked out right now (409 800064)
        self.webhooks: Any = None  # sandbox.webhooks.WebhookHub, made by the first /webhooks or /_cert request

    def now(self) -> datetime:
        return clock.now() + self.clock_offset

    def now_iso(self) -> str:
        return iso(self.now())

    # ---- lookups ------------------------------------------------------------------------------------------
    def customer(self, customer_id: str) -> dict[str, Any]:
        """The stored customer or 404 60003 — call first in every /customers/{id}/... handler."""
        doc = self.store.get("customer", customer_id.lower())
        if doc is None:
            raise customer_not_found(customer_id)
        return doc

    # ---- audit --------------------------------------------------------------------------------------------
    def audit(self, request: web.Request, *, resource_type: str, operation_type: str,
              customer_id: str = "", customer_name: str = "", old: Any = None, new: Any = None,
              customized: dict[str, Any] | None = None, status: str = "succeeded") -> dict[str, Any]:
        """Append an AuditRecord (api.md §15) for a mutation; call inside the mutation's transaction."""
        who: Identity | None = request.get("identity")
        record = {
            "id": new_guid(),
            "partnerId": self.config.partner_tenant_id,
            "customerId": customer_id,
            "customerName": customer_name,
            "userPrincipalName": who.upn if who and who.upn else None,
            "applicationId": who.app_id if who else None,
            "resourceType": resource_type,
            "resourceOldValue": _audit_value(old),
            "resourceNewValue": _audit_value(new),
            "operationType": operation_type,
            "operationDate": self.now_iso(),
            "operationStatus": status,
            "customizedData": [{"key": k, "value": str(v)} for k, v in (customized or {}).items()],
            "attributes": {"objectType": "AuditRecord"},
        }
        self.store.add_audit(record)
        hub = self.webhooks
        if hub is None and self.store.get_meta("webhook_registration"):  # registered before a restart
            from sandbox.webhooks import WebhookHub

            hub = self.webhooks = WebhookHub(self)
        if hub is not None:  # a registered webhook hears of the change (api.md §27.4 rule 5)
            hub.on_audit(record, new)
        return record


SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


def _audit_value(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(to_pascal(public(value)), separators=(",", ":"))


def sandbox_of(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


def body_of(request: web.Request) -> Body:
    """The parsed JSON body as a case-insensitive view (the middleware already rejected malformed JSON)."""
    data = request.get("json")
    if data is None:
        return Body({})
    if not isinstance(data, dict):
        from sandbox.errors import invalid_input
        raise invalid_input("The request body must be a JSON object.")
    return Body(data)

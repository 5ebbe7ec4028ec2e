"""client.referrals — co-sell referrals on the Partner API host (api.md §14).

A different host than the rest of Partner Center (`api.partner.microsoft.com`, the sandbox's `/partnerapi`):
OData collections (`value` + `@odata.nextLink`, `$filter`/`$orderby`/`$top`), JSON Patch (RFC 6902) updates
guarded by the referral's `eTag` in `If-Match`. Errors come back through the same typed hierarchy.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from .models import Model, choice, moment, number, text
from .operations import Operations, quoted_etag
from .paging import Pager

BASE = "/v1.0/engagements/referrals"


class ReferralStatus(enum.StrEnum):
    NONE = "None"
    NEW = "New"
    ACTIVE = "Active"
    CLOSED = "Closed"


class ReferralSubstatus(enum.StrEnum):
    NONE = "None"
    PENDING = "Pending"
    RECEIVED = "Received"
    ACCEPTED = "Accepted"
    WON = "Won"
    LOST = "Lost"
    DECLINED = "Declined"
    EXPIRED = "Expired"


# The documented status transitions (api.md §14): status -> the statuses it may move to, and the substatuses
# each target status allows.
TRANSITIONS: dict[str, tuple[str, ...]] = {"New": ("New", "Active", "Closed"), "Active": ("Active", "Closed"),
                                           "Closed": ("Closed",)}
SUBSTATUSES: dict[str, tuple[str, ...]] = {"New": ("Pending", "Received"), "Active": ("Accepted",),
                                           "Closed": ("Won", "Lost", "Declined", "Expired")}


def transition_allowed(status: str, new_status: str, new_substatus: str) -> bool:
    return new_status in TRANSITIONS.get(status, ()) and new_substatus in SUBSTATUSES.get(new_status, ())


class Referral(Model):
    _repr_fields = ("id", "name", "status")
    name = text("name")
    status = choice("status", ReferralStatus)
    substatus = choice("substatus", ReferralSubstatus)
    direction = text("direction")
    customer_name = text("customerProfile.name")
    deal_value = number("details.dealValue")
    currency = text("details.currency")
    created = moment("createdDateTime")
    updated = moment("updatedDateTime")
    etag = text("eTag")  # a top-level property here, not attributes.etag


def _odata_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class ReferralsOperations(Operations):
    def list(
        self, *, status: str | None = None, direction: str | None = None, top: int | None = 25,
        correlation_id: str | None = None,
    ) -> Pager[Referral]:
        """Referrals, newest first; `status` New/Active/Closed and `direction` Incoming/Outgoing filter."""
        clauses = []
        if status:
            clauses.append(f"status eq {_odata_quote(status)}")
        if direction:
            clauses.append(f"direction eq {_odata_quote(direction)}")
        params: dict[str, Any] = {"$orderby": "createdDateTime desc", "$top": top}
        if clauses:
            params["$filter"] = " and ".join(clauses)
        return self._pager(Referral, BASE, params, correlation_id)

    async def get(self, referral_id: str, *, correlation_id: str | None = None) -> Referral:
        return await self._get(Referral, _path(referral_id), correlation_id=correlation_id)

    async def create(self, body: Mapping[str, Any], *, request_id: str | None = None,
                     correlation_id: str | None = None) -> Referral:
        """`body` needs type, customerProfile, consent and details (api.md §14)."""
        response = await self._call("POST", BASE, body=dict(body), request_id=request_id,
                                    correlation_id=correlation_id)
        return self._model(Referral, response)

    async def update(self, referral_id: str, changes: Mapping[str, Any], *, etag: str | None = None,
                     request_id: str | None = None, correlation_id: str | None = None) -> Referral:
        """Replace top-level properties (`{"status": "Closed", "substatus": "Won"}`) with a JSON Patch, guarded by
        `etag` when given; asks for the updated referral back (`Prefer: return=representation`)."""
        if not changes:
            raise ValueError("changes must not be empty")
        patch: Sequence[dict[str, Any]] = [{"op": "replace", "path": f"/{key}", "value": value}
                                           for key, value in changes.items()]
        headers = {"Prefer": "return=representation", "Content-Type": "application/json-patch+json"}
        if etag:
            headers["If-Match"] = quoted_etag(etag)
        response = await self._call("PATCH", _path(referral_id), body=list(patch), headers=headers,
                                    request_id=request_id, correlation_id=correlation_id)
        if response.body is None:
            return await self.get(referral_id, correlation_id=correlation_id)
        return self._model(Referral, response)


def _path(referral_id: str) -> str:
    text_id = str(referral_id or "").strip()
    if not text_id:
        raise ValueError("referral id must not be empty")
    return f"{BASE}/{quote(text_id, safe='')}"

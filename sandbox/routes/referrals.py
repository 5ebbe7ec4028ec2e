"""Co-sell referrals on the Partner API host (api.md §14), served under `/partnerapi` (api.md §23.0).

OData collections (`value`, `@odata.count`, `@odata.nextLink` with `$skip`), `$filter` on status and direction
(`eq`, joined by `and`), `$top`; JSON Patch updates (only `replace`/`add`) guarded by `If-Match` against the
referral's `eTag`; only the documented status transitions (others: 400).
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from sandbox.context import Sandbox, app_user_only, body_of, sandbox_of
from sandbox.envelope import json_response
from sandbox.errors import ApiError, bad_request, invalid_input, not_found

routes = web.RouteTableDef()

KIND = "referral"
BASE = "/partnerapi/v1.0/engagements/referrals"
STATUSES = ("None", "New", "Active", "Closed")
SUBSTATUSES = ("None", "Pending", "Received", "Accepted", "Won", "Lost", "Declined", "Expired")
TRANSITIONS = {"New": ("New", "Active", "Closed"), "Active": ("Active", "Closed"), "Closed": ("Closed",)}
ALLOWED_SUB = {"New": ("Pending", "Received"), "Active": ("Accepted",),
               "Closed": ("Won", "Lost", "Declined", "Expired")}
TYPES = ("Shared", "Independent")
PATCHABLE = {"status", "substatus", "statusReason", "name", "details", "team", "qualification",
             "externalReferenceId", "customerProfile", "consent"}
_CLAUSE = re.compile(r"^\s*(status|direction|substatus)\s+eq\s+'([^']*)'\s*$", re.I)
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def new_etag() -> str:
    return f'"{uuid.uuid4().hex[:16]}"'


def save(sandbox: Sandbox, referral: dict[str, Any]) -> None:
    sandbox.store.put(KIND, referral["id"], referral, "", k1=referral.get("status"), k2=referral.get("direction"))


def _load(sandbox: Sandbox, referral_id: str) -> dict[str, Any]:
    doc = sandbox.store.get(KIND, referral_id)
    if doc is None:
        raise not_found(404, f"Referral {referral_id} was not found.")
    return doc


def _filters(expression: str) -> list[tuple[str, str]]:
    out = []
    for clause in re.split(r"\s+and\s+", expression.strip(), flags=re.I) if expression.strip() else []:
        match = _CLAUSE.match(clause)
        if not match:
            raise invalid_input(f"The $filter clause '{clause[:100]}' is not supported: use status, substatus or "
                                "direction eq '<value>' joined by 'and'.")
        out.append((match.group(1).lower(), match.group(2).lower()))
    return out


def _int_query(request: web.Request, name: str, default: int, maximum: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= maximum:
        raise invalid_input(f"The query parameter {name} must be a whole number from 0 to {maximum}.")
    return int(raw)


@routes.get(BASE)
@app_user_only
async def list_referrals(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    clauses = _filters(request.query.get("$filter", ""))
    top = _int_query(request, "$top", 100, 100) or 100
    skip = _int_query(request, "$skip", 0, 1_000_000)
    docs = [d.body for d in sandbox.store.list(KIND)]
    kept = [r for r in docs if all(str(r.get(field, "")).lower() == value for field, value in clauses)]
    kept.sort(key=lambda r: r.get("createdDateTime", ""),
              reverse="asc" not in request.query.get("$orderby", "createdDateTime desc").lower())
    body: dict[str, Any] = {"@odata.context": f"{BASE}", "@odata.count": len(kept), "value": kept[skip:skip + top]}
    if skip + top < len(kept):
        query = {k: v for k, v in request.query.items() if k != "$skip"}
        query["$skip"] = str(skip + top)
        body["@odata.nextLink"] = f"{request.scheme}://{request.host}{BASE}?{urlencode(query)}"
    return json_response(body)


@routes.get(BASE + "/{referral_id}")
@app_user_only
async def get_referral(request: web.Request) -> web.Response:
    return json_response(_load(sandbox_of(request), request.match_info["referral_id"]))


@routes.post(BASE)
@app_user_only
async def create_referral(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = body_of(request)
    kind = body.get("type")
    if kind not in TYPES:
        raise invalid_input(f"The property 'type' must be one of {', '.join(TYPES)}.")
    profile = body.obj("customerProfile", required=True)
    if not str(profile.get("name") or "").strip():
        raise invalid_input("The property 'customerProfile.name' is required.")
    body.obj("consent", required=True)
    details = body.obj("details", required=True)
    value = details.get("dealValue")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
        raise invalid_input("The property 'details.dealValue' must be a number of at least 0.")
    currency = details.get("currency")
    if currency is not None and not (isinstance(currency, str) and _CURRENCY.match(currency)):
        raise invalid_input("The property 'details.currency' must be a three-letter ISO 4217 code.")
    now = sandbox.now_iso()
    referral = {**body.raw, "id": str(uuid.uuid4()), "engagementId": str(uuid.uuid4()),
                "organizationId": sandbox.config.partner_tenant_id, "organizationName": "Sandbox CSP Partner",
                "status": "New", "substatus": "Pending", "direction": "Outgoing",
                "createdDateTime": now, "updatedDateTime": now, "eTag": new_etag()}
    referral.setdefault("name", str(profile.get("name")))
    with sandbox.store.transaction():
        save(sandbox, referral)
        sandbox.audit(request, resource_type="referral", operation_type="create_referral", new=referral)
    return json_response(referral, status=201)


@routes.patch(BASE + "/{referral_id}")
@app_user_only
async def patch_referral(request: web.Request) -> web.StreamResponse:
    sandbox = sandbox_of(request)
    referral = _load(sandbox, request.match_info["referral_id"])
    if_match = request.headers.get("If-Match")
    if if_match and if_match.strip() not in ("*", referral["eTag"]):
        raise ApiError(412, 412, "The referral was changed by someone else since it was read (eTag mismatch).")
    operations = request.get("json")
    if not isinstance(operations, list) or not operations:
        raise invalid_input("The request body must be a JSON Patch array of operations.")
    updated = dict(referral)
    for op in operations:
        if not isinstance(op, dict) or op.get("op") not in ("replace", "add") or not isinstance(op.get("path"), str):
            raise invalid_input("Only JSON Patch 'replace' and 'add' operations with a path are supported.")
        key = op["path"].strip("/").split("/")[0]
        if key not in PATCHABLE:
            raise invalid_input(f"The property '{key[:60]}' cannot be changed.")
        updated[key] = op.get("value")
    status, substatus = updated.get("status"), updated.get("substatus")
    if (status, substatus) != (referral.get("status"), referral.get("substatus")):
        if status not in STATUSES or substatus not in SUBSTATUSES:
            raise invalid_input("The status or substatus is not a known value.")
        if status not in TRANSITIONS.get(referral.get("status", ""), ()) or substatus not in ALLOWED_SUB.get(
                status, ()):
            raise bad_request(400, f"A referral cannot move from {referral.get('status')}/"
                                   f"{referral.get('substatus')} to {status}/{substatus}.")
    updated["updatedDateTime"] = sandbox.now_iso()
    updated["eTag"] = new_etag()
    with sandbox.store.transaction():
        save(sandbox, updated)
        sandbox.audit(request, resource_type="referral", operation_type="update_referral", old=referral,
                      new=updated)
    if "return=representation" in request.headers.get("Prefer", ""):
        return json_response(updated)
    return web.Response(status=204)

"""GDAP relationships on Microsoft Graph (api.md §26), served under /v1.0 and /beta on the sandbox's port (§23.0).

Relationships, their requests (lockForApproval / terminate), access assignments and assignment operations, with
the Graph envelope (`value` + absolute `@odata.nextLink`), `@odata.etag` checked in `If-Match` (missing → 400,
stale → 412 `resourceModified`) and the Graph error shape (§23.0). The state machine of §26.2/§26.7 runs on the
sandbox clock, applied lazily whenever a relationship is read: `approvalPending` for 90 days → `expired`;
`active` at `endDateTime` → rolled forward 180 days with `P180D`, otherwise `expiring` (for an hour) → `expired`
with every access assignment `deleted`; `terminationRequested` → `terminated`. `POST /_sandbox/gdap/{id}/approve`
stands in for the customer's Global Administrator choosing "Approve all" (§26.7 rule 5).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from sandbox.context import Sandbox, sandbox_of
from sandbox.envelope import iso, json_response, parse_iso
from sandbox.errors import forbidden

routes = web.RouteTableDef()

REL_KIND = "gdap_relationship"
ASSIGN_KIND = "gdap_assignment"
REQUEST_KIND = "gdap_request"
OP_KIND = "gdap_operation"
_VERSIONS = ("/v1.0", "/beta")
BASE = "/tenantRelationships/delegatedAdminRelationships"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
AUTO_EXTEND = ("PT0S", "P0D", "P180D")
PENDING_LIMIT = timedelta(days=90)
EXPIRING_FOR = timedelta(hours=1)

# §26.5: the roles the sandbox knows (unknown roleDefinitionId → 400, §26.7 rule 2).
ROLE_IDS = frozenset({
    "62e90394-69f5-4237-9190-012177145e10", "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "fe930be7-5e62-47db-91af-98c3a49a38b1", "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "9360feb5-f418-4baa-8175-e2a00bac4301", "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    "29232cdf-9323-42fd-ade2-1d097af3e4de", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "69091246-20e8-4a56-aa4d-066075b2a7a8", "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "194ae4cb-b126-40b2-bd5b-6091b380977d", "5d6b6bb7-de71-4623-b4af-96380a352509",
    "f023fd81-a637-4b56-95fd-791ac0226033", "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "158c047a-c907-4556-b7ef-446551a6b5f7",
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    "4a5d8f65-41da-4de4-8968-e035b65339cf", "44367163-eba1-44c3-98af-f5787879f96a",
    "11648597-926c-4cf3-9c36-bcebb0ba8dcc", "7698a772-787b-4ac8-901f-60d6b08affd2",
})
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DURATION = re.compile(r"^P(\d{1,4})([DY])$")
_CLAUSE = re.compile(r"^\s*(status|customer/tenantId)\s+eq\s+'([^']*)'\s*$", re.I)


class GraphFailure(Exception):
    """A Graph error response (§23.0 shape), raised inside handlers and rendered by `graph_route`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _invalid(message: str) -> GraphFailure:
    return GraphFailure(400, "invalidRequest", message)


def graph_error(request: web.Request, failure: GraphFailure) -> web.Response:
    body = {"error": {"code": failure.code, "message": failure.message, "innerError": {
        "request-id": request.get("request_id") or str(uuid.uuid4()), "date": sandbox_of(request).now_iso()}}}
    return web.json_response(body, status=failure.status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def graph_route(method: str, path: str) -> Callable[[Handler], Handler]:
    """Register `handler` under /v1.0 and /beta and render GraphFailure in the Graph error shape."""
    def register(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except GraphFailure as failure:
                return graph_error(request, failure)
        for version in _VERSIONS:
            routes.route(method, f"{version}{BASE}{path}")(wrapped)
        return wrapped
    return register


# ---- helpers ----------------------------------------------------------------------------------------------------

def new_etag() -> str:
    return f'W/"{uuid.uuid4().hex}"'


def duration_days(value: Any) -> int | None:
    """`P{n}D` or `P{n}Y` (365 days a year) → days; None when it is neither."""
    match = _DURATION.match(str(value or ""))
    if not match:
        return None
    n = int(match.group(1))
    return n * 365 if match.group(2) == "Y" else n


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _version(request: web.Request) -> str:
    return "/beta" if request.path.startswith("/beta/") else "/v1.0"


def _body(request: web.Request) -> dict[str, Any]:
    body = request.get("json")
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    return body


def _roles(value: Any, where: str) -> list[dict[str, str]]:
    roles = (value or {}).get("unifiedRoles") if isinstance(value, dict) else None
    if not isinstance(roles, list) or not roles:
        raise _invalid(f"'{where}.unifiedRoles' must list at least one role.")
    out: list[dict[str, str]] = []
    for role in roles:
        role_id = str((role or {}).get("roleDefinitionId") or "").lower() if isinstance(role, dict) else ""
        if role_id not in ROLE_IDS:
            raise _invalid(f"The roleDefinitionId '{role_id[:40]}' is not a known Entra built-in role.")
        if role_id not in {r["roleDefinitionId"] for r in out}:
            out.append({"roleDefinitionId": role_id})
    return out


def save_relationship(sandbox: Sandbox, rel: dict[str, Any]) -> None:
    tenant = str((rel.get("customer") or {}).get("tenantId") or "").lower()
    sandbox.store.put(REL_KIND, rel["id"], rel, "", k1=tenant or None, k2=rel.get("status"))


def _deleted_assignments(sandbox: Sandbox, rel: dict[str, Any], now: datetime) -> None:
    for doc in sandbox.store.list(ASSIGN_KIND, rel["id"]):
        assignment = doc.body
        if assignment.get("status") != "deleted":
            assignment.update(status="deleted", lastModifiedDateTime=iso(now), **{"@odata.etag": new_etag()})
            sandbox.store.put(ASSIGN_KIND, assignment["id"], assignment, rel["id"])


def _when(value: Any) -> datetime | None:
    return parse_iso(value) if isinstance(value, str) and value else None


def advance(sandbox: Sandbox, rel: dict[str, Any]) -> dict[str, Any]:
    """Apply the clock-driven transitions of §26.7 rules 4–6 and store the result when something changed."""
    now = sandbox.now()
    status = rel.get("status")
    changed = False
    if status == "approvalPending":
        locked = _when(rel.get("_lockedAt") or rel.get("lastModifiedDateTime"))
        if locked and now >= locked + PENDING_LIMIT:
            rel["status"], changed = "expired", True
    elif status == "terminationRequested":
        rel["status"], changed = "terminated", True
        _deleted_assignments(sandbox, rel, now)
    elif status in ("active", "expiring"):
        end = _when(rel.get("endDateTime"))
        if end is not None and now >= end:
            if rel.get("autoExtendDuration") == "P180D":
                while end <= now:
                    end += timedelta(days=180)
                rel["endDateTime"], rel["status"], changed = iso(end), "active", True
            else:
                new_status = "expiring" if now < end + EXPIRING_FOR else "expired"
                if new_status != status:
                    rel["status"], changed = new_status, True
                if new_status == "expired":
                    _deleted_assignments(sandbox, rel, now)
    if changed:
        rel["lastModifiedDateTime"] = iso(now)
        rel["@odata.etag"] = new_etag()
        save_relationship(sandbox, rel)
    return rel


def _load(sandbox: Sandbox, rel_id: str) -> dict[str, Any]:
    doc = sandbox.store.get(REL_KIND, rel_id)
    if doc is None:
        raise GraphFailure(404, "itemNotFound", f"The delegated admin relationship '{rel_id[:90]}' was not found.")
    return advance(sandbox, doc)


def _check_etag(request: web.Request, current: dict[str, Any]) -> None:
    given = request.headers.get("If-Match")
    if not given:
        raise _invalid("The If-Match header with the entity's @odata.etag is required.")
    if given.strip() not in ("*", current.get("@odata.etag")):
        raise GraphFailure(412, "resourceModified",
                           "The entity was changed since it was read (If-Match does not match its etag).")


def _collection(request: web.Request, items: list[dict[str, Any]], path: str) -> web.Response:
    raw_top = request.query.get("$top", "100")
    if not raw_top.isdigit() or not 1 <= int(raw_top) <= 300:
        raise _invalid("$top must be a whole number from 1 to 300.")
    top = int(raw_top)
    skip_raw = request.query.get("$skiptoken", "0")
    skip = int(skip_raw) if skip_raw.isdigit() else 0
    body: dict[str, Any] = {"@odata.context": f"{_origin(request)}{_version(request)}/$metadata#{path}",
                            "value": items[skip:skip + top]}
    if request.query.get("$count") == "true":
        body["@odata.count"] = len(items)
    if skip + top < len(items):
        query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
        query["$skiptoken"] = str(skip + top)
        body["@odata.nextLink"] = f"{_origin(request)}{request.path}?{urlencode(query)}"
    return json_response(body)


def _filters(expression: str) -> list[tuple[str, str]]:
    out = []
    for clause in re.split(r"\s+and\s+", expression.strip(), flags=re.I) if expression.strip() else []:
        match = _CLAUSE.match(clause)
        if not match:
            raise _invalid(f"The $filter clause '{clause[:80]}' is not supported.")
        out.append((match.group(1).lower(), match.group(2).lower()))
    return out


# ---- relationships (G1–G5) --------------------------------------------------------------------------------------

@graph_route("GET", "")
async def list_relationships(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    if request.query.get("$filter") and not getattr(sandbox.config, "gdap_filter_supported", True):
        raise _invalid("Invalid filter clause: filtering is not supported on this collection.")
    clauses = _filters(request.query.get("$filter", ""))
    rels = [advance(sandbox, d.body) for d in sandbox.store.list(REL_KIND)]
    kept = []
    for rel in rels:
        values = {"status": str(rel.get("status", "")).lower(),
                  "customer/tenantid": str((rel.get("customer") or {}).get("tenantId") or "").lower()}
        if all(values[field] == value for field, value in clauses):
            kept.append(rel)
    return _collection(request, kept, "tenantRelationships/delegatedAdminRelationships")


@graph_route("GET", "/{rel_id}")
async def get_relationship(request: web.Request) -> web.Response:
    return json_response(_load(sandbox_of(request), request.match_info["rel_id"]))


@graph_route("POST", "")
async def create_relationship(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = _body(request)
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise _invalid("The property 'displayName' is required.")
    if len(name) > 50:
        raise _invalid("'displayName' must be at most 50 characters.")
    if any(d.body.get("displayName", "").lower() == name.lower() for d in sandbox.store.list(REL_KIND)):
        raise _invalid(f"A relationship named '{name}' already exists; display names must be unique.")
    days = duration_days(body.get("duration"))
    if days is None or not 1 <= days <= 730:
        raise _invalid("'duration' must be an ISO 8601 duration from P1D to P730D (or P2Y).")
    roles = _roles(body.get("accessDetails"), "accessDetails")
    auto = body.get("autoExtendDuration", "PT0S")
    if auto not in AUTO_EXTEND:
        raise _invalid("'autoExtendDuration' must be PT0S, P0D or P180D.")
    if auto == "P180D" and any(r["roleDefinitionId"] == GLOBAL_ADMIN for r in roles):
        raise _invalid("A relationship that includes Global Administrator cannot be auto-extended.")
    customer = body.get("customer")
    if customer is not None:
        tenant = str((customer or {}).get("tenantId") or "") if isinstance(customer, dict) else ""
        if not _GUID.match(tenant):
            raise _invalid("'customer.tenantId' must be a tenant id (GUID).")
        known = sandbox.store.get("customer", tenant.lower())
        display = (customer.get("displayName")
                   or ((known or {}).get("companyProfile") or {}).get("companyName") or "")
        customer = {"tenantId": tenant.lower(), "displayName": display}
    now = sandbox.now_iso()
    rel = {"@odata.type": "#microsoft.graph.delegatedAdminRelationship", "@odata.etag": new_etag(),
           "id": f"{uuid.uuid4()}-{sandbox.config.partner_tenant_id}", "displayName": name,
           "duration": f"P{days}D", "customer": customer, "accessDetails": {"unifiedRoles": roles},
           "status": "created", "autoExtendDuration": auto, "createdDateTime": now, "lastModifiedDateTime": now,
           "activatedDateTime": None, "endDateTime": None}
    with sandbox.store.transaction():
        save_relationship(sandbox, rel)
        sandbox.audit(request, resource_type="granularAdminRelationship", operation_type="create_relationship",
                      customer_id=(customer or {}).get("tenantId", ""), new=rel)
    location = f"{_origin(request)}{_version(request)}{BASE}/{rel['id']}"
    return json_response(rel, status=201, headers={"Location": location})


@graph_route("PATCH", "/{rel_id}")
async def update_relationship(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    _check_etag(request, rel)
    body = _body(request)
    if not body:
        raise _invalid("The request body must name at least one property to change.")
    status = rel["status"]
    updated = dict(rel)
    for key, value in body.items():
        if key in ("displayName", "duration", "customer", "accessDetails"):
            if status != "created":
                raise _invalid(f"'{key}' can only be changed while the relationship is created (it is {status}).")
            if key == "duration":
                days = duration_days(value)
                if days is None or not 1 <= days <= 730:
                    raise _invalid("'duration' must be an ISO 8601 duration from P1D to P730D (or P2Y).")
                value = f"P{days}D"
            elif key == "accessDetails":
                value = {"unifiedRoles": _roles(value, "accessDetails")}
            updated[key] = value
        elif key == "autoExtendDuration":
            if status not in ("created", "active"):
                raise _invalid(f"Auto-extend can only be changed while the relationship is created or active "
                               f"(it is {status}).")
            if value not in AUTO_EXTEND:
                raise _invalid("'autoExtendDuration' must be PT0S, P0D or P180D.")
            updated[key] = value
        else:
            raise _invalid(f"The property '{str(key)[:60]}' cannot be changed.")
    roles = {r["roleDefinitionId"] for r in updated["accessDetails"]["unifiedRoles"]}
    if updated.get("autoExtendDuration") == "P180D" and GLOBAL_ADMIN in roles:
        raise _invalid("A relationship that includes Global Administrator cannot be auto-extended.")
    updated["lastModifiedDateTime"] = sandbox.now_iso()
    updated["@odata.etag"] = new_etag()
    with sandbox.store.transaction():
        save_relationship(sandbox, updated)
        sandbox.audit(request, resource_type="granularAdminRelationship", operation_type="update_relationship",
                      customer_id=(updated.get("customer") or {}).get("tenantId", ""), old=rel, new=updated)
    return json_response(updated)


@graph_route("DELETE", "/{rel_id}")
async def delete_relationship(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    _check_etag(request, rel)
    if rel["status"] != "created":
        raise _invalid(f"Only a relationship in the created state can be deleted (it is {rel['status']}).")
    with sandbox.store.transaction():
        sandbox.store.delete(REL_KIND, rel["id"])
        sandbox.audit(request, resource_type="granularAdminRelationship", operation_type="delete_relationship",
                      old=rel)
    return web.Response(status=204)


# ---- requests (G6, G7) ------------------------------------------------------------------------------------------

@graph_route("POST", "/{rel_id}/requests")
async def create_request(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    action = _body(request).get("action")
    needed = {"lockForApproval": "created", "terminate": "active"}
    if action not in needed:
        raise _invalid("'action' must be lockForApproval or terminate.")
    if rel["status"] != needed[action]:
        raise _invalid(f"The action {action} needs a relationship that is {needed[action]} (it is {rel['status']}).")
    now = sandbox.now_iso()
    req = {"@odata.type": "#microsoft.graph.delegatedAdminRelationshipRequest", "id": str(uuid.uuid4()),
           "action": action, "status": "succeeded", "createdDateTime": now, "lastModifiedDateTime": now}
    old = dict(rel)
    rel["status"] = "approvalPending" if action == "lockForApproval" else "terminationRequested"
    if action == "lockForApproval":
        rel["_lockedAt"] = now
    rel["lastModifiedDateTime"], rel["@odata.etag"] = now, new_etag()
    with sandbox.store.transaction():
        save_relationship(sandbox, rel)
        sandbox.store.put(REQUEST_KIND, req["id"], req, rel["id"])
        sandbox.audit(request, resource_type="granularAdminRelationship", operation_type=f"request_{action}",
                      customer_id=(rel.get("customer") or {}).get("tenantId", ""), old=old, new=rel)
    location = f"{_origin(request)}{_version(request)}{BASE}/{rel['id']}/requests/{req['id']}"
    return json_response({**req, "status": "created"}, status=201, headers={"Location": location})


@graph_route("GET", "/{rel_id}/requests")
async def list_requests(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    items = [d.body for d in sandbox.store.list(REQUEST_KIND, rel["id"])]
    return _collection(request, items, "requests")


@graph_route("GET", "/{rel_id}/requests/{req_id}")
async def get_request(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    doc = sandbox.store.get(REQUEST_KIND, request.match_info["req_id"], rel["id"])
    if doc is None:
        raise GraphFailure(404, "itemNotFound", "The relationship request was not found.")
    return json_response(doc)


# ---- access assignments (G8–G11) and operations (G12) -----------------------------------------------------------

def _assignment(sandbox: Sandbox, rel: dict[str, Any], assignment_id: str) -> dict[str, Any]:
    doc = sandbox.store.get(ASSIGN_KIND, assignment_id, rel["id"])
    if doc is None:
        raise GraphFailure(404, "itemNotFound", "The access assignment was not found.")
    if doc.get("status") == "pending":  # pending → active after a delay of 0 (§26.7 rule 7)
        doc["status"] = "active"
        sandbox.store.put(ASSIGN_KIND, doc["id"], doc, rel["id"])
    return doc


def _subset_roles(rel: dict[str, Any], body: dict[str, Any]) -> list[dict[str, str]]:
    roles = _roles(body.get("accessDetails"), "accessDetails")
    granted = {r["roleDefinitionId"] for r in rel["accessDetails"]["unifiedRoles"]}
    missing = [r["roleDefinitionId"] for r in roles if r["roleDefinitionId"] not in granted]
    if missing:
        raise _invalid(f"The role {missing[0]} is not part of the relationship's approved roles.")
    return roles


@graph_route("POST", "/{rel_id}/accessAssignments")
async def create_assignment(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    if rel["status"] != "active":
        raise _invalid(f"Access can only be assigned on an active relationship (it is {rel['status']}).")
    body = _body(request)
    container = body.get("accessContainer")
    group = str((container or {}).get("accessContainerId") or "") if isinstance(container, dict) else ""
    if not _GUID.match(group) or (container or {}).get("accessContainerType") != "securityGroup":
        raise _invalid("'accessContainer' must give a security group id and accessContainerType securityGroup.")
    roles = _subset_roles(rel, body)
    if any(d.body.get("accessContainer", {}).get("accessContainerId") == group.lower()
           and d.body.get("status") not in ("deleted", "deleting")
           for d in sandbox.store.list(ASSIGN_KIND, rel["id"])):
        raise GraphFailure(409, "conflict", "This security group already has an access assignment here.")
    now = sandbox.now_iso()
    assignment = {"@odata.type": "#microsoft.graph.delegatedAdminAccessAssignment", "@odata.etag": new_etag(),
                  "id": str(uuid.uuid4()), "status": "pending", "createdDateTime": now,
                  "lastModifiedDateTime": now,
                  "accessContainer": {"accessContainerId": group.lower(), "accessContainerType": "securityGroup"},
                  "accessDetails": {"unifiedRoles": roles}}
    with sandbox.store.transaction():
        sandbox.store.put(ASSIGN_KIND, assignment["id"], assignment, rel["id"])
        sandbox.audit(request, resource_type="granularAdminAccessAssignment", operation_type="create_assignment",
                      customer_id=(rel.get("customer") or {}).get("tenantId", ""), new=assignment)
    location = f"{_origin(request)}{_version(request)}{BASE}/{rel['id']}/accessAssignments/{assignment['id']}"
    return json_response(assignment, status=201, headers={"Location": location})


@graph_route("GET", "/{rel_id}/accessAssignments")
async def list_assignments(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    items = [_assignment(sandbox, rel, d.id) for d in sandbox.store.list(ASSIGN_KIND, rel["id"])]
    return _collection(request, items, "accessAssignments")


@graph_route("GET", "/{rel_id}/accessAssignments/{assignment_id}")
async def get_assignment(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    return json_response(_assignment(sandbox, rel, request.match_info["assignment_id"]))


@graph_route("PATCH", "/{rel_id}/accessAssignments/{assignment_id}")
async def update_assignment(request: web.Request) -> web.Response:
    """202 + an operation that has already succeeded (delay 0), or 200 with the object for identical roles."""
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    assignment = _assignment(sandbox, rel, request.match_info["assignment_id"])
    _check_etag(request, assignment)
    if assignment["status"] != "active":
        raise _invalid(f"The access assignment is {assignment['status']}; only active assignments can change.")
    roles = _subset_roles(rel, _body(request))
    if roles == assignment["accessDetails"]["unifiedRoles"]:
        return json_response(assignment)
    now = sandbox.now_iso()
    updated = {**assignment, "accessDetails": {"unifiedRoles": roles}, "lastModifiedDateTime": now,
               "@odata.etag": new_etag()}
    operation = {"@odata.type": "#microsoft.graph.delegatedAdminRelationshipOperation", "id": str(uuid.uuid4()),
                 "operationType": "delegatedAdminAccessAssignmentUpdate", "data": "", "status": "succeeded",
                 "createdDateTime": now, "lastModifiedDateTime": now}
    with sandbox.store.transaction():
        sandbox.store.put(ASSIGN_KIND, updated["id"], updated, rel["id"])
        sandbox.store.put(OP_KIND, operation["id"], operation, rel["id"])
        sandbox.audit(request, resource_type="granularAdminAccessAssignment", operation_type="update_assignment",
                      old=assignment, new=updated)
    location = f"{_origin(request)}{_version(request)}{BASE}/{rel['id']}/operations/{operation['id']}"
    return web.json_response({}, status=202, headers={"Location": location, "Retry-After": "10"})


@graph_route("DELETE", "/{rel_id}/accessAssignments/{assignment_id}")
async def delete_assignment(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    assignment = _assignment(sandbox, rel, request.match_info["assignment_id"])
    _check_etag(request, assignment)
    updated = {**assignment, "status": "deleted", "lastModifiedDateTime": sandbox.now_iso(),
               "@odata.etag": new_etag()}
    with sandbox.store.transaction():
        sandbox.store.put(ASSIGN_KIND, updated["id"], updated, rel["id"])
        sandbox.audit(request, resource_type="granularAdminAccessAssignment", operation_type="delete_assignment",
                      old=assignment, new=updated)
    return web.Response(status=204)


@graph_route("GET", "/{rel_id}/operations/{op_id}")
async def get_operation(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rel = _load(sandbox, request.match_info["rel_id"])
    doc = sandbox.store.get(OP_KIND, request.match_info["op_id"], rel["id"])
    if doc is None:
        raise GraphFailure(404, "itemNotFound", "The operation was not found.")
    return json_response(doc)


# ---- customers the partner holds GDAP for (G13) ------------------------------------------------------------------

def _gdap_customers(sandbox: Sandbox) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for doc in sandbox.store.list(REL_KIND):
        rel = advance(sandbox, doc.body)
        customer = rel.get("customer") or {}
        tenant = str(customer.get("tenantId") or "").lower()
        if tenant and rel.get("status") in ("active", "expiring"):
            out.setdefault(tenant, {"@odata.type": "#microsoft.graph.delegatedAdminCustomer", "id": tenant,
                                    "tenantId": tenant, "displayName": customer.get("displayName") or ""})
    return list(out.values())


for _version_prefix in _VERSIONS:
    @routes.get(f"{_version_prefix}/tenantRelationships/delegatedAdminCustomers")
    async def list_gdap_customers(request: web.Request) -> web.Response:
        return _collection(request, _gdap_customers(sandbox_of(request)), "delegatedAdminCustomers")

    @routes.get(f"{_version_prefix}/tenantRelationships/delegatedAdminCustomers/{{tenant_id}}")
    async def get_gdap_customer(request: web.Request) -> web.Response:
        tenant = request.match_info["tenant_id"].lower()
        found = [c for c in _gdap_customers(sandbox_of(request)) if c["tenantId"] == tenant]
        if not found:
            return graph_error(request, GraphFailure(404, "itemNotFound",
                                                     "The partner holds no GDAP relationship for this customer."))
        return json_response(found[0])


# ---- sandbox control: the customer approves (§26.7 rule 5) -------------------------------------------------------

@routes.post("/_sandbox/gdap/{rel_id}/approve")
async def approve(request: web.Request) -> web.Response:
    """The customer's Global Administrator approves: approvalPending → active now, for the relationship's duration.
    Optional body `{"customerTenantId": ...}` names the approving customer when the relationship has none."""
    sandbox = sandbox_of(request)
    try:
        rel = _load(sandbox, request.match_info["rel_id"])
    except GraphFailure as failure:
        return graph_error(request, failure)
    if rel["status"] != "approvalPending":
        return graph_error(request, _invalid(f"Only a relationship awaiting approval can be approved "
                                             f"(it is {rel['status']})."))
    body = request.get("json") if isinstance(request.get("json"), dict) else {}
    if not rel.get("customer"):
        tenant = str(body.get("customerTenantId") or "").lower()
        known = sandbox.store.get("customer", tenant) if tenant else None
        if known is None:
            return graph_error(request, _invalid("Name the approving customer: customerTenantId of a customer."))
        rel["customer"] = {"tenantId": tenant,
                           "displayName": (known.get("companyProfile") or {}).get("companyName", "")}
    now = sandbox.now()
    rel.update(status="active", activatedDateTime=iso(now), lastModifiedDateTime=iso(now),
               endDateTime=iso(now + timedelta(days=duration_days(rel["duration"]) or 730)))
    rel["@odata.etag"] = new_etag()
    rel.pop("_lockedAt", None)
    save_relationship(sandbox, rel)
    return json_response(rel)


# ---- Partner Center calls that need a GDAP role (§26.6, §26.7 rule 9; knob `gdap_enforced`) ---------------------

_READERS = frozenset({"88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
                      "fe930be7-5e62-47db-91af-98c3a49a38b1", "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
                      "9360feb5-f418-4baa-8175-e2a00bac4301"})
_USER_WRITE = frozenset({"fe930be7-5e62-47db-91af-98c3a49a38b1", "9360feb5-f418-4baa-8175-e2a00bac4301"})
_LICENSE_WRITE = _USER_WRITE | {"4d6ac14f-3453-41d0-bef9-a3e0c569773a"}
_ROLE_READ = frozenset({"88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
                        "9360feb5-f418-4baa-8175-e2a00bac4301", "e8611ab8-c189-46e8-94e1-60213ab1f814"})
_ROLE_WRITE = frozenset({"e8611ab8-c189-46e8-94e1-60213ab1f814"})
_CID = r"^/v1/customers/(?P<cid>[^/]+)"
# (path pattern, roles for GET, roles for changes): the first match decides.
_NEEDS: tuple[tuple[re.Pattern[str], frozenset[str], frozenset[str]], ...] = (
    (re.compile(_CID + r"/directoryroles", re.I), _ROLE_READ, _ROLE_WRITE),
    (re.compile(_CID + r"/users/[^/]+/licenseupdates", re.I), _READERS, _LICENSE_WRITE),
    (re.compile(_CID + r"/users/[^/]+/licenses", re.I), _READERS, _LICENSE_WRITE),
    (re.compile(_CID + r"/subscribedskus", re.I), _READERS, _LICENSE_WRITE),
    (re.compile(_CID + r"/users", re.I), _READERS, _USER_WRITE),
)


def granted_roles(sandbox: Sandbox, customer_id: str) -> set[str]:
    """The roles of the customer's active relationships (every role assumed assigned to the acting user)."""
    roles: set[str] = set()
    for doc in sandbox.store.list(REL_KIND):
        rel = doc.body
        if str((rel.get("customer") or {}).get("tenantId") or "").lower() != customer_id.lower():
            continue
        if advance(sandbox, rel).get("status") in ("active", "expiring"):
            roles |= {r["roleDefinitionId"] for r in rel["accessDetails"]["unifiedRoles"]}
    return roles


@web.middleware
async def gdap_enforcement(request: web.Request, handler: Handler) -> web.StreamResponse:
    """With `gdap_enforced`, §6 calls on a customer without a GDAP role listed for them → 403 900150 (shape A)."""
    sandbox = sandbox_of(request)
    if getattr(sandbox.config, "gdap_enforced", False):
        for pattern, read_roles, write_roles in _NEEDS:
            match = pattern.match(request.path)
            if match:
                needed = read_roles if request.method == "GET" else write_roles
                if not needed & granted_roles(sandbox, match.group("cid")):
                    raise forbidden(900150, "The supplied role doesn't have the rights to perform the requested "
                                            "operation.")
                break
    return await handler(request)

"""Service requests and support topics (api.md §13; App+User only).

Service requests are partner-level documents (kind `service_request`, scope "") with k1 = status and
k2 = the customer tenant id they concern ("" when they concern the partner itself), so the partner-wide list,
the status filter and the per-customer list are all index lookups. Creating one for a customer uses the
emulator's optional body property `customerId` (the public API has no documented way to say it).
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from aiohttp import web

from sandbox.body import Body, enum_key, parse_enum
from sandbox.context import Sandbox, app_user_only, body_of, sandbox_of
from sandbox.envelope import collection, json_response, new_guid
from sandbox.errors import bad_request, invalid_input, not_found
from sandbox.filters import filter_body
from sandbox.paging import offset_page

routes = web.RouteTableDef()

SR_KIND = "service_request"
NEVER = "0001-01-01T00:00:00"  # lastClosedDate of a request that was never closed
SEVERITIES = ["unknown", "critical", "moderate", "minimal"]
STATUSES = ["none", "open", "closed", "attention_needed"]
PARTNER_NAME = "Sandbox CSP Partner"
PARTNER_PHONE = "4255550100"
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# (id, name, description, productName) — ids are integers on the wire, as in the documented example
SUPPORT_TOPICS: list[tuple[int, str, str, str]] = [
    (32444671, "Billing", "Questions about invoices, payments and credits.", "Partner Center"),
    (32444672, "Licensing and subscriptions", "Licence assignment, seat changes, renewals and cancellations.",
     "Microsoft 365"),
    (32444673, "Orders and purchasing", "Orders that fail, stay pending or need a refund.", "Partner Center"),
    (32444674, "Customer account management", "Customer tenants, relationships and admin access (GDAP).",
     "Partner Center"),
    (32444675, "Microsoft 365 service issue", "Exchange, SharePoint, Teams or OneDrive not working as expected.",
     "Microsoft 365"),
    (32444676, "Azure subscription management", "Azure plan, entitlements, quotas and consumption.", "Azure"),
    (32444677, "Partner Center API", "Errors or unexpected behaviour of the Partner Center REST API.",
     "Partner Center API"),
    (32444678, "Domains and DNS", "Adding, verifying or removing domains.", "Microsoft 365"),
    (32444679, "Security incident", "Compromised accounts, suspicious sign-ins or data exposure.",
     "Microsoft 365"),
]
TOPICS_BY_ID = {str(t[0]): t for t in SUPPORT_TOPICS}


def render_topic(topic: tuple[int, str, str, str]) -> dict[str, Any]:
    return {"name": topic[1], "description": topic[2], "id": topic[0],
            "attributes": {"objectType": "SupportTopic"}}


def partner_organization(sandbox_or_tenant: Sandbox | str) -> dict[str, Any]:
    tenant = sandbox_or_tenant if isinstance(sandbox_or_tenant, str) else \
        sandbox_or_tenant.config.partner_tenant_id
    return {"id": tenant, "name": PARTNER_NAME, "phoneNumber": PARTNER_PHONE}


def render_sr(sr: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sr.items() if not k.startswith("_")}


def new_sr_id(rng: random.Random) -> str:
    """Numeric 15-digit ids, like the documented examples (e.g. 616122292874576)."""
    return str(rng.randrange(10**14, 10**15))


def save_sr(sandbox: Sandbox, sr: dict[str, Any]) -> None:
    sandbox.store.put(SR_KIND, sr["id"], sr, "", k1=sr["status"], k2=sr.get("_customerId") or "")


def _caller_contact(request: web.Request) -> dict[str, Any]:
    identity = request.get("identity")
    upn = getattr(identity, "upn", "") or "admin@sandboxpartner.onmicrosoft.com"
    local = upn.split("@", 1)[0]
    return {"organization": partner_organization(sandbox_of(request)), "contactId": local,
            "firstName": local.capitalize(), "lastName": "", "email": upn, "phoneNumber": PARTNER_PHONE}


def _load_sr(request: web.Request, sr_id: str, customer_id: str | None = None) -> dict[str, Any]:
    sr = sandbox_of(request).store.get(SR_KIND, sr_id.strip())
    if sr is None or (customer_id is not None and (sr.get("_customerId") or "") != customer_id):
        raise not_found(1000, f"Service request {sr_id} was not found.")
    return sr


def _status_filter(request: web.Request) -> str | None:
    """`filter` = {"Field":"Status","Value":"open","Operator":"equals"}; a bare `status=` query works too."""
    raw = request.query.get("filter")
    if raw is None or raw.strip() == "":
        plain = request.query.get("status")
        return parse_enum(plain, STATUSES, "status") if plain else None
    f = filter_body(raw)
    field, op = f.get("Field"), f.get("Operator")
    if not isinstance(field, str) or enum_key(field) != "status":
        raise invalid_input(f"The filter field '{field}' is not supported for service requests.")
    if not isinstance(op, str) or enum_key(op) != "equals":
        raise invalid_input(f"The filter operator '{op}' is not supported for service requests.")
    return parse_enum(f.get("Value"), STATUSES, "filter.Value")


def _list(request: web.Request, customer_id: str | None, base_uri: str) -> web.Response:
    sandbox = sandbox_of(request)
    status = _status_filter(request)
    if customer_id is None:
        docs = sandbox.store.list(SR_KIND, "", k1_prefix=status)
    else:
        docs = sandbox.store.list(SR_KIND, "", k2_prefix=customer_id)
        docs = [d for d in docs if d.body.get("_customerId") == customer_id
                and (status is None or d.body["status"] == status)]
    bodies = [d.body for d in docs if status is None or d.body["status"] == status]
    bodies.sort(key=lambda b: (b["createdDate"], b["id"]), reverse=True)
    extra = {k: request.query[k] for k in ("filter", "status") if request.query.get(k)}
    return json_response(offset_page(request, [render_sr(b) for b in bodies], base_uri=base_uri,
                                     default_size=100, max_size=1000, extra_query=extra or None))


@routes.get("/v1/servicerequests")
@app_user_only
async def list_partner_srs(request: web.Request) -> web.Response:
    return _list(request, None, "/servicerequests")


@routes.get("/v1/customers/{customer_id}/servicerequests")
@app_user_only
async def list_customer_srs(request: web.Request) -> web.Response:
    cid = request.match_info["customer_id"].lower()
    sandbox_of(request).customer(cid)
    return _list(request, cid, f"/customers/{cid}/servicerequests")


@routes.get("/v1/servicerequests/supporttopics")
@app_user_only
async def list_topics(request: web.Request) -> web.Response:
    items = [render_topic(t) for t in SUPPORT_TOPICS]
    return json_response(collection(items, "/servicerequests/supporttopics"))


@routes.get("/v1/servicerequests/{sr_id}")
@app_user_only
async def get_sr(request: web.Request) -> web.Response:
    return json_response(render_sr(_load_sr(request, request.match_info["sr_id"])))


@routes.get("/v1/customers/{customer_id}/servicerequests/{sr_id}")
@app_user_only
async def get_customer_sr(request: web.Request) -> web.Response:
    cid = request.match_info["customer_id"].lower()
    sandbox_of(request).customer(cid)
    return json_response(render_sr(_load_sr(request, request.match_info["sr_id"], cid)))


# The signed-in partner user files the request when the body names no contact (api.md §13: only title,
# description, severity and supportTopicId are required).
DEFAULT_CONTACT = {"firstName": "Partner", "lastName": "Admin", "email": "admin@partnersandbox.onmicrosoft.com",
                   "phoneNumber": "4255550100"}


def _contact(body: Body, sandbox: Sandbox) -> dict[str, Any]:
    if body.get("primaryContact") is None:
        return {"organization": partner_organization(sandbox), "contactId": new_guid(), **DEFAULT_CONTACT}
    c = body.obj("primaryContact", required=True)
    first = c.str("firstName", required=True, max_len=50)
    last = c.str("lastName", required=True, max_len=50)
    email = c.str("email", required=True, max_len=256)
    if not _EMAIL.match(email or ""):
        raise bad_request(3000, f"The primary contact email '{email}' is not a valid email address.")
    phone = c.str("phoneNumber", max_len=40)
    return {"organization": partner_organization(sandbox), "contactId": c.str("contactId") or new_guid(),
            "lastName": last, "firstName": first, "email": email, "phoneNumber": phone}


@routes.post("/v1/servicerequests/{agent_locale}")
@app_user_only
async def create_sr(request: web.Request) -> web.Response:
    """Create a service request; `agentLocale` is the language support should answer in."""
    sandbox = sandbox_of(request)
    locale = request.match_info["agent_locale"]
    if not _LOCALE.match(locale):
        raise invalid_input(f"The agent locale '{locale}' is not a valid culture name (e.g. en-US).")
    body = body_of(request)
    title = body.str("title", required=True, max_len=256).strip()
    description = body.str("description", required=True, max_len=20000).strip()
    if not title or not description:
        raise invalid_input("The properties 'title' and 'description' must not be blank.")
    severity = body.enum("severity", SEVERITIES, required=True)
    if severity == "unknown":
        raise bad_request(3000, "The severity must be critical, moderate or minimal.")
    topic_raw = body.get("supportTopicId")
    if topic_raw is None or str(topic_raw).strip() == "":
        raise invalid_input("The property 'supportTopicId' is required.")
    topic = TOPICS_BY_ID.get(str(topic_raw).strip())
    if topic is None:
        raise bad_request(3000, f"The support topic '{topic_raw}' does not exist.")
    contact = _contact(body, sandbox)
    customer_id = ""
    customer_name = ""
    if body.get("customerId"):
        customer_id = str(body.get("customerId")).lower()
        customer = sandbox.customer(customer_id)
        customer_name = str(customer.get("companyProfile", {}).get("companyName", ""))
    country = (body.str("countryCode") or (locale.split("-")[1] if "-" in locale else "US")).upper()[:2]
    now = sandbox.now_iso()
    store = sandbox.store
    sr_id = new_sr_id(random.SystemRandom())
    while store.get(SR_KIND, sr_id) is not None:
        sr_id = new_sr_id(random.SystemRandom())
    sr = {
        "title": title, "description": description, "severity": severity, "supportTopicId": str(topic[0]),
        "supportTopicName": topic[1], "id": sr_id, "status": "open",
        "organization": partner_organization(sandbox), "primaryContact": contact,
        "lastUpdatedBy": contact, "productName": topic[3], "productId": str(topic[0]),
        "createdDate": now, "lastModifiedDate": now, "lastClosedDate": NEVER, "fileLinks": [], "notes": [],
        "countryCode": country, "attributes": {"objectType": "ServiceRequest"},
        "_customerId": customer_id, "_agentLocale": locale,
    }
    with store.transaction():
        save_sr(sandbox, sr)
        sandbox.audit(request, resource_type="service_request", operation_type="create_service_request",
                      customer_id=customer_id, customer_name=customer_name, new=render_sr(sr),
                      customized={"serviceRequestId": sr_id, "agentLocale": locale})
    return json_response(render_sr(sr), status=201)


_UPDATABLE = {"newnote", "status", "severity"}


async def _update(request: web.Request, customer_id: str | None) -> web.Response:
    """Add a note (`newNote.text`), close/reopen (`status`) or change severity; other properties must be
    unchanged (so sending back the whole resource, as some clients do, works)."""
    sandbox = sandbox_of(request)
    if customer_id is not None:
        sandbox.customer(customer_id)
    sr = _load_sr(request, request.match_info["sr_id"], customer_id)
    body = body_of(request)
    for key, value in body.raw.items():
        folded = key.replace("_", "").lower()
        if folded in _UPDATABLE or folded in {"attributes", "links", "notes", "lastmodifieddate",
                                              "lastupdatedby", "lastcloseddate"}:
            continue
        current = next((v for k, v in sr.items() if k.lower() == folded), None)
        if value != current:
            raise bad_request(3000, f"The property '{key}' of a service request cannot be changed.")
    new = json.loads(json.dumps(sr))
    now = sandbox.now_iso()
    changes: list[str] = []
    status = body.enum("status", STATUSES)
    if status is not None and status != sr["status"]:
        if status not in {"open", "closed"}:
            raise bad_request(3000, f"A service request cannot be set to '{status}'; use open or closed.")
        new["status"] = status
        if status == "closed":
            new["lastClosedDate"] = now
        changes.append(f"status:{status}")
    severity = body.enum("severity", SEVERITIES)
    if severity is not None and severity != sr["severity"]:
        if severity == "unknown":
            raise bad_request(3000, "The severity must be critical, moderate or minimal.")
        new["severity"] = severity
        changes.append(f"severity:{severity}")
    if body.has("newNote") and body.get("newNote") is not None:
        note = body.obj("newNote")
        text = (note.str("text", required=True, max_len=20000) or "").strip()
        if not text:
            raise invalid_input("The property 'newNote.text' must not be blank.")
        if new["status"] == "closed":
            raise bad_request(3000, "Notes cannot be added to a closed service request; reopen it first.")
        contact = _caller_contact(request)
        who = f"{contact['firstName']} {contact['lastName']}".strip()
        new["notes"] = list(new.get("notes") or []) + [{"createdByName": who, "createdDate": now, "text": text}]
        changes.append("note")
    if not changes:
        raise invalid_input("The request does not change the service request (send newNote, status or severity).")
    new["lastModifiedDate"] = now
    new["lastUpdatedBy"] = _caller_contact(request)
    customer_name = ""
    if new.get("_customerId"):
        customer = sandbox.store.get("customer", new["_customerId"]) or {}
        customer_name = str(customer.get("companyProfile", {}).get("companyName", ""))
    with sandbox.store.transaction():
        save_sr(sandbox, new)
        sandbox.audit(request, resource_type="service_request", operation_type="update_service_request",
                      customer_id=new.get("_customerId") or "", customer_name=customer_name,
                      old=render_sr(sr), new=render_sr(new),
                      customized={"serviceRequestId": sr["id"], "changes": ",".join(changes)})
    return json_response(render_sr(new))


@routes.patch("/v1/servicerequests/{sr_id}")
@app_user_only
async def update_sr(request: web.Request) -> web.Response:
    return await _update(request, None)


@routes.patch("/v1/customers/{customer_id}/servicerequests/{sr_id}")
@app_user_only
async def update_customer_sr(request: web.Request) -> web.Response:
    return await _update(request, request.match_info["customer_id"].lower())

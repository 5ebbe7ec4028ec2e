"""Routes that answer later, built on `sandbox.operations`, and its test controls.

- S8  POST /v1/customers/{cid}/subscriptions/{sid}/registrations -> 202 + Location (api.md §7.1, §20 item 35)
- S9  GET  /v1/customers/{cid}/subscriptions/{sid}/registrationstatus -> registering (+ Retry-After) | registered
- B12 GET  /v1/customers/{cid}/subscriptions/{sid}/utilizations/azure -> 204 + Retry-After until ready, then the
  records (api.md §12.1, §20 item 37). The seed has Azure plan subscriptions only, so the sandbox serves usage
  for those (the real service answers B12 for legacy Azure subscriptions).
- /_sandbox/operations: GET lists operations; POST sets pollsUntilDone, delaySeconds, retryAfterSeconds, outcome
  for operations started afterwards; POST /_sandbox/operations/{id} {"complete": true} | {"fail": "text"}.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from sandbox import operations
from sandbox.context import sandbox_of
from sandbox.envelope import collection, empty_response, iso, json_response
from sandbox.errors import invalid_input, not_found
from sandbox.purchase import settled_customer
from sandbox.routes.admin import _body, _guard
from sandbox.routes.subscriptions import load_subscription

routes = web.RouteTableDef()

MAX_USAGE_DAYS = 92


def _azure(sub: dict[str, Any]) -> bool:
    return (sub.get("productType") or {}).get("id") == "Azure" or bool(sub.get("entitlementId"))


# ----------------------------------------------------------------------------------------- registration (S8)


@routes.post("/v1/customers/{customer_id}/subscriptions/{subscription_id}/registrations")
async def register(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    sub = load_subscription(sb, customer["id"], request.match_info["subscription_id"])
    if not _azure(sub):
        raise invalid_input("Only Azure subscriptions can be registered for reserved instance purchases.")
    cid, sid = customer["id"], sub["id"]
    with sb.store.transaction():
        current = operations.get(sb, "registration", f"{cid}/{sid}")
        if current is None or current["status"] == "failed":
            operations.start(sb, "registration", f"{cid}/{sid}", restart=True)
            sb.audit(request, resource_type="subscription", operation_type="register_subscription",
                     customer_id=cid, customer_name=customer["companyProfile"]["companyName"])
    return empty_response(202, {"Location": f"/customers/{cid}/subscriptions/{sid}/registrationstatus"})


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}/registrationstatus")
async def registration_status(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    sub = load_subscription(sb, customer["id"], request.match_info["subscription_id"])
    polled = operations.poll(sb, "registration", f"{customer['id']}/{sub['id']}")
    if polled is None:
        return json_response({"subscriptionId": sub["id"], "status": "notRegistered"})
    if polled.running:
        return json_response({"subscriptionId": sub["id"], "status": "registering"},
                             headers=operations.retry_after_header(polled))
    if polled.status == "failed":
        return json_response({"subscriptionId": sub["id"], "status": "failed", "error": polled.error})
    return json_response({"subscriptionId": sub["id"], "status": "registered"})


# ----------------------------------------------------------------------------------------- utilization (B12)


def _when(request: web.Request, name: str) -> datetime:
    raw = request.query.get(name)
    if not raw:
        raise invalid_input(f"The query parameter '{name}' is required.")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_input(f"'{name}' must be an ISO 8601 date-time.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _records(sb: Any, sub: dict[str, Any], start: datetime, end: datetime, granularity: str) -> list[dict[str, Any]]:
    """The plan's daily (or hourly) meter quantities from sandbox.money_data, which also bills them on the
    invoices (so utilization adds up to the billed consumption lines); first 1000 records."""
    from sandbox.routes.money import utilization_rows

    return utilization_rows(sb, sub, start, end, granularity)[:1000]


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}/utilizations/azure")
async def azure_utilization(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    sub = load_subscription(sb, customer["id"], request.match_info["subscription_id"])
    if not _azure(sub):
        raise invalid_input("Azure utilization is only available for Azure subscriptions.")
    start, end = _when(request, "start_time"), _when(request, "end_time")
    if end <= start:
        raise invalid_input("'end_time' must be after 'start_time'.")
    if end - start > timedelta(days=MAX_USAGE_DAYS):
        raise invalid_input(f"The period may span at most {MAX_USAGE_DAYS} days.")
    granularity = request.query.get("granularity", "daily").lower()
    if granularity not in ("daily", "hourly"):
        raise invalid_input("'granularity' must be 'daily' or 'hourly'.")
    key = f"{customer['id']}/{sub['id']}/{iso(start)}/{iso(end)}/{granularity}"
    with sb.store.transaction():
        if operations.get(sb, "utilization", key) is None:
            operations.start(sb, "utilization", key)
        polled = operations.poll(sb, "utilization", key)
    assert polled is not None
    if polled.running:
        return empty_response(204, operations.retry_after_header(polled))
    if polled.status == "failed":
        raise not_found(20003, polled.error or "Usage data is not available.")
    items = _records(sb, sub, start, end, granularity)
    return json_response(collection(items, with_links=False))


# ----------------------------------------------------------------------------------------- test controls


@routes.get("/_sandbox/operations")
async def list_operations(request: web.Request) -> web.Response:
    _guard(request)
    sb = sandbox_of(request)
    return web.json_response({"settings": operations.settings(sb).to_wire(), "items": operations.listing(sb)})


_FIELDS = {"pollsuntildone": ("polls_until_done", int), "delayseconds": ("delay_seconds", float),
           "retryafterseconds": ("retry_after_seconds", int), "outcome": ("outcome", str)}


@routes.post("/_sandbox/operations")
async def set_operations(request: web.Request) -> web.Response:
    _guard(request)
    sb, body = sandbox_of(request), _body(request)
    conf = operations.settings(sb)
    for name, value in body.raw.items():
        field = _FIELDS.get(name.lower())
        if field is None:
            raise invalid_input(f"Unknown operation setting '{name}'.")
        attr, kind = field
        if kind is str:
            if value not in ("succeeded", "failed"):
                raise invalid_input("'outcome' must be 'succeeded' or 'failed'.")
        elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value > 86400:
            raise invalid_input(f"'{name}' must be a number from 0 to 86400.")
        setattr(conf, attr, kind(value))
    operations.save_settings(sb, conf)
    return web.json_response(conf.to_wire())


@routes.post("/_sandbox/operations/{op_id}")
async def finish_operation(request: web.Request) -> web.Response:
    _guard(request)
    sb, body = sandbox_of(request), _body(request)
    fail = body.get("fail")
    if fail is not None and (not isinstance(fail, str) or not fail.strip()):
        raise invalid_input("'fail' must be a non-empty message.")
    if fail is None and body.get("complete") is not True:
        raise invalid_input("Send {\"complete\": true} or {\"fail\": \"message\"}.")
    doc = operations.finish(sb, request.match_info["op_id"], error=fail)
    if doc is None:
        raise not_found(1000, "No such operation.")
    return web.json_response({k: doc[k] for k in ("id", "kind", "key", "status", "polls")})

"""Orders (api.md §8): create (direct), list (optionally by billing cycle), get, provisioning status, and the
sandbox cancel via PATCH.

Codes: unknown order 404 20000; invalid offer 400 800004; sandbox caps 400 800018; cancel: only software
orders within 60 days (others 400 800063 'update the subscription instead'; already cancelled or too old
400 800061). Orders stay `pending` for `provisioning_delay_s`, then `completed` with subscription ids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from sandbox import catalog_data as cat
from sandbox.body import Body, enum_key
from sandbox.context import Sandbox, app_user_only, body_of
from sandbox.envelope import collection, json_response, parse_iso
from sandbox.errors import ApiError, bad_request, invalid_input, not_found, sandbox_limit
from sandbox.purchase import BILLING_CYCLES, parse_cycle, parse_line, place_orders, settled_customer, validate_lines

routes = web.RouteTableDef()

CANCEL_WINDOW = timedelta(days=60)


def load_order(sb: Sandbox, cid: str, order_id: str) -> dict[str, Any]:
    order = sb.store.get("order", order_id, cid) or sb.store.get("order", order_id.lower(), cid)
    if order is None:
        raise not_found(20000, f"Order {order_id} was not found.")
    return order


@routes.get("/v1/customers/{customer_id}/orders")
async def list_orders(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    cid = customer["id"]
    orders = [d.body for d in sb.store.list("order", cid)]
    billing_type = request.query.get("billingType") or request.query.get("billing_type")
    if billing_type:
        wanted = parse_cycle(billing_type, "billingType")
        orders = [o for o in orders if enum_key(o.get("billingCycle", "")) == enum_key(wanted)]
    return json_response(collection(orders, f"/customers/{cid}/orders"))


@routes.get("/v1/customers/{customer_id}/orders/{order_id}")
async def get_order(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    return json_response(load_order(sb, customer["id"], request.match_info["order_id"]))


@routes.get("/v1/customers/{customer_id}/orders/{order_id}/provisioningstatus")
@app_user_only
async def order_provisioning_status(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    order = load_order(sb, customer["id"], request.match_info["order_id"])
    done = order["status"] in {"completed", "cancelled"}
    items = [{"lineItemNumber": li["lineItemNumber"], "status": "fulfilled" if done else "prefulfillmentPending",
              "quantityProvisioningInformation": [{"quantity": li["quantity"],
                                                   "status": "fulfilled" if done else "unfulfilled"}],
              "attributes": {"objectType": "OrderLineItemProvisioningStatus"}}
             for li in order["lineItems"]]
    return json_response(collection(items, with_links=False))


@routes.post("/v1/customers/{customer_id}/orders")
async def create_order(request: web.Request) -> web.Response:
    """Direct order (no cart): same validation as a cart, but one order and errors are raised as 400s."""
    sb, customer = settled_customer(request)
    cid = customer["id"]
    body = body_of(request)
    cycle = body.enum("billingCycle", BILLING_CYCLES, default=None)
    raw_lines = body.list("lineItems", required=True)
    if not raw_lines:
        raise invalid_input("An order needs at least one line item.")
    parsed = []
    for i, raw in enumerate(raw_lines):
        if not isinstance(raw, Body):
            raise invalid_input(f"'lineItems[{i}]' must be an object.")
        number = raw.int("lineItemNumber", default=i, minimum=0)
        offer = raw.get("offerId", "catalogItemId")
        fields = {"id": number, "catalogItemId": offer, "quantity": raw.get("quantity"),
                  "friendlyName": raw.get("friendlyName"), "termDuration": raw.get("termDuration"),
                  "billingCycle": raw.get("billingCycle") or cycle,
                  "provisioningContext": raw.get("provisioningContext")}
        line = parse_line(Body({k: (v.raw if isinstance(v, Body) else v) for k, v in fields.items()
                                if v is not None}), i)
        parent = raw.str("parentSubscriptionId", max_len=64)
        if parent:
            line["provisioningContext"]["parentSubscriptionId"] = parent
        parsed.append(line)
    lines = validate_lines(sb, cid, parsed)
    for line in lines:
        error = line.get("error")
        if error is None:
            continue
        if error["errorCode"] == "catalog_item_id_is_not_valid":
            raise bad_request(800004, f"Invalid offer ID {line['catalogItemId']}.")
        if error["errorCode"] == "sandbox_limit_exceeded":
            raise sandbox_limit()
        raise ApiError(400, 800009, error["errorDescription"], data=[error["errorCode"]])
    for line in lines:
        line["orderGroup"] = "0"
    with sb.store.transaction():
        orders, errors = place_orders(sb, request, customer, lines)
        if errors:
            raise sandbox_limit()
    return json_response(orders[0], status=201)


@routes.patch("/v1/customers/{customer_id}/orders/{order_id}")
async def update_order(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    cid = customer["id"]
    order = load_order(sb, cid, request.match_info["order_id"])
    body = body_of(request)
    status = body.enum("status", ["cancelled", "completed", "pending"], default=None)
    if status != "cancelled":
        raise invalid_input("The sandbox supports only cancelling an order (status: cancelled) through PATCH.")
    if order["status"] == "cancelled":
        raise bad_request(800061, f"Order {order['id']} can't be cancelled: it is already cancelled.")
    product_type = order.get("_productType") or _product_type(order)
    if product_type != "Software":
        raise bad_request(800063, f"Order {order['id']} can't be cancelled. Update the subscription (PATCH "
                                  "status) to suspend or cancel it instead.")
    if sb.now() - parse_iso(order["creationDate"]) > CANCEL_WINDOW:
        raise bad_request(800061, f"Order {order['id']} can't be cancelled: sandbox orders older than 60 days "
                                  "cannot be cancelled.")
    old = dict(order)
    order["status"] = "cancelled"
    with sb.store.transaction():
        sb.store.put("order", order["id"], order, cid, "cancelled")
        sb.audit(request, resource_type="order", operation_type="update_order", customer_id=cid,
                 customer_name=customer["companyProfile"]["companyName"], old=old, new=order,
                 customized={"orderId": order["id"], "status": "cancelled"})
    return json_response(order)


def _product_type(order: dict[str, Any]) -> str:
    for line in order["lineItems"]:
        item = cat.by_offer_id(line.get("offerId", ""))
        if item is not None:
            return item.product_type
    return ""

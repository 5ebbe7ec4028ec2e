"""Carts (api.md §9): create, get, update (PUT, 201 like the docs' example), checkout.

Checkout splits lines by orderGroup into orders; repeat checkout of an ordered cart returns the stored
CartCheckoutResult (or 400 800065 when `repeat_checkout_error` is configured); a checkout already running for
the same cart -> 409 800064; lines with errors or an expired cart -> 400 800009; unknown cart 404 800008;
a group that would exceed the sandbox's 5 subscriptions per customer -> orderErrors[] code 800018.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from aiohttp import web

from sandbox.context import Sandbox, body_of, sandbox_of
from sandbox.envelope import iso, json_response, link, new_guid, parse_iso
from sandbox.errors import ApiError, bad_request, conflict, invalid_input, not_found
from sandbox.purchase import parse_line, place_orders, settle, validate_lines

routes = web.RouteTableDef()

CART_LIFETIME = timedelta(days=7)
MAX_LINES = 50


def _who(request: web.Request) -> str:
    identity = request.get("identity")
    return (identity.upn or identity.app_id) if identity else ""


def _parse_lines(request: web.Request) -> list[dict[str, Any]]:
    body = body_of(request)
    raw_lines = body.list("lineItems", required=True)
    if not raw_lines:
        raise invalid_input("A cart needs at least one line item.")
    if len(raw_lines) > MAX_LINES:
        raise invalid_input(f"A cart can hold at most {MAX_LINES} line items.")
    return [parse_line(raw, i) for i, raw in enumerate(raw_lines)]


def _load_cart(sb: Sandbox, cid: str, cart_id: str) -> dict[str, Any]:
    cart = sb.store.get("cart", cart_id.lower(), cid)
    if cart is None:
        raise not_found(800008, f"Unable to retrieve cart {cart_id}.")
    return cart


@routes.post("/v1/customers/{customer_id}/carts")
async def create_cart(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    cid = customer["id"]
    lines = validate_lines(sb, cid, _parse_lines(request))
    now = sb.now()
    cart_id = new_guid()
    cart = {
        "id": cart_id, "creationTimestamp": iso(now), "lastModifiedTimestamp": iso(now),
        "expirationTimestamp": iso(now + CART_LIFETIME), "lastModifiedUser": _who(request),
        "lineItems": lines, "status": "Active", "partnerOnRecordAttestationAccepted": True,
        "links": {"self": link(f"/customers/{cid}/carts/{cart_id}")}, "attributes": {"objectType": "Cart"},
    }
    with sb.store.transaction():
        sb.store.put("cart", cart_id, cart, cid)
    return json_response(cart, status=201)


@routes.get("/v1/customers/{customer_id}/carts/{cart_id}")
async def get_cart(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    return json_response(_load_cart(sb, customer["id"], request.match_info["cart_id"]))


@routes.put("/v1/customers/{customer_id}/carts/{cart_id}")
async def update_cart(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    cid = customer["id"]
    cart = _load_cart(sb, cid, request.match_info["cart_id"])
    if cart["status"] != "Active":
        raise bad_request(800065, f"Cannot update the already submitted cart {cart['id']}.")
    lines = validate_lines(sb, cid, _parse_lines(request))
    cart.update({"lineItems": lines, "lastModifiedTimestamp": sb.now_iso(), "lastModifiedUser": _who(request)})
    with sb.store.transaction():
        sb.store.put("cart", cart["id"], cart, cid)
    return json_response(cart, status=201)


@routes.post("/v1/customers/{customer_id}/carts/{cart_id}/checkout")
async def checkout(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    cid = customer["id"]
    cart = _load_cart(sb, cid, request.match_info["cart_id"])
    key = f"{cid}/{cart['id']}"
    if key in sb.busy_carts:
        raise conflict(800064, f"Cart {cart['id']} is being processed by another request.")
    if cart["status"] == "Ordered":
        if sb.config.repeat_checkout_error:
            raise bad_request(800065, f"Cannot check out the already submitted cart {cart['id']}.")
        settle(sb, cid)
        return json_response(_stored_result(sb, cid, cart), status=201)
    if sb.now() > parse_iso(cart["expirationTimestamp"]):
        raise bad_request(800009, f"Cart {cart['id']} has expired; create a new cart.")
    bad = [str(line["id"]) for line in _all_lines(cart) if line.get("error")]
    if bad:
        raise ApiError(400, 800009, "There is an error in the cart item(s).", data=[f"lineItem {i}" for i in bad])
    sb.busy_carts.add(key)
    try:
        if sb.config.checkout_delay_ms > 0:
            await asyncio.sleep(sb.config.checkout_delay_ms / 1000)
        cart = _load_cart(sb, cid, cart["id"])  # state may have changed while we waited
        if cart["status"] == "Ordered":
            return json_response(_stored_result(sb, cid, cart), status=201)
        lines = validate_lines(sb, cid, [_unvalidated(line) for line in cart["lineItems"]])
        bad = [str(line["id"]) for line in _all_lines({"lineItems": lines}) if line.get("error")]
        if bad:
            raise ApiError(400, 800009, "There is an error in the cart item(s).",
                           data=[f"lineItem {i}" for i in bad])
        with sb.store.transaction():
            orders, errors = place_orders(sb, request, customer, lines)
            result = {"orders": orders, "orderErrors": errors, "attributes": {"objectType": "CartCheckoutResult"}}
            if orders:
                cart.update({"status": "Ordered", "lastModifiedTimestamp": sb.now_iso(),
                             "_orderIds": [o["id"] for o in orders], "_orderErrors": errors})
                sb.store.put("cart", cart["id"], cart, cid)
    finally:
        sb.busy_carts.discard(key)
    return json_response(result, status=201)


def _all_lines(cart: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for line in cart["lineItems"]:
        out.append(line)
        out.extend(line.get("addonItems", []))
    return out


def _unvalidated(line: dict[str, Any]) -> dict[str, Any]:
    """A stored (validated) line back in parse_line's shape, for re-validation at checkout."""
    keys = ("id", "catalogItemId", "friendlyName", "quantity", "billingCycle", "termDuration",
            "provisioningContext", "participants", "promotionId")
    raw = {k: line.get(k) for k in keys}
    raw["provisioningContext"] = raw["provisioningContext"] or {}
    raw["participants"] = raw["participants"] or []
    raw["addonItems"] = [_unvalidated(a) for a in line.get("addonItems", [])]
    return raw


def _stored_result(sb: Sandbox, cid: str, cart: dict[str, Any]) -> dict[str, Any]:
    orders = [sb.store.get("order", oid, cid) for oid in cart.get("_orderIds", [])]
    return {"orders": [o for o in orders if o is not None], "orderErrors": cart.get("_orderErrors", []),
            "attributes": {"objectType": "CartCheckoutResult"}}

"""Buying: cart-line validation, order placement (one order per order group) and provisioning.

Orders start `pending`; subscriptions are created when provisioning completes (`settle()`), after
`config.provisioning_delay_s` (0 = at once). Reads of orders/subscriptions call `settle()` first, so the
transition is deterministic and needs no background task.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from sandbox import catalog_data as cat
from sandbox.body import Body, as_int, parse_enum
from sandbox.commerce import expose_subscription_ids, new_order_id, order_doc, order_line, parent_ok, subscription_doc
from sandbox.context import Sandbox, sandbox_of
from sandbox.envelope import iso, new_guid, parse_iso
from sandbox.errors import ApiError, invalid_input

BILLING_CYCLES = ["unknown", "monthly", "annual", "none", "one_time", "triennial", "biennial"]

# CartErrorCode (api.md §9.2): wire name -> numeric value
CART_ERRORS = {"catalog_item_id_is_not_valid": 10001, "subscription_is_not_valid": 10007,
               "sandbox_limit_exceeded": 10009, "invalid_input": 10010, "billing_plan_not_supported": 10013,
               "legacy_offer_not_eligible_for_purchase": 500600}


def line_error(code: str, description: str, **info: Any) -> dict[str, Any]:
    return {"errorCode": code, "errorDescription": description, "additionalInformation": info}


def parse_line(raw: Any, index: int, what: str = "lineItems") -> dict[str, Any]:
    """Structural validation of one cart line (types); semantic problems become line errors later."""
    if not isinstance(raw, Body):
        raise invalid_input(f"'{what}[{index}]' must be an object.")
    line_id = raw.int("id", default=index, minimum=0)
    catalog_item_id = raw.get("catalogItemId", "catalogId")
    if not isinstance(catalog_item_id, str) or not catalog_item_id.strip():
        raise invalid_input(f"'{what}[{index}].catalogItemId' is required.")
    quantity = raw.int("quantity", required=True)
    cycle = raw.enum("billingCycle", BILLING_CYCLES)
    term = raw.str("termDuration", max_len=10)
    context = raw.obj("provisioningContext").raw
    if not all(isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in context.items()):
        raise invalid_input(f"'{what}[{index}].provisioningContext' must map strings to strings.")
    addons = [parse_line(a, i, f"{what}[{index}].addonItems") for i, a in enumerate(raw.list("addonItems"))]
    return {
        "id": line_id, "catalogItemId": catalog_item_id.strip(),
        "friendlyName": raw.str("friendlyName", max_len=128), "quantity": quantity,
        "billingCycle": cycle, "termDuration": term.upper() if term else term,
        "provisioningContext": {k: str(v) for k, v in context.items()},
        "participants": raw.list("participants"), "promotionId": raw.str("promotionId", max_len=64),
        "addonItems": addons,
    }


def _group_key(item: cat.CatalogItem | None) -> str:
    if item is None:
        return "invalid"
    return {"Azure": "azure", "Software": "software"}.get(item.product_type, "license")


def validate_lines(sb: Sandbox, customer_id: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill currency/pricing/orderGroup and attach `error` to invalid lines (api.md §9.2, §20.27)."""
    ids = [line["id"] for line in lines]
    if sorted(ids) != list(range(len(lines))):
        raise ApiError(400, 800071, f"Line item ids must be unique and between 0 and {len(lines) - 1}.")
    groups: dict[str, str] = {}
    items = [cat.by_offer_id(line["catalogItemId"]) for line in lines]
    out = []
    for line, item in zip(lines, items, strict=True):
        siblings = [i for i in items if i is not None and i is not item]
        out.append(_validate_line(sb, customer_id, line, item, siblings, parent=None))
    for line, item in zip(out, items, strict=True):
        key = _group_key(item)
        line["orderGroup"] = groups.setdefault(key, str(len(groups)))
    return out


def _validate_line(sb: Sandbox, customer_id: str, line: dict[str, Any], item: cat.CatalogItem | None,
                   siblings: list[cat.CatalogItem], parent: cat.CatalogItem | None) -> dict[str, Any]:
    line = dict(line)
    line.pop("error", None)
    line["currencyCode"] = "USD"
    addons = line.pop("addonItems", [])
    if item is None:
        line["error"] = line_error("catalog_item_id_is_not_valid",
                                   f"The catalog item id {line['catalogItemId']} is not valid.")
        return {k: v for k, v in line.items() if v is not None and v != []}
    line["catalogItemId"] = item.legacy_offer_id or item.catalog_item_id
    if line["billingCycle"] is None:
        line["billingCycle"] = item.terms[0][1]
    if line["termDuration"] is None:
        line["termDuration"] = next((t for t, c in item.terms if c == line["billingCycle"]), item.terms[0][0])
    if not (item.min_qty <= line["quantity"] <= item.max_qty):
        raise ApiError(400, 900275, f"Requested quantity for line item {line['id']} is not within allowed quantity "
                                    f"({item.min_qty}-{item.max_qty}).")
    price = item.unit_price(line["termDuration"], line["billingCycle"])
    line["pricing"] = {"listPrice": price, "discountedPrice": price, "proratedPrice": price, "price": price,
                       "extendedPrice": round(price * line["quantity"], 2)}
    if item.is_legacy:
        line["error"] = line_error("legacy_offer_not_eligible_for_purchase",
                                   "Legacy licence-based offers can no longer be purchased; use the new-commerce "
                                   "catalog item.")
    elif (line["termDuration"] or "", line["billingCycle"]) not in item.terms:
        line["error"] = line_error("billing_plan_not_supported",
                                   f"Term {line['termDuration']} with billing cycle {line['billingCycle']} is not "
                                   f"available for {item.display_title}.")
    elif line["quantity"] > sb.config.max_licenses_per_subscription:
        line["error"] = line_error("sandbox_limit_exceeded", "The sandbox limit has been met.",
                                   maxQuantity=sb.config.max_licenses_per_subscription)
    elif item.is_addon and (problem := _addon_problem(sb, customer_id, line, item, siblings, parent)):
        line["error"] = line_error("subscription_is_not_valid", problem)
    if addons:
        line["addonItems"] = [_validate_line(sb, customer_id, a, cat.by_offer_id(a["catalogItemId"]), [], item)
                              for a in addons]
    return {k: v for k, v in line.items() if v is not None and v != []}


def _addon_problem(sb: Sandbox, customer_id: str, line: dict[str, Any], item: cat.CatalogItem,
                   siblings: list[cat.CatalogItem], parent: cat.CatalogItem | None) -> str | None:
    parent_sid = line["provisioningContext"].get("parentSubscriptionId")
    if parent_sid:
        parent_doc = sb.store.get("subscription", parent_sid.lower(), customer_id)
        if parent_doc is None or parent_doc.get("status") != "active":
            return f"The parent subscription {parent_sid} does not exist or is not active."
        parent_item = cat.by_offer_id(parent_doc.get("offerId", ""))
        if parent_item is None or not parent_ok(item, parent_item):
            return f"{item.display_title} cannot be added to subscription {parent_sid}."
        return None
    if parent is not None and parent_ok(item, parent):
        return None
    if any(parent_ok(item, s) for s in siblings):
        return None
    return (f"{item.display_title} is an add-on: set provisioningContext.parentSubscriptionId or buy it "
            "together with a base offer.")


def _live_subscription_count(sb: Sandbox, customer_id: str) -> int:
    live = sum(1 for d in sb.store.list("subscription", customer_id) if d.body.get("status") != "deleted")
    pending = sum(len(_plans(o.body)) for o in sb.store.list("order", customer_id, k1_prefix="pending"))
    return live + pending


def _plans(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [line["_plan"] for line in order["lineItems"] if line.get("_plan") and not line.get("subscriptionId")]


def _flatten(lines: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(line, base line) pairs: nested add-ons follow their base line."""
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for line in lines:
        out.append((line, None))
        out.extend((addon, line) for addon in line.get("addonItems", []))
    return out


def place_orders(sb: Sandbox, request: web.Request, customer: dict[str, Any],
                 lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Create one order per orderGroup (call inside a transaction). Returns (orders, orderErrors)."""
    cid = customer["id"]
    now = sb.now()
    groups: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        groups.setdefault(line.get("orderGroup", "0"), []).append(line)
    orders, errors = [], []
    live = _live_subscription_count(sb, cid)
    for group_id, group in groups.items():
        flat = _flatten(group)
        creating = sum(1 for line, _ in flat if cat.by_offer_id(line["catalogItemId"]).product_type != "Software")
        if live + creating > sb.config.max_subscriptions_per_customer:
            errors.append({"orderGroupId": group_id, "code": 800018, "description": "The sandbox limit has been met."})
            continue
        live += creating
        order = _build_order(sb, cid, flat, now)
        orders.append(order)
        sb.store.put("order", order["id"], order, cid, order["status"])
        sb.audit(request, resource_type="order", operation_type="create_order", customer_id=cid,
                 customer_name=customer["companyProfile"]["companyName"], new=order,
                 customized={"orderId": order["id"]})
    if sb.config.provisioning_delay_s <= 0:
        orders = [settle_order(sb, o) for o in orders]
    return orders, errors


def _build_order(sb: Sandbox, cid: str, flat: list[tuple[dict[str, Any], dict[str, Any] | None]],
                 now: Any) -> dict[str, Any]:
    order_lines = []
    sub_ids: dict[int, str] = {}
    for number, (line, base) in enumerate(flat):
        item = cat.by_offer_id(line["catalogItemId"])
        creates = item.product_type != "Software"
        sid = new_guid() if creates else None
        if sid:
            sub_ids[id(line)] = sid
        parent = line["provisioningContext"].get("parentSubscriptionId") or (sub_ids.get(id(base)) if base else None)
        ol = order_line(item, number=number, quantity=line["quantity"], term=line["termDuration"] or "",
                        friendly_name=line.get("friendlyName"), subscription_id=sid,
                        parent_id=parent.lower() if parent else None,
                        provisioning_context=line["provisioningContext"])
        if sid:
            ol["_plan"] = {"catalogItemId": item.offer_id, "subscriptionId": sid, "quantity": line["quantity"],
                           "term": line["termDuration"] or "", "cycle": line["billingCycle"],
                           "friendlyName": line.get("friendlyName"), "parentId": parent.lower() if parent else None}
        order_lines.append(ol)
    cycles = {line["billingCycle"] for line, _ in flat}
    cycle = cycles.pop() if len(cycles) == 1 else "monthly"
    order = order_doc(customer_id=cid, order_id=new_order_id(), billing_cycle=cycle, lines=order_lines,
                      created=now, status="pending")
    order["_productType"] = cat.by_offer_id(flat[0][0]["catalogItemId"]).product_type
    order["_provisionAt"] = iso(now + timedelta(seconds=max(0.0, sb.config.provisioning_delay_s)))
    return order


def settle_order(sb: Sandbox, order: dict[str, Any]) -> dict[str, Any]:
    """Complete provisioning of a pending order: create its subscriptions, expose their ids."""
    cid = order["referenceCustomerId"]
    created = parse_iso(order["creationDate"])
    for line in order["lineItems"]:
        plan = line.get("_plan")
        if not plan:
            continue
        item = cat.by_offer_id(plan["catalogItemId"])
        sub = subscription_doc(item, customer_id=cid, subscription_id=plan["subscriptionId"],
                               quantity=plan["quantity"], term=plan["term"], cycle=plan["cycle"], created=created,
                               order_id=order["id"], friendly_name=plan["friendlyName"], parent_id=plan["parentId"])
        sb.store.put("subscription", sub["id"], sub, cid, sub["offerName"])
    order["status"] = "completed"
    expose_subscription_ids(order)
    sb.store.put("order", order["id"], order, cid, order["status"])
    return order


def settle(sb: Sandbox, customer_id: str) -> None:
    """Finish every pending order of the customer whose provisioning time has come."""
    now = sb.now()
    due = [o.body for o in sb.store.list("order", customer_id, k1_prefix="pending")
           if o.body.get("status") == "pending" and parse_iso(o.body["_provisionAt"]) <= now]
    if due:
        with sb.store.transaction():
            for order in due:
                settle_order(sb, order)


def settled_customer(request: web.Request) -> tuple[Sandbox, dict[str, Any]]:
    """The sandbox and the route's customer (404 60003 if unknown), its due orders provisioned first."""
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    settle(sb, customer["id"])
    return sb, customer


def parse_cycle(value: Any, what: str = "billingCycle") -> str:
    return parse_enum(value, BILLING_CYCLES, what)


__all__ = ["as_int", "parse_cycle", "place_orders", "settle", "settled_customer", "validate_lines", "parse_line",
           "CART_ERRORS"]

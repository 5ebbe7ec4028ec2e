"""Subscriptions (api.md §7): list (all / by order / by partner), get, add-ons, provisioning status, and the
PATCH state machine of §7.3.

PATCH rules and codes: unknown 404 20003; stale If-Match 400 2055; deleted 400 2011; expired 400 900277;
pending 409 800082; billingCycle change 400 2054; termDuration change 400 2006; quantity outside the SKU's
min..max 400 2002; over the sandbox's 25 licences 400 800018; quantity change while suspended 400 800091;
seat change not allowed (trial, Azure plan) 400 800095; new-commerce decrease beyond the refundable quantity
(168-hour window) 400 900214 (software: 400 800090); cancel (`status: deleted`) of new commerce after the
168-hour window 400 900213 (api.md §23.3, §23.7 rule 3); legacy cancel or
other status transitions 400 800096; add-on reactivation with inactive parent 409 27009; auto-renew not
eligible (legacy, Azure plan) 400 800093. Suspending or cancelling a base subscription cascades to its add-ons.

Scheduled changes (§23.4, §23.7 rules 4-7): `scheduledNextTermInstructions` set (validated by
sandbox.lifecycle.parse_instructions) or `null` (dropped); any accepted mid-term change of quantity or status and
turning auto-renew off drop it too. Renewals themselves happen on read (sandbox.lifecycle.renew_due).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from aiohttp import web

from sandbox import catalog_data as cat
from sandbox import lifecycle
from sandbox.commerce import REFUND_WINDOW, new_etag, refresh_subscription
from sandbox.context import Sandbox, app_user_only, body_of
from sandbox.envelope import collection, iso, json_response, parse_iso
from sandbox.errors import bad_request, conflict, invalid_input, not_found, sandbox_limit
from sandbox.purchase import BILLING_CYCLES, settled_customer

routes = web.RouteTableDef()

STATUSES = ["none", "active", "pending", "suspended", "expired", "disabled", "deleted"]


def load_subscription(sb: Sandbox, customer_id: str, subscription_id: str) -> dict[str, Any]:
    doc = sb.store.get("subscription", subscription_id.lower(), customer_id)
    if doc is None:
        raise not_found(20003, f"Subscription with ID {subscription_id} was not found.")
    return refresh_subscription(doc, sb.now())


@routes.get("/v1/customers/{customer_id}/subscriptions")
async def list_subscriptions(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    cid = customer["id"]
    subs = [refresh_subscription(d.body, sb.now()) for d in sb.store.list("subscription", cid)]
    order_id = request.query.get("order_id")
    mpn_id = request.query.get("mpn_id")
    if order_id is not None:
        if sb.store.get("order", order_id, cid) is None:
            raise not_found(20000, f"Order {order_id} was not found.")
        subs = [s for s in subs if s.get("orderId") == order_id]
        return json_response(collection(subs, with_links=False))
    if mpn_id is not None:
        subs = [s for s in subs if s.get("partnerId") == mpn_id]
    return json_response(collection(subs, f"/customers/{cid}/subscriptions"))


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}")
async def get_subscription(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    sub = load_subscription(sb, customer["id"], request.match_info["subscription_id"])
    return json_response(sub, headers={"ETag": f'"{sub["attributes"]["etag"]}"'})


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}/addons")
async def list_addons(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    parent = load_subscription(sb, customer["id"], request.match_info["subscription_id"])
    addons = [refresh_subscription(d.body, sb.now()) for d in sb.store.list("subscription", customer["id"])
              if d.body.get("parentSubscriptionId") == parent["id"]]
    return json_response(collection(addons, with_links=False))


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}/provisioningstatus")
@app_user_only
async def provisioning_status(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    sub = load_subscription(sb, customer["id"], request.match_info["subscription_id"])
    until = sub.get("_provisioningUntil")
    pending = until is not None and parse_iso(until) > sb.now()
    item = cat.by_offer_id(sub["offerId"])
    return json_response({
        "skuId": item.sku_id if item else "", "status": "pending" if pending else "success",
        "quantity": sub["quantity"], "endDate": sub.get("commitmentEndDate"),
        "attributes": {"objectType": "SubscriptionProvisioningStatus"},
    })


# ---- PATCH --------------------------------------------------------------------------------------------------

def _if_match(request: web.Request) -> str | None:
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() in {"", "*"}:
        return None
    value = raw.strip()
    return (value[2:] if value.startswith("W/") else value).strip('"')


def requested_changes(request: web.Request, current: dict[str, Any]) -> dict[str, Any]:
    """Fields that differ from the stored subscription (the body is usually the full resource)."""
    body = body_of(request)
    if not body.has("quantity", "status", "autoRenewEnabled", "friendlyName", "billingCycle", "termDuration",
                    "id", "offerId", "scheduledNextTermInstructions"):
        raise invalid_input("The request body must be the subscription (with the properties to change).")
    changes: dict[str, Any] = {}
    if "scheduledNextTermInstructions" in body:
        plan = body.get("scheduledNextTermInstructions")
        if plan is not None and not isinstance(plan, type(body)):
            raise invalid_input("The property 'scheduledNextTermInstructions' must be an object or null.")
        existing = current.get("scheduledNextTermInstructions")
        if plan is None:
            if existing:
                changes["scheduledNextTermInstructions"] = None
        elif not lifecycle.same_instructions(plan.raw, existing):
            changes["scheduledNextTermInstructions"] = plan
    if "quantity" in body:
        quantity = body.int("quantity", required=True)
        if quantity != current["quantity"]:
            changes["quantity"] = quantity
    if "status" in body:
        status = body.enum("status", STATUSES, required=True)
        if status != current["status"]:
            changes["status"] = status
    if "autoRenewEnabled" in body:
        auto = body.bool("autoRenewEnabled")
        if auto is not None and auto != current.get("autoRenewEnabled"):
            changes["autoRenewEnabled"] = auto
    if "friendlyName" in body:
        name = body.str("friendlyName", max_len=128)
        if name is not None and name != current.get("friendlyName"):
            changes["friendlyName"] = name
    if "billingCycle" in body:
        cycle = body.enum("billingCycle", BILLING_CYCLES)
        if cycle is not None and cycle != current.get("billingCycle"):
            changes["billingCycle"] = cycle
    if "termDuration" in body:
        term = body.str("termDuration", max_len=10)
        if term is not None and term.upper() != (current.get("termDuration") or "").upper():
            changes["termDuration"] = term
    return changes


def _check_common(sub: dict[str, Any], changes: dict[str, Any]) -> None:
    status = sub["status"]
    if status == "deleted":
        raise bad_request(2011, f"Subscription {sub['id']} in deleted status cannot be updated.")
    if status == "expired":
        raise bad_request(900277, "The subscription is being expired; no further updates are allowed.")
    if status in {"pending", "none"}:
        raise conflict(800082, "The subscription is not ready to be updated. Retry later.")
    if "billingCycle" in changes:
        raise bad_request(2054, "The billing cycle cannot be changed by updating the subscription; "
                                "update the order instead.")
    if "termDuration" in changes:
        raise bad_request(2006, f"Updates of termDuration on subscriptions for offer {sub['offerId']} are not "
                                "allowed; use scheduledNextTermInstructions.")


def _apply_status(sb: Sandbox, sub: dict[str, Any], item: cat.CatalogItem | None, new: str) -> list[str]:
    """Validate and apply a status change; returns the cascade target status for add-ons (or [])."""
    old, now = sub["status"], sb.now()
    if new == "suspended" and old == "active":
        sub["status"] = "suspended"
        sub["suspensionReasons"] = ["PartnerInitiated"]
        return ["suspended"]
    if new == "active" and old == "suspended":
        parent_id = sub.get("parentSubscriptionId")
        if parent_id:
            parent = sb.store.get("subscription", parent_id, sub["_scope"])
            if parent is None or parent.get("status") != "active":
                raise conflict(27009, "An add-on subscription cannot be activated while its parent subscription "
                                      "is not active.")
        sub["status"] = "active"
        sub["suspensionReasons"] = []
        return []
    if new == "deleted":
        if item is not None and item.is_legacy:
            raise bad_request(800096, "The status of this subscription cannot be changed to deleted; legacy "
                                      "licence-based subscriptions are suspended instead.")
        if item is not None and item.is_nce and lifecycle.cancel_closed(sub, now):
            raise lifecycle.window_error_cancel()
        sub["status"] = "deleted"
        sub["autoRenewEnabled"] = False
        sub.pop("scheduledNextTermInstructions", None)
        if "refundableQuantity" in sub:
            sub["refundableQuantity"] = {"totalQuantity": 0, "details": []}
        return ["deleted"]
    raise bad_request(800096, f"The status of this subscription cannot be changed from {old} to {new}.")


def _apply_quantity(sb: Sandbox, sub: dict[str, Any], item: cat.CatalogItem | None, quantity: int) -> None:
    if sub["status"] == "suspended":
        raise bad_request(800091, "A subscription with suspended status cannot be updated.")
    if item is None or item.product_type == "Azure" or item.is_trial:
        raise bad_request(800095, "The seat quantity of this subscription cannot be updated.")
    if not item.min_qty <= quantity <= item.max_qty:
        raise bad_request(2002, f"Quantity {quantity} is not within the allowed range "
                                f"({item.min_qty}-{item.max_qty}).")
    if quantity > sb.config.max_licenses_per_subscription:
        raise sandbox_limit()
    old = sub["quantity"]
    if item.is_nce:
        now = sb.now()
        rq = sub.setdefault("refundableQuantity", {"totalQuantity": 0, "details": []})
        details = sorted(rq["details"], key=lambda d: d["allowedUntilDateTime"])
        if quantity < old:
            decrease = old - quantity
            if decrease > rq["totalQuantity"]:
                raise lifecycle.window_error_reduce(rq["totalQuantity"])
            while decrease and details:  # newest windows are used first
                last = details[-1]
                take = min(decrease, last["quantity"])
                last["quantity"] -= take
                decrease -= take
                if last["quantity"] == 0:
                    details.pop()
        else:
            details.append({"quantity": quantity - old, "allowedUntilDateTime": iso(now + REFUND_WINDOW)})
        rq["details"] = details
        rq["totalQuantity"] = sum(d["quantity"] for d in details)
    if item.product_type == "Software" and quantity < old:
        raise bad_request(800090, "Subscription quantity can't be decreased.")
    sub["quantity"] = quantity
    sub.pop("scheduledNextTermInstructions", None)  # a mid-term change drops the scheduled one (§23.4)
    sub["_provisioningUntil"] = iso(sb.now() + timedelta(seconds=max(0.0, sb.config.provisioning_delay_s)))


@routes.patch("/v1/customers/{customer_id}/subscriptions/{subscription_id}")
async def update_subscription(request: web.Request) -> web.Response:
    sb, customer = settled_customer(request)
    cid = customer["id"]
    sub = load_subscription(sb, cid, request.match_info["subscription_id"])
    etag = _if_match(request)
    if etag is not None and etag != sub["attributes"]["etag"]:
        raise bad_request(2055, "Etag is no longer valid.")
    changes = requested_changes(request, sub)
    if not changes:
        return json_response(sub, headers={"ETag": f'"{sub["attributes"]["etag"]}"'})
    _check_common(sub, changes)
    before = {k: sub.get(k) for k in changes}
    old_doc = dict(sub)
    item = cat.by_offer_id(sub["offerId"])
    sub["_scope"] = cid
    cascade: list[str] = []
    if "status" in changes:
        cascade = _apply_status(sb, sub, item, changes["status"])
    if "quantity" in changes and sub["status"] != "deleted":
        _apply_quantity(sb, sub, item, changes["quantity"])
    if "autoRenewEnabled" in changes:
        if item is None or item.is_legacy or item.product_type == "Azure":
            raise bad_request(800093, "The subscription is not eligible to be auto-renewed.")
        sub["autoRenewEnabled"] = changes["autoRenewEnabled"]
        if not sub["autoRenewEnabled"]:
            sub.pop("scheduledNextTermInstructions", None)  # §23.7 rule 7
    if "scheduledNextTermInstructions" in changes:
        plan = changes["scheduledNextTermInstructions"]
        if plan is not None and sub["status"] != "active":
            raise invalid_input("A change can be scheduled for renewal only on an active subscription.")
        if plan is None:
            sub.pop("scheduledNextTermInstructions", None)
        else:
            others = [refresh_subscription(d.body, sb.now()) for d in sb.store.list("subscription", cid)]
            sub["scheduledNextTermInstructions"] = lifecycle.parse_instructions(
                plan, sub, item, max_licenses=sb.config.max_licenses_per_subscription,
                auto_renew=bool(sub.get("autoRenewEnabled")), now=sb.now(), customer_subs=others)
    if "friendlyName" in changes:
        sub["friendlyName"] = changes["friendlyName"]
    del sub["_scope"]
    sub["attributes"]["etag"] = new_etag()
    name = customer["companyProfile"]["companyName"]
    with sb.store.transaction():
        sb.store.put("subscription", sub["id"], sub, cid, sub["offerName"])
        for target in cascade:
            _cascade(sb, cid, sub["id"], target)
        sb.audit(request, resource_type="subscription", operation_type="update_subscription", customer_id=cid,
                 customer_name=name, old=old_doc, new=sub,
                 customized={"SubscriptionId": sub["id"],
                             **{f"{k}": f"{_short(before[k])} -> {_short(sub.get(k))}" for k in changes}})
    return json_response(sub, headers={"ETag": f'"{sub["attributes"]["etag"]}"'})


def _cascade(sb: Sandbox, cid: str, parent_id: str, target: str) -> None:
    for doc in sb.store.list("subscription", cid):
        child = doc.body
        if child.get("parentSubscriptionId") != parent_id or child.get("status") in {"deleted", target}:
            continue
        if target == "suspended" and child.get("status") != "active":
            continue
        child["status"] = target
        if target == "deleted":
            child["autoRenewEnabled"] = False
        child["attributes"]["etag"] = new_etag()
        sb.store.put("subscription", child["id"], child, cid, child["offerName"])


def _short(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return value


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}/transitionEligibilities")
async def transition_eligibilities(request: web.Request) -> web.Response:
    """api.md §7.1 S14 / §23.1 N8: what the subscription may change to (`eligibilityType=scheduled` for renewal,
    `immediate` for a mid-term transition; the sandbox offers the same upgrades for both, without itself for
    immediate). Trials and non-NCE subscriptions get an empty list."""
    sb, customer = settled_customer(request)
    sub = load_subscription(sb, customer["id"], request.match_info["subscription_id"])
    kind = (request.query.get("eligibilityType") or "immediate").strip().lower()
    if kind not in {"immediate", "scheduled"}:
        raise invalid_input("eligibilityType must be 'immediate' or 'scheduled'.")
    item = cat.by_offer_id(sub["offerId"])
    targets = lifecycle.scheduled_targets(item) if item is not None and sub["status"] == "active" else []
    if kind == "immediate":
        targets = [t for t in targets if t is not item]
    items = [lifecycle.eligibility_item(t) for t in targets]
    for entry in items:
        entry["eligibilities"][0]["eligibilityType"] = kind.capitalize()
    return json_response(collection(items, with_links=False))


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}/supportcontact")
@app_user_only
async def support_contact(request: web.Request) -> web.Response:
    """api.md §7.1 S10: who supports the subscription; the partner itself unless a reseller was set (S11, legacy
    licence-based subscriptions only)."""
    from sandbox.routes.support import PARTNER_NAME

    sb, customer = settled_customer(request)
    sub = load_subscription(sb, customer["id"], request.match_info["subscription_id"])
    contact = sub.get("_supportContact") or {"supportTenantId": sb.config.partner_tenant_id,
                                             "supportMpnId": sb.config.partner_mpn_id, "name": PARTNER_NAME}
    return json_response({**contact,
                          "links": {"self": {"uri": f"/customers/{customer['id']}/subscriptions/{sub['id']}"
                                                    "/supportcontact", "method": "GET", "headers": []}},
                          "attributes": {"objectType": "SupportContact"}})

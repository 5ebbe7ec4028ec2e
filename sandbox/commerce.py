"""Builders for the commerce documents (customer, subscription, order) shared by the seeder and the routes,
so that seeded data and data created over the API have exactly the same shape."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sandbox.catalog_data import CatalogItem
from sandbox.envelope import iso, link, new_guid, new_hex, parse_iso
from sandbox.lifecycle import WINDOW, end_fields, open_window, renew_due, term_end

FAR_FUTURE = "9999-12-10T00:00:00Z"
REFUND_WINDOW = WINDOW  # new-commerce 168 h window for decreases and cancellation (api.md §23.3)


def new_etag(rng: random.Random | None = None) -> str:
    r = rng or random.SystemRandom()
    return str(r.randrange(10**17, 10**19))


# ---- customers ----------------------------------------------------------------------------------------------

def customer_doc(*, customer_id: str, company_name: str, domain: str, email: str, culture: str, language: str,
                 address: dict[str, Any], first_name: str, last_name: str, created: datetime,
                 relationship: str = "reseller", commerce_id: str | None = None,
                 billing_id: str | None = None, etag: str | None = None, extra: dict | None = None
                 ) -> dict[str, Any]:
    cid = customer_id.lower()
    company_address = {k: v for k, v in address.items() if k not in {"firstName", "lastName", "middleName"}}
    company_address["region"] = company_address.pop("state", None)
    doc = {
        "id": cid,
        "commerceId": commerce_id or new_guid(),
        "companyProfile": {
            "tenantId": cid, "domain": domain, "companyName": company_name,
            "address": company_address, "email": email,
            "links": {"self": link(f"/customers/{cid}/profiles/company")},
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "billingProfile": {
            "id": billing_id or new_guid(), "firstName": first_name, "lastName": last_name, "email": email,
            "culture": culture, "language": language, "companyName": company_name,
            "defaultAddress": {**address, "firstName": first_name, "lastName": last_name},
            "links": {"self": link(f"/customers/{cid}/profiles/billing")},
            "attributes": {"etag": etag or new_etag(), "objectType": "CustomerBillingProfile"},
        },
        "relationshipToPartner": relationship,
        "allowDelegatedAccess": True,
        "customDomains": [domain],
        "links": {"self": link(f"/customers/{cid}")},
        "attributes": {"objectType": "Customer"},
        "_created": iso(created),
    }
    if extra:
        doc.update(extra)
    return doc


def customer_list_view(doc: dict[str, Any]) -> dict[str, Any]:
    """List results carry no billing profile, address or allowDelegatedAccess (api.md §5.1 notes)."""
    cp = doc["companyProfile"]
    view = {
        "id": doc["id"], "commerceId": doc.get("commerceId"),
        "companyProfile": {"tenantId": cp["tenantId"], "domain": cp["domain"], "companyName": cp["companyName"],
                           "links": cp["links"], "attributes": cp["attributes"]},
        "relationshipToPartner": doc.get("relationshipToPartner", "reseller"),
        "links": doc["links"], "attributes": doc["attributes"],
    }
    if doc.get("associatedPartnerId"):
        view["associatedPartnerId"] = doc["associatedPartnerId"]
    return view


# ---- subscriptions ------------------------------------------------------------------------------------------

def _catalog_links(item: CatalogItem, country: str = "US") -> dict[str, Any]:
    if item.is_legacy:
        return {"offer": link(f"/offers/{item.legacy_offer_id}?country={country}")}
    p, s, a = item.product_id, item.sku_id, item.availability_id
    return {"product": link(f"/products/{p}?country={country}"),
            "sku": link(f"/products/{p}/skus/{s}?country={country}"),
            "availability": link(f"/products/{p}/skus/{s}/availabilities/{a}?country={country}")}


def subscription_doc(item: CatalogItem, *, customer_id: str, subscription_id: str, quantity: int,
                     term: str, cycle: str, created: datetime, order_id: str, status: str = "active",
                     friendly_name: str | None = None, auto_renew: bool | None = None,
                     parent_id: str | None = None, etag: str | None = None) -> dict[str, Any]:
    """A Subscription as api.md §7.2 describes it, consistent with the catalog item and purchase time."""
    cid, sid = customer_id.lower(), subscription_id.lower()
    azure = item.product_type == "Azure"
    last_day = None if azure else term_end(created, term)  # inclusive end date of the first term (§23.2)
    commitment_end = FAR_FUTURE if last_day is None else iso(last_day)
    doc: dict[str, Any] = {
        "id": sid,
        "entitlementId": new_guid() if azure else None,
        "offerId": item.offer_id,
        "offerName": item.display_title,
        "friendlyName": friendly_name or item.display_title,
        "productType": {"id": item.product_type, "displayName": item.product_type},
        "quantity": 1 if azure else quantity,
        "unitType": item.unit_type,
        "hasPurchasableAddons": _has_addons(item),
        "creationDate": iso(created),
        "effectiveStartDate": iso(created),
        "commitmentEndDate": commitment_end,
        "status": status,
        "autoRenewEnabled": (not item.is_trial and not azure) if auto_renew is None else auto_renew,
        "isTrial": item.is_trial,
        "billingType": item.billing_type,
        "billingCycle": cycle,
        "termDuration": term,
        "renewalTermDuration": "",
        "isMicrosoftProduct": True,
        "partnerId": "",
        "contractType": "subscription",
        "publisherName": item.publisher,
        "orderId": order_id,
        "actions": [],
        "suspensionReasons": ["CustomerCancellation"] if status == "suspended" else [],
        "links": {**_catalog_links(item), "self": link(f"/customers/{cid}/subscriptions/{sid}")},
        "attributes": {"etag": etag or new_etag(), "objectType": "Subscription"},
    }
    if doc["entitlementId"] is None:
        del doc["entitlementId"]
    if parent_id:
        doc["parentSubscriptionId"] = parent_id.lower()
        doc["links"]["parentSubscription"] = link(f"/customers/{cid}/subscriptions/{parent_id.lower()}")
    if item.is_nce:
        doc["commitmentEndDateTime"] = (end_fields(last_day)["commitmentEndDateTime"] if last_day
                                        else commitment_end)
        doc["billingCycleEndDate"] = iso(created + timedelta(days=30 if cycle == "monthly" else 365))
        open_window(doc, created, quantity)
        doc["attentionNeeded"] = False
        doc["actionTaken"] = False
        doc["actions"] = ["edit", "cancel"]
    elif item.is_legacy:
        doc["actions"] = ["edit"]
    doc["_catalogItemId"] = item.catalog_item_id
    return doc


def roll_terms(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A seeded subscription bought long ago as it stands at `now`: a live (active or suspended) subscription has
    renewed term after term, so its commitment and billing-cycle ends are the first ones after `now`, never past
    (the renewals themselves are sandbox.lifecycle.renew_due, also applied on every read)."""
    if doc.get("status") not in {"active", "suspended"}:
        return doc
    renew_due(doc, now)  # the terms, renewals and windows of api.md §23 (sandbox.lifecycle)
    start = parse_iso(doc["effectiveStartDate"])
    if "billingCycleEndDate" in doc:
        cycle_len = timedelta(days=30 if doc.get("billingCycle") == "monthly" else 365)
        end = parse_iso(doc["billingCycleEndDate"])
        if end <= now:
            end = start + ((now - start) // cycle_len + 1) * cycle_len
            while end <= now:
                end += cycle_len
            doc["billingCycleEndDate"] = iso(end)
    return doc


@cache
def _has_addons(item: CatalogItem) -> bool:
    from sandbox.catalog_data import ITEMS
    return any(parent_ok(other, item) for other in ITEMS if other.is_addon)


def parent_ok(addon: CatalogItem, parent: CatalogItem) -> bool:
    """Can `addon` be bought on top of a subscription of `parent`?"""
    return addon.is_addon and (parent.product_id in addon.addon_of or parent.offer_id in addon.addon_of)


def refresh_subscription(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Time-dependent fields as of `now`: renewals (or expiry) due by then are applied (api.md §23.7 rule 6),
    and the refundable quantity only counts windows still open."""
    renew_due(doc, now)
    rq = doc.get("refundableQuantity")
    if isinstance(rq, dict):
        details = [d for d in rq.get("details", []) if parse_iso(d["allowedUntilDateTime"]) > now]
        doc["refundableQuantity"] = {"totalQuantity": sum(d["quantity"] for d in details), "details": details}
        if doc.get("refundOptions"):
            doc["refundOptions"] = [o for o in doc["refundOptions"] if parse_iso(o["expiresAt"]) > now]
    return doc


# ---- orders -------------------------------------------------------------------------------------------------

def order_line(item: CatalogItem, *, number: int, quantity: int, term: str, friendly_name: str | None,
               subscription_id: str | None, parent_id: str | None = None,
               provisioning_context: dict[str, str] | None = None) -> dict[str, Any]:
    price = item.unit_price(term, "monthly")
    line: dict[str, Any] = {
        "lineItemNumber": number, "offerId": item.offer_id, "friendlyName": friendly_name or item.display_title,
        "quantity": quantity, "termDuration": term, "transactionType": "New",
        "provisioningContext": provisioning_context or {},
        "pricing": {"listPrice": price, "discountedPrice": price, "price": price,
                    "extendedPrice": round(price * quantity, 2)},
        "links": _catalog_links(item),
        "_subscriptionId": subscription_id,
    }
    if parent_id:
        line["parentSubscriptionId"] = parent_id
    return line


def order_doc(*, customer_id: str, order_id: str, billing_cycle: str, lines: list[dict[str, Any]],
              created: datetime, status: str = "completed") -> dict[str, Any]:
    cid = customer_id.lower()
    base = f"/customers/{cid}/orders/{order_id}"
    doc = {
        "id": order_id, "alternateId": order_id, "referenceCustomerId": cid,
        "billingCycle": billing_cycle, "currencyCode": "USD", "currencySymbol": "$",
        "lineItems": lines, "creationDate": iso(created), "status": status, "transactionType": "UserPurchase",
        "totalPrice": round(sum(li["pricing"]["extendedPrice"] for li in lines), 2),
        "partnerOnRecordAttestationAccepted": True,
        "links": {"self": link(base), "provisioningStatus": link(f"{base}/provisioningstatus"),
                  "patchOperation": link(base, "PATCH")},
        "attributes": {"objectType": "Order"},
    }
    if status == "completed":
        expose_subscription_ids(doc)
    return doc


def expose_subscription_ids(order: dict[str, Any]) -> None:
    """Once provisioned, order lines show their subscriptionId and a link to it."""
    cid = order["referenceCustomerId"]
    for line in order["lineItems"]:
        sid = line.get("_subscriptionId")
        if sid:
            line["subscriptionId"] = sid
            line["links"]["subscription"] = link(f"/customers/{cid}/subscriptions/{sid}")


def new_order_id(rng: random.Random | None = None) -> str:
    return new_hex(rng, 12)


def parse_created(doc: dict[str, Any]) -> datetime:
    return parse_iso(doc.get("creationDate") or doc.get("_created"))

"""Catalog (api.md §10): products -> SKUs -> availabilities (also customer-scoped), legacy offers with offset
paging, offer add-ons and categories. 404 codes: product 400013, SKU 400018, availability 400019; unknown
targetView -> 403 400036, unknown targetSegment -> 403 400030.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aiohttp import web

from sandbox import catalog_data as cat
from sandbox.body import parse_enum
from sandbox.context import sandbox_of
from sandbox.envelope import collection, json_response, link
from sandbox.errors import ApiError, invalid_input, not_found
from sandbox.paging import offset_page

routes = web.RouteTableDef()

TARGET_VIEWS = ["Azure", "AzureReservations", "AzureReservationsVM", "AzureReservationsSQL",
                "AzureReservationsCosmosDb", "MicrosoftAzure", "OnlineServices", "Software", "SoftwareSUSELinux",
                "SoftwarePerpetual", "SoftwareSubscriptions", "SpecializedOffers", "MarketplaceSaaS"]
SEGMENTS = ["commercial", "education", "government", "nonprofit"]
_VIEW_TYPES = {"OnlineServices": {"OnlineServicesNCE"}, "Azure": {"Azure"}, "MicrosoftAzure": {"Azure"},
               "Software": {"Software"}, "SoftwarePerpetual": {"Software"}}
_TERM_TEXT = {"P1M": "One-Month commitment", "P1Y": "One-Year commitment", "P3Y": "Three-Year commitment"}


def _country(request: web.Request) -> str:
    country = request.query.get("country", "US")
    if not re.fullmatch(r"[A-Za-z]{2}", country):
        raise invalid_input("'country' must be a two-letter ISO country code.")
    return country.upper()


def _segment(request: web.Request) -> str | None:
    raw = request.query.get("targetSegment")
    if raw is None:
        return None
    try:
        return parse_enum(raw, SEGMENTS, "targetSegment")
    except ApiError:
        raise ApiError(403, 400030, f"The targetSegment '{raw}' is not allowed.") from None


def product_view(item: cat.CatalogItem, country: str) -> dict[str, Any]:
    pid = item.product_id
    return {
        "id": pid, "title": item.title, "description": item.description,
        "productType": {"id": item.product_type, "displayName": item.product_type},
        "isMicrosoftProduct": True, "publisherName": item.publisher,
        "links": {"skus": link(f"/products/{pid}/skus?country={country}"),
                  "self": link(f"/products/{pid}?country={country}")},
    }


def sku_view(item: cat.CatalogItem, country: str) -> dict[str, Any]:
    pid, sid = item.product_id, item.sku_id
    cycles = sorted({cycle for _, cycle in item.terms})
    parents = [f"{p}:0001" for p in item.addon_of]
    prerequisites = ["MicrosoftCloudAgreement"] + (["InventoryCheck"] if item.product_type == "Software" else [])
    return {
        "id": sid, "productId": pid, "title": item.display_title, "description": item.description,
        "minimumQuantity": item.min_qty, "maximumQuantity": item.max_qty, "isTrial": item.is_trial,
        "supportedBillingCycles": cycles, "purchasePrerequisites": prerequisites,
        "inventoryVariables": [], "provisioningVariables": [],
        "actions": ["Refund"] if item.is_nce else [],
        "dynamicAttributes": {"isAddon": item.is_addon, "hasConstraints": bool(parents),
                              "prerequisiteSkus": parents, "isSoftwareAssuranceApplicable": False,
                              "provisioningId": hashlib.md5(item.catalog_item_id.encode()).hexdigest()[:8]},
        "consumptionType": "Usage" if item.billing_type == "usage" else "None",
        "links": {"availabilities": link(f"/products/{pid}/skus/{sid}/availabilities?country={country}"),
                  "self": link(f"/products/{pid}/skus/{sid}?country={country}")},
    }


def term_view(item: cat.CatalogItem, term: str, cycle: str) -> dict[str, Any]:
    term_id = hashlib.sha1(f"{item.catalog_item_id}:{term}:{cycle}".encode()).hexdigest()[:12]
    text = _TERM_TEXT.get(term, "")
    refund = [{"sequenceId": 0, "type": "Full", "expiresAfter": "P7D"}] if item.is_nce and not item.is_trial else []
    return {"id": term_id, "duration": term, "description": f"{text} for {cycle} billing".strip(),
            "billingCycle": cycle, "cancellationPolicies": [{"refundOptions": refund}] if refund else []}


def availability_view(item: cat.CatalogItem, country: str, segment: str = "commercial") -> dict[str, Any]:
    pid, sid, aid = item.product_id, item.sku_id, item.availability_id
    terms = [term_view(item, t, c) for t, c in item.terms if t]
    return {
        "id": aid, "productId": pid, "skuId": sid, "catalogItemId": item.catalog_item_id,
        "defaultCurrency": {"code": "USD", "symbol": "$"}, "segment": segment, "country": country,
        "isPurchasable": True, "isRenewable": bool(terms) and not item.is_trial,
        "renewalInstructions": [{"applicableTermIds": [t["id"]],
                                 "renewalOptions": [{"renewToId": t["id"], "isAutoRenewable": True}]}
                                for t in terms] if not item.is_trial else [],
        "product": product_view(item, country), "sku": sku_view(item, country), "terms": terms,
        "links": {"self": link(f"/products/{pid}/skus/{sid}/availabilities/{aid}?country={country}")},
    }


def _product(pid: str) -> cat.CatalogItem:
    skus = cat.skus_of(pid)
    if not skus:
        raise not_found(400013, f"Product {pid} was not found.")
    return skus[0]


def _sku(pid: str, sku_id: str) -> cat.CatalogItem:
    _product(pid)
    for item in cat.skus_of(pid):
        if item.sku_id.lower() == sku_id.lower():
            return item
    raise not_found(400018, f"SKU {sku_id} of product {pid} was not found.")


def _availability(pid: str, sku_id: str, availability_id: str) -> cat.CatalogItem:
    item = _sku(pid, sku_id)
    if item.availability_id.lower() != availability_id.lower():
        raise not_found(400019, f"Availability {availability_id} was not found.")
    return item


def _customer_country(request: web.Request) -> str:
    """Customer-scoped catalog uses the customer's market instead of ?country=."""
    cid = request.match_info.get("customer_id")
    if cid is None:
        return _country(request)
    customer = sandbox_of(request).customer(cid)
    return customer["billingProfile"]["defaultAddress"].get("country", "US")


# ---- products -----------------------------------------------------------------------------------------------

async def list_products(request: web.Request) -> web.Response:
    country = _customer_country(request)
    raw_view = request.query.get("targetView", "OnlineServices")
    try:
        view = parse_enum(raw_view, TARGET_VIEWS, "targetView")
    except ApiError:
        raise ApiError(403, 400036, f"The targetView '{raw_view}' is not allowed.") from None
    _segment(request)
    types = _VIEW_TYPES.get(view, set())
    items = [product_view(i, country) for i in cat.products() if i.product_type in types]
    return json_response(collection(items, f"/products?country={country}&targetView={view}"))


async def get_product(request: web.Request) -> web.Response:
    country = _customer_country(request)
    return json_response(product_view(_product(request.match_info["product_id"]), country))


async def list_skus(request: web.Request) -> web.Response:
    country = _customer_country(request)
    _segment(request)
    pid = request.match_info["product_id"]
    _product(pid)
    items = [sku_view(i, country) for i in cat.skus_of(pid)]
    return json_response(collection(items, f"/products/{pid}/skus?country={country}"))


async def get_sku(request: web.Request) -> web.Response:
    country = _customer_country(request)
    return json_response(sku_view(_sku(request.match_info["product_id"], request.match_info["sku_id"]), country))


async def list_availabilities(request: web.Request) -> web.Response:
    country = _customer_country(request)
    segment = _segment(request) or "commercial"
    pid, sku_id = request.match_info["product_id"], request.match_info["sku_id"]
    item = _sku(pid, sku_id)
    return json_response(collection([availability_view(item, country, segment)],
                                    f"/products/{pid}/skus/{sku_id}/availabilities?country={country}"))


async def get_availability(request: web.Request) -> web.Response:
    country = _customer_country(request)
    m = request.match_info
    item = _availability(m["product_id"], m["sku_id"], m["availability_id"])
    return json_response(availability_view(item, country))


for prefix in ("/v1", "/v1/customers/{customer_id}"):
    routes.get(f"{prefix}/products")(list_products)
    routes.get(f"{prefix}/products/{{product_id}}")(get_product)
    routes.get(f"{prefix}/products/{{product_id}}/skus")(list_skus)
    routes.get(f"{prefix}/products/{{product_id}}/skus/{{sku_id}}")(get_sku)
    routes.get(f"{prefix}/products/{{product_id}}/skus/{{sku_id}}/availabilities")(list_availabilities)
    routes.get(f"{prefix}/products/{{product_id}}/skus/{{sku_id}}/availabilities/{{availability_id}}")(
        get_availability)


# ---- legacy offers ------------------------------------------------------------------------------------------

def _category(item: cat.CatalogItem, country: str, locale: str) -> dict[str, Any]:
    cid = re.sub(r"[^a-z]", "", item.category.lower())
    return {"id": cid, "name": item.category, "rank": 1, "locale": locale, "country": country,
            "attributes": {"objectType": "OfferCategory"}}


def offer_view(item: cat.CatalogItem, country: str, locale: str) -> dict[str, Any]:
    oid = item.legacy_offer_id
    return {
        "id": oid, "name": item.title, "description": item.description,
        "minimumQuantity": item.min_qty, "maximumQuantity": item.max_qty, "rank": 1,
        "uri": f"/offers/{oid}", "locale": locale, "country": country,
        "category": _category(item, country, locale), "limitUnitOfMeasure": "None", "limit": 0,
        "prerequisiteOffers": list(item.addon_of), "isAddOn": item.is_addon,
        "hasAddOns": any(a.is_legacy and oid in a.addon_of for a in cat.ITEMS),
        "isAvailableForPurchase": False, "billing": "license",
        "supportedBillingCycles": sorted({c for _, c in item.terms}), "isAutoRenewable": True,
        "upgradeTargetOffers": [], "conversionTargetOffers": [], "reselleeQualifications": [],
        "resellerQualifications": [], "salesGroupId": "Office365", "isTrial": item.is_trial, "isInternal": False,
        "product": {"id": item.product_id, "name": item.title, "unit": "Licenses"}, "unitType": "Licenses",
        "links": {"learnMore": link("https://www.microsoft.com/microsoft-365"),
                  "self": link(f"/offers/{oid}?country={country}")},
        "attributes": {"objectType": "Offer"},
    }


def _locale(request: web.Request) -> str:
    return request.headers.get("X-Locale", "en-US")[:20]


def _offer(offer_id: str) -> cat.CatalogItem:
    for item in cat.legacy_offers():
        if item.legacy_offer_id.lower() == offer_id.lower():
            return item
    raise not_found(1000, f"Offer {offer_id} was not found.")


async def list_offers(request: web.Request) -> web.Response:
    country, locale = _customer_country(request), _locale(request)
    items = [offer_view(i, country, locale) for i in cat.legacy_offers()]
    category = request.query.get("offer_category_id")
    if category:
        items = [o for o in items if o["category"]["id"] == category.lower()]
    return json_response(offset_page(request, items, base_uri="/offers", default_size=100, max_size=1000,
                                     extra_query={"country": country}))


async def get_offer(request: web.Request) -> web.Response:
    country, locale = _customer_country(request), _locale(request)
    return json_response(offer_view(_offer(request.match_info["offer_id"]), country, locale))


async def list_offer_addons(request: web.Request) -> web.Response:
    country, locale = _customer_country(request), _locale(request)
    base = _offer(request.match_info["offer_id"])
    items = [offer_view(i, country, locale) for i in cat.legacy_offers() if base.legacy_offer_id in i.addon_of]
    return json_response(offset_page(request, items, base_uri=f"/offers/{base.legacy_offer_id}/addons",
                                     extra_query={"country": country}))


async def list_offer_categories(request: web.Request) -> web.Response:
    country, locale = _customer_country(request), _locale(request)
    seen: dict[str, dict] = {}
    for item in cat.legacy_offers():
        category = _category(item, country, locale)
        seen.setdefault(category["id"], category)
    return json_response(collection(list(seen.values()), f"/offercategories?country={country}"))


for prefix in ("/v1", "/v1/customers/{customer_id}"):
    routes.get(f"{prefix}/offers")(list_offers)
    routes.get(f"{prefix}/offers/{{offer_id}}")(get_offer)
    routes.get(f"{prefix}/offers/{{offer_id}}/addons")(list_offer_addons)
    routes.get(f"{prefix}/offercategories")(list_offer_categories)

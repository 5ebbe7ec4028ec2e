"""Purchases: buy a product, buy an add-on for a subscription, convert a trial to paid; and the approvals list.

The dialog resolves what to buy against the Partner Center catalog (product -> SKU -> availability; a choice
card when a name matches several), offers the term and billing combinations of the availability, validates
the quantity against the SKU's limits (and the integration sandbox's), and previews product, term, billing,
quantity, unit price and total. The price comes from a quote cart (Partner Center prices carts; a cart buys
nothing until it is checked out). Confirmed purchases never run here: the dispatcher hands them to the
approval workflow, which calls `place_order` (cart + checkout with request ids derived from the approval)
after an approver approved.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cards.text import enum_label, format_currency, format_term, t
from dialogs.context import OperationContext
from dialogs.registry import Args, Outcome, Param, ParamType, Preview, Row, operation
from dialogs.resolve import (
    Ambiguous,
    NotFound,
    Resolution,
    Resolved,
    match_subscriptions,
    normalize,
    subscription_value,
)
from partner_center import errors

PURCHASE_VIEWS = ("OnlineServices", "Software")
CATALOG_TTL_SECONDS = 3600.0


# ----------------------------------------------------------------------------------------------- configuration


@dataclass
class PurchaseLimits:
    """Limits the catalog does not tell: the integration sandbox's caps (api.md §20). None = no cap."""

    max_seats_per_subscription: int | None = None
    max_subscriptions_per_customer: int | None = None


LIMITS = PurchaseLimits()


def configure(*, sandbox_limits: bool) -> None:
    """Called by the bot's wiring: apply the integration sandbox caps (25 licences, 5 subscriptions)."""
    LIMITS.max_seats_per_subscription = 25 if sandbox_limits else None
    LIMITS.max_subscriptions_per_customer = 5 if sandbox_limits else None


# ----------------------------------------------------------------------------------------------- resolvable params

Resolver = Callable[[OperationContext, Any, dict[str, Any], dict[str, Any]], Awaitable["Resolution | str"]]


@dataclass(frozen=True)
class ResolvableParam(Param):
    """A parameter the dispatcher resolves with `resolve(ctx, raw, values, flow_raw)`: a `Resolved` value, an
    `Ambiguous`/`NotFound` (the dispatcher asks with a choice card) or a string (the form shows it as error).
    With `resolve_empty` the resolver is also asked when nothing was said (it may default or offer choices)."""

    resolve: Resolver | None = None
    resolve_empty: bool = True


# ----------------------------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class SkuInfo:
    product_id: str
    product_title: str
    sku_id: str
    title: str
    min_qty: int
    max_qty: int
    is_trial: bool
    is_addon: bool
    prerequisites: tuple[str, ...]  # "PRODUCT:SKU" of possible parents (add-ons)
    cycles: tuple[str, ...]


class CatalogCache:
    """Products and SKUs per client and country, kept for an hour (the catalog changes rarely); the
    availability (catalog item id and terms) is always fetched fresh, right before it is used."""

    def __init__(self) -> None:
        self._products: dict[tuple[int, str], tuple[float, list[tuple[str, str]]]] = {}
        self._skus: dict[tuple[int, str, str], tuple[float, list[SkuInfo]]] = {}

    async def products(self, client: Any, country: str) -> list[tuple[str, str]]:
        key = (id(client), country)
        hit = self._products.get(key)
        if hit and time.monotonic() - hit[0] < CATALOG_TTL_SECONDS:
            return hit[1]
        found: list[tuple[str, str]] = []
        for view in PURCHASE_VIEWS:
            for product in await client.catalog.list_products(country, view).to_list(500):
                found.append((product.id, product.title or product.id))
        self._products[key] = (time.monotonic(), found)
        return found

    async def skus(self, client: Any, country: str, product_id: str, title: str) -> list[SkuInfo]:
        key = (id(client), country, product_id)
        hit = self._skus.get(key)
        if hit and time.monotonic() - hit[0] < CATALOG_TTL_SECONDS:
            return hit[1]
        infos = []
        for sku in await client.catalog.list_skus(product_id, country).to_list(100):
            attrs = sku.dynamic_attributes or {}
            infos.append(SkuInfo(
                product_id=product_id, product_title=title, sku_id=sku.id, title=sku.title or title,
                min_qty=int(sku.minimum_quantity or 1), max_qty=int(sku.maximum_quantity or 10_000),
                is_trial=bool(sku.is_trial), is_addon=bool(attrs.get("isAddon")),
                prerequisites=tuple(str(p).lower() for p in attrs.get("prerequisiteSkus") or ()),
                cycles=tuple(str(c) for c in sku.supported_billing_cycles or ())))
        self._skus[key] = (time.monotonic(), infos)
        return infos

    async def all_skus(self, client: Any, country: str) -> list[SkuInfo]:
        products = await self.products(client, country)
        semaphore = asyncio.Semaphore(4)

        async def one(pid: str, title: str) -> list[SkuInfo]:
            async with semaphore:
                return await self.skus(client, country, pid, title)

        lists = await asyncio.gather(*(one(pid, title) for pid, title in products))
        return [info for infos in lists for info in infos]


CATALOG = CatalogCache()


async def customer_country(ctx: OperationContext, customer: dict[str, Any]) -> str:
    if customer.get("country"):
        return str(customer["country"])
    found = await ctx.client.customers.get(customer["id"])
    address = ((found.raw.get("billingProfile") or {}).get("defaultAddress") or {})
    customer["country"] = str(address.get("country") or "US").upper()
    return customer["country"]


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[\s()\-/,.]+", normalize(text)) if w and w not in {"the", "a", "an", "of", "for",
                                                                                      "seats", "licenses",
                                                                                      "licences", "licence",
                                                                                      "license"}}


def _matches(query: str, title: str) -> int:
    """0 = no match, 1 = every word of the query is in the title, 2 = the same name."""
    q, have = _words(query), _words(title)
    if not q:
        return 0
    if q == have or normalize(query).strip() == normalize(title).strip():
        return 2
    return 1 if q <= have else 0


def _best(query: str, candidates: list[SkuInfo]) -> list[SkuInfo]:
    scored = [(max(_matches(query, c.title), _matches(query, c.product_title)), c) for c in candidates]
    top = max((s for s, _ in scored), default=0)
    return [c for s, c in scored if s == top and s > 0]


def _offer_value(info: SkuInfo, country: str) -> dict[str, Any]:
    detail = info.product_title if info.title != info.product_title else None
    return {"id": f"{info.product_id}:{info.sku_id}", "name": info.title, "detail": detail,
            "product_id": info.product_id, "sku_id": info.sku_id, "min": info.min_qty, "max": info.max_qty,
            "trial": info.is_trial, "addon": info.is_addon, "cycles": list(info.cycles), "country": country}


def _options(infos: list[SkuInfo], country: str) -> list[dict[str, Any]]:
    return [_offer_value(i, country) for i in infos]


async def _resolve_offer(ctx: OperationContext, raw: Any, values: dict[str, Any],
                         flow_raw: dict[str, Any]) -> Resolution | str:
    """A product/SKU by name for `orders.purchase` (no add-ons; trials only when asked for)."""
    query = str(raw or "").strip()
    country = await customer_country(ctx, values["customer"])
    products = await CATALOG.products(ctx.client, country)
    wants_trial = "trial" in query.lower()
    titled = [(pid, title) for pid, title in products if _matches(query, title)]
    candidates: list[SkuInfo] = []
    for pid, title in titled:
        candidates += [s for s in await CATALOG.skus(ctx.client, country, pid, title)
                       if not s.is_addon and s.is_trial == wants_trial]
    best = _best(query, candidates)
    if len(best) == 1:
        return Resolved(_offer_value(best[0], country))
    if best:
        return Ambiguous(query, _options(best, country))
    return t("approval.purchase.no_match", ctx.locale, name=query)


def _parent_key(subscription: Any) -> str | None:
    parts = subscription.catalog_item_parts
    return f"{parts[0]}:{parts[1]}".lower() if parts else None


async def _resolve_addon(ctx: OperationContext, raw: Any, values: dict[str, Any],
                         flow_raw: dict[str, Any]) -> Resolution | str:
    """An add-on that fits the chosen subscription (its SKU lists the subscription's product as prerequisite)."""
    customer, parent = values["customer"], values["subscription"]
    country = await customer_country(ctx, customer)
    sub = await ctx.client.subscriptions.get(customer["id"], parent["id"])
    key = _parent_key(sub)
    fitting = [s for s in await CATALOG.all_skus(ctx.client, country) if s.is_addon and key in s.prerequisites]
    if not fitting:
        return t("approval.purchase.no_addons", ctx.locale, subscription=parent.get("name") or parent["id"])
    query = str(raw or "").strip()
    chosen = _best(query, fitting) if query else fitting
    if len(chosen) == 1:
        return Resolved(_offer_value(chosen[0], country))
    if chosen:
        return Ambiguous(query, _options(chosen, country))
    return NotFound(query, _options(fitting, country))


async def _resolve_trial(ctx: OperationContext, raw: Any, values: dict[str, Any],
                         flow_raw: dict[str, Any]) -> Resolution | str:
    """The customer's active trial subscription (by name; the only one when no name was given)."""
    customer = values["customer"]
    subs = await ctx.client.subscriptions.list(customer["id"]).to_list()
    trials = [s for s in subs if s.is_trial and str(s.status) == "active"]
    if not trials:
        return t("approval.purchase.no_trials", ctx.locale, customer=customer.get("name") or customer["id"])
    query = str(raw or "").strip()
    if isinstance(raw, dict):  # remembered from the conversation
        query = str(raw.get("id") or "")
    matches = match_subscriptions(query, trials) if query else trials
    if not matches and query and match_subscriptions(query, subs):
        return t("approval.purchase.not_trial", ctx.locale, subscription=query)
    if len(matches) == 1:
        value = subscription_value(matches[0])
        value.update(customer_id=customer["id"], offer_id=matches[0].offer_id)
        return Resolved(value)
    options = [{**subscription_value(s), "offer_id": s.offer_id} for s in (matches or trials)]
    return Ambiguous(query, options) if matches else NotFound(query, options)


async def _resolve_paid_offer(ctx: OperationContext, raw: Any, values: dict[str, Any],
                              flow_raw: dict[str, Any]) -> Resolution | str:
    """The paid SKU a trial converts to: the same product's non-trial SKUs (a name narrows them)."""
    trial = values["subscription"]
    country = await customer_country(ctx, values["customer"])
    product_id = str(trial.get("offer_id") or "").split(":")[0]
    products = dict(await CATALOG.products(ctx.client, country))
    paid = [s for s in await CATALOG.skus(ctx.client, country, product_id, products.get(product_id, product_id))
            if not s.is_trial and not s.is_addon] if product_id in products else []
    if not paid:
        return t("approval.purchase.no_paid_offer", ctx.locale, subscription=trial.get("name") or trial["id"])
    query = str(raw or "").strip()
    chosen = (_best(query, paid) or paid) if query else paid
    if len(chosen) == 1:
        return Resolved(_offer_value(chosen[0], country))
    return Ambiguous(query, _options(chosen, country))


# --- term and billing cycle -------------------------------------------------------------------------------

_TERM_WORDS = [(re.compile(r"\b(p3y|3 ?-?years?|three ?-?years?|36 months?|triennial)\b", re.I), "P3Y"),
               (re.compile(r"\b(p1y|1 ?-?years?|one ?-?years?|12 months?|annual commitment|yearly term)\b", re.I),
                "P1Y"),
               (re.compile(r"\b(p1m|1 ?-?months?|one ?-?months?|month to month|monthly term|no commitment)\b",
                           re.I), "P1M")]
_CYCLE_WORDS = [(re.compile(r"\b(triennial|every 3 years)\b", re.I), "triennial"),
                (re.compile(r"\b(one[ -]?time|onetime|once)\b", re.I), "one_time"),
                (re.compile(r"\b(annual|annually|yearly|per year|upfront|up front|每年|年繳)", re.I), "annual"),
                (re.compile(r"\b(monthly|per month|each month|every month|每月|月繳)", re.I), "monthly")]


def parse_term(text: str) -> str | None:
    return next((term for pattern, term in _TERM_WORDS if pattern.search(text)), None)


def parse_cycle(text: str) -> str | None:
    return next((cycle for pattern, cycle in _CYCLE_WORDS if pattern.search(text)), None)


async def availability(ctx: OperationContext, offer: dict[str, Any]) -> Any:
    """The SKU's purchasable availability, fetched fresh (availability ids can change; api.md §10.2)."""
    found = await ctx.client.catalog.list_availabilities(offer["product_id"], offer["sku_id"],
                                                         offer.get("country") or "US").to_list(20)
    usable = [a for a in found if a.is_purchasable is not False and a.catalog_item_id]
    if not usable:
        raise errors.NotFoundError(f"{offer.get('name')} is not available for purchase in "
                                   f"{offer.get('country') or 'US'}.", status=404, code=400019)
    return usable[0]


def _plans(avail: Any, offer: dict[str, Any]) -> list[tuple[str, str]]:
    plans = [(t.duration or "", str(t.billing_cycle or "").lower()) for t in avail.terms or []]
    plans = [p for p in plans if p[1]]
    if not plans:  # perpetual software has no terms: one-time billing only
        plans = [("", c.lower()) for c in offer.get("cycles") or ["one_time"]]
    return list(dict.fromkeys(plans))


def plan_value(term: str, cycle: str, locale: str) -> dict[str, Any]:
    name = t("approval.purchase.plan_option", locale, term=format_term(term, locale) if term else "—",
               cycle=enum_label("billing_cycle", cycle, locale).lower())
    return {"id": f"{term or 'none'}:{cycle}", "name": name, "term": term, "cycle": cycle}


async def _resolve_plan(ctx: OperationContext, raw: Any, values: dict[str, Any],
                        flow_raw: dict[str, Any]) -> Resolution | str:
    """Term and billing cycle from what was said ("1 year", "annual"); choices from the availability."""
    offer = values["offer"]
    avail = await availability(ctx, offer)
    offer["catalog_item_id"] = avail.catalog_item_id
    offer["currency"] = avail.currency_code
    plans = _plans(avail, offer)
    said = " ".join(str(v) for v in (raw, flow_raw.get("billing_cycle"), flow_raw.get("term")) if v)
    term, cycle = parse_term(said), parse_cycle(said)
    if cycle == "annual" and term is None and ("P1Y", "annual") not in plans:
        cycle = None  # "annual" meant the commitment, not the billing
        term = "P1Y"
    fitting = [p for p in plans if (term is None or p[0] == term) and (cycle is None or p[1] == cycle)]
    options = [plan_value(t, c, ctx.locale) for t, c in (fitting or plans)]
    if len(fitting) == 1:
        return Resolved(options[0])
    if fitting or not said:
        return Ambiguous(said, options)
    return NotFound(said, options)


def _quantity_resolver(default_from_trial: bool = False) -> Resolver:
    async def resolve(ctx: OperationContext, raw: Any, values: dict[str, Any],
                      flow_raw: dict[str, Any]) -> Resolution | str:
        offer = values["offer"]
        if raw in (None, "") and default_from_trial:
            raw = (values.get("subscription") or {}).get("quantity")
        try:
            quantity = int(str(raw).strip())
        except ValueError:
            return t("approval.purchase.quantity_range", ctx.locale, offer=offer["name"], min=offer["min"],
                       max=offer["max"])
        low, high = int(offer.get("min") or 1), int(offer.get("max") or 10_000)
        if not low <= quantity <= high:
            return t("approval.purchase.quantity_range", ctx.locale, offer=offer["name"], min=low, max=high)
        cap = LIMITS.max_seats_per_subscription
        if cap is not None and quantity > cap:
            return t("approval.purchase.quantity_sandbox", ctx.locale, max=cap)
        return Resolved({"id": str(quantity), "name": str(quantity), "value": quantity})

    return resolve


# ----------------------------------------------------------------------------------------------- preview


def cart_line(line: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": 0, "catalogItemId": line["catalogItemId"], "quantity": int(line["quantity"]),
                            "billingCycle": line["billingCycle"]}
    if line.get("termDuration"):
        item["termDuration"] = line["termDuration"]
    if line.get("parentSubscriptionId"):
        item["provisioningContext"] = {"parentSubscriptionId": line["parentSubscriptionId"]}
    return item


def _line(args: Args) -> dict[str, Any]:
    offer, plan = args["offer"], args["plan"]
    quantity = args["quantity"]["value"] if isinstance(args["quantity"], dict) else int(args["quantity"])
    line = {"catalogItemId": offer["catalog_item_id"], "title": offer["name"], "productId": offer["product_id"],
            "skuId": offer["sku_id"], "quantity": quantity, "termDuration": plan["term"],
            "billingCycle": plan["cycle"]}
    if offer.get("addon") and args.get("subscription"):
        line["parentSubscriptionId"] = args["subscription"]["id"]
        line["parentName"] = args["subscription"].get("name")
    return line


def _line_errors(cart: Any) -> list[str]:
    out = []
    for item in cart.raw.get("lineItems") or []:
        for entry in [item, *(item.get("addonItems") or [])]:
            error = entry.get("error") or {}
            if error:
                out.append(str(error.get("errorDescription") or error.get("errorCode")))
    return out


def _line_price(cart: Any) -> tuple[float | None, float | None, str | None]:
    items = cart.raw.get("lineItems") or []
    if not items:
        return None, None, None
    pricing = items[0].get("pricing") or {}
    unit = pricing.get("price", pricing.get("listPrice"))
    total = pricing.get("extendedPrice")
    if total is None and unit is not None:
        total = round(float(unit) * int(items[0].get("quantity") or 0), 2)
    return (float(unit) if unit is not None else None, float(total) if total is not None else None,
            items[0].get("currencyCode"))


async def _preview_purchase(ctx: OperationContext, args: Args) -> Preview:
    """Product, term, billing, quantity, unit price and total, priced by Partner Center with a quote cart."""
    customer = args["customer"]
    line = _line(args)
    digest = hashlib.sha1(repr(sorted(cart_line(line).items())).encode()).hexdigest()[:12]
    quote = await ctx.client.carts.create(customer["id"], [cart_line(line)],
                                          request_id=ctx.request_id(f"quote:{digest}"))
    problems = _line_errors(quote)
    if problems:
        raise errors.BadRequestError(t("approval.purchase.line_error", ctx.locale, reason="; ".join(problems)),
                                     status=400, code="cart_line")
    unit, total, currency = _line_price(quote)
    currency = currency or args["offer"].get("currency")
    args["line"] = line
    args["quote"] = {"unit": unit, "total": total, "currency": currency}
    locale = ctx.locale
    rows = [Row(ctx.t("field.customer"), None, customer.get("name") or customer["id"]),
            Row(ctx.t("field.product"), None, line["title"])]
    if line.get("parentSubscriptionId"):
        rows.append(Row(t("approval.purchase.addon_parent", locale), None, str(line.get("parentName")
                                                                        or line["parentSubscriptionId"])))
    if args.get("subscription") and ctx_op_is_trial(args):
        rows.append(Row(ctx.t("field.trial"), None, args["subscription"].get("name") or args["subscription"]["id"]))
    rows += [Row(ctx.t("field.term"), None, format_term(line["termDuration"], locale) if line["termDuration"]
                 else "—"),
             Row(ctx.t("field.billing_cycle"), None, enum_label("billing_cycle", line["billingCycle"], locale)),
             Row(ctx.t("field.quantity"), None, str(line["quantity"])),
             Row(ctx.t("field.unit_price"), None, format_currency(unit, currency, locale) if unit is not None
                 else "—"),
             Row(ctx.t("field.total"), None, format_currency(total, currency, locale) if total is not None else "—")]
    warnings = [t("approval.purchase.price_note", locale)]
    if ctx_op_is_trial(args):
        warnings.insert(0, t("approval.purchase.trial_note", locale, trial=args["subscription"].get("name")))
    cap = LIMITS.max_subscriptions_per_customer
    if cap is not None:
        subs = await ctx.client.subscriptions.list(customer["id"]).to_list()
        live = sum(1 for s in subs if str(s.status) != "deleted")
        if live >= cap:
            warnings.insert(0, t("approval.purchase.sandbox_subscriptions", locale, count=live, max=cap))
    return Preview(rows=tuple(rows), title=line["title"], warning=" ".join(warnings))


def ctx_op_is_trial(args: Args) -> bool:
    return bool(args.get("subscription")) and not args["offer"].get("addon") and bool(
        (args.get("subscription") or {}).get("offer_id"))


# ----------------------------------------------------------------------------------------------- fulfilment


class PriceChangedError(errors.PartnerCenterError):
    """The cart costs more than the approved total: nothing is bought, a new request is needed."""

    default_status = 412


async def place_order(ctx: OperationContext, args: Args) -> Outcome:
    """Cart + checkout for an approved request. Runs only from the approval workflow, which passes in
    `ctx.extras`: `cart_id` (the attempt's cart, when already created) and `on_cart(cart_id)` (stores it
    before checkout). `ctx.request_id(...)` derives the MS-RequestIds from the approval and attempt, so a
    replay returns the first result instead of buying twice."""
    customer_id = args["customer"]["id"]
    line = dict(args["line"])
    cart_id = ctx.extras.get("cart_id")
    if not cart_id:
        cart = await ctx.client.carts.create(customer_id, [cart_line(line)], request_id=ctx.request_id("cart"))
        problems = _line_errors(cart)
        if problems:
            return Outcome({"orders": [], "errors": [{"description": p} for p in problems]})
        _, total, _ = _line_price(cart)
        approved = (args.get("quote") or {}).get("total")
        if total is not None and approved is not None and total > float(approved) + 0.005:
            raise PriceChangedError(t("approval.purchase.line_error", ctx.locale,
                                        reason=f"the price is now {total} instead of the approved {approved}"),
                                    code="price_changed")
        cart_id = cart.id
        on_cart = ctx.extras.get("on_cart")
        if on_cart is not None:
            await on_cart(cart_id)
    result = await ctx.client.carts.checkout(customer_id, cart_id, request_id=ctx.request_id("checkout"))
    orders = [o.raw for o in result.orders]
    problems = [{"code": e.code, "description": e.description} for e in result.order_errors]
    return Outcome({"orders": orders, "errors": problems, "cart_id": cart_id},
                   audit={"cart_id": cart_id, "orders": [o.get("id") for o in orders], "errors": problems})


# ----------------------------------------------------------------------------------------------- declarations

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
PLAN = ResolvableParam("plan", ParamType.TEXT, slot="term", resolve=_resolve_plan)
QUANTITY = ResolvableParam("quantity", ParamType.INT, minimum=1, maximum=100_000, resolve=_quantity_resolver(),
                           resolve_empty=False)


@operation("orders.purchase", kind="purchase", preview=_preview_purchase,
           params=[CUSTOMER, ResolvableParam("offer", ParamType.TEXT, resolve=_resolve_offer, resolve_empty=False),
                   PLAN, QUANTITY])
async def purchase(ctx: OperationContext, args: Args) -> Outcome:
    return await place_order(ctx, args)


@operation("orders.purchase_addon", kind="purchase", preview=_preview_purchase,
           params=[CUSTOMER, Param("subscription", ParamType.SUBSCRIPTION, from_context=True, choices=("active",)),
                   ResolvableParam("offer", ParamType.TEXT, slot="addon", resolve=_resolve_addon),
                   PLAN, QUANTITY])
async def purchase_addon(ctx: OperationContext, args: Args) -> Outcome:
    return await place_order(ctx, args)


@operation("subscriptions.convert_trial", kind="purchase", preview=_preview_purchase,
           params=[CUSTOMER,
                   ResolvableParam("subscription", ParamType.SUBSCRIPTION, resolve=_resolve_trial),
                   ResolvableParam("offer", ParamType.TEXT, required=False, resolve=_resolve_paid_offer),
                   PLAN,
                   ResolvableParam("quantity", ParamType.INT, minimum=1, maximum=100_000, required=False,
                                   resolve=_quantity_resolver(default_from_trial=True))])
async def convert_trial(ctx: OperationContext, args: Args) -> Outcome:
    return await place_order(ctx, args)


def _pending_card(data: dict[str, Any], *, locale: str, more: Any = None) -> dict[str, Any]:
    from dialogs.approval_views import pending_list

    return pending_list(data["for_me"], data["mine"], locale, data["now"])


@operation("approvals.pending", kind="read", params=[Param("customer", ParamType.TEXT, required=False)],
           card=_pending_card)
async def pending(ctx: OperationContext, args: Args) -> Outcome:
    """Requests waiting for this user's approval and the user's own open requests."""
    service = ctx.extras.get("approvals")
    if service is None or not hasattr(service, "pending_for"):
        return Outcome({"for_me": [], "mine": [], "now": None})
    for_me, mine, now = await service.pending_for(ctx.user, frozenset(ctx.extras.get("roles") or ()))
    name = str(args.get("customer") or "").strip().lower()
    if name:
        for_me = [r for r in for_me if name in str(r.customer.get("name") or "").lower()]
        mine = [r for r in mine if name in str(r.customer.get("name") or "").lower()]
    return Outcome({"for_me": for_me, "mine": mine, "now": now})

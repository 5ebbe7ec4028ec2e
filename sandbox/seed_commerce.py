"""Seed data for the new-commerce lifecycle (api.md §23.7 rule 8), plugged into seed.py as an extra seeder.

The base seed already spreads purchase dates over two years, so terms end (and renew, on read) all through the
year. On top of that this adds what the demo and the tests talk about, relative to the seed's clock:
* Contoso Pharma: Microsoft 365 Copilot bought 150 hours ago (a cancellation window closing within a day; not
  Contoso Ltd, which keeps room for one purchase under the sandbox's 5-subscription cap);
* Fabrikam Inc: Microsoft 365 E3, 25 seats, P1Y, renewing in 20 days (the "drop it to 10 at renewal" example);
* Contoso Pharma: Power BI Pro with auto-renew off; Northwind Traders: Business Basic with a change scheduled;
* for generated customers: ~10 % of new-commerce subscriptions with auto-renew off, ~8 % with a seat change
  scheduled for renewal.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox import catalog_data as cat
from sandbox.commerce import new_etag, order_doc, order_line, roll_terms, subscription_doc
from sandbox.envelope import new_guid, new_hex
from sandbox.lifecycle import add_months, midnight
from sandbox.seed import _PORTFOLIOS, SeedContext, register_seeder


def _item(title: str) -> cat.CatalogItem:
    return next(i for i in cat.ITEMS if i.display_title == title and not i.is_legacy)


def _add(ctx: SeedContext, customer: dict[str, Any], item: cat.CatalogItem, *, quantity: int, term: str,
         cycle: str, hours_ago: float) -> dict[str, Any]:
    cid = customer["id"]
    created = ctx.now - timedelta(hours=hours_ago)
    sid, oid = new_guid(ctx.rng), new_hex(ctx.rng, 12)
    sub = subscription_doc(item, customer_id=cid, subscription_id=sid, quantity=quantity, term=term, cycle=cycle,
                           created=created, order_id=oid, etag=new_etag(ctx.rng))
    roll_terms(sub, ctx.now)
    line = order_line(item, number=0, quantity=quantity, term=term, friendly_name=sub["friendlyName"],
                      subscription_id=sid)
    order = order_doc(customer_id=cid, order_id=oid, billing_cycle=cycle, lines=[line], created=created)
    ctx.add("subscription", sid, sub, cid, sub["offerName"])
    ctx.add("order", oid, order, cid)
    ctx.subscriptions.setdefault(cid, []).append(sub)
    ctx.orders.setdefault(cid, []).append(order)
    return sub


def _schedule_seats(sub: dict[str, Any], quantity: int) -> None:
    item = cat.by_offer_id(sub["offerId"])
    assert item is not None
    sub["scheduledNextTermInstructions"] = {
        "product": {"productId": item.product_id, "skuId": item.sku_id, "availabilityId": item.availability_id,
                    "billingCycle": sub["billingCycle"], "termDuration": sub["termDuration"]},
        "quantity": quantity}


@register_seeder
def seed_lifecycle(ctx: SeedContext) -> None:
    by_name = {c["companyProfile"]["companyName"]: c for c in ctx.customers}
    if "Contoso Pharma" in by_name:
        _add(ctx, by_name["Contoso Pharma"], _item("Microsoft 365 Copilot"), quantity=5, term="P1Y", cycle="annual",
             hours_ago=150)
    if "Fabrikam Inc" in by_name:
        # bought so that the first term ends 19 days from the seed date: renewal in 20 days
        renews = midnight(ctx.now) + timedelta(days=20)
        bought = add_months(renews, -12) + timedelta(hours=9, minutes=30)
        _add(ctx, by_name["Fabrikam Inc"], _item("Microsoft 365 E3"), quantity=25, term="P1Y", cycle="monthly",
             hours_ago=(ctx.now - bought).total_seconds() / 3600)
    for name, offer, change in (("Contoso Pharma", "Power BI Pro", "autorenew_off"),
                                ("Northwind Traders", "Microsoft 365 Business Basic", "schedule")):
        customer = by_name.get(name)
        sub = next((s for s in ctx.subscriptions.get(customer["id"], []) if s["offerName"] == offer), None) \
            if customer else None
        if sub is None:
            continue
        roll_terms(sub, ctx.now)
        if change == "autorenew_off":
            sub["autoRenewEnabled"] = False
        else:
            _schedule_seats(sub, max(1, int(sub["quantity"]) - 2))
        ctx.add("subscription", sub["id"], sub, customer["id"], sub["offerName"])
    rng = ctx.rng
    for customer in ctx.customers:
        if customer["companyProfile"]["companyName"] in _PORTFOLIOS:
            continue
        for sub in ctx.subscriptions.get(customer["id"], []):
            item = cat.by_offer_id(sub["offerId"])
            if item is None or not item.is_nce or item.is_trial or sub["status"] != "active":
                continue
            roll = rng.random()
            if roll >= 0.18:
                continue
            roll_terms(sub, ctx.now)
            if roll < 0.10:
                sub["autoRenewEnabled"] = False
            else:
                delta = rng.choice([-3, -2, -1, 2, 5])
                _schedule_seats(sub, max(item.min_qty, min(25, int(sub["quantity"]) + delta)))
            ctx.add("subscription", sub["id"], sub, customer["id"], sub["offerName"])

"""Customer users and licences."""

from __future__ import annotations

from dialogs import views
from dialogs.context import OperationContext
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, Outcome, Param, ParamType, operation
from dialogs.resolve import match_subscriptions

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
USER = Param("user", ParamType.USER)


@operation("users.list", kind="read", params=[CUSTOMER], card=views.user_list)
async def list_users(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.users.list(args["customer"]["id"]), page, 10)
    return Outcome(ListPage([raw(u) for u in items], page, more, {"customer": args["customer"]["id"]},
                            {"customer": args["customer"]}))


@operation("users.get", kind="read", params=[CUSTOMER, USER], card=views.user_details)
async def get_user(ctx: OperationContext, args: Args) -> Outcome:
    user = await ctx.client.users.get(args["customer"]["id"], args["user"]["id"])
    return Outcome({"user": raw(user), "customer": args["customer"]})


@operation("licenses.available", kind="read", params=[CUSTOMER, Param("offer", required=False)],
           card=views.license_summary)
async def available_licenses(ctx: OperationContext, args: Args) -> Outcome:
    skus = await ctx.client.licenses.list_subscribed_skus(args["customer"]["id"]).to_list()
    offer = args.get("offer")
    items = [raw(s) for s in skus]
    if offer:
        wanted = match_subscriptions(offer, [_SkuName(s) for s in items])
        items = [w.raw for w in wanted] or items
    return Outcome({"skus": items, "customer": args["customer"]})


@operation("licenses.assigned", kind="read", params=[CUSTOMER, USER], card=views.assigned_licenses)
async def assigned_licenses(ctx: OperationContext, args: Args) -> Outcome:
    licences = await ctx.client.licenses.list_assigned(args["customer"]["id"], args["user"]["id"]).to_list()
    return Outcome({"licenses": [raw(x) for x in licences], "user": args["user"], "customer": args["customer"]})


class _SkuName:
    """Lets subscribed SKUs be matched by product name with the subscription matcher."""

    def __init__(self, sku: dict) -> None:
        self.raw = sku
        product = sku.get("productSku") or {}
        self.id = str(product.get("id", ""))
        self.offer_name = product.get("name") or product.get("skuPartNumber") or ""
        self.friendly_name = product.get("skuPartNumber") or ""

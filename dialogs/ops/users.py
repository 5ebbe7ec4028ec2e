"""Customer users and licences."""

from __future__ import annotations

from cards.view_spec import Button, Field, Fmt, Link, Record, Table, View, When
from dialogs.context import OperationContext
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, Outcome, Param, ParamType, operation
from dialogs.resolve import match_subscriptions

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
USER = Param("user", ParamType.USER)
USER_NAME = "displayName|userPrincipalName|id"
INACTIVE = ("inactive",)
USER_PARAMS = {"customer": "customer.id", "user": "user.id"}

USER_LIST = View(table=Table(
    title=USER_NAME,
    columns=(Field("upn", "userPrincipalName"), Field("state", fmt=Fmt.ENUM, enum="user_state"),
             Field("usage_location", "usageLocation")),
    attention=When("state", INACTIVE),
    action=Link.to("users.get", customer="customer.id", user="id")))

USER_DETAILS = View(
    title_args=(("name", "user.displayName|user.userPrincipalName|user.id"),),
    record=Record(source="user", fields=(
        Field("customer", "customer.name"), Field("upn", "userPrincipalName"),
        Field("state", fmt=Fmt.ENUM, enum="user_state"), Field("usage_location", "usageLocation"),
        Field("domain_type", "userDomainType", Fmt.ENUM, enum="domain_type"), Field("phone", "phoneNumber"),
        Field("deleted_on", "softDeletionTime", Fmt.DATE), Field("last_sync", "lastDirectorySyncTime", Fmt.DATETIME),
        Field("user_id", "id"))),
    buttons=(Button("restore", Link.to("users.restore", **USER_PARAMS), When("user.state", INACTIVE), "positive"),
             Button("licenses", Link.to("licenses.assigned", **USER_PARAMS), When("user.state", INACTIVE, True)),
             Button("roles", Link.to("users.roles", **USER_PARAMS), When("user.state", INACTIVE, True)),
             Button("reset_password", Link.to("users.reset_password", **USER_PARAMS),
                    When("user.state", INACTIVE, True))))

LICENSE_SUMMARY = View(
    table=Table(items="skus", grid=True, columns=(
        Field("product", "productSku.name|productSku.skuPartNumber|productSku.id"),
        Field("assigned", "consumedUnits", Fmt.NUMBER), Field("available", "availableUnits", Fmt.NUMBER),
        Field("total", "totalUnits|activeUnits", Fmt.NUMBER))),
    buttons=(Button("assign", Link.to("licenses.assign", customer="customer.id")),))

ASSIGNED_LICENSES = View(
    title_args=(("user", "user.upn|user.name"),),
    table=Table(items="licenses", title="productSku.name|productSku.skuPartNumber|productSku.id",
                columns=(Field("sku", "productSku.skuPartNumber"), Field("plans", "servicePlans", labelled=True))))


@operation("users.list", kind="read", params=[CUSTOMER], view=USER_LIST)
async def list_users(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.users.list(args["customer"]["id"]), page, 10)
    return Outcome(ListPage([raw(u) for u in items], page, more, {"customer": args["customer"]["id"]},
                            {"customer": args["customer"]}))


@operation("users.get", kind="read", params=[CUSTOMER, USER], view=USER_DETAILS)
async def get_user(ctx: OperationContext, args: Args) -> Outcome:
    user = await ctx.client.users.get(args["customer"]["id"], args["user"]["id"])
    return Outcome({"user": raw(user), "customer": args["customer"]})


@operation("licenses.available", kind="read", params=[CUSTOMER, Param("offer", required=False)],
           view=LICENSE_SUMMARY)
async def available_licenses(ctx: OperationContext, args: Args) -> Outcome:
    skus = await ctx.client.licenses.list_subscribed_skus(args["customer"]["id"]).to_list()
    offer = args.get("offer")
    items = [raw(s) for s in skus]
    if offer:
        wanted = match_subscriptions(offer, [_SkuName(s) for s in items])
        items = [w.raw for w in wanted] or items
    return Outcome({"skus": items, "customer": args["customer"]})


@operation("licenses.assigned", kind="read", params=[CUSTOMER, USER], view=ASSIGNED_LICENSES)
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

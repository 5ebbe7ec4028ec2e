"""Order lookups."""

from __future__ import annotations

from cards.view_spec import Field, Fmt, Link, Record, Section, Table, View
from dialogs.context import OperationContext
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, Outcome, Param, ParamType, operation

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)

ORDER_LIST = View(table=Table(
    title_key=True,  # "Order {id}"
    columns=(Field("offer", "lineItems.0.friendlyName|lineItems.0.offerId"),
             Field("status", fmt=Fmt.ENUM, enum="order_status"),
             Field("created", "creationDate", Fmt.DATE),
             Field("total", "totalPrice", Fmt.MONEY, currency="currencyCode")),
    action=Link.to("orders.get", customer="customer.id|referenceCustomerId", order="id")))

ORDER_DETAILS = View(
    title_args=(("id", "order.id"),),
    record=Record(source="order", fields=(
        Field("customer", "customer.name"),
        Field("status", fmt=Fmt.ENUM, enum="order_status"),
        Field("created", "creationDate", Fmt.DATE),
        Field("billing_cycle", "billingCycle", Fmt.ENUM, enum="billing_cycle"),
        Field("total", "totalPrice", Fmt.MONEY, currency="currencyCode"))),
    sections=(Section("items", table=Table(
        items="order.lineItems", title="friendlyName|offerId",
        columns=(Field("quantity", fmt=Fmt.NUMBER, labelled=True),
                 Field("term", "termDuration", Fmt.TERM),
                 Field("transaction_type", "transactionType", Fmt.ENUM, enum="transaction_type"),
                 Field("price", "pricing.extendedPrice|pricing.price", Fmt.MONEY, currency="order.currencyCode")),
        action=Link.to("subscriptions.get", customer="order.referenceCustomerId|customer.id",
                       subscription="subscriptionId"))),))


@operation("orders.list", kind="read", params=[CUSTOMER, Param("billing_cycle", required=False)],
           view=ORDER_LIST)
async def list_orders(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    cycle = (args.get("billing_cycle") or "").lower().replace("-", "_")
    cycle = {"annually": "annual", "yearly": "annual", "onetime": "one_time", "one time": "one_time"}.get(cycle, cycle)
    pager = ctx.client.orders.list(args["customer"]["id"])
    keep = (lambda o: str(o.billing_cycle or "").lower() == cycle) if cycle else None
    items, more = await take_page(pager, page, 10, keep)
    params = {"customer": args["customer"]["id"], **({"billing_cycle": cycle} if cycle else {})}
    return Outcome(ListPage([raw(o) for o in items], page, more, params, {"customer": args["customer"]}))


@operation("orders.get", kind="read", params=[CUSTOMER, Param("order")], view=ORDER_DETAILS)
async def get_order(ctx: OperationContext, args: Args) -> Outcome:
    order = await ctx.client.orders.get(args["customer"]["id"], args["order"].strip())
    return Outcome({"order": raw(order), "customer": args["customer"]})

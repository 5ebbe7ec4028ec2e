"""Order lookups."""

from __future__ import annotations

from dialogs import views
from dialogs.context import OperationContext
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, Outcome, Param, ParamType, operation

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)


@operation("orders.list", kind="read", params=[CUSTOMER, Param("billing_cycle", required=False)],
           card=views.order_list)
async def list_orders(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    cycle = (args.get("billing_cycle") or "").lower().replace("-", "_")
    cycle = {"annually": "annual", "yearly": "annual", "onetime": "one_time", "one time": "one_time"}.get(cycle, cycle)
    pager = ctx.client.orders.list(args["customer"]["id"])
    keep = (lambda o: str(o.billing_cycle or "").lower() == cycle) if cycle else None
    items, more = await take_page(pager, page, 10, keep)
    params = {"customer": args["customer"]["id"], **({"billing_cycle": cycle} if cycle else {})}
    return Outcome(ListPage([raw(o) for o in items], page, more, params, {"customer": args["customer"]}))


@operation("orders.get", kind="read", params=[CUSTOMER, Param("order")], card=views.order_details)
async def get_order(ctx: OperationContext, args: Args) -> Outcome:
    order = await ctx.client.orders.get(args["customer"]["id"], args["order"].strip())
    return Outcome({"order": raw(order), "customer": args["customer"]})

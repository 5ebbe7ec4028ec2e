"""Customer lookups."""

from __future__ import annotations

from dialogs import views
from dialogs.context import OperationContext
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, Outcome, Param, ParamType, operation
from dialogs.resolve import DOMAIN_RE


@operation("customers.list", kind="read", card=views.customer_list)
async def list_customers(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.customers.list(), page, 10)
    return Outcome(ListPage([raw(c) for c in items], page, more, {}))


@operation("customers.search", kind="read", params=[Param("customer", ParamType.TEXT)], card=views.customer_list)
async def search_customers(ctx: OperationContext, args: Args) -> Outcome:
    query = args["customer"]
    page = int(ctx.extras.get("page", 0))
    field = "Domain" if DOMAIN_RE.match(query) else "CompanyName"
    items, more = await take_page(ctx.client.customers.search(query, field=field), page, 10)
    return Outcome(ListPage([raw(c) for c in items], page, more, {"customer": query}, {"query": query}))


@operation("customers.get", kind="read", params=[Param("customer", ParamType.CUSTOMER, from_context=True)],
           card=views.customer_details)
async def get_customer(ctx: OperationContext, args: Args) -> Outcome:
    customer = await ctx.client.customers.get(args["customer"]["id"])
    return Outcome(raw(customer))

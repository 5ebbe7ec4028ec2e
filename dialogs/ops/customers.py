"""Customer lookups."""

from __future__ import annotations

from cards.view_spec import Button, Field, Fmt, Link, Record, Table, View
from dialogs.context import OperationContext
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, Outcome, Param, ParamType, operation
from dialogs.resolve import DOMAIN_RE

_NAME = "companyProfile.companyName|billingProfile.companyName|companyProfile.domain|id"
_ROW = Table(title=_NAME, columns=(Field("domain", "companyProfile.domain"),
                                   Field("relationship", "relationshipToPartner", Fmt.ENUM, enum="relationship")),
             action=Link.to("customers.get", customer="id|companyProfile.tenantId"))
CUSTOMER_LIST = View(table=_ROW)
CUSTOMER_SEARCH = View(table=_ROW)
_OF_CUSTOMER = {"customer": "id|companyProfile.tenantId"}
CUSTOMER_DETAILS = View(
    title_args=(("name", _NAME),),
    record=Record(fields=(
        Field("domain", "companyProfile.domain"), Field("tenant_id", "id|companyProfile.tenantId"),
        Field("relationship", "relationshipToPartner", Fmt.ENUM, enum="relationship"),
        Field("billing_contact", "billingProfile", Fmt.PERSON),
        Field("email", "billingProfile.email|companyProfile.email"),
        Field("address", "billingProfile.defaultAddress|companyProfile.address", Fmt.ADDRESS),
        Field("language", "billingProfile.culture|billingProfile.language"),
        Field("delegated_access", "allowDelegatedAccess", Fmt.YES_NO), Field("custom_domains", "customDomains"))),
    buttons=tuple(Button(name, Link.to(op, **_OF_CUSTOMER)) for name, op in (
        ("subscriptions", "subscriptions.list"), ("users", "users.list"), ("licenses", "licenses.available"),
        ("orders", "orders.list"))))


@operation("customers.list", kind="read", view=CUSTOMER_LIST)
async def list_customers(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.customers.list(), page, 10)
    return Outcome(ListPage([raw(c) for c in items], page, more, {}))


@operation("customers.search", kind="read", params=[Param("customer", ParamType.TEXT)], view=CUSTOMER_SEARCH)
async def search_customers(ctx: OperationContext, args: Args) -> Outcome:
    query = args["customer"]
    page = int(ctx.extras.get("page", 0))
    field = "Domain" if DOMAIN_RE.match(query) else "CompanyName"
    items, more = await take_page(ctx.client.customers.search(query, field=field), page, 10)
    return Outcome(ListPage([raw(c) for c in items], page, more, {"customer": query}, {"query": query}))


@operation("customers.get", kind="read", params=[Param("customer", ParamType.CUSTOMER, from_context=True)],
           view=CUSTOMER_DETAILS)
async def get_customer(ctx: OperationContext, args: Args) -> Outcome:
    customer = await ctx.client.customers.get(args["customer"]["id"])
    return Outcome(raw(customer))

"""Invoices and the account balance."""

from __future__ import annotations

from cards.view_spec import Button, Field, Fmt, Link, Record, Section, Table, View
from dialogs.context import OperationContext
from dialogs.ops import recon
from dialogs.paging import ListPage, raw, take_page
from dialogs.periods import parse_period
from dialogs.registry import Args, Outcome, Param, operation
from partner_center import errors

_TOTAL = Field("total_charges", "totalCharges", Fmt.MONEY, currency="currencyCode|currency")
INVOICE_LIST = View(table=Table(
    title="id", columns=(Field("invoice_date", "invoiceDate", Fmt.DATE), _TOTAL,
                         Field("invoice_type", "invoiceType", Fmt.ENUM, enum="invoice_type"),
                         Field("document_type", "documentType", Fmt.ENUM, enum="document_type")),
    action=Link.to("invoices.get", invoice="id")))
INVOICE_DETAILS = View(
    record=Record(fields=(
        Field("invoice_date", "invoiceDate", Fmt.DATE),
        Field("billing_period", "billingPeriodStartDate", Fmt.DATE, end="billingPeriodEndDate"), _TOTAL,
        Field("paid", "paidAmount", Fmt.MONEY, currency="currencyCode|currency"),
        Field("invoice_type", "invoiceType", Fmt.ENUM, enum="invoice_type"),
        Field("document_type", "documentType", Fmt.ENUM, enum="document_type"), Field("status"),
        Field("includes", "invoiceDetails.*.billingProvider", Fmt.ENUM, enum="billing_provider"))),
    buttons=(Button("line_items", Link.to("invoices.line_items", invoice="id")),))
# License-based, one-time and usage line items share a few fields under different names.
INVOICE_LINE_ITEMS = View(table=Table(
    title="offerName|subscriptionName|productName|skuName|serviceName|resourceName|offerId",
    columns=(Field("sku", "skuName", differs="offerName|subscriptionName|productName"),
             Field("customer", "customerName|customerDomainName"),
             Field("quantity", "quantity|billableQuantity|consumedQuantity", Fmt.NUMBER, labelled=True),
             Field("amount", "totalForCustomer|amount|subtotal|pretaxCharges", Fmt.MONEY,
                   currency="currency|pricingCurrency|currencyCode"),
             Field("period", "chargeStartDate", Fmt.DATE, end="chargeEndDate"), Field("charge_type", "chargeType"))))
_BALANCE_CURRENCY = "currencyCode"
BALANCE = View(
    record=Record(fields=(
        Field("balance", "balanceAmount", Fmt.MONEY, currency=_BALANCE_CURRENCY),
        Field("as_of", "accountingDate", Fmt.DATE),
        Field("last_payment", "lastPaymentAmount", Fmt.MONEY, currency=_BALANCE_CURRENCY),
        Field("last_payment_date", "lastPaymentDate", Fmt.DATE),
        Field("latest_invoice", "latestInvoiceDate", Fmt.DATE))),
    sections=(Section("by_type", table=Table(
        items="details", facts=True, title=Field("invoice_type", "invoiceType", Fmt.ENUM, enum="invoice_type"),
        columns=(Field("balance", "summary.balanceAmount", Fmt.MONEY,
                       currency="summary.currencyCode|currencyCode"),), limit=20)),))


@operation("invoices.list", kind="read", params=[Param("period", required=False)], view=INVOICE_LIST)
async def list_invoices(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    window = parse_period(args.get("period"))

    def keep(invoice) -> bool:
        return window is None or window.contains(invoice.raw.get("invoiceDate"))

    items, more = await take_page(ctx.client.invoices.list(), page, 10, keep)
    params = {"period": args["period"]} if args.get("period") else {}
    return Outcome(ListPage([raw(i) for i in items], page, more, params, {"period": args.get("period")}))


@operation("invoices.get", kind="read", params=[Param("invoice")], view=INVOICE_DETAILS)
async def get_invoice(ctx: OperationContext, args: Args) -> Outcome:
    invoice = await ctx.client.invoices.get(args["invoice"].strip().upper())
    return Outcome(raw(invoice))


@operation("invoices.line_items", kind="read",
           params=[Param("invoice"), Param("customer", required=False), Param("export", required=False),
                   Param("scope", required=False)], view=INVOICE_LINE_ITEMS)
async def invoice_line_items(ctx: OperationContext, args: Args) -> Outcome:
    """New-commerce invoices from March 2026 on: the v2 reconciliation export as a job (dialogs.ops.recon);
    legacy (Recurring) invoices and earlier periods: the v1 line items, a page at a time."""
    invoice_id = args["invoice"].strip().upper()
    if args.get("export"):
        return recon.export_file(ctx, args, f"invoice-{invoice_id}.csv")
    page = int(ctx.extras.get("page", 0))
    customer = (args.get("customer") or "").lower()
    if page == 0 and not customer:
        try:
            found = await ctx.client.invoices.get(invoice_id)
        except errors.NotFoundError:
            return Outcome(message=ctx.t("money.invoice.unknown", invoice=invoice_id))
        start = found.billing_period_start_date
        if found.invoice_type == "OneTime" and recon.uses_v2(start.date() if start else None):
            label = recon.month_label(start.date(), ctx.locale) if start else ""
            return await recon.start_export(
                ctx, op="invoices.line_items", scope=None, period_label=label, invoice=found,
                summary=ctx.t("money.recon.preparing_invoice", invoice=found.id, period=label))

    def keep(item) -> bool:
        data = item.raw if hasattr(item, "raw") else item
        names = f"{data.get('customerName', '')} {data.get('domainName', '')} {data.get('customerDomainName', '')}"
        return not customer or customer in names.lower()

    # The invoice names its billing provider (office, azure, one_time); G... invoices have only one-time lines.
    invoice = raw(await ctx.client.invoices.get(invoice_id))
    details = [d for d in invoice.get("invoiceDetails") or [] if isinstance(d, dict)]
    providers = [str(d.get("billingProvider")) for d in details
                 if d.get("invoiceLineItemType") == "billing_line_items" and d.get("billingProvider")]
    pager = ctx.client.invoices.list_line_items(invoice_id, provider=providers[0] if providers else "office")
    items, more = await take_page(pager, page, 10, keep)
    params = {"invoice": invoice_id, **({"customer": args["customer"]} if customer else {})}
    return Outcome(ListPage([raw(i) for i in items], page, more, params, {"invoice": invoice_id}))


@operation("billing.balance", kind="read", view=BALANCE)
async def balance(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(raw(await ctx.client.invoices.get_balance()))

"""Money reads (issue 15): invoice summaries and estimates, usage vs budget, subscription usage, Azure prices,
service costs and analytics with charts (api.md §12, §18). Amounts stay Decimal until the card formats them per
locale with their currency; periods are read in the user's calendar (dialogs.periods.user_today).

Each handler returns plain data for its declared view; a chart's numbers are also in the card as a table (the
chart's fallback, and the view's own table).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cards.view_spec import Chart, ChartKind, Field, Fmt, Record, Section, Table, View
from dialogs.context import OperationContext
from dialogs.paging import raw
from dialogs.periods import Window, check_window, oldest_kept, parse_period, user_today
from dialogs.registry import Args, Outcome, Param, ParamType, operation
from partner_center import errors
from partner_center.analytics import quote_filter_value
from partner_center.billing_models import to_decimal

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
OPTIONAL_CUSTOMER = Param("customer", ParamType.CUSTOMER, required=False)
PERIOD = Param("period", required=False)
KEPT_MONTHS = 24  # invoices and usage the partner can still read (older: "older than the data kept")
AZURE_KEPT_MONTHS = 13  # Azure usage insights
NO_AZURE = 600039  # sandbox/Partner Center: the customer has no usage-based subscription
_GROUPING = re.compile(r"^\s*(?:by|per|each|every)\s+(?:day|week|month|quarter|year)\s*$|^\s*(?:daily|weekly|monthly|"
                       r"quarterly|yearly|over time)\s*$|^\s*(?:每日|每週|每月|每季|每年|按月|依月)\s*$", re.IGNORECASE)


def _today(ctx: OperationContext) -> date:
    return user_today(ctx.extras)


def _period(ctx: OperationContext, text: str | None, kept: int = KEPT_MONTHS) -> tuple[Window | None, str | None]:
    """(window, refusal message): a future period or one older than the data kept gets a plain answer."""
    if not text or _GROUPING.search(text):  # "by month", "monthly": how to group, not which period
        return None, None
    today = _today(ctx)
    window = parse_period(text, today)
    if window is None:
        return None, ctx.t("money.period.unknown", period=text)
    problem = check_window(window, today, kept)
    if problem == "future":
        return window, ctx.t("money.period.future", period=text)
    if problem == "too_old":
        return window, ctx.t("money.period.too_old", period=text, months=kept,
                             oldest=oldest_kept(today, kept).isoformat()[:7])
    return window, None


def _month_label(day: date, locale: str) -> str:
    return f"{day.year}年{day.month}月" if locale.startswith("zh") else day.strftime("%b %Y")


def _name(customer: dict[str, Any]) -> str:
    return str(customer.get("name") or customer.get("companyName") or "")


# ----------------------------------------------------------------------------------------- invoices.summaries

SUMMARIES = View(
    chart=Chart(ChartKind.BAR, x=Field("month", "label"),
                y=(Field("invoiced", "total", Fmt.MONEY, currency="currency"),), items="months"),
    sections=(Section("balances", table=Table(
        items="balances", grid=True,
        columns=(Field("currency", "currencyCode"), Field("balance", "balanceAmount", Fmt.MONEY,
                                                          currency="currencyCode"),
                 Field("latest", "latestInvoiceDate", Fmt.DATE),
                 Field("last_payment", "lastPaymentAmount", Fmt.MONEY, currency="currencyCode")))),),
    table=Table(items="months", grid=True,
                columns=(Field("month", "label"), Field("invoiced", "total", Fmt.MONEY, currency="currency"),
                         Field("invoices", "count", Fmt.NUMBER))),
)


@operation("invoices.summaries", kind="read", params=[PERIOD], view=SUMMARIES)
async def invoice_summaries(ctx: OperationContext, args: Args) -> Outcome:
    """Balance per currency (B10) and what was invoiced per month (B1) — the monthly spend chart."""
    window, refusal = _period(ctx, args.get("period"))
    if refusal:
        return Outcome(message=refusal)
    today = _today(ctx)
    window = window or Window(oldest_kept(today, 11), date(today.year + 1, 1, 1))
    balances = [raw(s) for s in await ctx.client.invoices.list_summaries().to_list()]
    months: dict[tuple[date, str], list[Any]] = {}
    async for invoice in ctx.client.invoices.list():
        when = invoice.invoice_date
        if when is None or not window.contains(invoice.raw.get("invoiceDate")):
            continue
        key = (date(when.year, when.month, 1), invoice.currency_code or "USD")
        entry = months.setdefault(key, [Decimal(0), 0])
        entry[0] += to_decimal(invoice.raw.get("totalCharges")) or Decimal(0)
        entry[1] += 1
    rows = [{"label": _month_label(day, ctx.locale), "total": total, "currency": ccy, "count": n}
            for (day, ccy), (total, n) in sorted(months.items())]
    return Outcome({"balances": balances, "months": rows, "period": args.get("period") or ""})


# ----------------------------------------------------------------------------------------- invoices.estimate_links

ESTIMATES = View(table=Table(title="title", columns=(Field("description"),), limit=10))


@operation("invoices.estimate_links", kind="read", params=[PERIOD], view=ESTIMATES)
async def estimate_links(ctx: OperationContext, args: Args) -> Outcome:
    """Reconciliation estimate files (B11); a period narrows to current/previous."""
    links = [raw(link) for link in await ctx.client.invoices.list_estimate_links("USD").to_list()]
    text = (args.get("period") or "").lower()
    if text:
        window, refusal = _period(ctx, text)
        if refusal:
            return Outcome(message=refusal)
        this_month = _today(ctx).replace(day=1)
        wanted = "current" if window is None or window.start >= this_month else "previous"
        links = [link for link in links if link.get("period") == wanted] or links
    return Outcome({"items": links})


# ----------------------------------------------------------------------------------------- billing.usage_summary

USAGE_SUMMARY = View(
    title_args=(("customer", "customer.name"),),
    record=Record(fields=(
        Field("spent", "totalCost", Fmt.MONEY, currency="currencyCode"),
        Field("budget", "budgetAmount", Fmt.MONEY, currency="currencyCode"),
        Field("used", "budgetUsed", Fmt.PERCENT),
        Field("projected", "projected", Fmt.MONEY, currency="currencyCode"),
        Field("from", "billingStartDate", Fmt.DATE), Field("to", "billingEndDate", Fmt.DATE),
        Field("with_azure", "customersWithUsageBasedSubscriptions", Fmt.NUMBER),
        Field("over", "customersOverBudget", Fmt.NUMBER),
        Field("trending", "customersTrendingOver", Fmt.NUMBER))),
)


@operation("billing.usage_summary", kind="read", params=[OPTIONAL_CUSTOMER], view=USAGE_SUMMARY)
async def usage_summary(ctx: OperationContext, args: Args) -> Outcome:
    """A customer's month-to-date Azure spend vs budget (B13), or partner-wide who is over budget (B14)."""
    customer = args.get("customer")
    if not isinstance(customer, dict):
        summary = raw(await ctx.client.usage.get_partner_summary())
        return Outcome({**summary, "customer": {"name": ctx.t("money.all_customers")}})
    try:
        found = await ctx.client.usage.get_customer_summary(customer["id"])
    except errors.NotFoundError as exc:
        if exc.code == NO_AZURE:
            return Outcome(message=ctx.t("money.no_azure", customer=_name(customer)))
        raise
    spent, budget = found.total_cost or Decimal(0), found.budget_amount
    start, end = found.billing_start_date, found.billing_end_date
    data = {**found.raw, "customer": customer, "budgetAmount": budget, "currencyCode": found.currency_code}
    if budget:
        data["budgetUsed"] = (spent * 100 / budget).quantize(Decimal("0.1"))
    today = _today(ctx)
    if start is not None and end is not None:
        elapsed = max((today - start.date()).days, 1)
        days = (end.date() - start.date()).days + 1
        data["projected"] = (spent * days / elapsed).quantize(Decimal("0.01"))
    return Outcome(data, context={"customer": customer})


# ----------------------------------------------------------------------------------------- billing.subscription_usage

SUBSCRIPTION_USAGE = View(
    title_args=(("customer", "customer.name"),),
    record=Record(fields=(Field("subscription", "subscription_name"),
                          Field("spent", "total", Fmt.MONEY, currency="currency"),
                          Field("from", "from", Fmt.DATE))),
    chart=Chart(ChartKind.HBAR, x=Field("meter", "meterName"),
                y=(Field("cost", "totalCost", Fmt.MONEY, currency="currencyCode"),), items="meters"),
    table=Table(items="meters", grid=True,
                columns=(Field("meter", "meterName"), Field("category"), Field("quantity", fmt=Fmt.NUMBER),
                         Field("unit"), Field("cost", "totalCost", Fmt.MONEY, currency="currencyCode"))),
)


@operation("billing.subscription_usage", kind="read",
           params=[CUSTOMER, Param("subscription", required=False)],
           view=SUBSCRIPTION_USAGE)
async def subscription_usage(ctx: OperationContext, args: Args) -> Outcome:
    """Month-to-date cost per meter of the customer's Azure plan (S21), as a chart and a table."""
    customer = args["customer"]
    records = await ctx.client.usage.list_subscription_usage(customer["id"]).to_list()
    chosen = (args.get("subscription") or "").strip().lower()  # a name as typed; only Azure plans have usage
    if chosen and "azure" not in chosen and not any(chosen in str(r.name or "").lower() for r in records):
        return Outcome(message=ctx.t("money.not_usage_based", subscription=args["subscription"]))
    if not records:
        return Outcome(message=ctx.t("money.no_azure", customer=_name(customer)))
    record = records[0]
    meters = [raw(m) for m in await ctx.client.usage.list_meter_usage(customer["id"], record.id).to_list()]
    meters.sort(key=lambda m: to_decimal(m.get("totalCost")) or Decimal(0), reverse=True)
    return Outcome({"customer": customer, "subscription_name": record.name, "total": record.total_cost,
                    "currency": record.currency_code or "USD", "from": record.raw.get("billingStartDate"),
                    "meters": meters}, context={"customer": customer})


# ----------------------------------------------------------------------------------------- billing.azure_prices

AZURE_PRICES = View(table=Table(items="meters", grid=True, columns=(
    Field("meter", "name"), Field("category"), Field("region"), Field("unit"),
    Field("price", "price", Fmt.MONEY, currency="currency"))))


@operation("billing.azure_prices", kind="read", params=[Param("country", required=False)], view=AZURE_PRICES)
async def azure_prices(ctx: OperationContext, args: Args) -> Outcome:
    country = (args.get("country") or "US").strip().upper()[:2]
    card = await ctx.client.usage.get_azure_rate_card(currency="USD", region=country)
    meters = [{**m.raw, "price": m.price, "currency": card.currency} for m in card.meters]
    return Outcome({"meters": meters, "country": country})


# ----------------------------------------------------------------------------------------- billing.service_costs

SERVICE_COSTS = View(
    title_args=(("customer", "customer.name"),),
    record=Record(fields=(Field("from", "billingStartDate", Fmt.DATE), Field("to", "billingEndDate", Fmt.DATE),
                          Field("pretax", "pretaxTotal", Fmt.MONEY, currency="currencyCode"),
                          Field("tax", "tax", Fmt.MONEY, currency="currencyCode"),
                          Field("total", "afterTaxTotal", Fmt.MONEY, currency="currencyCode"))),
    table=Table(items="lines", title="productName|subscriptionFriendlyName",
                columns=(Field("charge", "chargeType"), Field("quantity", fmt=Fmt.NUMBER, labelled=True),
                         Field("amount", "afterTaxTotal", Fmt.MONEY, currency="currencyCode"))),
)


@operation("billing.service_costs", kind="read", params=[CUSTOMER, PERIOD], view=SERVICE_COSTS)
async def service_costs(ctx: OperationContext, args: Args) -> Outcome:
    """The customer's charges of the most recent billing period (B15 + B16; the only period the API has)."""
    customer = args["customer"]
    window, refusal = _period(ctx, args.get("period"))
    if refusal:
        return Outcome(message=refusal)
    summary = await ctx.client.usage.get_service_costs(customer["id"])
    start = summary.billing_start_date
    if window is not None and start is not None and not window.contains(start.isoformat()):
        return Outcome(message=ctx.t("money.service_costs.only_recent", customer=_name(customer),
                                     start=start.date().isoformat()))
    lines = [raw(li) for li in await ctx.client.usage.list_service_cost_line_items(customer["id"]).to_list()]
    lines.sort(key=lambda li: to_decimal(li.get("afterTaxTotal")) or Decimal(0), reverse=True)
    return Outcome({**summary.raw, "customer": customer, "lines": lines}, context={"customer": customer})


# ----------------------------------------------------------------------------------------- analytics.licenses

LICENCES = View(
    title_args=(("scope", "scope"),),
    chart=Chart(ChartKind.HBAR, x=Field("name", "name"),
                y=(Field("deployed_pct", "deployedPercent", Fmt.PERCENT),
                   Field("usage_pct", "usagePercent", Fmt.PERCENT)), items="rows"),
    table=Table(items="rows", grid=True, columns=(
        Field("name", "name"), Field("sold", "sold", Fmt.NUMBER), Field("deployed", "deployed", Fmt.NUMBER),
        Field("deployed_pct", "deployedPercent", Fmt.PERCENT), Field("usage_pct", "usagePercent", Fmt.PERCENT))),
)


def _pct(part: Any, whole: Any) -> Decimal | None:
    p, w = to_decimal(part), to_decimal(whole)
    if p is None or not w:
        return None
    return (p * 100 / w).quantize(Decimal("0.1"))


async def _customer_licence_rows(ctx: OperationContext, customer_id: str, offer: str) -> list[dict[str, Any]]:
    deployment = await ctx.client.analytics.list_license_deployment(customer_id).to_list()
    usage = await ctx.client.analytics.list_license_usage(customer_id).to_list()
    rows = []
    for d in deployment:
        product = str(d["productName"] or "")
        if offer and offer not in product.lower() and offer not in str(d["serviceName"] or "").lower():
            continue
        used = [u for u in usage if u["productName"] == product]
        active = sum(int(u["licensesActive"] or 0) for u in used) / max(len(used), 1)
        qualified = sum(int(u["licensesQualified"] or 0) for u in used) / max(len(used), 1)
        rows.append({"name": product, "customer": d["customerName"], "sold": d["licensesSold"],
                     "deployed": d["licensesDeployed"], "deployedPercent": d.number("deploymentPercent"),
                     "usagePercent": _pct(active, qualified)})
    return rows


@operation("analytics.licenses", kind="read", params=[OPTIONAL_CUSTOMER, Param("offer", required=False)],
           view=LICENCES)
async def licence_analytics(ctx: OperationContext, args: Args) -> Outcome:
    """Licences sold, deployed and used (§18): one customer's products, one product across customers (e.g.
    Copilot), or every service partner-wide."""
    customer = args.get("customer")
    offer = (args.get("offer") or "").strip().lower()
    if isinstance(customer, dict):
        rows = await _customer_licence_rows(ctx, customer["id"], offer)
        return Outcome({"rows": rows, "scope": _name(customer)}, context={"customer": customer})
    if offer:
        subs = await ctx.client.analytics.list_subscriptions(
            filter=f"productName contains {quote_filter_value(offer)} and status eq 'ACTIVE'").to_list()
        owners = sorted({(s["customerTenantId"], s["customerName"]) for s in subs}, key=lambda o: str(o[1]))
        rows = []
        for cid, cname in owners:
            for row in await _customer_licence_rows(ctx, cid, offer):
                rows.append({**row, "name": cname})
        total_sold = sum(int(r["sold"] or 0) for r in rows)
        total_deployed = sum(int(r["deployed"] or 0) for r in rows)
        if rows:
            weighted = sum((r["usagePercent"] or Decimal(0)) * int(r["deployed"] or 0) for r in rows)
            rows.append({"name": ctx.t("money.all_customers"), "sold": total_sold, "deployed": total_deployed,
                         "deployedPercent": _pct(total_deployed, total_sold),
                         "usagePercent": (weighted / total_deployed).quantize(Decimal("0.1"))
                         if total_deployed else None})
        return Outcome({"rows": rows, "scope": args.get("offer")})
    deployment = await ctx.client.analytics.list_license_deployment().to_list()
    usage = await ctx.client.analytics.list_license_usage().to_list()
    rows = []
    for d in deployment:
        service = d["serviceName"]
        pcts = [u.number("proratedLicensesUsagePercent") for u in usage if u["serviceName"] == service]
        pcts = [p for p in pcts if p is not None]
        sold = int(d["licensesSold"] or 0)
        deployed_pct = d.number("proratedDeploymentPercent")
        rows.append({"name": service, "sold": sold,
                     "deployed": round(sold * deployed_pct / 100) if deployed_pct is not None else None,
                     "deployedPercent": deployed_pct,
                     "usagePercent": (sum(pcts) / len(pcts)).quantize(Decimal("0.1")) if pcts else None})
    return Outcome({"rows": rows, "scope": ctx.t("money.all_customers")})


# ----------------------------------------------------------------------------------------- analytics.subscriptions

SUBSCRIPTION_TREND = View(
    chart=Chart(ChartKind.LINE, x=Field("month", "label"),
                y=(Field("total", "total", Fmt.NUMBER), Field("new", "new", Fmt.NUMBER)), items="months"),
    sections=(Section("terms", table=Table(items="terms", grid=True, columns=(
        Field("term", "termDuration", Fmt.TERM), Field("count", "subscriptionCount", Fmt.NUMBER),
        Field("licences", "licenseCount", Fmt.NUMBER)))),),
    table=Table(items="months", grid=True, columns=(Field("month", "label"), Field("new", "new", Fmt.NUMBER),
                                                    Field("total", "total", Fmt.NUMBER))),
)


@operation("analytics.subscriptions", kind="read", params=[PERIOD, Param("status", required=False)],
           view=SUBSCRIPTION_TREND)
async def subscription_analytics(ctx: OperationContext, args: Args) -> Outcome:
    """Subscriptions over time (grouped by creation month, §18) and by term."""
    window, refusal = _period(ctx, args.get("period"))
    if refusal:
        return Outcome(message=refusal)
    status = (args.get("status") or "").strip().upper()
    flt = f"status eq {quote_filter_value(status)}" if status in {"ACTIVE", "SUSPENDED", "DEPROVISIONED"} else None
    grouped = await ctx.client.analytics.list_subscriptions(filter=flt, groupby="creationDate",
                                                            aggregation_level="month").to_list()
    terms = [raw(r) for r in await ctx.client.analytics.list_subscriptions(filter=flt,
                                                                           groupby="termDuration").to_list()]
    today = _today(ctx)
    window = window or Window(oldest_kept(today, 11), date(today.year + 1, 1, 1))
    running = 0
    months = []
    for g in sorted(grouped, key=lambda r: str(r["creationDate"])):
        running += int(g["subscriptionCount"] or 0)
        day = date.fromisoformat(str(g["creationDate"])[:10])
        if window.start <= day < window.end:
            months.append({"label": _month_label(day, ctx.locale), "new": g["subscriptionCount"],
                           "total": running})
    return Outcome({"months": months[-24:], "terms": terms})


# ----------------------------------------------------------------------------------------- analytics.azure_usage

AZURE_USAGE = View(
    title_args=(("scope", "scope"),),
    record=Record(fields=(Field("total", "total", Fmt.MONEY, currency="currency"),
                          Field("from", "from", Fmt.DATE), Field("to", "to", Fmt.DATE))),
    chart=Chart(ChartKind.LINE, x=Field("day", "day", Fmt.DATE),
                y=(Field("cost", "cost", Fmt.MONEY, currency="currency"),), items="days"),
    table=Table(items="meters", grid=True, columns=(
        Field("meter", "meter"), Field("quantity", fmt=Fmt.NUMBER), Field("unit"),
        Field("cost", "cost", Fmt.MONEY, currency="currency"))),
)


@operation("analytics.azure_usage", kind="read", params=[PERIOD, OPTIONAL_CUSTOMER], view=AZURE_USAGE)
async def azure_usage_analytics(ctx: OperationContext, args: Args) -> Outcome:
    """Azure cost per day and per meter: usage insights (quantities, §18) priced with the rate card."""
    window, refusal = _period(ctx, args.get("period"), AZURE_KEPT_MONTHS)
    if refusal:
        return Outcome(message=refusal)
    today = _today(ctx)
    window = window or Window(today - timedelta(days=30), today)
    customer = args.get("customer")
    clauses = [f"usageDate ge '{window.start.isoformat()}'"]
    if isinstance(customer, dict):
        clauses.append(f"customerTenantId eq {quote_filter_value(customer['id'])}")
    rows = await ctx.client.analytics.list_azure_usage(filter=" and ".join(clauses)).to_list()
    rows = [r for r in rows if str(r["usageDate"])[:10] < window.end.isoformat()]
    if not rows:
        if isinstance(customer, dict):
            return Outcome(message=ctx.t("money.no_azure", customer=_name(customer)))
        return Outcome(message=ctx.t("money.no_azure_usage"))
    card = await ctx.client.usage.get_azure_rate_card(currency="USD")
    prices = {m.raw.get("id"): m.price or Decimal(0) for m in card.meters}
    per_day: dict[str, Decimal] = defaultdict(Decimal)
    per_meter: dict[str, list[Any]] = {}
    for r in rows:
        qty = r.number("quantity") or Decimal(0)
        cost = qty * prices.get(r["consumptionMeterId"], Decimal(0))
        per_day[str(r["usageDate"])[:10]] += cost
        entry = per_meter.setdefault(str(r["meterName"]), [Decimal(0), r["meterUnit"], Decimal(0)])
        entry[0] += qty
        entry[2] += cost
    days = [{"day": d, "cost": c.quantize(Decimal("0.01")), "currency": "USD"} for d, c in sorted(per_day.items())]
    meters = [{"meter": m, "quantity": q.quantize(Decimal("0.01")), "unit": u, "cost": c.quantize(Decimal("0.01")),
               "currency": "USD"} for m, (q, u, c) in sorted(per_meter.items(), key=lambda kv: -kv[1][2])]
    total = sum((c for c in per_day.values()), Decimal(0)).quantize(Decimal("0.01"))
    scope = _name(customer) if isinstance(customer, dict) else ctx.t("money.all_customers")
    return Outcome({"days": days[-24:], "meters": meters, "total": total, "currency": "USD", "scope": scope,
                    "from": days[0]["day"], "to": days[-1]["day"]},
                   context={"customer": customer} if isinstance(customer, dict) else {})


# ----------------------------------------------------------------------------------------- resellers, referrals, search

RESELLERS = View(table=Table(items="rows", grid=True, columns=(
    Field("reseller", "partnerName"), Field("market", "partnerMarket"),
    Field("customers", "customerCount", Fmt.NUMBER), Field("subscriptions", "subscriptionCount", Fmt.NUMBER),
    Field("licences", "licenseCount", Fmt.NUMBER))))


@operation("analytics.resellers", kind="read", params=[PERIOD], view=RESELLERS)
async def reseller_analytics(ctx: OperationContext, args: Args) -> Outcome:
    rows = [raw(r) for r in await ctx.client.analytics.list_resellers().to_list()]
    rows.sort(key=lambda r: -int(r.get("licenseCount") or 0))
    return Outcome({"rows": rows})


REFERRALS = View(
    record=Record(fields=(Field("won", "won", Fmt.NUMBER), Field("lost", "lost", Fmt.NUMBER),
                          Field("value", "value", Fmt.MONEY, currency="currency"))),
    table=Table(items="rows", title="customerName", columns=(
        Field("status"), Field("closed", "closedDate", Fmt.DATE),
        Field("value", "dealValue", Fmt.MONEY, currency="currency"))),
)


@operation("analytics.referrals", kind="read", params=[PERIOD], view=REFERRALS)
async def referral_analytics(ctx: OperationContext, args: Args) -> Outcome:
    window, refusal = _period(ctx, args.get("period"))
    if refusal:
        return Outcome(message=refusal)
    rows = [raw(r) for r in await ctx.client.analytics.list_referrals().to_list()]
    if window is not None:
        rows = [r for r in rows if window.contains(r.get("closedDate"))]
    rows.sort(key=lambda r: str(r.get("closedDate")), reverse=True)
    won = [r for r in rows if r.get("status") == "Won"]
    value = sum((to_decimal(r.get("dealValue")) or Decimal(0) for r in won), Decimal(0))
    return Outcome({"rows": rows, "won": len(won), "lost": len(rows) - len(won), "value": value,
                    "currency": "USD"})


SEARCHES = View(
    chart=Chart(ChartKind.HBAR, x=Field("keyword", "keyword"), y=(Field("searches", "searchCount", Fmt.NUMBER),),
                items="rows"),
    table=Table(items="rows", grid=True, columns=(
        Field("keyword", "keyword"), Field("searches", "searchCount", Fmt.NUMBER))),
)


@operation("analytics.search", kind="read", params=[PERIOD], view=SEARCHES)
async def search_analytics(ctx: OperationContext, args: Args) -> Outcome:
    """Marketplace searches that found the partner, per keyword (§18), within the period."""
    window, refusal = _period(ctx, args.get("period"))
    if refusal:
        return Outcome(message=refusal)
    flt = None
    if window is not None:
        flt = f"date ge '{window.start.isoformat()}' and date lt '{window.end.isoformat()}'"
    rows = [raw(r) for r in await ctx.client.analytics.list_searches(filter=flt, groupby="keyword").to_list()]
    rows.sort(key=lambda r: -int(r.get("searchCount") or 0))
    return Outcome({"rows": rows[:15]})

"""Billing beyond invoices (api.md §12 B6, B11-B16, §18 analytics) on generated data that adds up.

Registered before sandbox.routes.billing so `/v1/invoices/unbilled/...` and `/v1/invoices/estimates/...` are not
taken for invoice ids. All numbers come from sandbox.money_data and the stored subscriptions on the sandbox
clock: daily Azure utilization, unbilled lines, usage vs budget and service costs agree with the invoices.

B12 (Azure utilization) is routed by sandbox.routes.long_running (204 + Retry-After via sandbox.operations); its
records come from utilization_rows() here. Deviation (noted per api.md's rule): the Azure rate card
(`/v1/ratecards/azure`, Partner Center's legacy pay-as-you-go prices) is not in api.md and follows the public
AzureRateCard shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from sandbox import money_data as money
from sandbox.body import enum_key
from sandbox.context import Sandbox, app_user_only, sandbox_of
from sandbox.envelope import collection, iso, json_response, link, parse_iso
from sandbox.errors import ApiError, invalid_input, not_found
from sandbox.paging import seek_page
from sandbox.routes.billing import INVOICE_KIND, LINE_KIND

routes = web.RouteTableDef()

SUB_KIND = "subscription"
USD = {"currencyCode": "USD", "currencySymbol": "$"}


# ---- shared lookups -----------------------------------------------------------------------------------------

def today(sandbox: Sandbox) -> date:
    return sandbox.now().date()


def subscriptions_of(sandbox: Sandbox, customer_id: str) -> list[dict[str, Any]]:
    return [d.body for d in sandbox.store.list(SUB_KIND, customer_id)]


def azure_plans(sandbox: Sandbox, customer_id: str) -> list[dict[str, Any]]:
    return [s for s in subscriptions_of(sandbox, customer_id)
            if money.is_azure_plan(s) and s.get("status") in {"active", "suspended"}]


def _subscription(sandbox: Sandbox, customer_id: str, subscription_id: str) -> dict[str, Any]:
    doc = sandbox.store.get(SUB_KIND, subscription_id.lower(), customer_id)
    if doc is None:
        raise not_found(800005, f"Subscription {subscription_id} was not found for customer {customer_id}.")
    return doc


def _no_azure(customer: dict[str, Any]) -> ApiError:
    name = customer.get("companyProfile", {}).get("companyName", customer["id"])
    return ApiError(404, 600039, f"Customer {name} has no usage-based (Azure) subscription.")


def _require_azure(sub: dict[str, Any]) -> None:
    if not money.is_azure_plan(sub):
        raise ApiError(400, 600040, f"Subscription {sub['id']} is not usage-based; it has no Azure usage records.")


def _period_bounds(sandbox: Sandbox) -> tuple[date, date]:
    """The running billing month [first, next first)."""
    first = money.month_start(today(sandbox))
    return first, money.add_months(first, 1)


def _dt(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _iso_day(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


# ---- B11 estimate links ---------------------------------------------------------------------------------------

@routes.get("/v1/invoices/estimates/links")
async def estimate_links(request: web.Request) -> web.Response:
    """Reconciliation estimate download links for the running and the previous period (api.md §12.1 B11)."""
    q = {k.lower(): v for k, v in request.query.items()}
    currency = (q.get("currencycode") or "").upper()
    if not currency:
        raise invalid_input("The query parameter 'currencycode' is required.")
    if currency != "USD":
        return json_response(collection([], f"/invoices/estimates/links?currencycode={currency}"))
    items = []
    for period, title in (("current", "Current billing period"), ("previous", "Previous billing period")):
        for kind, what in (("billinglineitems", "Unbilled reconciliation"), ("usagelineitems", "Unbilled usage")):
            items.append({
                "title": f"{what} — {title}", "description": f"{what} line items, {title.lower()}",
                "period": period, "recon": kind == "billinglineitems",
                "link": link(f"/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype={kind}"
                             f"&currencycode=USD&period={period}"),
                "attributes": {"objectType": "InvoiceEstimateLink"},
            })
    return json_response(collection(items, f"/invoices/estimates/links?currencycode={currency}"))


# ---- B6 unbilled line items (v1) -------------------------------------------------------------------------------

def unbilled_period(sandbox: Sandbox, period: str) -> tuple[date, date]:
    """[start, end) of `current` or `previous`/`last` billing month on the sandbox clock."""
    first, nxt = _period_bounds(sandbox)
    if period in {"previous", "last"}:
        return money.add_months(first, -1), first
    return first, nxt


def unbilled_lines(sandbox: Sandbox, period: str,
                   customer_filter: Callable[[dict[str, Any]], bool] | None = None
                   ) -> list[tuple[str, str, dict[str, Any], float]]:
    """(provider, line type, line, amount) of every customer's new-commerce charges of the period so far."""
    from sandbox.seed_extra import period_lines  # the seeder's billing rules, shared

    start, end = unbilled_period(sandbox, period)
    usage_end = min(end, today(sandbox))  # consumption is rated through yesterday
    out: list[tuple[str, str, dict[str, Any], float]] = []
    for doc in sandbox.store.list("customer", ""):
        customer = doc.body
        if customer_filter is not None and not customer_filter(customer):
            continue
        subs = subscriptions_of(sandbox, customer["id"])
        out.extend(period_lines(sandbox.config, customer, subs, _dt(start),
                                _dt(end) - timedelta(seconds=1), usage_end))
    return out


@routes.get("/v1/invoices/unbilled/lineitems")
async def unbilled_line_items(request: web.Request) -> web.Response:
    """Unbilled reconciliation / consumption line items, seek paging (api.md §12.1 B6; §25.5 retirement)."""
    sandbox = sandbox_of(request)
    q = {k.lower(): v for k, v in request.query.items()}
    if enum_key(q.get("provider", "")) != "onetime":
        raise invalid_input("Unbilled line items exist only for provider 'onetime'.")
    line_type = enum_key(q.get("invoicelineitemtype", ""))
    if line_type not in {"billinglineitems", "usagelineitems"}:
        raise invalid_input("The invoice line item type must be billinglineitems or usagelineitems.")
    currency = (q.get("currencycode") or "").upper()
    if not currency:
        raise invalid_input("The query parameter 'currencycode' is required.")
    period = (q.get("period") or "").lower()
    if period not in {"current", "previous"}:
        raise invalid_input("The query parameter 'period' must be 'current' or 'previous'.")
    if sandbox.config.recon_v1_retired:
        start, _ = unbilled_period(sandbox, period)
        if start >= date(2026, 3, 1):
            raise invalid_input("The unbilled reconciliation v1 API is retired for new-commerce billing periods "
                                "from March 2026; use the billing reconciliation export (v2).")
    wanted = "onetime:" + line_type
    lines = [] if currency != "USD" else [
        item for provider, lt, item, _ in unbilled_lines(sandbox, period) if f"{provider}:{lt}" == wanted]
    query = {"provider": "onetime", "invoicelineitemtype": line_type, "currencycode": currency, "period": period}

    def fetch(after: int, limit: int, state: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        if state.get("p") != period or state.get("t") != line_type:
            raise invalid_input("The continuation token is not valid for this collection.")
        return [(n + 1, line) for n, line in enumerate(lines)][after:after + limit]

    page = seek_page(request, kind="unbilled_line_items", base_uri="/invoices/unbilled/lineitems",
                     state={"p": period, "t": line_type}, fetch=fetch, default_size=2000, max_size=2000,
                     self_query=query, next_query=query)
    return json_response(page)


# ---- B12 Azure utilization rows --------------------------------------------------------------------------------------

def utilization_rows(sandbox: Sandbox, sub: dict[str, Any], start: datetime, end: datetime,
                     granularity: str, details: bool = True) -> list[dict[str, Any]]:
    """B12 records of an Azure plan (served by sandbox.routes.long_running): the money_data daily quantities,
    so they add up to the billed consumption lines; data exists through yesterday on the sandbox clock."""
    ready_until = today(sandbox)  # data exists through yesterday
    first = start.astimezone(UTC).date()
    last = min((end - timedelta(microseconds=1)).astimezone(UTC).date() + timedelta(days=1), ready_until)
    entitlement = sub.get("entitlementId") or sub["id"]
    rows: list[dict[str, Any]] = []
    for day in money.usage_days(sub, first, last):
        for meter, qty in money.daily_quantities(sub["id"], day):
            slots = [(_dt(day), _dt(day) + timedelta(days=1), qty)] if granularity == "daily" else [
                (_dt(day) + timedelta(hours=h), _dt(day) + timedelta(hours=h + 1), qty / 24) for h in range(24)]
            for s, e, amount in slots:
                if e <= start or s >= end:
                    continue
                row: dict[str, Any] = {
                    "usageStartTime": iso(s).replace(".000Z", "Z"), "usageEndTime": iso(e).replace(".000Z", "Z"),
                    "resource": {"id": meter.id, "name": meter.name, "category": meter.category,
                                 "subcategory": meter.subcategory, "region": meter.region},
                    "quantity": money.wire_qty(amount), "unit": meter.unit, "infoFields": {},
                    "attributes": {"objectType": "AzureUtilizationRecord"},
                }
                if details:
                    row["instanceData"] = {
                        "resourceUri": f"/subscriptions/{entitlement}/resourceGroups/rg-prod/providers/"
                                       f"{meter.service}/{meter.name.replace(' ', '-').lower()}",
                        "location": "westus2", "partNumber": meter.id[:8].upper(), "orderNumber": sub["orderId"],
                        "additionalInfo": {}, "tags": {"env": "prod"},
                    }
                rows.append(row)
    return rows


# ---- B13/B14 usage summaries -----------------------------------------------------------------------------------

def month_to_date(sandbox: Sandbox, sub: dict[str, Any]) -> Decimal:
    first, _ = _period_bounds(sandbox)
    return money.azure_cost(sub, first, today(sandbox))


def customer_usage(sandbox: Sandbox, customer: dict[str, Any]) -> dict[str, Any] | None:
    plans = azure_plans(sandbox, customer["id"])
    if not plans:
        return None
    first, nxt = _period_bounds(sandbox)
    cost = sum((month_to_date(sandbox, s) for s in plans), Decimal(0))
    budget = money.budget_for(customer["id"])
    return {
        "budget": {"amount": float(budget), "attributes": {"objectType": "SpendingBudget"}},
        "resourceId": plans[0]["id"], "resourceName": "Azure plan",
        "billingStartDate": _iso_day(first), "billingEndDate": _iso_day(nxt - timedelta(days=1)),
        "totalCost": money.wire_money(cost), "currencyCode": "USD", "usdTotalCost": money.wire_money(cost),
        "lastModifiedDate": _iso_day(today(sandbox)),
        "links": {"self": link(f"/customers/{customer['id']}/usagesummary")},
        "attributes": {"objectType": "CustomerUsageSummary"},
        "_projected": _projected(sandbox, cost),
    }


def _projected(sandbox: Sandbox, cost: Decimal) -> Decimal:
    first, nxt = _period_bounds(sandbox)
    elapsed = max((today(sandbox) - first).days, 1)
    return cost * Decimal((nxt - first).days) / Decimal(elapsed)


@routes.get("/v1/customers/{customer_id}/usagesummary")
@app_user_only
async def customer_usage_summary(request: web.Request) -> web.Response:
    """Month-to-date Azure spend against the customer's budget (api.md §12.1 B13)."""
    sandbox = sandbox_of(request)
    customer = sandbox.customer(request.match_info["customer_id"])
    body = customer_usage(sandbox, customer)
    if body is None:
        raise _no_azure(customer)
    return json_response(body)


@routes.get("/v1/usagesummary")
@app_user_only
async def partner_usage_summary(request: web.Request) -> web.Response:
    """Customers over / trending over their budget this month (api.md §12.1 B14)."""
    sandbox = sandbox_of(request)
    first, nxt = _period_bounds(sandbox)
    over = trending = with_usage = 0
    for doc in sandbox.store.list("customer", ""):
        usage = customer_usage(sandbox, doc.body)
        if usage is None:
            continue
        with_usage += 1
        budget = Decimal(str(usage["budget"]["amount"]))
        if Decimal(str(usage["totalCost"])) > budget:
            over += 1
        elif usage["_projected"] > budget:
            trending += 1
    return json_response({
        "resourceId": sandbox.config.partner_tenant_id, "resourceName": "Partner",
        "customersWithUsageBasedSubscriptions": with_usage, "customersOverBudget": over,
        "customersTrendingOver": trending, "billingStartDate": _iso_day(first),
        "billingEndDate": _iso_day(nxt - timedelta(days=1)), "lastModifiedDate": _iso_day(today(sandbox)),
        "emailsToNotify": [], "links": {"self": link("/usagesummary")},
        "attributes": {"objectType": "PartnerUsageSummary"},
    })


# ---- S21 subscription usage ----------------------------------------------------------------------------------

def _sub_usage(sandbox: Sandbox, customer_id: str, sub: dict[str, Any]) -> dict[str, Any]:
    first, nxt = _period_bounds(sandbox)
    cost = month_to_date(sandbox, sub)
    return {
        "id": sub["id"], "name": sub.get("friendlyName") or "Azure plan", "status": sub.get("status"),
        "resourceType": "AzurePlan", "partnerOnRecord": None, "totalCost": money.wire_money(cost),
        "usdTotalCost": money.wire_money(cost), "currencyCode": "USD",
        "billingStartDate": _iso_day(first), "billingEndDate": _iso_day(nxt - timedelta(days=1)),
        "lastModifiedDate": _iso_day(today(sandbox)),
        "attributes": {"objectType": "SubscriptionMonthlyUsageRecord"},
    }


@routes.get("/v1/customers/{customer_id}/subscriptions/usagerecords")
@app_user_only
async def subscription_usage_records(request: web.Request) -> web.Response:
    """Month-to-date cost of each usage-based subscription of a customer (api.md §7.1 S21)."""
    sandbox = sandbox_of(request)
    customer = sandbox.customer(request.match_info["customer_id"])
    items = [_sub_usage(sandbox, customer["id"], s) for s in azure_plans(sandbox, customer["id"])]
    return json_response(collection(items, f"/customers/{customer['id']}/subscriptions/usagerecords"))


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}/usagesummary")
@app_user_only
async def subscription_usage_summary(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    customer = sandbox.customer(request.match_info["customer_id"])
    sub = _subscription(sandbox, customer["id"], request.match_info["subscription_id"])
    _require_azure(sub)
    body = _sub_usage(sandbox, customer["id"], sub)
    body["attributes"] = {"objectType": "SubscriptionUsageSummary"}
    return json_response(body)


@routes.get("/v1/customers/{customer_id}/subscriptions/{subscription_id}/meterusagerecords")
@app_user_only
async def meter_usage_records(request: web.Request) -> web.Response:
    """Month-to-date quantity and cost per meter of an Azure plan (S21)."""
    sandbox = sandbox_of(request)
    customer = sandbox.customer(request.match_info["customer_id"])
    sub = _subscription(sandbox, customer["id"], request.match_info["subscription_id"])
    _require_azure(sub)
    first, _ = _period_bounds(sandbox)
    totals = money.meter_totals(sub["id"], money.usage_days(sub, first, today(sandbox)))
    items = []
    for meter in money.METERS:
        if meter.id in totals:
            cost = money.line_cost(meter, totals[meter.id])
            items.append({"meterId": meter.id, "meterName": meter.name, "category": meter.category,
                          "subcategory": meter.subcategory, "unit": meter.unit,
                          "quantity": money.wire_qty(totals[meter.id]), "totalCost": money.wire_money(cost),
                          "usdTotalCost": money.wire_money(cost), "currencyCode": "USD",
                          "lastModifiedDate": _iso_day(today(sandbox)),
                          "attributes": {"objectType": "MeterUsageRecord"}})
    return json_response(collection(items, f"/customers/{customer['id']}/subscriptions/{sub['id']}/"
                                           "meterusagerecords"))


# ---- B15/B16 service costs -----------------------------------------------------------------------------------

def _most_recent_invoices(sandbox: Sandbox) -> list[dict[str, Any]]:
    invoices = [d.body for d in sandbox.store.list(INVOICE_KIND, "")]
    if not invoices:
        return []
    latest = max(i["billingPeriodStartDate"] for i in invoices)
    return [i for i in invoices if i["billingPeriodStartDate"] == latest]


def _service_cost_lines(sandbox: Sandbox, customer_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    invoices = _most_recent_invoices(sandbox)
    lines: list[dict[str, Any]] = []
    for inv in invoices:
        for doc in sandbox.store.list(LINE_KIND, inv["id"]):
            line = doc.body
            if line.get("customerId") != customer_id:
                continue
            amount = line.get("totalForCustomer", line.get("billingPreTaxTotal", 0))
            lines.append({
                "invoiceNumber": inv["id"], "invoiceType": inv["invoiceType"],
                "startDate": line.get("chargeStartDate"), "endDate": line.get("chargeEndDate"),
                "subscriptionId": line.get("subscriptionId"), "orderId": line.get("orderId"),
                "subscriptionFriendlyName": line.get("subscriptionDescription") or line.get("subscriptionName"),
                "productId": line.get("productId"), "skuId": line.get("skuId"),
                "productName": line.get("productName") or line.get("offerName"), "skuName": line.get("skuName"),
                "meterName": line.get("meterName"), "chargeType": line.get("chargeType"),
                "quantity": line.get("quantity"), "unitPrice": line.get("unitPrice"),
                "pretaxTotal": amount, "tax": 0, "afterTaxTotal": amount, **USD,
                "attributes": {"objectType": "ServiceCostLineItem"},
            })
    return invoices, lines


def _costs_period(request: web.Request) -> None:
    period = request.match_info["billing_period"]
    if period.lower() != "mostrecent":
        raise invalid_input(f"The billing period '{period}' is not supported; only 'MostRecent' is.")


@routes.get("/v1/customers/{customer_id}/servicecosts/{billing_period}")
@app_user_only
async def service_costs_summary(request: web.Request) -> web.Response:
    """The customer's charges on the most recent invoices (api.md §12.1 B15)."""
    _costs_period(request)
    sandbox = sandbox_of(request)
    customer = sandbox.customer(request.match_info["customer_id"])
    invoices, lines = _service_cost_lines(sandbox, customer["id"])

    def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
        total = sum((Decimal(str(r["pretaxTotal"])) for r in rows), Decimal(0))
        return {"billingStartDate": invoices[0]["billingPeriodStartDate"] if invoices else None,
                "billingEndDate": invoices[0]["billingPeriodEndDate"] if invoices else None,
                "pretaxTotal": money.wire_money(total), "tax": 0, "afterTaxTotal": money.wire_money(total),
                **USD, "customerId": customer["id"], "attributes": {"objectType": "ServiceCostsSummary"}}

    body = summary(lines)
    body["details"] = [{"invoiceType": kind, "summary": summary([r for r in lines if r["invoiceType"] == kind])}
                       for kind in ("Recurring", "OneTime") if any(r["invoiceType"] == kind for r in lines)]
    base = f"/customers/{customer['id']}/servicecosts/MostRecent"
    body["links"] = {"serviceCostLineItems": link(base + "/lineitems"), "self": link(base)}
    return json_response(body)


@routes.get("/v1/customers/{customer_id}/servicecosts/{billing_period}/lineitems")
@app_user_only
async def service_costs_line_items(request: web.Request) -> web.Response:
    _costs_period(request)
    sandbox = sandbox_of(request)
    customer = sandbox.customer(request.match_info["customer_id"])
    _, lines = _service_cost_lines(sandbox, customer["id"])
    return json_response(collection(lines, f"/customers/{customer['id']}/servicecosts/MostRecent/lineitems"))


# ---- Azure rate card -----------------------------------------------------------------------------------------

@routes.get("/v1/ratecards/azure")
async def azure_rate_card(request: web.Request) -> web.Response:
    """Pay-as-you-go Azure meter prices (Partner Center's AzureRateCard; see the module note)."""
    q = {k.lower(): v for k, v in request.query.items()}
    currency = (q.get("currency") or "USD").upper()
    region = (q.get("region") or "US").upper()
    if currency != "USD":
        raise invalid_input(f"The currency '{currency}' is not offered in the sandbox; use USD.")
    if not re.fullmatch(r"[A-Z]{2}", region):
        raise invalid_input(f"The region '{region}' is not a two-letter market code.")
    meters = [{"id": m.id, "name": m.name, "rates": {"0": float(m.price)}, "tags": [], "category": m.category,
               "subcategory": m.subcategory, "region": m.region, "unit": m.unit, "includedQuantity": 0.0,
               "effectiveDate": "2026-01-01T00:00:00Z"} for m in money.METERS]
    return json_response({"currency": currency, "isTaxIncluded": False, "locale": "en-US", "meters": meters,
                          "offerTerms": [], "attributes": {"objectType": "AzureRateCard"}})


# ---- §18 analytics -----------------------------------------------------------------------------------------

def _customers(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [d.body for d in sandbox.store.list("customer", "")]


def _licence_rows(sandbox: Sandbox, customer: dict[str, Any]) -> list[dict[str, Any]]:
    """Per product: seats sold (active subscriptions) and seats deployed (users holding the product's SKU)."""
    from sandbox.routes.users import USER_KIND, license_sku_for

    cid = customer["id"]
    sold: dict[str, list[Any]] = {}
    for sub in subscriptions_of(sandbox, cid):
        sku = license_sku_for(sub)
        if sku is None or sub.get("status") != "active":
            continue
        entry = sold.setdefault(sku["id"], [sub.get("offerName") or sku.get("skuPartNumber"), 0, 0])
        entry[1] += int(sub.get("quantity") or 0)
    for doc in sandbox.store.list(USER_KIND, cid):
        if doc.body.get("state") != "active":
            continue
        for sku_id in doc.body.get("_licenses") or {}:
            if sku_id in sold:
                sold[sku_id][2] += 1
    name = customer.get("companyProfile", {}).get("companyName")
    rows = []
    for product, seats, deployed in sold.values():
        deployed = min(deployed, seats)
        service = money.service_name(product)
        workloads = money.WORKLOADS.get(service, (service,))
        active = round(sum(money.active_share(cid, w) for w in workloads) / len(workloads) * deployed)
        rows.append({"customerId": cid, "customerName": name, "productName": product, "serviceName": service,
                     "licensesSold": seats, "licensesDeployed": deployed, "licensesActive": active,
                     "licensesQualified": deployed, "workloads": workloads})
    return rows


def _processed(sandbox: Sandbox) -> str:
    return _iso_day(today(sandbox))


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


@routes.get("/v1/analytics/licenses/deployment")
@app_user_only
async def partner_licence_deployment(request: web.Request) -> web.Response:
    """Deployment % per service across all customers (api.md §18)."""
    sandbox = sandbox_of(request)
    agg: dict[str, list[int]] = {}
    for customer in _customers(sandbox):
        for r in _licence_rows(sandbox, customer):
            a = agg.setdefault(r["serviceName"], [0, 0])
            a[0] += r["licensesSold"]
            a[1] += r["licensesDeployed"]
    items = [{"serviceName": s, "channel": "reseller", "licensesSold": sold,
              "proratedDeploymentPercent": _pct(dep, sold), "processedDateTime": _processed(sandbox),
              "attributes": {"objectType": "PartnerLicensesDeploymentInsights"}}
             for s, (sold, dep) in sorted(agg.items())]
    return json_response(collection(items, "/analytics/licenses/deployment"))


@routes.get("/v1/analytics/licenses/usage")
@app_user_only
async def partner_licence_usage(request: web.Request) -> web.Response:
    """Usage % per service and workload across all customers (api.md §18)."""
    sandbox = sandbox_of(request)
    agg: dict[tuple[str, str], list[float]] = {}
    for customer in _customers(sandbox):
        for r in _licence_rows(sandbox, customer):
            for w in r["workloads"]:
                a = agg.setdefault((r["serviceName"], w), [0.0, 0.0])
                a[0] += money.active_share(customer["id"], w) * r["licensesDeployed"]
                a[1] += r["licensesDeployed"]
    items = [{"serviceName": s, "workloadName": w, "channel": "reseller",
              "proratedLicensesUsagePercent": _pct(act, dep), "processedDateTime": _processed(sandbox),
              "attributes": {"objectType": "PartnerLicensesUsageInsights"}}
             for (s, w), (act, dep) in sorted(agg.items())]
    return json_response(collection(items, "/analytics/licenses/usage"))


@routes.get("/v1/customers/{customer_id}/analytics/licenses/deployment")
@app_user_only
async def customer_licence_deployment(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    customer = sandbox.customer(request.match_info["customer_id"])
    items = [{"customerName": r["customerName"], "productName": r["productName"], "serviceName": r["serviceName"],
              "licensesDeployed": r["licensesDeployed"], "licensesSold": r["licensesSold"],
              "deploymentPercent": _pct(r["licensesDeployed"], r["licensesSold"]), "channel": "reseller",
              "processedDateTime": _processed(sandbox),
              "attributes": {"objectType": "CustomerLicensesDeploymentInsights"}}
             for r in _licence_rows(sandbox, customer)]
    return json_response(collection(items, f"/customers/{customer['id']}/analytics/licenses/deployment"))


@routes.get("/v1/customers/{customer_id}/analytics/licenses/usage")
@app_user_only
async def customer_licence_usage(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    customer = sandbox.customer(request.match_info["customer_id"])
    items = []
    for r in _licence_rows(sandbox, customer):
        for w in r["workloads"]:
            active = round(money.active_share(customer["id"], w) * r["licensesDeployed"])
            items.append({"customerName": r["customerName"], "productName": r["productName"],
                          "serviceName": r["serviceName"], "workloadName": w, "licensesActive": active,
                          "licensesQualified": r["licensesQualified"],
                          "usagePercent": _pct(active, r["licensesQualified"]), "channel": "reseller",
                          "processedDateTime": _processed(sandbox),
                          "attributes": {"objectType": "CustomerLicensesUsageInsights"}})
    return json_response(collection(items, f"/customers/{customer['id']}/analytics/licenses/usage"))


# Insights under /partner/v1/analytics: {"Value": [...], "@nextLink": ..., "TotalCount": n}; top (<= 10000),
# skip, filter ("field eq 'x' and field2 contains 'y'"; also ge/le/gt/lt for dates), groupby, aggregationLevel.

_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|ne|contains|ge|le|gt|lt)\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


def _parse_filter(raw: str | None) -> Callable[[dict[str, Any]], bool]:
    """eq/ne/contains (+ ge/le/gt/lt) clauses joined by a single kind of and/or (api.md §18)."""
    if not raw or not raw.strip():
        return lambda row: True
    joins = re.findall(r"\s(and|or)\s", raw, flags=re.IGNORECASE)
    if len({j.lower() for j in joins}) > 1:
        raise invalid_input("The filter mixes 'and' and 'or'; use one of them.")
    clauses = []
    for part in re.split(r"\s(?:and|or)\s", raw, flags=re.IGNORECASE):
        m = _CLAUSE.match(part)
        if not m:
            raise invalid_input(f"The filter clause '{part.strip()}' is not valid "
                                "(use field eq|ne|contains 'value').")
        clauses.append((m.group(1).lower(), m.group(2).lower(), m.group(3).replace("''", "'").lower()))
    any_mode = bool(joins) and joins[0].lower() == "or"

    def test(row: dict[str, Any], field: str, op: str, value: str) -> bool:
        actual = next((v for k, v in row.items() if k.lower() == field), None)
        if actual is None and not any(k.lower() == field for k in row):
            raise invalid_input(f"The filter field '{field}' is not supported.")
        text = str(actual).lower()
        return {"eq": text == value, "ne": text != value, "contains": value in text, "ge": text >= value,
                "le": text <= value, "gt": text > value, "lt": text < value}[op]

    def keep(row: dict[str, Any]) -> bool:
        results = (test(row, *c) for c in clauses)
        return any(results) if any_mode else all(results)

    return keep


def _insights(request: web.Request, rows: list[dict[str, Any]], base: str,
              count_field: str = "subscriptionCount", sum_field: str | None = "licenseCount") -> web.Response:
    q = {k.lower(): v for k, v in request.query.items()}
    try:
        top = int(q.get("top") or 10000)
        skip = int(q.get("skip") or 0)
    except ValueError:
        raise invalid_input("'top' and 'skip' must be whole numbers.") from None
    if top < 1 or top > 10000 or skip < 0:
        raise invalid_input("'top' must be 1-10000 and 'skip' 0 or more.")
    rows = [r for r in rows if _parse_filter(q.get("filter"))(r)]
    group = q.get("groupby")
    if group:
        fields = [g.strip() for g in group.split(",") if g.strip()]
        level = (q.get("aggregationlevel") or "month").lower()
        if level not in {"day", "week", "month"}:
            raise invalid_input("'aggregationLevel' must be day, week or month.")
        grouped: dict[tuple, dict[str, Any]] = {}
        for r in rows:
            key_values = []
            for f in fields:
                real = next((k for k in r if k.lower() == f.lower()), None)
                if real is None:
                    raise invalid_input(f"The groupby field '{f}' is not supported.")
                value = r[real]
                if real.endswith("Date") and isinstance(value, str) and value:
                    value = _bucket(value, level)
                key_values.append((real, value))
            g = grouped.setdefault(tuple(key_values), {**dict(key_values), count_field: 0,
                                                       **({sum_field: 0} if sum_field else {})})
            g[count_field] += 1
            if sum_field:
                g[sum_field] += int(r.get(sum_field) or 0)
        rows = sorted(grouped.values(), key=lambda g: tuple(str(v) for v in g.values()))
    page = rows[skip:skip + top]
    nxt = None
    if skip + top < len(rows):
        keep = {k: v for k, v in request.query.items() if k.lower() not in {"top", "skip"}}
        nxt = f"{base}?{urlencode({**keep, 'top': top, 'skip': skip + top})}"
    return json_response({"Value": page, "@nextLink": nxt, "TotalCount": len(rows)})


def _bucket(value: str, level: str) -> str:
    day = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    if level == "month":
        day = day.replace(day=1)
    elif level == "week":
        day = day - timedelta(days=day.weekday())
    return day.isoformat()


def subscription_rows(sandbox: Sandbox) -> list[dict[str, Any]]:
    rows = []
    for customer in _customers(sandbox):
        profile = customer.get("companyProfile", {})
        for s in subscriptions_of(sandbox, customer["id"]):
            status = {"active": "ACTIVE", "suspended": "SUSPENDED"}.get(s.get("status", ""), "DEPROVISIONED")
            rows.append({
                "customerTenantId": customer["id"], "customerName": profile.get("companyName"),
                "customerMarket": profile.get("address", {}).get("country"), "id": s["id"], "status": status,
                "productName": s.get("offerName"), "subscriptionType": s.get("productType", {}).get(
                    "displayName") if isinstance(s.get("productType"), dict) else s.get("productType"),
                "autoRenewEnabled": s.get("autoRenewEnabled"), "partnerId": sandbox.config.partner_tenant_id,
                "friendlyName": s.get("friendlyName"), "creationDate": s.get("creationDate"),
                "effectiveStartDate": s.get("effectiveStartDate"),
                "commitmentEndDate": s.get("commitmentEndDate"), "currentStateEndDate": s.get("commitmentEndDate"),
                "trialToPaidConversionDate": None, "trialStartDate": None, "trialEndDate": None,
                "lastUsageDate": _processed(sandbox), "deprovisionedDate": None,
                "lastRenewalDate": None, "licenseCount": int(s.get("quantity") or 0),
                "churnRisk": "Low", "billingCycleName": s.get("billingCycle"),
                "termDuration": s.get("termDuration") or "",
            })
    return rows


@routes.get("/partner/v1/analytics/subscriptions")
@app_user_only
async def subscription_analytics(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    return _insights(request, subscription_rows(sandbox), "/partner/v1/analytics/subscriptions")


def azure_usage_rows(sandbox: Sandbox, start: date, end: date) -> list[dict[str, Any]]:
    rows = []
    for customer in _customers(sandbox):
        for sub in azure_plans(sandbox, customer["id"]):
            for day in money.usage_days(sub, start, min(end, today(sandbox))):
                for meter, qty in money.daily_quantities(sub["id"], day):
                    rows.append({
                        "customerTenantId": customer["id"],
                        "customerName": customer["companyProfile"]["companyName"],
                        "subscriptionId": sub["id"], "subscriptionName": sub.get("friendlyName"),
                        "usageDate": _iso_day(day), "resourceLocation": "westus2",
                        "meterCategory": meter.category, "meterSubcategory": meter.subcategory,
                        "meterName": meter.name, "meterUnit": meter.unit, "consumptionMeterId": meter.id,
                        "serviceType": meter.service, "quantity": money.wire_qty(qty),
                        "reservationOrderId": None, "reservationId": None,
                    })
    return rows


@routes.get("/partner/v1/analytics/usage/azure")
@app_user_only
async def azure_usage_analytics(request: web.Request) -> web.Response:
    """Daily meter quantities of every Azure plan; window = the last 30 days unless the filter names usageDate."""
    sandbox = sandbox_of(request)
    end = today(sandbox)
    flt = (request.query.get("filter") or "").lower()
    start = end - timedelta(days=30)
    found = re.search(r"usagedate\s+(?:ge|gt|eq)\s+'(\d{4}-\d{2}-\d{2})", flt)
    if found:
        start = date.fromisoformat(found.group(1))
        if (end - start).days > 400:
            raise invalid_input("Azure usage analytics keep 13 months of data.")
    return _insights(request, azure_usage_rows(sandbox, start, end), "/partner/v1/analytics/usage/azure",
                     count_field="recordCount", sum_field=None)


_RESELLERS = [("Proseware Reseller", "US"), ("Tailwind Partners", "GB"), ("Alpine Channel", "DE")]


@routes.get("/partner/v1/analytics/indirectresellers")
@app_user_only
async def reseller_analytics(request: web.Request) -> web.Response:
    """Indirect resellers with the customers (a stable third of them) they serve and those customers' seats."""
    sandbox = sandbox_of(request)
    stats = {name: [0, 0, 0] for name, _ in _RESELLERS}
    for customer in _customers(sandbox):
        pick = money.stable(customer["id"], "reseller")
        if pick >= 0.36:
            continue
        name = _RESELLERS[int(pick / 0.12)][0]
        subs = [s for s in subscriptions_of(sandbox, customer["id"]) if s.get("status") == "active"]
        stats[name][0] += 1
        stats[name][1] += len(subs)
        stats[name][2] += sum(int(s.get("quantity") or 0) for s in subs)
    rows = [{"partnerTenantId": None, "partnerName": name, "partnerMarket": market,
             "partnerLocation": market, "status": "Active", "customerCount": c, "subscriptionCount": s,
             "licenseCount": licences, "resellerTier": "Tier2"}
            for (name, market), (c, s, licences) in zip(_RESELLERS, stats.values(), strict=True)]
    return _insights(request, rows, "/partner/v1/analytics/indirectresellers", sum_field="licenseCount",
                     count_field="resellerCount")


@routes.get("/partner/v1/analytics/referrals")
@app_user_only
async def referral_analytics(request: web.Request) -> web.Response:
    """Referrals that brought the customers created in the last two years (a stable half of them)."""
    sandbox = sandbox_of(request)
    now = sandbox.now()
    rows = []
    for customer in _customers(sandbox):
        created = parse_iso(customer["_created"]) if customer.get("_created") else None
        if created is None or now - created > timedelta(days=730) or money.stable(customer["id"], "ref") > 0.5:
            continue
        won = money.stable(customer["id"], "won") < 0.7
        rows.append({"referralId": customer["id"][:8], "customerName": customer["companyProfile"]["companyName"],
                     "customerMarket": customer["companyProfile"].get("address", {}).get("country"),
                     "status": "Won" if won else "Lost", "createdDate": iso(created - timedelta(days=21)),
                     "closedDate": iso(created), "dealValue": 1000 * (1 + int(money.stable(customer["id"], "v") * 20)),
                     "currency": "USD", "source": "Marketplace"})
    return _insights(request, rows, "/partner/v1/analytics/referrals", count_field="referralCount",
                     sum_field="dealValue")


@routes.get("/partner/v1/analytics/search")
@app_user_only
async def search_analytics(request: web.Request) -> web.Response:
    """Marketplace searches that showed the partner's listing, per month and product searched, the last 6 months:
    products the partner sells more are searched more."""
    sandbox = sandbox_of(request)
    sold: dict[str, int] = {}
    for row in subscription_rows(sandbox):
        sold[row["productName"]] = sold.get(row["productName"], 0) + 1
    first = money.month_start(today(sandbox))
    rows = []
    for back in range(5, -1, -1):
        month = money.add_months(first, -back)
        for product, count in sorted(sold.items()):
            searches = count * 12 + int(money.stable(product, month, "s") * 40)
            rows.append({"date": _iso_day(month), "keyword": product, "searchCount": searches,
                         "pageViews": searches // 3, "contactClicks": searches // 20})
    return _insights(request, rows, "/partner/v1/analytics/search", count_field="keywordCount",
                     sum_field="searchCount")

"""Billing: invoices, invoice line items and the partner's account balance (api.md §12).

Invoices are partner-level documents (kind `invoice`); their line items are documents of kind
`invoice_line_item` scoped by invoice id with k1 = "{provider}:{lineItemType}", written once by the seeder
from the seeded subscriptions and catalog prices (invoices are immutable, so later subscription changes do not
rewrite history). Office/Azure line items page by offset; OneTime line items page by continuation token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from sandbox.body import enum_key
from sandbox.context import app_user_only, sandbox_of
from sandbox.envelope import collection, json_response, link, parse_iso
from sandbox.errors import invalid_input, not_found
from sandbox.filters import filter_body
from sandbox.paging import offset_page, offset_param, page_size, seek_page

routes = web.RouteTableDef()

INVOICE_KIND = "invoice"
LINE_KIND = "invoice_line_item"
MAX_LINE_ITEMS = 2000  # documented default/maximum page of invoice line items

# wire spellings (api.md §12.2) and the query spellings clients use
PROVIDERS = {"office": "office", "azure": "azure", "onetime": "one_time", "one_time": "one_time"}
LINE_TYPES = {"billinglineitems": "billing_line_items", "usagelineitems": "usage_line_items"}
# which (provider, type) pairs exist, and the line item objectType each returns
SUPPORTED = {
    ("office", "billinglineitems"): "LicenseBasedLineItem",
    ("azure", "billinglineitems"): "UsageBasedLineItem",
    ("azure", "usagelineitems"): "DailyUsageLineItem",
    ("onetime", "billinglineitems"): "OneTimeInvoiceLineItem",
    ("onetime", "usagelineitems"): "DailyRatedUsageLineItem",
}
_PATH_NAMES = {"office": "Office", "azure": "Azure", "onetime": "OneTime",
               "billinglineitems": "BillingLineItems", "usagelineitems": "UsageLineItems"}


def line_key(provider: str, line_type: str) -> str:
    """k1 of a stored line item, e.g. 'onetime:billinglineitems'."""
    return f"{provider}:{line_type}"


def invoice_detail(invoice_type: str, invoice_id: str, provider: str, line_type: str) -> dict[str, Any]:
    return {
        "invoiceLineItemType": LINE_TYPES[line_type], "billingProvider": PROVIDERS[provider],
        "links": {"self": link(f"/invoices/{invoice_type}-{invoice_id}/lineitems/{_PATH_NAMES[provider]}/"
                               f"{_PATH_NAMES[line_type]}")},
        "attributes": {"objectType": "InvoiceDetail"},
    }


def _strip_type_prefix(invoice_id: str) -> str:
    """Self links read `/invoices/Recurring-D02005YFHI`; accept that form for the id as well."""
    for prefix in ("recurring-", "onetime-"):
        if invoice_id.lower().startswith(prefix):
            return invoice_id[len(prefix):]
    return invoice_id


def _load_invoice(request: web.Request, raw_id: str) -> dict[str, Any]:
    invoice = sandbox_of(request).store.get(INVOICE_KIND, _strip_type_prefix(raw_id).upper())
    if invoice is None:
        raise not_found(1000, f"Invoice {raw_id} was not found.")
    return invoice


def render_invoice(invoice: dict[str, Any], *, full: bool) -> dict[str, Any]:
    out = {k: v for k, v in invoice.items() if not k.startswith("_")}
    if not full:  # list results carry no billing period and no PDF link (api.md §12.1 B1)
        for name in ("billingPeriodStartDate", "billingPeriodEndDate", "pdfDownloadLink"):
            out.pop(name, None)
    return out


_DATE_OPS = {"equals", "greater_than", "greater_than_or_equals", "less_than", "less_than_or_equals"}


def _invoice_filter(request: web.Request) -> tuple[str, datetime, bool] | None:
    """`filter` = {"Field":"InvoiceDate","Value":"<ISO date>","Operator":"greater_than_or_equals"} (§1.8)."""
    raw = request.query.get("filter")
    if raw is None or raw.strip() == "":
        return None
    f = filter_body(raw)
    field, value, op = f.get("Field"), f.get("Value"), f.get("Operator")
    if not isinstance(field, str) or enum_key(field) != "invoicedate":
        raise invalid_input(f"The filter field '{field}' is not supported for invoices.")
    op_key = enum_key(op) if isinstance(op, str) else ""
    match = next((o for o in _DATE_OPS if enum_key(o) == op_key), None)
    if match is None:
        raise invalid_input(f"The filter operator '{op}' is not supported for invoices.")
    if not isinstance(value, str) or not value.strip():
        raise invalid_input("The filter value must be an ISO 8601 date.")
    try:
        when = parse_iso(value if "T" in value else value.strip() + "T00:00:00Z")
    except ValueError:
        raise invalid_input(f"The filter value '{value}' is not an ISO 8601 date.") from None
    return match, when, "T" not in value


def _matches(invoice_date: str, flt: tuple[str, datetime, bool]) -> bool:
    op, when, date_only = flt
    actual = parse_iso(invoice_date)
    if date_only:
        a, w = actual.date(), when.date()
    else:
        a, w = actual, when  # type: ignore[assignment]
    return {"equals": a == w, "greater_than": a > w, "greater_than_or_equals": a >= w,
            "less_than": a < w, "less_than_or_equals": a <= w}[op]


@routes.get("/v1/invoices")
async def list_invoices(request: web.Request) -> web.Response:
    """All invoices, newest first, offset paging; optional InvoiceDate filter."""
    sandbox = sandbox_of(request)
    flt = _invoice_filter(request)
    docs = [d.body for d in sandbox.store.list(INVOICE_KIND, "")]
    if flt is not None:
        docs = [d for d in docs if _matches(d["invoiceDate"], flt)]
    docs.sort(key=lambda d: (d["invoiceDate"], d["id"]), reverse=True)
    items = [render_invoice(d, full=False) for d in docs]
    extra = {"filter": request.query["filter"]} if flt is not None else None
    return json_response(offset_page(request, items, base_uri="/invoices", default_size=100, max_size=1000,
                                     extra_query=extra))


@routes.get("/v1/invoices/summary")
async def account_balance(request: web.Request) -> web.Response:
    """The partner's current account balance over all invoices (api.md §12.1 B9)."""
    sandbox = sandbox_of(request)
    invoices = [d.body for d in sandbox.store.list(INVOICE_KIND, "")]
    body = _summary(invoices, sandbox.now())
    body["details"] = [{"invoiceType": kind, "summary": _summary([i for i in invoices
                                                                   if i["invoiceType"] == kind], sandbox.now())}
                       for kind in ("Recurring", "OneTime") if any(i["invoiceType"] == kind for i in invoices)]
    body["links"] = {"self": link("/invoices/summary")}
    return json_response(body)


@routes.get("/v1/invoices/summaries")
@app_user_only
async def invoice_summaries(request: web.Request) -> web.Response:
    """One InvoiceSummary per currency (api.md §12.1 B10); the sandbox bills in a single currency."""
    sandbox = sandbox_of(request)
    invoices = [d.body for d in sandbox.store.list(INVOICE_KIND, "")]
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for inv in invoices:
        by_currency.setdefault(inv["currencyCode"], []).append(inv)
    items = [_summary(group, sandbox.now()) for _, group in sorted(by_currency.items())]
    return json_response(collection(items, "/invoices/summaries"))


def _summary(invoices: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    balance = round(sum(i["totalCharges"] - i["paidAmount"] for i in invoices), 2)
    payments = sorted((p for i in invoices for p in i.get("_payments", [])), key=lambda p: p["date"])
    dates = sorted(i["invoiceDate"] for i in invoices)
    currency = invoices[0]["currencyCode"] if invoices else "USD"
    symbol = invoices[0]["currencySymbol"] if invoices else "$"
    return {
        "balanceAmount": balance, "currencyCode": currency, "currencySymbol": symbol,
        "accountingDate": now.strftime("%Y-%m-%dT00:00:00"),
        "firstInvoiceCreationDate": dates[0] if dates else None,
        "lastPaymentDate": payments[-1]["date"] if payments else None,
        "lastPaymentAmount": payments[-1]["amount"] if payments else 0,
        "latestInvoiceDate": dates[-1] if dates else None,
        "attributes": {"objectType": "InvoiceSummary"},
    }


@routes.get("/v1/invoices/{invoice_id}")
@app_user_only
async def get_invoice(request: web.Request) -> web.Response:
    invoice = _load_invoice(request, request.match_info["invoice_id"])
    return json_response(render_invoice(invoice, full=True))


def _norm_provider(value: str | None) -> str:
    key = enum_key(value or "")
    if key not in {"office", "azure", "onetime"}:
        raise invalid_input(f"The billing provider '{value}' is not supported. Use office, azure or onetime.")
    return key


def _norm_type(value: str | None) -> str:
    key = enum_key(value or "")
    if key not in LINE_TYPES:
        raise invalid_input(f"The invoice line item type '{value}' is not supported. "
                            "Use billinglineitems or usagelineitems.")
    return key


@routes.get("/v1/invoices/{invoice_id}/lineitems")
@routes.get("/v1/invoices/{invoice_id}/lineitems/{provider}/{line_type}")
async def list_line_items(request: web.Request) -> web.Response:
    """Line items by provider and type; both the query form (2023 docs) and the path form (SDK) work."""
    q = {k.lower(): v for k, v in request.query.items()}
    path_form = "provider" in request.match_info
    provider = _norm_provider(request.match_info.get("provider") or q.get("provider"))
    line_type = _norm_type(request.match_info.get("line_type") or q.get("invoicelineitemtype"))
    if (provider, line_type) not in SUPPORTED:
        raise invalid_input(f"The provider '{provider}' has no '{line_type}' line items.")
    invoice = _load_invoice(request, request.match_info["invoice_id"])
    inv_id = invoice["id"]
    store = sandbox_of(request).store
    key = line_key(provider, line_type)
    if path_form:
        base_uri = f"/invoices/{inv_id}/lineitems/{_PATH_NAMES[provider]}/{_PATH_NAMES[line_type]}"
        query: dict[str, str] = {}
    else:
        base_uri = f"/invoices/{inv_id}/lineitems"
        query = {"provider": provider, "invoicelineitemtype": line_type}
    currency = None
    if (provider, line_type) == ("onetime", "usagelineitems"):
        currency = q.get("currencycode")
        if not currency:
            raise invalid_input("The query parameter 'currencycode' is required for billed consumption line items.")
        query["currencycode"] = currency
    if provider != "onetime":
        # offset paging: read only as far as the requested page (+1 row to know whether more remain)
        size = page_size(request, default=MAX_LINE_ITEMS, maximum=MAX_LINE_ITEMS)
        offset = offset_param(request)
        docs = store.list(LINE_KIND, inv_id, k1_prefix=key, limit=offset + size + 1)
        items = [d.body for d in docs]
        page = offset_page(request, items, base_uri=base_uri, default_size=MAX_LINE_ITEMS,
                           max_size=MAX_LINE_ITEMS, extra_query=query or None)
        return json_response(page)

    def fetch(after: int, limit: int, st: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        if st.get("i") != inv_id or st.get("p") != key:
            raise invalid_input("The continuation token is not valid for this collection.")
        if currency is not None and currency.upper() != invoice["currencyCode"]:
            return []
        return [(d.seq, d.body) for d in store.list(LINE_KIND, inv_id, after_seq=after, limit=limit,
                                                    k1_prefix=key)]

    page = seek_page(request, kind="invoice_line_items", base_uri=base_uri, state={"i": inv_id, "p": key},
                     fetch=fetch, default_size=MAX_LINE_ITEMS, max_size=MAX_LINE_ITEMS,
                     self_query=query or None, next_query=query or None)
    return json_response(page)

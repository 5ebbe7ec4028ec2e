"""Billing reconciliation v2 on Microsoft Graph (api.md §25): export -> 202 + operation -> manifest -> blob files.

Graph paths are served under /v1.0 and /beta on the sandbox's port, export files under /_blob (§23.0). An export
writes gzip JSON Lines files (split at config.recon_lines_per_blob lines) in a worker thread, line by line, so a
million-line export never sits in memory; the operation succeeds when the files are written and
config.recon_delay_s has passed on the sandbox clock (§25.6 rule 3). Billed lines are the invoice's stored line
items, so their TotalForCustomer adds up to the invoice total (rule 6); unbilled lines come from the seeded
subscriptions (sandbox.routes.money.unbilled_lines). `POST /_sandbox/recon/synthetic` adds an invoice of N
generated lines whose total is known up front (the `partnerbot bench recon` workload).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import json
import math
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web

from sandbox.auth import identify
from sandbox.context import Sandbox, sandbox_of
from sandbox.envelope import iso, json_response, parse_iso
from sandbox.routes.billing import INVOICE_KIND, LINE_KIND

routes = web.RouteTableDef()

OP_KIND = "billing_operation"
READ_SCOPE = "PartnerBilling.Read.All"
_VERSIONS = ("/v1.0", "/beta")
_BASE = "/reports/partners/billing"
_TASKS: dict[str, asyncio.Task] = {}

BASIC = ("PartnerId", "CustomerId", "CustomerName", "InvoiceNumber", "ProductId", "SkuId", "ProductName",
         "ChargeType", "UnitPrice", "Quantity", "Subtotal", "TaxTotal", "TotalForCustomer", "Currency",
         "SubscriptionId", "ChargeStartDate", "ChargeEndDate")


# ---- Graph plumbing -------------------------------------------------------------------------------------------

def graph_error(request: web.Request, status: int, code: str, message: str,
                headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message, "innerError": {
        "request-id": request.get("request_id") or str(uuid.uuid4()), "date": sandbox_of(request).now_iso()}}}
    return web.json_response(body, status=status, headers=headers)


def graph_auth(request: web.Request) -> web.Response | None:
    """401 without a valid bearer token; 403 accessDenied when the token's scopes lack PartnerBilling.Read.All."""
    sandbox = sandbox_of(request)
    header = request.headers.get("Authorization")
    if identify(sandbox.config, header) is None:
        return graph_error(request, 401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
    token = (header or "").partition(" ")[2].strip()
    scopes = sandbox.config.graph_scopes.get(token)
    if scopes is not None and READ_SCOPE not in scopes:
        return graph_error(request, 403, "accessDenied",
                           f"The caller does not have the {READ_SCOPE} permission for partner billing.")
    return None


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    """The body the app's parse_body middleware parsed (Graph paths are API paths, §23.0); None if not an object."""
    body = request.get("json")
    if body is None:
        return {}
    return body if isinstance(body, dict) else None


def _ci(body: dict[str, Any], name: str) -> Any:
    return next((v for k, v in body.items() if k.lower() == name.lower()), None)


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _version(request: web.Request) -> str:
    return "/beta" if request.path.startswith("/beta/") else "/v1.0"


# ---- export requests (R1-R4) ----------------------------------------------------------------------------------

def _export_routes(path: str):
    def register(handler):
        for version in _VERSIONS:
            routes.post(f"{version}{_BASE}{path}")(handler)
        return handler
    return register


async def _start(request: web.Request, spec: dict[str, Any]) -> web.Response:
    sandbox = sandbox_of(request)
    op_id = str(uuid.uuid4())
    now = sandbox.now()
    doc = {"id": op_id, "status": "running", "createdDateTime": iso(now), "lastActionDateTime": iso(now),
           "readyAt": iso(now + timedelta(seconds=sandbox.config.recon_delay_s)), "spec": spec,
           "written": False}
    sandbox.store.put(OP_KIND, op_id, doc)
    _spawn(request.app, sandbox, doc)
    location = f"{_origin(request)}{_version(request)}{_BASE}/operations/{op_id}"
    return web.Response(status=202, headers={"Location": location, "Retry-After": "1"})


def _attribute_set(body: dict[str, Any]) -> str | None:
    value = _ci(body, "attributeSet")
    value = "full" if value in (None, "") else str(value).lower()
    return value if value in {"full", "basic"} else None


@_export_routes("/reconciliation/billed/export")
async def billed_export(request: web.Request) -> web.Response:
    return await _billed(request, "reconciliation")


@_export_routes("/usage/billed/export")
async def billed_usage_export(request: web.Request) -> web.Response:
    return await _billed(request, "usage")


async def _billed(request: web.Request, what: str) -> web.Response:
    if (denied := graph_auth(request)) is not None:
        return denied
    body = await _json_body(request)
    if body is None:
        return graph_error(request, 400, "invalidRequest", "The request body is not a JSON object.")
    invoice_id = _ci(body, "invoiceId")
    if not isinstance(invoice_id, str) or not invoice_id.strip():
        return graph_error(request, 400, "invalidRequest", "The property 'invoiceId' is required.")
    attribute_set = _attribute_set(body)
    if attribute_set is None:
        return graph_error(request, 400, "invalidRequest", "'attributeSet' must be 'full' or 'basic'.")
    return await _start(request, {"kind": "billed", "what": what, "invoiceId": invoice_id.strip().upper(),
                                  "attributeSet": attribute_set})


@_export_routes("/reconciliation/unbilled/export")
async def unbilled_export(request: web.Request) -> web.Response:
    return await _unbilled(request, "reconciliation")


@_export_routes("/usage/unbilled/export")
async def unbilled_usage_export(request: web.Request) -> web.Response:
    return await _unbilled(request, "usage")


async def _unbilled(request: web.Request, what: str) -> web.Response:
    if (denied := graph_auth(request)) is not None:
        return denied
    body = await _json_body(request)
    if body is None:
        return graph_error(request, 400, "invalidRequest", "The request body is not a JSON object.")
    currency = _ci(body, "currencyCode")
    if not isinstance(currency, str) or not currency.strip():
        return graph_error(request, 400, "invalidRequest", "The property 'currencyCode' is required.")
    period = str(_ci(body, "billingPeriod") or "").lower()
    if period not in {"current", "last"}:
        return graph_error(request, 400, "invalidRequest", "'billingPeriod' must be 'current' or 'last'.")
    attribute_set = _attribute_set(body)
    if attribute_set is None:
        return graph_error(request, 400, "invalidRequest", "'attributeSet' must be 'full' or 'basic'.")
    return await _start(request, {"kind": "unbilled", "what": what, "currencyCode": currency.strip().upper(),
                                  "billingPeriod": period, "attributeSet": attribute_set})


# ---- operations and manifests (R5, R6) ------------------------------------------------------------------------

def _op_routes(path: str):
    def register(handler):
        for version in _VERSIONS:
            routes.get(f"{version}{_BASE}{path}")(handler)
        return handler
    return register


@_op_routes("/operations/{operation_id}")
async def get_operation(request: web.Request) -> web.Response:
    if (denied := graph_auth(request)) is not None:
        return denied
    sandbox = sandbox_of(request)
    doc = sandbox.store.get(OP_KIND, request.match_info["operation_id"].lower())
    if doc is None:
        return graph_error(request, 404, "itemNotFound", "The operation was not found.")
    if doc["status"] == "running" and not doc["written"] and doc["id"] not in _TASKS:
        _spawn(request.app, sandbox, doc)  # the sandbox restarted while writing: write again
    base = {"id": doc["id"], "createdDateTime": doc["createdDateTime"]}
    now = sandbox.now()
    if doc["status"] == "failed":
        return json_response({"@odata.type": "#microsoft.graph.partners.billing.failedOperation", **base,
                              "status": "failed", "lastActionDateTime": doc["lastActionDateTime"],
                              "error": doc["error"]})
    ready_at = parse_iso(doc["readyAt"])
    if not doc["written"] or now < ready_at:
        cap = sandbox.config.recon_retry_after_s
        wait = min(cap, max(1, math.ceil((ready_at - now).total_seconds()))) if doc["written"] else min(cap, 1)
        return json_response({"@odata.type": "#microsoft.graph.partners.billing.runningOperation", **base,
                              "status": "running", "lastActionDateTime": iso(now)},
                             headers={"Retry-After": str(wait)})
    manifest = _manifest(request, sandbox, doc)
    link = f"{_origin(request)}{_version(request)}{_BASE}/manifests/{doc['id']}"
    return json_response({"@odata.type": "#microsoft.graph.partners.billing.exportSuccessOperation", **base,
                          "status": "succeeded", "lastActionDateTime": doc["lastActionDateTime"],
                          "resourceLocation@odata.navigationLink": link, "resourceLocation": manifest})


@_op_routes("/manifests/{manifest_id}")
async def get_manifest(request: web.Request) -> web.Response:
    if (denied := graph_auth(request)) is not None:
        return denied
    sandbox = sandbox_of(request)
    doc = sandbox.store.get(OP_KIND, request.match_info["manifest_id"].lower())
    if doc is None or doc["status"] == "failed" or not doc["written"] or sandbox.now() < parse_iso(doc["readyAt"]):
        return graph_error(request, 404, "itemNotFound", "The manifest was not found.")
    return json_response(_manifest(request, sandbox, doc))


def _sas(sandbox: Sandbox, directory: str, expires: str) -> str:
    key = (sandbox.config.dev_token + sandbox.config.partner_tenant_id).encode()
    return hmac.new(key, f"{directory}|{expires}".encode(), hashlib.sha256).hexdigest()


def _manifest(request: web.Request, sandbox: Sandbox, doc: dict[str, Any]) -> dict[str, Any]:
    tenant = sandbox.config.partner_tenant_id
    directory = f"{tenant}/{doc['id']}"
    expires = iso(sandbox.now() + timedelta(hours=12)).replace(".000Z", "Z")
    token = (f"skoid=sandbox&sktid={tenant}&sv=2021-08-06&sr=d&sp=rl&se={quote(expires, safe='')}"
             f"&sig={_sas(sandbox, directory, expires)}")
    return {"id": doc["id"], "schemaVersion": "1", "dataFormat": "compressedJSON",
            "createdDateTime": doc["lastActionDateTime"], "eTag": doc["id"][:17], "partnerTenantId": tenant,
            "rootDirectory": f"{_origin(request)}/_blob/{directory}", "sasToken": token,
            "partitionType": "Default", "blobCount": len(doc["blobs"]), "blobs": doc["blobs"]}


# ---- blob files (R7) -------------------------------------------------------------------------------------------

def _blob_error(status: int, code: str, message: str) -> web.Response:
    xml = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\n'
           f"RequestId:{uuid.uuid4()}</Message></Error>")
    return web.Response(status=status, text=xml, content_type="application/xml")


@routes.get("/_blob/{tenant}/{operation_id}/{name}")
async def get_blob(request: web.Request) -> web.StreamResponse:
    """A file of an export; the manifest's SAS token (directory-scoped, expiring) is the only credential."""
    sandbox = sandbox_of(request)
    tenant, op_id, name = (request.match_info[k] for k in ("tenant", "operation_id", "name"))
    directory = f"{tenant}/{op_id}"
    expires = unquote(request.query.get("se", ""))
    sig = request.query.get("sig", "")
    if not expires or not sig or not hmac.compare_digest(sig, _sas(sandbox, directory, expires)):
        return _blob_error(403, "AuthenticationFailed", "Server failed to authenticate the request. Make sure "
                           "the value of Authorization header is formed correctly including the signature.")
    try:
        expired = parse_iso(expires) < sandbox.now()
    except ValueError:
        expired = True
    if expired:
        return _blob_error(403, "AuthenticationFailed", "Signed expiry time has passed.")
    path = _blob_root(sandbox) / op_id / name
    if "/" in name or ".." in name or not path.is_file():
        return _blob_error(404, "BlobNotFound", "The specified blob does not exist.")
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream",
                                           "Content-Length": str(path.stat().st_size),
                                           "x-ms-blob-type": "BlockBlob"})
    await response.prepare(request)
    with path.open("rb") as fh:
        while chunk := fh.read(256 * 1024):
            await response.write(chunk)
    await response.write_eof()
    return response


def _blob_root(sandbox: Sandbox) -> Path:
    root = getattr(sandbox, "_blob_root", None)
    if root is None:
        root = Path(sandbox.config.blob_dir or tempfile.mkdtemp(prefix="pc-sandbox-blobs-"))
        root.mkdir(parents=True, exist_ok=True)
        sandbox._blob_root = root  # type: ignore[attr-defined]
    return root


# ---- writing an export ---------------------------------------------------------------------------------------

def _spawn(app: web.Application, sandbox: Sandbox, doc: dict[str, Any]) -> None:
    _TASKS[doc["id"]] = asyncio.get_running_loop().create_task(_run(sandbox, doc))


async def _run(sandbox: Sandbox, doc: dict[str, Any]) -> None:
    try:
        source = _source(sandbox, doc["spec"])  # read the store on the loop (SQLite), write files in a thread
        now = sandbox.now()
        if source is None:
            doc.update(status="failed", lastActionDateTime=iso(now),
                       error={"code": "5000", "message": "No data available"})
        else:
            folder = _blob_root(sandbox) / doc["id"]
            blobs = await asyncio.to_thread(write_blobs, folder, source, sandbox.config.recon_lines_per_blob)
            doc.update(written=True, blobs=blobs, lastActionDateTime=iso(sandbox.now()))
        sandbox.store.put(OP_KIND, doc["id"], doc)
    finally:
        _TASKS.pop(doc["id"], None)


def _source(sandbox: Sandbox, spec: dict[str, Any]) -> Iterable[str] | None:
    """JSON text lines of the export, or None for 'No data available'."""
    basic = spec["attributeSet"] == "basic"
    usage_only = spec["what"] == "usage"
    if spec["kind"] == "billed":
        invoice = sandbox.store.get(INVOICE_KIND, spec["invoiceId"])
        if invoice is None or invoice.get("invoiceType") != "OneTime":
            return None  # unknown id, or a legacy (Recurring) invoice: v1 line items only
        if invoice.get("_synthetic"):
            return synthetic_lines(sandbox, invoice, basic)
        rows = [d.body for d in sandbox.store.list(LINE_KIND, invoice["id"])]
        rows = [r for r in rows if not usage_only or r.get("invoiceLineItemType") == "usage_line_items"]
    else:
        from sandbox.routes.money import unbilled_lines

        if spec["currencyCode"] != "USD":
            return None
        period = "previous" if spec["billingPeriod"] == "last" else "current"
        rows = [item for _, line_type, item, _ in unbilled_lines(sandbox, period)
                if not usage_only or line_type == "usagelineitems"]
    if not rows:
        return None
    return [json.dumps(v2_line(r, basic), separators=(",", ":")) for r in rows]


def v2_line(line: dict[str, Any], basic: bool = False) -> dict[str, Any]:
    """A §12.2 OneTime / daily-rated line in the v2 export's PascalCase attributes (§25.4)."""
    azure = line.get("invoiceLineItemType") == "usage_line_items"
    amount = line.get("billingPreTaxTotal") if azure else line.get("totalForCustomer")
    out = {
        "PartnerId": line.get("partnerId"), "CustomerId": line.get("customerId"),
        "CustomerName": line.get("customerName"), "CustomerDomainName": line.get("customerDomainName"),
        "CustomerCountry": line.get("customerCountry"), "InvoiceNumber": line.get("invoiceNumber") or "",
        "MpnId": line.get("mpnId"), "ResellerMpnId": line.get("resellerMpnId"), "OrderId": line.get("orderId"),
        "OrderDate": line.get("orderDate"), "ProductId": line.get("productId"), "SkuId": line.get("skuId"),
        "AvailabilityId": line.get("availabilityId"), "ProductName": line.get("productName"),
        "SkuName": line.get("skuName"), "MeterDescription": line.get("meterName") or "",
        "ChargeType": line.get("chargeType"), "UnitPrice": line.get("unitPrice"),
        "EffectiveUnitPrice": line.get("effectiveUnitPrice"), "UnitType": line.get("unitType"),
        "Quantity": line.get("quantity"), "BillableQuantity": line.get("billableQuantity", line.get("quantity")),
        "Subtotal": amount, "TaxTotal": line.get("taxTotal", 0), "TotalForCustomer": amount,
        "Currency": line.get("currency") or line.get("billingCurrency") or "USD",
        "PricingCurrency": line.get("pricingCurrency") or "USD", "PCToBCExchangeRate": 1,
        "PCToBCExchangeRateDate": line.get("pcToBCExchangeRateDate"), "SubscriptionId": line.get("subscriptionId"),
        "SubscriptionDescription": line.get("subscriptionDescription"),
        "SubscriptionStartDate": line.get("subscriptionStartDate"),
        "SubscriptionEndDate": line.get("subscriptionEndDate"), "ChargeStartDate": line.get("chargeStartDate"),
        "ChargeEndDate": line.get("chargeEndDate"), "TermAndBillingCycle": line.get("termAndBillingCycle") or "",
        "BillingFrequency": line.get("billingFrequency") or "", "PromotionId": line.get("promotionId"),
        "PriceAdjustmentDescription": line.get("priceAdjustmentDescription") or "",
    }
    return {k: out[k] for k in BASIC} if basic else out


def write_blobs(folder: Path, lines: Iterable[str], per_blob: int) -> list[dict[str, Any]]:
    """Write text lines as gzip JSON Lines files of at most `per_blob` lines; returns the manifest's blobs."""
    folder.mkdir(parents=True, exist_ok=True)
    blobs: list[dict[str, Any]] = []
    fh = None
    count = 0
    name = ""

    def close() -> None:
        if fh is not None:
            fh.close()
            blobs.append({"name": name, "partitionValue": "default", "sizeInBytes": (folder / name).stat().st_size,
                          "itemCount": count})

    for line in lines:
        if fh is None or count >= per_blob:
            close()
            name = f"part-{len(blobs):05d}-{uuid.uuid4()}.c000.json.gz"
            fh = gzip.open(folder / name, "wt", encoding="utf-8", compresslevel=1)
            count = 0
        fh.write(line)
        fh.write("\n")
        count += 1
    close()
    return blobs


# ---- synthetic exports (bench) ---------------------------------------------------------------------------------

_PRODUCTS = [("CFQ7TTC0LH18", "Microsoft 365 Business Basic", "6.00"),
             ("CFQ7TTC0LCHC", "Microsoft 365 E3", "36.00"), ("CFQ7TTC0MM8R", "Microsoft 365 Copilot", "30.00"),
             ("CFQ7TTC0LF8Q", "Microsoft Teams Essentials", "4.00"), ("DZH318Z0BPS6", "Azure plan", "0.096")]


def synthetic_amount(i: int) -> int:
    """Line i's TotalForCustomer in cents (known without writing the file)."""
    return 100 + (i * 7919) % 90_000


def synthetic_lines(sandbox: Sandbox, invoice: dict[str, Any], basic: bool) -> Iterator[str]:
    """The synthetic invoice's lines, generated one by one (never a list)."""
    customers = [(d.body["id"], d.body["companyProfile"]["companyName"]) for d in sandbox.store.list("customer", "")]
    customers = customers or [(str(uuid.UUID(int=0)), "Contoso Ltd")]
    tenant, inv, start, end = (sandbox.config.partner_tenant_id, invoice["id"], invoice["billingPeriodStartDate"],
                               invoice["billingPeriodEndDate"])
    return _synthetic(invoice["_synthetic"], customers, tenant, inv, start, end, basic)


def _synthetic(n: int, customers: list[tuple[str, str]], tenant: str, inv: str, start: str, end: str,
               basic: bool) -> Iterator[str]:
    for i in range(n):
        cid, cname = customers[i % len(customers)]
        pid, pname, _ = _PRODUCTS[i % len(_PRODUCTS)]
        cents_ = synthetic_amount(i)
        amount = f"{cents_ // 100}.{cents_ % 100:02d}"
        row = {"PartnerId": tenant, "CustomerId": cid, "CustomerName": cname, "InvoiceNumber": inv,
               "ProductId": pid, "SkuId": "0001", "ProductName": pname, "ChargeType": "cycleCharge",
               "UnitPrice": amount, "Quantity": 1, "Subtotal": amount, "TaxTotal": 0, "TotalForCustomer": amount,
               "Currency": "USD", "SubscriptionId": f"{i:032x}", "ChargeStartDate": start, "ChargeEndDate": end}
        if not basic:
            row.update({"CustomerDomainName": "", "CustomerCountry": "US", "OrderId": f"{i:012x}",
                        "SkuName": pname, "UnitType": "Licenses", "BillableQuantity": 1,
                        "PricingCurrency": "USD", "PCToBCExchangeRate": 1, "TermAndBillingCycle": "P1Y monthly"})
        text = json.dumps(row, separators=(",", ":"))
        # amounts as JSON numbers, exactly as written (no float round trip)
        yield text.replace(f'"{amount}"', amount)


@routes.post("/_sandbox/recon/synthetic")
async def add_synthetic_invoice(request: web.Request) -> web.Response:
    """Test/bench only: a OneTime invoice of `lines` generated reconciliation lines (last month)."""
    sandbox = sandbox_of(request)
    if not sandbox.config.admin_enabled:
        raise web.HTTPNotFound()
    body = request.get("json")  # /_sandbox bodies are parsed by the app's middleware
    lines = body.get("lines") if isinstance(body, dict) else None
    if isinstance(lines, bool) or not isinstance(lines, int) or not 1 <= lines <= 20_000_000:
        return web.json_response({"error": "'lines' must be a whole number 1-20000000"}, status=400)
    total = sum(synthetic_amount(i) for i in range(lines))
    now = sandbox.now()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (first - timedelta(days=1)).replace(day=1)
    invoice_id = "G9" + uuid.uuid4().hex[:8].upper()
    body_doc = {"id": invoice_id, "invoiceDate": iso(first + timedelta(days=7)).replace(".000Z", "Z"),
                "billingPeriodStartDate": iso(start).replace(".000Z", "Z"),
                "billingPeriodEndDate": iso(first - timedelta(seconds=1)).replace(".000Z", "Z"),
                "totalCharges": float(Decimal(total) / 100), "paidAmount": 0, "currencyCode": "USD",
                "currencySymbol": "$", "pdfDownloadLink": f"/invoices/{invoice_id}/documents/statement",
                "taxReceipts": [], "invoiceDetails": [], "amendments": [], "documentType": "invoice",
                "amendsOf": None, "invoiceType": "OneTime", "attributes": {"objectType": "Invoice"},
                "_synthetic": lines, "_payments": []}
    sandbox.store.put(INVOICE_KIND, invoice_id, body_doc, "", body_doc["invoiceDate"])
    return web.json_response({"invoiceId": invoice_id, "lines": lines, "totalCents": total,
                              "total": str(Decimal(total) / 100)})

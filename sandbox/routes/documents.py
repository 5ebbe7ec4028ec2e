"""Statement documents (api.md §12.1 B7): an invoice's statement as a small valid PDF.

`GET /v1/invoices/{invoiceId}/documents/statement` (App+User) -> 200 `application/pdf` with
`Content-Disposition: attachment; filename=Invoice_<id>.pdf`; unknown invoice -> 404 1000.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.context import app_user_only
from sandbox.pdf import text_pdf
from sandbox.routes.billing import _load_invoice

routes = web.RouteTableDef()


def statement_lines(invoice: dict) -> list[str]:
    total = invoice.get("totalCharges")
    currency = invoice.get("currencyCode") or ""
    lines = [f"Invoice {invoice['id']}", "",
             f"Invoice date: {str(invoice.get('invoiceDate') or '')[:10]}",
             f"Billing period: {str(invoice.get('billingPeriodStartDate') or '')[:10]} to "
             f"{str(invoice.get('billingPeriodEndDate') or '')[:10]}",
             f"Total charges: {total} {currency}",
             f"Paid amount: {invoice.get('paidAmount')} {currency}", ""]
    for detail in invoice.get("invoiceDetails") or []:
        if isinstance(detail, dict):
            lines.append(f"{detail.get('billingProvider', '')}: {detail.get('invoiceLineItemType', '')}")
    lines += ["", "Partner Center sandbox statement."]
    return lines


@routes.get("/v1/invoices/{invoice_id}/documents/statement")
@app_user_only
async def invoice_statement(request: web.Request) -> web.Response:
    invoice = _load_invoice(request, request.match_info["invoice_id"])
    body = text_pdf(statement_lines(invoice), title=f"Invoice {invoice['id']}")
    return web.Response(body=body, content_type="application/pdf",
                        headers={"Content-Disposition": f"attachment; filename=Invoice_{invoice['id']}.pdf"})

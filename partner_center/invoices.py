"""client.invoices — api.md §12 (B1-B3, B6, B9-B11)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from .billing_models import EstimateLink
from .downloads import Download, download
from .models import Invoice, InvoiceLineItem, InvoiceSummary
from .operations import Operations, api_path
from .paging import Pager


def _query_word(value: str) -> str:
    """The lineitems query spells enum values without separators: `billing_line_items` -> `billinglineitems`."""
    return value.replace("_", "").replace("-", "").lower()


class InvoicesOperations(Operations):
    def list(self, size: int | None = None, *, correlation_id: str | None = None) -> Pager[Invoice]:
        """Invoices, newest first as the service orders them (offset paging)."""
        return self._pager(Invoice, api_path("invoices"), {"size": size}, correlation_id)

    async def get(self, invoice_id: str, *, correlation_id: str | None = None) -> Invoice:
        return await self._get(Invoice, api_path("invoices", invoice_id), correlation_id=correlation_id)

    def list_line_items(
        self, invoice_id: str, provider: str = "office", line_item_type: str = "billing_line_items", *,
        size: int | None = None, currency_code: str | None = None, correlation_id: str | None = None,
    ) -> Pager[InvoiceLineItem]:
        """`currency_code` is required by the service for billed consumption (onetime + usage_line_items,
        api.md §12.1 B5); pass the invoice's `currency_code`."""
        params = {
            "provider": _query_word(provider),
            "invoicelineitemtype": _query_word(line_item_type),
            "currencycode": currency_code,
            "size": size,
        }
        return self._pager(InvoiceLineItem, api_path("invoices", invoice_id, "lineitems"), params, correlation_id)

    async def get_balance(self, *, correlation_id: str | None = None) -> InvoiceSummary:
        """The partner's current account balance (`GET /v1/invoices/summary`)."""
        return await self._get(InvoiceSummary, api_path("invoices", "summary"), correlation_id=correlation_id)

    def statement(self, invoice_id: str, *, correlation_id: str | None = None) -> AbstractAsyncContextManager[Download]:
        """The invoice's statement PDF (api.md §12.1 B7), streamed: `async with ... as d: async for c in d.chunks()`."""
        return download(self._pipeline, api_path("invoices", invoice_id, "documents", "statement"),
                        accept="application/pdf", correlation_id=correlation_id)

    def list_summaries(self, *, correlation_id: str | None = None) -> Pager[InvoiceSummary]:
        """One balance summary per currency (`GET /v1/invoices/summaries`, api.md §12.1 B10)."""
        return self._pager(InvoiceSummary, api_path("invoices", "summaries"), None, correlation_id)

    def list_estimate_links(self, currency_code: str, *, correlation_id: str | None = None) -> Pager[EstimateLink]:
        """Reconciliation estimate download links (B11)."""
        return self._pager(EstimateLink, api_path("invoices", "estimates", "links"),
                           {"currencycode": currency_code}, correlation_id)

    def list_unbilled_line_items(
        self, currency_code: str, period: str = "current", line_item_type: str = "billing_line_items", *,
        size: int | None = None, correlation_id: str | None = None,
    ) -> Pager[InvoiceLineItem]:
        """Unbilled reconciliation (billing) or consumption (usage) lines, v1 (B6). Partner Center retired this for
        new-commerce periods from March 2026 (api.md §25.5): prefer client.reconciliation for those."""
        params = {"provider": "onetime", "invoicelineitemtype": _query_word(line_item_type),
                  "currencycode": currency_code, "period": period, "size": size}
        return self._pager(InvoiceLineItem, api_path("invoices", "unbilled", "lineitems"), params, correlation_id)

"""client.invoices — api.md §12 (B1-B3, B9)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

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


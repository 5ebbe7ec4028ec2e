"""invoices.statement: an invoice's statement PDF (api.md §12.1 B7), delivered as a file (dialogs.files).

The handler only checks the invoice exists and names the file; the bytes stream from Partner Center at delivery
time (consent upload in a personal chat, or the signed download link elsewhere).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dialogs.context import OperationContext
from dialogs.files import FileRequest, FileStream, file_source
from dialogs.registry import Args, Outcome, Param, operation


@file_source("invoices.statement")
@asynccontextmanager
async def statement_source(client: Any, params: dict[str, Any]) -> AsyncIterator[FileStream]:
    async with client.invoices.statement(params["invoice_id"]) as download:
        yield FileStream(download.content_type, download.size, download.chunks())


@operation("invoices.statement", kind="read", params=[Param("invoice")])
async def statement(ctx: OperationContext, args: Args) -> Outcome:
    invoice = await ctx.client.invoices.get(args["invoice"].strip().upper())  # unknown: Partner Center's 404
    return Outcome(file=FileRequest("invoices.statement", {"invoice_id": invoice.id}, f"Invoice_{invoice.id}.pdf",
                                    ctx.t("files.statement.description", invoice=invoice.id)),
                   context={"invoice": invoice.id})

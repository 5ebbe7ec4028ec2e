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
from dialogs.ops.money import KEPT_MONTHS
from dialogs.periods import check_window, parse_period, user_today
from dialogs.registry import Args, Outcome, Param, operation
from partner_center import errors


@file_source("invoices.statement")
@asynccontextmanager
async def statement_source(client: Any, params: dict[str, Any]) -> AsyncIterator[FileStream]:
    async with client.invoices.statement(params["invoice_id"]) as download:
        yield FileStream(download.content_type, download.size, download.chunks())


@operation("invoices.statement", kind="read", params=[Param("invoice", required=False)])
async def statement(ctx: OperationContext, args: Args) -> Outcome:
    """By id, or by when ("last month's invoice as PDF"): the invoice dated in the period the user named (the
    new-commerce one when the period has several), else the latest invoice."""
    wanted = (args.get("invoice") or "").strip().upper()
    note = None
    if wanted:
        try:
            invoice = await ctx.client.invoices.get(wanted)
        except errors.NotFoundError:
            return Outcome(message=ctx.t("money.invoice.unknown", invoice=wanted))
    else:
        found = await _invoice_for_period(ctx)
        if isinstance(found, str):
            return Outcome(message=found)
        invoice, others = found
        if others:
            note = ctx.t("money.statement.others", invoice=invoice.id, others=", ".join(others))
    return Outcome(file=FileRequest("invoices.statement", {"invoice_id": invoice.id}, f"Invoice_{invoice.id}.pdf",
                                    ctx.t("files.statement.description", invoice=invoice.id)),
                   message=note, context={"invoice": invoice.id})


async def _invoice_for_period(ctx: OperationContext) -> tuple[Any, list[str]] | str:
    today = user_today(ctx.extras)
    window = parse_period(ctx.text, today) if ctx.text else None
    if window is not None:
        problem = check_window(window, today, KEPT_MONTHS)
        if problem == "future":
            return ctx.t("money.statement.future")
        if problem == "too_old":
            return ctx.t("money.statement.too_old", months=KEPT_MONTHS)
    invoices = [i async for i in ctx.client.invoices.list()
                if window is None or window.contains(i.raw.get("invoiceDate"))]
    if not invoices:
        return ctx.t("money.statement.none")
    newest = max(str(i.raw.get("invoiceDate")) for i in invoices)
    dated = [i for i in invoices if window is not None or str(i.raw.get("invoiceDate")) == newest]
    dated.sort(key=lambda i: (i.invoice_type != "OneTime", str(i.raw.get("invoiceDate"))))
    return dated[0], [i.id for i in dated[1:]]

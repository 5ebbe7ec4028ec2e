"""Reconciliation through the v2 export (issue 15; api.md §25): invoices.unbilled, and invoices.line_items of
new-commerce invoices from March 2026 on (dialogs.ops.billing keeps v1 for legacy invoices and periods).

The handler POSTs the export and returns a job ("Preparing Northwind Traders' unbilled lines for December
2026"); the job polls the operation with the service's Retry-After, then streams the export's files once through
dialogs.reconcile (per-customer / per-product totals, the largest lines) and posts the card. The card's
Download button asks for the full export as a CSV file (kit file delivery), streamed again from the export's
files at delivery time — never held in memory or kept by the bot. The card says where its figures came from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from cards import recon as recon_cards
from cards.text import t
from dialogs.context import OperationContext
from dialogs.files import FileRequest, FileStream, file_source
from dialogs.jobs import Done, Failed, JobRequest, Pending, PollContext, PollResult, job_kind
from dialogs.paging import raw
from dialogs.periods import check_window, oldest_kept, parse_period, user_today
from dialogs.reconcile import LineKeys, ReconSummary, csv_chunks, summarize
from dialogs.registry import Args, Outcome, Param, ParamType, operation

V2_FROM = date(2026, 3, 1)  # Partner Center: v2 for new-commerce billing periods from March 2026 (§25.5)
JOB = "invoices.reconciliation"
SOURCE = "invoices.reconciliation"


def month_label(day: date, locale: str) -> str:
    return f"{day.year}年{day.month}月" if locale.startswith("zh") else day.strftime("%B %Y")


def uses_v2(period_start: date | None) -> bool:
    return period_start is not None and period_start >= V2_FROM


async def start_export(ctx: OperationContext, *, op: str, scope: dict[str, Any] | None, period_label: str,
                       summary: str, invoice: Any = None, billing_period: str = "current") -> Outcome:
    """POST the export (R1 for an invoice, else R2) and hand the operation to a job."""
    if invoice is not None:
        location = await ctx.client.reconciliation.export_billed(invoice.id)
    else:
        location = await ctx.client.reconciliation.export_unbilled("USD", billing_period)
    params = {"operation": location, "op": op, "customer_id": (scope or {}).get("id") or "",
              "scope": (scope or {}).get("name") or "", "period": period_label, "period_key": billing_period,
              "invoice_id": invoice.id if invoice is not None else "",
              "invoice_total": str(invoice.raw.get("totalCharges")) if invoice is not None else "",
              "source": "v2-billed" if invoice is not None else "v2-unbilled"}
    return Outcome(job=JobRequest(JOB, params, summary),
                   context={"customer": scope} if scope else {})


def export_file(ctx: OperationContext, args: Args, name: str) -> Outcome:
    """The Download button of a finished export's card: the full export as CSV."""
    scope = str(args.get("scope") or "")
    params = {"operation": str(args["export"]), "customer_id": "" if scope in {"", "all"} else scope}
    return Outcome(file=FileRequest(SOURCE, params, name, ctx.t("money.recon.file")))


# ----------------------------------------------------------------------------------------- invoices.unbilled

@operation("invoices.unbilled", kind="read",
           params=[Param("period", required=False), Param("customer", ParamType.CUSTOMER, required=False),
                   Param("export", required=False), Param("scope", required=False)],
           view=recon_cards.UNBILLED)
async def unbilled(ctx: OperationContext, args: Args) -> Outcome:
    """Unbilled charges of the current (default) or previous billing month, partner-wide or for one customer."""
    if args.get("export"):
        period = "last" if args.get("period") == "last" else "current"
        return export_file(ctx, args, f"unbilled-{period}.csv")
    today = user_today(ctx.extras)
    this_month = today.replace(day=1)
    last_month = oldest_kept(today, 1)
    text = args.get("period") or ""
    window = parse_period(text, today) if text else None
    if text and window is None:
        return Outcome(message=ctx.t("money.period.unknown", period=text))
    start = window.start.replace(day=1) if window is not None else this_month
    if window is not None and check_window(window, today, 24) == "future":
        return Outcome(message=ctx.t("money.period.future", period=text))
    if start not in (this_month, last_month):
        return Outcome(message=ctx.t("money.recon.unbilled_only_recent", period=text,
                                     current=month_label(this_month, ctx.locale),
                                     previous=month_label(last_month, ctx.locale)))
    customer = args.get("customer") if isinstance(args.get("customer"), dict) else None
    label = month_label(start, ctx.locale)
    who = customer["name"] if customer else ctx.t("money.all_customers")
    # The owner as each language writes it: "Northwind Traders' unbilled lines", "Northwind Traders 的未開帳明細".
    owner = ctx.t("money.recon.owner_s" if who.endswith("s") else "money.recon.owner", name=who)
    summary = ctx.t("money.recon.preparing_unbilled", owner=owner, period=label)
    if not uses_v2(start):  # legacy periods: the synchronous v1 lines (Partner Center kept them until Feb 2026)
        return await _v1_unbilled(ctx, customer, label, "current" if start == this_month else "previous")
    return await start_export(ctx, op="invoices.unbilled", scope=customer, period_label=label, summary=summary,
                              billing_period="current" if start == this_month else "last")


async def _v1_unbilled(ctx: OperationContext, customer: dict[str, Any] | None, label: str, period: str
                       ) -> Outcome:
    summary, keys = ReconSummary(), LineKeys()
    for line_type in ("billing_line_items", "usage_line_items"):
        lines = [raw(li) for li in await ctx.client.invoices.list_unbilled_line_items(
            "USD", period, line_type).to_list()]
        for line in lines:  # v1 names the Azure amount billingPreTaxTotal
            line.setdefault("totalForCustomer", line.get("billingPreTaxTotal"))
        summary.add(lines, keys, (customer or {}).get("id", "").lower() or None, 5)
    result = summary.to_result()
    result.update(op="invoices.unbilled", scope=(customer or {}).get("name") or ctx.t("money.all_customers"),
                  period=label, source_label=ctx.t("money.recon.source.v1"))
    return Outcome(result)


# ----------------------------------------------------------------------------------------- the job and the file

def _labels(params: dict[str, Any], result: dict[str, Any], locale: str) -> dict[str, Any]:
    out = {"op": params["op"], "operation": params["operation"], "scope_id": params.get("customer_id") or "all",
           "scope": params.get("scope") or t("money.all_customers", locale), "period": params.get("period"),
           "period_key": params.get("period_key"), "invoice_id": params.get("invoice_id") or "",
           "source_label": t(f"money.recon.source.{params.get('source', 'v2-unbilled')}", locale)}
    invoice_total = params.get("invoice_total")
    if invoice_total and not params.get("customer_id"):
        out["invoice_total"] = invoice_total
        same = Decimal(invoice_total) == Decimal(result["total"])
        out["check_label"] = t("money.recon.check.ok" if same else "money.recon.check.differs", locale)
    return out


@job_kind(JOB, card=recon_cards.outcome_card, interval=5, max_interval=60, max_attempts=720, max_seconds=6 * 3600)
async def poll_export(ctx: PollContext) -> PollResult:
    params = ctx.params
    operation = await ctx.client.reconciliation.get_operation(params["operation"])
    if operation.failed:
        return Failed(t("money.recon.no_data", ctx.job.locale) if operation.error_code == "5000"
                      else (operation.error_message or t("money.recon.failed", ctx.job.locale)))
    if not operation.succeeded:
        return Pending(operation.retry_after)
    manifest = await ctx.client.reconciliation.get_manifest(operation)
    summary = await summarize(ctx.client.reconciliation.iter_line_batches(manifest),
                              customer_id=params.get("customer_id") or None)
    result = summary.to_result()
    result.update(_labels(params, result, ctx.job.locale))
    return Done(result)


@file_source(SOURCE)
@asynccontextmanager
async def export_source(client: Any, params: dict[str, Any]) -> AsyncIterator[FileStream]:
    """The export's lines as CSV, streamed from its blob files at every delivery."""
    operation = await client.reconciliation.get_operation(params["operation"])
    manifest = await client.reconciliation.get_manifest(operation)
    chunks = csv_chunks(client.reconciliation.iter_line_batches(manifest),
                        customer_id=params.get("customer_id") or None)
    yield FileStream("text/csv", None, chunks)

"""Operations Partner Center finishes later, as jobs (dialogs.jobs): subscription registration (202 +
Location, api.md §7.1 S8) and Azure utilization (204 + Retry-After until ready, §12.1 B12).

Each declares its operation and its job kind here; the dispatcher stores the job and answers at once, the
poller announces the outcome in the conversation that asked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cards import jobs as job_cards
from cards.text import format_date, format_number
from dialogs.context import OperationContext
from dialogs.jobs import Done, Failed, JobRecord, JobRequest, Pending, PollContext, PollResult, job_kind, utc_now
from dialogs.periods import parse_period
from dialogs.registry import Args, Outcome, Param, ParamType, Preview, Row, operation
from partner_center.long_running import NotReady

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
SUBSCRIPTION = Param("subscription", ParamType.SUBSCRIPTION, from_context=True)
ROWS_SHOWN = 20


def _names(args: Args) -> dict[str, str]:
    return {"customer": args["customer"]["name"], "subscription": args["subscription"]["name"]}


# ----------------------------------------------------------------------------------------- registration


async def _preview_register(ctx: OperationContext, args: Args) -> Preview:
    return Preview(title=args["subscription"]["name"],
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("op.subscriptions.register"), None, args["subscription"]["name"])))


@operation("subscriptions.register", kind="change", params=[CUSTOMER, SUBSCRIPTION], preview=_preview_register)
async def register(ctx: OperationContext, args: Args) -> Outcome:
    cid, sid = args["customer"]["id"], args["subscription"]["id"]
    accepted = await ctx.client.subscriptions.register(cid, sid, request_id=ctx.request_id("register"))
    names = _names(args)
    return Outcome(
        job=JobRequest("subscriptions.registration", {"location": accepted.location, "customer_id": cid,
                                                      "subscription_id": sid, **names},
                       ctx.t("jobs.registration.summary", **names), first_poll_after=accepted.retry_after),
        audit={"after": {"registration": "requested"}},
    )


def registration_card(job: JobRecord, locale: str) -> dict[str, Any]:
    from cards.text import t

    names = {"customer": job.params.get("customer", ""), "subscription": job.params.get("subscription", "")}
    if job.status == "succeeded":
        return job_cards.job_outcome({**job.to_dict(), "message": t("jobs.registration.done", locale, **names)},
                                     locale)
    return job_cards.job_outcome(job.to_dict(), locale)


@job_kind("subscriptions.registration", card=registration_card, interval=15, max_attempts=120)
async def poll_registration(ctx: PollContext) -> PollResult:
    status = await ctx.client.long_running.poll(ctx.params["location"])
    if status.state == "registered":
        return Done({"status": "registered"})
    if status.state == "failed":
        return Failed(str(status.body.get("error") or status.state))
    return Pending(status.retry_after)


# ----------------------------------------------------------------------------------------- Azure utilization


def _window(ctx: OperationContext, period: str | None) -> tuple[datetime, datetime]:
    now: datetime = ctx.extras.get("now") or utc_now()
    window = parse_period(period, now.date()) if period else None
    if window is not None:
        start = datetime(window.start.year, window.start.month, window.start.day, tzinfo=now.tzinfo)
        end = datetime(window.end.year, window.end.month, window.end.day, tzinfo=now.tzinfo)
        return start, min(end, start + timedelta(days=31))
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=7), end


def _usage_data(records: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    rows = [{"day": str(r.get("usageStartTime") or ""), "resource": str(r.resource_name or ""),
             "quantity": r.quantity, "unit": str(r.unit or "")} for r in records[:ROWS_SHOWN]]
    last_day = (datetime.fromisoformat(params["end"]) - timedelta(days=1)).isoformat()
    return {**params, "last_day": last_day, "total": len(records), "rows": rows}


def usage_table(data: dict[str, Any], locale: str) -> tuple[list[str], list[list[str]]]:
    from cards.text import t

    headers = [t(f"jobs.utilization.col.{c}", locale) for c in ("day", "resource", "quantity", "unit")]
    rows = [[format_date(r["day"], locale), r["resource"], format_number(r["quantity"], locale), r["unit"]]
            for r in data.get("rows") or []]
    return headers, rows


def usage_card(data: dict[str, Any], *, locale: str, more: Any = None) -> dict[str, Any]:
    return job_cards.azure_usage(data, locale, *usage_table(data, locale))


@operation("billing.azure_utilization", kind="read",
           params=[CUSTOMER, SUBSCRIPTION, Param("period", required=False)], card=usage_card)
async def azure_utilization(ctx: OperationContext, args: Args) -> Outcome:
    cid, sid = args["customer"]["id"], args["subscription"]["id"]
    start, end = _window(ctx, args.get("period"))
    params = {"customer_id": cid, "subscription_id": sid, "start": start.isoformat(), "end": end.isoformat(),
              **_names(args)}
    found = await ctx.client.utilization.azure(cid, sid, start, end)
    context = {"customer": args["customer"], "subscription": args["subscription"]}
    if isinstance(found, NotReady):
        summary = ctx.t("jobs.utilization.summary", start=format_date(start, ctx.locale),
                        end=format_date(end - timedelta(days=1), ctx.locale), **_names(args))
        return Outcome(job=JobRequest("billing.azure_utilization", params, summary,
                                      first_poll_after=found.retry_after),
                       message=ctx.t("jobs.utilization.waiting"), context=context)
    return Outcome(_usage_data(found, params), context=context)


def utilization_card(job: JobRecord, locale: str) -> dict[str, Any]:
    if job.status == "succeeded":
        return usage_card(job.result, locale=locale)
    return job_cards.job_outcome(job.to_dict(), locale)


@job_kind("billing.azure_utilization", card=utilization_card, interval=30, max_attempts=120)
async def poll_utilization(ctx: PollContext) -> PollResult:
    p = ctx.params
    found = await ctx.client.utilization.azure(p["customer_id"], p["subscription_id"],
                                               datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"]))
    if isinstance(found, NotReady):
        return Pending(found.retry_after)
    return Done(_usage_data(found, p))

"""devices.upload: a Windows Autopilot CSV (attached or pasted) -> preview -> confirmation -> a Partner Center
upload that finishes later (202 + batchJobStatus, api.md §19 D2/D4/D6) -> a job that announces per-device results.

The file stays in bot storage (dialogs.uploads) until the upload ran; the flow holds only its id and counts.
"""

from __future__ import annotations

from typing import Any

from cards import jobs as job_cards
from cards.text import format_number, t
from dialogs.context import OperationContext
from dialogs.device_csv import DeviceList, parse_devices
from dialogs.jobs import Done, Failed, JobRecord, JobRequest, Pending, PollContext, PollResult, job_kind
from dialogs.ops.devices import CUSTOMER
from dialogs.ops.purchases import ResolvableParam
from dialogs.registry import Args, NeedInput, Outcome, Param, ParamType, Preview, Row, operation
from dialogs.resolve import Resolution, Resolved

PREVIEW_ROWS = 5
REJECTED_SHOWN = 10
RESULT_ROWS = 20


async def _load(ctx: OperationContext, upload_id: str) -> tuple[str, DeviceList] | None:
    uploads = ctx.extras.get("uploads")
    found = await uploads.get(upload_id, ctx.user.id) if uploads is not None else None
    if found is None:
        return None
    name, data = found
    return name, parse_devices(data)


def _rejected_text(ctx: OperationContext, parsed: DeviceList) -> list[str]:
    return [ctx.t("devices.csv.row", row=r.row, reason=ctx.t(f"devices.csv.{r.reason}", value=r.value))
            for r in parsed.rejected[:REJECTED_SHOWN]]


async def _resolve_file(ctx: OperationContext, raw_value: Any, values: dict[str, Any],
                        flow_raw: dict[str, Any]) -> Resolution | str:
    """The device list: parsed and checked now, so the form or the preview can say what is wrong, by row."""
    upload_id = raw_value.get("id") if isinstance(raw_value, dict) else str(raw_value or "")
    loaded = await _load(ctx, upload_id) if upload_id else None
    if loaded is None:
        return ctx.t("devices.csv.attach")
    name, parsed = loaded
    if parsed.error:
        return ctx.t(f"devices.csv.{parsed.error}", name=name, detail=parsed.error_detail)
    if not parsed.devices:
        return ctx.t("devices.csv.nothing_valid", name=name, rejected="; ".join(_rejected_text(ctx, parsed)))
    return Resolved({"id": upload_id, "name": name, "count": len(parsed.devices), "rejected": len(parsed.rejected)})


FILE = ResolvableParam("file", ParamType.TEXT, resolve=_resolve_file)


async def _preview(ctx: OperationContext, args: Args) -> Preview:
    loaded = await _load(ctx, args["file"]["id"])
    if loaded is None:
        raise NeedInput(("file",), ctx.t("devices.csv.attach"))
    _, parsed = loaded
    batch = str(args["batch"]).strip()
    if not 1 <= len(batch) <= 100:
        raise NeedInput(("batch",), ctx.t("devices.msg.bad_batch_name"))
    batches = await ctx.client.devices.list_batches(args["customer"]["id"]).to_list(500)
    existing = next((b.id for b in batches if (b.id or "").lower() == batch.lower()), None)
    args["batch"], args["_existing"] = existing or batch, existing is not None
    first = [" · ".join(d.get(k, "") for k in ("serialNumber", "productKey", "oemManufacturerName", "modelName")
                        if d.get(k)) or (d.get("hardwareHash", "")[:16] + "…") for d in parsed.devices[:PREVIEW_ROWS]]
    rows = [Row(ctx.t("field.customer"), None, args["customer"]["name"]),
            Row(ctx.t("param.batch"), None, ctx.t("devices.msg.existing_batch" if existing else "devices.msg.new_batch",
                                                  batch=args["batch"])),
            Row(ctx.t("devices.field.to_upload"), None, format_number(len(parsed.devices), ctx.locale)),
            Row(ctx.t("devices.field.first_rows"), None, "; ".join(first))]
    if parsed.rejected:
        rejected = "; ".join(_rejected_text(ctx, parsed))
        rows.append(Row(ctx.t("devices.field.rejected"), None,
                        f"{format_number(len(parsed.rejected), ctx.locale)}: {rejected}"))
    return Preview(title=ctx.t("devices.msg.upload_title", file=args["file"]["name"]), rows=tuple(rows),
                   warning=ctx.t("devices.msg.rejected_skipped") if parsed.rejected else None)


@operation("devices.upload", kind="change", params=[CUSTOMER, Param("batch"), FILE], preview=_preview)
async def upload(ctx: OperationContext, args: Args) -> Outcome:
    loaded = await _load(ctx, args["file"]["id"])
    if loaded is None:
        return Outcome(message=ctx.t("devices.csv.attach"))
    _, parsed = loaded
    cid, batch = args["customer"]["id"], args["batch"]
    if args.get("_existing"):
        accepted = await ctx.client.devices.upload_to_batch(cid, batch, parsed.devices,
                                                            request_id=ctx.request_id("upload"))
    else:
        accepted = await ctx.client.devices.upload_new_batch(cid, batch, parsed.devices,
                                                             request_id=ctx.request_id("upload"))
    uploads = ctx.extras.get("uploads")
    if uploads is not None:
        await uploads.delete(args["file"]["id"])
    names = {"count": format_number(len(parsed.devices), ctx.locale), "batch": batch,
             "customer": args["customer"]["name"]}
    return Outcome(job=JobRequest("devices.upload", {"location": accepted.location, **names},
                                  ctx.t("devices.msg.upload_summary", **names), first_poll_after=accepted.retry_after),
                   audit={"after": {"batch": batch, "devices": len(parsed.devices)}})


def upload_card(job: JobRecord, locale: str) -> dict[str, Any]:
    """Per-device results: how many were created, and each device that failed with Partner Center's reason."""
    if job.status != "succeeded":
        return job_cards.job_outcome(job.to_dict(), locale)
    statuses = list((job.result or {}).get("devices") or [])
    failed = [d for d in statuses if d.get("errorCode")]
    message = t("devices.msg.upload_done", locale, created=format_number(len(statuses) - len(failed), locale),
                failed=format_number(len(failed), locale), batch=job.params.get("batch", ""))
    rows = [[str(d.get("serialNumber") or d.get("productKey") or "?"),
             f"{d.get('errorDescription') or ''} ({d.get('errorCode')})"] for d in failed[:RESULT_ROWS]]
    return job_cards.job_outcome({**job.to_dict(), "message": message}, locale,
                                 headers=[t("devices.field.device", locale), t("devices.field.error", locale)]
                                 if rows else (), rows=rows)


@job_kind("devices.upload", card=upload_card, interval=15, max_attempts=240, max_seconds=6 * 3600)
async def poll_upload(ctx: PollContext) -> PollResult:
    status = await ctx.client.long_running.poll(ctx.params["location"])
    if status.state in ("finished", "finished_with_errors"):
        return Done({"devices": [{k: d.get(k) for k in ("serialNumber", "productKey", "errorCode",
                                                         "errorDescription")}
                                 for d in status.body.get("devicesStatus") or [] if isinstance(d, dict)]})
    if status.state == "unknown" and status.body.get("completedTime"):
        return Failed(t("devices.msg.upload_failed", ctx.job.locale))
    return Pending(status.retry_after)


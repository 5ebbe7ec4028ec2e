"""Windows Autopilot device deployment (api.md §19): configuration policies, device batches and their devices.

Policies and batches are named by the partner ("Kiosk mode", "Sales laptops"); a name resolves within the
customer, several or none become a choice card. Uploading devices from a CSV lives in dialogs/ops/device_upload.py.
"""

from __future__ import annotations

import re
from typing import Any

from cards.view_spec import Field, Fmt, Link, Table, View, When
from dialogs.context import OperationContext
from dialogs.ops.purchases import ResolvableParam
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, NeedInput, Outcome, Param, ParamType, Preview, Refused, Row, operation
from dialogs.resolve import Ambiguous, NotFound, Resolution, Resolved, normalize
from partner_center.devices import POLICY_SETTINGS

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)

# Words a person uses -> the documented policy settings (api.md §19).
_SETTING_WORDS = {"remove_oem_preinstalls": ("oem preinstall", "bloatware", "preinstalled", "預載"),
                  "oobe_user_not_local_admin": ("not local admin", "no local admin", "standard user", "非本機管理員"),
                  "skip_express_settings": ("express settings", "privacy settings", "skip privacy", "快速設定"),
                  "skip_oem_registration": ("oem registration", "registration", "註冊"),
                  "skip_eula": ("eula", "licence agreement", "license agreement", "授權合約")}


def settings_from(text: str | None) -> list[str]:
    """The policy settings a sentence names ("skip the EULA and privacy settings"), in documented order."""
    said = normalize(text or "")
    return [s for s in POLICY_SETTINGS if s == said.replace(" ", "_") or
            any(w in said for w in _SETTING_WORDS.get(s, ()))]


def _named(items: list[dict[str, Any]], query: str, key: str = "name") -> list[dict[str, Any]]:
    wanted = normalize(query)
    exact = [i for i in items if normalize(str(i.get(key) or "")) == wanted or str(i.get("id")) == query]
    return exact or [i for i in items if wanted and wanted in normalize(str(i.get(key) or ""))]


async def _resolve_policy(ctx: OperationContext, raw_value: Any, values: dict[str, Any],
                          flow_raw: dict[str, Any]) -> Resolution | str:
    policies = [raw(p) for p in await ctx.client.devices.list_policies(values["customer"]["id"]).to_list(500)]
    options = [{"id": p["id"], "name": p["name"], "detail": p.get("description")} for p in policies]
    query = str(raw_value.get("name") if isinstance(raw_value, dict) else raw_value or "").strip()
    found = _named(options, query) if query else options
    if len(found) == 1 and query:
        return Resolved(found[0])
    if not options:
        return ctx.t("devices.msg.no_policies", customer=values["customer"]["name"])
    return Ambiguous(query, found) if found else NotFound(query, options[:5])


async def _resolve_batch(ctx: OperationContext, raw_value: Any, values: dict[str, Any],
                         flow_raw: dict[str, Any]) -> Resolution | str:
    batches = [raw(b) for b in await ctx.client.devices.list_batches(values["customer"]["id"]).to_list(500)]
    options = [{"id": b["id"], "name": b["id"], "detail": ctx.t("devices.msg.device_count",
                                                               count=b.get("devicesCount") or 0)} for b in batches]
    query = str(raw_value.get("id") if isinstance(raw_value, dict) else raw_value or "").strip()
    found = _named(options, query) if query else options
    if len(found) == 1 and query:
        return Resolved(found[0])
    if not options:
        return ctx.t("devices.msg.no_batches", customer=values["customer"]["name"])
    return Ambiguous(query, found) if found else NotFound(query, options[:5])


POLICY = ResolvableParam("policy", ParamType.TEXT, resolve=_resolve_policy)
BATCH = ResolvableParam("batch", ParamType.TEXT, resolve=_resolve_batch)

POLICY_LIST = View(table=Table(
    title="name|id",
    columns=(Field("description"), Field("settings", "policySettings"),
             Field("devices_assigned", "devicesAssigned", Fmt.NUMBER, labelled=True),
             Field("modified", "lastModifiedDate", Fmt.DATE))))


@operation("devices.policies", kind="read",
           params=[CUSTOMER, Param("policy", required=False)], view=POLICY_LIST)
async def list_policies(ctx: OperationContext, args: Args) -> Outcome:
    customer = args["customer"]
    policies = [raw(p) for p in await ctx.client.devices.list_policies(customer["id"]).to_list(500)]
    if args.get("policy"):
        policies = _named(policies, str(args["policy"])) or policies
    return Outcome(ListPage(policies, 0, False, {"customer": customer["id"]}, {"customer": customer}),
                   context={"customer": customer})


BATCH_LIST = View(table=Table(
    title="id",
    columns=(Field("devices", "devicesCount", Fmt.NUMBER, labelled=True),
             Field("upload", "status", Fmt.ENUM, enum="device_upload_status"),
             Field("created", "creationDate", Fmt.DATE)),
    attention=When("status", ("finished_with_errors",)),
    action=Link.to("devices.list", customer="customer.id", batch="id")))


@operation("devices.batches", kind="read", params=[CUSTOMER], view=BATCH_LIST)
async def list_batches(ctx: OperationContext, args: Args) -> Outcome:
    customer = args["customer"]
    batches = [raw(b) for b in await ctx.client.devices.list_batches(customer["id"]).to_list(500)]
    return Outcome(ListPage(batches, 0, False, {"customer": customer["id"]}, {"customer": customer}),
                   context={"customer": customer})


DEVICE_LIST = View(title_args=(("batch", "batch.name"),), table=Table(
    title="serialNumber|productKey|id",
    columns=(Field("model", "modelName"), Field("manufacturer", "oemManufacturerName"),
             Field("uploaded", "uploadedDate", Fmt.DATE))))


@operation("devices.list", kind="read", params=[CUSTOMER, BATCH], view=DEVICE_LIST, page_size=100)
async def list_devices(ctx: OperationContext, args: Args) -> Outcome:
    customer, batch = args["customer"], args["batch"]
    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.devices.list_devices(customer["id"], batch["id"]), page, 25)
    return Outcome(ListPage([raw(d) for d in items], page, more, {"customer": customer["id"], "batch": batch["id"]},
                            {"customer": customer, "batch": batch}), context={"customer": customer})


# ---------------------------------------------------------------------------------------------- policy changes


def _settings_text(ctx: OperationContext, settings: list[str]) -> str:
    return ", ".join(ctx.t(f"enum.policy_setting.{s}") for s in settings) or ctx.t("enum.policy_setting.none")


async def _preview_create_policy(ctx: OperationContext, args: Args) -> Preview:
    name = str(args["policy"]).strip()
    if not 1 <= len(name) <= 100:
        raise NeedInput(("policy",), ctx.t("devices.msg.bad_policy_name"))
    existing = await ctx.client.devices.list_policies(args["customer"]["id"]).to_list(500)
    if any((p.name or "").lower() == name.lower() for p in existing):
        raise NeedInput(("policy",), ctx.t("devices.msg.policy_exists", name=name,
                                           customer=args["customer"]["name"]))
    settings = settings_from(args.get("settings")) or settings_from(ctx.text)
    args["policy"], args["_settings"] = name, settings
    return Preview(title=ctx.t("devices.msg.new_policy"),
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("param.policy"), None, name),
                         Row(ctx.t("field.settings"), None, _settings_text(ctx, settings))))


@operation("devices.create_policy", kind="change",
           params=[CUSTOMER, Param("policy"), Param("settings", required=False)],
           preview=_preview_create_policy, view=POLICY_LIST)
async def create_policy(ctx: OperationContext, args: Args) -> Outcome:
    customer = args["customer"]
    created = await ctx.client.devices.create_policy(customer["id"], args["policy"],
                                                     settings=args.get("_settings") or (),
                                                     request_id=ctx.request_id("create"))
    return Outcome(ListPage([raw(created)], 0, False, {"customer": customer["id"]}, {"customer": customer}),
                   message=ctx.t("devices.msg.policy_created", name=created.name or "", customer=customer["name"]),
                   audit={"after": {"id": created.id, "name": created.name}})


async def _preview_update_policy(ctx: OperationContext, args: Args) -> Preview:
    current = raw(await ctx.client.devices.get_policy(args["customer"]["id"], args["policy"]["id"]))
    settings = settings_from(args.get("settings")) or settings_from(ctx.text)
    if not settings:
        raise NeedInput(("settings",), ctx.t("devices.msg.which_settings"))
    args["_settings"] = settings
    return Preview(title=current.get("name"),
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("field.settings"), _settings_text(ctx, list(current.get("policySettings") or [])),
                             _settings_text(ctx, settings))),
                   warning=ctx.t("devices.msg.update_affects", count=current.get("devicesAssigned") or 0)
                   if current.get("devicesAssigned") else None)


@operation("devices.update_policy", kind="change",
           params=[CUSTOMER, POLICY, Param("settings", required=False)],
           preview=_preview_update_policy, view=POLICY_LIST)
async def update_policy(ctx: OperationContext, args: Args) -> Outcome:
    customer = args["customer"]
    current = await ctx.client.devices.get_policy(customer["id"], args["policy"]["id"])
    body = current.to_wire()
    before = list(body.get("policySettings") or [])
    body["policySettings"] = args["_settings"]
    updated = await ctx.client.devices.update_policy(customer["id"], body, request_id=ctx.request_id("update"))
    return Outcome(ListPage([raw(updated)], 0, False, {"customer": customer["id"]}, {"customer": customer}),
                   message=ctx.t("devices.msg.policy_updated", name=updated.name or ""),
                   audit={"before": {"policySettings": before}, "after": {"policySettings": args["_settings"]}})


async def _preview_delete_policy(ctx: OperationContext, args: Args) -> Preview:
    current = raw(await ctx.client.devices.get_policy(args["customer"]["id"], args["policy"]["id"]))
    assigned = int(current.get("devicesAssigned") or 0)
    if assigned:
        raise Refused(ctx.t("devices.msg.policy_in_use", name=current.get("name"), count=assigned))
    return Preview(title=current.get("name"),
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("param.policy"), current.get("name"), ctx.t("devices.msg.deleted"))),
                   warning=ctx.t("devices.msg.delete_is_final"))


@operation("devices.delete_policy", kind="change", params=[CUSTOMER, POLICY], preview=_preview_delete_policy)
async def delete_policy(ctx: OperationContext, args: Args) -> Outcome:
    await ctx.client.devices.delete_policy(args["customer"]["id"], args["policy"]["id"],
                                           request_id=ctx.request_id("delete"))
    return Outcome(message=ctx.t("devices.msg.policy_deleted", name=args["policy"]["name"]),
                   audit={"before": {"id": args["policy"]["id"], "name": args["policy"]["name"]}})


# ---------------------------------------------------------------------------------------------- device delete

_SERIAL = re.compile(r"\b[A-Z0-9][A-Z0-9-]{5,}\b")


async def _resolve_device(ctx: OperationContext, raw_value: Any, values: dict[str, Any],
                          flow_raw: dict[str, Any]) -> Resolution | str:
    """By serial number (typed, or in the request's words), else a choice of the batch's devices."""
    devices = [raw(d) for d in await ctx.client.devices.list_devices(
        values["customer"]["id"], values["batch"]["id"]).to_list(1000)]
    options = [{"id": d["id"], "name": d.get("serialNumber") or d.get("productKey") or d["id"],
                "detail": d.get("modelName")} for d in devices]
    query = str(raw_value.get("name") if isinstance(raw_value, dict) else raw_value or "").strip()
    candidates = [query] if query else _SERIAL.findall((ctx.text or "").upper())
    for candidate in candidates:
        found = [o for o in options if str(o["name"]).lower() == candidate.lower() or o["id"] == candidate]
        if len(found) == 1:
            return Resolved(found[0])
    if not options:
        return ctx.t("devices.msg.batch_empty", batch=values["batch"]["name"])
    return Ambiguous(query, options[:25])


DEVICE = ResolvableParam("device", ParamType.TEXT, resolve=_resolve_device)


async def _preview_delete_device(ctx: OperationContext, args: Args) -> Preview:
    return Preview(title=args["device"]["name"],
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("param.batch"), None, args["batch"]["name"]),
                         Row(ctx.t("param.device"), args["device"]["name"], ctx.t("devices.msg.deleted"))),
                   warning=ctx.t("devices.msg.device_delete_is_final"))


@operation("devices.delete", kind="change", params=[CUSTOMER, BATCH, DEVICE], preview=_preview_delete_device)
async def delete_device(ctx: OperationContext, args: Args) -> Outcome:
    await ctx.client.devices.delete_device(args["customer"]["id"], args["batch"]["id"], args["device"]["id"],
                                           request_id=ctx.request_id("delete"))
    return Outcome(message=ctx.t("devices.msg.device_deleted", serial=args["device"]["name"],
                                 batch=args["batch"]["name"]),
                   audit={"before": {"id": args["device"]["id"], "serial": args["device"]["name"]}})

"""Subscription lookups and changes. Handlers fetch and mutate; the dispatcher confirms and checks roles."""

from __future__ import annotations

import re
from typing import Any

from cards.view_spec import Button, Field, Fmt, Link, Note, Record, Table, View, When
from dialogs import views
from dialogs.context import OperationContext
from dialogs.fresh import recent_subscription
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, Outcome, Param, ParamType, Preview, Row, operation


def window_notes(*args: Any, **kwargs: Any) -> Any:
    """The new-commerce window facts for a preview (dialogs.ops.commerce; imported late, it imports us)."""
    from dialogs.ops.commerce import window_notes as notes

    return notes(*args, **kwargs)

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
SUBSCRIPTION = Param("subscription", ParamType.SUBSCRIPTION, from_context=True)
ACTIVE_SUBSCRIPTION = Param("subscription", ParamType.SUBSCRIPTION, from_context=True, choices=("active",))
SUSPENDED_SUBSCRIPTION = Param("subscription", ParamType.SUBSCRIPTION, from_context=True, choices=("suspended",))

# Result views. Paths read the subscription first, then the result ("customer.id").
_NAME = "friendlyName|offerName|id"
_END = Field("end", "commitmentEndDate|commitmentEndDateTime", Fmt.DATE)
_ACTIVE, _SUSPENDED = When("status", ("active",)), When("status", ("suspended",))
_RENEWS = Note("renews", _END, (_ACTIVE, When("autoRenewEnabled", ("true",))))
_ENDS = Note("ends", _END, (_ACTIVE, When("autoRenewEnabled", ("true",), negate=True)))
_SEATS = Field("seats", "quantity", Fmt.COUNT, unit="subscriptions.seats")
_ROW = Table(
    title=_NAME,
    columns=(Field("offer", "offerName", differs=_NAME), Field("status", fmt=Fmt.ENUM, enum="subscription_status"),
             _SEATS, Field("billing_cycle", "billingCycle", Fmt.ENUM, enum="billing_cycle"), _RENEWS, _ENDS),
    attention=(When("attentionNeeded", ("true",)), _SUSPENDED),
    action=Link.to("subscriptions.get", customer="customer.id", subscription="id"))
SUBSCRIPTION_LIST = View(table=_ROW)
ADDON_LIST = View(table=_ROW)
_SUB = {"customer": "customer.id", "subscription": "subscription.id"}
_IS = "subscription.status"
SUBSCRIPTION_DETAILS = View(
    title_args=(("name", "subscription.friendlyName|subscription.offerName|subscription.id"),),
    record=Record(source="subscription", notes=(
        Note("attention", when=When("attentionNeeded", ("true",)), attention=True), _RENEWS, _ENDS), fields=(
        Field("customer", "customer.name"), Field("offer", "offerName"),
        Field("nickname", "friendlyName", differs="offerName"),
        Field("status", fmt=Fmt.ENUM, enum="subscription_status"), _SEATS, Field("term", "termDuration", Fmt.TERM),
        Field("billing_cycle", "billingCycle", Fmt.ENUM, enum="billing_cycle"),
        Field("commitment_end", _END.path, Fmt.DATE), Field("auto_renew", "autoRenewEnabled", Fmt.YES_NO),
        Field("start_date", "effectiveStartDate", Fmt.DATE),
        Field("cancel_until", "cancellationAllowedUntilDate", Fmt.DATE),
        Field("trial", "isTrial", Fmt.YES_NO, when=When("isTrial", ("true",))),
        Field("suspension_reasons", "suspensionReasons"), Field("parent_subscription", "parentSubscriptionId"),
        Field("order_id", "orderId"), Field("subscription_id", "id"))),
    buttons=(
        Button("change_seats", Link.to("subscriptions.change_quantity", **_SUB), When(_IS, ("active",)), "positive"),
        Button("suspend", Link.to("subscriptions.suspend", **_SUB), When(_IS, ("active",))),
        Button("reactivate", Link.to("subscriptions.reactivate", **_SUB), When(_IS, ("suspended",)), "positive"),
        Button("cancel", Link.to("subscriptions.cancel", **_SUB), When(_IS, ("active", "suspended")), "destructive"),
        Button("addons", Link.to("subscriptions.addons", **_SUB),
               (When(_IS, ("active",)), When("subscription.hasPurchasableAddons", ("true",))))))

_DELTA_UP = re.compile(r"\b(add|adding|plus|increase|increasing|more|extra|another|buy|up by)\b|增加|加", re.I)
_DELTA_DOWN = re.compile(r"\b(remove|removing|reduce|reducing|decrease|decreasing|minus|fewer|less|drop|cut|"
                         r"down by)\b|減少|減", re.I)
_TARGET = re.compile(r"\b(to|set|total|make it|change it to|exactly)\s+\d+|\bto\s+\w+\s*(seats|licen[cs]es)?$|"
                     r"改為|改成|設為|設定為", re.I)


def seat_target(text: str | None, current: int, quantity: int) -> int:
    """Turn "add 5" / "remove 3" / "set to 20" into the new seat count. A bare number is the new total."""
    text = text or ""
    if _TARGET.search(text):
        return quantity
    if _DELTA_DOWN.search(text):
        return current - quantity
    if _DELTA_UP.search(text):
        return current + quantity
    return quantity


async def _current(ctx: OperationContext, args: Args) -> Any:
    """For a confirmation card: the subscription as resolving it listed it in this turn, else fetched now."""
    listed = recent_subscription(args["customer"]["id"], args["subscription"]["id"])
    return listed if listed is not None else await _subscription(ctx, args)


async def _subscription(ctx: OperationContext, args: Args) -> Any:
    """The subscription as Partner Center has it now. A change handler passes it on as `current=` so the
    client's PATCH is guarded by its etag without a second GET."""
    return await ctx.client.subscriptions.get(args["customer"]["id"], args["subscription"]["id"])


def _status_filter(status: str | None) -> set[str] | None:
    if not status:
        return None
    s = status.strip().lower()
    for key, words in {"active": ("active", "live", "enabled", "啟用"), "suspended": ("suspend", "暫停"),
                       "deleted": ("cancel", "deleted", "取消"), "expired": ("expired", "過期"),
                       "pending": ("pending",)}.items():
        if any(w in s for w in words):
            return {key}
    return None


@operation("subscriptions.list", kind="read", params=[CUSTOMER, Param("status", required=False),
                                                      Param("offer", required=False)],
           view=SUBSCRIPTION_LIST)
async def list_subscriptions(ctx: OperationContext, args: Args) -> Outcome:
    customer = args["customer"]
    statuses = _status_filter(args.get("status"))
    offer = (args.get("offer") or "").strip()

    def keep(sub: Any) -> bool:
        if statuses and str(sub.status) not in statuses:
            return False
        if offer:
            from dialogs.resolve import match_subscriptions

            return bool(match_subscriptions(offer, [sub]))
        return True

    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.subscriptions.list(customer["id"]), page, 10, keep)
    params = {"customer": customer["id"], **{k: args[k] for k in ("status", "offer") if args.get(k)}}
    return Outcome(ListPage([raw(s) for s in items], page, more, params, {"customer": customer}))


@operation("subscriptions.get", kind="read", params=[CUSTOMER, SUBSCRIPTION], view=SUBSCRIPTION_DETAILS)
async def get_subscription(ctx: OperationContext, args: Args) -> Outcome:
    sub = await _subscription(ctx, args)
    return Outcome({"subscription": raw(sub), "customer": args["customer"]})


@operation("subscriptions.addons", kind="read", params=[CUSTOMER, SUBSCRIPTION], view=ADDON_LIST)
async def list_addons(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    cid, sid = args["customer"]["id"], args["subscription"]["id"]
    items, more = await take_page(ctx.client.subscriptions.list_addons(cid, sid), page, 10)
    return Outcome(ListPage([raw(s) for s in items], page, more, {"customer": cid, "subscription": sid},
                            {"customer": args["customer"], "subscription": args["subscription"]}))


async def _preview_quantity(ctx: OperationContext, args: Args) -> Preview:
    sub = await _current(ctx, args)
    current = int(sub.quantity or 0)
    if "target" not in args:
        # The request's words decide: "add seats to the E3" + 5 typed in the form adds 5; "set the E3 seats" sets 5.
        args["target"] = seat_target(ctx.text, current, int(args["quantity"]))
    target = int(args["target"])
    warning = None
    if target < 1:
        warning = ctx.t("preview.quantity_below_one")
    elif target < current:
        warning = ctx.t("preview.quantity_decrease")
    # New commerce: inside the 168-hour window or not, and what a mid-term change does to a scheduled one.
    notes, blocked, alternatives, window_warning = window_notes(ctx, args["customer"]["id"], sub, target=target)
    return Preview(
        title=args["subscription"]["name"],
        rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
              Row(ctx.t("field.seats"), str(current), str(target))),
        warning=window_warning or warning, notes=notes, blocked=blocked, alternatives=alternatives,
    )


@operation("subscriptions.change_quantity", kind="change",
           params=[CUSTOMER, ACTIVE_SUBSCRIPTION, Param("quantity", ParamType.INT, minimum=1, maximum=100_000)],
           preview=_preview_quantity, card=views.subscription_result)
async def change_quantity(ctx: OperationContext, args: Args) -> Outcome:
    before = await _subscription(ctx, args)
    target = int(args["target"])
    sub = await ctx.client.subscriptions.set_quantity(args["customer"]["id"], before.id, target,
                                                      request_id=ctx.request_id("quantity"), current=before)
    return Outcome(
        {"subscription": raw(sub), "customer": args["customer"],
         "message": ctx.t("result.quantity_changed", before=before.quantity, after=sub.quantity)},
        audit={"before": {"quantity": before.quantity}, "after": {"quantity": sub.quantity}},
    )


def _status_preview(target: str) -> Any:
    async def preview(ctx: OperationContext, args: Args) -> Preview:
        sub = await _current(ctx, args)
        warning = ctx.t("preview.cancel_warning") if target == "deleted" else None
        notes: tuple[str, ...] = ()
        blocked, alternatives = False, ()
        if target == "deleted":
            notes, blocked, alternatives, window_warning = window_notes(ctx, args["customer"]["id"], sub,
                                                                        cancel=True)
            warning = window_warning or warning
        return Preview(
            title=args["subscription"]["name"],
            rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                  Row(ctx.t("field.status"), views.status_text(str(sub.status), ctx.locale),
                      views.status_text(target, ctx.locale))),
            warning=warning, notes=notes, blocked=blocked, alternatives=alternatives,
        )

    return preview


_STATUS_RESULT = {"suspended": "result.status_suspended", "active": "result.status_active",
                  "deleted": "result.status_deleted"}


async def _set_status(ctx: OperationContext, args: Args, target: str) -> Outcome:
    before = await _subscription(ctx, args)
    cid = args["customer"]["id"]
    action = {"suspended": ctx.client.subscriptions.suspend, "active": ctx.client.subscriptions.reactivate,
              "deleted": ctx.client.subscriptions.cancel}[target]
    sub = await action(cid, before.id, request_id=ctx.request_id(f"status:{target}"), current=before)
    return Outcome(
        {"subscription": raw(sub), "customer": args["customer"],
         "message": ctx.t(_STATUS_RESULT[target], name=args["subscription"]["name"])},
        audit={"before": {"status": str(before.status)}, "after": {"status": str(sub.status)}},
    )


@operation("subscriptions.suspend", kind="change", params=[CUSTOMER, ACTIVE_SUBSCRIPTION],
           preview=_status_preview("suspended"), card=views.subscription_result)
async def suspend(ctx: OperationContext, args: Args) -> Outcome:
    return await _set_status(ctx, args, "suspended")


@operation("subscriptions.reactivate", kind="change", params=[CUSTOMER, SUSPENDED_SUBSCRIPTION],
           preview=_status_preview("active"), card=views.subscription_result)
async def reactivate(ctx: OperationContext, args: Args) -> Outcome:
    return await _set_status(ctx, args, "active")


@operation("subscriptions.cancel", kind="change", params=[CUSTOMER, ACTIVE_SUBSCRIPTION],
           preview=_status_preview("deleted"), card=views.subscription_result)
async def cancel(ctx: OperationContext, args: Args) -> Outcome:
    return await _set_status(ctx, args, "deleted")


async def _preview_autorenew(ctx: OperationContext, args: Args) -> Preview:
    sub = await _current(ctx, args)
    return Preview(
        title=args["subscription"]["name"],
        rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
              Row(ctx.t("field.auto_renew"), views.yes_no(bool(sub.auto_renew_enabled), ctx.locale),
                  views.yes_no(bool(args["enabled"]), ctx.locale))),
    )


@operation("subscriptions.set_autorenew", kind="change",
           params=[CUSTOMER, SUBSCRIPTION, Param("enabled", ParamType.BOOL, slot="status")],
           preview=_preview_autorenew, card=views.subscription_result)
async def set_autorenew(ctx: OperationContext, args: Args) -> Outcome:
    before = await _subscription(ctx, args)
    sub = await ctx.client.subscriptions.set_auto_renew(args["customer"]["id"], before.id, bool(args["enabled"]),
                                                        request_id=ctx.request_id("autorenew"), current=before)
    key = "result.autorenew_on" if sub.auto_renew_enabled else "result.autorenew_off"
    return Outcome(
        {"subscription": raw(sub), "customer": args["customer"], "message": ctx.t(key)},
        audit={"before": {"autoRenewEnabled": before.auto_renew_enabled},
               "after": {"autoRenewEnabled": sub.auto_renew_enabled}},
    )


async def _preview_rename(ctx: OperationContext, args: Args) -> Preview:
    sub = await _current(ctx, args)
    return Preview(
        title=args["subscription"]["name"],
        rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
              Row(ctx.t("field.nickname"), sub.friendly_name or "", args["nickname"])),
    )


@operation("subscriptions.rename", kind="change",
           params=[CUSTOMER, SUBSCRIPTION, Param("nickname", ParamType.TEXT)],
           preview=_preview_rename, card=views.subscription_result)
async def rename(ctx: OperationContext, args: Args) -> Outcome:
    before = await _subscription(ctx, args)
    sub = await ctx.client.subscriptions.rename(args["customer"]["id"], before.id, args["nickname"],
                                                request_id=ctx.request_id("rename"), current=before)
    return Outcome(
        {"subscription": raw(sub), "customer": args["customer"],
         "message": ctx.t("result.renamed", name=sub.friendly_name)},
        context={"subscription": {**args["subscription"], "name": sub.friendly_name}},
        audit={"before": {"friendlyName": before.friendly_name}, "after": {"friendlyName": sub.friendly_name}},
    )

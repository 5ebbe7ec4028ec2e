"""New-commerce lifecycle operations (api.md §23): renewals, the cancellation window and changes scheduled for
renewal. Reads declare their views; changes have previews. The window facts come from dialogs.lifecycle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cards.text import format_date, format_datetime, format_term, join_list
from cards.view_spec import Button, Field, Fmt, Link, Record, Table, View, When
from dialogs import lifecycle, views
from dialogs.context import OperationContext
from dialogs.fanout import scan_subscriptions
from dialogs.fresh import recent_subscription
from dialogs.paging import raw
from dialogs.registry import Args, NeedInput, Outcome, Param, ParamType, Preview, Row, operation

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
ANY_CUSTOMER = Param("customer", ParamType.CUSTOMER, required=False)  # none given: partner-wide
SUBSCRIPTION = Param("subscription", ParamType.SUBSCRIPTION, from_context=True)
ACTIVE_SUBSCRIPTION = Param("subscription", ParamType.SUBSCRIPTION, from_context=True, choices=("active",))
OPTIONAL_SUBSCRIPTION = Param("subscription", ParamType.SUBSCRIPTION, required=False)


def plan_text(plan: Any, sub: Any, locale: str) -> str:
    """"10 seats · 1 year · annual billing" for scheduled instructions, naming only what differs from now."""
    from cards.text import t

    if plan is None:
        return t("commerce.plan_none", locale)
    parts = []
    if plan.quantity is not None:
        parts.append(t("commerce.plan_seats", locale, count=plan.quantity))
    if plan.term_duration and plan.term_duration != sub.term_duration:
        parts.append(t("commerce.plan_term", locale, term=format_term(plan.term_duration, locale)))
    if plan.billing_cycle and str(plan.billing_cycle) != str(sub.billing_cycle):
        parts.append(t("commerce.plan_cycle", locale, cycle=t(f"commerce.cycle.{plan.billing_cycle}", locale)))
    parts_ = sub.catalog_item_parts
    if plan.product_id and parts_ and (plan.product_id, plan.sku_id) != (parts_[0], parts_[1]):
        parts.append(t("commerce.plan_sku", locale, sku=f"{plan.product_id}:{plan.sku_id}"))
    return " · ".join(parts) or t("commerce.plan_same", locale)


def _row(sub: Any, locale: str, *, customer_id: str = "", customer_name: str = "") -> dict[str, Any]:
    state = lifecycle.window_of(sub)
    flags = []
    if not state.auto_renew:
        flags.append("auto_renew_off")
    if state.scheduled is not None:
        flags.append("scheduled")
    return {"id": sub.id, "name": sub.friendly_name or sub.offer_name or sub.id, "offer": sub.offer_name,
            "customer_id": customer_id, "customer_name": customer_name,
            "renews": state.renews_on.isoformat() if state.renews_on else None,
            "quantity": sub.quantity, "auto_renew": state.auto_renew,
            "scheduled": plan_text(state.scheduled, sub, locale) if state.scheduled is not None else "",
            "flag": "attention" if not state.auto_renew else "",
            "ends_or_renews": "expires" if not state.auto_renew else "renews"}


async def _scan(ctx: OperationContext, keep: Any) -> tuple[list[dict[str, Any]], int, int]:
    """Partner-wide: every customer's subscriptions through the paced fan-out (dialogs.fanout), customers from
    the directory cache when it is fresh. Returns (rows, customers scanned, customers that failed)."""
    directory = ctx.extras.get("directory")
    customers = directory.customers() if directory is not None else None
    result = await scan_subscriptions(ctx.client, customers=customers, keep=keep, row=lambda s: {"sub": s})
    rows = [_row(entry["sub"], ctx.locale, customer_id=hit.customer_id, customer_name=hit.customer_name)
            for hit in result.hits for entry in hit.subscriptions]
    return rows, result.customers_scanned, len(result.failures)


# ----------------------------------------------------------------------------------------------- renewals

RENEWALS = View(
    title_args=(("period", "period"),),
    table=Table(
        title="name",
        columns=(Field("customer", "customer_name"), Field("renews", fmt=Fmt.DATE, labelled=True),
                 Field("seats", "quantity", Fmt.NUMBER, labelled=True),
                 Field("auto_renew", fmt=Fmt.YES_NO, labelled=True), Field("scheduled", labelled=True)),
        attention=When("flag", ("attention",)),
        action=Link.to("subscriptions.cancellation_window", customer="customer_id", subscription="id"),
        limit=40))


def renewal_keep(window: Any) -> Any:
    """The fan-out's predicate for "renews in `window`" (also used by `partnerbot bench scale`)."""
    def keep(sub: Any) -> bool:
        state = lifecycle.window_of(sub)
        return str(sub.status) == "active" and state.renews_on is not None and window.start <= state.renews_on \
            < window.end
    return keep


@operation("subscriptions.renewals", kind="read", params=[ANY_CUSTOMER, Param("period", required=False)],
           view=RENEWALS, summary="what renews soon (partner-wide or for a customer)")
async def renewals(ctx: OperationContext, args: Args) -> Outcome:
    today = lifecycle.now().date()
    window = lifecycle.period_ahead(args.get("period"), today)
    keep = renewal_keep(window)
    customer = args.get("customer") if isinstance(args.get("customer"), dict) else None
    failed = 0
    if customer:
        subs = await ctx.client.subscriptions.list(customer["id"]).to_list()
        rows = [_row(s, ctx.locale, customer_id=customer["id"], customer_name=customer["name"])
                for s in subs if keep(s)]
    else:
        rows, _, failed = await _scan(ctx, keep)
    rows.sort(key=lambda r: (r["renews"] or "", r["customer_name"].lower(), r["name"].lower()))
    period = ctx.t("common.range", start=format_date(window.start.isoformat(), ctx.locale),
                   end=format_date((window.end - timedelta(days=1)).isoformat(), ctx.locale))
    off = sum(1 for r in rows if not r["auto_renew"])
    scheduled = sum(1 for r in rows if r["scheduled"])
    message = ctx.t("commerce.renewals_summary", count=len(rows), period=period, off=off, scheduled=scheduled)
    if failed:
        message += " " + ctx.t("commerce.scan_incomplete", count=failed)
    context = {"customer": customer} if customer else {}
    return Outcome({"items": rows, "period": period, "customer": customer}, message=message, context=context)


# ----------------------------------------------------------------------------------------------- window

WINDOW = View(
    title_args=(("name", "subscription.name"),),
    record=Record(fields=(
        Field("customer", "customer.name"),
        Field("status", "status", Fmt.ENUM, enum="subscription_status"),
        Field("cancel_until", "cancel_until", Fmt.DATETIME, always=True),
        Field("time_left", "time_left"),
        Field("refundable", "refundable", Fmt.NUMBER, always=True),
        Field("seats", "quantity", Fmt.NUMBER),
        Field("renews", "renews", Fmt.DATE),
        Field("auto_renew", "auto_renew", Fmt.YES_NO),
        Field("scheduled", "scheduled"))),
    buttons=(
        Button("cancel", Link.to("subscriptions.cancel", customer="customer.id", subscription="subscription.id"),
               when=When("open", ("yes",)), style="destructive"),
        Button("schedule", Link.to("subscriptions.schedule_change", customer="customer.id",
                                   subscription="subscription.id"), when=When("new_commerce", ("yes",))),
        Button("autorenew_off", Link.to("subscriptions.set_autorenew", customer="customer.id",
                                        subscription="subscription.id", enabled="false_value"),
               when=When("offer_end", ("yes",))),
    ))


def window_facts(sub: Any, state: lifecycle.WindowState, locale: str) -> dict[str, Any]:
    from cards.text import t

    left = ""
    if state.can_cancel:
        left = t("commerce.hours_left", locale, hours=state.hours_left())
    return {"status": str(sub.status), "quantity": sub.quantity,
            "cancel_until": state.cancel_until.isoformat() if state.cancel_until and state.new_commerce else None,
            "time_left": left, "refundable": state.refundable if state.new_commerce else None,
            "renews": state.renews_on.isoformat() if state.renews_on else None,
            "auto_renew": state.auto_renew,
            "scheduled": plan_text(state.scheduled, sub, locale) if state.new_commerce else None,
            "open": "yes" if state.can_cancel else "no",
            "new_commerce": "yes" if state.new_commerce and not state.can_cancel and str(sub.status) == "active"
            else "no",
            "offer_end": "yes" if state.new_commerce and not state.can_cancel and state.auto_renew else "no",
            "false_value": "false"}


def window_sentence(name: str, customer: str, state: lifecycle.WindowState, locale: str) -> str:
    from cards.text import t

    if not state.new_commerce:
        return t("commerce.window_legacy", locale, name=name, customer=customer)
    if state.can_cancel:
        return t("commerce.window_open", locale, name=name, customer=customer,
                 until=format_datetime(state.cancel_until.isoformat(), locale), hours=state.hours_left(),
                 seats=state.refundable)
    renews = format_date(state.renews_on.isoformat(), locale) if state.renews_on else "—"
    if state.refundable:
        return t("commerce.window_seats_only", locale, name=name, customer=customer, seats=state.refundable,
                 until=format_datetime(state.refundable_until.isoformat(), locale), date=renews)
    return t("commerce.window_closed", locale, name=name, customer=customer, date=renews)


@operation("subscriptions.cancellation_window", kind="read", params=[CUSTOMER, SUBSCRIPTION], view=WINDOW,
           summary="until when a subscription can still be cancelled or reduced")
async def cancellation_window(ctx: OperationContext, args: Args) -> Outcome:
    sub = await ctx.client.subscriptions.get(args["customer"]["id"], args["subscription"]["id"])
    state = lifecycle.window_of(sub)
    name = sub.friendly_name or sub.offer_name or sub.id
    data = {"subscription": {"id": sub.id, "name": name}, "customer": args["customer"],
            **window_facts(sub, state, ctx.locale)}
    return Outcome(data, message=window_sentence(name, args["customer"]["name"], state, ctx.locale))


# ----------------------------------------------------------------------------------------------- scheduled reads

SCHEDULED = View(
    title_args=(("scope", "scope"),),
    table=Table(
        title="name",
        columns=(Field("customer", "customer_name"), Field("renews", fmt=Fmt.DATE, labelled=True),
                 Field("seats", "quantity", Fmt.NUMBER, labelled=True),
                 Field("scheduled", labelled=True)),
        action=Link.to("subscriptions.cancellation_window", customer="customer_id", subscription="id"),
        limit=40))


@operation("subscriptions.scheduled_changes", kind="read", params=[ANY_CUSTOMER, OPTIONAL_SUBSCRIPTION],
           view=SCHEDULED, summary="changes scheduled for renewal")
async def scheduled_changes(ctx: OperationContext, args: Args) -> Outcome:
    customer = args.get("customer") if isinstance(args.get("customer"), dict) else None

    def keep(sub: Any) -> bool:
        return str(sub.status) == "active" and sub.scheduled_next_term_instructions is not None

    failed = 0
    if customer and isinstance(args.get("subscription"), dict):
        sub = await ctx.client.subscriptions.get(customer["id"], args["subscription"]["id"])
        rows = [_row(sub, ctx.locale, customer_id=customer["id"], customer_name=customer["name"])] \
            if keep(sub) else []
        scope = args["subscription"]["name"]
    elif customer:
        subs = await ctx.client.subscriptions.list(customer["id"]).to_list()
        rows = [_row(s, ctx.locale, customer_id=customer["id"], customer_name=customer["name"])
                for s in subs if keep(s)]
        scope = customer["name"]
    else:
        rows, _, failed = await _scan(ctx, keep)
        scope = ctx.t("commerce.all_customers")
    rows.sort(key=lambda r: (r["renews"] or "", r["customer_name"].lower()))
    message = ctx.t("commerce.scheduled_summary", count=len(rows))
    if failed:
        message += " " + ctx.t("commerce.scan_incomplete", count=failed)
    return Outcome({"items": rows, "scope": scope}, message=message,
                   context={"customer": customer} if customer else {})


# ----------------------------------------------------------------------------------------------- schedule a change

async def _current(ctx: OperationContext, args: Args) -> Any:
    listed = recent_subscription(args["customer"]["id"], args["subscription"]["id"])
    if listed is not None:
        return listed
    return await ctx.client.subscriptions.get(args["customer"]["id"], args["subscription"]["id"])


def _renew_row(ctx: OperationContext, state: lifecycle.WindowState) -> Row:
    renews = format_date(state.renews_on.isoformat(), ctx.locale) if state.renews_on else "—"
    return Row(ctx.t("commerce.field_renews_on"), None, renews)


async def _preview_schedule(ctx: OperationContext, args: Args) -> Preview:
    sub = await _current(ctx, args)
    state = lifecycle.window_of(sub)
    if not state.new_commerce or sub.catalog_item_parts is None:
        raise NeedInput(("subscription",), ctx.t("commerce.schedule_not_nce"))
    term = lifecycle.parse_term(args.get("term"))
    cycle = lifecycle.parse_cycle(args.get("billing_cycle"))
    if term == "":
        raise NeedInput(("term",), ctx.t("commerce.term_invalid"))
    if cycle == "":
        raise NeedInput(("billing_cycle",), ctx.t("commerce.cycle_invalid"))
    quantity = args.get("quantity")
    if quantity is None and term is None and cycle is None:
        raise NeedInput(("quantity",), ctx.t("commerce.schedule_what"))
    planned = state.scheduled
    base_q = planned.quantity if planned and planned.quantity else sub.quantity
    base_term = (planned.term_duration if planned and planned.term_duration else None) or sub.term_duration
    base_cycle = str((planned.billing_cycle if planned and planned.billing_cycle else None) or sub.billing_cycle)
    new_term, new_cycle = term or base_term, cycle or base_cycle
    targets = await ctx.client.subscriptions.transition_eligibilities(
        args["customer"]["id"], sub.id, "scheduled").to_list()
    own = next((x for x in targets if x.catalog_item_id == sub.offer_id), None)
    if own is not None and own.terms and (new_term, new_cycle) not in own.terms:
        options = join_list([f"{format_term(tt, ctx.locale)} / {ctx.t(f'commerce.cycle.{cc}')}"
                             for tt, cc in own.terms], ctx.locale)
        raise NeedInput(("term", "billing_cycle"), ctx.t("commerce.term_not_offered", options=options))
    args["plan"] = {"quantity": quantity, "term": term, "cycle": cycle}
    rows = [Row(ctx.t("field.customer"), None, args["customer"]["name"]), _renew_row(ctx, state)]
    if quantity is not None:
        rows.append(Row(ctx.t("commerce.field_seats_at_renewal"), str(base_q), str(quantity)))
    if term is not None:
        rows.append(Row(ctx.t("commerce.field_term_at_renewal"), format_term(base_term, ctx.locale),
                        format_term(new_term, ctx.locale)))
    if cycle is not None:
        rows.append(Row(ctx.t("commerce.field_cycle_at_renewal"), ctx.t(f"commerce.cycle.{base_cycle}"),
                        ctx.t(f"commerce.cycle.{new_cycle}")))
    notes = [ctx.t("commerce.schedule_note_now", seats=sub.quantity)]
    if not state.auto_renew:
        notes.append(ctx.t("commerce.schedule_turns_autorenew_on"))
    if quantity is not None and quantity < (sub.quantity or 0) and state.refundable:
        notes.append(ctx.t("commerce.schedule_could_reduce_now", seats=state.refundable,
                           hours=state.hours_left(state.refundable_until)))
    warning = ctx.t("commerce.schedule_replaces", plan=plan_text(planned, sub, ctx.locale)) if planned else None
    return Preview(title=args["subscription"]["name"], rows=tuple(rows), warning=warning, notes=tuple(notes))


@operation("subscriptions.schedule_change", kind="change",
           params=[CUSTOMER, ACTIVE_SUBSCRIPTION,
                   Param("quantity", ParamType.INT, required=False, minimum=1, maximum=100_000),
                   Param("term", required=False), Param("billing_cycle", required=False)],
           preview=_preview_schedule, card=views.subscription_result,
           summary="change seats, term or billing at the next renewal")
async def schedule_change(ctx: OperationContext, args: Args) -> Outcome:
    before = await ctx.client.subscriptions.get(args["customer"]["id"], args["subscription"]["id"])
    plan = args.get("plan") or {}
    sub = await ctx.client.subscriptions.schedule_change(
        args["customer"]["id"], before.id, quantity=plan.get("quantity"), term_duration=plan.get("term"),
        billing_cycle=plan.get("cycle"), request_id=ctx.request_id("schedule"), current=before)
    state = lifecycle.window_of(sub)
    renews = format_date(state.renews_on.isoformat(), ctx.locale) if state.renews_on else "—"
    message = ctx.t("commerce.scheduled_done", name=args["subscription"]["name"], date=renews,
                    plan=plan_text(sub.scheduled_next_term_instructions, sub, ctx.locale))
    data = {"subscription": raw(sub), "customer": args["customer"], "message": message}
    return Outcome(data,
                   audit={"before": {"scheduledNextTermInstructions": raw(before).get("scheduledNextTermInstructions")},
                          "after": {"scheduledNextTermInstructions": raw(sub).get("scheduledNextTermInstructions")}})


async def _preview_drop(ctx: OperationContext, args: Args) -> Preview:
    sub = await _current(ctx, args)
    state = lifecycle.window_of(sub)
    rows = (Row(ctx.t("field.customer"), None, args["customer"]["name"]), _renew_row(ctx, state),
            Row(ctx.t("commerce.field_scheduled"), plan_text(state.scheduled, sub, ctx.locale),
                ctx.t("commerce.plan_none")))
    if state.scheduled is None:
        return Preview(title=args["subscription"]["name"], rows=rows[:2], blocked=True,
                       warning=ctx.t("commerce.nothing_scheduled", name=args["subscription"]["name"]))
    return Preview(title=args["subscription"]["name"], rows=rows,
                   notes=(ctx.t("commerce.drop_note", seats=sub.quantity),))


@operation("subscriptions.cancel_scheduled_change", kind="change", params=[CUSTOMER, SUBSCRIPTION],
           preview=_preview_drop, card=views.subscription_result, summary="drop a change scheduled for renewal")
async def cancel_scheduled_change(ctx: OperationContext, args: Args) -> Outcome:
    before = await ctx.client.subscriptions.get(args["customer"]["id"], args["subscription"]["id"])
    sub = await ctx.client.subscriptions.cancel_scheduled_change(
        args["customer"]["id"], before.id, request_id=ctx.request_id("drop-schedule"), current=before)
    data = {"subscription": raw(sub), "customer": args["customer"],
            "message": ctx.t("commerce.dropped_done", name=args["subscription"]["name"])}
    return Outcome(data,
                   audit={"before": {"scheduledNextTermInstructions": raw(before).get("scheduledNextTermInstructions")},
                          "after": {"scheduledNextTermInstructions": None}})


WindowNotes = tuple[tuple[str, ...], bool, tuple[tuple[str, dict[str, Any]], ...], str | None]


def window_notes(ctx: OperationContext, customer_id: str, sub: Any, *, target: int | None = None,
                 cancel: bool = False) -> WindowNotes:
    """For seat changes and cancellation previews: (notes, blocked, alternatives, warning) from the window.

    Inside the window: time left and refundable seats. Outside: the change is blocked (Partner Center would
    refuse it: 900213/900214) and the card offers to schedule it for renewal instead. A mid-term change that
    would wipe a scheduled change says so."""
    from cards import actions

    state = lifecycle.window_of(sub)
    if not state.new_commerce or str(sub.status) != "active":
        return (), False, (), None
    renews = format_date(state.renews_on.isoformat(), ctx.locale) if state.renews_on else "—"
    notes: list[str] = []
    alternatives: list[tuple[str, dict[str, Any]]] = []
    blocked = False
    warning = None
    current = int(sub.quantity or 0)
    params = {"customer": customer_id, "subscription": sub.id}
    if cancel:
        if state.can_cancel:
            notes.append(ctx.t("commerce.cancel_inside", hours=state.hours_left(),
                               until=format_datetime(state.cancel_until.isoformat(), ctx.locale)))
        else:
            blocked = True
            warning = ctx.t("commerce.cancel_outside", date=renews)
            if state.auto_renew:
                alternatives.append((ctx.t("commerce.offer_autorenew_off", date=renews),
                                     actions.run("subscriptions.set_autorenew", {**params, "enabled": "false"})))
    elif target is not None and target < current:
        drop = current - target
        if drop <= state.refundable:
            notes.append(ctx.t("commerce.reduce_inside", seats=state.refundable,
                               hours=state.hours_left(state.refundable_until),
                               until=format_datetime(state.refundable_until.isoformat(), ctx.locale)))
        else:
            blocked = True
            warning = ctx.t("commerce.reduce_outside", seats=state.refundable, date=renews)
            alternatives.append((ctx.t("commerce.offer_schedule", date=renews),
                                 actions.run("subscriptions.schedule_change", {**params, "quantity": target})))
    if not blocked and state.scheduled is not None:
        notes.append(ctx.t("commerce.wipes_scheduled", plan=plan_text(state.scheduled, sub, ctx.locale)))
    return tuple(notes), blocked, tuple(alternatives), warning


# ----------------------------------------------------------------------------------------------- by order / partner

SUBSCRIPTION_ROWS = Table(
    title="friendlyName|offerName",
    columns=(Field("status", fmt=Fmt.ENUM, enum="subscription_status"),
             Field("seats", "quantity", Fmt.NUMBER, labelled=True),
             Field("renews", "commitmentEndDate", Fmt.DATE, labelled=True)),
    action=Link.to("subscriptions.get", customer="customer.id", subscription="id"))


@operation("subscriptions.by_order", kind="read", params=[CUSTOMER, Param("order")],
           view=View(title_args=(("order", "order"),), table=SUBSCRIPTION_ROWS),
           summary="subscriptions created by an order")
async def by_order(ctx: OperationContext, args: Args) -> Outcome:
    """api.md §7.1 S3; an unknown order is Partner Center's 404 20000, explained by the error card."""
    order = args["order"].strip()
    subs = await ctx.client.subscriptions.list_by_order(args["customer"]["id"], order).to_list()
    return Outcome({"items": [raw(s) for s in subs], "order": order, "customer": args["customer"]})


@operation("subscriptions.by_partner", kind="read", params=[CUSTOMER, Param("mpn_id")],
           view=View(title_args=(("mpn", "mpn_id"),), table=SUBSCRIPTION_ROWS),
           summary="a customer's subscriptions sold through a partner MPN id")
async def by_partner(ctx: OperationContext, args: Args) -> Outcome:
    """api.md §7.1 S4 (indirect resellers)."""
    mpn = args["mpn_id"].strip()
    subs = await ctx.client.subscriptions.list_by_partner(args["customer"]["id"], mpn).to_list()
    return Outcome({"items": [raw(s) for s in subs], "mpn_id": mpn, "customer": args["customer"]})


# ----------------------------------------------------------------------------------------------- provisioning

PROVISIONING = View(
    title_args=(("name", "subscription.name"),),
    record=Record(fields=(
        Field("customer", "customer.name"),
        Field("provisioning", "state", Fmt.ENUM, enum="provisioning_status", always=True),
        Field("seats", "quantity", Fmt.NUMBER),
        Field("ends", "endDate", Fmt.DATE))))


@operation("subscriptions.provisioning_status", kind="read", params=[CUSTOMER, SUBSCRIPTION], view=PROVISIONING,
           summary="whether a subscription's seats are provisioned")
async def provisioning_status(ctx: OperationContext, args: Args) -> Outcome:
    """api.md §7.1 S7: `pending` while a seat change is being applied (refreshed about every 15 minutes)."""
    status = await ctx.client.subscriptions.get_provisioning_status(args["customer"]["id"],
                                                                    args["subscription"]["id"])
    state = str(status.get("status") or "").lower()
    return Outcome({**status, "state": state, "subscription": args["subscription"], "customer": args["customer"]})


# ----------------------------------------------------------------------------------------------- support contact

SUPPORT_CONTACT = View(
    title_args=(("name", "subscription.name"),),
    record=Record(fields=(
        Field("customer", "customer.name"),
        Field("support_name", "name", always=True),
        Field("support_mpn", "supportMpnId"),
        Field("support_tenant", "supportTenantId"))))


@operation("subscriptions.support_contact", kind="read", params=[CUSTOMER, SUBSCRIPTION], view=SUPPORT_CONTACT,
           summary="who supports a subscription")
async def support_contact(ctx: OperationContext, args: Args) -> Outcome:
    """api.md §7.1 S10. Changing it (S11) is for legacy licence-based subscriptions only: said for new commerce."""
    cid, sid = args["customer"]["id"], args["subscription"]["id"]
    contact = await ctx.client.subscriptions.get_support_contact(cid, sid)
    sub = recent_subscription(cid, sid) or await ctx.client.subscriptions.get(cid, sid)
    message = ctx.t("commerce.support_contact_nce") if (sub.product_type_id or "") == lifecycle.NCE else None
    return Outcome({**contact, "subscription": args["subscription"], "customer": args["customer"]}, message=message)

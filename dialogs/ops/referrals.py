"""Co-sell referrals (leads) on the Partner API host (api.md §14): list, open, create, and move through the
documented statuses (accept, decline, win, lose). The referral a user means is found by its name, its
customer's name or its id; several matches become a choice card."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from cards.text import format_currency
from cards.view_spec import Button, Field, Fmt, Link, Record, Table, View, When
from dialogs.context import OperationContext
from dialogs.ops.purchases import ResolvableParam
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, NeedInput, Outcome, Param, ParamType, Preview, Row, operation
from dialogs.resolve import Ambiguous, NotFound, Resolution, Resolved, normalize
from partner_center.referrals import transition_allowed

# What a person says -> (status, substatus) of Partner Center (api.md §14 transitions).
ACTIONS: dict[str, tuple[str, str]] = {"accept": ("Active", "Accepted"), "decline": ("Closed", "Declined"),
                                       "win": ("Closed", "Won"), "lose": ("Closed", "Lost")}
_ACTION_WORDS = {"accept": ("accept", "accepted", "take", "接受"), "decline": ("decline", "declined", "reject",
                                                                              "rejected", "拒絕", "婉拒"),
                 "win": ("win", "won", "closed won", "贏", "成交"), "lose": ("lose", "lost", "closed lost", "輸",
                                                                             "失敗")}
_LIST_STATUS = {"new": "New", "open": "New", "incoming": "New", "active": "Active", "accepted": "Active",
                "closed": "Closed", "won": "Closed", "lost": "Closed", "新": "New", "進行中": "Active",
                "已關閉": "Closed"}
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def action_of(text: Any) -> str | None:
    words = str(text or "").strip().lower()
    for action, forms in _ACTION_WORDS.items():
        if words in forms:
            return action
    return None


def _referral_value(ref: Any) -> dict[str, Any]:
    data = raw(ref)
    return {"id": data.get("id"), "name": data.get("name") or data.get("id"),
            "detail": " · ".join(str(x) for x in ((data.get("customerProfile") or {}).get("name"),
                                                  data.get("status")) if x)}


async def _resolve_referral(ctx: OperationContext, raw_value: Any, values: dict[str, Any],
                            flow_raw: dict[str, Any]) -> Resolution | str:
    """By id, by name or customer name (words of the request when no name was recognized); else open ones."""
    referrals = await ctx.client.referrals.list(top=100).to_list(200)
    query = str(raw_value or "").strip()
    if query:
        exact = [r for r in referrals if r.id and r.id.lower() == query.lower()]
        if exact:
            return Resolved(_referral_value(exact[0]))
        wanted = normalize(query)
        found = [r for r in referrals if wanted and (wanted in normalize(r.name or "") or
                                                     wanted in normalize(r.customer_name or ""))]
    else:
        said = normalize(ctx.text or "")
        found = [r for r in referrals if any(
            word and len(word) > 3 and re.search(rf"\b{re.escape(word)}\b", said)
            for word in normalize(r.customer_name or "").split()[:1])]
    if not found and not query:
        found = [r for r in referrals if str(r.raw.get("status")) != "Closed"]
    if len(found) == 1:
        return Resolved(_referral_value(found[0]))
    options = [_referral_value(r) for r in found[:10]]
    if not options:
        return NotFound(query, [_referral_value(r) for r in referrals[:5]])
    return Ambiguous(query, options)


REFERRAL = ResolvableParam("referral", ParamType.TEXT, slot="title", resolve=_resolve_referral)


async def _resolve_action(ctx: OperationContext, raw_value: Any, values: dict[str, Any],
                          flow_raw: dict[str, Any]) -> Resolution | str:
    """"won" / "accept" / "拒絕" -> the action; nothing or anything else -> a choice of the four."""
    said = raw_value.get("id") if isinstance(raw_value, dict) else raw_value
    action = action_of(said)
    if action is not None:
        return Resolved({"id": action, "name": ctx.t(f"view.referrals.get.action.{action}")})
    return Ambiguous(str(said or ""), [{"id": a, "name": ctx.t(f"view.referrals.get.action.{a}")} for a in ACTIONS])


ACTION = ResolvableParam("status", ParamType.TEXT, resolve=_resolve_action)

_COLUMNS = (Field("customer", "customerProfile.name"),
            Field("status", fmt=Fmt.ENUM, enum="referral_status"),
            Field("deal_value", "details.dealValue", Fmt.MONEY, currency="details.currency"),
            Field("created", "createdDateTime", Fmt.DATE))

REFERRAL_LIST = View(table=Table(columns=_COLUMNS, title="name|id",
                                 attention=When("substatus", ("Received",)),
                                 action=Link.to("referrals.get", referral="id")))

REFERRAL_DETAILS = View(
    title_args=(("name", "referral.name"),),
    record=Record(source="referral", fields=(
        Field("customer", "customerProfile.name"),
        Field("status", fmt=Fmt.ENUM, enum="referral_status"),
        Field("substatus", fmt=Fmt.ENUM, enum="referral_substatus"),
        Field("direction", fmt=Fmt.ENUM, enum="referral_direction"),
        Field("deal_value", "details.dealValue", Fmt.MONEY, currency="details.currency"),
        Field("closing", "details.closingDateTime", Fmt.DATE),
        Field("notes", "details.notes"),
        Field("created", "createdDateTime", Fmt.DATE),
        Field("expires", "expirationDateTime", Fmt.DATE))),
    buttons=(
        Button("accept", Link.to("referrals.update", referral="referral.id", status="=accept"),
               when=When("referral.status", ("New",)), style="positive"),
        Button("decline", Link.to("referrals.update", referral="referral.id", status="=decline"),
               when=When("referral.status", ("New", "Active"))),
        Button("win", Link.to("referrals.update", referral="referral.id", status="=win"),
               when=When("referral.status", ("Active",)), style="positive"),
        Button("lose", Link.to("referrals.update", referral="referral.id", status="=lose"),
               when=When("referral.status", ("Active",)))))


@operation("referrals.list", kind="read", params=[Param("status", required=False)], view=REFERRAL_LIST)
async def list_referrals(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    status = _LIST_STATUS.get((args.get("status") or "").strip().lower())
    items, more = await take_page(ctx.client.referrals.list(status=status), page, 10)
    params = {"status": args["status"]} if args.get("status") else {}
    return Outcome(ListPage([raw(r) for r in items], page, more, params, {"status": status or ""}))


@operation("referrals.get", kind="read", params=[REFERRAL], view=REFERRAL_DETAILS)
async def get_referral(ctx: OperationContext, args: Args) -> Outcome:
    referral = await ctx.client.referrals.get(args["referral"]["id"])
    return Outcome({"referral": raw(referral)})


async def _preview_update(ctx: OperationContext, args: Args) -> Preview:
    action = args["status"]["id"]
    current = await ctx.client.referrals.get(args["referral"]["id"])
    status, substatus = ACTIONS[action]
    before = f"{current.raw.get('status')} · {current.raw.get('substatus')}"
    if not transition_allowed(str(current.raw.get("status")), status, substatus):
        raise NeedInput(("status",), ctx.t("referrals.msg.transition_not_allowed", name=current.name or "",
                                           before=before, action=ctx.t(f"view.referrals.get.action.{action}")))
    args["_etag"] = current.etag
    return Preview(title=current.name,
                   rows=(Row(ctx.t("field.customer"), None, current.customer_name or ""),
                         Row(ctx.t("field.status"), before, f"{status} · {substatus}")),
                   warning=ctx.t("referrals.msg.closing_is_final") if status == "Closed" else None)


@operation("referrals.update", kind="change",
           params=[REFERRAL, ACTION],
           preview=_preview_update, view=REFERRAL_DETAILS)
async def update_referral(ctx: OperationContext, args: Args) -> Outcome:
    status, substatus = ACTIONS[args["status"]["id"]]
    updated = await ctx.client.referrals.update(args["referral"]["id"], {"status": status, "substatus": substatus},
                                                etag=args.get("_etag"), request_id=ctx.request_id("update"))
    return Outcome({"referral": raw(updated)},
                   message=ctx.t("referrals.msg.updated", name=updated.name or "", status=f"{status} · {substatus}"),
                   audit={"after": {"id": updated.id, "status": status, "substatus": substatus}})


def _deal_value(text: Any) -> Decimal | None:
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value >= 0 else None


async def _preview_create(ctx: OperationContext, args: Args) -> Preview:
    value = _deal_value(args["deal_value"])
    if value is None:
        raise NeedInput(("deal_value",), ctx.t("referrals.msg.bad_deal_value"))
    currency = str(args.get("currency") or "USD").strip().upper()
    if not _CURRENCY.match(currency):
        raise NeedInput(("currency",), ctx.t("referrals.msg.bad_currency"))
    args["deal_value"], args["currency"] = str(value), currency
    return Preview(title=ctx.t("referrals.msg.new_title"),
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("field.title"), None, args["title"]),
                         Row(ctx.t("field.deal_value"), None,
                             format_currency(value, currency, ctx.locale)),
                         Row(ctx.t("referrals.field.consent"), None, ctx.t("referrals.msg.consent_given"))))


@operation("referrals.create", kind="change",
           params=[Param("customer", ParamType.CUSTOMER, from_context=True), Param("title"),
                   Param("deal_value"), Param("currency", required=False, default="USD"),
                   Param("notes", required=False, multiline=True)],
           preview=_preview_create, view=REFERRAL_DETAILS)
async def create_referral(ctx: OperationContext, args: Args) -> Outcome:
    customer = await ctx.client.customers.get(args["customer"]["id"])
    profile = raw(customer).get("companyProfile") or {}
    address = (raw(customer).get("billingProfile") or {}).get("defaultAddress") or {}
    body = {"type": "Shared", "name": args["title"],
            "customerProfile": {"name": profile.get("companyName") or args["customer"]["name"],
                                "address": {k: address.get(k) for k in ("addressLine1", "city", "state", "postalCode",
                                                                        "country") if address.get(k)},
                                "team": [{"email": ctx.user.upn}] if ctx.user.upn else []},
            "consent": {"consentToToShareInfoWithOthers": True, "consentToContact": True},
            "details": {"dealValue": float(args["deal_value"]), "currency": args["currency"],
                        "notes": args.get("notes") or ""}}
    created = await ctx.client.referrals.create(body, request_id=ctx.request_id("create"))
    return Outcome({"referral": raw(created)}, message=ctx.t("referrals.msg.created", name=created.name or ""),
                   audit={"after": {"id": created.id, "name": created.name}})

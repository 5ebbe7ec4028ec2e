"""Subscription cards: list, details (with the change buttons that fit the status) and add-ons.

Inputs are Partner Center wire dicts (api.md 7.2, camelCase). Unknown fields are ignored and unknown enum
values are shown verbatim, so a new Partner Center status never breaks a card.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cards import actions
from cards.elements import adaptive_card, facts, heading, submit, text
from cards.lists import list_card, list_row
from cards.text import (
    enum_label,
    format_date,
    format_term,
    is_empty_date,
    join_list,
    parse_datetime,
    t,
    t_count,
    yes_no,
)

_CUSTOMER_IN_URI = re.compile(r"/customers/([^/?]+)/subscriptions/", re.IGNORECASE)


def customer_id_of(sub: Mapping[str, Any]) -> str | None:
    """The customer tenant id from the subscription's self link (subscriptions do not carry it otherwise)."""
    uri = ((sub.get("links") or {}).get("self") or {}).get("uri") or ""
    match = _CUSTOMER_IN_URI.search(uri)
    return match.group(1) if match else None


def display_name(sub: Mapping[str, Any]) -> str:
    """Nickname when set, else the offer name, else the id."""
    return str(sub.get("friendlyName") or sub.get("offerName") or sub.get("id") or "?")


def _status(sub: Mapping[str, Any]) -> str:
    return str(sub.get("status") or "").lower()


def seats_text(sub: Mapping[str, Any], locale: str) -> str | None:
    quantity = sub.get("quantity")
    if isinstance(quantity, int) and not isinstance(quantity, bool):
        return t_count("subscriptions.seats", quantity, locale)
    return None if quantity is None else str(quantity)


def renewal_text(sub: Mapping[str, Any], locale: str) -> str | None:
    """"Renews on 13 Jan 2025" / "Ends on ... (auto-renew is off)" for active subscriptions with a real end date."""
    end = sub.get("commitmentEndDate") or sub.get("commitmentEndDateTime")
    parsed = parse_datetime(end)
    if _status(sub) != "active" or is_empty_date(end) or parsed is None or parsed.year >= 9999:
        return None
    key = "subscriptions.renews_on" if sub.get("autoRenewEnabled") else "subscriptions.ends_on"
    return t(key, locale, date=format_date(end, locale))


def change_actions(sub: Mapping[str, Any], customer_id: str, locale: str) -> list[dict[str, Any]]:
    """Buttons for the changes that make sense in the current status (each goes through the dispatcher gates)."""
    params = {"customer": customer_id, "subscription": str(sub.get("id", ""))}
    status = _status(sub)
    buttons: list[dict[str, Any]] = []
    if status == "active":
        buttons.append(submit(t("subscriptions.action_change_seats", locale),
                              actions.run("subscriptions.change_quantity", params), style="positive"))
        buttons.append(submit(t("subscriptions.action_suspend", locale), actions.run("subscriptions.suspend", params)))
    if status == "suspended":
        buttons.append(submit(t("subscriptions.action_reactivate", locale),
                              actions.run("subscriptions.reactivate", params), style="positive"))
    if status in ("active", "suspended"):
        buttons.append(submit(t("subscriptions.action_cancel", locale), actions.run("subscriptions.cancel", params),
                              style="destructive"))
    if status == "active" and sub.get("hasPurchasableAddons"):
        buttons.append(submit(t("subscriptions.action_addons", locale), actions.run("subscriptions.addons", params)))
    return buttons


def _row(sub: Mapping[str, Any], customer_id: str | None, locale: str) -> dict[str, Any]:
    name = display_name(sub)
    offer = sub.get("offerName")
    details = [
        str(offer) if offer and offer != name else None,
        enum_label("subscription_status", sub.get("status"), locale),
        seats_text(sub, locale),
        enum_label("billing_cycle", sub.get("billingCycle"), locale) if sub.get("billingCycle") else None,
        renewal_text(sub, locale),
    ]
    cid = customer_id or customer_id_of(sub)
    open_action = (actions.run("subscriptions.get", {"customer": cid, "subscription": str(sub.get("id", ""))})
                   if cid and sub.get("id") else None)
    attention = bool(sub.get("attentionNeeded")) or _status(sub) == "suspended"
    return list_row(name, details, open_action=open_action, attention=attention)


def subscription_list(
    subscriptions: Sequence[Mapping[str, Any]],
    *,
    customer_id: str | None = None,
    customer_name: str | None = None,
    more: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One page of a customer's subscriptions; tap a row to open it."""
    title = (t("subscriptions.list_title", locale, customer=customer_name) if customer_name
             else t("subscriptions.list_title_plain", locale))
    return list_card(title=title, items=subscriptions, render=lambda s: _row(s, customer_id, locale),
                     more=more, locale=locale, offset=offset, current=current)


def addon_list(
    addons: Sequence[Mapping[str, Any]],
    *,
    parent: Mapping[str, Any] | None = None,
    customer_id: str | None = None,
    more: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Add-ons of one subscription (they are subscriptions themselves, with parentSubscriptionId)."""
    parent_name = display_name(parent) if parent else (
        str(addons[0].get("parentSubscriptionId")) if addons and addons[0].get("parentSubscriptionId") else "?")
    title = t("addons.list_title", locale, subscription=parent_name)
    cid = customer_id or (customer_id_of(parent) if parent else None)
    return list_card(title=title, items=addons, render=lambda s: _row(s, cid, locale),
                     more=more, locale=locale, offset=offset, current=current)


def subscription_details(
    sub: Mapping[str, Any],
    *,
    customer_id: str | None = None,
    customer_name: str | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """One subscription: status, seats, term, commitment end / renewal, auto-renew, and the change buttons."""
    name = display_name(sub)
    offer = sub.get("offerName")
    nickname = sub.get("friendlyName")
    end = sub.get("commitmentEndDate") or sub.get("commitmentEndDateTime")
    cancel_until = sub.get("cancellationAllowedUntilDate")
    reasons = [str(r) for r in sub.get("suspensionReasons") or []]
    pairs: list[tuple[str, str | None]] = [
        (t("field.customer", locale), customer_name),
        (t("field.offer", locale), str(offer) if offer else None),
        (t("field.nickname", locale), str(nickname) if nickname and nickname != offer else None),
        (t("field.status", locale), enum_label("subscription_status", sub.get("status"), locale)),
        (t("field.seats", locale), seats_text(sub, locale)),
        (t("field.term", locale), format_term(sub.get("termDuration"), locale) if sub.get("termDuration") else None),
        (t("field.billing_cycle", locale),
         enum_label("billing_cycle", sub.get("billingCycle"), locale) if sub.get("billingCycle") else None),
        (t("field.commitment_end", locale), format_date(end, locale) if end else None),
        (t("field.auto_renew", locale),
         yes_no(sub.get("autoRenewEnabled"), locale) if "autoRenewEnabled" in sub else None),
        (t("field.start_date", locale),
         format_date(sub.get("effectiveStartDate"), locale) if sub.get("effectiveStartDate") else None),
        (t("field.cancel_until", locale), format_date(cancel_until, locale)
         if cancel_until and not is_empty_date(cancel_until) else None),
        (t("field.trial", locale), yes_no(True, locale) if sub.get("isTrial") else None),
        (t("field.suspension_reasons", locale), join_list(reasons, locale) if reasons else None),
        (t("field.parent_subscription", locale),
         str(sub["parentSubscriptionId"]) if sub.get("parentSubscriptionId") else None),
        (t("field.order_id", locale), str(sub["orderId"]) if sub.get("orderId") else None),
        (t("field.subscription_id", locale), str(sub.get("id")) if sub.get("id") else None),
    ]
    renewal = renewal_text(sub, locale)
    body = [
        heading(name),
        text(t("subscriptions.attention", locale), color="Attention", weight="Bolder")
        if sub.get("attentionNeeded") else None,
        text(renewal, subtle=True, spacing="None") if renewal else None,
        facts(pairs),
    ]
    cid = customer_id or customer_id_of(sub)
    buttons = change_actions(sub, cid, locale) if cid and sub.get("id") else []
    return adaptive_card(body, buttons, locale=locale, fallback_text=name)

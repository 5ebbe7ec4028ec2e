"""Order cards (api.md 8.2): a customer's orders and one order with its line items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards import actions
from cards.elements import adaptive_card, container, facts, heading, select_submit, subheading, text
from cards.lists import list_card, list_row
from cards.text import enum_label, format_currency, format_date, format_number, format_term, t, t_count

MAX_LINE_ITEMS = 40


def _total(order: Mapping[str, Any], locale: str) -> str | None:
    if order.get("totalPrice") is None:
        return None
    return format_currency(order["totalPrice"], order.get("currencyCode"), locale, order.get("currencySymbol"))


def _row(order: Mapping[str, Any], customer_id: str | None, locale: str) -> dict[str, Any]:
    lines = [li for li in order.get("lineItems") or [] if isinstance(li, Mapping)]
    names = [str(li.get("friendlyName") or li.get("offerId") or "") for li in lines[:2]]
    details = [
        ", ".join(n for n in names if n) or None,
        t_count("orders.lines", len(lines), locale) if lines else None,
        enum_label("order_status", order.get("status"), locale),
        format_date(order.get("creationDate"), locale) if order.get("creationDate") else None,
        _total(order, locale),
    ]
    cid = customer_id or order.get("referenceCustomerId")
    open_action = (actions.run("orders.get", {"customer": str(cid), "order": str(order["id"])})
                   if cid and order.get("id") else None)
    return list_row(t("orders.details_title", locale, id=order.get("id") or "?"), details, open_action=open_action)


def order_list(
    orders: Sequence[Mapping[str, Any]],
    *,
    customer_id: str | None = None,
    customer_name: str | None = None,
    more: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One page of a customer's orders; tap one to open it."""
    title = (t("orders.list_title", locale, customer=customer_name) if customer_name
             else t("orders.list_title_plain", locale))
    return list_card(title=title, items=orders, render=lambda o: _row(o, customer_id, locale), more=more,
                     locale=locale, offset=offset, current=current)


def _line(item: Mapping[str, Any], customer_id: str | None, currency: Any, locale: str) -> dict[str, Any]:
    name = str(item.get("friendlyName") or item.get("offerId") or "?")
    pricing = item.get("pricing") or {}
    price = pricing.get("extendedPrice", pricing.get("price"))
    details = [
        f"{t('field.quantity', locale)} {format_number(item.get('quantity'), locale)}"
        if item.get("quantity") is not None else None,
        format_term(item.get("termDuration"), locale) if item.get("termDuration") else None,
        enum_label("transaction_type", item.get("transactionType"), locale) if item.get("transactionType") else None,
        format_currency(price, currency, locale) if price is not None else None,
    ]
    sub_id = item.get("subscriptionId")
    select = (select_submit(actions.run("subscriptions.get", {"customer": customer_id, "subscription": str(sub_id)}))
              if sub_id and customer_id else None)
    items = [text(name, weight="Bolder"), text("  ·  ".join(d for d in details if d), subtle=True, spacing="None")]
    return container(items, separator=True, select_action=select)


def order_details(
    order: Mapping[str, Any],
    *,
    customer_name: str | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """One order: status, date, billing cycle, total, and each line item (tap to open its subscription)."""
    lines = [li for li in order.get("lineItems") or [] if isinstance(li, Mapping)]
    pairs: list[tuple[str, str | None]] = [
        (t("field.customer", locale), customer_name),
        (t("field.status", locale), enum_label("order_status", order.get("status"), locale)),
        (t("field.created", locale), format_date(order.get("creationDate"), locale)
         if order.get("creationDate") else None),
        (t("field.billing_cycle", locale),
         enum_label("billing_cycle", order.get("billingCycle"), locale) if order.get("billingCycle") else None),
        (t("field.total", locale), _total(order, locale)),
        (t("field.order_id", locale), str(order["alternateId"]) if order.get("alternateId")
         and order.get("alternateId") != order.get("id") else None),
    ]
    title = t("orders.details_title", locale, id=order.get("id") or "?")
    customer_id = order.get("referenceCustomerId")
    body: list[dict[str, Any] | None] = [heading(title), facts(pairs)]
    if lines:
        body.append(subheading(t("field.items", locale), separator=True))
        body += [_line(li, customer_id, order.get("currencyCode"), locale) for li in lines[:MAX_LINE_ITEMS]]
        if len(lines) > MAX_LINE_ITEMS:
            body.append(text(t("common.not_shown_narrow", locale, count=str(len(lines) - MAX_LINE_ITEMS)),
                             subtle=True))
    return adaptive_card(body, locale=locale, fallback_text=title)

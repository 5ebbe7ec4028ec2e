"""Billing cards (api.md 12.2): invoices, one invoice, its line items, and the account balance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards import actions
from cards.elements import adaptive_card, facts, heading, subheading, submit
from cards.lists import list_card, list_row
from cards.text import enum_label, format_currency, format_date, format_number, is_empty_date, join_list, t


def _money(obj: Mapping[str, Any], key: str, locale: str, currency_key: str = "currencyCode") -> str | None:
    if obj.get(key) is None:
        return None
    return format_currency(obj.get(key), obj.get(currency_key) or obj.get("currency"), locale,
                           obj.get("currencySymbol"))


def _date(value: Any, locale: str) -> str | None:
    return None if value is None or value == "" else format_date(value, locale)


def _period(start: Any, end: Any, locale: str) -> str | None:
    if is_empty_date(start) and is_empty_date(end):
        return None
    return t("common.range", locale, start=format_date(start, locale), end=format_date(end, locale))


def _invoice_row(invoice: Mapping[str, Any], locale: str) -> dict[str, Any]:
    details = [
        _date(invoice.get("invoiceDate"), locale),
        _money(invoice, "totalCharges", locale),
        enum_label("invoice_type", invoice.get("invoiceType"), locale) if invoice.get("invoiceType") else None,
        enum_label("document_type", invoice.get("documentType"), locale) if invoice.get("documentType") else None,
    ]
    open_action = actions.run("invoices.get", {"invoice": str(invoice["id"])}) if invoice.get("id") else None
    return list_row(str(invoice.get("id") or "?"), details, open_action=open_action)


def invoice_list(
    invoices: Sequence[Mapping[str, Any]],
    *,
    more: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One page of the partner's invoices; tap one to open it."""
    return list_card(title=t("invoices.list_title", locale), items=invoices,
                     render=lambda i: _invoice_row(i, locale), more=more, locale=locale, offset=offset, current=current)


def invoice_details(invoice: Mapping[str, Any], *, locale: str = "en-US") -> dict[str, Any]:
    """One invoice: dates, billing period, totals, type, and which line item groups it has."""
    invoice_id = str(invoice.get("id") or "?")
    providers = sorted({
        enum_label("billing_provider", d.get("billingProvider"), locale)
        for d in invoice.get("invoiceDetails") or [] if isinstance(d, Mapping) and d.get("billingProvider")
    })
    pairs: list[tuple[str, str | None]] = [
        (t("field.invoice_date", locale), _date(invoice.get("invoiceDate"), locale)),
        (t("field.billing_period", locale),
         _period(invoice.get("billingPeriodStartDate"), invoice.get("billingPeriodEndDate"), locale)),
        (t("field.total_charges", locale), _money(invoice, "totalCharges", locale)),
        (t("field.paid", locale), _money(invoice, "paidAmount", locale)),
        (t("field.invoice_type", locale),
         enum_label("invoice_type", invoice.get("invoiceType"), locale) if invoice.get("invoiceType") else None),
        (t("field.document_type", locale),
         enum_label("document_type", invoice.get("documentType"), locale) if invoice.get("documentType") else None),
        (t("field.status", locale), str(invoice["status"]) if invoice.get("status") else None),
        (t("field.includes", locale), join_list(providers, locale) if providers else None),
    ]
    title = t("invoices.details_title", locale, id=invoice_id)
    buttons = [submit(t("invoices.action_line_items", locale),
                      actions.run("invoices.line_items", {"invoice": invoice_id}))] if invoice.get("id") else []
    return adaptive_card([heading(title), facts(pairs)], buttons, locale=locale, fallback_text=title)


def _line_row(item: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """License-based, one-time and usage line items share a few fields under different names."""
    name = (item.get("offerName") or item.get("subscriptionName") or item.get("productName")
            or item.get("skuName") or item.get("serviceName") or item.get("resourceName") or item.get("offerId") or "?")
    if item.get("productName") and item.get("skuName") and item.get("skuName") != item.get("productName"):
        name = f"{item['productName']} – {item['skuName']}"
    currency = item.get("currency") or item.get("pricingCurrency") or item.get("currencyCode")
    amount = next((item[k] for k in ("totalForCustomer", "amount", "subtotal", "pretaxCharges") if
                   item.get(k) is not None), None)
    quantity = item.get("quantity", item.get("billableQuantity", item.get("consumedQuantity")))
    details = [
        str(item.get("customerName") or item.get("customerDomainName") or "") or None,
        f"{t('field.quantity', locale)} {format_number(quantity, locale)}" if quantity is not None else None,
        format_currency(amount, currency, locale) if amount is not None else None,
        _period(item.get("chargeStartDate"), item.get("chargeEndDate"), locale)
        if item.get("chargeStartDate") or item.get("chargeEndDate") else None,
        str(item["chargeType"]) if item.get("chargeType") else None,
    ]
    return list_row(str(name), details)


def invoice_line_items(
    items: Sequence[Mapping[str, Any]],
    *,
    invoice_id: str,
    more: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One page of an invoice's line items (billing, one-time or usage shapes)."""
    return list_card(title=t("invoices.line_items_title", locale, id=invoice_id), items=items,
                     render=lambda i: _line_row(i, locale), more=more, locale=locale, offset=offset, current=current)


def balance_card(summary: Mapping[str, Any], *, locale: str = "en-US") -> dict[str, Any]:
    """The partner's account balance (GET /invoices/summary) with the split by invoice type."""
    currency = summary.get("currencyCode")
    symbol = summary.get("currencySymbol")
    last_payment = None
    if summary.get("lastPaymentAmount") is not None:
        last_payment = format_currency(summary["lastPaymentAmount"], currency, locale, symbol)
        if not is_empty_date(summary.get("lastPaymentDate")):
            last_payment += f" ({format_date(summary.get('lastPaymentDate'), locale)})"
    pairs: list[tuple[str, str | None]] = [
        (t("field.balance", locale), _money(summary, "balanceAmount", locale)),
        (t("field.as_of", locale), _date(summary.get("accountingDate"), locale)),
        (t("field.last_payment", locale), last_payment),
        (t("field.latest_invoice", locale), _date(summary.get("latestInvoiceDate"), locale)),
    ]
    by_type: list[tuple[str, str | None]] = []
    for detail in summary.get("details") or []:
        if not isinstance(detail, Mapping):
            continue
        part = detail.get("summary") or {}
        amount = part.get("balanceAmount")
        if amount is None:
            continue
        label = enum_label("invoice_type", detail.get("invoiceType"), locale)
        by_type.append((label, format_currency(amount, part.get("currencyCode") or currency, locale,
                                               part.get("currencySymbol") or symbol)))
    title = t("balance.title", locale)
    body = [heading(title), facts(pairs)]
    if by_type:
        body += [subheading(t("balance.by_type", locale)), facts(by_type[:20])]
    return adaptive_card(body, locale=locale, fallback_text=title)

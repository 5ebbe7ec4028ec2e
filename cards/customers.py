"""Customer cards: list (one page, tap to open) and details with shortcuts to the customer's other views."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards import actions
from cards.elements import adaptive_card, facts, heading, submit
from cards.lists import list_card, list_row
from cards.text import enum_label, join_list, t, yes_no


def customer_id(customer: Mapping[str, Any]) -> str:
    profile = customer.get("companyProfile") or {}
    return str(customer.get("id") or profile.get("tenantId") or "")


def company_name(customer: Mapping[str, Any]) -> str:
    """Company name from the company profile, else the billing profile, else the domain or id."""
    profile = customer.get("companyProfile") or {}
    billing = customer.get("billingProfile") or {}
    return str(profile.get("companyName") or billing.get("companyName") or profile.get("domain")
               or customer_id(customer) or "?")


def _address(address: Mapping[str, Any] | None) -> str | None:
    if not address:
        return None
    parts = [address.get("addressLine1"), address.get("addressLine2"), address.get("city"),
             address.get("state") or address.get("region"), address.get("postalCode"), address.get("country")]
    text_parts = [str(p) for p in parts if p]
    return ", ".join(text_parts) or None


def _row(customer: Mapping[str, Any], locale: str) -> dict[str, Any]:
    profile = customer.get("companyProfile") or {}
    cid = customer_id(customer)
    relationship = customer.get("relationshipToPartner")
    details = [str(profile["domain"]) if profile.get("domain") else None,
               enum_label("relationship", relationship, locale) if relationship else None]
    open_action = actions.run("customers.get", {"customer": cid}) if cid else None
    return list_row(company_name(customer), details, open_action=open_action)


def customer_list(
    customers: Sequence[Mapping[str, Any]],
    *,
    more: Mapping[str, Any] | None = None,
    query: str | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One page of customers (all customers, or the result of a search for `query`)."""
    title = t("customers.search_title", locale, query=query) if query else t("customers.list_title", locale)
    return list_card(title=title, items=customers, render=lambda c: _row(c, locale), more=more,
                     locale=locale, offset=offset, current=current)


def customer_details(customer: Mapping[str, Any], *, locale: str = "en-US") -> dict[str, Any]:
    """One customer: domain, tenant, relationship, billing contact and address, with shortcut buttons."""
    profile = customer.get("companyProfile") or {}
    billing = customer.get("billingProfile") or {}
    contact = " ".join(str(billing[k]) for k in ("firstName", "lastName") if billing.get(k)) or None
    domains = [str(d) for d in customer.get("customDomains") or []]
    relationship = customer.get("relationshipToPartner")
    pairs: list[tuple[str, str | None]] = [
        (t("field.domain", locale), str(profile["domain"]) if profile.get("domain") else None),
        (t("field.tenant_id", locale), customer_id(customer) or None),
        (t("field.relationship", locale), enum_label("relationship", relationship, locale) if relationship else None),
        (t("field.billing_contact", locale), contact),
        (t("field.email", locale), str(billing.get("email") or profile.get("email") or "") or None),
        (t("field.address", locale), _address(billing.get("defaultAddress") or profile.get("address"))),
        (t("field.language", locale), str(billing.get("culture") or billing.get("language") or "") or None),
        (t("field.delegated_access", locale),
         yes_no(customer.get("allowDelegatedAccess"), locale) if "allowDelegatedAccess" in customer else None),
        (t("field.custom_domains", locale), join_list(domains[:20], locale) if domains else None),
    ]
    name = company_name(customer)
    cid = customer_id(customer)
    buttons = []
    if cid:
        params = {"customer": cid}
        buttons = [
            submit(t("customers.action_subscriptions", locale), actions.run("subscriptions.list", params)),
            submit(t("customers.action_users", locale), actions.run("users.list", params)),
            submit(t("customers.action_licenses", locale), actions.run("licenses.available", params)),
            submit(t("customers.action_orders", locale), actions.run("orders.list", params)),
        ]
    return adaptive_card([heading(name), facts(pairs)], buttons, locale=locale, fallback_text=name)

"""Customer user and licence cards (api.md 6.2): users, one user, subscribed SKUs, a user's licences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards import actions
from cards.elements import BUDGET_BYTES, adaptive_card, facts, heading, json_size, submit, table, text
from cards.lists import fit_count, list_card, list_row
from cards.text import enum_label, format_date, format_datetime, format_number, is_empty_date, join_list, t

MAX_PLANS_NAMED = 6


def user_name(user: Mapping[str, Any]) -> str:
    name = user.get("displayName") or " ".join(str(user[k]) for k in ("firstName", "lastName") if user.get(k))
    return str(name or user.get("userPrincipalName") or user.get("id") or "?")


def _row(user: Mapping[str, Any], customer_id: str | None, locale: str) -> dict[str, Any]:
    state = str(user.get("state") or "").lower()
    details = [
        str(user["userPrincipalName"]) if user.get("userPrincipalName") else None,
        enum_label("user_state", user.get("state"), locale) if user.get("state") else None,
        str(user["usageLocation"]) if user.get("usageLocation") else None,
    ]
    open_action = (actions.run("users.get", {"customer": customer_id, "user": str(user["id"])})
                   if customer_id and user.get("id") else None)
    return list_row(user_name(user), details, open_action=open_action, attention=state == "inactive")


def user_list(
    users: Sequence[Mapping[str, Any]],
    *,
    customer_id: str | None = None,
    customer_name: str | None = None,
    more: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One page of a customer's users (active or deleted); tap one to open it."""
    title = (t("users.list_title", locale, customer=customer_name) if customer_name
             else t("users.list_title_plain", locale))
    return list_card(title=title, items=users, render=lambda u: _row(u, customer_id, locale), more=more,
                     locale=locale, offset=offset, current=current)


def user_details(
    user: Mapping[str, Any],
    *,
    customer_id: str | None = None,
    customer_name: str | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """One user: sign-in name, state, usage location, and buttons for licences, roles, password, restore."""
    state = str(user.get("state") or "").lower()
    deleted = user.get("softDeletionTime")
    synced = user.get("lastDirectorySyncTime")
    pairs: list[tuple[str, str | None]] = [
        (t("field.customer", locale), customer_name),
        (t("field.upn", locale), str(user["userPrincipalName"]) if user.get("userPrincipalName") else None),
        (t("field.state", locale), enum_label("user_state", user.get("state"), locale) if user.get("state") else None),
        (t("field.usage_location", locale), str(user["usageLocation"]) if user.get("usageLocation") else None),
        (t("field.domain_type", locale),
         enum_label("domain_type", user.get("userDomainType"), locale) if user.get("userDomainType") else None),
        (t("field.phone", locale), str(user["phoneNumber"]) if user.get("phoneNumber") else None),
        (t("field.deleted_on", locale), format_date(deleted, locale) if deleted and not is_empty_date(deleted)
         else None),
        (t("field.last_sync", locale), format_datetime(synced, locale) if synced and not is_empty_date(synced)
         else None),
        (t("field.user_id", locale), str(user["id"]) if user.get("id") else None),
    ]
    buttons = []
    if customer_id and user.get("id"):
        params = {"customer": customer_id, "user": str(user["id"])}
        if state == "inactive":
            buttons.append(submit(t("users.action_restore", locale), actions.run("users.restore", params),
                                  style="positive"))
        else:
            buttons += [
                submit(t("users.action_licenses", locale), actions.run("licenses.assigned", params)),
                submit(t("users.action_roles", locale), actions.run("users.roles", params)),
                submit(t("users.action_reset_password", locale), actions.run("users.reset_password", params)),
            ]
    name = user_name(user)
    return adaptive_card([heading(name), facts(pairs)], buttons, locale=locale, fallback_text=name)


def _sku_name(item: Mapping[str, Any]) -> str:
    sku = item.get("productSku") or {}
    return str(sku.get("name") or sku.get("skuPartNumber") or sku.get("id") or "?")


def _units(value: Any, locale: str) -> str:
    return t("common.none", locale) if value is None else format_number(value, locale)


def license_summary(
    skus: Sequence[Mapping[str, Any]],
    *,
    customer_id: str | None = None,
    customer_name: str | None = None,
    locale: str = "en-US",
    budget: int = BUDGET_BYTES,
) -> dict[str, Any]:
    """Subscribed SKUs as a table: product, assigned (consumed), available and total units."""
    title = t("licenses.summary_title", locale, customer=customer_name or customer_id or "?")
    buttons = ([submit(t("licenses.action_assign", locale), actions.run("licenses.assign", {"customer": customer_id}))]
               if customer_id else [])
    if not skus:
        return adaptive_card([heading(title), text(t("common.list_empty", locale), subtle=True)], buttons,
                             locale=locale, fallback_text=title)
    rows = [[_sku_name(s), _units(s.get("consumedUnits"), locale), _units(s.get("availableUnits"), locale),
             _units(s.get("totalUnits", s.get("activeUnits")), locale)] for s in skus]
    headers = [t(f"licenses.col_{c}", locale) for c in ("product", "assigned", "available", "total")]
    # Leave room for the title, the header row and a notice; each table row is measured on its own.
    sizes = [json_size(table(headers, [row])) - json_size(table(headers, [])) for row in rows]
    shown = max(1, fit_count(sizes, budget - json_size(table(headers, [])) - 3000))
    body = [heading(title), table(headers, rows[:shown], widths=[3, 1, 1, 1])]
    if shown < len(rows):
        body.append(text(t("common.not_shown_narrow", locale, count=str(len(rows) - shown)), subtle=True))
    return adaptive_card(body, buttons, locale=locale, fallback_text=title)


def _license_row(item: Mapping[str, Any], locale: str) -> dict[str, Any]:
    plans = [p for p in item.get("servicePlans") or [] if isinstance(p, Mapping)]
    names = [str(p.get("displayName") or p.get("serviceName") or "") for p in plans]
    names = [n for n in names if n]
    listed = join_list(names[:MAX_PLANS_NAMED], locale)
    if len(names) > MAX_PLANS_NAMED:
        listed += " " + t("licenses.more_plans", locale, count=str(len(names) - MAX_PLANS_NAMED))
    sku = item.get("productSku") or {}
    details = [str(sku["skuPartNumber"]) if sku.get("skuPartNumber") and sku.get("skuPartNumber") != _sku_name(item)
               else None, t("licenses.plans", locale, plans=listed) if names else None]
    return list_row(_sku_name(item), details)


def assigned_licenses(
    licenses: Sequence[Mapping[str, Any]],
    *,
    user_label: str,
    more: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Licences assigned to one user, each with its service plans."""
    return list_card(title=t("licenses.assigned_title", locale, user=user_label), items=licenses,
                     render=lambda li: _license_row(li, locale), more=more, locale=locale,
                     empty_text=t("licenses.none_assigned", locale), offset=offset, current=current)

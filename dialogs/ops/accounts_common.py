"""Shared pieces of the account operations: parameter resolvers (reseller, directory role, country), input
checks done before any Partner Center call (e-mail, domain, address) and small formatters for views."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dialogs.context import OperationContext
from dialogs.ops.purchases import ResolvableParam
from dialogs.registry import ParamType
from dialogs.resolve import Ambiguous, NotFound, Resolution, Resolved, normalize

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
PREFIX_RE = re.compile(r"^[a-z0-9]{1,27}$")
MPN_RE = re.compile(r"^\d{1,10}$")

# ISO code -> names people type (en and zh-TW); the sandbox and Partner Center take the two-letter code.
COUNTRIES: dict[str, tuple[str, ...]] = {
    "US": ("united states", "usa", "us", "america", "美國"), "GB": ("united kingdom", "uk", "great britain",
                                                                "england", "英國"),
    "DE": ("germany", "deutschland", "德國"), "FR": ("france", "法國"), "NL": ("netherlands", "holland", "荷蘭"),
    "CA": ("canada", "加拿大"), "AU": ("australia", "澳洲"), "IE": ("ireland", "愛爾蘭"), "SE": ("sweden", "瑞典"),
    "ES": ("spain", "西班牙"), "IT": ("italy", "義大利"), "DK": ("denmark", "丹麥"), "TW": ("taiwan", "台灣", "臺灣"),
    "JP": ("japan", "日本"), "IN": ("india", "印度"), "BR": ("brazil", "巴西"), "MX": ("mexico", "墨西哥"),
}

# Directory roles as people name them -> the role's name in Partner Center (api.md §6 R1-R5).
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "Company Administrator": ("global administrator", "global admin", "company administrator", "tenant admin",
                              "全域管理員", "全域系統管理員"),
    "User Account Administrator": ("user administrator", "user admin", "user account administrator",
                                   "使用者管理員", "使用者系統管理員"),
    "Helpdesk Administrator": ("helpdesk administrator", "helpdesk admin", "help desk administrator",
                               "password administrator", "技術支援管理員"),
    "Billing Administrator": ("billing administrator", "billing admin", "計費管理員"),
    "Service Support Administrator": ("service support administrator", "service admin",
                                      "service support admin", "服務支援管理員"),
    "Exchange Service Administrator": ("exchange administrator", "exchange admin", "exchange service administrator",
                                       "Exchange 管理員"),
    "SharePoint Service Administrator": ("sharepoint administrator", "sharepoint admin", "SharePoint 管理員"),
    "Teams Service Administrator": ("teams administrator", "teams admin", "teams service administrator",
                                    "Teams 管理員"),
    "Global Reader": ("global reader", "全域讀取者"),
    "Directory Readers": ("directory readers", "directory reader", "目錄讀取者"),
}
GLOBAL_ADMIN = "Company Administrator"


def country_code(text: str | None) -> str | None:
    """"US", "united states", "美國" -> "US"; None when it names no market we know."""
    q = (text or "").strip()
    if re.fullmatch(r"[A-Za-z]{2}", q):
        return q.upper()
    low = q.lower()
    return next((code for code, names in COUNTRIES.items() if low in names), None)


def role_name_for(text: str) -> str | None:
    low = normalize(text).replace("administrators", "administrator").replace("admins", "admin")
    for name, aliases in ROLE_ALIASES.items():
        if low == normalize(name) or low in {normalize(a) for a in aliases}:
            return name
    matches = [name for name, aliases in ROLE_ALIASES.items()
               if any(normalize(a) in low for a in aliases) or normalize(name) in low]
    return matches[0] if len(matches) == 1 else None


def address_line(address: Mapping[str, Any] | None) -> str:
    """"1 Microsoft Way, Redmond, WA 98052, US" from an Address dict (empty parts left out)."""
    if not isinstance(address, Mapping):
        return ""
    region = address.get("state") or address.get("region")
    tail = " ".join(str(p) for p in (region, address.get("postalCode")) if p)
    parts = [address.get("addressLine1"), address.get("addressLine2"), address.get("city"), tail,
             address.get("country")]
    return ", ".join(str(p) for p in parts if p)


def person(contact: Mapping[str, Any] | None) -> str:
    if not isinstance(contact, Mapping):
        return ""
    return " ".join(str(p) for p in (contact.get("firstName"), contact.get("lastName")) if p)


# ----------------------------------------------------------------------------------------------- resolvers

async def _resolve_role(ctx: OperationContext, raw: Any, values: dict[str, Any],
                        flow_raw: dict[str, Any]) -> Resolution | str:
    """A directory role by name or alias, among the customer's roles (so the id is the customer's)."""
    query = str(raw or "").strip()
    roles = await ctx.client.directory_roles.list(values["customer"]["id"]).to_list()
    wanted = role_name_for(query)
    found = [r for r in roles if wanted and r.name == wanted] or \
        [r for r in roles if normalize(query) and normalize(query) == normalize(r.name or "")]
    if len(found) == 1:
        role = found[0]
        return Resolved({"id": role.id, "name": role.name})
    options = [{"id": r.id, "name": r.name} for r in roles]
    if not query:
        return Ambiguous(query, options)
    return ctx.t("accounts.unknown_role", name=query)


async def _resolve_reseller(ctx: OperationContext, raw: Any, values: dict[str, Any],
                            flow_raw: dict[str, Any]) -> Resolution | str:
    """An indirect reseller by name (prefix or words), MPN id or tenant id."""
    query = str(raw or "").strip()
    resellers = await ctx.client.resellers.list().to_list()
    options = [{"id": r.id, "name": r.name, "detail": f"MPN {r.mpn_id}"} for r in resellers]
    if not query:
        return Ambiguous(query, options)
    q = normalize(query)
    exact = [o for r, o in zip(resellers, options, strict=True)
             if q in {normalize(r.name or ""), (r.mpn_id or ""), (r.id or "").lower()}]
    close = exact or [o for r, o in zip(resellers, options, strict=True)
                      if normalize(r.name or "").startswith(q) or q in normalize(r.name or "")]
    if len(close) == 1:
        return Resolved(close[0])
    if close:
        return Ambiguous(query, close)
    return NotFound(query, options)


ROLE = ResolvableParam("role", ParamType.TEXT, resolve=_resolve_role, resolve_empty=False)
OPTIONAL_ROLE = ResolvableParam("role", ParamType.TEXT, required=False, resolve=_resolve_role, resolve_empty=False)
RESELLER = ResolvableParam("reseller", ParamType.TEXT, resolve=_resolve_reseller, resolve_empty=True)

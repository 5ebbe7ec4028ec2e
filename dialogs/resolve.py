"""Resolve what the user typed ("contoso", "the E3 one", "jane@...") to Partner Center ids.

Customers are found with the Partner Center search API (a prefix filter), never by listing every customer:
at most two calls per name — the prefix search and, when it finds nothing, a shorter prefix for suggestions.
A read may take a name that is exactly one customer's from the cached directory instead (no call).
Subscriptions and users are matched within one customer.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from dialogs.fresh import remember_subscriptions
from partner_center import errors

GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
DOMAIN_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.I)

# Words people use for products, expanded before matching offer names.
OFFER_ALIASES = {
    "m365": "microsoft 365",
    "o365": "office 365",
    "bp": "business premium",
    "bb": "business basic",
    "bs": "business standard",
    "biz": "business",
    "ent": "enterprise",
    "pbi": "power bi",
    "d365": "dynamics 365",
    "aad": "entra id",
    "azure ad": "entra id",
}
_GENERIC_WORDS = {"the", "one", "sub", "subs", "subscription", "subscriptions", "plan", "licence", "license",
                  "licenses", "licences", "seats", "seat", "my", "our", "their", "a", "an", "s"}


@dataclass
class Resolved:
    value: dict[str, Any]


@dataclass
class Ambiguous:
    query: str
    options: list[dict[str, Any]]


@dataclass
class NotFound:
    query: str
    suggestions: list[dict[str, Any]] = field(default_factory=list)


Resolution = Resolved | Ambiguous | NotFound


def normalize(text: str) -> str:
    """Lower-case, drop punctuation and possessives, expand product abbreviations."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"[^\w\s&.@-]", " ", text)
    words = []
    for word in text.split():
        words.append(OFFER_ALIASES.get(word, word))
    return " ".join(words)


def _tokens(text: str) -> set[str]:
    return {w for w in re.split(r"[\s.\-]+", normalize(text)) if w and w not in _GENERIC_WORDS}


def customer_value(customer: Any) -> dict[str, Any]:
    return {"id": customer.id, "name": customer.company_name or customer.domain or customer.id,
            "domain": customer.domain}


async def resolve_customer(client: Any, query: str, *, limit: int = 25, directory: Any = None) -> Resolution:
    """Customer by tenant id, domain or company name (case-insensitive; exact match wins over prefix matches).

    `directory` (a `dialogs.directory.DirectoryCache`, given for reads only) answers a name that is exactly
    one cached customer's without a call; anything else goes to the search API."""
    query = query.strip()
    known = directory.exact_customer(query) if directory is not None else None
    if known is not None:
        return Resolved(known)
    if GUID_RE.match(query):
        try:
            return Resolved(customer_value(await client.customers.get(query)))
        except (errors.NotFoundError, errors.PermissionDeniedError):
            return NotFound(query)
    field_name = "Domain" if DOMAIN_RE.match(query) else "CompanyName"
    found = await client.customers.search(query, field=field_name).to_list(limit)
    if found:
        return _pick_customer(query, found)
    # Nothing starts with the whole query: suggest look-alikes from a short prefix (one more call).
    prefix = re.sub(r"[^\w]", "", query)[:3]
    if len(prefix) < 2:
        return NotFound(query)
    pool = await client.customers.search(prefix, field="CompanyName").to_list(200)
    names = {c.company_name or "": c for c in pool}
    close = difflib.get_close_matches(query.lower(), [n.lower() for n in names], n=5, cutoff=0.5)
    by_lower = {n.lower(): c for n, c in names.items()}
    return NotFound(query, [customer_value(by_lower[n]) for n in close])


_LEGAL_SUFFIX = re.compile(r"[\s,]+(ltd|limited|inc|incorporated|llc|gmbh|corp|corporation|co|company|plc|ag|sa|"
                           r"bv|pty|srl|kk|oy|ab|as|nv)\.?$", re.I)


def company_key(name: str) -> str:
    """A company name without case, punctuation or legal suffix: "Contoso Ltd." and "contoso" are the same."""
    name = normalize(name).strip(" .")
    while True:
        stripped = _LEGAL_SUFFIX.sub("", name).strip(" .,")
        if stripped == name or not stripped:
            return name
        name = stripped


def _pick_customer(query: str, found: list[Any]) -> Resolution:
    q = company_key(query)
    exact = [c for c in found if q in {company_key(c.company_name or ""), (c.domain or "").lower()}]
    if len(exact) == 1:
        return Resolved(customer_value(exact[0]))
    if len(found) == 1:
        return Resolved(customer_value(found[0]))
    return Ambiguous(query, [customer_value(c) for c in (exact or found)])


def subscription_value(sub: Any) -> dict[str, Any]:
    name = sub.friendly_name or sub.offer_name or sub.id
    detail = sub.offer_name if sub.friendly_name and sub.friendly_name != sub.offer_name else None
    return {"id": sub.id, "name": name, "offer": sub.offer_name, "detail": detail,
            "status": str(sub.status), "quantity": sub.quantity}


def match_subscriptions(query: str, subs: list[Any]) -> list[Any]:
    """Subscriptions whose id, nickname or offer name matches, best matches only."""
    q = query.strip().lower()
    by_id = [s for s in subs if s.id.lower() == q]
    if by_id:
        return by_id
    nq = normalize(query)
    exact = [s for s in subs if nq in {normalize(s.friendly_name or ""), normalize(s.offer_name or "")}]
    if exact:
        return exact
    wanted = _tokens(query)
    if not wanted:
        return []
    scored = []
    for s in subs:
        have = _tokens(f"{s.offer_name or ''} {s.friendly_name or ''}")
        if wanted <= have:
            scored.append(s)
    return scored


async def resolve_subscription(client: Any, customer_id: str, query: str | None,
                               *, statuses: tuple[str, ...] = ()) -> Resolution:
    """Subscription of one customer by id, nickname or offer name; all of them as options when no query."""
    subs = await client.subscriptions.list(customer_id).to_list()
    remember_subscriptions(customer_id, subs)  # the confirmation card of this turn needs no second GET
    live = [s for s in subs if str(s.status) != "deleted"]
    if statuses:
        preferred = [s for s in live if str(s.status) in statuses]
        live = preferred or live
    if not query:
        if len(live) == 1:
            return Resolved(subscription_value(live[0]))
        return Ambiguous("", [subscription_value(s) for s in live]) if live else NotFound("")
    matches = match_subscriptions(query, live) or match_subscriptions(query, subs)
    if statuses and len(matches) > 1:
        matches = [s for s in matches if str(s.status) in statuses] or matches
    if len(matches) == 1:
        return Resolved(subscription_value(matches[0]))
    if matches:
        return Ambiguous(query, [subscription_value(s) for s in matches])
    return NotFound(query, [subscription_value(s) for s in live][:10])


def user_value(user: Any) -> dict[str, Any]:
    return {"id": user.id, "name": user.display_name or user.user_principal_name,
            "upn": user.user_principal_name}


async def resolve_user(client: Any, customer_id: str, query: str) -> Resolution:
    """Customer user by object id, UPN / e-mail, or display name."""
    q = query.strip().lower()
    if GUID_RE.match(q):
        try:
            return Resolved(user_value(await client.users.get(customer_id, q)))
        except errors.NotFoundError:
            return NotFound(query)
    users = await client.users.list(customer_id).to_list(1000)
    exact = [u for u in users if q in {(u.user_principal_name or "").lower(), (u.display_name or "").lower()}]
    if not exact and "@" in q:
        local = q.split("@")[0]
        exact = [u for u in users if (u.user_principal_name or "").lower().split("@")[0] == local]
    if not exact:
        exact = [u for u in users if q in (u.display_name or "").lower()]
    if len(exact) == 1:
        return Resolved(user_value(exact[0]))
    if exact:
        return Ambiguous(query, [user_value(u) for u in exact])
    names = [(u.display_name or "") for u in users]
    close = difflib.get_close_matches(query, names, n=5, cutoff=0.5)
    return NotFound(query, [user_value(u) for u in users if (u.display_name or "") in close])

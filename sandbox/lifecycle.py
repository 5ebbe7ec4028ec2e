"""New-commerce lifecycle on the sandbox clock (api.md §23): terms, renewals, the 168-hour window and changes
scheduled for renewal.

Renewal is computed when a subscription is read (`renew_due`, called from `commerce.refresh_subscription`):
a term ends at the end of `commitmentEndDate` (inclusive) and the next term starts at 00:00 UTC the day after
(§23.4 "renewals run after the last day of the term"). With auto-renew on, the scheduled instructions are
applied, the end date moves one term on and the window reopens; with it off the subscription expires (§23.5,
§23.7 rules 6-7). The result depends only on the stored document and `now`, so a read never has to write; the
renewed etag is derived from the stored one, so an If-Match taken before the renewal no longer matches.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox import catalog_data as cat
from sandbox.body import Body
from sandbox.envelope import iso, link, parse_iso
from sandbox.errors import bad_request, invalid_input, sandbox_limit

WINDOW = timedelta(hours=168)  # §23.3: 7 days = 168 hours
WINDOW_HOURS = 168
FAR_FUTURE_YEAR = 9000
_TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}


def term_months(term: str | None) -> int | None:
    return _TERM_MONTHS.get((term or "").upper())


def add_months(day: datetime, months: int) -> datetime:
    """Calendar months, the day clamped to the target month's length (31 Jan + 1 month = 28/29 Feb)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def term_end(start: datetime, term: str) -> datetime | None:
    """The inclusive last day (00:00 UTC) of a term starting at `start`; None for terms without an end."""
    months = term_months(term)
    if months is None:
        return None
    return midnight(add_months(midnight(start), months)) - timedelta(days=1)


def end_fields(end_day: datetime) -> dict[str, str]:
    return {"commitmentEndDate": iso(end_day),
            "commitmentEndDateTime": iso(end_day + timedelta(hours=23, minutes=59, seconds=59))}


def renewal_at(doc: dict[str, Any]) -> datetime | None:
    """When the next term starts: 00:00 UTC the day after the inclusive end date; None when it never renews."""
    end = doc.get("commitmentEndDate")
    if not end:
        return None
    day = midnight(parse_iso(end))
    if day.year >= FAR_FUTURE_YEAR or term_months(doc.get("termDuration")) is None:
        return None
    return day + timedelta(days=1)


def open_window(doc: dict[str, Any], start: datetime, quantity: int) -> None:
    """A purchase or renewal at `start`: every seat is refundable and cancellation allowed for 168 hours."""
    until = iso(start + WINDOW)
    doc["cancellationAllowedUntilDate"] = until
    doc["refundOptions"] = [{"type": "Full", "expiresAt": until}]
    doc["refundableQuantity"] = {"totalQuantity": quantity,
                                 "details": [{"quantity": quantity, "allowedUntilDateTime": until}]}


def _renewed_etag(etag: str, start: datetime) -> str:
    digest = hashlib.sha256(f"{etag}:{iso(start)}".encode()).hexdigest()
    return str(int(digest[:15], 16))


def renew_due(doc: dict[str, Any], now: datetime) -> bool:
    """Apply every renewal (or the expiry) due by `now`, in place; True when the document changed."""
    if doc.get("status") not in {"active", "suspended"}:
        return False
    changed = False
    for _ in range(240):  # at most 20 years of monthly terms in one read
        start = renewal_at(doc)
        if start is None or start > now:
            break
        changed = True
        if doc.get("status") == "suspended":  # a suspended term rolls on (and stays suspended)
            _renew(doc, start, reopen=False)
            continue
        if not doc.get("autoRenewEnabled"):
            doc["status"] = "expired"
            doc["autoRenewEnabled"] = False
            doc.pop("scheduledNextTermInstructions", None)
            if "refundableQuantity" in doc:
                doc["refundableQuantity"] = {"totalQuantity": 0, "details": []}
            break
        _renew(doc, start)
    return changed


def _renew(doc: dict[str, Any], start: datetime, *, reopen: bool = True) -> None:
    plan = doc.pop("scheduledNextTermInstructions", None) or {}
    product = plan.get("product") or {}
    if product:
        target = cat.by_catalog_item(product.get("productId", ""), product.get("skuId", ""))
        if target is not None and target.offer_id != doc.get("offerId"):
            apply_item(doc, target)
        if product.get("termDuration"):
            doc["termDuration"] = product["termDuration"]
        if product.get("billingCycle"):
            doc["billingCycle"] = str(product["billingCycle"]).lower()
        if product.get("promotionId"):
            doc["promotionId"] = product["promotionId"]
    if isinstance(plan.get("quantity"), int) and plan["quantity"] > 0:
        doc["quantity"] = plan["quantity"]
    custom_end = plan.get("customTermEndDate")
    end = midnight(parse_iso(custom_end)) if custom_end else term_end(start, doc["termDuration"])
    assert end is not None
    doc.update(end_fields(end))
    doc["effectiveStartDate"] = iso(start)
    months = 1 if doc.get("billingCycle") == "monthly" else 12
    doc["billingCycleEndDate"] = iso(midnight(add_months(start, months)) - timedelta(days=1))
    doc["renewalTermDuration"] = ""
    if reopen and doc.get("productType", {}).get("id") == "OnlineServicesNCE":
        open_window(doc, start, int(doc.get("quantity") or 0))
    attrs = doc.setdefault("attributes", {"objectType": "Subscription"})
    attrs["etag"] = _renewed_etag(str(attrs.get("etag", "")), start)


def apply_item(doc: dict[str, Any], item: cat.CatalogItem) -> None:
    """Point a subscription at another catalog item (an upgrade applied at renewal)."""
    p, s, a = item.product_id, item.sku_id, item.availability_id
    renamed = doc.get("friendlyName") in (None, "", doc.get("offerName"))
    doc["offerId"] = item.offer_id
    doc["offerName"] = item.display_title
    if renamed:
        doc["friendlyName"] = item.display_title
    doc["_catalogItemId"] = item.catalog_item_id
    links = doc.setdefault("links", {})
    links.update({"product": link(f"/products/{p}?country=US"), "sku": link(f"/products/{p}/skus/{s}?country=US"),
                  "availability": link(f"/products/{p}/skus/{s}/availabilities/{a}?country=US")})


# ---- the window (§23.3) ---------------------------------------------------------------------------------------

def cancel_closed(doc: dict[str, Any], now: datetime) -> bool:
    until = doc.get("cancellationAllowedUntilDate")
    return until is None or now > parse_iso(until)


def window_error_cancel() -> Exception:
    return bad_request(900213, f"You have passed your {WINDOW_HOURS}-hour cancellation window; unable to cancel.")


def window_error_reduce(refundable: int) -> Exception:
    return bad_request(900214, f"You have passed your {WINDOW_HOURS}-hour window for reducing seats; only "
                               f"{refundable} licence(s) can still be removed.")


# ---- eligibilities and scheduled changes (§23.1 N8, §23.4, §23.7 rule 4) ------------------------------------------

def scheduled_targets(item: cat.CatalogItem) -> list[cat.CatalogItem]:
    """What a subscription may change to at renewal: its own SKU (seats, term, billing) and upgrades, i.e. other
    licence SKUs of its category at the same or a higher price. Trials and non-NCE items have none."""
    if not item.is_nce or item.is_trial or item.is_addon:
        return []
    same = [item]
    ups = [other for other in cat.ITEMS
           if other is not item and other.is_nce and not other.is_trial and not other.is_addon
           and other.category == item.category and other.price >= item.price]
    return same + sorted(ups, key=lambda o: (o.price, o.display_title))


def eligibility_item(item: cat.CatalogItem) -> dict[str, Any]:
    return {"catalogItemId": item.catalog_item_id, "title": item.display_title,
            "eligibilities": [{"isEligible": True, "transitionType": "transition_only",
                               "eligibilityType": "Scheduled", "errors": []}],
            "terms": [{"duration": term, "billingCycle": cycle} for term, cycle in item.terms if term],
            "attributes": {"objectType": "TransitionEligibility"}}


def parse_instructions(body: Body, sub: dict[str, Any], item: cat.CatalogItem | None, *, max_licenses: int,
                       auto_renew: bool, now: datetime, customer_subs: list[dict[str, Any]]) -> dict[str, Any]:
    """Validate `scheduledNextTermInstructions` (§23.7 rule 4) and return it normalised for storage."""
    if item is None or not item.is_nce or item.is_trial:
        raise bad_request(900244, "Changes scheduled for renewal are only supported for OnlineServicesNCE "
                                  "licence-based subscriptions.")
    if not auto_renew:
        raise invalid_input("A change can be scheduled for renewal only while auto-renew is on "
                            "(autoRenewEnabled: true).")
    product = body.obj("product", required=True)
    product_id = product.str("productId", required=True, max_len=40) or ""
    sku_id = product.str("skuId", required=True, max_len=10) or ""
    target = cat.by_catalog_item(product_id, sku_id)
    allowed = scheduled_targets(item)
    if target is None or target not in allowed:
        raise bad_request(800004, f"The catalog item {product_id}:{sku_id} is not available as a change at "
                                  "renewal for this subscription.")
    term = (product.str("termDuration", max_len=10) or sub.get("termDuration") or "").upper()
    cycle = (product.str("billingCycle", max_len=20) or sub.get("billingCycle") or "").lower()
    if (term, cycle) not in target.terms:
        options = ", ".join(f"{t}/{c}" for t, c in target.terms if t)
        raise invalid_input(f"The term and billing cycle {term}/{cycle} are not offered for "
                            f"{target.display_title}; choose one of {options}.")
    quantity = body.int("quantity", default=int(sub.get("quantity") or 0))
    assert quantity is not None
    if not target.min_qty <= quantity <= target.max_qty:
        raise bad_request(2002, f"Quantity {quantity} is not within the allowed range "
                                f"({target.min_qty}-{target.max_qty}).")
    if quantity > max_licenses:
        raise sandbox_limit()
    out: dict[str, Any] = {
        "product": {"productId": target.product_id, "skuId": target.sku_id,
                    "availabilityId": target.availability_id, "billingCycle": cycle, "termDuration": term},
        "quantity": quantity,
    }
    promotion = product.str("promotionId", max_len=80)
    if promotion:
        out["product"]["promotionId"] = promotion
    custom = body.str("customTermEndDate", max_len=40)
    if custom:
        out["customTermEndDate"] = iso(midnight(_custom_end(custom, sub, term, customer_subs)))
    return out


def _custom_end(raw: str, sub: dict[str, Any], term: str, customer_subs: list[dict[str, Any]]) -> datetime:
    try:
        day = midnight(parse_iso(raw if "T" in raw else f"{raw}T00:00:00Z"))
    except ValueError:
        raise invalid_input("customTermEndDate must be an ISO-8601 date.") from None
    start = renewal_at(sub)
    natural = term_end(start, term) if start else None
    if start is None or natural is None or not start <= day <= natural:
        raise bad_request(900245, "The custom term end date must fall within the first term after renewal.")
    month_end = (day + timedelta(days=1)).day == 1
    aligned = any(s.get("status") == "active" and not s.get("isTrial")
                  and s.get("productType", {}).get("id") == "OnlineServicesNCE"
                  and s.get("commitmentEndDate") and midnight(parse_iso(s["commitmentEndDate"])) == day
                  for s in customer_subs)
    if not (month_end or aligned):
        raise bad_request(900246, "The custom term end date must match the end date of an active new-commerce "
                                  "subscription or the end of a calendar month.")
    return day


def same_instructions(a: Any, b: Any) -> bool:
    def norm(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        product = {k: str(v).lower() for k, v in (value.get("product") or {}).items() if v not in (None, "")}
        return (product, value.get("quantity"), value.get("customTermEndDate"))
    return norm(a) == norm(b)

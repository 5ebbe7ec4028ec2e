"""The activity-log card (`audit.records`): the bot's own audit entries beside Partner Center's activity records.

One card, two sections, each newest first: what was changed through PartnerBot (who, operation, outcome,
before -> after, approval and request ids) and what Partner Center itself recorded (operation, user, resource,
status, changed fields). "Show more" asks for the next page of both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cards.elements import adaptive_card, heading, subheading, submit, text
from cards.lists import list_row
from cards.text import enum_label, format_date, format_datetime, format_value, has_key, join_list, t

MAX_ROWS = 10  # per section; the builder is given one page
MAX_CHANGES = 3
_VALUE_CHARS = 60


def _op_title(op_id: str, locale: str) -> str:
    key = f"op.{op_id}"
    title = t(key, locale) if op_id and has_key(key) else (op_id or "?")
    return title[:1].upper() + title[1:]


def _short(value: Any, locale: str) -> str:
    shown = format_value(value, locale) if not isinstance(value, Mapping | list) else json.dumps(value)[:_VALUE_CHARS]
    return shown if len(shown) <= _VALUE_CHARS else shown[:_VALUE_CHARS] + "…"


def _changes(before: Mapping[str, Any], after: Mapping[str, Any], locale: str) -> str | None:
    """"quantity: 5 → 10, status: active → suspended" for the fields that differ (at most MAX_CHANGES)."""
    parts = []
    for key in list(dict.fromkeys([*after, *before])):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        parts.append(t("audit.change", locale, field=str(key),
                       before=_short(old, locale) if key in before else t("common.none", locale),
                       after=_short(new, locale) if key in after else t("common.none", locale)))
    if not parts:
        return None
    more = len(parts) - MAX_CHANGES
    shown = join_list(parts[:MAX_CHANGES], locale)
    return shown + (" " + t("audit.more_changes", locale, count=str(more)) if more > 0 else "")


def _person(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("upn") or value.get("id") or "") or None
    return str(value) if value else None


def _parameters(params: Any, locale: str) -> str | None:
    if not isinstance(params, Mapping):
        return None
    shown = [f"{k} {_short(v.get('name') or v.get('id') if isinstance(v, Mapping) else v, locale)}"
             for k, v in params.items() if k != "customer" and v not in (None, "", {})]
    return join_list(shown, locale) if shown else None


def bot_entry_row(entry: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """One bot audit entry: operation and customer; time, who, outcome, changes, approval/request ids, error."""
    customer = entry.get("customer") or (entry.get("parameters") or {}).get("customer") or {}
    customer_name = customer.get("name") or customer.get("id") if isinstance(customer, Mapping) else customer
    title = _op_title(str(entry.get("operation") or ""), locale)
    if customer_name:
        title = f"{title} · {customer_name}"
    details_data = entry.get("details") if isinstance(entry.get("details"), Mapping) else {}
    before, after = details_data.get("before"), details_data.get("after")
    error = entry.get("error") if isinstance(entry.get("error"), Mapping) else {}
    who = _person(entry.get("user")) or _person(entry.get("approver")) or _person(entry.get("requester"))
    outcome = str(entry.get("outcome") or "")
    approval = entry.get("approval") if isinstance(entry.get("approval"), Mapping) else {}
    approval_id = entry.get("approval_id") or approval.get("id")
    orders = entry.get("orders") if isinstance(entry.get("orders"), list) else []
    details = [
        format_datetime(entry.get("at"), locale),
        t("audit.by", locale, name=who) if who else None,
        enum_label("audit_outcome", outcome, locale) if outcome else None,
        _changes(before if isinstance(before, Mapping) else {}, after if isinstance(after, Mapping) else {}, locale)
        if isinstance(before, Mapping) or isinstance(after, Mapping) else None,
        _parameters(entry.get("parameters"), locale),
        t("audit.approval", locale, id=approval_id) if approval_id else None,
        t("audit.orders", locale, ids=join_list([str(o) for o in orders], locale)) if orders else None,
        t("audit.request", locale, id=entry["request_id"]) if entry.get("request_id") else None,
        t("audit.error", locale, code=str(error.get("code") or error.get("status") or "?"),
          correlation_id=str(error.get("correlation_id") or "—")) if error else None,
    ]
    return list_row(title, details, attention=outcome in {"failed", "rejected", "expired"})


def _json_object(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str) and raw.strip().startswith("{"):
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}


def _humanize(value: str) -> str:
    words = value.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "?"


def pc_record_row(record: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """One Partner Center AuditRecord (api.md §15): operation, customer; date, user, resource, status, changes."""
    title = _humanize(str(record.get("operationType") or ""))
    if record.get("customerName") or record.get("customerId"):
        title = f"{title} · {record.get('customerName') or record.get('customerId')}"
    status = str(record.get("operationStatus") or "")
    details = [
        format_datetime(record.get("operationDate"), locale),
        t("audit.by", locale, name=record.get("userPrincipalName") or record.get("applicationId"))
        if record.get("userPrincipalName") or record.get("applicationId") else None,
        _humanize(str(record["resourceType"])) if record.get("resourceType") else None,
        enum_label("audit_outcome", status, locale) if status else None,
        _changes(_json_object(record.get("resourceOldValue")), _json_object(record.get("resourceNewValue")), locale),
    ]
    return list_row(title, details, attention=status.lower() == "failed")


def audit_records_card(
    bot_entries: Sequence[Mapping[str, Any]],
    pc_records: Sequence[Mapping[str, Any]],
    *,
    window: tuple[str, str],
    customer_name: str | None = None,
    user: str | None = None,
    more: Mapping[str, Any] | None = None,
    bot_more: bool = False,
    pc_more: bool = False,
    pc_error: str | None = None,
    pc_truncated: int | None = None,
    notes: Sequence[str] = (),
    locale: str = "en-US",
) -> dict[str, Any]:
    """One page of both logs. `window` is (first day, last day) as ISO dates; `more` the next page's payload."""
    title = (t("audit.title_customer", locale, customer=customer_name) if customer_name
             else t("audit.title", locale))
    scope = [t("common.range", locale, start=format_date(window[0], locale), end=format_date(window[1], locale))]
    if user:
        scope.append(t("audit.filter_user", locale, user=user))
    body: list[dict[str, Any] | None] = [heading(title), text(" · ".join(scope), subtle=True, spacing="None")]
    body += [text(note, subtle=True, size="Small") for note in notes]

    body.append(subheading(t("audit.bot_section", locale), separator=True))
    if bot_entries:
        body += [bot_entry_row(e, locale) for e in bot_entries[:MAX_ROWS]]
    else:
        body.append(text(t("audit.bot_empty", locale), subtle=True))
    if bot_more:
        body.append(text(t("audit.section_more", locale), subtle=True, size="Small"))

    body.append(subheading(t("audit.pc_section", locale), separator=True))
    if pc_error:
        body.append(text(t("audit.pc_error", locale, explanation=pc_error), color="Attention"))
    elif pc_records:
        body += [pc_record_row(r, locale) for r in pc_records[:MAX_ROWS]]
    else:
        body.append(text(t("audit.pc_empty", locale), subtle=True))
    if pc_more and not pc_error:
        body.append(text(t("audit.section_more", locale), subtle=True, size="Small"))
    if pc_truncated:
        body.append(text(t("audit.pc_truncated", locale, count=str(pc_truncated)), subtle=True, size="Small"))

    actions = [submit(t("common.show_more", locale), more)] if more and (bot_more or pc_more) else []
    return adaptive_card(body, actions, locale=locale, fallback_text=title)


"""The purchase approval card (Universal Actions): one request, three views (approver, requester, read-only).

The card carries only {request_id, version} in every Action.Execute; who may approve is decided by the bot
at click time, never by the card. The `refresh` block lets Teams fetch each viewer's own view: automatic for
the listed users while the request is pending, manual only (empty userIds) once it is decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cards import actions
from cards.elements import adaptive_card, execute, facts, heading, shorten, text
from cards.text import enum_label, format_currency, format_datetime, format_number, format_term, join_list, t

View = Literal["approver", "requester", "readonly"]
MAX_LINES = 20
MAX_REFRESH_USERS = 60  # Teams refreshes automatically for at most 60 listed users


@dataclass(frozen=True)
class ApprovalLine:
    """One line of the purchase: what, how many, and (when known) the estimated price."""

    offer: str
    quantity: int
    billing_cycle: str | None = None
    term: str | None = None
    estimated_price: float | None = None


@dataclass(frozen=True)
class ApprovalRequest:
    """The snapshot of an approval record that a card shows (the record itself lives in bot storage)."""

    request_id: str
    version: int
    status: str  # pending | approved | ordered | rejected | expired | failed | withdrawn (others verbatim)
    requester_name: str
    customer_name: str
    lines: Sequence[ApprovalLine]
    created_at: str | None = None
    currency: str | None = None
    estimated_total: float | None = None
    approver_names: Sequence[str] = ()
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None
    order_id: str | None = None
    expires_at: str | None = None
    refresh_user_ids: Sequence[str] = field(default_factory=tuple)


def _line_text(line: ApprovalLine, currency: str | None, locale: str) -> str:
    base = t("approval.line", locale, quantity=format_number(line.quantity, locale), offer=line.offer)
    extras = [enum_label("billing_cycle", line.billing_cycle, locale) if line.billing_cycle else None,
              format_term(line.term, locale) if line.term else None,
              format_currency(line.estimated_price, currency, locale) if line.estimated_price is not None else None]
    extra = ", ".join(e for e in extras if e)
    return f"- {base} ({extra})" if extra else f"- {base}"


def approval_card(request: ApprovalRequest, *, view: View, locale: str = "en-US") -> dict[str, Any]:
    """The approval card as `view` sees it. Buttons appear only while the request is pending."""
    if view not in ("approver", "requester", "readonly"):
        raise ValueError(f"unknown approval view {view!r}")
    data = actions.approval(request.request_id, request.version)
    status = request.status.lower()
    pending = status == "pending"
    title = t("approval.title", locale)
    lines = [_line_text(line, request.currency, locale) for line in request.lines[:MAX_LINES]]
    if len(request.lines) > MAX_LINES:
        lines.append(t("common.not_shown_narrow", locale, count=str(len(request.lines) - MAX_LINES)))
    pairs: list[tuple[str, str | None]] = [
        (t("field.status", locale), enum_label("approval_status", request.status, locale)),
        (t("field.estimated_total", locale), format_currency(request.estimated_total, request.currency, locale)
         if request.estimated_total is not None else None),
        (t("field.requested_by", locale), request.requester_name
         + (f" ({format_datetime(request.created_at, locale)})" if request.created_at else "")),
        (t("field.approvers", locale), join_list(list(request.approver_names)[:10], locale)
         if request.approver_names else None),
        (t("field.expires", locale), format_datetime(request.expires_at, locale)
         if pending and request.expires_at else None),
        (t("field.request_id", locale), request.request_id),
    ]
    body: list[dict[str, Any] | None] = [
        heading(title),
        text(t("approval.summary", locale, requester=request.requester_name, customer=request.customer_name)),
        text("\n".join(lines), spacing="None"),
        facts(pairs),
    ]
    if pending:
        prompt = {"approver": "approval.prompt_approver", "requester": "approval.prompt_requester",
                  "readonly": "approval.prompt_readonly"}[view]
        body.append(text(t(prompt, locale), weight="Bolder", separator=True))
    else:
        if request.decided_by:
            body.append(text(t("approval.decided", locale,
                               status=enum_label("approval_status", request.status, locale),
                               name=request.decided_by,
                               date=format_datetime(request.decided_at, locale) if request.decided_at
                               else t("common.none", locale)), weight="Bolder", separator=True))
        if request.order_id:
            body.append(text(t("approval.ordered", locale, order_id=request.order_id), color="Good"))
        if status == "failed" and request.reason:
            body.append(text(t("approval.failed", locale, reason=shorten(request.reason, 500, locale)),
                             color="Attention"))
        elif request.reason:
            body.append(text(f"{t('field.reason', locale)}: {shorten(request.reason, 500, locale)}"))
    buttons: list[dict[str, Any]] = []
    if pending and view == "approver":
        buttons = [execute(t("approval.approve", locale), "approve", data, style="positive"),
                   execute(t("approval.reject", locale), "reject", data, style="destructive")]
    elif pending and view == "requester":
        buttons = [execute(t("approval.withdraw", locale), "withdraw", data)]
    user_ids = list(request.refresh_user_ids)[:MAX_REFRESH_USERS] if pending else []
    refresh = {"type": "Refresh", "action": {"type": "Action.Execute", "verb": "refresh", "data": data},
               "userIds": user_ids}
    return adaptive_card(body, buttons, locale=locale, fallback_text=title, refresh=refresh)

"""Cards of the approval workflow, drawn from a record: the shared card in its three views, the reject form, the
list of pending requests. Every Action.Execute carries only {request_id, version}; what a click may do is
decided from the record and the clicker's roles at click time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from cards import actions
from cards.approvals import ApprovalLine, ApprovalRequest, View, approval_card
from cards.elements import adaptive_card, container, execute, facts, heading, text
from cards.text import enum_label, format_currency, format_datetime, t
from dialogs.approval_state import ApprovalRecord, Status

MAX_LISTED = 8
STUCK_AFTER = timedelta(minutes=5)  # an `approved` record older than this offers a retry (same request ids)
# The card's verbs (card action contract): a failed or stuck order is retried with "approve" on its current version.


def refresh_ids(record: ApprovalRecord) -> list[str]:
    """Teams user ids (MRIs) whose clients refresh the card automatically: the requester and the approvers."""
    ids = [p.mri for p in [record.requester, *record.approvers] if p.mri]
    return list(dict.fromkeys(ids))


def effective_status(record: ApprovalRecord, now: datetime) -> str:
    return Status.EXPIRED.value if record.is_expired(now) else record.status.value


def _line(record: ApprovalRecord, locale: str) -> ApprovalLine:
    line, price = record.line, record.price
    offer = str(line.get("title") or line.get("catalogItemId") or "")
    if price.get("unit") is not None:
        offer = t("approval.line.unit_price", locale, offer=offer,
                    price=format_currency(price["unit"], price.get("currency"), locale))
    if line.get("parentName"):
        offer = f"{offer} → {line['parentName']}"
    return ApprovalLine(offer=offer, quantity=int(line.get("quantity") or 0), billing_cycle=line.get("billingCycle"),
                        term=line.get("termDuration") or None, estimated_price=price.get("total"))


def snapshot(record: ApprovalRecord, now: datetime, locale: str) -> ApprovalRequest:
    status = effective_status(record, now)
    reason = record.failure.message if status == Status.FAILED and record.failure else record.reason
    return ApprovalRequest(
        request_id=record.id, version=record.version, status=status, requester_name=record.requester.label,
        customer_name=str(record.customer.get("name") or record.customer.get("id") or ""),
        lines=[_line(record, locale)], created_at=record.created_at, currency=record.price.get("currency"),
        estimated_total=record.price.get("total"), approver_names=[p.label for p in record.approvers],
        decided_by=record.decided_by.label if record.decided_by else None, decided_at=record.decided_at,
        reason=reason, order_id=", ".join(record.order_ids) or None, expires_at=record.expires_at,
        refresh_user_ids=refresh_ids(record),
    )


def view_for(record: ApprovalRecord, user_id: str, roles: frozenset[str]) -> View:
    if user_id == record.requester.id:
        return "requester"
    return "approver" if "approver" in roles else "readonly"


def card_for(record: ApprovalRecord, view: View, locale: str, now: datetime, *, notice: str | None = None,
             notice_color: str = "Attention") -> dict[str, Any]:
    """The approval card as `view` sees it now, optionally with a notice for the person who just clicked."""
    card = approval_card(snapshot(record, now, locale), view=view, locale=locale)
    status = effective_status(record, now)
    data = actions.approval(record.id, record.version)
    if status == Status.APPROVED:
        card["body"].append(text(t("approval.notice.ordering", locale), color="Accent"))
        if view == "approver" and now - _last_change(record, now) > STUCK_AFTER:
            card["body"].append(text(t("approval.notice.stuck", locale), subtle=True))
            card["actions"].append(execute(t("approval.retry.button", locale), "approve", data))
    if status == Status.FAILED:
        if view == "approver":
            card["actions"].append(execute(t("approval.retry.button", locale), "approve", data, style="positive"))
        # Keep refreshing for approvers so that everyone who may retry gets the button.
        card["refresh"]["userIds"] = refresh_ids(record)
    if status == Status.ORDERED and record.result:
        subs = _subscription_ids(record.result)
        if subs:
            note = t("approval.tell.ordered_subscriptions", locale, ids=", ".join(subs))
            card["body"].append(text(note, subtle=True))
    if notice:
        card["body"].insert(1, text(notice, weight="Bolder", color=notice_color))
    return card


def _last_change(record: ApprovalRecord, default: datetime) -> datetime:
    return datetime.fromisoformat(record.history[-1].at) if record.history else default


def reject_form(record: ApprovalRecord, locale: str, now: datetime, *, error: str | None = None) -> dict[str, Any]:
    """The approver's card with a required reason box; its button sends `reject` again, now with the reason."""
    card = approval_card(snapshot(record, now, locale), view="approver", locale=locale)
    data = actions.approval(record.id, record.version)
    card["body"].append(text(t("approval.reject.prompt", locale), weight="Bolder", separator=True))
    if error:
        card["body"].append(text(error, color="Attention"))
    card["body"].append({"type": "Input.Text", "id": "reason", "isMultiline": True, "maxLength": 500,
                         "isRequired": True, "label": t("field.reason", locale),
                         "placeholder": t("approval.reject.placeholder", locale),
                         "errorMessage": t("approval.reject.reason_required", locale)})
    card["actions"] = [execute(t("approval.reject.confirm", locale), "reject", data, style="destructive"),
                       execute(t("approval.approve", locale), "approve", data, style="positive")]
    return card


def message_card(message: str, locale: str) -> dict[str, Any]:
    """A card with one sentence (an invoke answer when there is no record to show)."""
    return adaptive_card([heading(t("approval.title", locale)), text(message)], locale=locale,
                         fallback_text=message)


def _subscription_ids(result: dict[str, Any]) -> list[str]:
    return [str(li["subscriptionId"]) for o in result.get("orders", []) for li in o.get("lineItems", [])
            if li.get("subscriptionId")]


def pending_list(for_me: Sequence[ApprovalRecord], mine: Sequence[ApprovalRecord], locale: str,
                 now: datetime) -> dict[str, Any]:
    """"What's waiting for my approval": one section per request with the buttons of the reader's view."""
    body: list[dict[str, Any] | None] = [heading(t("approval.pending.title", locale))]
    if not for_me and not mine:
        body.append(text(t("approval.pending.none", locale)))
    for title, records, view in ((t("approval.pending.for_me", locale), for_me, "approver"),
                                 (t("approval.pending.mine", locale), mine, "requester")):
        if not records:
            continue
        body.append(text(title, weight="Bolder", size="Medium", separator=True))
        for record in records[:MAX_LISTED]:
            body.append(_entry(record, view, locale, now))
        if len(records) > MAX_LISTED:
            body.append(text(t("approval.pending.more", locale, count=len(records) - MAX_LISTED), subtle=True))
    return adaptive_card(body, locale=locale, fallback_text=t("approval.pending.title", locale))


def _entry(record: ApprovalRecord, view: str, locale: str, now: datetime) -> dict[str, Any]:
    line = _line(record, locale)
    data = actions.approval(record.id, record.version)
    buttons = ([execute(t("approval.approve", locale), "approve", data, style="positive"),
                execute(t("approval.reject", locale), "reject", data, style="destructive")]
               if view == "approver" else [execute(t("approval.withdraw", locale), "withdraw", data)])
    pairs = [
        (t("field.offer", locale), f"{line.quantity} × {line.offer}"),
        (t("field.estimated_total", locale), format_currency(line.estimated_price, record.price.get("currency"),
                                                             locale) if line.estimated_price is not None else None),
        (t("field.status", locale), enum_label("approval_status", effective_status(record, now), locale)),
        (t("field.expires", locale), format_datetime(record.expires_at, locale)),
    ]
    return container([
        text(t("approval.pending.line", locale, request_id=record.id, customer=record.customer.get("name") or "",
                 requester=record.requester.label), weight="Bolder"),
        facts(pairs),
        {"type": "ActionSet", "actions": buttons},
    ], separator=True)

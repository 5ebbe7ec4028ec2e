"""The post for a Partner Center event (api.md §27.2): what happened in plain words and a button for the obvious
next step. Builders take plain data, so cards/ stays free of the engine and the SDK."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cards import actions
from cards.elements import adaptive_card, facts, heading, submit, table, text
from cards.text import format_date, format_datetime, t


def event_card(event: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """`event`: name, topic, when (ISO), and what the bot looked up: customer, customer_id, subscription (name),
    subscription_id, status, quantity. A subscription event offers "Show subscription"."""
    topic = str(event.get("topic") or "other")
    title = t(f"notifications.event.{topic}.title", locale)
    if topic == "subscriptions" and event.get("subscription"):
        summary = t("notifications.event.subscriptions.text", locale, subscription=event["subscription"],
                    customer=event.get("customer") or event.get("customer_id") or "")
    else:
        summary = t(f"notifications.event.{topic}.plain", locale, event=event.get("name") or "")
    body: list[dict[str, Any] | None] = [
        heading(title),
        text(summary),
        facts([(t("notifications.event.field.status", locale), event.get("status_label") or None),
               (t("notifications.event.field.quantity", locale), event.get("quantity") or None),
               (t("notifications.event.field.when", locale), format_datetime(event.get("when"), locale) or None)]),
    ]
    buttons: list[dict[str, Any]] = []
    if topic == "subscriptions" and event.get("customer_id") and event.get("subscription_id"):
        buttons.append(submit(t("notifications.event.action.show_subscription", locale),
                              actions.run("subscriptions.get", {"customer": event["customer_id"],
                                                                "subscription": event["subscription_id"]})))
    return adaptive_card(body, buttons, locale=locale, fallback_text=f"{title}: {summary}")


def digest_card(renewals: list[tuple[str, str, Any]], pending_approvals: int, locale: str,
                limit: int = 20) -> dict[str, Any]:
    """The weekly digest: renewals in the next 30 days (customer, subscription, date) and pending approvals."""
    title = t("notifications.digest.title", locale)
    body: list[dict[str, Any] | None] = [heading(title),
                                         text(t("notifications.digest.renewals", locale, count=len(renewals)),
                                              weight="Bolder")]
    if renewals:
        body.append(table([t("notifications.digest.customer", locale),
                           t("notifications.digest.subscription", locale), t("notifications.digest.date", locale)],
                          [[c, s, format_date(d, locale)] for c, s, d in renewals[:limit]]))
        if len(renewals) > limit:
            body.append(text(t("notifications.digest.more", locale, count=len(renewals) - limit)))
    body.append(text(t("notifications.digest.approvals", locale, count=pending_approvals), weight="Bolder"))
    return adaptive_card(body, locale=locale, fallback_text=title)

"""Service request cards (api.md 13.2): list and details with the latest notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards import actions
from cards.elements import adaptive_card, facts, heading, shorten, subheading, submit, text
from cards.lists import list_card, list_row
from cards.text import enum_label, format_date, format_datetime, is_empty_date, t

MAX_DESCRIPTION_CHARS = 1500
MAX_NOTE_CHARS = 600
MAX_NOTES = 8


def _title(sr: Mapping[str, Any]) -> str:
    return str(sr.get("title") or sr.get("id") or "?")


def _row(sr: Mapping[str, Any], locale: str) -> dict[str, Any]:
    status = str(sr.get("status", "")).lower()
    details = [
        t("service_requests.request_line", locale, id=sr.get("id")) if sr.get("id") else None,
        enum_label("sr_status", sr.get("status"), locale),
        enum_label("sr_severity", sr.get("severity"), locale) if sr.get("severity") is not None else None,
        format_date(sr.get("lastModifiedDate") or sr.get("createdDate"), locale)
        if sr.get("lastModifiedDate") or sr.get("createdDate") else None,
    ]
    open_action = actions.run("service_requests.get", {"service_request": str(sr["id"])}) if sr.get("id") else None
    return list_row(_title(sr), details, open_action=open_action, attention=status == "attention_needed")


def service_request_list(
    requests: Sequence[Mapping[str, Any]],
    *,
    customer_name: str | None = None,
    more: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One page of service requests (partner-wide or of one customer)."""
    title = (t("service_requests.list_title_customer", locale, customer=customer_name) if customer_name
             else t("service_requests.list_title", locale))
    return list_card(title=title, items=requests, render=lambda sr: _row(sr, locale), more=more,
                     locale=locale, offset=offset, current=current)


def _person(contact: Mapping[str, Any] | None) -> str | None:
    if not contact:
        return None
    name = " ".join(str(contact[k]) for k in ("firstName", "lastName") if contact.get(k))
    email = contact.get("email")
    return f"{name} ({email})" if name and email else (name or (str(email) if email else None))


def service_request_details(sr: Mapping[str, Any], *, locale: str = "en-US") -> dict[str, Any]:
    """One service request: status, severity, topic, dates, contact, description and the latest notes."""
    organization = sr.get("organization") or {}
    closed = sr.get("lastClosedDate")
    pairs: list[tuple[str, str | None]] = [
        (t("field.status", locale), enum_label("sr_status", sr.get("status"), locale)),
        (t("field.severity", locale),
         enum_label("sr_severity", sr.get("severity"), locale) if sr.get("severity") is not None else None),
        (t("field.topic", locale), str(sr.get("supportTopicName") or sr.get("supportTopicId") or "") or None),
        (t("field.product", locale), str(sr.get("productName") or "") or None),
        (t("field.organization", locale), str(organization.get("name") or "") or None),
        (t("field.contact", locale), _person(sr.get("primaryContact"))),
        (t("field.created", locale), format_date(sr.get("createdDate"), locale) if sr.get("createdDate") else None),
        (t("field.modified", locale),
         format_date(sr.get("lastModifiedDate"), locale) if sr.get("lastModifiedDate") else None),
        (t("field.closed", locale), format_date(closed, locale) if closed and not is_empty_date(closed) else None),
    ]
    body: list[dict[str, Any] | None] = [
        heading(_title(sr)),
        text(t("service_requests.request_line", locale, id=sr.get("id")), subtle=True, spacing="None")
        if sr.get("id") else None,
        facts(pairs),
    ]
    if sr.get("description"):
        body += [subheading(t("service_requests.description", locale)),
                 text(shorten(str(sr["description"]), MAX_DESCRIPTION_CHARS, locale))]
    notes = [n for n in sr.get("notes") or [] if isinstance(n, Mapping)]
    if notes:
        notes = sorted(notes, key=lambda n: str(n.get("createdDate") or ""), reverse=True)
        body.append(subheading(t("service_requests.notes", locale), separator=True))
        for note in notes[:MAX_NOTES]:
            who = t("service_requests.note_by", locale, name=note.get("createdByName") or "?",
                    date=format_datetime(note.get("createdDate"), locale))
            body += [text(who, subtle=True, size="Small"),
                     text(shorten(str(note.get("text") or ""), MAX_NOTE_CHARS, locale), spacing="None")]
        if len(notes) > MAX_NOTES:
            body.append(text(t("service_requests.older_notes", locale, count=str(len(notes) - MAX_NOTES)),
                             subtle=True))
    buttons = []
    if sr.get("id") and str(sr.get("status", "")).lower() != "closed":
        buttons.append(submit(t("service_requests.action_add_note", locale),
                              actions.run("service_requests.update", {"service_request": str(sr["id"])})))
    return adaptive_card(body, buttons, locale=locale, fallback_text=_title(sr))

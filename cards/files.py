"""Cards for file results: the signed download link (group chats, channels, the Agents Playground) and the
short notes around the Teams file consent flow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cards.elements import adaptive_card, facts, heading, text
from cards.text import format_datetime, format_number, t


def size_text(size: int, locale: str) -> str:
    if size >= 1024 * 1024:
        return t("files.size.mb", locale, n=format_number(round(size / (1024 * 1024), 1), locale))
    if size >= 1024:
        return t("files.size.kb", locale, n=format_number(round(size / 1024, 1), locale))
    return t("files.size.bytes", locale, n=format_number(size, locale))


def download_link(offer: Mapping[str, Any], url: str, locale: str) -> dict[str, Any]:
    """A file ready to download: name, size, until when the link works, and the Download button."""
    name = str(offer.get("name") or "")
    body = [
        heading(name),
        text(str(offer.get("description") or t("files.link.ready", locale))),
        facts([(t("files.field.size", locale), size_text(int(offer.get("size") or 0), locale)),
               (t("files.field.expires", locale), format_datetime(offer.get("expires_at"), locale))]),
        text(t("files.link.note", locale), subtle=True),
    ]
    actions = [{"type": "Action.OpenUrl", "title": t("files.link.download", locale), "url": url}]
    return adaptive_card(body, actions, locale=locale, fallback_text=f"{name}: {url}")

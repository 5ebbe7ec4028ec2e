"""Small constructors for Adaptive Card 1.5 elements and the card envelope, with the Teams size limit.

Cards are plain dicts (data, not SDK objects), so they survive a change of bot SDK and can be validated
against the official JSON schema in tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cards.text import resolve_locale, t

CARD_VERSION = "1.5"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams rejects messages over ~28 KB. Builders aim below BUDGET_BYTES to leave room for the activity envelope.
MAX_CARD_BYTES = 28 * 1024
BUDGET_BYTES = 24 * 1024


class CardTooLargeError(ValueError):
    """A builder produced a card over the Teams limit: a bug in the builder, never something to send."""


def card_size(card: Mapping[str, Any]) -> int:
    """Bytes of the card as the bot SDK serializes it (json.dumps defaults: ASCII escapes, so CJK costs 6 bytes)."""
    return len(json.dumps(card).encode("utf-8"))


def adaptive_card(
    body: Iterable[Mapping[str, Any] | None],
    actions: Iterable[Mapping[str, Any] | None] = (),
    *,
    locale: str,
    fallback_text: str,
    refresh: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The card envelope (type, version 1.5, $schema); None entries are dropped so builders can be declarative."""
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "$schema": SCHEMA_URL,
        "lang": resolve_locale(locale).split("-")[0],
        "fallbackText": fallback_text,
        "body": [element for element in body if element],
        "actions": [action for action in actions if action],
    }
    if refresh:
        card["refresh"] = dict(refresh)
    size = card_size(card)
    if size >= MAX_CARD_BYTES:
        raise CardTooLargeError(f"card is {size} bytes (limit {MAX_CARD_BYTES}): {fallback_text[:80]!r}")
    return card


def text(
    value: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    subtle: bool = False,
    color: str | None = None,
    spacing: str | None = None,
    separator: bool = False,
    max_lines: int | None = None,
    style: str | None = None,
) -> dict[str, Any]:
    """A wrapping TextBlock (cards are read on phones: nothing is clipped)."""
    block: dict[str, Any] = {"type": "TextBlock", "text": value, "wrap": True}
    for key, val in (("size", size), ("weight", weight), ("color", color), ("spacing", spacing),
                     ("maxLines", max_lines), ("style", style)):
        if val is not None:
            block[key] = val
    if subtle:
        block["isSubtle"] = True
    if separator:
        block["separator"] = True
    return block


def heading(value: str) -> dict[str, Any]:
    """The card title (style heading, for screen readers)."""
    return text(value, size="Large", weight="Bolder", style="heading")


def subheading(value: str, *, separator: bool = False) -> dict[str, Any]:
    return text(value, weight="Bolder", spacing="Medium", separator=separator)


MAX_FACT_CHARS = 1000


def facts(pairs: Iterable[tuple[str, str | None]]) -> dict[str, Any] | None:
    """A FactSet of (label, value) pairs; pairs with a None value are left out, an empty set is None.

    Values are data and may be huge (a pasted description): they are cut at MAX_FACT_CHARS with an ellipsis.
    """
    items = [{"title": label[:200], "value": value if len(value) <= MAX_FACT_CHARS else value[:MAX_FACT_CHARS] + "…"}
             for label, value in pairs if value is not None]
    return {"type": "FactSet", "facts": items} if items else None


def container(
    items: Iterable[Mapping[str, Any] | None],
    *,
    style: str | None = None,
    select_action: Mapping[str, Any] | None = None,
    separator: bool = False,
    spacing: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "Container", "items": [item for item in items if item]}
    if style:
        block["style"] = style
    if select_action:
        block["selectAction"] = dict(select_action)
    if separator:
        block["separator"] = True
    if spacing:
        block["spacing"] = spacing
    return block


def submit(title: str, data: Mapping[str, Any], *, style: str | None = None,
           skip_inputs: bool = False) -> dict[str, Any]:
    """Action.Submit with a contract payload. `skip_inputs` (Cancel buttons) skips input validation."""
    action: dict[str, Any] = {"type": "Action.Submit", "title": title, "data": dict(data)}
    if style:
        action["style"] = style
    if skip_inputs:
        action["associatedInputs"] = "none"
    return action


def select_submit(data: Mapping[str, Any]) -> dict[str, Any]:
    """Untitled Action.Submit for a row's selectAction (tap the row to open it)."""
    return {"type": "Action.Submit", "data": dict(data)}


def execute(title: str, verb: str, data: Mapping[str, Any], *, style: str | None = None) -> dict[str, Any]:
    """Action.Execute (Universal Actions) for approval cards."""
    action: dict[str, Any] = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data)}
    if style:
        action["style"] = style
    return action


def action_set(actions: Iterable[Mapping[str, Any] | None]) -> dict[str, Any] | None:
    items = [dict(action) for action in actions if action]
    return {"type": "ActionSet", "actions": items} if items else None


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, widths: Sequence[int] | None = None,
          emphasis_last: bool = False) -> dict[str, Any]:
    """A Table with a header row. `emphasis_last` bolds the last column (the "after" values of a change)."""
    count = len(headers)
    columns = [{"width": (widths[i] if widths else 1)} for i in range(count)]

    def cell(value: str, bold: bool) -> dict[str, Any]:
        block = text(value, weight="Bolder" if bold else None)
        return {"type": "TableCell", "items": [block]}

    table_rows = [{"type": "TableRow", "cells": [cell(h, True) for h in headers], "style": "accent"}]
    for row in rows:
        table_rows.append({
            "type": "TableRow",
            "cells": [cell(str(v), emphasis_last and i == count - 1) for i, v in enumerate(row)],
        })
    return {"type": "Table", "columns": columns, "rows": table_rows, "firstRowAsHeader": True,
            "showGridLines": True}


def shorten(value: str | None, max_chars: int, locale: str) -> str:
    """Cut long free text (descriptions, notes) so one field cannot blow the card size; says it was cut."""
    if not value:
        return ""
    if len(value) <= max_chars:
        return value
    return value[:max_chars].rstrip() + "… " + t("common.text_shortened", locale)


def json_size(element: Any) -> int:
    """Serialized size of one element, as counted by card_size()."""
    return len(json.dumps(element).encode("utf-8"))

"""The one list-card layout: a title, one row per item, and "Show more" — never a silent truncation.

The caller passes the items of one page and the payload for the next page (`more`, or None on the last page).
Rows are added while the card stays under the size budget. When a page has more items than fit, the card
says so and its "Show more" button asks for the same page from the first item not shown (`offset`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from cards import actions
from cards.elements import (
    BUDGET_BYTES,
    adaptive_card,
    card_size,
    container,
    heading,
    json_size,
    select_submit,
    submit,
    text,
)
from cards.text import t

T = TypeVar("T")

# A row may show at most this many characters per line; item names are data and can be arbitrarily long.
_MAX_LINE = 200


def list_row(title: str, details: Iterable[str | None] = (), *, open_action: Mapping[str, Any] | None = None,
             attention: bool = False) -> dict[str, Any]:
    """One list entry: a bold title line, a subtle details line, tap to open (a {"pb":"run"} payload)."""
    detail_text = "  ·  ".join(d for d in details if d)
    items = [text(title[:_MAX_LINE], weight="Bolder", color="Attention" if attention else None)]
    if detail_text:
        items.append(text(detail_text[: _MAX_LINE * 2], subtle=True, spacing="None"))
    return container(items, separator=True, select_action=select_submit(open_action) if open_action else None)


def fit_count(sizes: Sequence[int], room: int) -> int:
    """How many leading items of the given serialized sizes fit into `room` bytes (", " between items)."""
    used = 0
    for index, size in enumerate(sizes):
        used += size + 2
        if used > room:
            return index
    return len(sizes)


def list_card(
    *,
    title: str,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    more: Mapping[str, Any] | None,
    locale: str,
    intro: Sequence[dict[str, Any]] = (),
    extra_actions: Sequence[dict[str, Any]] = (),
    offset: int = 0,
    empty_text: str | None = None,
    current: Mapping[str, Any] | None = None,
    budget: int = BUDGET_BYTES,
) -> dict[str, Any]:
    """A list card of `items` (one page), rendering each with `render`.

    `more` is the {"pb":"more",...} payload of the next page (actions.more(...)) or None. `offset` is the index
    in the page of items[0] (non-zero when this card continues an over-full page). `current` is the "more"
    payload of this page itself; it is only needed to continue an over-full *last* page (else derived from
    `more`). Without either, an over-full page says how many items were left out and how to narrow the request.
    """
    header = [heading(title), *intro]
    if not items:
        body = [*header, text(empty_text or t("common.list_empty", locale), subtle=True)]
        return adaptive_card(body, extra_actions, locale=locale, fallback_text=title)

    rows = [render(item) for item in items]
    footer_reserve = 1200  # the count line, the not-shown notice and the Show more button
    skeleton = adaptive_card(header, extra_actions, locale=locale, fallback_text=title)
    room = budget - card_size(skeleton) - footer_reserve
    shown = fit_count([json_size(row) for row in rows], room)
    shown = max(shown, 1) if room > 0 else 0
    hidden = len(rows) - shown

    body = [*header, *rows[:shown]]
    notes = [t("common.showing", locale, count=str(shown))] if hidden or more else []
    more_action = None
    if hidden:
        page_payload = dict(current) if current else _current_page(more)
        if page_payload is not None:
            notes.append(t("common.not_shown", locale, count=str(hidden)))
            more_action = actions.more(page_payload["op"], page_payload["params"], page_payload["page"],
                                       offset=offset + shown)
        else:
            notes.append(t("common.not_shown_narrow", locale, count=str(hidden)))
    elif more:
        notes.append(t("common.more_available", locale))
        more_action = dict(more)
    if notes:
        body.append(text(" ".join(notes), subtle=True, separator=True, size="Small"))
    card_actions = [*extra_actions]
    if more_action:
        card_actions.append(submit(t("common.show_more", locale), more_action))
    return adaptive_card(body, card_actions, locale=locale, fallback_text=title)


def _current_page(more: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The page this card shows, derived from the next page's payload (page - 1)."""
    if not more or not isinstance(more.get("page"), int) or more["page"] < 1:
        return None
    return {"op": more["op"], "params": dict(more.get("params") or {}), "page": more["page"] - 1}

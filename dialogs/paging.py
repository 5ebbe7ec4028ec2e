"""One page of a Partner Center collection for a list card, fetched lazily so "Show more" never lists everything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ListPage:
    """Items (wire dicts) of page `page`; `params` re-run the same operation for the next page."""

    items: list[dict[str, Any]]
    page: int
    has_more: bool
    params: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # Set by the dispatcher: which operation produced the page, and where a continued card starts within it.
    op: str = ""
    offset: int = 0


async def take_page(source: AsyncIterator[Any], page: int, size: int,
                    keep: Callable[[Any], bool] | None = None) -> tuple[list[Any], bool]:
    """Skip `page * size` matching items, return the next `size` and whether more exist (reads one extra)."""
    start, items, seen = page * size, [], 0
    async for item in source:
        if keep is not None and not keep(item):
            continue
        if seen >= start:
            if len(items) == size:
                return items, True
            items.append(item)
        seen += 1
    return items, False


def raw(model: Any) -> dict[str, Any]:
    return model.raw if hasattr(model, "raw") else dict(model)

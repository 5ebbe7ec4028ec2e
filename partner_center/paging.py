"""Paging over Partner Center collections (api.md §1.6-1.7).

One Pager type covers every list: seek paging (follow `links.next` with its MS-ContinuationToken header),
offset paging (follow `links.next` whose query has a larger offset), unpaged collections (no `next` link =
one page), bare JSON arrays, and `value`/`@nextLink` envelopes. Each page is its own logical call (own
MS-RequestId, retried by the pipeline).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .models import Link, Model
from .transport import Pipeline
from .wire import dig

log = logging.getLogger("partner_center")

T = TypeVar("T", bound=Model)
CONTINUATION_HEADER = "MS-ContinuationToken"


@dataclass
class Page(Generic[T]):
    items: list[T]
    continuation_token: str | None = None
    next_link: Link | None = None
    raw: Any = field(default=None, repr=False)

    @property
    def has_more(self) -> bool:
        return self.next_link is not None


class Pager(Generic[T]):
    """`async for item in pager`, `await pager.first_page()`, `pager.by_page()`, `await pager.to_list(limit)`.

    A pager is re-iterable: each iteration starts again from the first page.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        path: str,
        factory: Callable[[Mapping[str, Any]], T],
        *,
        params: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._path = path
        self._factory = factory
        self._params = dict(params or {})
        self._correlation_id = correlation_id

    def __repr__(self) -> str:
        return f"Pager(path={self._path!r})"

    async def first_page(self) -> Page[T]:
        response = await self._pipeline.request(
            "GET", self._path, params=self._params, correlation_id=self._correlation_id
        )
        return self._parse(response.body)

    async def next_page(self, page: Page[T]) -> Page[T] | None:
        """The page after `page`, or None when it was the last one (also usable across chat turns)."""
        link = page.next_link
        if link is None or not link.uri:
            return None
        headers = self._pipeline.forwardable_link_headers(link.headers)
        if page.continuation_token and not any(k.lower() == CONTINUATION_HEADER.lower() for k in headers):
            headers[CONTINUATION_HEADER] = page.continuation_token
        response = await self._pipeline.request(
            "GET", self._pipeline.link_target(link.uri), headers=headers, correlation_id=self._correlation_id
        )
        return self._parse(response.body)

    async def by_page(self) -> AsyncIterator[Page[T]]:
        page: Page[T] | None = await self.first_page()
        seen: set[tuple[str, str | None]] = set()
        while page is not None:
            yield page
            if page.next_link is None:
                return
            marker = (str(page.next_link.uri), page.continuation_token or page.next_link.headers.get(
                CONTINUATION_HEADER))
            if marker in seen:  # a service bug must not turn into an endless loop
                log.warning("partner center returned the same next link twice; stopping pagination")
                return
            seen.add(marker)
            page = await self.next_page(page)

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.by_page():
            for item in page.items:
                yield item

    async def to_list(self, limit: int | None = None) -> list[T]:
        out: list[T] = []
        if limit is not None and limit <= 0:
            return out
        async for page in self.by_page():
            for item in page.items:
                out.append(item)
                if limit is not None and len(out) >= limit:
                    return out
        return out

    def _parse(self, body: Any) -> Page[T]:
        raw_items: Any
        next_link: Link | None = None
        token: str | None = None
        if isinstance(body, list):
            raw_items = body
        elif isinstance(body, Mapping):
            raw_items = dig(body, ("items",))
            if raw_items is None:
                raw_items = dig(body, ("value",))
            next_value = dig(body, ("links", "next"))
            if isinstance(next_value, Mapping) and next_value.get("uri"):
                next_link = Link(next_value)
            else:
                odata_next = body.get("@nextLink") or body.get("@odata.nextLink")
                if isinstance(odata_next, str) and odata_next:
                    next_link = Link({"uri": odata_next, "method": "GET", "headers": []})
            token_value = dig(body, ("continuationToken",))
            token = str(token_value) if token_value else None
            if next_link is not None and token is None:
                token = next_link.headers.get(CONTINUATION_HEADER)
        else:
            raw_items = []
        items: list[T] = []
        for raw in raw_items if isinstance(raw_items, list) else []:
            if isinstance(raw, Mapping):
                items.append(self._factory(raw))
            else:
                log.warning("partner center collection item is not an object; skipped")
        return Page(items=items, continuation_token=token, next_link=next_link, raw=body)

"""Response building blocks shared by every resource: links, collection envelope, JSON responses, ids, time."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def link(uri: str, method: str = "GET", headers: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Link object (api.md §1.5): relative uri without /v1 for resource links."""
    return {"uri": uri, "method": method, "headers": headers or []}


def collection(items: list[dict[str, Any]], self_uri: str | None = None, *,
               next_link: dict[str, Any] | None = None, continuation_token: str | None = None,
               with_links: bool = True) -> dict[str, Any]:
    """Collection envelope (§1.6): totalCount = items in THIS page."""
    body: dict[str, Any] = {"totalCount": len(items), "items": items}
    if with_links:
        links: dict[str, Any] = {}
        if self_uri is not None:
            links["self"] = link(self_uri)
        if next_link is not None:
            links["next"] = next_link
        body["links"] = links
    if continuation_token is not None:
        body["continuationToken"] = continuation_token
    body["attributes"] = {"objectType": "Collection"}
    return body


def public(doc: Any) -> Any:
    """Strip internal fields (keys starting with '_') before a document goes on the wire."""
    if isinstance(doc, dict):
        return {k: public(v) for k, v in doc.items() if not k.startswith("_")}
    if isinstance(doc, list):
        return [public(v) for v in doc]
    return doc


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=json.dumps(public(body), ensure_ascii=False).encode(),
                        content_type="application/json", charset="utf-8", headers=headers)


def empty_response(status: int = 204, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, headers=headers)


def iso(dt: datetime) -> str:
    """UTC timestamp the way Partner Center writes it: 2024-01-14T16:57:15.09Z style (we use ms)."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Python 3.11 accepts up to 6 fractional digits; Partner Center writes up to 7
    if "." in text:
        head, rest = text.split(".", 1)
        digits = "".join(c for c in rest if c.isdigit())
        tail = rest[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{tail}"
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def new_guid(rng: random.Random | None = None) -> str:
    if rng is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def new_hex(rng: random.Random | None = None, length: int = 12) -> str:
    r = rng or random.SystemRandom()
    return f"{r.getrandbits(4 * length):0{length}x}"


def days(n: float) -> timedelta:
    return timedelta(days=n)

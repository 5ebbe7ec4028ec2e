"""Paging helpers (api.md §1.7): seek/continuation paging and offset paging.

Seek tokens are opaque to clients: base64url JSON {kind, after seq, size, query state} plus an HMAC, so a token
from another collection or an edited token is rejected with 400 instead of silently returning wrong data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from sandbox.body import as_int
from sandbox.envelope import collection, link
from sandbox.errors import invalid_input

CONTINUATION_HEADER = "MS-ContinuationToken"
_SECRET = b"partner-center-sandbox-continuation"


def encode_token(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    sig = hmac.new(_SECRET, raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + base64.urlsafe_b64encode(sig).decode()


def decode_token(token: str, kind: str) -> dict[str, Any]:
    try:
        data_part, sig_part = token.strip().split(".", 1)
        raw = base64.urlsafe_b64decode(data_part + "=" * (-len(data_part) % 4))
        sig = base64.urlsafe_b64decode(sig_part)
        payload = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_input("The continuation token is not valid.") from None
    good = hmac.new(_SECRET, raw, hashlib.sha256).digest()[:12]
    if not hmac.compare_digest(sig, good) or not isinstance(payload, dict) or payload.get("k") != kind:
        raise invalid_input("The continuation token is not valid for this collection.")
    return payload


def page_size(request: web.Request, *, default: int, maximum: int, name: str = "size") -> int:
    """`size` query value: absent or 0 -> default, above maximum -> maximum, negative/non-numeric -> 400."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    size = as_int(raw, name, minimum=0)
    return default if size == 0 else min(size, maximum)


def offset_param(request: web.Request) -> int:
    raw = request.query.get("offset")
    return 0 if raw in (None, "") else as_int(raw, "offset", minimum=0)


def seek_page(request: web.Request, *, kind: str, base_uri: str, state: dict[str, Any],
              fetch: Callable[[int, int, dict[str, Any]], list[tuple[int, dict[str, Any]]]],
              default_size: int = 500, max_size: int = 500, self_query: dict[str, Any] | None = None,
              next_query: dict[str, Any] | None = None) -> dict[str, Any]:
    """One page of a seek-based collection.

    First call: `?size=N` (+ whatever `state` the caller derived from the query, e.g. a filter).
    Next calls: `?size=N&seekOperation=Next` with header MS-ContinuationToken; state then comes from the token.
    `fetch(after_seq, limit, state)` returns (seq, item) pairs in seq order.
    """
    seek_op = request.query.get("seekOperation") or request.query.get("seekoperation") \
        or request.query.get("seek_operation")
    after = 0
    size = page_size(request, default=default_size, maximum=max_size)
    if seek_op is not None:
        if seek_op.lower() != "next":
            raise invalid_input(f"The seek operation '{seek_op}' is not supported.")
        token = request.headers.get(CONTINUATION_HEADER)
        if not token:
            raise invalid_input("The MS-ContinuationToken header is required with seekOperation=Next.")
        payload = decode_token(token, kind)
        after, size, state = int(payload["a"]), int(payload["n"]), payload.get("s") or {}
    rows = fetch(after, size + 1, state)
    more = len(rows) > size
    rows = rows[:size]
    items = [item for _, item in rows]
    query = {"size": size, **(self_query or {})}
    self_uri = f"{base_uri}?{urlencode(query)}"
    if not more:
        return collection(items, self_uri)
    token = encode_token({"k": kind, "a": rows[-1][0], "n": size, "s": state})
    next_uri = f"/v1{base_uri}?{urlencode({'size': size, **(next_query or {}), 'seekOperation': 'Next'})}"
    next_link = link(next_uri, headers=[{"key": CONTINUATION_HEADER, "value": token}])
    return collection(items, self_uri, next_link=next_link, continuation_token=token)


def offset_page(request: web.Request, items: list[dict[str, Any]], *, base_uri: str,
                default_size: int = 100, max_size: int = 1000,
                extra_query: dict[str, Any] | None = None) -> dict[str, Any]:
    """Offset/size paging (offers, invoices): next link carries the next offset, no headers."""
    size = page_size(request, default=default_size, maximum=max_size)
    offset = offset_param(request)
    chunk = items[offset:offset + size]
    query = dict(extra_query or {})
    self_uri = f"{base_uri}?{urlencode({**query, 'size': size, 'offset': offset})}"
    next_link = None
    if offset + size < len(items):
        next_link = link(f"{base_uri}?{urlencode({**query, 'size': size, 'offset': offset + size})}")
    return collection(chunk, self_uri, next_link=next_link)

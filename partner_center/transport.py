"""The request pipeline every Partner Center call goes through.

rate limit -> token -> headers (api.md §1.2) -> httpx -> retry policy -> typed error or parsed JSON.
One logical call = one MS-RequestId, reused on each retry (idempotency, api.md §1.2); MS-CorrelationId is the
client's (or the caller's) trace id. Headers and tokens are never logged.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from . import errors, shared_reads
from .aiohttp_transport import STREAM_EXTENSION, AiohttpTransport
from .rate_limit import RateLimiter
from .retry import RetryPolicy
from .wire import to_wire_value

log = logging.getLogger("partner_center")

DEFAULT_BASE_URL = "https://api.partnercenter.microsoft.com"
# The two other hosts of the contract (api.md §23.0): referrals and price sheets, and Microsoft Graph (GDAP,
# reconciliation v2). A local sandbox serves all three on one port (`/partnerapi/...` and `/v1.0/...`).
DEFAULT_PARTNER_API_URL = "https://api.partner.microsoft.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
API_PREFIX = "/v1"
# Headers a `links.next` entry may ask us to send; anything else (e.g. Authorization) is ignored.
_FORWARDABLE_LINK_HEADERS = frozenset({"ms-continuationtoken"})


class _TokenSource(Protocol):
    async def get_token(self) -> str: ...


@dataclass(frozen=True)
class Response:
    """A successful (2xx) answer: parsed JSON body (or None when empty) plus the ids the service echoed."""

    status: int
    headers: httpx.Headers
    body: Any
    request_id: str
    correlation_id: str
    attempts: int

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


def with_api_prefix(uri: str) -> str:
    """Relative link -> request path. Adds /v1 only when missing (api.md §1.5; PowerShell issue 379)."""
    parts = urlsplit(uri)
    path = parts.path or "/"
    if not path.startswith("/"):
        path = "/" + path
    while path.startswith("//"):
        path = path[1:]
    if not (path == API_PREFIX or path.startswith((API_PREFIX + "/", "/partner/v1/"))):  # insights (§18)
        path = API_PREFIX + path
    return f"{path}?{parts.query}" if parts.query else path


def new_request_id() -> str:
    return str(uuid.uuid4())


class Pipeline:
    """Sends requests for one partner tenant; shared by every operation group of a PartnerCenterClient."""

    def __init__(
        self,
        *,
        base_url: str,
        credential: _TokenSource,
        locale: str = "en-US",
        application: str | None = "PartnerBot",
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        correlation_id: str | None = None,
        api_prefix: str | None = API_PREFIX,
        name: str = "Partner Center",
    ) -> None:
        """`api_prefix` is added to links that lack it (Partner Center's `/v1` quirk); None for hosts whose
        paths are always given in full (Graph `/v1.0/...`, the Partner API). `name` appears in messages."""
        self.base_url = base_url.rstrip("/")
        self.api_prefix = api_prefix
        self.name = name
        self.locale = locale
        self.application = application
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.correlation_id = correlation_id or str(uuid.uuid4())
        self._credential = credential
        # Reads shared between turns inside `shared_reads.sharing()`; set by the client (None: never shared).
        self.shared_reads: shared_reads.SharedReads | None = None
        # Without a transport of the caller's: aiohttp's pool, several times cheaper per call than httpcore's.
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=httpx.Timeout(timeout), transport=transport or AiohttpTransport(),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def link_target(self, uri: str) -> str:
        """Request target for a link: same origin only, so a link can never send our token elsewhere."""
        parts = urlsplit(uri)
        base = urlsplit(self.base_url)
        if parts.scheme and parts.netloc:
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                log.warning("%s link points to another host; following its path on the API host", self.name)
            path = parts.path
            # An absolute link repeats the base URL's own path (a sandbox's `/partnerapi`): keep it relative.
            if base.path and base.path != "/" and path.startswith(base.path.rstrip("/") + "/"):
                path = path[len(base.path.rstrip("/")):]
            uri = path + (f"?{parts.query}" if parts.query else "")
        if self.api_prefix is None:
            return uri if uri.startswith("/") else "/" + uri
        return with_api_prefix(uri)

    async def _token(self) -> str:
        try:
            return await self._credential.get_token()
        except errors.PartnerCenterError:
            raise
        except Exception as exc:  # token providers raise their own types; callers handle one hierarchy
            raise errors.AuthenticationError(
                f"Could not obtain a Partner Center access token ({type(exc).__name__}).", status=None
            ) from exc

    def _headers(self, token: str, request_id: str, correlation_id: str, has_body: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "MS-RequestId": request_id,
            "MS-CorrelationId": correlation_id,
            "X-Locale": self.locale,
        }
        if self.application:
            headers["MS-PartnerCenter-Application"] = self.application
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Response:
        """One logical call with retries. Raises a PartnerCenterError subclass on failure.

        Inside `shared_reads.sharing()` an identical GET in flight or answered within the freshness window is
        shared (see partner_center/shared_reads.py); a successful change clears what is shared."""
        if method == "GET" and self.shared_reads is not None and self.shared_reads.window > 0 and shared_reads.active():
            key = self.shared_reads.key(path, params, headers)
            return await self.shared_reads.get(key, lambda: self._request(
                method, path, params=params, json_body=json_body, headers=headers, request_id=request_id,
                correlation_id=correlation_id))
        response = await self._request(method, path, params=params, json_body=json_body, headers=headers,
                                       request_id=request_id, correlation_id=correlation_id)
        if method != "GET" and self.shared_reads is not None:
            self.shared_reads.invalidate()
        return response

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Response:
        request_id = request_id or new_request_id()
        correlation_id = correlation_id or self.correlation_id
        content = None if json_body is None else json.dumps(to_wire_value(json_body)).encode("utf-8")
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None} or None
        extra = {k: v for k, v in (headers or {}).items() if v is not None}
        policy = self.retry
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            if self.rate_limiter is not None:
                await self.rate_limiter.acquire()
            all_headers = self._headers(await self._token(), request_id, correlation_id, content is not None)
            all_headers.update(extra)
            try:
                response = await self._http.request(method, path, params=query, content=content, headers=all_headers)
            except httpx.TransportError as exc:
                log.info("partner center %s %s attempt %d failed: %s (request id %s)",
                         method, _path_only(path), attempt, type(exc).__name__, request_id)
                failure: errors.PartnerCenterError = errors.ServiceUnreachableError(
                    f"No response from Partner Center ({type(exc).__name__}).",
                    request_id=request_id, correlation_id=correlation_id,
                )
                failure.__cause__ = exc
                retry_after = None
            else:
                log.debug("partner center %s %s -> %d (attempt %d, request id %s)",
                          method, _path_only(path), response.status_code, attempt, request_id)
                if 200 <= response.status_code < 300:
                    return self._success(response, request_id, correlation_id, attempt)
                failure = errors.error_from_response(
                    response.status_code, response.headers, response.content,
                    sent_request_id=request_id, sent_correlation_id=correlation_id,
                )
                if not policy.is_retryable_status(response.status_code):
                    raise failure
                retry_after = failure.retry_after
            if attempt >= policy.max_attempts:
                raise failure
            delay = policy.delay_for(attempt, retry_after)
            if delay is None or waited + delay > policy.total_budget:
                raise failure
            waited += delay
            log.info("partner center %s %s: retrying in %.2fs (attempt %d of %d, request id %s)",
                     method, _path_only(path), delay, attempt + 1, policy.max_attempts, request_id)
            await policy.sleep(delay)

    @asynccontextmanager
    async def stream(self, method: str, path: str, *, accept: str = "*/*", params: Mapping[str, Any] | None = None,
                     correlation_id: str | None = None) -> AsyncIterator[httpx.Response]:
        """A call whose body is read as the caller iterates it (`response.aiter_bytes()`), never held whole.

        Retries (rate limit, token, retry policy) apply until the status line arrives; an error status is raised
        as the typed error, read from its (small) body."""
        request_id = new_request_id()
        correlation_id = correlation_id or self.correlation_id
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None} or None
        policy = self.retry
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            if self.rate_limiter is not None:
                await self.rate_limiter.acquire()
            headers = self._headers(await self._token(), request_id, correlation_id, False)
            headers["Accept"] = accept
            request = self._http.build_request(method, path, params=query, headers=headers,
                                               extensions={STREAM_EXTENSION: True})
            retry_after: float | None = None
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                failure: errors.PartnerCenterError = errors.ServiceUnreachableError(
                    f"No response from Partner Center ({type(exc).__name__}).",
                    request_id=request_id, correlation_id=correlation_id)
                failure.__cause__ = exc
            else:
                if 200 <= response.status_code < 300:
                    try:
                        yield response
                    finally:
                        await response.aclose()
                    return
                content = await response.aread()
                await response.aclose()
                failure = errors.error_from_response(response.status_code, response.headers, content,
                                                     sent_request_id=request_id, sent_correlation_id=correlation_id)
                if not policy.is_retryable_status(response.status_code):
                    raise failure
                retry_after = failure.retry_after
            if attempt >= policy.max_attempts:
                raise failure
            delay = policy.delay_for(attempt, retry_after)
            if delay is None or waited + delay > policy.total_budget:
                raise failure
            waited += delay
            await policy.sleep(delay)

    def _success(self, response: httpx.Response, request_id: str, correlation_id: str, attempts: int) -> Response:
        body: Any = None
        if response.status_code != 204 and response.content.strip():
            try:
                body = response.json()
            except ValueError:
                raise errors.ResponseDecodeError(
                    "Partner Center returned a body that is not JSON.",
                    status=response.status_code,
                    request_id=response.headers.get("MS-RequestId") or request_id,
                    correlation_id=response.headers.get("MS-CorrelationId") or correlation_id,
                ) from None
        return Response(
            status=response.status_code,
            headers=response.headers,
            body=body,
            request_id=response.headers.get("MS-RequestId") or request_id,
            correlation_id=response.headers.get("MS-CorrelationId") or correlation_id,
            attempts=attempts,
        )

    def forwardable_link_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k.lower() in _FORWARDABLE_LINK_HEADERS}


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(to_wire_value(value), separators=(",", ":"))
    value = to_wire_value(value)
    return value


def _path_only(path: str) -> str:
    return path.split("?", 1)[0]

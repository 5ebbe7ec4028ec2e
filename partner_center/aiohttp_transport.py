"""The client's default HTTP transport: httpx's request/response API over aiohttp's connection pool.

httpx's own transport (httpcore on anyio) costs ~1.3 ms of CPU per Partner Center call on the benchmark machine,
this one ~0.85 ms (aiohttp alone ~0.3 ms), and under concurrent turns httpcore's pool checks every pooled
connection per request (`partnerbot bench turns`, docs/benchmarks.md). aiohttp is already the bot's web
server; this transport keeps the pipeline, its retries, errors and tests on the httpx API and only moves the
bytes. It behaves like `httpx.AsyncHTTPTransport()` with its defaults: certifi-verified TLS, proxies from the
environment (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY), 100 connections, idle connections kept 5 s, the request's
httpx timeouts, bodies left encoded for httpx to decode, no retries of its own, and transport failures raised
as httpx errors (which the pipeline retries and reports as `ServiceUnreachableError`).
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request

import aiohttp
import httpx
from yarl import URL

# Hop-by-hop or length headers aiohttp computes itself from the body it sends.
_SKIP_HEADERS = frozenset({b"content-length", b"transfer-encoding", b"connection"})
_DEFAULT_TIMEOUT = httpx.Timeout(5.0).as_dict()
# Request extension asking for a streamed body (the pipeline's `stream()`); without it the body is read whole.
STREAM_EXTENSION = "partnerbot_stream"
STREAM_CHUNK = 64 * 1024


class _AiohttpStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self):  # type: ignore[override]
        try:
            async for chunk in self._response.content.iter_chunked(STREAM_CHUNK):
                yield chunk
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=self._request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=self._request) from exc

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_connections: int = 100, keepalive_expiry: float = 5.0,
                 verify: ssl.SSLContext | bool = True, trust_env: bool = True) -> None:
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._verify = verify
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Proxies from the environment, read once as httpx does (aiohttp's trust_env re-reads them, and the
        # netrc file, on every request); cached per scheme and host.
        self._proxies = urllib.request.getproxies() if trust_env else {}
        self._proxy_for: dict[tuple[str, str], str | None] = {}

    def __repr__(self) -> str:
        return "AiohttpTransport()"

    def _client(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._abandon()
        if self._session is None or self._session.closed:
            # A pool belongs to one event loop (as httpcore's does); a client used from a new loop gets a new one.
            if self._verify is True:  # httpx's trust store (certifi, or SSL_CERT_FILE/DIR), made once when first used
                self._verify = httpx.create_ssl_context(trust_env=self._trust_env)
            connector = aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=self._keepalive_expiry,
                                             ssl=self._verify)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                                  trust_env=False, cookie_jar=aiohttp.DummyCookieJar(),
                                                  skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"))
            # aiohttp silently resends an idempotent request once when a kept-alive connection turns out closed
            # (no public switch; its own test client clears this flag too). Every attempt must pass the
            # pipeline's rate limiter and retry policy, as with httpcore, so the pipeline does the retrying.
            self._session._retry_connection = False
            self._loop = loop
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or _DEFAULT_TIMEOUT
        timeout = aiohttp.ClientTimeout(total=None, connect=timeouts.get("pool"),
                                        sock_connect=timeouts.get("connect"), sock_read=timeouts.get("read"))
        headers = [(k.decode("ascii"), v.decode("ascii")) for k, v in request.headers.raw  # httpx sends ASCII only
                   if k.lower() not in _SKIP_HEADERS]
        body = await request.aread()
        if request.extensions.get(STREAM_EXTENSION):
            return await self._streaming(request, headers, body, timeout)
        try:
            async with self._client().request(
                request.method, URL(str(request.url), encoded=True), headers=headers, data=body or None,
                allow_redirects=False, timeout=timeout, compress=None, proxy=self._proxy(request.url),
            ) as response:
                content = await response.read()
                status = response.status
                raw_headers = list(response.raw_headers)  # bytes as received, as httpcore hands them over
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
                aiohttp.ClientResponseError) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(status, headers=raw_headers, stream=httpx.ByteStream(content), request=request,
                              extensions={"http_version": b"HTTP/1.1"})

    async def _streaming(self, request: httpx.Request, headers: list[tuple[str, str]], body: bytes,
                         limits: aiohttp.ClientTimeout) -> httpx.Response:
        """A response whose body is read chunk by chunk as the caller iterates it (files: statements, exports)."""
        try:
            response = await self._client().request(
                request.method, URL(str(request.url), encoded=True), headers=headers, data=body or None,
                allow_redirects=False, timeout=limits, compress=None, proxy=self._proxy(request.url))
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(response.status, headers=list(response.raw_headers),
                              stream=_AiohttpStream(response, request), request=request,
                              extensions={"http_version": b"HTTP/1.1"})

    def _proxy(self, url: httpx.URL) -> str | None:
        key = (url.scheme, url.host)
        if key not in self._proxy_for:
            proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
            if proxy and urllib.request.proxy_bypass_environment(url.host, self._proxies):
                proxy = None
            if proxy and "://" not in proxy:
                proxy = f"http://{proxy}"
            self._proxy_for[key] = proxy or None
        return self._proxy_for[key]

    def _abandon(self) -> None:
        """Let go of a pool made in another event loop (a client used from a new loop, as tests do): its
        connections belong to that loop and cannot be closed from this one."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            session.detach()

    async def aclose(self) -> None:
        if self._loop is not asyncio.get_running_loop():
            self._abandon()
            return
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

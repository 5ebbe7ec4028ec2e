"""The emulator's aiohttp application: middlewares shared by every resource, and route-module loading.

Middleware order (outermost first): headers + error rendering -> fault injection -> auth -> body parsing ->
idempotency (MS-RequestId replay; optional dropped response after a mutation) -> handler.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import logging
import math
import re
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from sandbox.auth import identify
from sandbox.config import SandboxConfig
from sandbox.context import SANDBOX_KEY, Sandbox
from sandbox.errors import ApiError, GatewayError
from sandbox.faults import FaultInjector
from sandbox.routes.gdap import gdap_enforcement
from sandbox.store import Store, StoredResponse

log = logging.getLogger("sandbox")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Resource modules, each exposing `routes: web.RouteTableDef`. Missing modules are skipped so that areas can
# be added independently. Routes match in this order: money's fixed paths (/invoices/unbilled/...,
# /subscriptions/usagerecords) come before the {id} routes that would take them for ids.
ROUTE_MODULES = [
    "sandbox.routes.accounts",  # before customers: /v1/customers/relationshiprequests is no customer id
    "sandbox.routes.admin",
    "sandbox.routes.token",
    "sandbox.routes.money",
    "sandbox.routes.customers",
    "sandbox.routes.catalog",
    "sandbox.routes.subscriptions",
    "sandbox.routes.carts",
    "sandbox.routes.orders",
    "sandbox.routes.audit",
    "sandbox.routes.utilities",
    "sandbox.routes.users",
    "sandbox.routes.billing",
    "sandbox.routes.recon",
    "sandbox.routes.support",
    "sandbox.routes.long_running",
    "sandbox.routes.referrals",
    "sandbox.routes.gdap",
    "sandbox.routes.devices",
    "sandbox.routes.documents",
    "sandbox.routes.webhooks",
]

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
FAULTS_KEY = web.AppKey("faults", FaultInjector)
ROUTE_MODULES_KEY = web.AppKey("route_modules", list)
_GUIDISH = re.compile(r"^[0-9A-Za-z\-_.]{1,128}$")
_SERVER_ID = "sandbox-01"


# The API path families the sandbox serves on its one port (api.md §23.0): Partner Center (/v1, /webhooks/v1), the
# Partner API (/partnerapi) and Microsoft Graph (/v1.0, /beta). Auth, faults, body parsing and idempotency apply
# to all of them.
_API_PREFIXES = ("/v1", "/webhooks/v1", "/partnerapi", "/v1.0", "/beta", "/partner/v1")  # + §18 insights


def _api_path(request: web.Request) -> bool:
    path = request.path
    return any(path == p or path.startswith(p + "/") for p in _API_PREFIXES)


def _render(status: int, body: dict, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json",
                        charset="utf-8", headers=headers)


@web.middleware
async def headers_and_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Echo/generate MS-CorrelationId and MS-RequestId, add MS-CV; render every error in its wire shape."""
    correlation = request.headers.get("MS-CorrelationId", "")
    request_id = request.headers.get("MS-RequestId", "")
    correlation = correlation if _GUIDISH.match(correlation) else str(uuid.uuid4())
    request_id = request_id if _GUIDISH.match(request_id) else str(uuid.uuid4())
    request["correlation_id"], request["request_id"] = correlation, request_id
    try:
        response = await handler(request)
    except ApiError as exc:
        response = _render(exc.status, exc.body(), exc.headers)
    except GatewayError as exc:
        response = _render(exc.status, exc.body(), exc.headers)
    except web.HTTPMethodNotAllowed:
        response = _render(405, {"statusCode": 405, "message": "The requested resource does not support "
                                 f"http method '{request.method}'."})
    except web.HTTPNotFound:
        response = _render(404, {"statusCode": 404, "message": "Resource not found"})
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _render(exc.status, {"code": exc.status, "description": exc.reason, "data": [],
                                        "source": "PartnerFD"})
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except RecursionError:  # e.g. a `filter` query of JSON nested thousands deep: bad input, not a crash
        response = _render(400, {"code": 800002, "description": "The request input is nested too deeply.",
                                 "data": [], "source": "PartnerFD"})
    except Exception:  # a bug: never leak details, keep the correlation id for the logs
        log.exception("unhandled error (correlation id %s)", correlation)
        response = _render(500, {"code": 500, "description": "An unexpected error occurred. "
                                 f"Correlation id: {correlation}.", "data": [], "source": "PartnerFD"})
    response.headers["MS-CorrelationId"] = correlation
    response.headers["MS-RequestId"] = request_id
    response.headers["MS-CV"] = base64.b64encode(uuid.uuid4().bytes[:12]).decode().rstrip("=") + ".0"
    response.headers["MS-ServerId"] = _SERVER_ID
    if "X-Locale" in request.headers:
        response.headers["X-Locale"] = request.headers["X-Locale"][:20]
    return response


def _tenant_key(request: web.Request) -> str:
    parts = request.path.split("/")
    if len(parts) > 3 and parts[2].lower() == "customers" and parts[3]:
        return f"customer:{parts[3].lower()}"
    return "partner"


@web.middleware
async def fault_injection(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not _api_path(request):
        return await handler(request)
    faults = request.app[FAULTS_KEY]
    settings = faults.settings
    if settings.latency_ms > 0:
        await asyncio.sleep(settings.latency_ms / 1000)
    retry_after = faults.rate_limited(_tenant_key(request))
    if retry_after is not None:
        raise GatewayError(429, f"Rate limit is exceeded. Try again in {retry_after} seconds.",
                           {"Retry-After": str(retry_after)})
    if faults.roll(settings.rate_429):
        raise GatewayError(429, "Rate limit is exceeded. Try again in 1 seconds.", {"Retry-After": "1"})
    if faults.roll(settings.rate_5xx):
        raise GatewayError(503, "The service is temporarily unavailable. Please retry.")
    return await handler(request)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not _api_path(request) or request.match_info.http_exception is not None:
        return await handler(request)
    sandbox = request.app[SANDBOX_KEY]
    identity = identify(sandbox.config, request.headers.get("Authorization"))
    if identity is None:
        code, text = ((800001, "Partner token missing in request context.")
                      if "Authorization" not in request.headers else (400, "Access denied."))
        raise ApiError(401, code, text, headers={
            "WWW-Authenticate": f"OAuth realm=urn:cpsvc:cpid:{sandbox.config.partner_tenant_id}"})
    request["identity"] = identity
    if identity.app_only and getattr(request.match_info.handler, "__app_user_only__", False):
        raise ApiError(403, 900329, "This resource does not support application-only authentication.")
    return await handler(request)


@web.middleware
async def parse_body(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read and parse a JSON body once, with a size cap; malformed JSON -> 400 800002 before any change."""
    request["json"] = None
    json_path = _api_path(request) or request.path.startswith("/_sandbox/")
    if json_path and request.method in MUTATING and request.body_exists \
            and request.match_info.http_exception is None:
        limit = request.app[SANDBOX_KEY].config.max_body_bytes
        if (request.content_length or 0) > limit:
            raise ApiError(400, 800002, f"The request body exceeds the limit of {limit} bytes.")
        try:
            raw = await _read_body(request, limit)
        except (ValueError, asyncio.LimitOverrunError):
            raise ApiError(400, 800002, "The request body could not be read.") from None
        if len(raw) > limit:
            raise ApiError(400, 800002, f"The request body exceeds the limit of {limit} bytes.")
        if raw.strip():
            request["json"] = parse_json_body(raw)
    return await handler(request)


async def _read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, or the first limit+1 bytes: a chunked body arrives in pieces, one read() is not enough."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


MAX_JSON_DEPTH = 32  # Partner Center bodies nest a handful of levels; deeper input is refused, not recursed into


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _too_deep(data: object, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return False


def parse_json_body(raw: bytes) -> object:
    """Strict JSON (RFC 8259): UTF-8 text, no NaN/Infinity, no lone UTF-16 surrogates, bounded nesting;
    anything else is 400 800002 before any handler runs (so it can neither crash one nor change state)."""
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant, parse_float=_finite_float)
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # raises on lone surrogates such as "\ud800"
    except (UnicodeError, ValueError, RecursionError):
        raise ApiError(400, 800002, "The request body is not valid JSON.") from None
    if _too_deep(data, MAX_JSON_DEPTH):
        raise ApiError(400, 800002, f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    return data


def _drop_connection(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


@web.middleware
async def idempotency(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Same MS-RequestId + method + path on a mutation -> the stored response, not a second change."""
    if not _api_path(request) or request.method not in MUTATING:
        return await handler(request)
    sandbox = request.app[SANDBOX_KEY]
    client_request_id = request.headers.get("MS-RequestId")
    key = (client_request_id, request.method, request.path_qs) if client_request_id else None
    if key:
        stored = sandbox.store.get_response(*key)
        if stored is not None:
            headers = dict(stored.headers)
            headers["X-Sandbox-Replayed"] = "true"
            return web.Response(status=stored.status, body=stored.body, headers=headers)
    response = await handler(request)
    if not isinstance(response, web.Response) or not 200 <= response.status < 300:
        return response
    if key:
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() in {"content-type", "location", "etag"}}
        sandbox.store.save_response(*key, StoredResponse(response.status, headers, response.body or b""),
                                    sandbox.now_iso())
    if request.app[FAULTS_KEY].should_drop():
        log.info("fault injection: dropping the response of %s %s", request.method, request.path)
        _drop_connection(request)
    return response


def _load_routes(app: web.Application) -> list[str]:
    loaded = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        app.router.add_routes(module.routes)
        loaded.append(name)
    return loaded


def create_app(config: SandboxConfig | None = None, store: Store | None = None) -> web.Application:
    """Build the emulator app. A fresh database is seeded with `config.customers` customers."""
    config = config or SandboxConfig.from_env()
    store = store or Store(config.db_path)
    sandbox = Sandbox(config, store)
    app = web.Application(
        middlewares=[headers_and_errors, fault_injection, authenticate, parse_body, gdap_enforcement,
                     idempotency],
        client_max_size=config.max_body_bytes + 1,
    )
    app[SANDBOX_KEY] = sandbox
    config.faults.seed = config.faults.seed or config.seed
    app[FAULTS_KEY] = FaultInjector(config.faults)
    app[ROUTE_MODULES_KEY] = _load_routes(app)
    if store.get_meta("seeded") is None:
        from sandbox import seed
        seed.generate(store, customers=config.customers, seed=config.seed, config=config, now=sandbox.now())

    async def _close(_: web.Application) -> None:
        store.close()

    app.on_cleanup.append(_close)
    return app


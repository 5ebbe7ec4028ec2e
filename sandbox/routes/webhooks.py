"""Webhook registration (api.md §27.1 W1–W5, §27.4) and the signing certificates at /_cert/ (§23.0)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from sandbox.context import Sandbox, sandbox_of
from sandbox.envelope import json_response
from sandbox.errors import ApiError, GatewayError, invalid_input, not_found
from sandbox.webhooks import CA_NAME, CERT_NAME, EVENT_NAMES, WebhookHub

routes = web.RouteTableDef()


def hub_of(request: web.Request) -> WebhookHub:
    sb: Sandbox = sandbox_of(request)
    hub = getattr(sb, "webhooks", None)
    if hub is None:
        hub = sb.webhooks = WebhookHub(sb)
    hub.base_url = f"{request.scheme}://{request.host}"
    return hub


def _field(data: dict[str, Any], name: str) -> Any:
    return next((v for k, v in data.items() if k.lower() == name.lower()), None)


def _registration(request: web.Request) -> dict[str, Any]:
    data = request.get("json")
    if not isinstance(data, dict):
        raise invalid_input("The request body must be a registration object.")
    url = _field(data, "WebhookUrl")
    parts = urlsplit(url) if isinstance(url, str) else None
    local = parts is not None and parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts is None or not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise invalid_input("WebhookUrl must be an absolute https URL.")
    events = _field(data, "WebhookEvents")
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise invalid_input("WebhookEvents must be a non-empty list of event names.")
    unknown = [e for e in events if e not in EVENT_NAMES]
    if unknown:
        raise invalid_input(f"Unknown webhook event(s): {', '.join(unknown[:5])}.")
    return {"SubscriberId": str(sandbox_of(request).config.partner_tenant_id), "WebhookUrl": url,
            "WebhookEvents": events,
            "SignatureTokenToMsSignatureHeader": bool(_field(data, "SignatureTokenToMsSignatureHeader"))}


def _public(registration: dict[str, Any]) -> dict[str, Any]:
    return {k: registration[k] for k in ("SubscriberId", "WebhookUrl", "WebhookEvents")}


@routes.get("/webhooks/v1/registration/events")
async def list_events(request: web.Request) -> web.Response:
    return json_response(list(EVENT_NAMES))


@routes.post("/webhooks/v1/registration")
async def create_registration(request: web.Request) -> web.Response:
    hub = hub_of(request)
    if hub.registration():
        raise ApiError(409, 2001, "A registration already exists; use PUT to update it.")
    registration = _registration(request)
    hub.save(registration)
    return json_response(_public(registration))


@routes.get("/webhooks/v1/registration")
async def get_registration(request: web.Request) -> web.Response:
    registration = hub_of(request).registration()
    if not registration:
        raise not_found(2002, "No webhook registration exists.")
    return json_response({"WebhookUrl": registration["WebhookUrl"], "WebhookEvents": registration["WebhookEvents"]})


@routes.put("/webhooks/v1/registration")
async def update_registration(request: web.Request) -> web.Response:
    hub = hub_of(request)
    if not hub.registration():
        raise not_found(2002, "No webhook registration exists.")
    registration = _registration(request)
    hub.save(registration)
    return json_response(_public(registration))


@routes.delete("/webhooks/v1/registration")
async def delete_registration(request: web.Request) -> web.Response:
    """Sandbox-only convenience (§27.4 rule 2): not part of the real API."""
    hub_of(request).save(None)
    return web.Response(status=204)


@routes.post("/webhooks/v1/registration/validationEvents")
async def test_event(request: web.Request) -> web.Response:
    hub = hub_of(request)
    registration = hub.registration()
    if not registration or "test-created" not in registration["WebhookEvents"]:
        raise invalid_input("Register the test-created event before asking for a test event.")
    now = sandbox_of(request).now()
    recent = [at for at in hub.test_requests if (now - at).total_seconds() < 60]
    if len(recent) >= 2:  # §27.1 W5: 2 requests per minute (§27.4 rule 3: 429 shape C)
        wait = int(60 - (now - recent[0]).total_seconds()) + 1
        raise GatewayError(429, "Rate limit is exceeded. Try again later.", {"Retry-After": str(wait)})
    hub.test_requests = [*recent, now]
    import uuid

    correlation_id = str(uuid.uuid4())
    hub.emit("test-created", "test", "http://api.partnercenter.microsoft.com/webhooks/v1/registration/"
             f"validationEvents/{correlation_id}")
    return json_response({"correlationId": correlation_id})


@routes.get("/_cert/{name}")
async def certificate(request: web.Request) -> web.Response:
    identity = hub_of(request).signing()
    name = request.match_info["name"]
    if name not in (CERT_NAME, CA_NAME):
        raise web.HTTPNotFound()
    return web.Response(body=identity.cert_der if name == CERT_NAME else identity.ca_der,
                        content_type="application/pkix-cert")

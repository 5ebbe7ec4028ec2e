"""Token endpoint imitating Entra ID: POST /{tenant}/oauth2/v2.0/token (and v1 /oauth2/token).

client_credentials -> app-only token; refresh_token -> App+User token (any refresh token from a known client).
Error bodies follow the OAuth2 shape `{error, error_description}` like login.microsoftonline.com.
"""

from __future__ import annotations

import hmac
import time

from aiohttp import web

from sandbox.auth import issue_token
from sandbox.context import sandbox_of

routes = web.RouteTableDef()


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


async def _token(request: web.Request) -> web.StreamResponse:
    config = sandbox_of(request).config
    try:
        form = await request.post()
    except Exception:  # noqa: BLE001 - any unparsable form is a client error
        return _oauth_error(400, "invalid_request", "The request body must be form-encoded.")
    grant = str(form.get("grant_type", ""))
    client_id = str(form.get("client_id", ""))
    secret = str(form.get("client_secret", ""))
    known = config.clients.get(client_id)
    if not client_id or known is None or not hmac.compare_digest(secret.encode(), known.encode()):
        return _oauth_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
    if grant == "client_credentials":
        mode = "app"
    elif grant == "refresh_token" and form.get("refresh_token"):
        mode = "app+user"
    else:
        return _oauth_error(400, "unsupported_grant_type", f"AADSTS70003: grant_type '{grant}' is not supported.")
    token, expires_in = issue_token(config, client_id=client_id, mode=mode)
    now = int(time.time())
    body = {"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in,
            "expires_on": str(now + expires_in), "not_before": str(now),
            "resource": "https://api.partnercenter.microsoft.com", "access_token": token}
    if mode == "app+user":
        body["scope"] = "user_impersonation"
    else:
        body["scope"] = str(form.get("scope", "https://api.partnercenter.microsoft.com/.default"))
    return web.json_response(body)


routes.post("/{tenant}/oauth2/v2.0/token")(_token)
routes.post("/{tenant}/oauth2/token")(_token)

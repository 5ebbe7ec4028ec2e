"""Bearer-token checks and the sandbox's own token endpoint (client credentials -> app-only token).

Issued tokens are HMAC-signed and carry mode + expiry, so they stay valid across a restart on the same file and
need no storage. Nothing here logs or echoes a token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time

from sandbox.config import SandboxConfig
from sandbox.context import Identity

_PREFIX = "sbx1."


def _key(config: SandboxConfig) -> bytes:
    return hashlib.sha256(f"sandbox-token:{config.partner_tenant_id}:{config.dev_token}".encode()).digest()


def issue_token(config: SandboxConfig, *, client_id: str, mode: str) -> tuple[str, int]:
    """Return (access_token, expires_in)."""
    exp = int(time.time()) + config.token_lifetime_s
    raw = json.dumps({"m": mode, "c": client_id, "e": exp}, separators=(",", ":")).encode()
    sig = hmac.new(_key(config), raw, hashlib.sha256).digest()
    token = _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + \
        base64.urlsafe_b64encode(sig).decode().rstrip("=")
    return token, config.token_lifetime_s


def identify(config: SandboxConfig, authorization: str | None) -> Identity | None:
    """Identity for an `Authorization` header value, or None when missing/invalid/expired."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    if hmac.compare_digest(token.encode(), config.dev_token.encode()):
        return Identity("app+user", app_id="sandbox-dev", upn="admin@sandboxpartner.onmicrosoft.com")
    for app_token in config.app_only_tokens:
        if hmac.compare_digest(token.encode(), app_token.encode()):
            return Identity("app", app_id="sandbox-app")
    if not token.startswith(_PREFIX):
        return None
    try:
        data_part, sig_part = token[len(_PREFIX):].split(".", 1)
        raw = base64.urlsafe_b64decode(data_part + "=" * (-len(data_part) % 4))
        sig = base64.urlsafe_b64decode(sig_part + "=" * (-len(sig_part) % 4))
        claims = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(sig, hmac.new(_key(config), raw, hashlib.sha256).digest()):
        return None
    if not isinstance(claims, dict) or int(claims.get("e", 0)) < time.time():
        return None
    mode = claims.get("m")
    if mode not in {"app", "app+user"}:
        return None
    upn = "admin@sandboxpartner.onmicrosoft.com" if mode == "app+user" else ""
    return Identity(mode, app_id=str(claims.get("c", "")), upn=upn)

"""Bot Framework request authentication that never blocks the event loop (issue 11).

The SDK's validator (`botframework.connector.auth.jwt_token_extractor`) fetches the OpenID metadata and signing
keys with a blocking `requests.get` without a timeout, on the event loop, and never caches a failure: one forged
token against a slow endpoint stalled every request, `/healthz` included. This module validates the same
tokens by the same rules (issuers, endorsements, audience, service URL claim, RS256, 5 minutes of clock skew)
with the keys fetched by aiohttp under a short timeout, cached for their lifetime (Cache-Control max-age,
else 24 h: Bot Framework rotates its keys about daily), a failed fetch remembered briefly (negative cache),
concurrent fetches coalesced into one, and an unknown key id refetched at most every few minutes.

`authenticate()` returns the validated `ClaimsIdentity`, raises `AuthenticationError` (answer 401) or
`AuthenticationUnavailable` (answer 503 with Retry-After: the keys cannot be had right now).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity, EmulatorValidation
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

CHANNEL_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
EMULATOR_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
CHANNEL_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
# Tokens Entra ID issues for the Bot Framework tenants (the Emulator, skills): the SDK's own list.
EMULATOR_ISSUERS = tuple(EmulatorValidation.TO_BOT_FROM_EMULATOR_TOKEN_VALIDATION_PARAMETERS.issuer)
MAX_TOKEN_CHARS = 16_384
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d{1,9})\s*(?:,|$)", re.I)


class AuthenticationError(Exception):
    """The request's token is missing or invalid: 401. The message is safe to log (never the token)."""


class AuthenticationUnavailable(Exception):
    """The signing keys cannot be obtained right now: 503, try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class AuthOptions:
    """Where the keys come from and how long to wait for them; tests point the URLs at a local issuer."""

    app_id: str
    tenant_id: str = ""
    channel_metadata_url: str = CHANNEL_METADATA_URL
    emulator_metadata_url: str = EMULATOR_METADATA_URL
    fetch_timeout: float = 3.0  # one metadata or key-set request
    request_deadline: float = 4.0  # the most one request waits for keys before 503
    clock_skew: float = 300.0  # the SDK's tolerance for exp/nbf
    default_ttl: float = 24 * 3600.0
    min_ttl: float = 300.0  # a "no-cache" endpoint is still asked at most this often
    negative_ttl: float = 30.0  # after a failed fetch, 503 at once for this long
    unknown_kid_interval: float = 300.0  # a key id not in the set refetches it at most this often
    ssl_context: ssl.SSLContext | None = None
    clock: Callable[[], float] = time.time  # for token expiry
    monotonic: Callable[[], float] = time.monotonic  # for cache lifetimes
    extra_issuers: tuple[str, ...] = field(default_factory=tuple)

    def entra_issuers(self) -> frozenset[str]:
        issuers = set(EMULATOR_ISSUERS) | set(self.extra_issuers)
        if self.tenant_id:  # single-tenant bots: tokens from the bot's own tenant
            issuers |= {f"https://sts.windows.net/{self.tenant_id}/",
                        f"https://login.microsoftonline.com/{self.tenant_id}/v2.0"}
        return frozenset(issuers)


@dataclass
class _Key:
    public_key: Any
    endorsements: tuple[str, ...]


class KeySource:
    """One OpenID issuer's signing keys, fetched without blocking and cached (see the module docstring)."""

    def __init__(self, metadata_url: str, options: AuthOptions,
                 session_factory: Callable[[], aiohttp.ClientSession]) -> None:
        self.metadata_url = metadata_url
        self.options = options
        self._session_factory = session_factory
        self._keys: dict[str, _Key] = {}
        self._fresh_until = float("-inf")
        self._fetched_at = float("-inf")
        self._failed_until = float("-inf")
        self._refresh: asyncio.Task[None] | None = None
        self.fetches = 0  # network round trips started (tests assert coalescing with it)

    async def key(self, kid: str) -> _Key | None:
        now = self.options.monotonic()
        recently = now - self._fetched_at < self.options.unknown_kid_interval
        if now < self._fresh_until and (kid in self._keys or recently):
            return self._keys.get(kid)
        if now < self._failed_until:
            return self._stale_or_unavailable(kid)
        try:
            await asyncio.wait_for(asyncio.shield(self._refreshing()), self.options.request_deadline)
        except Exception as exc:  # noqa: BLE001 - every failure to fetch is the same answer: 503 or stale keys
            self._failed_until = max(self._failed_until, self.options.monotonic() + self.options.negative_ttl)
            log.warning("signing keys from %s unavailable (%s)", self.metadata_url, type(exc).__name__)
            return self._stale_or_unavailable(kid)
        return self._keys.get(kid)

    def _stale_or_unavailable(self, kid: str) -> _Key | None:
        if kid in self._keys:  # keys past their lifetime still beat refusing everyone while the issuer is down
            return self._keys[kid]
        retry = max(1, int(self._failed_until - self.options.monotonic() + 0.999))
        raise AuthenticationUnavailable("signing keys unavailable", retry_after=retry)

    def _refreshing(self) -> asyncio.Task[None]:
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.get_running_loop().create_task(self._fetch())
            self._refresh.add_done_callback(_consume_exception)
        return self._refresh

    async def _fetch(self) -> None:
        self.fetches += 1
        timeout = aiohttp.ClientTimeout(total=self.options.fetch_timeout)
        ssl_arg: Any = self.options.ssl_context if self.options.ssl_context is not None else True
        async with self._session_factory() as session:
            metadata, _ = await _get_json(session, self.metadata_url, timeout, ssl_arg)
            jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
            if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
                raise ValueError("metadata has no https jwks_uri")
            jwks, max_age = await _get_json(session, jwks_uri, timeout, ssl_arg)
        keys: dict[str, _Key] = {}
        for entry in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not isinstance(entry.get("kid"), str):
                continue
            try:
                public_key = RSAAlgorithm.from_jwk(json.dumps(entry))
            except (ValueError, TypeError, KeyError, jwt.InvalidKeyError):
                continue
            endorsements = entry.get("endorsements") or []
            keys[entry["kid"]] = _Key(public_key, tuple(e for e in endorsements if isinstance(e, str)))
        if not keys:
            raise ValueError("key set has no usable RSA keys")
        ttl = self.options.default_ttl if max_age is None else max(self.options.min_ttl, float(max_age))
        now = self.options.monotonic()
        self._keys, self._fetched_at, self._fresh_until = keys, now, now + ttl
        self._failed_until = float("-inf")


def _consume_exception(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved here so a failed fetch nobody awaited any more is not logged as unhandled


async def _get_json(session: aiohttp.ClientSession, url: str, timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109
                    ssl_arg: Any) -> tuple[Any, int | None]:
    async with session.get(url, timeout=timeout, ssl=ssl_arg, allow_redirects=False) as response:
        if response.status != 200:
            raise ValueError(f"HTTP {response.status}")
        body = await response.content.read(1_000_000)
        match = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
        return json.loads(body), int(match.group(1)) if match else None


class BotFrameworkAuthenticator:
    """Validates `Authorization: Bearer <jwt>` for one activity, like the SDK but without blocking."""

    def __init__(self, options: AuthOptions) -> None:
        self.options = options
        self.channel_keys = KeySource(options.channel_metadata_url, options, self._new_session)
        self.emulator_keys = KeySource(options.emulator_metadata_url, options, self._new_session)
        self._entra_issuers = options.entra_issuers()

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession()

    async def authenticate(self, auth_header: str, channel_id: str, service_url: str) -> ClaimsIdentity:
        """The token's claims for an activity from `channel_id` whose replies go to `service_url`."""
        token = _bearer_token(auth_header)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise AuthenticationError(f"malformed token ({type(exc).__name__})") from None
        if header.get("alg") != "RS256":
            raise AuthenticationError(f"signing algorithm {str(header.get('alg'))[:20]!r} not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise AuthenticationError("token has no key id")
        issuer = unverified.get("iss")
        if issuer == CHANNEL_ISSUER:
            source, from_channel = self.channel_keys, True
        elif isinstance(issuer, str) and issuer in self._entra_issuers:
            source, from_channel = self.emulator_keys, False
        else:
            raise AuthenticationError("issuer not allowed")
        key = await source.key(kid)
        if key is None:
            raise AuthenticationError("unknown signing key")
        if key.endorsements and channel_id not in key.endorsements:
            raise AuthenticationError(f"signing key not endorsed for channel {channel_id[:40]!r}")
        try:
            claims = jwt.decode(token, key.public_key, algorithms=["RS256"],
                                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                         "verify_aud": False, "verify_iss": False})
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"signature not valid ({type(exc).__name__})") from None
        self._check_times(claims)
        if from_channel:
            if claims.get("aud") != self.options.app_id:
                raise AuthenticationError("token audience is not this bot")
            if claims.get("serviceurl") != service_url:
                raise AuthenticationError("serviceurl claim does not match the activity")
        else:
            # the SDK's Emulator rule: version 1.0 names the bot in "appid", 2.0 in "azp"
            version = claims.get("ver") or "1.0"
            app_id = claims.get("appid") if version == "1.0" else claims.get("azp") if version == "2.0" else None
            if app_id != self.options.app_id:
                raise AuthenticationError("token is not for this bot")
        return ClaimsIdentity(claims, True)

    def _check_times(self, claims: dict[str, Any]) -> None:
        now, skew = self.options.clock(), self.options.clock_skew
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise AuthenticationError("token has no expiry")
        if now > exp + skew:
            raise AuthenticationError("token expired")
        if nbf is not None and (not isinstance(nbf, int | float) or now + skew < nbf):
            raise AuthenticationError("token not yet valid")

    async def close(self) -> None:
        for source in (self.channel_keys, self.emulator_keys):
            task = source._refresh
            if task is not None and not task.done():
                task.cancel()


def _bearer_token(auth_header: str) -> str:
    if not auth_header:
        raise AuthenticationError("no Authorization header")
    scheme, _, token = auth_header.partition(" ")
    if scheme != "Bearer" or not token.strip():
        raise AuthenticationError("Authorization is not a Bearer token")
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise AuthenticationError("token too long")
    return token

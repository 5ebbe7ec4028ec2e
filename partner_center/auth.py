"""Access tokens for the Partner Center REST API (api.md §2, §21).

The HTTP client only ever calls ``await provider.get_token()``. Three providers exist:

* ``StaticTokenProvider`` — a fixed token, for the local sandbox emulator.
* ``ClientCredentialsProvider`` — app-only tokens (OAuth2 client credentials through msal).
* ``RefreshTokenProvider`` — App+User tokens (Secure Application Model): a stored refresh token is redeemed
  through msal and the rotated refresh token the identity platform returns is written back to a
  ``RefreshTokenStore``.

The msal-based providers cache the access token until 30 s before it expires (the .NET SDK's
``DefaultAuthenticationTokenExpiryBufferInSeconds``), refresh it once under concurrency, and run msal
(which is synchronous and does blocking HTTP) in a thread executor. Secrets never appear in reprs, logs or
error messages.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypedDict, Unpack, runtime_checkable
from urllib.parse import urlsplit

import msal
import requests

__all__ = [
    "DEFAULT_AUTHORITY_HOST",
    "EXPIRY_BUFFER_SECONDS",
    "PARTNER_CENTER_APP_SCOPE",
    "PARTNER_CENTER_USER_SCOPE",
    "AuthConfigurationError",
    "AuthError",
    "AuthenticationFailed",
    "ClientCredentialsProvider",
    "FileRefreshTokenStore",
    "IdentityEndpointUnavailable",
    "MemoryRefreshTokenStore",
    "RefreshTokenProvider",
    "RefreshTokenStore",
    "StaticTokenProvider",
    "TokenProvider",
    "provider_from_env",
]

logger = logging.getLogger(__name__)

PARTNER_CENTER_APP_SCOPE = "https://api.partnercenter.microsoft.com/.default"
PARTNER_CENTER_USER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
EXPIRY_BUFFER_SECONDS = 30.0
DEFAULT_HTTP_TIMEOUT_SECONDS = 30.0

ENV_DEV_TOKEN = "PARTNER_CENTER_DEV_TOKEN"
ENV_CLIENT_ID = "PARTNER_CENTER_CLIENT_ID"
ENV_CLIENT_SECRET = "PARTNER_CENTER_CLIENT_SECRET"
ENV_TENANT_ID = "PARTNER_CENTER_TENANT_ID"
ENV_REFRESH_TOKEN = "PARTNER_CENTER_REFRESH_TOKEN"
ENV_REFRESH_TOKEN_FILE = "PARTNER_CENTER_REFRESH_TOKEN_FILE"
ENV_AUTHORITY = "PARTNER_CENTER_AUTHORITY"

Clock = Callable[[], float]


# --------------------------------------------------------------------------------------------------- errors


class AuthError(Exception):
    """Base class of every authentication problem raised by this module."""


class AuthConfigurationError(AuthError):
    """The process is not configured well enough to obtain a token (names variables, never values)."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


class AuthenticationFailed(AuthError):
    """The identity platform refused to issue a token (bad secret, expired refresh token, ...).

    Carries msal's ``error`` code, ``error_description``, ``error_codes`` and ``correlation_id`` so an
    operator can look the failure up; never the client secret or refresh token.
    """

    def __init__(
        self,
        error: str,
        description: str = "",
        correlation_id: str | None = None,
        error_codes: tuple[int, ...] = (),
    ) -> None:
        self.error = error
        self.description = description
        self.correlation_id = correlation_id
        self.error_codes = error_codes
        message = f"identity platform refused the token request: {error}"
        if description:
            message += f": {description}"
        if correlation_id:
            message += f" (correlation id {correlation_id})"
        super().__init__(message)

    def __repr__(self) -> str:
        return (
            f"AuthenticationFailed(error={self.error!r}, description={self.description!r}, "
            f"correlation_id={self.correlation_id!r}, error_codes={self.error_codes!r})"
        )


class IdentityEndpointUnavailable(AuthError):
    """The identity endpoint could not be reached (transport error); worth retrying later."""


# ------------------------------------------------------------------------------------------------ protocols


@runtime_checkable
class TokenProvider(Protocol):
    """What the Partner Center HTTP client needs: a currently valid bearer token."""

    async def get_token(self) -> str: ...


@runtime_checkable
class RefreshTokenStore(Protocol):
    """Where the App+User refresh token lives between runs; called from a worker thread."""

    def load(self) -> str | None: ...

    def save(self, refresh_token: str) -> None: ...


# ------------------------------------------------------------------------------------------------ static


class StaticTokenProvider:
    """Always returns the same token: the local sandbox accepts a fixed development token."""

    def __init__(self, token: str) -> None:
        if not token or not token.strip():
            raise AuthConfigurationError("a static token must not be empty")
        self._token = token.strip()

    async def get_token(self) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticTokenProvider(token=<redacted>)"


# ------------------------------------------------------------------------------------------ token stores


class MemoryRefreshTokenStore:
    """Keeps the refresh token in memory only (rotations are lost when the process ends)."""

    def __init__(self, refresh_token: str | None = None) -> None:
        self._token = refresh_token or None
        self._lock = threading.Lock()

    def load(self) -> str | None:
        with self._lock:
            return self._token

    def save(self, refresh_token: str) -> None:
        with self._lock:
            self._token = refresh_token

    def __repr__(self) -> str:
        return f"MemoryRefreshTokenStore(has_token={self._token is not None})"


class FileRefreshTokenStore:
    """Keeps the refresh token in a file readable only by the owner (0600), replaced atomically.

    A reader never sees a half-written token: the new token is written to a temporary file in the same
    directory, fsynced, then renamed over the old one. ``initial_token`` seeds the store while the file
    does not exist yet (e.g. the first run after consent, with the token given through the environment).
    """

    def __init__(self, path: str | os.PathLike[str], initial_token: str | None = None) -> None:
        self.path = Path(path)
        self._initial = initial_token or None
        self._lock = threading.Lock()

    def load(self) -> str | None:
        with self._lock:
            try:
                text = self.path.read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                return self._initial
            return text or None

    def save(self, refresh_token: str) -> None:
        if not refresh_token:
            raise ValueError("refusing to store an empty refresh token")
        with self._lock:
            self._write_atomically(refresh_token)

    def _write_atomically(self, refresh_token: str) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(refresh_token)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
        except BaseException:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def __repr__(self) -> str:
        return f"FileRefreshTokenStore(path={str(self.path)!r})"


# --------------------------------------------------------------------------------------- msal providers


@dataclass(frozen=True)
class _CachedToken:
    value: str
    expires_at: float


class _NoTokenCache(msal.TokenCache):
    """Stops msal from caching: the provider is the one cache, driven by its injectable clock.

    msal's own cache would answer from the wall clock and keep refresh tokens in memory behind our back.
    """

    def add(self, event: dict[str, Any], now: float | None = None) -> None:
        return None


class _IdentitySession(requests.Session):
    """The HTTP session msal uses: a default timeout, one retry, and a CA choice that sticks.

    Plain requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` silently override ``Session.verify``
    (psf/requests#3829); a CA bundle passed explicitly to a provider must win over the environment.
    """

    def __init__(self, verify: bool | str, timeout: float) -> None:
        super().__init__()
        self.verify = verify
        self._timeout = timeout
        adapter = requests.adapters.HTTPAdapter(max_retries=1)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        if verify is None and self.verify is not True:
            verify = self.verify
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


def _redact(text: str, secrets: tuple[str | None, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "<redacted>")
    return text


def default_authority(tenant_id: str, host: str = DEFAULT_AUTHORITY_HOST) -> str:
    """``https://login.microsoftonline.com/{tenant}`` (or the same on another cloud's host)."""
    return f"{host.rstrip('/')}/{tenant_id}"


class MsalOptions(TypedDict, total=False):
    """The keyword options both msal providers take (their defaults live in _MsalTokenProvider)."""

    authority: str | None
    clock: Clock
    verify: bool | str
    http_client: requests.Session | None
    instance_discovery: bool | None
    validate_authority: bool
    timeout: float


class _MsalTokenProvider:
    """Shared caching, locking and msal plumbing of the client-credentials and refresh-token providers."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        tenant_id: str,
        *,
        scopes: tuple[str, ...],
        authority: str | None = None,
        clock: Clock = time.time,
        verify: bool | str = True,
        http_client: requests.Session | None = None,
        instance_discovery: bool | None = None,
        validate_authority: bool = True,
        timeout: float = DEFAULT_HTTP_TIMEOUT_SECONDS,
    ) -> None:
        given = {"client_id": client_id, "client_secret": client_secret, "tenant_id": tenant_id}
        for name, value in given.items():
            if not value:
                raise AuthConfigurationError(f"{name} must not be empty", missing=(name,))
        self.client_id = client_id
        self.tenant_id = tenant_id
        self.scopes = scopes
        self.authority = authority or default_authority(tenant_id)
        if urlsplit(self.authority).scheme != "https":
            raise AuthConfigurationError(f"authority must be an https URL, got {self.authority!r}")
        self._client_secret = client_secret
        self._clock = clock
        self._verify = verify
        self._http_client = http_client
        self._instance_discovery = instance_discovery
        self._validate_authority = validate_authority
        self._timeout = timeout
        self._app: msal.ConfidentialClientApplication | None = None
        self._cached: _CachedToken | None = None
        self._lock = asyncio.Lock()

    async def get_token(self) -> str:
        cached = self._fresh_cached()
        if cached is not None:
            return cached
        async with self._lock:
            cached = self._fresh_cached()  # another task may have refreshed while we waited
            if cached is not None:
                return cached
            requested_at = self._clock()
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(None, self._acquire_blocking)
            token = self._accept(result, requested_at)
            self._cached = token
            return token.value

    def _fresh_cached(self) -> str | None:
        token = self._cached
        if token is not None and self._clock() < token.expires_at - EXPIRY_BUFFER_SECONDS:
            return token.value
        return None

    def _accept(self, result: dict[str, Any], requested_at: float) -> _CachedToken:
        if "access_token" not in result:
            raise self._failure(result)
        expires_in = float(result.get("expires_in") or 0)
        logger.debug("obtained a Partner Center access token for %s, valid %d s", self.scopes, expires_in)
        return _CachedToken(value=str(result["access_token"]), expires_at=requested_at + expires_in)

    def _failure(self, result: dict[str, Any]) -> AuthenticationFailed:
        secrets = self._secrets()
        error = _redact(str(result.get("error") or "invalid_token_response"), secrets)
        description = _redact(str(result.get("error_description") or ""), secrets)
        correlation_id = result.get("correlation_id")
        codes = tuple(int(c) for c in result.get("error_codes") or () if isinstance(c, int))
        logger.warning("token request refused: %s (correlation id %s)", error, correlation_id)
        return AuthenticationFailed(
            error, description, str(correlation_id) if correlation_id else None, codes
        )

    def _secrets(self) -> tuple[str | None, ...]:
        return (self._client_secret,)

    def _application(self) -> msal.ConfidentialClientApplication:
        """Built lazily in the worker thread: msal fetches the tenant's OpenID configuration when built."""
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self._client_secret,
                    authority=self.authority,
                    validate_authority=self._validate_authority,
                    instance_discovery=self._instance_discovery,
                    token_cache=_NoTokenCache(),
                    http_client=self._http_client or _IdentitySession(self._verify, self._timeout),
                )
            except ValueError as exc:  # msal: tenant discovery answered with an error or garbage
                raise AuthenticationFailed(
                    "invalid_authority", _redact(str(exc), self._secrets())
                ) from None
        return self._app

    def _acquire_blocking(self) -> dict[str, Any]:
        try:
            return self._acquire(self._application())
        except requests.RequestException as exc:
            raise IdentityEndpointUnavailable(
                f"identity endpoint for {self.authority} unreachable: "
                f"{type(exc).__name__}: {_redact(str(exc), self._secrets())}"
            ) from None

    def _acquire(self, app: msal.ConfidentialClientApplication) -> dict[str, Any]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, tenant_id={self.tenant_id!r}, "
            f"authority={self.authority!r}, scopes={list(self.scopes)!r}, client_secret=<redacted>)"
        )


class ClientCredentialsProvider(_MsalTokenProvider):
    """App-only tokens: OAuth2 client credentials for the partner's Partner Center app registration."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        tenant_id: str,
        *,
        scopes: tuple[str, ...] = (PARTNER_CENTER_APP_SCOPE,),
        **options: Unpack[MsalOptions],
    ) -> None:
        super().__init__(client_id, client_secret, tenant_id, scopes=scopes, **options)

    def _acquire(self, app: msal.ConfidentialClientApplication) -> dict[str, Any]:
        return app.acquire_token_for_client(scopes=list(self.scopes))


class RefreshTokenProvider(_MsalTokenProvider):
    """App+User tokens (Secure Application Model): redeem the stored refresh token, keep the rotated one.

    The latest refresh token is kept in memory and written to the store whenever the identity platform
    rotates it. If the store cannot be written, the error is logged and the in-memory token is used; the
    previous refresh token stays valid at the identity platform, so a restart is not fatal.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        tenant_id: str,
        store: RefreshTokenStore,
        *,
        scopes: tuple[str, ...] = (PARTNER_CENTER_USER_SCOPE,),
        **options: Unpack[MsalOptions],
    ) -> None:
        super().__init__(client_id, client_secret, tenant_id, scopes=scopes, **options)
        self.store = store
        self._refresh_token: str | None = None

    def _secrets(self) -> tuple[str | None, ...]:
        return (self._client_secret, self._refresh_token)

    def _acquire(self, app: msal.ConfidentialClientApplication) -> dict[str, Any]:
        if self._refresh_token is None:
            self._refresh_token = self.store.load()
        if not self._refresh_token:
            raise AuthConfigurationError(
                f"no refresh token available in {self.store!r}: complete the App+User consent first "
                f"and provide {ENV_REFRESH_TOKEN} or {ENV_REFRESH_TOKEN_FILE}"
            )
        result = app.acquire_token_by_refresh_token(self._refresh_token, scopes=list(self.scopes))
        rotated = result.get("refresh_token") if "access_token" in result else None
        if rotated and rotated != self._refresh_token:
            self._keep_rotated(str(rotated))
        return result

    def _keep_rotated(self, rotated: str) -> None:
        self._refresh_token = rotated
        try:
            self.store.save(rotated)
        except Exception as exc:  # keep serving: the previous refresh token is still valid upstream
            logger.error(
                "could not persist the rotated refresh token to %r: %s", self.store, type(exc).__name__
            )


# ---------------------------------------------------------------------------------------- configuration


def _authority_from_env(value: str, tenant_id: str) -> str:
    """Accept either a cloud host (``https://login.microsoftonline.us``) or a full authority URL."""
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise AuthConfigurationError(f"{ENV_AUTHORITY} must be an https URL", missing=())
    if parts.path in ("", "/"):
        return default_authority(tenant_id, f"https://{parts.netloc}")
    return value.strip().rstrip("/")


def provider_from_env(
    env: Mapping[str, str],
    *,
    clock: Clock = time.time,
    verify: bool | str = True,
    instance_discovery: bool | None = None,
    resource: str | None = None,
) -> TokenProvider:
    """Choose the provider the environment describes.

    ``resource`` (e.g. ``https://graph.microsoft.com``) asks for tokens of another API than Partner Center's
    (scope ``<resource>/.default``); the same app registration and refresh token serve every resource.

    ``PARTNER_CENTER_DEV_TOKEN`` -> static (local sandbox). Otherwise client id, secret and tenant id are
    required; with ``PARTNER_CENTER_REFRESH_TOKEN`` and/or ``PARTNER_CENTER_REFRESH_TOKEN_FILE`` the provider
    is App+User, without them app-only. ``PARTNER_CENTER_AUTHORITY`` selects another cloud.
    """

    def value(name: str) -> str:
        return (env.get(name) or "").strip()

    dev_token = value(ENV_DEV_TOKEN)
    if dev_token:
        return StaticTokenProvider(dev_token)

    required = (ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_TENANT_ID)
    missing = tuple(name for name in required if not value(name))
    if missing:
        raise AuthConfigurationError(
            f"Partner Center authentication is not configured: set {', '.join(missing)} "
            f"(or {ENV_DEV_TOKEN} to use the local sandbox)",
            missing=missing,
        )
    client_id, client_secret, tenant_id = (value(name) for name in required)
    authority = _authority_from_env(value(ENV_AUTHORITY), tenant_id) if value(ENV_AUTHORITY) else None
    common: dict[str, Any] = dict(
        authority=authority, clock=clock, verify=verify, instance_discovery=instance_discovery
    )
    if resource:
        common["scopes"] = (f"{resource.rstrip('/')}/.default",)

    refresh_token, token_file = value(ENV_REFRESH_TOKEN), value(ENV_REFRESH_TOKEN_FILE)
    if token_file:
        path = Path(token_file)
        if not refresh_token and not path.is_file():
            raise AuthConfigurationError(
                f"{ENV_REFRESH_TOKEN_FILE} names a file that does not exist ({path}) and "
                f"{ENV_REFRESH_TOKEN} is not set to seed it",
                missing=(ENV_REFRESH_TOKEN,),
            )
        store: RefreshTokenStore = FileRefreshTokenStore(path, initial_token=refresh_token or None)
        return RefreshTokenProvider(client_id, client_secret, tenant_id, store, **common)
    if refresh_token:
        return RefreshTokenProvider(
            client_id, client_secret, tenant_id, MemoryRefreshTokenStore(refresh_token), **common
        )
    return ClientCredentialsProvider(client_id, client_secret, tenant_id, **common)

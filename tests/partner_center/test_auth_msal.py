"""Token providers against a local HTTPS identity endpoint, through msal's real code paths (loopback only)."""

from __future__ import annotations

import asyncio
import itertools
import socket
import ssl
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web

from partner_center.auth import (
    PARTNER_CENTER_APP_SCOPE,
    PARTNER_CENTER_USER_SCOPE,
    AuthenticationFailed,
    ClientCredentialsProvider,
    FileRefreshTokenStore,
    IdentityEndpointUnavailable,
    MemoryRefreshTokenStore,
    RefreshTokenProvider,
    provider_from_env,
)

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "s3cr3t-client-value-XYZ"
OPENID_PATH = f"/{TENANT}/v2.0/.well-known/openid-configuration"
TOKEN_PATH = f"/{TENANT}/oauth2/v2.0/token"


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Seen:
    method: str
    path: str
    form: dict[str, str]


@dataclass
class FakeEntra:
    """A tiny Entra ID: tenant discovery plus a v2 token endpoint that rotates refresh tokens."""

    base_url: str = ""
    ca_path: str = ""
    seen: list[Seen] = field(default_factory=list)
    expires_in: int = 3600
    delay: float = 0.0
    valid_refresh_tokens: set[str] = field(default_factory=set)
    refuse_with: tuple[int, dict[str, Any]] | None = None
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{TENANT}"

    def token_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.path == TOKEN_PATH]

    async def handle(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.seen.append(Seen(request.method, request.path, form))
        if request.method == "GET" and request.path == OPENID_PATH:
            return web.json_response(self._openid_configuration())
        if request.method == "POST" and request.path == TOKEN_PATH:
            if self.delay:
                await asyncio.sleep(self.delay)
            status, body = self._token(form)
            return web.json_response(body, status=status)
        return web.json_response({"error": "not_found"}, status=404)

    def _openid_configuration(self) -> dict[str, Any]:
        root = f"{self.base_url}/{TENANT}"
        return {
            "issuer": f"{root}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        }

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.refuse_with is not None:
            return self.refuse_with
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: bad secret."}
        n = next(self._counter)
        body: dict[str, Any] = {"token_type": "Bearer", "expires_in": self.expires_in}
        body["access_token"] = f"at-{n}"
        if form.get("grant_type") == "refresh_token":
            presented = form.get("refresh_token", "")
            if presented not in self.valid_refresh_tokens:
                return 400, {"error": "invalid_grant", "error_description": "AADSTS70008: expired."}
            rotated = f"rt-{n + 1}"
            self.valid_refresh_tokens.add(rotated)
            body |= {"refresh_token": rotated, "scope": "user_impersonation"}
        return 200, body


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return server_context, str(ca_path)


@pytest.fixture
async def entra(tls: tuple[ssl.SSLContext, str]) -> AsyncIterator[FakeEntra]:
    server_context, ca_path = tls
    fake = FakeEntra(ca_path=ca_path)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = _free_socket()
    site = web.SockSite(runner, sock, ssl_context=server_context)
    await site.start()
    fake.base_url = f"https://127.0.0.1:{sock.getsockname()[1]}"
    try:
        yield fake
    finally:
        await runner.cleanup()


def app_only(entra: FakeEntra, clock: FakeClock | None = None, secret: str = CLIENT_SECRET):
    return ClientCredentialsProvider(
        CLIENT_ID, secret, TENANT,
        authority=entra.authority, verify=entra.ca_path, instance_discovery=False,
        clock=clock or FakeClock(),
    )


def app_user(entra: FakeEntra, store, clock: FakeClock | None = None) -> RefreshTokenProvider:
    return RefreshTokenProvider(
        CLIENT_ID, CLIENT_SECRET, TENANT, store,
        authority=entra.authority, verify=entra.ca_path, instance_discovery=False,
        clock=clock or FakeClock(),
    )


async def test_client_credentials_token_is_obtained_then_served_from_cache(entra: FakeEntra) -> None:
    provider = app_only(entra)

    assert await provider.get_token() == "at-1"
    # msal discovers the tenant, then posts to the v2 token endpoint: nothing else.
    assert [(s.method, s.path) for s in entra.seen] == [("GET", OPENID_PATH), ("POST", TOKEN_PATH)]
    form = entra.token_requests()[0].form
    assert form["grant_type"] == "client_credentials"
    assert form["scope"].split() == [PARTNER_CENTER_APP_SCOPE]
    assert form["client_id"] == CLIENT_ID

    assert await provider.get_token() == "at-1"
    assert len(entra.seen) == 2


async def test_token_is_refreshed_once_within_30_seconds_of_expiry(entra: FakeEntra) -> None:
    clock = FakeClock(5_000.0)
    provider = app_only(entra, clock)
    assert await provider.get_token() == "at-1"

    clock.now = 5_000.0 + 3600 - 31  # 31 s left: still good
    assert await provider.get_token() == "at-1"
    assert len(entra.token_requests()) == 1

    clock.now = 5_000.0 + 3600 - 29  # 29 s left: refresh
    assert await provider.get_token() == "at-2"
    assert await provider.get_token() == "at-2"
    assert len(entra.token_requests()) == 2


async def test_concurrent_get_token_sends_a_single_token_request(entra: FakeEntra) -> None:
    entra.delay = 0.3
    provider = app_only(entra)

    tokens = await asyncio.gather(*(provider.get_token() for _ in range(12)))

    assert set(tokens) == {"at-1"}
    assert len(entra.token_requests()) == 1


async def test_rotated_refresh_token_is_persisted_to_the_file_store(entra: FakeEntra, tmp_path: Path) -> None:
    token_file = tmp_path / "secrets" / "pc-refresh-token"
    token_file.parent.mkdir()
    token_file.write_text("rt-initial\n")
    token_file.chmod(0o644)
    entra.valid_refresh_tokens.add("rt-initial")
    clock = FakeClock(0.0)
    provider = app_user(entra, FileRefreshTokenStore(token_file), clock)

    assert await provider.get_token() == "at-1"
    first = entra.token_requests()[0].form
    assert first["grant_type"] == "refresh_token"
    assert first["refresh_token"] == "rt-initial"
    assert PARTNER_CENTER_USER_SCOPE in first["scope"].split()
    assert token_file.read_text() == "rt-2"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in token_file.parent.iterdir()) == ["pc-refresh-token"]

    clock.now = 3600.0  # expired: the next refresh must present the rotated token
    assert await provider.get_token() == "at-2"
    assert entra.token_requests()[1].form["refresh_token"] == "rt-2"
    assert token_file.read_text() == "rt-3"

    # A restarted process picks up the rotated token from the file.
    restarted = app_user(entra, FileRefreshTokenStore(token_file))
    assert await restarted.get_token() == "at-3"
    assert entra.token_requests()[2].form["refresh_token"] == "rt-3"


async def test_refused_client_secret_raises_authentication_failed_without_secret(entra: FakeEntra) -> None:
    entra.refuse_with = (401, {
        "error": "invalid_client",
        "error_description": f"AADSTS7000215: Invalid client secret provided: {CLIENT_SECRET}",
        "error_codes": [7000215],
        "correlation_id": "corr-1234",
        "trace_id": "trace-1",
    })
    provider = app_only(entra)

    with pytest.raises(AuthenticationFailed) as caught:
        await provider.get_token()

    failure = caught.value
    assert failure.error == "invalid_client"
    assert failure.correlation_id == "corr-1234"
    assert failure.error_codes == (7000215,)
    assert "AADSTS7000215" in failure.description
    for text in (str(failure), repr(failure), repr(failure.args), repr(provider)):
        assert CLIENT_SECRET not in text
    assert "corr-1234" in str(failure)


async def test_refused_refresh_token_keeps_the_store_and_hides_the_token(entra: FakeEntra) -> None:
    entra.refuse_with = (400, {
        "error": "invalid_grant",
        "error_description": "AADSTS70008: The refresh token rt-stale-value has expired.",
        "correlation_id": "corr-rt",
    })
    store = MemoryRefreshTokenStore("rt-stale-value")
    provider = app_user(entra, store)

    with pytest.raises(AuthenticationFailed) as caught:
        await provider.get_token()

    assert caught.value.error == "invalid_grant"
    assert "rt-stale-value" not in str(caught.value) and "rt-stale-value" not in repr(caught.value)
    assert store.load() == "rt-stale-value"


async def test_store_that_cannot_be_written_does_not_break_token_service(entra: FakeEntra) -> None:
    class BrokenStore(MemoryRefreshTokenStore):
        def save(self, refresh_token: str) -> None:
            raise OSError("read-only file system")

    entra.valid_refresh_tokens.add("rt-0")
    clock = FakeClock(0.0)
    provider = app_user(entra, BrokenStore("rt-0"), clock)

    assert await provider.get_token() == "at-1"
    clock.now = 4000.0
    assert await provider.get_token() == "at-2"
    # The rotated token was kept in memory and used for the second refresh.
    assert entra.token_requests()[1].form["refresh_token"] == "rt-2"


async def test_provider_from_env_app_user_runs_end_to_end(entra: FakeEntra, tmp_path: Path) -> None:
    token_file = tmp_path / "rt"
    entra.valid_refresh_tokens.add("rt-from-env")
    env = {
        "PARTNER_CENTER_CLIENT_ID": CLIENT_ID,
        "PARTNER_CENTER_CLIENT_SECRET": CLIENT_SECRET,
        "PARTNER_CENTER_TENANT_ID": TENANT,
        "PARTNER_CENTER_REFRESH_TOKEN": "rt-from-env",  # seeds the file on first run
        "PARTNER_CENTER_REFRESH_TOKEN_FILE": str(token_file),
        "PARTNER_CENTER_AUTHORITY": entra.base_url,  # host only: the tenant is appended
    }
    provider = provider_from_env(env, verify=entra.ca_path, instance_discovery=False)

    assert isinstance(provider, RefreshTokenProvider)
    assert await provider.get_token() == "at-1"
    assert token_file.read_text() == "rt-2"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


async def test_untrusted_certificate_is_refused(entra: FakeEntra) -> None:
    provider = ClientCredentialsProvider(
        CLIENT_ID, CLIENT_SECRET, TENANT, authority=entra.authority, instance_discovery=False
    )  # default verify=True: the test CA is not trusted

    with pytest.raises(IdentityEndpointUnavailable) as caught:
        await provider.get_token()
    assert "SSLError" in str(caught.value)
    assert entra.token_requests() == []


async def test_unreachable_identity_endpoint_raises_unavailable(tls: tuple[ssl.SSLContext, str]) -> None:
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here any more
    provider = ClientCredentialsProvider(
        CLIENT_ID, CLIENT_SECRET, TENANT, authority=f"https://127.0.0.1:{port}/{TENANT}",
        verify=tls[1], instance_discovery=False, timeout=5,
    )

    with pytest.raises(IdentityEndpointUnavailable) as caught:
        await provider.get_token()
    assert CLIENT_SECRET not in str(caught.value)

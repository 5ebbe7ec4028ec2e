"""Provider selection from the environment, static tokens and refresh-token stores (no network)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from partner_center.auth import (
    PARTNER_CENTER_APP_SCOPE,
    PARTNER_CENTER_USER_SCOPE,
    AuthConfigurationError,
    ClientCredentialsProvider,
    FileRefreshTokenStore,
    MemoryRefreshTokenStore,
    RefreshTokenProvider,
    RefreshTokenStore,
    StaticTokenProvider,
    TokenProvider,
    provider_from_env,
)

SECRET = "client-secret-value-123"
REFRESH = "refresh-token-value-456"
BASE_ENV = {
    "PARTNER_CENTER_CLIENT_ID": "app-id",
    "PARTNER_CENTER_CLIENT_SECRET": SECRET,
    "PARTNER_CENTER_TENANT_ID": "contoso-tenant",
}


async def test_dev_token_selects_the_static_provider_even_with_app_credentials() -> None:
    provider = provider_from_env({**BASE_ENV, "PARTNER_CENTER_DEV_TOKEN": " sandbox-dev-token "})

    assert isinstance(provider, StaticTokenProvider)
    assert isinstance(provider, TokenProvider)
    assert await provider.get_token() == "sandbox-dev-token"
    assert "sandbox-dev-token" not in repr(provider)


def test_static_provider_rejects_an_empty_token() -> None:
    with pytest.raises(AuthConfigurationError):
        StaticTokenProvider("  ")


def test_app_credentials_alone_select_app_only_with_default_scope_and_authority() -> None:
    provider = provider_from_env(BASE_ENV)

    assert isinstance(provider, ClientCredentialsProvider)
    assert provider.scopes == (PARTNER_CENTER_APP_SCOPE,)
    assert provider.authority == "https://login.microsoftonline.com/contoso-tenant"
    assert SECRET not in repr(provider)


def test_refresh_token_variable_selects_app_user_with_memory_store() -> None:
    provider = provider_from_env({**BASE_ENV, "PARTNER_CENTER_REFRESH_TOKEN": REFRESH})

    assert isinstance(provider, RefreshTokenProvider)
    assert provider.scopes == (PARTNER_CENTER_USER_SCOPE,)
    assert isinstance(provider.store, MemoryRefreshTokenStore)
    assert provider.store.load() == REFRESH
    for text in (repr(provider), repr(provider.store)):
        assert SECRET not in text and REFRESH not in text


def test_refresh_token_file_selects_app_user_with_file_store(tmp_path: Path) -> None:
    token_file = tmp_path / "rt"
    token_file.write_text(REFRESH)

    provider = provider_from_env({**BASE_ENV, "PARTNER_CENTER_REFRESH_TOKEN_FILE": str(token_file)})

    assert isinstance(provider, RefreshTokenProvider)
    assert isinstance(provider.store, FileRefreshTokenStore)
    assert provider.store.path == token_file
    assert provider.store.load() == REFRESH
    assert REFRESH not in repr(provider.store)


def test_missing_refresh_token_file_without_seed_is_a_configuration_error(tmp_path: Path) -> None:
    env = {**BASE_ENV, "PARTNER_CENTER_REFRESH_TOKEN_FILE": str(tmp_path / "absent")}

    with pytest.raises(AuthConfigurationError) as caught:
        provider_from_env(env)
    assert "PARTNER_CENTER_REFRESH_TOKEN_FILE" in str(caught.value)
    assert caught.value.missing == ("PARTNER_CENTER_REFRESH_TOKEN",)


@pytest.mark.parametrize("missing", sorted(BASE_ENV))
def test_each_missing_variable_is_named_and_no_value_is_leaked(missing: str) -> None:
    env = {k: v for k, v in BASE_ENV.items() if k != missing}

    with pytest.raises(AuthConfigurationError) as caught:
        provider_from_env(env)

    assert caught.value.missing == (missing,)
    assert missing in str(caught.value)
    for other in set(BASE_ENV) - {missing}:
        assert other not in str(caught.value)
        assert BASE_ENV[other] not in str(caught.value)
        assert BASE_ENV[other] not in repr(caught.value)


def test_blank_variables_count_as_missing_and_all_are_listed() -> None:
    with pytest.raises(AuthConfigurationError) as caught:
        provider_from_env({"PARTNER_CENTER_CLIENT_SECRET": "  "})
    assert caught.value.missing == (
        "PARTNER_CENTER_CLIENT_ID", "PARTNER_CENTER_CLIENT_SECRET", "PARTNER_CENTER_TENANT_ID",
    )
    assert "PARTNER_CENTER_DEV_TOKEN" in str(caught.value)


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("https://login.microsoftonline.us", "https://login.microsoftonline.us/contoso-tenant"),
        ("https://login.chinacloudapi.cn/", "https://login.chinacloudapi.cn/contoso-tenant"),
        ("https://login.microsoftonline.us/other-tenant/", "https://login.microsoftonline.us/other-tenant"),
    ],
)
def test_authority_variable_selects_another_cloud(configured: str, expected: str) -> None:
    provider = provider_from_env({**BASE_ENV, "PARTNER_CENTER_AUTHORITY": configured})

    assert isinstance(provider, ClientCredentialsProvider)
    assert provider.authority == expected


def test_non_https_authority_is_refused() -> None:
    with pytest.raises(AuthConfigurationError) as caught:
        provider_from_env({**BASE_ENV, "PARTNER_CENTER_AUTHORITY": "http://127.0.0.1:9999"})
    assert "PARTNER_CENTER_AUTHORITY" in str(caught.value)


def test_file_store_writes_owner_only_and_replaces_atomically(tmp_path: Path) -> None:
    token_file = tmp_path / "rt"
    token_file.write_text("old")
    token_file.chmod(0o644)
    store = FileRefreshTokenStore(token_file)
    assert isinstance(store, RefreshTokenStore)
    inode_before = token_file.stat().st_ino

    old_umask = os.umask(0)
    try:
        store.save("new-token")
    finally:
        os.umask(old_umask)

    assert token_file.read_text() == "new-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.stat().st_ino != inode_before  # renamed into place, not rewritten in place
    assert [p.name for p in tmp_path.iterdir()] == ["rt"]


def test_file_store_keeps_the_old_token_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "rt"
    token_file.write_text("old")
    store = FileRefreshTokenStore(token_file)

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        store.save("new")

    assert token_file.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["rt"]


def test_file_store_seed_applies_only_until_the_file_exists(tmp_path: Path) -> None:
    token_file = tmp_path / "nested" / "rt"
    store = FileRefreshTokenStore(token_file, initial_token="seed")
    assert store.load() == "seed"

    store.save("rotated")
    assert store.load() == "rotated"
    assert FileRefreshTokenStore(token_file, initial_token="seed").load() == "rotated"


def test_memory_store_round_trip() -> None:
    store = MemoryRefreshTokenStore()
    assert store.load() is None
    store.save("t")
    assert store.load() == "t"

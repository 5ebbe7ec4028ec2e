"""The Azurite helper: a missing emulator skips locally with the reason and fails in CI (CI=true)."""

from __future__ import annotations

import pytest

from tests.support import azurite


@pytest.mark.parametrize("value, fails", [("true", True), ("1", True), ("", False), ("false", False)])
def test_unavailable_fails_in_ci_and_skips_locally(monkeypatch, value, fails):
    monkeypatch.setenv("CI", value)
    expected = pytest.fail.Exception if fails else pytest.skip.Exception
    with pytest.raises(expected, match="Azurite is not available: npm is not installed"):
        azurite.unavailable("npm is not installed")


def test_missing_npm_is_reported_when_azurite_is_not_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(azurite, "BIN", tmp_path / "no-such-azurite-blob")
    monkeypatch.setattr(azurite.shutil, "which", lambda name: None)
    with pytest.raises(azurite.AzuriteUnavailableError, match="npm is not installed"):
        azurite.ensure_installed()


def test_connection_string_points_at_loopback():
    assert "BlobEndpoint=http://127.0.0.1:12345/devstoreaccount1;" in azurite.Azurite(12345).connection_string
    name = azurite.container_name("x")
    assert 3 <= len(name) <= 63 and name == name.lower()

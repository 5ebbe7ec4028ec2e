"""Fixtures for the audit tests: one Azurite per session (installed and started by the tests themselves)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.support.azurite_fixtures import azurite, blob_fixture  # noqa: E402, F401


def pytest_configure(config: pytest.Config) -> None:
    # the sandbox keeps plain string request keys ("identity", "json") that its resource modules share
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")


blob = blob_fixture("au")

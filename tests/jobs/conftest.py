"""Fixtures for the job tests: Azurite for the two-instance test (see tests/support/azurite_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.support.azurite_fixtures import azurite  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")

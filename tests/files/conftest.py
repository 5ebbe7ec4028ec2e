"""Fixtures for the file delivery tests."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")

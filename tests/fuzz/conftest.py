"""Make `tests.support` importable when pytest is started as `.venv/bin/pytest` (rootdir not on sys.path)."""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


def pytest_configure(config) -> None:
    # the sandbox keeps plain string request keys ("identity", "json") that its resource modules share
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")

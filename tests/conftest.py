"""Suite-wide: the date the suite runs on.

`PARTNERBOT_TEST_NOW=2026-12-31T23:59Z pytest ...` runs every test as if it started at that instant: the process
clock (partner_center.clock, which the bot, the sandbox and its seed all read) is re-pinned before each test, so
each test starts at the same moment however long the ones before it took. Subprocesses the tests start inherit the
variable and pin their own clock to it on import. Unset, the suite runs on the real date.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from partner_center import clock


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    pinned = clock.pinned_from_env()
    clock.pin(pinned)
    yield
    clock.pin(pinned)


def pytest_report_header(config: pytest.Config) -> str:
    pinned = clock.pinned_from_env()
    return f"clock: pinned to {pinned} ({clock.ENV})" if pinned else "clock: real date"

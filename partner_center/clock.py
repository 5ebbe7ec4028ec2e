"""The one clock of the bot, the client and the sandbox: the wall clock moved by a process-wide offset.

Everything that asks "what time is it" (the seed's "last month", approval expiry, audit dates, period phrasings,
flow expiry, the sandbox's `Sandbox.now()`) reads `now()`, so a test or a CI run can put the whole process — and
every process it starts — on a fixed date. The clock keeps ticking from the pinned instant (timeouts, TTLs and
backoff still work); it is an offset, not a frozen value.

`PARTNERBOT_TEST_NOW` (an ISO date or date-time, UTC when no zone is given) pins the date when this module is
imported; tests/conftest.py re-pins it at the start of every test so each test starts at the same instant.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

ENV = "PARTNERBOT_TEST_NOW"

_offset = timedelta(0)


def now() -> datetime:
    """The current time (aware, UTC) on the process clock."""
    return datetime.now(UTC) + _offset


def timestamp() -> float:
    """`now()` as POSIX seconds, for code that keeps float times."""
    return now().timestamp()


def parse_when(text: str) -> datetime:
    """`2026-12-07`, `2026-12-31T23:59Z`, `2026-12-31T23:59:00+00:00` -> an aware UTC datetime."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    when = datetime.fromisoformat(raw)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def pin(when: datetime | str | None) -> None:
    """Make `now()` read `when` at this instant (and tick on from there); None goes back to the wall clock."""
    global _offset
    if when is None:
        _offset = timedelta(0)
        return
    target = parse_when(when) if isinstance(when, str) else when.astimezone(UTC)
    _offset = target - datetime.now(UTC)


def offset() -> timedelta:
    return _offset


def pinned_from_env(env: dict[str, str] | None = None) -> str | None:
    """The pinned date from the environment, if any (validated)."""
    raw = (env if env is not None else os.environ).get(ENV, "").strip()
    if not raw:
        return None
    try:
        parse_when(raw)
    except ValueError:
        raise ValueError(f"{ENV} must be an ISO date or date-time such as 2026-12-07 or 2026-12-31T23:59Z, "
                         f"not {raw!r}") from None
    return raw


pin(pinned_from_env())

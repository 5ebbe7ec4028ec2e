"""What new commerce lets you still undo, as plain data for previews and reads (api.md §23.2-§23.3).

A client decides from the resource itself: a cancellation is allowed while `now <= cancellationAllowedUntilDate`,
a reduction by n seats while n <= the seats of `refundableQuantity.details` whose deadline has not passed; the term
ends at the end of `commitmentEndDate` and renews the next day. Nothing here calls Partner Center or renders text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dialogs.periods import Window, parse_period
from partner_center import clock as process_clock

# Tests may replace this to line the bot's clock up with the sandbox's (Sandbox.now()).
clock: Callable[[], datetime] = process_clock.now


def now() -> datetime:
    return clock()


NCE = "OnlineServicesNCE"


@dataclass(frozen=True)
class WindowState:
    """A subscription's cancellation window and renewal as of `at`."""

    new_commerce: bool
    can_cancel: bool
    cancel_until: datetime | None
    refundable: int
    refundable_until: datetime | None  # the latest deadline among seats still refundable
    renews_on: date | None
    auto_renew: bool
    scheduled: Any  # ScheduledNextTermInstructions or None
    at: datetime

    def hours_left(self, until: datetime | None = None) -> int:
        until = until or self.cancel_until
        if until is None:
            return 0
        return max(0, int((until - self.at).total_seconds() // 3600))


def window_of(sub: Any, at: datetime | None = None) -> WindowState:
    at = at or now()
    nce = (sub.product_type_id or "") == NCE
    until = sub.cancellation_allowed_until_date
    details = [d for d in (sub.refundable_details or []) if d.allowed_until is not None and d.allowed_until >= at]
    refundable = sum(int(d.quantity or 0) for d in details)
    end = sub.commitment_end_date
    renews = end.date() + timedelta(days=1) if end is not None and end.year < 9000 else None
    return WindowState(
        new_commerce=nce, can_cancel=nce and until is not None and at <= until, cancel_until=until,
        refundable=refundable if nce else 0,
        refundable_until=max((d.allowed_until for d in details), default=None),
        renews_on=renews, auto_renew=bool(sub.auto_renew_enabled),
        scheduled=sub.scheduled_next_term_instructions, at=at)


# ----------------------------------------------------------------------------------------------- periods ahead

_NEXT_DAYS = re.compile(r"(?:next|coming|within)\s+(\d{1,3})\s*(day|week|month)s?|(\d{1,3})\s*天內|"
                        r"未來\s*(\d{1,3})\s*天", re.I)


def period_ahead(text: str | None, today: date) -> Window:
    """A forward-looking window for "what renews ..." (default: the next 30 days, today included)."""
    s = (text or "").strip().lower()
    if not s:
        return Window(today, today + timedelta(days=31))
    m = _NEXT_DAYS.search(s)
    if m:
        if m.group(1):
            n, unit = int(m.group(1)), m.group(2).lower()
            days = n * {"day": 1, "week": 7, "month": 30}[unit]
        else:
            days = int(m.group(3) or m.group(4))
        return Window(today, today + timedelta(days=days + 1))
    if "this week" in s or "本週" in s or "這週" in s:
        return Window(today, today + timedelta(days=7 - today.weekday()))
    if "next week" in s or "下週" in s:
        start = today + timedelta(days=7 - today.weekday())
        return Window(start, start + timedelta(days=7))
    if "next month" in s or "下個月" in s:
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return Window(date(year, month, 1), end)
    if "today" in s or "今天" in s:
        return Window(today, today + timedelta(days=1))
    found = parse_period(s, today)
    if found is None:
        return Window(today, today + timedelta(days=31))
    if found.end <= today:  # "March" asked in December means next March
        found = Window(found.start.replace(year=found.start.year + 1), found.end.replace(year=found.end.year + 1))
    return Window(max(found.start, today), found.end)


# ----------------------------------------------------------------------------------------------- words -> values

def parse_term(text: str | None) -> str | None:
    s = (text or "").strip().lower()
    if not s:
        return None
    if s.upper() in {"P1M", "P1Y", "P3Y"}:
        return s.upper()
    if re.search(r"\b(3|three)[ -]?(year|yr)|triennial|三年", s):
        return "P3Y"
    if re.search(r"\b(1|one)[ -]?(year|yr)|annual|yearly|\byear\b|一年|年約", s):
        return "P1Y"
    if re.search(r"\b(1|one)[ -]?month|monthly|\bmonth\b|月約|一個月", s):
        return "P1M"
    return ""


def parse_cycle(text: str | None) -> str | None:
    s = (text or "").strip().lower()
    if not s:
        return None
    if re.search(r"triennial|3 ?year|三年", s):
        return "triennial"
    if re.search(r"month|每月|月繳", s):
        return "monthly"
    if re.search(r"annual|year|每年|年繳", s):
        return "annual"
    return ""

"""Turn a period as written ("last month", "March 2026", "this year", "since October") into a date window."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from partner_center import clock

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # exclusive

    def contains(self, iso: str | None) -> bool:
        if not iso:
            return False
        try:
            day = datetime.fromisoformat(str(iso).replace("Z", "+00:00")).date()
        except ValueError:
            return False
        return self.start <= day < self.end


def _month(year: int, month: int) -> Window:
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Window(date(year, month, 1), end)


def parse_period(text: str | None, today: date | None = None) -> Window | None:
    """A window for the common phrasings; None when the text names no period we understand (no filtering)."""
    if not text:
        return None
    today = today or clock.now().date()
    s = text.strip().lower()
    if "last month" in s or "previous month" in s or "上個月" in s:
        year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
        return _month(year, month)
    if "this month" in s or "current" in s or "本月" in s or "這個月" in s:
        return _month(today.year, today.month)
    if "last year" in s or "去年" in s:
        return Window(date(today.year - 1, 1, 1), date(today.year, 1, 1))
    if "this year" in s or "今年" in s:
        return Window(date(today.year, 1, 1), date(today.year + 1, 1, 1))
    match = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月", s) or re.search(r"(\d{4})-(\d{1,2})\b", s)
    if match:
        return _month(int(match.group(1)), int(match.group(2)))
    names = re.findall(r"[a-z]+", s)
    months = [_MONTHS[n] for n in names if n in _MONTHS]
    year_match = re.search(r"\b(20\d{2})\b", s)
    if months:
        year = int(year_match.group(1)) if year_match else today.year
        first = _month(year if months[0] <= today.month or year_match else year - 1, months[0])
        if "since" in s or "from" in s and len(months) == 1:
            return Window(first.start, date(today.year + 1, 1, 1))
        if len(months) > 1:
            last = _month(first.start.year if months[-1] >= months[0] else first.start.year + 1, months[-1])
            return Window(first.start, last.end)
        return first
    if year_match:
        year = int(year_match.group(1))
        return Window(date(year, 1, 1), date(year + 1, 1, 1))
    return None

"""Turn a period as written ("last month", "March 2026", "Q3", "this year", "since October", "上個月") into a date
window, counted in the user's own calendar: `user_today()` reads the turn's clock and the time zone Teams reports
(activity.localTimezone / the clientInfo entity): at 00:30 on 1 December in Taipei, "this month" is December
although UTC is still in November."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def user_today(extras: dict[str, Any]) -> date:
    """Today in the user's time zone: the turn's clock (`extras["now"]`, the engine's injectable clock) seen from
    `extras["timezone"]` (an IANA name from Teams); UTC when Teams sent none or an unknown one."""
    now = extras.get("now")
    if not isinstance(now, datetime):
        now = clock.now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    name = extras.get("timezone")
    try:
        zone = ZoneInfo(name) if isinstance(name, str) and name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return now.astimezone(zone).date()


def _quarter(year: int, q: int) -> Window:
    start = date(year, 3 * (q - 1) + 1, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Window(start, end)


_ZH_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ZH_MONTHS = {"十二": 12, "十一": 11, "十": 10, "九": 9, "八": 8, "七": 7, "六": 6, "五": 5, "四": 4, "三": 3,
              "二": 2, "一": 1}


def _quarter_window(s: str, today: date) -> Window | None:
    current = (today.month - 1) // 3 + 1
    if "last quarter" in s or "previous quarter" in s or "上季" in s or "上一季" in s:
        year, q = (today.year - 1, 4) if current == 1 else (today.year, current - 1)
        return _quarter(year, q)
    if "this quarter" in s or "current quarter" in s or "本季" in s or "這一季" in s:
        return _quarter(today.year, current)
    match = re.search(r"\bq([1-4])\b(?:\s*(20\d{2}))?", s) or re.search(r"第\s*([一二三四1-4])\s*季", s)
    if not match:
        return None
    q = _ZH_QUARTERS[match.group(1)]
    year_match = re.search(r"(20\d{2})", s)
    year = int(year_match.group(1)) if year_match else (today.year if q <= current else today.year - 1)
    return _quarter(year, q)


def _zh_month(s: str) -> int | None:
    match = re.search(r"(\d{1,2})\s*月", s)
    if match and 1 <= int(match.group(1)) <= 12:
        return int(match.group(1))
    for word, month in _ZH_MONTHS.items():  # longest first: 十二 before 十 and 二
        if f"{word}月" in s:
            return month
    return None


def parse_period(text: str | None, today: date | None = None) -> Window | None:
    """A window for the common phrasings; None when the text names no period we understand (no filtering).
    Pass `today` from user_today(): the window is in the user's calendar."""
    if not text:
        return None
    today = today or clock.now().date()
    s = text.strip().lower()
    days = re.search(r"(?:last|past)\s+(\d{1,3})\s+days|(?:過去|最近)\s*(\d{1,3})\s*天", s)
    if days:
        n = int(days.group(1) or days.group(2))
        return Window(date.fromordinal(today.toordinal() - n), today)
    quarter = _quarter_window(s, today)
    if quarter is not None:
        return quarter
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
    zh = _zh_month(s)
    if zh is not None:
        first = _month(today.year if zh <= today.month else today.year - 1, zh)
        if "以來" in s or "起" in s or "從" in s or "自" in s:
            return Window(first.start, date(today.year + 1, 1, 1))
        return first
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


def check_window(window: Window, today: date, kept_months: int) -> str | None:
    """Why a window cannot have data: "future" (starts after today) or "too_old" (ends before the oldest month
    kept); None when some of it can. Handlers turn these into plain answers (`period.future`, `period.too_old`)."""
    if window.start > today:
        return "future"
    if window.end <= oldest_kept(today, kept_months):
        return "too_old"
    return None


def oldest_kept(today: date, kept_months: int) -> date:
    """First day of the oldest month still kept."""
    oldest = today.replace(day=1)
    for _ in range(kept_months):
        oldest = date(oldest.year - 1, 12, 1) if oldest.month == 1 else date(oldest.year, oldest.month - 1, 1)
    return oldest

"""The one localized text catalog of PartnerBot, plus locale-aware formatting of numbers, money and dates.

Every user-facing string of the cards (and the dialog engine's plain-text messages) comes from
`cards/locales/<locale>.json` and `cards/locales/<locale>/*.json` (one file per area) through `t()`.
en-US is the reference catalog; other locales fall back to it,
so a missing translation shows English instead of crashing a turn. Formatting lives here too so that a card
never shows "2026-03-12T00:00:00Z" or "1234.5" raw.
"""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_LOCALE = "en-US"
SUPPORTED_LOCALES = ("en-US", "zh-TW")
LOCALES_DIR = Path(__file__).parent / "locales"

# Language tags that should read Traditional Chinese (Taiwan) text.
_ZH_HANT = re.compile(r"^zh[-_](hant|tw|hk|mo)\b", re.IGNORECASE)


def resolve_locale(locale: str | None) -> str:
    """Map any BCP-47 tag to a catalog we ship: exact match, Traditional Chinese variants -> zh-TW, else en-US."""
    if not locale:
        return DEFAULT_LOCALE
    tag = locale.strip().replace("_", "-")
    for known in SUPPORTED_LOCALES:
        if tag.lower() == known.lower():
            return known
    if _ZH_HANT.match(tag):
        return "zh-TW"
    return DEFAULT_LOCALE


@cache
def catalog(locale: str) -> dict[str, str]:
    """The raw key -> template mapping of one shipped locale (cached; the files are read once)."""
    if locale not in SUPPORTED_LOCALES:
        raise KeyError(f"no catalog for locale {locale!r}")
    merged: dict[str, str] = {}
    # The catalog is one namespace spread over files: <locale>.json (core) and <locale>/<area>.json (one per
    # area, so that areas add their text without touching each other's). A key defined twice is an error.
    paths = [LOCALES_DIR / f"{locale}.json", *sorted((LOCALES_DIR / locale).glob("*.json"))]
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        for key, value in data.items():
            if key.startswith("_"):
                continue
            if key in merged:
                raise ValueError(f"locale key {key!r} is defined twice ({path.name})")
            merged[key] = value
    return merged


def has_key(key: str) -> bool:
    """True when the reference catalog defines `key` (for optional, data-driven keys such as enum labels)."""
    return key in catalog(DEFAULT_LOCALE)


def placeholders(template: str) -> set[str]:
    """Names of the `{placeholders}` in a template (used by the catalog completeness test)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def t(key: str, locale: str = DEFAULT_LOCALE, **kwargs: Any) -> str:
    """Localized text for `key`, with `{placeholders}` filled from kwargs.

    Values are inserted as given (format numbers, dates and money first with the helpers below: an error
    code must not become "800,090"). An unknown key or a missing placeholder raises KeyError: a programming
    error that the catalog tests catch, never a user-data problem.
    """
    loc = resolve_locale(locale)
    template = catalog(loc).get(key)
    if template is None:
        template = catalog(DEFAULT_LOCALE)[key]
    return template.format_map(kwargs)


def t_count(key: str, count: int, locale: str = DEFAULT_LOCALE, **kwargs: Any) -> str:
    """Plural-aware text: picks `<key>.one` or `<key>.other` and fills `{count}` with the formatted number."""
    form = "one" if count == 1 else "other"
    return t(f"{key}.{form}", locale, count=format_number(count, locale), **kwargs)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------- numbers


def _to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_number(value: Any, locale: str = DEFAULT_LOCALE, decimals: int | None = None) -> str:
    """Group thousands ("1,234.5"); both shipped locales use "," and "." . Non-numbers are shown verbatim."""
    number = _to_decimal(value)
    if number is None or not number.is_finite():
        return "" if value is None else str(value)
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return f"{number:,.{decimals}f}"
    if number == number.to_integral_value():
        return f"{number.to_integral_value():,f}"
    return f"{number.normalize():,f}"


# Symbols as CLDR shows them in each locale; other currencies fall back to "CODE 1,234.00".
_CURRENCY_SYMBOLS = {
    "en-US": {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "TWD": "NT$", "CAD": "CA$", "AUD": "A$"},
    "zh-TW": {"USD": "US$", "EUR": "€", "GBP": "£", "JPY": "¥", "TWD": "$", "CAD": "CA$", "AUD": "AU$"},
}
_ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW"}


def format_currency(
    amount: Any, currency: str | None, locale: str = DEFAULT_LOCALE, symbol: str | None = None
) -> str:
    """Money as "$1,234.50" / "US$1,234.50"; an unknown currency as "CHF 1,234.50". Non-numbers verbatim.

    `symbol` is Partner Center's `currencySymbol`; it is used only when the locale has no symbol of its own
    for the code (Partner Center's symbol is for the partner's market, not the reader's language).
    """
    loc = resolve_locale(locale)
    number = _to_decimal(amount)
    if number is None:
        return "" if amount is None else str(amount)
    code = (currency or "").upper()
    decimals = 0 if code in _ZERO_DECIMAL_CURRENCIES else 2
    digits = format_number(abs(number), loc, decimals)
    sign = "-" if number < 0 else ""
    sym = _CURRENCY_SYMBOLS[loc].get(code) or symbol
    if sym:
        return f"{sign}{sym}{digits}"
    return f"{sign}{code} {digits}".strip() if code else f"{sign}{digits}"


# ---------------------------------------------------------------------------------------------- dates

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:\.(?P<frac>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


def parse_datetime(value: Any) -> datetime | None:
    """Parse Partner Center's ISO-8601 (0-7 fractional digits, Z/offset/naive) into an aware UTC datetime.

    Returns None for anything unparseable (the caller then shows the raw text).
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    match = _ISO_RE.match(value.strip())
    if not match:
        return None
    text = match["date"] + "T" + (match["time"] or "00:00")
    if match["time"] and len(match["time"]) == 5:
        text += ":00"
    if match["frac"]:
        text += "." + match["frac"][:6].ljust(6, "0")
    tz = match["tz"] or "+00:00"
    text += "+00:00" if tz == "Z" else (tz if ":" in tz else tz[:3] + ":" + tz[3:])
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None


def is_empty_date(value: Any) -> bool:
    """Partner Center writes "no date" as 0001-01-01 (and missing values as null or "")."""
    if value in (None, ""):
        return True
    parsed = parse_datetime(value)
    return parsed is not None and parsed.year <= 1


def format_date(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """"12 Mar 2026" (en-US) / "2026年3月12日" (zh-TW); empty dates -> "—", far-future -> "no end date"."""
    loc = resolve_locale(locale)
    if is_empty_date(value):
        return t("common.none", loc)
    parsed = parse_datetime(value)
    if parsed is None:
        return str(value)
    if parsed.year >= 9999:
        return t("common.no_end_date", loc)
    if loc == "zh-TW":
        return f"{parsed.year}年{parsed.month}月{parsed.day}日"
    return f"{parsed.day} {_EN_MONTHS[parsed.month - 1]} {parsed.year}"


def format_datetime(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """Date plus UTC time: "12 Mar 2026 14:05 UTC" / "2026年3月12日 14:05 UTC"."""
    parsed = parse_datetime(value)
    if parsed is None or is_empty_date(value) or parsed.year >= 9999:
        return format_date(value, locale)
    return f"{format_date(parsed, locale)} {parsed:%H:%M} UTC"


# ---------------------------------------------------------------------------------------------- values

_DURATION_RE = re.compile(r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<d>\d+)D)?$", re.IGNORECASE)


def format_term(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """ISO-8601 term durations as words ("P1Y" -> "1 year", "P3Y" -> "3 years"); anything else verbatim."""
    if value in (None, ""):
        return t("common.none", locale)
    match = _DURATION_RE.match(str(value).strip())
    if not match or not any(match.groupdict().values()):
        return str(value)
    parts = []
    for unit, group in (("year", "y"), ("month", "m"), ("day", "d")):
        if match[group]:
            count = int(match[group])
            parts.append(t(f"unit.{unit}.{'one' if count == 1 else 'other'}", locale, n=count))
    return " ".join(parts)


def enum_label(group: str, value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """Localized label of a Partner Center enum value; unknown values (and integers) are shown verbatim."""
    if value is None or value == "":
        return t("common.none", locale)
    key = f"enum.{group}.{str(value).strip().lower().replace(' ', '_')}"
    return t(key, locale) if has_key(key) else str(value)


def yes_no(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """Booleans as Yes/No; None as "—"."""
    if value is None:
        return t("common.none", locale)
    return t("common.yes" if value else "common.no", locale)


def format_value(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """Best-effort display of a plain value: bool -> Yes/No, number -> grouped, None -> "—", else str."""
    if value is None or value == "":
        return t("common.none", locale)
    if isinstance(value, bool):
        return yes_no(value, locale)
    if _is_number(value):
        return format_number(value, locale)
    return str(value)


def join_list(items: list[str], locale: str = DEFAULT_LOCALE) -> str:
    """"a, b, c" (en-US) / "a、b、c" (zh-TW)."""
    return t("common.list_separator", locale).join(items)

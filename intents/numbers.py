"""Numbers as people type them: digits, "twenty-five", "a dozen", "$10,000", "5k", "x15", 二十五."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
SPECIAL = {"dozen": 12, "couple": 2, "pair": 2, "single": 1}
NUMBER_WORDS = set(UNITS) | set(TENS) | set(SCALES) | set(SPECIAL) | {"a", "an", "and", "half", "of"}

_WORD_NUM = "|".join(sorted(set(UNITS) | set(TENS) | set(SCALES), key=len, reverse=True))
_ENGLISH = re.compile(
    rf"\b(?:(?:half\s+a|a\s+couple\s+of|a\s+pair\s+of|a|an)\s+dozen|a\s+couple(?:\s+of)?|a\s+pair\s+of|"
    rf"(?:a\s+|an\s+)?(?:{_WORD_NUM})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD_NUM}|dozen))*|dozen)\b",
    re.I,
)
_DIGITS = re.compile(
    r"(?:(?<=\bx)|(?<=\bX)|(?<![\w.]))\$?(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)(?:([kK])\b)?"
    r"(?![\w@]|\.\w|-\w)"
)
_CJK_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
               "八": 8, "九": 9}
_CJK_SCALES = {"十": 10, "百": 100, "千": 1000, "萬": 10000, "万": 10000}
_CJK = re.compile(r"一打|半打|[零〇一二兩两三四五六七八九十百千萬万]+")
MAX_DIGITS = 15  # longer digit runs are ids or noise, never quantities


@dataclass(frozen=True)
class NumberMention:
    start: int
    end: int
    value: int
    surface: str


def _english_value(words: list[str]) -> int | None:
    total, current, seen = 0, 0, False
    for i, w in enumerate(words):
        if w in {"a", "an"}:
            if i + 1 < len(words) and words[i + 1] in SCALES | {"dozen": 12} and not current:
                current = 1
            continue
        if w in {"and", "of"}:
            continue
        if w == "half":
            current = 0.5  # type: ignore[assignment]
            continue
        if w in UNITS:
            current += UNITS[w]
        elif w in TENS:
            current += TENS[w]
        elif w in SPECIAL:
            current = (current or 1) * SPECIAL[w]
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in SCALES:
            total += (current or 1) * SCALES[w]
            current = 0
        else:
            return None
        seen = True
    value = total + current
    return int(value) if seen and value == int(value) else None


def cjk_value(text: str) -> int | None:
    """二十五 -> 25, 一百二十 -> 120, 兩千 -> 2000, 一打 -> 12."""
    if text == "一打":
        return 12
    if text == "半打":
        return 6
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CJK_DIGITS:
            digit = _CJK_DIGITS[ch]
        elif ch in _CJK_SCALES:
            scale = _CJK_SCALES[ch]
            if scale == 10000:
                total += (section + (digit or 0)) * scale
                section = 0
            else:
                section += (1 if digit is None else digit) * scale
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in the text with its integer value (decimals are dropped), in order."""
    found: list[NumberMention] = []
    for m in _DIGITS.finditer(text):
        raw, suffix = m.group(1), m.group(2)
        whole, _, fraction = raw.replace(",", "").partition(".")
        if len(whole) > MAX_DIGITS:  # not a quantity (and float() overflows at 309 digits): an id, if anything
            continue
        value = Decimal(f"{whole}.{fraction[:MAX_DIGITS]}" if fraction else whole)
        if suffix:
            value *= 1000 if suffix.lower() == "k" else 1_000_000
        if value != value.to_integral_value():
            continue
        found.append(NumberMention(m.start(), m.end(), int(value), m.group()))
    for m in _ENGLISH.finditer(text):
        words = [w.lower() for w in re.split(r"[\s-]+", m.group()) if w]
        value = _english_value(words)
        if value is not None and not (words == ["a"] or words == ["an"]):
            found.append(NumberMention(m.start(), m.end(), value, m.group()))
    for m in _CJK.finditer(text):
        value = cjk_value(m.group())
        if value is not None:
            found.append(NumberMention(m.start(), m.end(), value, m.group()))
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    result: list[NumberMention] = []
    for n in found:
        if not result or n.start >= result[-1].end:
            result.append(n)
    return result

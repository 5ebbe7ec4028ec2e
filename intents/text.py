"""Tokenising with character offsets, so that slots can be cut from the user's own text (typos included)."""

from __future__ import annotations

import re
from dataclasses import dataclass

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{CJK}]|(?:(?![{CJK}])[^\W_])+|[^\s]", re.UNICODE)
_CJK_CHAR = re.compile(rf"[{CJK}]")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()

    @property
    def is_cjk(self) -> bool:
        return bool(_CJK_CHAR.match(self.text))


def tokenize(text: str) -> list[Token]:
    """Words (letters/digits runs), single CJK characters and single punctuation marks, with offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def has_cjk(text: str) -> bool:
    return bool(_CJK_CHAR.search(text))


_CJK_LATIN = re.compile(rf"(?<=[{CJK}])(?=[A-Za-z0-9$])|(?<=[A-Za-z0-9%])(?=[{CJK}])")


def clean_text(text: str) -> str:
    """Unify quotes/dashes so that patterns need only one spelling; space CJK off from Latin words so that
    word-boundary patterns work in mixed zh-TW/English messages ("列出this year的發票")."""
    text = _CJK_LATIN.sub(" ", text)
    return (
        text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
        .replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    )


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, cut off early above `limit`."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def typo_tolerance(word: str) -> int:
    """How many edits a word of this length may carry and still count as the same word."""
    n = len(word)
    return 0 if n < 4 else 1 if n < 8 else 2


def strip_possessive(value: str) -> str:
    value = value.strip()
    if value.endswith("'s") or value.endswith("\u2019s"):
        return value[:-2]
    if value.endswith("'") or value.endswith("\u2019"):
        return value[:-1]
    return value

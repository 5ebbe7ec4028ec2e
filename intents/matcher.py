"""Typo-tolerant phrase matching over tokens, mapping every match back to the user's own characters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from intents.text import Token, edit_distance, tokenize, typo_tolerance


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _short_typo(typed: str, known: str) -> bool:
    """A 4-letter word is only a typo for swapped or dropped letters ("lsit", "usrs"): with substitutions allowed,
    everyday words would become domain words ("play" -> "plan", "mate" -> "make")."""
    if len(known) == len(typed) + 1:
        return True
    if len(known) != len(typed):
        return False
    diff = [i for i, (a, b) in enumerate(zip(typed, known, strict=True)) if a != b]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and typed[diff[0]] == known[diff[1]] \
        and typed[diff[1]] == known[diff[0]]


class Corrector:
    """Maps an unknown word to the closest known word (SymSpell-style deletion index, so lookups stay fast)."""

    def __init__(self, words: Iterable[str], frequencies: dict[str, int] | None = None):
        self.words = {w for w in words if w}
        self.freq = frequencies or {}
        self._index: dict[str, list[str]] = {}
        for w in self.words:
            if w.isalpha() and len(w) >= 4:
                for d in _deletes(w, typo_tolerance(w)):
                    self._index.setdefault(d, []).append(w)
        self._cache: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The known word itself, its closest known spelling within tolerance, or None."""
        if word in self.words:
            return word
        if word in self._cache:
            return self._cache[word]
        best: str | None = None
        tol = typo_tolerance(word)
        if tol and word.isalpha():
            candidates = {c for d in _deletes(word, tol) for c in self._index.get(d, ())}
            scored = []
            for c in candidates:
                limit = min(tol, typo_tolerance(c))
                dist = edit_distance(word, c, limit)
                if dist <= limit and c[0] == word[0] and (len(word) > 4 or _short_typo(word, c)):
                    scored.append((dist, -self.freq.get(c, 0), c))
            if scored:
                best = min(scored)[2]
        if len(self._cache) < 50_000:
            self._cache[word] = best
        return best


@dataclass(frozen=True)
class PhraseMatch:
    start: int  # character offsets in the original text
    end: int
    surface: str
    phrase: str  # the canonical phrase
    first_token: int  # token indices (inclusive, exclusive)
    last_token: int


class PhraseMatcher:
    """Longest-match search of known phrases (product names, roles) in tokenised text."""

    def __init__(self, phrases: Iterable[str], aliases: dict[str, tuple[str, ...]] | None = None,
                 skip: Iterable[str] = ("(", ")", "-", "+")):
        self.aliases = aliases or {}
        self.skip = set(skip)
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        vocab: set[str] = set()
        for phrase in phrases:
            keys = tuple(self._keys_of(phrase))
            if keys:
                self._by_first.setdefault(keys[0], []).append((keys, phrase))
                vocab.update(keys)
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))
        self.corrector = Corrector(vocab)

    def _keys_of(self, text: str) -> list[str]:
        keys: list[str] = []
        for tok in tokenize(text):
            if tok.text in self.skip:
                continue
            keys.extend(self.aliases.get(tok.low, (tok.low,)))
        return keys

    def expand(self, tokens: list[Token]) -> list[tuple[str, int]]:
        """(normalised key, token index) pairs; abbreviations become several keys of one token."""
        out: list[tuple[str, int]] = []
        for i, tok in enumerate(tokens):
            if tok.text in self.skip:
                continue
            low = tok.low
            if low in self.aliases:
                out.extend((k, i) for k in self.aliases[low])
            else:
                fixed = self.corrector.correct(low) if not low.isdigit() else None
                out.append((fixed or low, i))
        return out

    def find(self, text: str, tokens: list[Token] | None = None) -> list[PhraseMatch]:
        tokens = tokens if tokens is not None else tokenize(text)
        keys = self.expand(tokens)
        found: list[PhraseMatch] = []
        k = 0
        while k < len(keys):
            key, tok_index = keys[k]
            best: tuple[int, str] | None = None
            for phrase_keys, phrase in self._by_first.get(key, ()):
                n = len(phrase_keys)
                if tuple(kk for kk, _ in keys[k:k + n]) == phrase_keys:
                    # an abbreviation must be used whole: "BP" cannot end a match halfway
                    if k + n < len(keys) and keys[k + n][1] == keys[k + n - 1][1]:
                        continue
                    best = (n, phrase)
                    break
            if best and (k == 0 or keys[k - 1][1] != tok_index):
                n, phrase = best
                first, last = tok_index, keys[k + n - 1][1]
                end = tokens[last].end
                # keep the closing parenthesis of "Exchange Online (Plan 1)"
                opened = any(tokens[j].text == "(" for j in range(first, last + 1))
                if opened and last + 1 < len(tokens) and tokens[last + 1].text == ")":
                    last += 1
                    end = tokens[last].end
                found.append(PhraseMatch(tokens[first].start, end, text[tokens[first].start:end], phrase,
                                         first, last + 1))
                k += n
                while k < len(keys) and keys[k][1] <= last:
                    k += 1
            else:
                k += 1
        return found

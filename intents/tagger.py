"""A learned slot tagger that backs the slot rules: BIO labels per token from an averaged perceptron.

Features are the token and its neighbours (words, shapes, affixes), gazetteer marks from the entity analysis
(directory customer, product, role, e-mail, domain, id, number, other vendor's product), the intent and the
previous label (greedy left-to-right). Trained on train.jsonl, whose slot values are surface text, so the tagger
learns where a name, title or policy starts and ends from the words around it rather than from one rule per
intent. At inference only the labels of the intent's own slots are allowed. Formats (ids, GUIDs, e-mails,
domains, numbers, dates) stay with the rules; `quantity` is never tagged (it is normalised to digits).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any

from intents.classifier import Perceptron
from intents.entities import Analysis
from intents.text import clean_text, tokenize

UNTAGGED = frozenset({"quantity"})
_SHAPE = [(re.compile(r"^\d+$"), "d"), (re.compile(r"^[A-Z][a-z]+$"), "Xx"), (re.compile(r"^[A-Z0-9]+$"), "X"),
          (re.compile(r"^[a-z]+$"), "x")]


def _shape(text: str) -> str:
    for regex, name in _SHAPE:
        if regex.match(text):
            return name
    return "cjk" if "\u3400" <= text[0] <= "\u9fff" else "mix"


def _marks(analysis: Analysis) -> list[tuple[int, int, str]]:
    marks = [(s.start, s.end, s.kind) for s in analysis.spans]
    marks += [(c.start, c.end, "cust") for c in analysis.customers]
    marks += [(p.start, p.end, "addon" if analysis.is_addon(p) else "prod") for p in analysis.products]
    marks += [(r.start, r.end, "role") for r in analysis.roles]
    marks += [(n.start, n.end, "num") for n in analysis.numbers]
    return marks


def _gazetteer(analysis: Analysis) -> list[str]:
    """One mark per token: "cust-B", "prod-I", ... or "-"."""
    tokens = analysis.tokens
    starts = [t.start for t in tokens]
    out = ["-"] * len(tokens)
    # the first mark (in list order) that covers a token wins: apply them last to first; each mark visits only
    # the tokens it covers (a scan of every mark per token was quadratic on long messages)
    for start, end, kind in reversed(_marks(analysis)):
        for i in range(bisect_left(starts, start), bisect_left(starts, end)):
            out[i] = f"{kind}-{'B' if starts[i] == start else 'I'}"
    return out


def _token_features(words: list[str], shapes: list[str], gaz: list[str], i: int, intent: str, prev: str) -> list[str]:
    w = words[i]
    feats = ["b", "w=" + w, "s=" + shapes[i], "g=" + gaz[i], "p=" + prev, "i=" + intent, "ip=" + intent + prev,
             "pre=" + w[:3], "suf=" + w[-3:], "gp=" + gaz[i] + prev]
    for d in (-2, -1, 1, 2):
        j = i + d
        word = words[j] if 0 <= j < len(words) else ("<s>" if j < 0 else "</s>")
        feats.append(f"w{d}={word}")
        if d in (-1, 1):
            feats.append(f"g{d}={gaz[j] if 0 <= j < len(gaz) else '-'}")
            feats.append(f"s{d}={shapes[j] if 0 <= j < len(shapes) else '-'}")
    feats.append("w-1w=" + (words[i - 1] if i else "<s>") + "|" + w)
    feats.append("iw=" + intent + "|" + w)
    return feats


def _columns(analysis: Analysis) -> tuple[list[str], list[str], list[str]]:
    tokens = analysis.tokens
    return [t.low for t in tokens], [_shape(t.text) for t in tokens], _gazetteer(analysis)


def labels_for(text: str, slots: dict[str, str]) -> list[str] | None:
    """BIO labels of the cleaned text's tokens for the slot values found in it (None if a value is missing)."""
    text = clean_text(text)
    tokens = tokenize(text)
    labels = ["O"] * len(tokens)
    for slot, value in slots.items():
        if slot in UNTAGGED:
            continue
        value = clean_text(value).strip()
        start = text.find(value) if value else -1
        if start < 0:
            return None
        end = start + len(value)
        inside = [k for k, t in enumerate(tokens) if t.start >= start and t.end <= end]
        for n, k in enumerate(inside):
            labels[k] = ("B-" if n == 0 else "I-") + slot
    return labels


class SlotTagger:
    """Greedy BIO tagger over an averaged perceptron (see the module docstring)."""

    def __init__(self, model: Perceptron | None = None):
        self.model = model or Perceptron()

    def train(self, examples: list[tuple[Analysis, str, list[str]]], epochs: int = 4) -> None:
        data = []
        for analysis, intent, labels in examples:
            words, shapes, gaz = _columns(analysis)
            prev = "O"
            for i, label in enumerate(labels):
                data.append((_token_features(words, shapes, gaz, i, intent, prev), label))
                prev = label
        self.model.train(data, epochs=epochs, seeds=(7,))

    def tag(self, analysis: Analysis, intent: str, allowed: tuple[str, ...] | list[str]) -> dict[str, str]:
        """Slot -> surface text for the intent's allowed slots the tagger finds (first span of each slot)."""
        return {slot: analysis.text[start:end] for slot, (start, end) in self.spans(analysis, intent, allowed).items()}

    def spans(self, analysis: Analysis, intent: str,
              allowed: tuple[str, ...] | list[str]) -> dict[str, tuple[int, int]]:
        """Slot -> (start, end) in `analysis.text` of the first span tagged with it."""
        allowed = [s for s in allowed if s not in UNTAGGED]
        if not allowed or not analysis.tokens:
            return {}
        words, shapes, gaz = _columns(analysis)
        ok = ["O"] + [f"B-{s}" for s in allowed] + [f"I-{s}" for s in allowed]
        weights = self.model.weights
        known_customer = bool(analysis.customers)
        labels: list[str] = []
        prev = "O"
        for i in range(len(words)):
            # only the intent's own labels are scored: a few look-ups per feature instead of every label
            totals = dict.fromkeys(ok, 0.0)
            for f in dict.fromkeys(_token_features(words, shapes, gaz, i, intent, prev)):
                w = weights.get(f)
                if w:
                    for label in ok:
                        v = w.get(label)
                        if v:
                            totals[label] += v
            best, best_score = "O", totals["O"]
            for label in ok:
                score = totals[label]
                if label == "B-customer" and known_customer and not gaz[i].startswith("cust"):
                    continue  # the directory names a customer in this message: another span is not one
                if score > best_score and not (label.startswith("I-") and prev[2:] != label[2:]):
                    best, best_score = label, score
            labels.append(best)
            prev = best
        found: dict[str, tuple[int, int]] = {}
        tokens = analysis.tokens
        i = 0
        while i < len(labels):
            if labels[i].startswith("B-"):
                slot = labels[i][2:]
                j = i + 1
                while j < len(labels) and labels[j] == "I-" + slot:
                    j += 1
                if slot not in found:
                    found[slot] = (tokens[i].start, tokens[j - 1].end)
                i = j
            else:
                i += 1
        return found

    def to_json(self) -> dict[str, Any]:
        return self.model.to_json()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SlotTagger:
        return cls(Perceptron.from_json(data))

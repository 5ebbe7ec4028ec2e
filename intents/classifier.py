"""A small multi-class averaged perceptron over sparse string features, in pure Python.

Chosen over logistic regression because training only touches weights on mistakes (a second or so for a few
thousand examples) and prediction is a handful of dictionary look-ups, which keeps p99 latency well under 5 ms.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict


class Perceptron:
    def __init__(self) -> None:
        self.weights: dict[str, dict[str, float]] = {}
        self.classes: list[str] = []

    def scores(self, feats: list[str]) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        weights = self.weights
        for f in feats:
            w = weights.get(f)
            if w:
                for cls, value in w.items():
                    totals[cls] += value
        return totals

    def predict(self, feats: list[str]) -> list[tuple[str, float]]:
        """Classes with softmax confidences, best first."""
        totals = self.scores(feats)
        if not totals:
            return [(self.classes[0], 0.0)] if self.classes else []
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        top = ranked[0][1]
        exps = [(cls, math.exp(min(0.0, (s - top)) / self.temperature)) for cls, s in ranked[:8]]
        norm = sum(e for _, e in exps) + max(0, len(self.classes) - len(exps)) * math.exp(-30)
        return [(cls, e / norm) for cls, e in exps]

    temperature = 1.5

    def train(self, data: list[tuple[list[str], str]], epochs: int = 5, seeds: tuple[int, ...] = (7, 11, 23)) -> None:
        """Average of one averaged perceptron per seed (different example orders): steadier decisions at no
        prediction cost, because the average of linear models is one linear model."""
        self.classes = sorted({label for _, label in data})
        merged: dict[str, dict[str, float]] = {}
        for seed in seeds:
            for feat, row in self._train_once(data, epochs, seed).items():
                target = merged.setdefault(feat, {})
                for cls, w in row.items():
                    target[cls] = target.get(cls, 0.0) + w / len(seeds)
        self.weights = {f: {c: round(w, 5) for c, w in row.items() if abs(w) > 1e-4} for f, row in merged.items()}

    def _train_once(self, data: list[tuple[list[str], str]], epochs: int, seed: int) -> dict[str, dict[str, float]]:
        weights: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        totals: dict[tuple[str, str], float] = defaultdict(float)
        stamps: dict[tuple[str, str], int] = defaultdict(int)
        step = 0
        rng = random.Random(seed)
        order = list(range(len(data)))

        def update(feat: str, cls: str, delta: float) -> None:
            key = (feat, cls)
            totals[key] += (step - stamps[key]) * weights[feat][cls]
            stamps[key] = step
            weights[feat][cls] += delta

        for _ in range(epochs):
            rng.shuffle(order)
            for idx in order:
                feats, gold = data[idx]
                step += 1
                scores: dict[str, float] = defaultdict(float)
                for f in feats:
                    w = weights.get(f)
                    if w:
                        for cls, value in w.items():
                            scores[cls] += value
                guess = max(scores.items(), key=lambda kv: (kv[1], kv[0]))[0] if scores else ""
                # margin update: also learn when the gold class wins only narrowly
                if guess != gold or scores[gold] - max(
                        (v for c, v in scores.items() if c != gold), default=0.0) < 1.0:
                    rival = guess if guess != gold else max(
                        ((c, v) for c, v in scores.items() if c != gold), key=lambda kv: (kv[1], kv[0]),
                        default=(None, 0))[0]
                    for f in feats:
                        update(f, gold, 1.0)
                        if rival:
                            update(f, rival, -1.0)
        averaged: dict[str, dict[str, float]] = {}
        for feat, per_class in weights.items():
            row = {}
            for cls, w in per_class.items():
                key = (feat, cls)
                total = totals[key] + (step - stamps[key]) * w
                avg = total / step
                if abs(avg) > 1e-4:
                    row[cls] = round(avg, 5)
            if row:
                averaged[feat] = row
        return averaged

    def to_json(self) -> dict:
        return {"classes": self.classes, "weights": self.weights}

    @classmethod
    def from_json(cls, data: dict) -> Perceptron:
        model = cls()
        model.classes = data["classes"]
        model.weights = data["weights"]
        model.temperature = data.get("temperature", cls.temperature)
        return model

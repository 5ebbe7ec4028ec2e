"""The recognizer interface every understanding component implements (offline, LLM, chains of both).

The bot only ever sees `Recognizer.recognize(text, context) -> RecognizerResult`, so an LLM recognizer with
tool calling, the offline one, or "LLM first, offline fallback" are interchangeable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from intents.customers import CustomerDirectory

NONE_INTENT = "none"


@dataclass
class RecognizerResult:
    """Best intent, its confidence in [0, 1], slot values (surface text; quantity as digits), runner-ups."""

    intent: str
    score: float
    slots: dict[str, str]
    alternatives: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class RecognitionContext:
    """What the conversation already knows; recognizers may use it but must not invent slots from it."""

    locale: str = "en-US"
    customers: CustomerDirectory | None = None
    current_customer: str | None = None
    last_intent: str | None = None


@runtime_checkable
class Recognizer(Protocol):
    """Anything that turns one user message into an intent with slots."""

    async def recognize(self, text: str, context: RecognitionContext) -> RecognizerResult: ...

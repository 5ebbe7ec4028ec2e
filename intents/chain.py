"""Combining recognizers: "LLM first, offline fallback" behind the same `Recognizer` interface."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from intents.contract import load_intents
from intents.recognizer import NONE_INTENT, RecognitionContext, Recognizer, RecognizerResult
from intents.speech_act import guard

log = logging.getLogger(__name__)


class FallbackRecognizer:
    """Ask each recognizer in turn; the first confident answer with a known intent wins.

    A recognizer that raises, times out, proposes an intent outside the contract or answers below
    `min_score` is skipped (an LLM outage must not stop the bot). The last recognizer's answer is returned
    as is when nobody was confident, so the offline recognizer should come last. Every answer passes the
    speech-act guard: a question answered with a change or purchase becomes its read counterpart.
    """

    def __init__(self, recognizers: Sequence[Recognizer], min_score: float = 0.5, timeout_s: float = 8.0):
        if not recognizers:
            raise ValueError("FallbackRecognizer needs at least one recognizer")
        self._recognizers = list(recognizers)
        self._min_score = min_score
        self._timeout_s = timeout_s
        self._known = set(load_intents())

    async def recognize(self, text: str, context: RecognitionContext) -> RecognizerResult:
        last: RecognizerResult | None = None
        for index, recognizer in enumerate(self._recognizers):
            is_last = index == len(self._recognizers) - 1
            try:
                result = await asyncio.wait_for(recognizer.recognize(text, context), self._timeout_s)
            except Exception as exc:  # noqa: BLE001 - any failure means "try the next one"
                log.warning("recognizer %s failed: %s", type(recognizer).__name__, type(exc).__name__)
                continue
            if result.intent not in self._known:
                log.warning("recognizer %s proposed unknown intent", type(recognizer).__name__)
                continue
            result = guard(text, result)
            last = result
            if is_last or result.score >= self._min_score:
                return result
        return last or RecognizerResult(NONE_INTENT, 0.0, {})

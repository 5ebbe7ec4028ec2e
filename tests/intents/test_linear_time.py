"""The recognizer's work grows linearly with the message, and what it reads is bounded (issue 11).

Each case is timed at two lengths, 4x apart, with the length cap off: linear work is ~4x slower, quadratic work
16x (the patterns and overlap scans this guards against were that). The bound (10x) leaves room for a busy
machine; absolute times are not asserted here (see `partnerbot bench recognizer`), except the cap's: the longest
Teams message is read in well under 200 ms.
"""

from __future__ import annotations

import time

import pytest

from intents.numbers import find_numbers
from intents.offline import MAX_UNDERSTOOD_CHARS, OfflineRecognizer, bounded
from intents.recognizer import RecognitionContext

SHORT, LONG = 2_000, 8_000
RATIO_BOUND = 10.0
# Units repeated up to the length: each made at least one pattern quadratic before (issue 11), plus plain words.
UNITS = {
    "words": "show the invoices for last month ",
    "customer repeated": "show contoso ",
    "dots": "a.",
    "dotted words": "aaaa.",
    "addresses without domain": "a@b ",
    "emails": "a@b.co ",
    "tabs": "\t",
    "blank then comma": "    ,",
    "digits": "1",
    "domains": "contoso.com ",
    "hyphens": "a-",
    "cjk": "顯示發票",
    "mixed": "show contoso.com invoices, no wait, 25 seats; ",
    "vm sizes": "B4ms ",
    "emails and customers": "a@b.co contoso ",
}


def _repeat(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _best_time(recognizer: OfflineRecognizer, text: str, context: RecognitionContext, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        recognizer.recognize_sync(text, context)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.fixture(scope="module")
def uncapped(recognizer: OfflineRecognizer) -> OfflineRecognizer:
    recognizer.warm_up()
    whole = OfflineRecognizer(max_chars=None)
    whole.warm_up()
    return whole


@pytest.mark.parametrize("unit", list(UNITS.values()), ids=list(UNITS))
def test_recognizer_work_grows_linearly_with_the_message(uncapped: OfflineRecognizer,
                                                         context: RecognitionContext, unit: str) -> None:
    short = _best_time(uncapped, _repeat(unit, SHORT), context)
    long = _best_time(uncapped, _repeat(unit, LONG), context)
    ratio = long / max(short, 0.01)  # below 10 ms fixed costs and timer noise dominate
    assert ratio < RATIO_BOUND, f"{LONG / SHORT:.0f}x the text took {ratio:.1f}x the time ({short:.4f}s -> {long:.4f}s)"


def test_the_longest_teams_message_is_read_within_200_ms(recognizer: OfflineRecognizer,
                                                         context: RecognitionContext) -> None:
    text = _repeat("show contoso invoices for last month, a@b.co 25 seats; ", 28_000)
    recognizer.recognize_sync("warm up", context)
    assert _best_time(recognizer, text, context) < 0.2


def test_the_cap_keeps_whole_words_and_short_messages_untouched() -> None:
    assert bounded("show contoso", MAX_UNDERSTOOD_CHARS) == "show contoso"
    text = "word " * 1_000
    head = bounded(text, MAX_UNDERSTOOD_CHARS)
    assert len(head) <= MAX_UNDERSTOOD_CHARS and head.endswith("word")


def test_a_request_before_a_long_paste_is_still_understood(recognizer: OfflineRecognizer,
                                                           context: RecognitionContext) -> None:
    result = recognizer.recognize_sync("show invoices for contoso " + "x" * 27_000, context)
    assert result.intent == "invoices.list"


@pytest.mark.parametrize("digits", [309, 5_000])
def test_numbers_of_any_length_do_not_crash(recognizer: OfflineRecognizer, context: RecognitionContext,
                                             digits: int) -> None:
    assert find_numbers("9" * digits) == []
    assert find_numbers("add 25 seats")[0].value == 25
    assert find_numbers("2.5k")[0].value == 2500
    recognizer.recognize_sync("show invoice " + "9" * digits, context)

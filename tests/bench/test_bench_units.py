"""The bench's own arithmetic and bookkeeping: percentiles, reply accounting, name picking, the fan-out pacer."""

from __future__ import annotations

import math

from bench.driver import Step, TurnRecord, audit_replies
from bench.stats import latency_summary, percentile, ratio
from bench.turns import plain_names
from bot.local_channel import ConnectorCall
from dialogs.fanout import Pacer


def test_percentile_interpolates_between_ranks():
    samples = [10.0, 20.0, 30.0, 40.0]
    assert percentile(samples, 0) == 10.0
    assert percentile(samples, 100) == 40.0
    assert percentile(samples, 50) == 25.0
    assert math.isclose(percentile(list(range(1, 101)), 99), 99.01)
    assert math.isnan(percentile([], 50))


def test_latency_summary_in_milliseconds_with_throughput():
    summary = latency_summary([0.010, 0.020, 0.030], wall_s=1.5)
    assert summary["turns"] == 3 and summary["p50_ms"] == 20.0 and summary["max_ms"] == 30.0
    assert summary["turns_per_s"] == 2.0
    assert ratio(30.0, 10.0) == 3.0 and ratio(1.0, 0.0) is None


def _record(conversation: str, activity: str, expect: tuple[str, ...] = (), status: int = 201) -> TurnRecord:
    return TurnRecord(conversation, activity, Step("hi", expect), 0.0, 0.01, status)


def test_audit_counts_lost_duplicated_and_unexpected_replies():
    records = [_record("c1", "a1", ("Contoso",)), _record("c1", "a2"), _record("c2", "a3"),
               _record("c2", "a4", ("Fabrikam",)), _record("c3", "a5", status=500)]
    calls = [
        ConnectorCall("reply", "c1", "a1", {"text": "Subscriptions of Contoso Ltd"}),
        # a2: no reply (lost)
        ConnectorCall("reply", "c2", "a3", {"text": "one"}),
        ConnectorCall("send", "c2", None, {"text": "two", "replyToId": "a3"}),  # duplicated
        ConnectorCall("reply", "c2", "a4", {"text": "Subscriptions of Contoso Ltd"}),  # someone else's customer
        ConnectorCall("reply", "c3", "a5", {"text": "sorry"}),
        ConnectorCall("reply", "c9", "a1", {"text": "same activity id, other conversation"}),
    ]
    audit = audit_replies(records, calls)
    assert audit == {"turns": 5, "lost": 1, "duplicated": 1, "unexpected": 1, "http_errors": 1}


def test_plain_names_leave_out_shared_extended_and_odd_names():
    names = ["Contoso", "Contoso Ltd", "Fabrikam Inc", "Blue Logistics Ltd", "Blue Logistics Ltd",
             "Margie's Travel", "Summit Dental GmbH 42", "Northwind Traders"]
    assert plain_names(names) == ["Contoso Ltd", "Fabrikam Inc", "Northwind Traders"]


async def test_pacer_spaces_starts_evenly_without_drift():
    now = [100.0]
    starts = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds + 0.004  # every sleep overshoots a little

    pacer = Pacer(600, clock=lambda: now[0], sleep=sleep)  # one start per 0.1 s
    for _ in range(50):
        await pacer.wait()
        starts.append(now[0])
    # 50 starts span 49 intervals; overshoot does not accumulate from one start to the next
    assert 4.9 <= starts[-1] - starts[0] <= 4.9 + 0.01
    assert all(b - a >= 0.1 - 0.005 for a, b in zip(starts, starts[1:], strict=False))


async def test_pacer_catches_up_by_a_bounded_burst_only():
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(60, burst=2, clock=lambda: now[0], sleep=sleep)  # one start per second
    await pacer.wait()
    now[0] += 10.0  # idle (or slow responses) for ten intervals
    before = now[0]
    for _ in range(4):
        await pacer.wait()
    # no burst of ten catch-up starts: the pace resumes from now
    assert now[0] - before >= 3.0 - 1e-9

"""RateLimiter: never more than N request starts in any sliding window, FIFO under concurrency."""

import asyncio

import pytest

from partner_center import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def _max_in_any_window(starts: list[float], window: float) -> int:
    return max(sum(1 for t in starts if s <= t < s + window) for s in starts)


async def test_sequential_acquisitions_stay_under_the_limit():
    t = FakeTime()
    limiter = RateLimiter(5, 60.0, clock=t.clock, sleep=t.sleep)
    starts = []
    for _ in range(12):
        await limiter.acquire()
        starts.append(t.now)
        t.now += 1.0  # each request takes a second
    assert _max_in_any_window(starts, 60.0) == 5
    assert starts[5] == 60.0  # the sixth waits until the first leaves the window
    assert starts[10] == 120.0


async def test_concurrent_acquisitions_are_bounded():
    t = FakeTime()
    limiter = RateLimiter(3, 10.0, clock=t.clock, sleep=t.sleep)
    starts: list[float] = []

    async def worker() -> None:
        await limiter.acquire()
        starts.append(t.now)

    await asyncio.gather(*(worker() for _ in range(10)))
    assert len(starts) == 10
    assert _max_in_any_window(sorted(starts), 10.0) == 3
    assert sorted(starts) == [0, 0, 0, 10, 10, 10, 20, 20, 20, 30]


async def test_no_wait_below_the_limit():
    t = FakeTime()
    limiter = RateLimiter(500, 60.0, clock=t.clock, sleep=t.sleep)
    for _ in range(500):
        assert await limiter.acquire() == 0.0
    assert t.sleeps == [] and limiter.in_window == 500
    assert await limiter.acquire() == 60.0


def test_invalid_configuration():
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(5, 0)


async def test_wait_for_room_tells_when_slots_free_up_without_taking_one():
    t = FakeTime()
    limiter = RateLimiter(4, 60.0, clock=t.clock, sleep=t.sleep)
    assert limiter.wait_for_room(4) == 0.0
    for _ in range(3):
        await limiter.acquire()
        t.now += 10.0  # starts at 0, 10, 20
    assert limiter.in_window == 3 and limiter.wait_for_room(1) == 0.0
    assert limiter.wait_for_room(2) == pytest.approx(30.0)  # at 60 the first start leaves the window
    assert limiter.wait_for_room(3) == pytest.approx(40.0)
    assert limiter.in_window == 3, "asking takes no slot"
    with pytest.raises(ValueError):
        limiter.wait_for_room(5)

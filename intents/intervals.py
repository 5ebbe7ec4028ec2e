"""Non-overlapping spans of a message, checked in O(log n): the recognizer's "is this span still free?" tests
scanned every chosen span each time, quadratic in a message with thousands of entities (issue 11)."""

from __future__ import annotations

from bisect import bisect_right


class Occupied:
    """Half-open [start, end) intervals that never overlap one another."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        """True when [start, end) overlaps no interval taken so far."""
        i = bisect_right(self._starts, start)
        if i and self._ends[i - 1] > start:
            return False
        return i == len(self._starts) or end <= self._starts[i] or start == end

    def take(self, start: int, end: int) -> None:
        """Record [start, end); the caller checked `free` first."""
        i = bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)

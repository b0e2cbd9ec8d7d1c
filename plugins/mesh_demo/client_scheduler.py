"""The simulation's clock: a queue of callbacks ordered by (time, insertion order)."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

__all__ = ["EventQueue"]


class EventQueue:
    """Runs scheduled callbacks in time order; `now` is the time of the event being run."""

    __slots__ = ("_heap", "_seq", "now", "processed")

    def __init__(self, start: float) -> None:
        self.now = start
        self.processed = 0
        self._seq = 0
        self._heap: list[tuple[float, int, Callable[..., object], tuple[Any, ...]]] = []

    def at(self, when: float, callback: Callable[..., object], *args: Any) -> None:
        """Run `callback(*args)` at `when` (never earlier than now)."""
        heapq.heappush(self._heap, (max(when, self.now), self._seq, callback, args))
        self._seq += 1

    def after(self, delay: float, callback: Callable[..., object], *args: Any) -> None:
        self.at(self.now + delay, callback, *args)

    def run_until(self, until: float) -> int:
        """Run every callback due at or before `until`, then stand at `until`; returns the count."""
        heap, count = self._heap, 0
        while heap and heap[0][0] <= until:
            when, _, callback, args = heapq.heappop(heap)
            self.now = when
            callback(*args)
            count += 1
        self.now = max(self.now, until)
        self.processed += count
        return count

"""A bounded ring whose tuple view is rebuilt only after a change, so idle snapshots are free."""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["Ring"]

T = TypeVar("T")


class Ring(Generic[T]):
    """Keeps the newest `capacity` items; each item has a sequence number for in-place updates."""

    __slots__ = ("_items", "_start", "_total", "_view", "capacity")

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"ring capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._items: list[T] = []
        self._start = 0  # position of the oldest item once the ring is full
        self._total = 0  # items ever appended, which is also the next sequence number
        self._view: tuple[T, ...] | None = ()

    @property
    def next_seq(self) -> int:
        return self._total

    def __len__(self) -> int:
        return len(self._items)

    def append(self, item: T) -> int:
        """Add `item` as the newest, dropping the oldest when full; returns its sequence number."""
        if len(self._items) < self.capacity:
            self._items.append(item)
        else:
            self._items[self._start] = item
            self._start = (self._start + 1) % self.capacity
        self._total += 1
        self._view = None
        return self._total - 1

    def replace(self, seq: int, item: T) -> bool:
        """Swap the item with sequence number `seq`; False if it already fell off the ring."""
        oldest = self._total - len(self._items)
        if not oldest <= seq < self._total:
            return False
        self._items[(self._start + seq - oldest) % self.capacity] = item
        self._view = None
        return True

    def items(self) -> tuple[T, ...]:
        """Oldest first; the same tuple object until the ring changes."""
        if self._view is None:
            items, start = self._items, self._start
            self._view = tuple(items[start:] + items[:start]) if start else tuple(items)
        return self._view

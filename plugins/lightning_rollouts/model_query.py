"""Paging, sorting, filtering and id search over the whole rollout list, on the client.

This is the design's way, used while the list is small enough to fetch whole (see source_loading.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from deck.plugins.lightning_rollouts.model import Rollout
from deck.plugins.lightning_rollouts.model_display import duration_seconds, input_preview

__all__ = [
    "COLUMNS",
    "DEFAULT_PAGE_SIZE",
    "PAGE_SIZES",
    "RolloutIndex",
    "RolloutPage",
    "RolloutQuery",
    "query_rollouts",
]

PAGE_SIZES = (50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 100

# Sort keys per column; None means "no value": such rows go last in either direction.
_KEYS: dict[str, Callable[[Rollout, float], Any]] = {
    "rollout": lambda r, now: r.rollout_id,
    "attempt": lambda r, now: r.attempt.attempt_id if r.attempt else None,
    "input": lambda r, now: input_preview(r.input, 200),
    "status": lambda r, now: r.status,
    "resources": lambda r, now: r.resources_id,
    "mode": lambda r, now: r.mode,
    "start": lambda r, now: r.start_time,  # the rollout's, as the server sorts: one rule
    "duration": lambda r, now: duration_seconds(r, now=now),
    "heartbeat": lambda r, now: r.attempt.last_heartbeat_time if r.attempt else None,
    "worker": lambda r, now: r.attempt.worker_id if r.attempt else None,
}
COLUMNS = tuple(_KEYS)


@dataclass(frozen=True)
class RolloutQuery:
    """What the operator asked to see. `modes` may hold None for rollouts without a mode."""

    page: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    sort: str = "start"
    descending: bool = True
    statuses: frozenset[str] = field(default_factory=frozenset)
    modes: frozenset[str | None] = field(default_factory=frozenset)
    search: str = ""

    def __post_init__(self) -> None:
        if self.sort not in _KEYS:
            raise ValueError(f"unknown sort column {self.sort!r}; expected one of {COLUMNS}")
        if self.page_size <= 0:
            raise ValueError(f"page size must be positive, not {self.page_size}")


@dataclass(frozen=True, slots=True)
class RolloutPage:
    """One page of rows, with counts for the pager (`page` is clamped into range)."""

    rows: tuple[Rollout, ...]
    page: int
    page_count: int
    page_size: int
    matching: int
    total: int


class RolloutIndex:
    """Sort orders and filter results over one rollout list, each computed once and reused.

    Build one per snapshot; scrolling pages then only slices, and re-sorting by a column
    seen before costs nothing.
    """

    def __init__(self, rollouts: Sequence[Rollout], now: float | None = None):
        self.rollouts = tuple(rollouts)
        self._now = time.time() if now is None else now
        self._ascending: dict[str, tuple[list[int], list[int]]] = {}
        self._orders: dict[tuple[str, bool], tuple[int, ...]] = {}
        self._filtered: tuple[tuple[Any, ...], tuple[int, ...]] | None = None

    def order(self, sort: str, descending: bool) -> tuple[int, ...]:
        """Row indices in the given order; rows without a value come last either way."""
        cached = self._orders.get((sort, descending))
        if cached is None:
            present, absent = self._sorted(sort)
            cached = (*(reversed(present) if descending else present), *absent)
            self._orders[(sort, descending)] = cached
        return cached

    def warm(self, columns: Sequence[str] = COLUMNS) -> RolloutIndex:
        """Sort by every column now (call it off the UI thread), so no key pays for it later."""
        for column in columns:
            self._sorted(column)
        return self

    def _sorted(self, sort: str) -> tuple[list[int], list[int]]:
        """Indices with a value in ascending order (ties keep list order), then those without."""
        cached = self._ascending.get(sort)
        if cached is None:
            key, now = _KEYS[sort], self._now
            values = [key(r, now) for r in self.rollouts]
            present = [i for i, v in enumerate(values) if v is not None]
            present.sort(key=values.__getitem__)
            cached = (present, [i for i, v in enumerate(values) if v is None])
            self._ascending[sort] = cached
        return cached

    def matching(self, query: RolloutQuery) -> tuple[int, ...]:
        """Indices of the rows the query's filters keep, in the query's order."""
        signature = (query.sort, query.descending, query.statuses, query.modes, query.search)
        if self._filtered is not None and self._filtered[0] == signature:
            return self._filtered[1]
        order = self.order(query.sort, query.descending)
        rows = self.rollouts
        if query.statuses:
            statuses = query.statuses
            order = tuple(i for i in order if rows[i].status in statuses)
        if query.modes:
            modes = query.modes
            order = tuple(i for i in order if rows[i].mode in modes)
        if query.search:
            needle = query.search.strip().lower()
            order = tuple(i for i in order if needle in rows[i].rollout_id.lower())
        self._filtered = (signature, order)
        return order

    def query(self, query: RolloutQuery) -> RolloutPage:
        """The page of rows the query asks for."""
        order = self.matching(query)
        page_count = max(1, math.ceil(len(order) / query.page_size))
        page = min(max(0, query.page), page_count - 1)
        begin = page * query.page_size
        rows = tuple(self.rollouts[i] for i in order[begin : begin + query.page_size])
        return RolloutPage(rows, page, page_count, query.page_size, len(order), len(self.rollouts))


def query_rollouts(rollouts: Sequence[Rollout], query: RolloutQuery, now: float | None = None) -> RolloutPage:
    """One-off form of `RolloutIndex(rollouts).query(query)`."""
    return RolloutIndex(rollouts, now).query(query)

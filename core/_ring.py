"""The flight recorder's memory: every source's results as compressed records, bounded in time and size."""

from __future__ import annotations

import json
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Record", "Ring"]

# What a record costs besides its bytes: the object, its deque slot, its strings (measured, rounded up).
_OVERHEAD = 200


@dataclass(frozen=True)
class Record:
    """One result as it reached the deck: when, from which source, and its encoded form."""

    at: float
    seq: int
    source: str
    blob: bytes  # zlib-compressed: JSON (see _codec), or a pickled Result when `live`
    #: Recorded from this deck's own sources (pickled, five times cheaper than JSON; never read
    #: from a file), not read from a recording file.
    live: bool = False

    @property
    def size(self) -> int:
        """Bytes the record holds in memory, roughly."""
        return len(self.blob) + len(self.source) + _OVERHEAD

    def payload(self) -> dict[str, Any]:
        """The decompressed JSON of the result (value, error, fetched_at, stale, params)."""
        if self.live:
            raise ValueError("a live record holds a pickled result, not JSON")
        data = json.loads(zlib.decompress(self.blob))
        if not isinstance(data, dict):
            raise ValueError("a record that is not a JSON object")
        return data

    @staticmethod
    def pack(at: float, seq: int, source: str, payload: bytes, *, live: bool = False) -> Record:
        """A record of an encoded payload, compressed fast (level 1: the ring runs on every result)."""
        return Record(at, seq, source, zlib.compress(payload, 1), live)


class Ring:
    """Records in time order; the oldest go when the window or the budget is exceeded.

    A source's last record is never lost to eviction: it becomes that source's base, so that
    rewinding to any moment still shows every source (a source fetched once an hour included).
    """

    def __init__(self, window: float = 900.0, budget: int = 64 * 1024 * 1024) -> None:
        self.window = window
        self.budget = budget
        self.records: deque[Record] = deque()
        self.bases: dict[str, Record] = {}
        self.bytes = 0
        self._counts: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.records)

    def add(self, record: Record) -> None:
        """Keep a record, then evict what is too old or over the budget."""
        self.records.append(record)
        self.bytes += record.size
        self._counts[record.source] = self._counts.get(record.source, 0) + 1
        base = self.bases.pop(record.source, None)
        if base is not None:
            self.bytes -= base.size
        self._evict(record.at - self.window)

    def _evict(self, oldest: float) -> None:
        while len(self.records) > 1 and (self.records[0].at < oldest or self.bytes > self.budget):
            record = self.records.popleft()
            self._counts[record.source] -= 1
            if self._counts[record.source] == 0 and self.bytes <= self.budget:
                self.bases[record.source] = record  # still counted in self.bytes
            else:
                self.bytes -= record.size

    @property
    def oldest(self) -> float | None:
        """The time of the oldest moment the ring can show."""
        times = [r.at for r in self.bases.values()] + ([self.records[0].at] if self.records else [])
        return min(times) if times else None

    @property
    def newest(self) -> float | None:
        """The time of the newest record."""
        return self.records[-1].at if self.records else None

    def times(self) -> Iterator[float]:
        """Every moment a result arrived, oldest first."""
        for record in sorted(self.bases.values(), key=lambda r: r.at):
            yield record.at
        for record in self.records:
            yield record.at

    def state_at(self, moment: float) -> dict[str, Record]:
        """Each source's latest record at or before `moment`."""
        found: dict[str, Record] = {}
        for record in reversed(self.records):
            if record.at <= moment and record.source not in found:
                found[record.source] = record
        for source, base in self.bases.items():
            if source not in found and base.at <= moment:
                found[source] = base
        return found

    def after(self, seq: int) -> Iterator[Record]:
        """Records newer than sequence number `seq`, oldest first."""
        for record in self.records:
            if record.seq > seq:
                yield record

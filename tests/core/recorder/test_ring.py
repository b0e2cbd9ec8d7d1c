"""The ring keeps every source's results inside its window and its memory budget."""

from __future__ import annotations

import os

from deck._ring import Record, Ring


def _record(at: float, seq: int, source: str = "a.b", size: int = 10_000) -> Record:
    return Record.pack(at, seq, source, os.urandom(size))  # random bytes do not compress


def test_the_ring_never_holds_more_than_its_budget() -> None:
    ring = Ring(window=3600, budget=1_000_000)
    for seq in range(1_000):
        ring.add(_record(seq, seq, source=f"s{seq % 5}"))
        assert ring.bytes <= ring.budget
    assert ring.bytes == sum(r.size for r in ring.records) + sum(r.size for r in ring.bases.values())
    assert 80 <= len(ring) <= 100  # about budget / record size: the newest ones
    assert ring.records[-1].seq == 999


def test_the_ring_forgets_what_is_older_than_its_window() -> None:
    ring = Ring(window=60, budget=10**9)
    for second in range(0, 300, 10):
        ring.add(_record(second, second, size=100))
    assert ring.records[0].at == 230
    assert ring.newest == 290


def test_a_quiet_source_keeps_its_last_result_past_the_window() -> None:
    ring = Ring(window=60, budget=10**9)
    ring.add(_record(0, 0, source="once.only", size=100))
    for second in range(10, 300, 10):
        ring.add(_record(second, second, source="busy.one", size=100))
    state = ring.state_at(250)
    assert state["once.only"].at == 0
    assert state["busy.one"].at == 250
    assert ring.oldest == 0


def test_records_are_compressed_not_kept_as_objects() -> None:
    payload = b'{"value":' + b'"same text",' * 1000 + b'"end"}'
    record = Record.pack(1.0, 1, "a.b", payload)
    assert len(record.blob) < len(payload) / 20
    assert isinstance(record.blob, bytes)

"""The deck's clock: a test fixes it, everything drawn follows it, and stopping gives it back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import deck
from deck.testing import Clock, open_deck
from deck.widgets import relative_time


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_fixed_clock_drives_the_header_the_status_line_and_ages(utc: None, layouts: Path) -> None:
    clock = Clock(1_767_225_600.0 + 3600)  # 01:00:00 UTC
    harness = open_deck(layouts / "flaky.yaml", size=(100, 12), clock=clock)
    try:
        screen = harness.wait_for("count")
        assert screen.splitlines()[0].endswith("01:00:00")
        assert screen.splitlines()[-1].startswith("01:00:00 · ready")
        assert deck.now() == clock.time
        clock.advance(75)
        assert relative_time(clock.time - 75) == "1m ago"
        harness.wait_until(lambda: harness.text().splitlines()[0].endswith("01:01:15"), what="the tick")
    finally:
        harness.stop()
    assert abs(deck.now() - time.time()) < 60
